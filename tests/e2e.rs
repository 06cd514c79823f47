//! The product's end-to-end suites, one module per file, in one test binary: one link of
//! wasmtime and, in the one process, one compilation of each component per run (as separate
//! binaries they were eleven of each).

#[macro_use]
mod support;

mod adobe_schema;
mod component;
mod consumer;
mod graphql_js;
mod hardening;
mod http_build;
mod interop;
mod real_spin;
mod security;
mod spin_manifest;
mod storefront;
