//! A plain-HTTP/1 server that hands each request to the component.
//!
//! It logs one line per request to stderr (method, path, status, microseconds) and nothing
//! else about the request: no headers, no query string, no body.

use anyhow::{Context as _, Result};
use bytes::Bytes;
use customer_token_runtime::Runtime;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::{TcpListener, ToSocketAddrs};

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// The largest request body the host reads (the component enforces its own, smaller limit).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A bound listener and the runtime that answers its requests.
pub struct Server {
    listener: TcpListener,
    runtime: Runtime,
    max_body_bytes: usize,
    log_requests: bool,
}

impl Server {
    /// Binds `addr` (use port 0 for any free port).
    pub async fn bind(addr: impl ToSocketAddrs, runtime: Runtime) -> Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .context("binding the listen address")?;
        Ok(Server {
            listener,
            runtime,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            log_requests: true,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Caps request bodies at `bytes` (larger ones get a 413 without reaching the component).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Turns the per-request log line on or off (on by default).
    pub fn log_requests(mut self, enabled: bool) -> Self {
        self.log_requests = enabled;
        self
    }

    /// Serves until the process ends.
    pub async fn run(self) -> Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` completes; connections already open are closed with it.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let local = self.local_addr()?;
        let handler = Handler {
            runtime: self.runtime,
            max_body_bytes: self.max_body_bytes,
            log_requests: self.log_requests,
            local,
        };
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Running out of file descriptors and the like: report and keep serving.
                    eprintln!("customer-token-host: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let handler = handler.clone();
            connections.spawn(async move {
                let service = service_fn(move |request| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler.handle(request).await) }
                });
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
            // Reap finished connections so the set does not grow without bound.
            while connections.try_join_next().is_some() {}
        }
        connections.shutdown().await;
        Ok(())
    }
}

#[derive(Clone)]
struct Handler {
    runtime: Runtime,
    max_body_bytes: usize,
    log_requests: bool,
    local: SocketAddr,
}

impl Handler {
    async fn handle(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = self.respond(request).await;
        if self.log_requests {
            eprintln!(
                "{method} {path} {} {}us",
                response.status().as_u16(),
                started.elapsed().as_micros()
            );
        }
        response
    }

    async fn respond(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let (mut parts, body) = request.into_parts();
        let authority = parts
            .headers
            .get(http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| self.local.to_string());
        let path_and_query = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        parts.uri = match format!("http://{authority}{path_and_query}").parse() {
            Ok(uri) => uri,
            Err(_) => return error_response(400, "Bad request: invalid Host header or path"),
        };

        let declared_length = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > self.max_body_bytes as u64) {
            return error_response(413, "Request body too large");
        }
        let body = match Limited::new(body, self.max_body_bytes).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                return error_response(413, "Request body too large");
            }
            Err(_) => return error_response(400, "Bad request: the body could not be read"),
        };

        match self
            .runtime
            .handle(http::Request::from_parts(parts, body))
            .await
        {
            Ok(response) => response.map(Full::new),
            Err(e) => {
                eprintln!("customer-token-host: request failed: {e:#}");
                let mut response = hyper::Response::new(Full::new(Bytes::new()));
                *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                response
            }
        }
    }
}

/// A host-generated error in the component's format (GraphQL error body, JSON).
fn error_response(status: u16, message: &str) -> hyper::Response<Full<Bytes>> {
    let body = serde_json::json!({ "errors": [ { "message": message } ] }).to_string();
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
