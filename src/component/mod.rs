//! The component shell: binds WIT imports to the ports and WIT exports to the domain.
//! Nothing here decides anything; it only converts.

use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
    ResponseOutparam, Scheme,
};

use crate::clock::SystemClock;
use crate::http::{self, MAX_BODY_BYTES};
use crate::ports::{ExpiringCount, KeyValue, SecretError, Secrets, StoreError};
use crate::service::{Ports, log};

// Two worlds, one set of bindings each: HTTP artifacts are built without the `exchange` export
// (see wit/world.wit); the `composable` feature adds it.
macro_rules! bindings {
    ($world:tt) => {
        wit_bindgen::generate!({
            world: $world,
            path: "wit",
            with: {
                "wasi:http/types@0.2.12": wasi::http::types,
                "wasi:io/error@0.2.12": wasi::io::error,
                "wasi:io/poll@0.2.12": wasi::io::poll,
                "wasi:io/streams@0.2.12": wasi::io::streams,
                "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
                "wasi:http/incoming-handler@0.2.12": generate,
            },
        });
    };
}

#[cfg(not(feature = "composable"))]
bindings!("customer-token");
#[cfg(feature = "composable")]
bindings!("customer-token-composable");

use commerce::customer_token::{customer_store, secrets};

#[cfg(feature = "composable")]
mod typed;

struct Component;

export!(Component);

struct WitStore;

impl KeyValue for WitStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        customer_store::get(key).map_err(store_error)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        customer_store::set(key, value).map_err(store_error)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        customer_store::delete(key).map_err(store_error)
    }
    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        customer_store::increment(key, delta).map_err(store_error)
    }
    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        customer_store::increment_expiring(key, delta, ttl_seconds)
            .map(|counted| ExpiringCount {
                value: counted.value,
                expires: counted.expires,
            })
            .map_err(store_error)
    }
}

fn store_error(error: customer_store::Error) -> StoreError {
    match error {
        customer_store::Error::AccessDenied => StoreError::AccessDenied,
        customer_store::Error::Other(message) => StoreError::Other(message),
    }
}

struct WitSecrets;

impl Secrets for WitSecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        secrets::get(name).map_err(|error| match error {
            secrets::Error::Upstream(message) | secrets::Error::Io(message) => SecretError(message),
        })
    }
}

const PORTS: Ports<'static> = Ports {
    store: &WitStore,
    secrets: &WitSecrets,
    clock: &SystemClock,
};

impl exports::wasi::http::incoming_handler::Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let response = match read_request(&request) {
            Ok(request) => http::handle(&request, PORTS),
            Err(message) => {
                log(format_args!("could not read the request: {message}"));
                http::Response::error(400, "The request could not be read.")
            }
        };
        send_response(response, response_out);
    }
}

fn read_request(request: &IncomingRequest) -> Result<http::Request, &'static str> {
    let mut converted = http::Request {
        method: match request.method() {
            Method::Get => "GET".into(),
            Method::Head => "HEAD".into(),
            Method::Post => "POST".into(),
            Method::Put => "PUT".into(),
            Method::Delete => "DELETE".into(),
            Method::Connect => "CONNECT".into(),
            Method::Options => "OPTIONS".into(),
            Method::Trace => "TRACE".into(),
            Method::Patch => "PATCH".into(),
            Method::Other(other) => other,
        },
        scheme: match request.scheme() {
            Some(Scheme::Https) => "https".into(),
            Some(Scheme::Other(other)) => other,
            Some(Scheme::Http) | None => "http".into(),
        },
        authority: request.authority().unwrap_or_default(),
        headers: request.headers().entries(),
        ..http::Request::default()
    };
    converted.set_path_with_query(&request.path_with_query().unwrap_or_else(|| "/".into()));
    if converted.method == "POST" {
        converted.body = read_body(request)?;
    }
    Ok(converted)
}

/// Reads at most one byte past the limit, so an oversized body costs no more than that.
fn read_body(request: &IncomingRequest) -> Result<Vec<u8>, &'static str> {
    let body = request.consume().map_err(|()| "body already consumed")?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|()| "body stream unavailable")?;
        while bytes.len() <= MAX_BODY_BYTES {
            let wanted = (MAX_BODY_BYTES + 1 - bytes.len()).min(16 * 1024) as u64;
            match stream.blocking_read(wanted) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(wasi::io::streams::StreamError::Closed) => break,
                Err(wasi::io::streams::StreamError::LastOperationFailed(_)) => {
                    return Err("body stream failed");
                }
            }
        }
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

fn send_response(response: http::Response, response_out: ResponseOutparam) {
    let entries: Vec<(String, Vec<u8>)> = response
        .headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone().into_bytes()))
        .chain([(
            "content-length".to_owned(),
            response.body.len().to_string().into_bytes(),
        )])
        .collect();
    let headers = match Fields::from_list(&entries) {
        Ok(headers) => headers,
        Err(error) => {
            log(format_args!("could not build response headers: {error:?}"));
            Fields::new()
        }
    };
    let outgoing = OutgoingResponse::new(headers);
    if outgoing.set_status_code(response.status).is_err() {
        log(format_args!("invalid status code {}", response.status));
    }
    let Ok(body) = outgoing.body() else {
        log(format_args!("response body unavailable"));
        return;
    };
    ResponseOutparam::set(response_out, Ok(outgoing));
    match body.write() {
        Ok(stream) => {
            for chunk in response.body.chunks(4096) {
                if let Err(error) = stream.blocking_write_and_flush(chunk) {
                    log(format_args!("could not write the response: {error:?}"));
                    break;
                }
            }
        }
        Err(()) => log(format_args!("response stream unavailable")),
    }
    // The host's error code is left out: its Debug text costs 4 KB of component for a line
    // that only says the client went away.
    if OutgoingBody::finish(body, None).is_err() {
        log(format_args!("could not finish the response"));
    }
}
