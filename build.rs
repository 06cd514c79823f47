//! The component's shadow stack (wasm32's default is 1 MiB): see `STACK_BYTES` below.

/// The linear-memory stack of the component, at the bottom of its memory, so that an overflow
/// traps (a 500) rather than writing over data. The deepest documents the nesting guard admits
/// (`testkit::fixture::deepest_documents`, run through the component by
/// `the_deepest_documents_fit_the_components_stack`) fit in 64 KiB and trap in 16 KiB; this
/// leaves four times the room. Smaller than wasm32's 1 MiB default because a host that reuses
/// instance slots (wasmtime's pooling allocator with `linear_memory_keep_resident`) zeroes the
/// start of the memory after every request, and a 1 MiB stack that a request touches only at
/// its top made that zeroing a fifth of a Bearer read's time (docs/performance.md).
const STACK_BYTES: u32 = 256 * 1024;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size={STACK_BYTES}");
    }
}
