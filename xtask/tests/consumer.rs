//! Builds the example consumer (`examples/consumer`) and the product for wasm32-wasip2, composes
//! them with `xtask::compose_consumer` and checks the composite: it exports the consumer's
//! interface, no longer imports the product's `exchange` (the product satisfies it), and imports
//! what the product imports (`customer-store`, `secrets`, WASI).
//!
//! Like `compose.rs`, the nested builds use `<target dir>/wasm-build`, so they do not wait on the
//! outer cargo's lock and reuse that build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use xtask::{ADAPTERS, COMPONENT, OWN_INTERFACE_PREFIX, WASM_TARGET};

/// The example's cargo package.
const CONSUMER: &str = "customer-token-consumer-example";

/// The interface the example exports.
const LOGIN: &str = "example:consumer/login@0.1.0";

/// Standard WASI the product may import on every host.
const STANDARD_WASI: &[&str] = &[
    "wasi:http/types@",
    "wasi:io/",
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
];

fn wasm_target_dir() -> PathBuf {
    xtask::target_dir(&xtask::workspace_root()).join("wasm-build")
}

/// Builds the product and adapters (with xtask's helper), then the consumer, in the same target
/// directory, once per test run; returns the directory holding the `.wasm` files.
fn release_dir() -> &'static Path {
    static RELEASE: OnceLock<PathBuf> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let root = xtask::workspace_root();
        let target_dir = wasm_target_dir();
        let release = match xtask::build_wasm(&root, Some(&target_dir)) {
            Ok(dir) => dir,
            Err(err) => panic!("building the wasm32-wasip2 crates failed: {err:#}"),
        };
        build_consumer(&root, &target_dir);
        release
    })
}

fn build_consumer(root: &Path, target_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            WASM_TARGET,
            "-p",
            CONSUMER,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .expect("failed to run cargo build");
    assert!(status.success(), "building {CONSUMER} failed ({status})");
}

fn imports_exchange(names: &[String]) -> bool {
    let exchange = format!("{OWN_INTERFACE_PREFIX}exchange@");
    names.iter().any(|name| name.starts_with(&exchange))
}

fn imports_own(names: &[String], interface: &str) -> bool {
    let prefix = format!("{OWN_INTERFACE_PREFIX}{interface}@");
    names.iter().any(|name| name.starts_with(&prefix))
}

#[test]
fn the_consumer_composes_with_the_product() {
    let release = release_dir();
    let consumer = xtask::read_artifact(release, CONSUMER).expect("consumer");
    let product = xtask::read_artifact(release, COMPONENT).expect("product");

    assert!(
        consumer.len() <= 100 * 1024,
        "{CONSUMER} is {} bytes, over the 100 KB budget",
        consumer.len()
    );
    let consumer_imports = xtask::imports(&consumer).expect("consumer imports");
    assert!(
        imports_exchange(&consumer_imports),
        "the consumer should import the product's exchange interface: {consumer_imports:?}"
    );
    assert_eq!(
        xtask::exports(&consumer).expect("consumer exports"),
        [LOGIN],
        "exports of the consumer"
    );

    let composed = xtask::compose_consumer(&consumer, &product).expect("compose");
    assert_eq!(
        xtask::exports(&composed).expect("composite exports"),
        [LOGIN],
        "exports of the composite"
    );
    let imports = xtask::imports(&composed).expect("composite imports");
    assert!(
        !imports_exchange(&imports),
        "the composite still imports exchange: {imports:?}"
    );
    for interface in ["customer-store", "secrets"] {
        assert!(
            imports_own(&imports, interface),
            "the composite does not import {OWN_INTERFACE_PREFIX}{interface}: {imports:?}"
        );
    }
    for name in &imports {
        assert!(
            imports_own(std::slice::from_ref(name), "customer-store")
                || imports_own(std::slice::from_ref(name), "secrets")
                || STANDARD_WASI.iter().any(|prefix| name.starts_with(prefix)),
            "the composite imports {name}"
        );
    }
}

/// The consumer also composes with a product already composed with a host adapter; the result
/// then imports none of the product's own interfaces, only that host's.
#[test]
fn the_consumer_composes_with_an_adapted_product() {
    let release = release_dir();
    let consumer = xtask::read_artifact(release, CONSUMER).expect("consumer");
    let product = xtask::read_artifact(release, COMPONENT).expect("product");
    for adapter in ADAPTERS {
        let adapter_bytes = xtask::read_artifact(release, adapter.package).expect("adapter");
        let adapted = xtask::compose(&product, &adapter_bytes).expect("compose with adapter");
        let composed = xtask::compose_consumer(&consumer, &adapted).expect("compose");
        assert_eq!(
            xtask::exports(&composed).expect("composite exports"),
            [LOGIN],
            "exports of the consumer composed with the {} composite",
            adapter.package
        );
        let imports = xtask::imports(&composed).expect("composite imports");
        for name in &imports {
            assert!(
                adapter.host_interfaces.contains(&name.as_str())
                    || STANDARD_WASI.iter().any(|prefix| name.starts_with(prefix)),
                "the consumer composed with the {} composite imports {name}",
                adapter.package
            );
        }
    }
}

#[test]
fn composing_with_something_that_is_not_the_product_fails() {
    // A component with no exports satisfies nothing.
    let empty = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    assert!(xtask::compose_consumer(&empty, &empty).is_err());
    assert!(xtask::compose_consumer(b"not wasm", &empty).is_err());
}
