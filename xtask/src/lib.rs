//! Build tasks for `customer-token`: building the wasm32-wasip2 crates and composing the component
//! with a host adapter.
//!
//! The component imports `commerce:customer-token/customer-store` and
//! `commerce:customer-token/secrets`; each adapter (`adapters/spin`, `adapters/wasi`) exports both
//! and imports one host's native key-value and config interfaces. [`compose`] plugs the adapter's
//! exports into the component's imports, so the result imports only what that host provides.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use wac_graph::types::{Package, World};
use wac_graph::{CompositionGraph, EncodeOptions, plug};

/// The target every component is built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// The product component's package.
pub const COMPONENT: &str = "customer-token";

/// A host adapter and the composite written for it under `dist/`.
#[derive(Debug, Clone, Copy)]
pub struct Adapter {
    /// Its cargo package.
    pub package: &'static str,
    /// The composite's file name under `dist/`.
    pub dist_file: &'static str,
    /// The import names (without version) of the host-native interfaces it uses.
    pub host_interfaces: &'static [&'static str],
}

/// The adapters, one per host family.
pub const ADAPTERS: [Adapter; 2] = [
    Adapter {
        package: "customer-token-spin-adapter",
        dist_file: "customer-token-spin.wasm",
        host_interfaces: &[
            "wasi:keyvalue/store@0.2.0-draft2",
            "wasi:keyvalue/atomics@0.2.0-draft2",
            "wasi:config/store@0.2.0-draft-2024-09-27",
        ],
    },
    Adapter {
        package: "customer-token-wasi-adapter",
        dist_file: "customer-token-wasi.wasm",
        host_interfaces: &[
            "wasi:keyvalue/store@0.2.0-draft",
            "wasi:keyvalue/atomics@0.2.0-draft",
            "wasi:config/store@0.2.0-rc.1",
        ],
    },
];

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

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// The workspace's target directory: `CARGO_TARGET_DIR` (relative to the workspace root) or
/// `<workspace>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// Runs `cargo build --release --target wasm32-wasip2` for the component and every adapter,
/// in `target_dir` (or cargo's default), and returns the directory holding the `.wasm` files.
pub fn build_wasm(root: &Path, target_dir: Option<&Path>) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "build",
        "--release",
        "--target",
        WASM_TARGET,
        "-p",
        COMPONENT,
    ]);
    for adapter in ADAPTERS {
        command.args(["-p", adapter.package]);
    }
    if let Some(dir) = target_dir {
        command.arg("--target-dir").arg(dir);
    }
    let status = command.status().context("failed to run cargo build")?;
    if !status.success() {
        bail!("cargo build --target {WASM_TARGET} failed ({status})");
    }
    let dir = target_dir.map_or_else(|| self::target_dir(root), Path::to_path_buf);
    Ok(dir.join(WASM_TARGET).join("release"))
}

/// Reads the `.wasm` file that cargo wrote for `package` in `release_dir`.
pub fn read_artifact(release_dir: &Path, package: &str) -> Result<Vec<u8>> {
    let path = release_dir.join(format!("{}.wasm", package.replace('-', "_")));
    std::fs::read(&path).with_context(|| format!("failed to read {}", path.display()))
}
