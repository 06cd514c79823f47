//! Builds the component and both adapters for wasm32-wasip2 and checks each composite: it imports
//! only its host's native key-value and config interfaces plus standard WASI, none of the
//! product's own interfaces, and keeps the component's exports.
//!
//! The nested build uses `<target dir>/wasm-build` (the directory the host crate's build script
//! builds the component in), so it does not wait on the outer cargo's lock and reuses that build.

use std::path::PathBuf;

use xtask::{ADAPTERS, COMPONENT, OWN_INTERFACE_PREFIX};

/// Standard WASI the component itself may import on every host.
const STANDARD_WASI: &[&str] = &[
    "wasi:http/types@",
    "wasi:io/",
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
];

fn release_dir() -> PathBuf {
    let root = xtask::workspace_root();
    let target_dir = xtask::target_dir(&root).join("wasm-build");
    match xtask::build_wasm(&root, Some(&target_dir)) {
        Ok(dir) => dir,
        Err(err) => panic!("building the wasm32-wasip2 crates failed: {err:#}"),
    }
}

#[test]
fn each_composite_imports_only_its_hosts_interfaces() {
    let release = release_dir();
    let component = xtask::read_artifact(&release, COMPONENT).expect("component");
    let component_exports = xtask::exports(&component).expect("component exports");
    assert!(
        xtask::imports(&component)
            .expect("component imports")
            .iter()
            .any(|name| name.starts_with(OWN_INTERFACE_PREFIX)),
        "the component should import the product's own interfaces"
    );

    for adapter in ADAPTERS {
        let adapter_bytes = xtask::read_artifact(&release, adapter.package).expect("adapter");
        assert!(
            adapter_bytes.len() <= 100 * 1024,
            "{} is {} bytes, over the 100 KB budget",
            adapter.package,
            adapter_bytes.len()
        );
        let mut adapter_imports = xtask::imports(&adapter_bytes).expect("adapter imports");
        adapter_imports.sort();
        let mut expected: Vec<String> = adapter
            .host_interfaces
            .iter()
            .map(|s| s.to_string())
            .collect();
        expected.sort();
        assert_eq!(adapter_imports, expected, "imports of {}", adapter.package);

        let composed = xtask::compose(&component, &adapter_bytes).expect("compose");
        let imports = xtask::imports(&composed).expect("composite imports");
        for name in &imports {
            assert!(
                adapter.host_interfaces.contains(&name.as_str())
                    || STANDARD_WASI.iter().any(|prefix| name.starts_with(prefix)),
                "the {} composite imports {name}",
                adapter.package
            );
        }
        for host_interface in adapter.host_interfaces {
            assert!(
                imports.iter().any(|name| name == host_interface),
                "the {} composite does not import {host_interface}",
                adapter.package
            );
        }
        assert_eq!(
            xtask::exports(&composed).expect("composite exports"),
            component_exports,
            "exports of the {} composite",
            adapter.package
        );
    }
}

#[test]
fn composing_with_something_that_is_not_an_adapter_fails() {
    // A component with no exports cannot satisfy anything.
    let empty = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    assert!(xtask::compose(&empty, &empty).is_err());
    assert!(xtask::compose(b"not wasm", &empty).is_err());
}
