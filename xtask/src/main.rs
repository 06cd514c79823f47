//! `cargo run -p xtask -- dist`: builds the component and both adapters for wasm32-wasip2,
//! optimizes them with binaryen's `wasm-opt`, and writes `dist/customer-token.wasm` (the bare
//! component for HTTP hosts), `dist/customer-token-composable.wasm` (the same with the typed
//! `exchange` export, for composition) and the composites `dist/customer-token-spin.wasm` and
//! `dist/customer-token-wasi.wasm` (made from the HTTP one).
//!
//! `cargo run -p xtask -- tools` installs the `wasm-opt` that `dist` uses.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xtask::{
    ADAPTERS, BINARYEN_VERSION, Built, COMPONENT, COMPONENT_BUDGET, COMPOSABLE, WASM_OPT_HINT,
};

const USAGE: &str = "usage: cargo run -p xtask -- dist [--no-build]
       cargo run -p xtask -- tools

dist         build customer-token and its adapters for wasm32-wasip2 as core modules (release,
             opt-level \"z\"), optimize them with wasm-opt, make them components and write
             dist/customer-token.wasm (the component for HTTP hosts, without the typed
             `exchange` export), dist/customer-token-composable.wasm (with it, for composition),
             dist/customer-token-spin.wasm (the HTTP one composed with the Spin adapter) and
             dist/customer-token-wasi.wasm (composed with the wasmtime serve / wasmCloud adapter)
--no-build   use the core modules already in <target dir>/wasm-build/wasm32-wasip2/wasm-dist
tools        install binaryen's wasm-opt with npm into $CUSTOMER_TOKEN_TOOLS
             (default ~/.cache/customer-token/tools)

dist uses $WASM_OPT, else wasm-opt on PATH, else the one `tools` installed; without any it
writes unoptimized artifacts and says so.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["dist"] => dist(true),
        ["dist", "--no-build"] => dist(false),
        ["tools"] => tools(),
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

fn tools() -> Result<()> {
    let dir = xtask::tools_dir()?;
    let wasm_opt = xtask::install_tools(&dir)
        .with_context(|| format!("failed to install binaryen {BINARYEN_VERSION}"))?;
    println!(
        "{} ({})",
        wasm_opt.display(),
        xtask::wasm_opt_version(&wasm_opt)?
    );
    Ok(())
}

fn dist(build: bool) -> Result<()> {
    let start = Instant::now();
    let root = xtask::workspace_root();
    let target_dir = xtask::target_dir(&root).join("wasm-build");

    let wasm_opt = xtask::find_wasm_opt()?;
    match &wasm_opt {
        Some(path) => println!(
            "wasm-opt: {} ({})",
            path.display(),
            xtask::wasm_opt_version(path)?
        ),
        None => eprintln!(
            "warning: wasm-opt not found, so the artifacts will be UNOPTIMIZED. To get \
             wasm-opt: {WASM_OPT_HINT}."
        ),
    }

    let core_dir = if build {
        xtask::build_core_modules(&root, &target_dir)?
    } else {
        xtask::core_dir(&target_dir)
    };
    let built = Instant::now();
    let made = xtask::make_dist(&core_dir, wasm_opt.as_deref())?;
    let finished = Instant::now();

    let dist = root.join("dist");
    std::fs::create_dir_all(&dist)
        .with_context(|| format!("failed to create {}", dist.display()))?;
    let component_path = dist.join(format!("{COMPONENT}.wasm"));
    write(&component_path, &made.component.component)?;
    println!(
        "{}: {} (for HTTP hosts: no `exchange` export)",
        component_path.display(),
        describe(&made.component)
    );
    let composable_path = dist.join(format!("{COMPOSABLE}.wasm"));
    write(&composable_path, &made.composable.component)?;
    println!(
        "{}: {} (for composition: exports `exchange`, which trusts its caller)",
        composable_path.display(),
        describe(&made.composable)
    );
    for built in &made.adapters {
        println!("{}: {}", built.package, describe(built));
    }
    for ((adapter, built), composed) in ADAPTERS.iter().zip(&made.adapters).zip(&made.composites) {
        let path = dist.join(adapter.dist_file);
        write(&path, composed)?;
        println!(
            "{}: {} bytes (component {} bytes + {} {} bytes)",
            path.display(),
            composed.len(),
            made.component.component.len(),
            adapter.package,
            built.component.len()
        );
        for import in xtask::imports(composed)? {
            println!("  import {import}");
        }
    }
    println!(
        "took {} (cargo {}, wasm-opt/componentize/compose {})",
        seconds(finished - start),
        seconds(built - start),
        seconds(finished - built)
    );

    for (path, built) in [
        (&component_path, &made.component),
        (&composable_path, &made.composable),
    ] {
        let size = built.component.len();
        if size > COMPONENT_BUDGET {
            eprintln!(
                "warning: {} is {size} bytes, over its budget of {COMPONENT_BUDGET} bytes{}",
                path.display(),
                if wasm_opt.is_none() {
                    " (it is unoptimized: see above)"
                } else {
                    ""
                }
            );
        }
    }
    if wasm_opt.is_none() {
        eprintln!("warning: the artifacts above are unoptimized: {WASM_OPT_HINT}.");
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("failed to write {}", path.display()))
}

fn describe(built: &Built) -> String {
    match built.optimized {
        Some((size, took)) => format!(
            "{} bytes (core module {} bytes, {} after wasm-opt in {})",
            built.component.len(),
            built.core_size,
            size,
            seconds(took)
        ),
        None => format!(
            "{} bytes (core module {} bytes, not optimized)",
            built.component.len(),
            built.core_size
        ),
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
