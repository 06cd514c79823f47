//! The benchmark's measure of what a host itself costs: a `wasi:http` component importing the
//! product's `customer-store` and `secrets` interfaces (composed with a host adapter as the
//! product is) that makes the calls its request body lists, one per line, and does nothing
//! else:
//!
//! ```text
//! get <key>
//! set <key> <length>            (a value of <length> bytes)
//! delete <key>
//! increment <key> <delta>
//! increment-expiring <key> <delta> <ttl-seconds>
//! secret <name>
//! ```
//!
//! It answers `200 {"data":{"calls":<n>}}`, or `500` with the first failure as text. The bench
//! lists the calls the product makes for one exchange, so that the product's CPU per exchange on
//! a host is set beside the host's cost of those calls alone.
//!
//! Build it with `cargo build --release --target wasm32-wasip2 -p store-replay`; on other
//! targets the crate compiles to nothing.

#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    inline: "
        package bench:store-replay;

        world store-replay {
            import commerce:customer-token/customer-store@0.3.0;
            import commerce:customer-token/secrets@0.3.0;
            export wasi:http/incoming-handler@0.2.12;
        }
    ",
    path: "../../wit",
    with: {
        "wasi:http/types@0.2.12": wasi::http::types,
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/streams@0.2.12": wasi::io::streams,
        "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
        "wasi:http/incoming-handler@0.2.12": generate,
        "commerce:customer-token/customer-store@0.3.0": generate,
        "commerce:customer-token/secrets@0.3.0": generate,
    },
});

use commerce::customer_token::{customer_store, secrets};
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// Far above the dozen lines of an exchange's calls.
const MAX_BODY_BYTES: u64 = 64 * 1024;

struct Replay;

export!(Replay);

impl exports::wasi::http::incoming_handler::Guest for Replay {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let (status, body) = match read_body(request).and_then(|script| replay(&script)) {
            Ok(calls) => (200, format!(r#"{{"data":{{"calls":{calls}}}}}"#)),
            Err(why) => (500, why),
        };
        respond(response_out, status, body.as_bytes());
    }
}

fn read_body(request: IncomingRequest) -> Result<String, String> {
    let incoming = request.consume().map_err(|()| "no request body")?;
    let stream = incoming.stream().map_err(|()| "no body stream")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(MAX_BODY_BYTES) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(wasi::io::streams::StreamError::Closed) => break,
            Err(error) => return Err(format!("reading the body: {error:?}")),
        }
        if bytes.len() as u64 > MAX_BODY_BYTES {
            return Err("the body is too long".to_owned());
        }
    }
    drop(stream);
    IncomingBody::finish(incoming);
    String::from_utf8(bytes).map_err(|_| "the body is not UTF-8".to_owned())
}

/// Makes each listed call; the number made, or the first line that was malformed or failed.
fn replay(script: &str) -> Result<usize, String> {
    let mut calls = 0;
    for line in script.lines().filter(|line| !line.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |index: usize| -> Result<u64, String> {
            words
                .get(index)
                .and_then(|word| word.parse().ok())
                .ok_or_else(|| format!("`{line}`: word {index} is not a number"))
        };
        let failed = |error: customer_store::Error| format!("`{line}`: {error:?}");
        match words.as_slice() {
            ["get", key] => customer_store::get(key).map(drop).map_err(failed)?,
            ["set", key, _] => {
                customer_store::set(key, &vec![b'x'; number(2)? as usize]).map_err(failed)?
            }
            ["delete", key] => customer_store::delete(key).map_err(failed)?,
            ["increment", key, _] => customer_store::increment(key, number(2)?)
                .map(drop)
                .map_err(failed)?,
            ["secret", name] => secrets::get(name)
                .map(drop)
                .map_err(|error| format!("`{line}`: {error:?}"))?,
            ["increment-expiring", key, _, _] => {
                customer_store::increment_expiring(key, number(2)?, number(3)?)
                    .map(drop)
                    .map_err(failed)?
            }
            _ => return Err(format!("`{line}` is not a call")),
        }
        calls += 1;
    }
    Ok(calls)
}

fn respond(response_out: ResponseOutparam, status: u16, body: &[u8]) {
    let content_type = if status == 200 {
        "application/json"
    } else {
        "text/plain"
    };
    let Ok(headers) = Fields::from_list(&[
        ("content-type".to_owned(), content_type.as_bytes().to_vec()),
        (
            "content-length".to_owned(),
            body.len().to_string().into_bytes(),
        ),
    ]) else {
        return;
    };
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let Ok(outgoing) = response.body() else {
        return;
    };
    ResponseOutparam::set(response_out, Ok(response));
    if let Ok(stream) = outgoing.write() {
        let _ = stream.blocking_write_and_flush(body);
    }
    let _ = OutgoingBody::finish(outgoing, None);
}
