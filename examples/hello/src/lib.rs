//! The baseline of `customer-token-bench`: the minimal `wasi:http/proxy` component. It ignores
//! the request and answers `200 {"data":{"hello":"world"}}` as `application/json`, so that what
//! the benchmark measures for it is the cost of the runtime boundary alone (a fresh instance,
//! the incoming request and the outgoing response resources, one body write).
//!
//! Build it with `cargo build --release --target wasm32-wasip2 -p hello-wasi-http`; on other
//! targets the crate compiles to nothing.

#![cfg(target_arch = "wasm32")]

use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

const BODY: &[u8] = br#"{"data":{"hello":"world"}}"#;

struct Hello;

wasi::http::proxy::export!(Hello);

impl wasi::exports::http::incoming_handler::Guest for Hello {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let headers = Fields::from_list(&[
            ("content-type".to_owned(), b"application/json".to_vec()),
            (
                "content-length".to_owned(),
                BODY.len().to_string().into_bytes(),
            ),
        ])
        .expect("valid headers");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body is taken once");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("the stream is taken once");
        stream
            .blocking_write_and_flush(BODY)
            .expect("writing the body");
        drop(stream);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}
