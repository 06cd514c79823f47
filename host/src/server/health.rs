//! `GET /healthz` (the process answers) and `GET /readyz` (and its store answers), answered by
//! the server itself, for load balancers and orchestrators: neither reaches the component.

use bytes::Bytes;
use customer_token_runtime::Runtime;
use http_body_util::Full;
use std::time::Duration;

/// How long the store may take to answer the readiness probe.
pub const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// The key the readiness probe reads (never written).
const PROBE_KEY: &str = "customer-token-readiness-probe";

/// The answer for `path`, if it is a health path.
pub(super) async fn answer(path: &str, runtime: &Runtime) -> Option<hyper::Response<Full<Bytes>>> {
    match path {
        "/healthz" => Some(json(200, r#"{"status":"ok"}"#)),
        "/readyz" => Some(match store_answers(runtime).await {
            Ok(()) => json(200, r#"{"status":"ready"}"#),
            Err(why) => {
                eprintln!("customer-token-host: not ready: {why}");
                json(
                    503,
                    r#"{"status":"not ready","reason":"the store does not answer"}"#,
                )
            }
        }),
        _ => None,
    }
}

/// Whether the store answers a read within [`READY_TIMEOUT`].
async fn store_answers(runtime: &Runtime) -> Result<(), String> {
    runtime
        .store_answers(PROBE_KEY, READY_TIMEOUT)
        .await
        .map_err(|error| error.to_string())
}

fn json(status: u16, body: &'static str) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}
