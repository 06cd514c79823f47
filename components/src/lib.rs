//! The workspace's WebAssembly components, built by `build.rs` for wasm32-wasip2 and embedded
//! here: the product (its composable build: the HTTP handler and the typed `exchange` export)
//! and the product composed with each host's adapter, and, with the `examples` feature, the
//! example consumer, the hello-world baseline and the misbehaving test guest.
//!
//! The bytes are in the binary, so a server built from this crate runs the component it was
//! built with wherever it is copied (only what a program uses is in it: these are constants).

/// One embedded component.
#[derive(Debug, Clone, Copy)]
pub struct Built {
    /// What it is, for messages.
    pub name: &'static str,
    pub bytes: &'static [u8],
}

/// The product alone: imports `commerce:customer-token/customer-store` and `secrets`.
pub const PRODUCT: Built = Built {
    name: "customer-token (composable, built with this binary)",
    bytes: include_bytes!(env!("CUSTOMER_TOKEN_WASM")),
};

/// The product composed with the Spin adapter: imports Spin's `wasi:keyvalue@0.2.0-draft2` and
/// `wasi:config@0.2.0-draft-2024-09-27`.
pub const SPIN: Built = Built {
    name: "customer-token with the Spin adapter (built with this binary)",
    bytes: include_bytes!(env!("CUSTOMER_TOKEN_SPIN_WASM")),
};

/// The product composed with the wasmtime/wasmCloud adapter: imports `wasi:keyvalue@0.2.0-draft`
/// and `wasi:config@0.2.0-rc.1`.
pub const WASI: Built = Built {
    name: "customer-token with the wasmtime/wasmCloud adapter (built with this binary)",
    bytes: include_bytes!(env!("CUSTOMER_TOKEN_WASI_WASM")),
};

/// The product for the host named `host` (`bare`, `spin` or `wasi`, as the runtime's flavors
/// are named).
pub fn product_for(host: &str) -> Option<Built> {
    match host {
        "bare" => Some(PRODUCT),
        "spin" => Some(SPIN),
        "wasi" => Some(WASI),
        _ => None,
    }
}

/// The Spin adapter alone (`adapters/spin`), for composing another build of the product.
pub const SPIN_ADAPTER: Built = Built {
    name: "the Spin adapter",
    bytes: include_bytes!(env!("CUSTOMER_TOKEN_SPIN_ADAPTER_WASM")),
};

/// The wasmtime/wasmCloud adapter alone (`adapters/wasi`).
pub const WASI_ADAPTER: Built = Built {
    name: "the wasmtime/wasmCloud adapter",
    bytes: include_bytes!(env!("CUSTOMER_TOKEN_WASI_ADAPTER_WASM")),
};

/// The adapter of the host named `host`: `None` for `bare`, which needs none.
pub fn adapter_for(host: &str) -> Option<Built> {
    match host {
        "spin" => Some(SPIN_ADAPTER),
        "wasi" => Some(WASI_ADAPTER),
        _ => None,
    }
}

/// The example consumer (`examples/consumer`): imports the product's `exchange` interface and
/// exports `example:consumer/login`.
#[cfg(feature = "examples")]
pub const CONSUMER: Built = Built {
    name: "the example consumer",
    bytes: include_bytes!(env!("CUSTOMER_TOKEN_CONSUMER_WASM")),
};

/// A minimal `wasi:http` component (`examples/hello`), the benchmark's baseline.
#[cfg(feature = "examples")]
pub const HELLO: Built = Built {
    name: "hello-wasi-http",
    bytes: include_bytes!(env!("HELLO_WASI_HTTP_WASM")),
};

/// A component that makes the `customer-store` calls its request lists (`examples/store-replay`),
/// the benchmark's measure of a host's own store.
#[cfg(feature = "examples")]
pub const STORE_REPLAY: Built = Built {
    name: "store-replay",
    bytes: include_bytes!(env!("STORE_REPLAY_WASM")),
};

/// A guest that traps, spins and forgets to answer (`runtime/tests/fixtures/misbehaving-guest`).
#[cfg(feature = "examples")]
pub const MISBEHAVING_GUEST: Built = Built {
    name: "misbehaving-guest",
    bytes: include_bytes!(env!("MISBEHAVING_GUEST_WASM")),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_has_a_product() {
        for host in ["bare", "spin", "wasi"] {
            let built = product_for(host).unwrap();
            assert!(built.bytes.starts_with(b"\0asm"), "{host}");
        }
        assert!(product_for("fermyon").is_none());
    }
}
