//! xtask's suites, one module per file, in one test binary (one link, one process).

mod built;
mod compose;
mod consumer;
mod dist;
mod wasmcloud;
