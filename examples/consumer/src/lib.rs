//! Example consumer of `customer-token`: a component that imports the product's typed interface
//! `commerce:customer-token/exchange@0.3.0` and exports `example:consumer/login@0.1.0`.
//!
//! Compose it with the product (`xtask::compose_consumer`, which plugs the product's `exchange`
//! export into this component's import); the composite then imports what the product imports.
//!
//! The component is `no_std` so that it imports nothing but `exchange` (with `std`, it would also
//! import `wasi:cli` and `wasi:io` for its panic and exit paths) and stays a few KB.
//!
//! The crate is a wasm32 component only; on other targets it is empty, so that native
//! workspace-wide builds and tests pass.

#![cfg(target_arch = "wasm32")]
#![no_std]

extern crate alloc;

mod bindings {
    wit_bindgen::generate!({
        world: "example:consumer/consumer",
        // The product's own WIT (with its deps) first, then this example's world.
        path: ["../../wit", "wit"],
        generate_all,
        // `CustomerInput { .., ..Default::default() }`: a field the product adds later (unset
        // here) needs no change to this code.
        additional_derives: [Default],
        additional_derives_ignore: [
            "error",
            "attribute-value",
            "attribute",
            "confirmation-status",
            "customer",
            "exchange-output",
        ],
    });
}

use alloc::format;
use alloc::string::String;

use bindings::commerce::customer_token::exchange::{self, CustomerInput, Error};
use bindings::exports::example::consumer::login;

// The allocator, `cabi_realloc` and the trapping panic handler that `std` would provide; shared
// with the adapters, which are `no_std` for the same reason. (The instance cell it also holds is
// for the adapters' cached bucket.)
#[path = "../../../adapters/runtime.rs"]
#[allow(dead_code)]
mod runtime;

/// The product's error as `<kind>: <message>`.
fn describe(err: Error) -> String {
    let (kind, message) = match err {
        Error::InvalidInput(message) => ("invalid-input", message),
        Error::Unauthorized(message) => ("unauthorized", message),
        Error::Expired(message) => ("expired", message),
        Error::Revoked(message) => ("revoked", message),
        Error::Internal(message) => ("internal", message),
    };
    format!("{kind}: {message}")
}

struct Consumer;

impl login::Guest for Consumer {
    fn sign_in(email: String, firstname: String, lastname: String) -> Result<String, String> {
        let input = CustomerInput {
            firstname,
            lastname,
            email,
            ..CustomerInput::default()
        };
        let output = exchange::exchange(&input).map_err(describe)?;
        Ok(format!("{}:{}", output.customer.id, output.token))
    }

    fn whoami(token: String) -> Result<String, String> {
        let customer = exchange::verify_token(&token).map_err(describe)?;
        Ok(customer.email)
    }
}

bindings::export!(Consumer with_types_in bindings);
