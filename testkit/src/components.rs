//! The components the tests run, as the runtime takes them: the product for each flavor (the
//! bundled composites), the example consumer composed with it, and the examples.

use std::sync::OnceLock;

use customer_token_components::{self as built, Built};
use customer_token_runtime::{Flavor, Wasm};

fn wasm(built: Built) -> Wasm {
    Wasm::from_static(built.name, built.bytes)
}

/// The product for `flavor`: alone for bare, composed with the host's adapter for the others.
pub fn product(flavor: Flavor) -> Wasm {
    match built::product_for(flavor.name()) {
        Some(product) => wasm(product),
        None => panic!("no bundled product for the {flavor} host"),
    }
}

/// The example consumer composed in front of [`product`]`(flavor)`, composed once per process
/// and flavor.
pub fn consumer(flavor: Flavor) -> Wasm {
    static COMPOSED: [OnceLock<Wasm>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = Flavor::ALL
        .iter()
        .position(|f| *f == flavor)
        .expect("every flavor is in Flavor::ALL");
    COMPOSED[slot]
        .get_or_init(|| {
            let composite = customer_token_compose::compose_consumer(
                built::CONSUMER.bytes,
                product(flavor).bytes(),
            )
            .unwrap_or_else(|e| panic!("composing the consumer with the {flavor} product: {e:#}"));
            Wasm::new(
                format!("the example consumer with the {flavor} product"),
                composite,
            )
        })
        .clone()
}

/// The adapter of `flavor`'s host alone.
///
/// # Panics
/// For bare, which has none.
pub fn adapter(flavor: Flavor) -> Wasm {
    match built::adapter_for(flavor.name()) {
        Some(adapter) => wasm(adapter),
        None => panic!("the {flavor} host has no adapter"),
    }
}

/// `product` (another build of the product, say the HTTP one) as `flavor` runs it: composed
/// with that host's adapter, or as it is for bare.
pub fn for_flavor(product: &Wasm, flavor: Flavor) -> Wasm {
    let Some(adapter) = built::adapter_for(flavor.name()) else {
        return product.clone();
    };
    let composite = customer_token_compose::compose(product.bytes(), adapter.bytes)
        .unwrap_or_else(|e| panic!("composing {} with {}: {e:#}", product.name(), adapter.name));
    Wasm::new(
        format!("{} with {}", product.name(), adapter.name),
        composite,
    )
}

/// A minimal `wasi:http` component, the benchmark's baseline.
pub fn hello() -> Wasm {
    wasm(built::HELLO)
}

/// A component that makes the `customer-store` calls its request lists.
pub fn store_replay() -> Wasm {
    wasm(built::STORE_REPLAY)
}

/// A guest that traps, spins and forgets to answer.
pub fn misbehaving_guest() -> Wasm {
    wasm(built::MISBEHAVING_GUEST)
}

/// The flavor `CUSTOMER_TOKEN_FLAVOR` names ([`Flavor::from_env`]), so that a suite written
/// against the default runs under another host.
///
/// # Panics
/// If the variable names no flavor.
pub fn flavor_from_env() -> Flavor {
    Flavor::from_env().unwrap_or_else(|e| panic!("{e}"))
}
