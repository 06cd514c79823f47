//! Host bindings for the `customer-token` world in the workspace's `wit/`.
//!
//! The wasi:http, wasi:io and wasi:clocks types the world mentions are mapped to the
//! implementations in wasmtime-wasi(-http), so no duplicate types are generated and the
//! incoming-handler export takes the same resources that `WasiHttpCtxView` creates.

#![allow(missing_docs, clippy::all)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "commerce:customer-token/customer-token",
    exports: { default: async },
    require_store_data_send: true,
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});

pub use self::commerce::customer_token::{customer_store, secrets};
pub use self::exports::commerce::customer_token::exchange;
