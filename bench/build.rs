//! Records what the report's header prints (rustc version, optimisation level, profile) and
//! where the workspace is. The hello-world baseline is built by the components crate's build
//! script with the product (`customer_token_testkit::components::hello`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fail("the bench crate has no parent directory (the workspace root)"));
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

fn env_var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| fail(&format!("cargo did not set {name}")))
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    panic!("{message}");
}
