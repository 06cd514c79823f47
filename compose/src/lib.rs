//! Composition of the customer-token components with wac-graph: the product with a host adapter
//! (what the host's Spin and Wasi flavors run and `dist/` ships), a consumer with the product, and
//! the names a component imports and exports. One small crate so that the host takes only this
//! from the build tooling.
//!
//! The component imports `commerce:customer-token/customer-store` and
//! `commerce:customer-token/secrets`; each adapter (`adapters/spin`, `adapters/wasi`) exports both
//! and imports one host's native key-value and config interfaces. [`compose`] plugs the adapter's
//! exports into the component's imports, so the result imports only what that host provides.

use anyhow::{Context, Result, bail};
use wac_graph::types::{Package, World};
use wac_graph::{CompositionGraph, EncodeOptions, plug};

/// The prefix of the import names that an adapter must satisfy.
pub const OWN_INTERFACE_PREFIX: &str = "commerce:customer-token/";

/// Composes `component` with `adapter`: each export of the adapter that matches an import of the
/// component is plugged into it, and the component's exports are re-exported. The adapter's own
/// imports become imports of the result.
///
/// Fails if the result would still import any `commerce:customer-token/...` interface.
pub fn compose(component: &[u8], adapter: &[u8]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let component = Package::from_bytes(
        "commerce:customer-token",
        None,
        component.to_vec(),
        graph.types_mut(),
    )
    .context("failed to decode the component")?;
    let component = graph
        .register_package(component)
        .context("failed to register the component")?;
    let adapter = Package::from_bytes(
        "commerce:adapter",
        None,
        adapter.to_vec(),
        graph.types_mut(),
    )
    .context("failed to decode the adapter")?;
    let adapter = graph
        .register_package(adapter)
        .context("failed to register the adapter")?;

    plug(&mut graph, vec![adapter], component)
        .context("failed to plug the adapter into the component")?;

    let bytes = graph
        .encode(EncodeOptions::default())
        .context("failed to encode the composition")?;

    let unsatisfied: Vec<String> = imports(&bytes)?
        .into_iter()
        .filter(|name| name.starts_with(OWN_INTERFACE_PREFIX))
        .collect();
    if !unsatisfied.is_empty() {
        bail!(
            "the adapter does not satisfy these imports of the component: {}",
            unsatisfied.join(", ")
        );
    }
    Ok(bytes)
}

/// Composes a `consumer` component (one that imports `commerce:customer-token/exchange`, such as
/// `examples/consumer`) with the `product` (the `customer-token` component, or a composite of it
/// with an adapter): the product's `exchange` export is plugged into the consumer's import and the
/// consumer's exports are re-exported. The product's other exports (`wasi:http/incoming-handler`)
/// are dropped, and its imports (`customer-store`, `secrets`, WASI) become imports of the result.
///
/// Fails if the consumer imports nothing the product exports, or if the result would still import
/// `commerce:customer-token/exchange`.
pub fn compose_consumer(consumer: &[u8], product: &[u8]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let consumer = Package::from_bytes(
        "commerce:consumer",
        None,
        consumer.to_vec(),
        graph.types_mut(),
    )
    .context("failed to decode the consumer")?;
    let consumer = graph
        .register_package(consumer)
        .context("failed to register the consumer")?;
    let product = Package::from_bytes(
        "commerce:customer-token",
        None,
        product.to_vec(),
        graph.types_mut(),
    )
    .context("failed to decode the product")?;
    let product = graph
        .register_package(product)
        .context("failed to register the product")?;

    plug(&mut graph, vec![product], consumer)
        .context("failed to plug the product into the consumer")?;

    let bytes = graph
        .encode(EncodeOptions::default())
        .context("failed to encode the composition")?;

    let exchange = format!("{OWN_INTERFACE_PREFIX}exchange@");
    if let Some(name) = imports(&bytes)?
        .into_iter()
        .find(|name| name.starts_with(&exchange))
    {
        bail!("the product does not satisfy the consumer's import of {name}");
    }
    Ok(bytes)
}

/// The names of a component's imports (e.g. `wasi:keyvalue/store@0.2.0-draft`), in order.
pub fn imports(component: &[u8]) -> Result<Vec<String>> {
    item_names(component, |world| world.imports.keys().cloned().collect())
}

/// The names of a component's exports, in order.
pub fn exports(component: &[u8]) -> Result<Vec<String>> {
    item_names(component, |world| world.exports.keys().cloned().collect())
}

fn item_names(component: &[u8], names: impl FnOnce(&World) -> Vec<String>) -> Result<Vec<String>> {
    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes(
        "inspect:component",
        None,
        component.to_vec(),
        graph.types_mut(),
    )
    .context("failed to decode the component")?;
    Ok(names(&graph.types()[package.ty()]))
}
