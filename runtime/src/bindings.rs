//! Host bindings for the `customer-token` world in the workspace's `wit/`, and for the
//! `exchange` export that only the composable world has.
//!
//! The wasi:http, wasi:io and wasi:clocks types the world mentions are mapped to the
//! implementations in wasmtime-wasi(-http), so no duplicate types are generated and the
//! incoming-handler export takes the same resources that `WasiHttpCtxView` creates.

#![allow(missing_docs, clippy::all)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "commerce:customer-token/customer-token",
    exports: { default: async },
    // Store calls await the blocking pool (src/store_call.rs); secrets are a map lookup.
    imports: { "commerce:customer-token/customer-store": async },
    require_store_data_send: true,
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});

pub use self::commerce::customer_token::{customer_store, secrets};
pub use self::typed::exports::commerce::customer_token::exchange;

/// The `exchange` export alone (only the composable world has it), found at load time: a
/// component built without it is still served over HTTP, and its typed calls are refused. The
/// interface names no WASI or storage types, so nothing needs mapping.
mod typed {
    wasmtime::component::bindgen!({
        path: "../wit",
        inline: "
            package customer-token-host:typed;

            world typed {
                export commerce:customer-token/exchange@0.3.0;
            }
        ",
        exports: { default: async },
        require_store_data_send: true,
        // A caller may read an input from JSON (the test kit does, so that a field the
        // product adds needs no change to it) and log an output as JSON.
        additional_derives: [serde::Deserialize, serde::Serialize],
    });
}

/// Host bindings for a world that exports only the example consumer's
/// `example:consumer/login@0.1.0` (`examples/consumer/wit`), which is all the consumer composed
/// with the product exports. The consumer's WIT names the product's package, so the product's
/// `wit/` is parsed first.
pub(crate) mod consumer {
    wasmtime::component::bindgen!({
        path: ["../wit", "../examples/consumer/wit"],
        inline: "
            package customer-token-host:consumer;

            world consumer-host {
                export example:consumer/login@0.1.0;
            }
        ",
        exports: { default: async },
        require_store_data_send: true,
    });
}
