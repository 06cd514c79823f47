//! A minimal plain-HTTP/1 client (hyper over a tokio `TcpStream`) for the CLI and tests.

use anyhow::{Context as _, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Sends `request` (absolute `http://` URI) on a new connection and reads the whole response.
pub async fn send(request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
    let (mut parts, body) = request.into_parts();
    let uri = parts.uri.clone();
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => bail!("only http:// URLs are supported, not {other}://"),
        None => bail!("the URL must be absolute (http://host:port/path)"),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| anyhow!("the URL has no host"))?
        .clone();
    let port = authority.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((authority.host(), port))
        .await
        .with_context(|| format!("connecting to {authority}"))?;
    let _ = stream.set_nodelay(true);

    // HTTP/1 wants the origin form on the request line and the authority in Host.
    parts.uri = uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/")
        .parse()
        .context("building the request path")?;
    if !parts.headers.contains_key(http::header::HOST) {
        parts.headers.insert(
            http::header::HOST,
            http::HeaderValue::from_str(authority.as_str()).context("the Host header")?,
        );
    }

    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP handshake")?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(hyper::Request::from_parts(parts, Full::new(body)))
        .await
        .context("sending the request")?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .context("reading the response body")?
        .to_bytes();
    drop(sender);
    let _ = driver.await;
    Ok(http::Response::from_parts(parts, body))
}
