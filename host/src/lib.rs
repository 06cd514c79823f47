//! The customer-token server: serves the component over HTTP/1 on the runtime
//! (`customer-token-runtime`), with the product and its host composites built into the binary,
//! and signs and sends requests to it as the integration does.
//!
//! - [`server`]: the HTTP server in front of a [`Runtime`](customer_token_runtime::Runtime).
//! - [`config`]: where the configuration comes from (environment, `--env-file`, the local
//!   development credentials).
//! - [`sign`] and [`client`]: OAuth 1.0a signing and a plain HTTP/1 client, for `sign` and `post`.

pub mod client;
pub mod config;
pub mod server;
pub mod sign;

use customer_token_runtime::{Flavor, Wasm};

/// The product built with this binary for `flavor`: alone for bare, composed with the host's
/// adapter for Spin and Wasi (what dist/ holds, with the typed `exchange` export kept).
pub fn bundled_product(flavor: Flavor) -> Wasm {
    let built = customer_token_components::product_for(flavor.name())
        .unwrap_or(customer_token_components::PRODUCT);
    Wasm::from_static(built.name, built.bytes)
}
