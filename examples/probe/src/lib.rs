//! Used by `tests/real_spin.rs` to see what a host hands a component: a `wasi:http/proxy`
//! component that answers `200` with `{"method", "scheme", "authority", "path_with_query",
//! "headers": [[name, value], ...]}`, the incoming request as it received it, in order.
//!
//! Build it with `cargo build --release --target wasm32-wasip2 -p request-probe`; on other
//! targets the crate compiles to nothing.

#![cfg(target_arch = "wasm32")]

use serde_json::{Value, json};
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam, Scheme,
};

struct Probe;

wasi::http::proxy::export!(Probe);

impl wasi::exports::http::incoming_handler::Guest for Probe {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let method = match request.method() {
            Method::Get => "GET".to_owned(),
            Method::Post => "POST".to_owned(),
            Method::Other(other) => other,
            other => format!("{other:?}"),
        };
        let scheme = match request.scheme() {
            None => Value::Null,
            Some(Scheme::Http) => "http".into(),
            Some(Scheme::Https) => "https".into(),
            Some(Scheme::Other(other)) => other.into(),
        };
        let headers: Vec<Value> = request
            .headers()
            .entries()
            .into_iter()
            .map(|(name, value)| json!([name, String::from_utf8_lossy(&value)]))
            .collect();
        let body = json!({
            "method": method,
            "scheme": scheme,
            "authority": request.authority(),
            "path_with_query": request.path_with_query(),
            "headers": headers,
        })
        .to_string();

        let headers =
            Fields::from_list(&[("content-type".to_owned(), b"application/json".to_vec())])
                .expect("valid headers");
        let response = OutgoingResponse::new(headers);
        let outgoing = response.body().expect("the body is taken once");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = outgoing.write().expect("the stream is taken once");
        stream
            .blocking_write_and_flush(body.as_bytes())
            .expect("writing the body");
        drop(stream);
        OutgoingBody::finish(outgoing, None).expect("finishing the body");
    }
}
