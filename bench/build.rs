//! Builds the hello-world baseline (`examples/hello`, package `hello-wasi-http`) for
//! wasm32-wasip2 with a nested `cargo build --release`, exactly as `host/build.rs` builds the
//! product: its own target directory (`<outer target dir>/wasm-build`, so it never waits on the
//! outer cargo's lock) and the outer build's flags and wrappers removed.
//!
//! `HELLO_WASI_HTTP_WASM=<file>` at build time skips the nested build and uses that file.
//! The build also records what the report's header prints (rustc version, optimisation level).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM_TARGET: &str = "wasm32-wasip2";
const PACKAGE: &str = "hello-wasi-http";
const ARTIFACT: &str = "hello_wasi_http.wasm";
const ENV_VAR: &str = "HELLO_WASI_HTTP_WASM";
/// Relative to the workspace root.
const WATCH: &[&str] = &[
    "examples/hello/src",
    "examples/hello/Cargo.toml",
    "Cargo.toml",
    "Cargo.lock",
];

fn main() {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fail("the bench crate has no parent directory (the workspace root)"));
    let wasm_target_dir = outer_target_dir(&workspace).join("wasm-build");

    println!(
        "cargo:rustc-env=BENCH_WASM_BUILD_DIR={}",
        wasm_target_dir.display()
    );
    println!("cargo:rustc-env=BENCH_WORKSPACE={}", workspace.display());
    println!(
        "cargo:rustc-env=BENCH_OPT_LEVEL={}",
        env::var("OPT_LEVEL").unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=BENCH_PROFILE={}",
        env::var("PROFILE").unwrap_or_default()
    );
    println!("cargo:rustc-env=BENCH_RUSTC_VERSION={}", rustc_version());

    for path in WATCH {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-env-changed={ENV_VAR}");
    if let Some(path) = env::var_os(ENV_VAR).filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            fail(&format!(
                "{ENV_VAR} is set to {}, which is not a file",
                path.display()
            ));
        }
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-env={ENV_VAR}={}", path.display());
        return;
    }
    check_wasm_target_installed();
    let path = build_hello(&workspace, &wasm_target_dir);
    println!("cargo:rustc-env={ENV_VAR}={}", path.display());
}

/// Runs `cargo build --release --target wasm32-wasip2 -p hello-wasi-http` and returns the
/// artifact path.
fn build_hello(workspace: &Path, target_dir: &Path) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--target")
        .arg(WASM_TARGET)
        .arg("-p")
        .arg(PACKAGE)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    scrub_environment(&mut cmd);
    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run cargo for {PACKAGE}: {e}")));
    if !status.success() {
        fail(&format!(
            "building the {PACKAGE} component for {WASM_TARGET} failed ({status}); its compiler output is above"
        ));
    }
    let artifact = target_dir.join(WASM_TARGET).join("release").join(ARTIFACT);
    if !artifact.is_file() {
        fail(&format!(
            "the {PACKAGE} build succeeded but {} is missing",
            artifact.display()
        ));
    }
    artifact
}

/// Removes what the outer cargo set for the host build: flags, wrappers, the target dir, and the
/// per-package variables cargo hands to build scripts (the same list as `host/build.rs`).
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

fn rustc_version() -> String {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_else(|| "rustc (unknown version)".to_owned())
}

fn check_wasm_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .unwrap_or_else(|e| fail(&format!("could not run rustc: {e}")));
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let target_lib = Path::new(&sysroot)
        .join("lib")
        .join("rustlib")
        .join(WASM_TARGET);
    if !output.status.success() || !target_lib.is_dir() {
        fail(&format!(
            "the {WASM_TARGET} Rust target is not installed (looked in {}); install it with `rustup target add {WASM_TARGET}`",
            target_lib.display()
        ));
    }
}

fn env_var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| fail(&format!("cargo did not set {name}")))
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    panic!("{message}");
}
