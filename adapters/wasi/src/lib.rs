//! `wasmtime serve` and wasmCloud 2.x adapter for `customer-token`.
//!
//! Exports `commerce:customer-token/customer-store` and `commerce:customer-token/secrets` on top of
//! what those hosts give:
//!
//! - `wasi:keyvalue/{store,atomics}@0.2.0-draft` on the bucket named by the configuration key
//!   `keyvalue_bucket` (default `customer-token`, a name every wasmCloud store accepts: NATS
//!   JetStream refuses `""`); where the host has no bucket of that name and none was configured,
//!   the bucket `""` (`wasmtime serve -Skeyvalue` has only that one);
//! - `wasi:config/store@0.2.0-rc.1` (wasmtime's `-Sconfig -Sconfig-var=k=v`, wasmCloud's
//!   `workload.config`).
//!
//! Host quirks stay here: the bucket name, the key alphabet (NATS JetStream refuses `:`, which
//! every key of the product has: in a named bucket each key is written as [`keys::stored`]
//! maps it), and opening the bucket once per instance (wasmtime's in-memory store gives every
//! `open` a fresh copy of its preset data, so a second `open` would not see the writes made
//! through the first). These hosts' `increment` is `u64` already; their counters are decimal text
//! (wasmtime, wasmCloud's filesystem and Redis stores) or 8 bytes (wasmCloud's in-memory and NATS
//! stores), which the product never reads with `get`.
//!
//! Nothing in here may panic: a panic is a trap that takes the whole request down.
//!
//! The component is built for wasm32 only, without `std`; on other targets only the key mapping
//! is compiled (with `std`), for its tests, so that native workspace-wide builds and tests pass.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

pub mod keys;

#[cfg(target_arch = "wasm32")]
mod component;
