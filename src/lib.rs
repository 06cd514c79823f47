//! `exchangeExternalCustomerToken` for the edge: the domain logic as plain Rust, and (on wasm32)
//! the thin component shell that binds it to WIT.

pub mod agreement;
pub mod clock;
pub mod config;
pub mod customer;
pub mod graphql;
pub mod http;
pub mod memory;
pub mod oauth;
pub mod ports;
pub mod resolver;
pub mod service;
pub mod token;
pub mod token_key;

#[cfg(target_arch = "wasm32")]
mod component;
