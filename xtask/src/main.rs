//! `cargo run -p xtask -- dist`: builds the component and both adapters for wasm32-wasip2 and
//! writes the composites `dist/customer-token-spin.wasm` and `dist/customer-token-wasi.wasm`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use xtask::{ADAPTERS, COMPONENT, WASM_TARGET};

const USAGE: &str = "usage: cargo run -p xtask -- dist [--no-build]

dist         build customer-token and its adapters for wasm32-wasip2 (release) and compose them
             into dist/customer-token-spin.wasm (Spin) and dist/customer-token-wasi.wasm
             (wasmtime serve, wasmCloud)
--no-build   compose the .wasm files already in the target directory";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["dist"] => dist(true),
        ["dist", "--no-build"] => dist(false),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dist(build: bool) -> Result<()> {
    let root = xtask::workspace_root();
    let release = if build {
        xtask::build_wasm(&root, None)?
    } else {
        xtask::target_dir(&root).join(WASM_TARGET).join("release")
    };

    let component = xtask::read_artifact(&release, COMPONENT)?;
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist)
        .with_context(|| format!("failed to create {}", dist.display()))?;
    for adapter in ADAPTERS {
        let adapter_bytes = xtask::read_artifact(&release, adapter.package)?;
        let composed = xtask::compose(&component, &adapter_bytes)
            .with_context(|| format!("failed to compose {COMPONENT} with {}", adapter.package))?;
        let path = dist.join(adapter.dist_file);
        std::fs::write(&path, &composed)
            .with_context(|| format!("failed to write {}", path.display()))?;
        println!(
            "{}: {} bytes (component {} bytes + {} {} bytes)",
            path.display(),
            composed.len(),
            component.len(),
            adapter.package,
            adapter_bytes.len()
        );
        for import in xtask::imports(&composed)? {
            println!("  import {import}");
        }
    }
    Ok(())
}
