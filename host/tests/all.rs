//! The server's integration suites, one module per file, in one test binary (one link of
//! wasmtime, one compilation of each component per run).

mod first_run;
mod production;
mod running;
mod server;
mod stores;
