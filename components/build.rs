//! Builds the workspace's WebAssembly components with a nested `cargo build`, composes the
//! product with each host adapter (`customer_token_compose::compose`), and hands the files to
//! `src/lib.rs`, which embeds them: whoever depends on this crate (the server, the test kit,
//! the benchmark) runs the current component, and nothing reads the target directory at run
//! time.
//!
//! The nested build uses its own target directory (`<outer target dir>/wasm-build`) so it never
//! waits on the outer cargo's build lock, and it runs with the outer build's compiler flags and
//! wrappers removed (they are meant for the host target, not for wasm32-wasip2).
//!
//! Packages that share a manifest (the product component, the two host adapters and the example
//! consumer, all members of the workspace) are built by one nested `cargo build -p a -p b ...`,
//! so cargo starts once per workspace rather than once per package. The examples and the test
//! guest are built only with the `examples` feature.
//!
//! Setting a package's variable (`CUSTOMER_TOKEN_WASM`, ...) at build time skips its nested build
//! and uses that file instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM_TARGET: &str = "wasm32-wasip2";

/// One component to build: its manifest (relative to the workspace root), package name, the
/// file cargo writes, the variable under which the path is handed to `src/lib.rs`, and the
/// paths (relative to the workspace root) whose changes rebuild it.
struct WasmPackage {
    manifest: &'static str,
    package: &'static str,
    artifact: &'static str,
    env_var: &'static str,
    watch: &'static [&'static str],
    /// Cargo features to build it with.
    features: &'static [&'static str],
    /// Built only with this crate's `examples` feature (tests and benchmarks need it, the
    /// server does not).
    example: bool,
}

/// Every component built. Adding an adapter is one more entry here (and one in [`COMPOSITES`]);
/// entries with the same manifest are built together.
const PACKAGES: &[WasmPackage] = &[
    WasmPackage {
        manifest: "Cargo.toml",
        package: "customer-token",
        artifact: "customer_token.wasm",
        env_var: "CUSTOMER_TOKEN_WASM",
        watch: &["src", "wit", "build.rs", "Cargo.toml", "Cargo.lock"],
        // The runtime makes typed calls too (and tests compose consumers), so this is the
        // composable build; the HTTP builds (`spin build`, dist/) leave the `exchange` export out.
        features: &["customer-token/composable"],
        example: false,
    },
    // The host adapters, composed with the product into the Spin and Wasi composites below.
    // They read the product's WIT from `wit/`.
    WasmPackage {
        manifest: "Cargo.toml",
        package: "customer-token-spin-adapter",
        artifact: "customer_token_spin_adapter.wasm",
        env_var: "CUSTOMER_TOKEN_SPIN_ADAPTER_WASM",
        watch: &["adapters", "wit", "Cargo.lock"],
        features: &[],
        example: false,
    },
    WasmPackage {
        manifest: "Cargo.toml",
        package: "customer-token-wasi-adapter",
        artifact: "customer_token_wasi_adapter.wasm",
        env_var: "CUSTOMER_TOKEN_WASI_ADAPTER_WASM",
        watch: &["adapters", "wit", "Cargo.lock"],
        features: &[],
        example: false,
    },
    // The example consumer of the product's typed `exchange` interface. A workspace member, so it
    // shares the product's cargo invocation.
    WasmPackage {
        manifest: "Cargo.toml",
        package: "customer-token-consumer-example",
        artifact: "customer_token_consumer_example.wasm",
        env_var: "CUSTOMER_TOKEN_CONSUMER_WASM",
        watch: &["examples/consumer", "wit", "Cargo.lock"],
        features: &[],
        example: true,
    },
    // The benchmark's baseline: a minimal wasi:http component (bench/).
    WasmPackage {
        manifest: "Cargo.toml",
        package: "hello-wasi-http",
        artifact: "hello_wasi_http.wasm",
        env_var: "HELLO_WASI_HTTP_WASM",
        watch: &["examples/hello", "Cargo.lock"],
        features: &[],
        example: true,
    },
    // The benchmark's measure of a host's own store: replays a list of customer-store calls.
    WasmPackage {
        manifest: "Cargo.toml",
        package: "store-replay",
        artifact: "store_replay.wasm",
        env_var: "STORE_REPLAY_WASM",
        watch: &["examples/store-replay", "wit", "Cargo.lock"],
        features: &[],
        example: true,
    },
    // Test fixture: a guest that traps, spins and forgets to answer (runtime/tests/misbehaving.rs).
    WasmPackage {
        manifest: "runtime/tests/fixtures/misbehaving-guest/Cargo.toml",
        package: "misbehaving-guest",
        artifact: "misbehaving_guest.wasm",
        env_var: "MISBEHAVING_GUEST_WASM",
        watch: &[
            "wit",
            "runtime/tests/fixtures/misbehaving-guest/src",
            "runtime/tests/fixtures/misbehaving-guest/Cargo.toml",
            "runtime/tests/fixtures/misbehaving-guest/Cargo.lock",
        ],
        features: &[],
        example: true,
    },
];

/// A composite of the product and a host adapter: the variable its file is handed over in, and
/// the variables of its two parts.
struct Composite {
    env_var: &'static str,
    file: &'static str,
    product: &'static str,
    adapter: &'static str,
}

/// The product (its composable build) composed with each host's adapter: what
/// dist/customer-token-{spin,wasi}.wasm are, with the typed `exchange` export kept.
const COMPOSITES: &[Composite] = &[
    Composite {
        env_var: "CUSTOMER_TOKEN_SPIN_WASM",
        file: "customer-token-spin.wasm",
        product: "CUSTOMER_TOKEN_WASM",
        adapter: "CUSTOMER_TOKEN_SPIN_ADAPTER_WASM",
    },
    Composite {
        env_var: "CUSTOMER_TOKEN_WASI_WASM",
        file: "customer-token-wasi.wasm",
        product: "CUSTOMER_TOKEN_WASM",
        adapter: "CUSTOMER_TOKEN_WASI_ADAPTER_WASM",
    },
];

fn main() {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| {
            fail("the components crate has no parent directory (the workspace root)")
        });
    let wasm_target_dir = outer_target_dir(&workspace).join("wasm-build");
    let examples = env::var_os("CARGO_FEATURE_EXAMPLES").is_some();

    let mut built = Vec::new();
    let mut to_build = Vec::new();
    for package in PACKAGES
        .iter()
        .filter(|package| examples || !package.example)
    {
        for path in package.watch {
            println!("cargo:rerun-if-changed={}", workspace.join(path).display());
        }
        println!("cargo:rerun-if-env-changed={}", package.env_var);
        match env::var_os(package.env_var) {
            Some(path) if !path.is_empty() => {
                let path = PathBuf::from(path);
                if !path.is_file() {
                    fail(&format!(
                        "{} is set to {}, which is not a file",
                        package.env_var,
                        path.display()
                    ));
                }
                println!("cargo:rerun-if-changed={}", path.display());
                built.push((package.env_var, path));
            }
            _ => to_build.push(package),
        }
    }
    if !to_build.is_empty() {
        check_wasm_target_installed();
        for group in group_by_manifest(&to_build) {
            build_wasm_packages(&workspace, &wasm_target_dir, &group);
            for package in group {
                built.push((package.env_var, artifact_path(&wasm_target_dir, package)));
            }
        }
    }
    let out_dir = PathBuf::from(env_var("OUT_DIR"));
    for composite in COMPOSITES {
        let file = out_dir.join(composite.file);
        compose(composite, &built, &file);
        built.push((composite.env_var, file));
    }
    for (env_var, path) in built {
        println!("cargo:rustc-env={env_var}={}", path.display());
    }
}

/// Writes the composite of its product and adapter (both among `built`) to `file`.
fn compose(composite: &Composite, built: &[(&str, PathBuf)], file: &Path) {
    let read = |env_var: &str| {
        let (_, path) = built
            .iter()
            .find(|(var, _)| *var == env_var)
            .unwrap_or_else(|| fail(&format!("{env_var} was not built")));
        std::fs::read(path)
            .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())))
    };
    let bytes = customer_token_compose::compose(&read(composite.product), &read(composite.adapter))
        .unwrap_or_else(|e| fail(&format!("composing {}: {e:#}", composite.file)));
    std::fs::write(file, bytes)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", file.display())));
}

/// The packages grouped by manifest, in the order each manifest first appears.
fn group_by_manifest<'a>(packages: &[&'a WasmPackage]) -> Vec<Vec<&'a WasmPackage>> {
    let mut groups: Vec<Vec<&'a WasmPackage>> = Vec::new();
    for &package in packages {
        match groups
            .iter_mut()
            .find(|group| group[0].manifest == package.manifest)
        {
            Some(group) => group.push(package),
            None => groups.push(vec![package]),
        }
    }
    groups
}

/// Runs one `cargo build --release --target wasm32-wasip2 -p <a> -p <b> ...` for packages that
/// share a manifest, and checks that every artifact exists.
fn build_wasm_packages(workspace: &Path, target_dir: &Path, packages: &[&WasmPackage]) {
    let names = packages
        .iter()
        .map(|package| package.package)
        .collect::<Vec<_>>()
        .join(", ");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--target")
        .arg(WASM_TARGET);
    for package in packages {
        cmd.arg("-p").arg(package.package);
        for feature in package.features {
            cmd.arg("--features").arg(feature);
        }
    }
    cmd.arg("--manifest-path")
        .arg(workspace.join(packages[0].manifest))
        .arg("--target-dir")
        .arg(target_dir);
    scrub_environment(&mut cmd);

    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run cargo for {names}: {e}")));
    if !status.success() {
        fail(&format!(
            "building {names} for {WASM_TARGET} failed ({status}); the compiler output is above"
        ));
    }
    for package in packages {
        let artifact = artifact_path(target_dir, package);
        if !artifact.is_file() {
            fail(&format!(
                "the {} build succeeded but {} is missing",
                package.package,
                artifact.display()
            ));
        }
    }
}

/// Where cargo writes `package`'s component.
fn artifact_path(target_dir: &Path, package: &WasmPackage) -> PathBuf {
    target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(package.artifact)
}

/// Removes what the outer cargo set for the host build: flags, wrappers, the target dir, and the
/// per-package variables cargo hands to build scripts.
fn scrub_environment(cmd: &mut Command) {
    const EXACT: &[&str] = &[
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_LINKER",
        "RUSTDOC",
        "TARGET",
        "HOST",
        "OUT_DIR",
        "PROFILE",
        "OPT_LEVEL",
        "DEBUG",
        "NUM_JOBS",
    ];
    const CARGO_KEEP: &[&str] = &["CARGO_HOME"];
    const CARGO_KEEP_PREFIXES: &[&str] = &[
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRY_",
        "CARGO_REGISTRIES_",
        "CARGO_TERM_",
    ];
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let scrub = EXACT.contains(&key)
            || key.starts_with("RUSTC_")
            || (key.starts_with("CARGO_")
                && !CARGO_KEEP.contains(&key)
                && !CARGO_KEEP_PREFIXES.iter().any(|p| key.starts_with(p)));
        if scrub {
            cmd.env_remove(key);
        }
    }
}

/// The outer build's target directory: the nearest ancestor of OUT_DIR holding cargo's
/// `CACHEDIR.TAG` (above the `<triple>` directory of a `--target` build), else
/// `CARGO_TARGET_DIR`, else `<workspace>/target`.
fn outer_target_dir(workspace: &Path) -> PathBuf {
    let out_dir = PathBuf::from(env_var("OUT_DIR"));
    if let Some(dir) = out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
    {
        // With `--target <triple>` cargo tags `<target dir>/<triple>` too: go up to the root.
        let triple = env::var("TARGET").unwrap_or_default();
        return match dir.parent() {
            Some(parent) if !triple.is_empty() && dir.ends_with(&triple) => parent.to_path_buf(),
            _ => dir.to_path_buf(),
        };
    }
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        }
        _ => workspace.join("target"),
    }
}

fn check_wasm_target_installed() {
    if wasm_target_dir().is_some_and(|dir| dir.is_dir()) {
        return;
    }
    // rust-toolchain.toml names the target, but a rustup with auto-install off
    // (RUSTUP_AUTO_INSTALL=0) does not add it to an installed toolchain by itself: add it here,
    // so that the test command needs no step before it.
    println!("cargo:warning=adding the {WASM_TARGET} Rust target with rustup (once)");
    let added = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .status()
        .is_ok_and(|status| status.success());
    match wasm_target_dir() {
        Some(dir) if added && dir.is_dir() => {}
        dir => fail(&format!(
            "the {WASM_TARGET} Rust target is not installed (looked in {}) and `rustup target add {WASM_TARGET}` did not add it; run it yourself",
            dir.map(|dir| dir.display().to_string()).unwrap_or_default()
        )),
    }
}

/// Where the toolchain that builds us keeps the wasm target's standard library.
fn wasm_target_dir() -> Option<PathBuf> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Some(
        Path::new(&sysroot)
            .join("lib")
            .join("rustlib")
            .join(WASM_TARGET),
    )
}

fn env_var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| fail(&format!("cargo did not set {name}")))
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    panic!("{message}");
}
