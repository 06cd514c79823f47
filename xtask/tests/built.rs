//! What several suites use, made once per run: the `dist` artifacts (the dist and wasmCloud
//! suites share one build; two in one process would write the same temporary files).

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use xtask::{Dist, WASM_OPT_HINT};

/// `wasm-opt`: the one `xtask::find_wasm_opt` finds, else binaryen installed with npm as
/// `cargo run -p xtask -- tools` does (once, into the shared tools directory). `None` (after
/// printing why) when it cannot be installed and the test is to be skipped; under `CI` that
/// fails instead.
pub fn wasm_opt() -> Option<PathBuf> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND.get_or_init(find_or_install).clone()
}

fn find_or_install() -> Option<PathBuf> {
    match xtask::find_wasm_opt() {
        Ok(Some(path)) => return Some(path),
        Ok(None) => {}
        Err(err) => panic!("locating wasm-opt failed: {err:#}"),
    }
    // Straight to stderr, not through `eprintln!`, which the test harness captures.
    let _ = writeln!(
        std::io::stderr(),
        "dist: installing binaryen {} with npm (as `cargo run -p xtask -- tools` does)",
        xtask::BINARYEN_VERSION
    );
    let installed = xtask::tools_dir().and_then(|dir| xtask::install_tools(&dir));
    customer_token_testkit::tool_or_skip(installed.map_err(|err| {
        format!(
            "wasm-opt (binaryen) was not found and could not be installed ({err:#}); to run \
             the optimized dist pipeline test: {WASM_OPT_HINT}"
        )
    }))
}

/// What `cargo run -p xtask -- dist` makes (optimized where [`wasm_opt`] found or installed
/// `wasm-opt`), into the target directory rather than `dist/`: made on first use.
pub fn dist() -> &'static Dist {
    static DIST: OnceLock<Dist> = OnceLock::new();
    DIST.get_or_init(|| {
        let root = xtask::workspace_root();
        let target_dir = xtask::target_dir(&root).join("wasm-build");
        let core_dir = xtask::build_core_modules(&root, &target_dir)
            .unwrap_or_else(|err| panic!("building the core modules failed: {err:#}"));
        xtask::make_dist(&core_dir, wasm_opt().as_deref())
            .unwrap_or_else(|err| panic!("the dist pipeline failed: {err:#}"))
    })
}
