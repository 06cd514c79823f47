//! Build tasks for `customer-token`: building the wasm32-wasip2 crates, optimizing them and
//! composing the component with a host adapter (the composition itself is
//! `customer-token-compose`, re-exported here: [`compose`], [`compose_consumer`]).
//!
//! The distributed artifacts are made by [`build_core_modules`] and [`make_dist`]: each crate is
//! built as a core module (no component) with the [`DIST_PROFILE`], shrunk by binaryen's
//! `wasm-opt` ([`optimize`]), turned into a component in-process ([`componentize`]) and, for the
//! composites, composed. [`find_wasm_opt`] locates `wasm-opt`; [`install_tools`] installs it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use wasmparser::{Validator, WasmFeatures};
use wit_component::ComponentEncoder;

/// The target every component is built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// The product component's package. Built without features it is the HTTP artifact (world
/// `customer-token`: no `exchange` export).
pub const COMPONENT: &str = "customer-token";

/// The feature that builds the product's `customer-token-composable` world (with `exchange`).
pub const COMPOSABLE_FEATURE: &str = "customer-token/composable";

/// The name of the composable build's artifact: `dist/customer-token-composable.wasm`, and
/// its core module in [`core_dir`].
pub const COMPOSABLE: &str = "customer-token-composable";

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

pub use customer_token_compose::{
    OWN_INTERFACE_PREFIX, compose, compose_consumer, exports, imports,
};

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

/// Runs `cargo build --release --target wasm32-wasip2` for the component (its composable build,
/// as the host's build script makes it) and every adapter, in `target_dir` (or cargo's
/// default), and returns the directory holding the `.wasm` files.
pub fn build_wasm(root: &Path, target_dir: Option<&Path>) -> Result<PathBuf> {
    let mut command = cargo();
    command.current_dir(root).args([
        "build",
        "--release",
        "--target",
        WASM_TARGET,
        "-p",
        COMPONENT,
        "--features",
        COMPOSABLE_FEATURE,
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

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

// The dist pipeline: core modules, wasm-opt, wit-component, composition.

/// The cargo profile the dist pipeline builds core modules with: `release` with
/// `opt-level = "z"`. It is defined on cargo's command line ([`DIST_PROFILE_CONFIG`]), so it
/// changes no other build, and cargo writes its output to a directory of its own
/// (`<target dir>/wasm32-wasip2/wasm-dist`), so the core modules never overwrite the components
/// that `cargo build --release` writes (and the host runs).
///
/// Measured with binaryen 132 (`wasm-opt` with [`WASM_OPT_ARGS`]): the product component is
/// about 525 KB from `opt-level = "s"` and 448 KB from `opt-level = "z"`, against a 500 KB
/// budget.
pub const DIST_PROFILE: &str = "wasm-dist";

/// The `--config` values that define [`DIST_PROFILE`].
pub const DIST_PROFILE_CONFIG: [&str; 2] = [
    "profile.wasm-dist.inherits=\"release\"",
    "profile.wasm-dist.opt-level=\"z\"",
];

/// The size budget of `dist/customer-token.wasm`, in bytes.
pub const COMPONENT_BUDGET: usize = 500_000;

/// The binaryen release that [`install_tools`] installs (npm package `binaryen`).
pub const BINARYEN_VERSION: &str = "132";

/// What `wasm-opt` is run with: optimize for size, drop debug information, and use exactly the
/// WebAssembly 2.0 features (what rustc emits for wasm32-wasip2 by default).
///
/// Not `--all-features`: with it binaryen 132 writes typed function references (GC proposal)
/// and the compact-imports encoding: 20-30 KB smaller, but a component that this project's own
/// wasmtime host refuses to compile ("compact imports proposal disabled"), as would other hosts.
/// A module that uses a feature beyond 2.0 makes wasm-opt fail, rather than produce something
/// that some hosts cannot load.
pub const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--strip-debug",
    "--mvp-features",
    "--enable-mutable-globals",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-reference-types",
    "--enable-call-indirect-overlong",
    "--enable-multivalue",
    "--enable-simd",
];

/// The features the dist artifacts may use: WebAssembly 2.0 and the component model.
/// [`validate_portable`] checks them.
pub const PORTABLE_FEATURES: WasmFeatures =
    WasmFeatures::WASM2.union(WasmFeatures::COMPONENT_MODEL);

/// The product and the adapters, in that order: the packages the dist pipeline builds.
pub fn dist_packages() -> impl Iterator<Item = &'static str> {
    std::iter::once(COMPONENT).chain(ADAPTERS.iter().map(|adapter| adapter.package))
}

/// The directory that [`build_core_modules`] writes the core modules to under `target_dir`.
pub fn core_dir(target_dir: &Path) -> PathBuf {
    target_dir.join(WASM_TARGET).join(DIST_PROFILE)
}

/// Builds the product and each adapter as a core module, not a component, with the
/// [`DIST_PROFILE`] in `target_dir`: `cargo rustc --profile wasm-dist --target wasm32-wasip2 -p
/// PACKAGE --lib --crate-type cdylib -- -C link-arg=--skip-wit-component`. The core modules keep
/// the `component-type:*` custom sections that [`componentize`] reads. The product is built twice:
/// with [`COMPOSABLE_FEATURE`] (kept as [`COMPOSABLE`]) and without. Returns [`core_dir`].
pub fn build_core_modules(root: &Path, target_dir: &Path) -> Result<PathBuf> {
    let core_dir = core_dir(target_dir);
    // The composable build first, set aside under its own name; then the HTTP one in its place.
    build_core_module(root, target_dir, COMPONENT, Some(COMPOSABLE_FEATURE))?;
    let composable = core_dir.join(format!("{}.wasm", COMPOSABLE.replace('-', "_")));
    std::fs::copy(
        core_dir.join(format!("{}.wasm", COMPONENT.replace('-', "_"))),
        &composable,
    )
    .with_context(|| format!("failed to write {}", composable.display()))?;
    for package in dist_packages() {
        build_core_module(root, target_dir, package, None)?;
    }
    Ok(core_dir)
}

fn build_core_module(
    root: &Path,
    target_dir: &Path,
    package: &str,
    feature: Option<&str>,
) -> Result<()> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["rustc", "--profile", DIST_PROFILE]);
    for config in DIST_PROFILE_CONFIG {
        command.args(["--config", config]);
    }
    command.args(["--target", WASM_TARGET, "-p", package]);
    if let Some(feature) = feature {
        command.args(["--features", feature]);
    }
    command
        .args(["--lib", "--crate-type", "cdylib", "--target-dir"])
        .arg(target_dir)
        .args(["--", "-C", "link-arg=--skip-wit-component"]);
    let status = command
        .status()
        .with_context(|| format!("failed to run cargo rustc for {package}"))?;
    if !status.success() {
        bail!("cargo rustc --target {WASM_TARGET} -p {package} failed ({status})");
    }
    Ok(())
}

/// Where [`install_tools`] installs binaryen: `$CUSTOMER_TOKEN_TOOLS`, or
/// `$HOME/.cache/customer-token/tools`.
pub fn tools_dir() -> Result<PathBuf> {
    if let Some(dir) = non_empty_var("CUSTOMER_TOKEN_TOOLS") {
        return Ok(PathBuf::from(dir));
    }
    let home = non_empty_var("HOME")
        .ok_or_else(|| anyhow!("neither CUSTOMER_TOKEN_TOOLS nor HOME is set"))?;
    Ok(Path::new(&home).join(".cache/customer-token/tools"))
}

/// `wasm-opt` inside a tools directory made by [`install_tools`].
pub fn tools_wasm_opt(tools_dir: &Path) -> PathBuf {
    tools_dir.join("node_modules/.bin/wasm-opt")
}

/// Locates `wasm-opt`: `$WASM_OPT` (a binary or a script; an error if it names no file), else
/// `wasm-opt` on `PATH`, else the one [`install_tools`] put in [`tools_dir`]. `None` if none is
/// there.
pub fn find_wasm_opt() -> Result<Option<PathBuf>> {
    if let Some(path) = non_empty_var("WASM_OPT") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("WASM_OPT is {}, which is not a file", path.display());
        }
        return Ok(Some(path));
    }
    if let Some(path) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("wasm-opt"))
            .find(|path| is_executable(path))
    }) {
        return Ok(Some(path));
    }
    Ok(tools_dir()
        .ok()
        .map(|dir| tools_wasm_opt(&dir))
        .filter(|path| is_executable(path)))
}

/// How to get `wasm-opt`, for messages about its absence.
pub const WASM_OPT_HINT: &str = "run `cargo run -p xtask -- tools` (installs binaryen with npm \
into $CUSTOMER_TOKEN_TOOLS, default ~/.cache/customer-token/tools), put binaryen's wasm-opt on \
PATH, or set WASM_OPT to its path";

/// `wasm-opt --version`, e.g. `wasm-opt version 132 (version_132)`.
pub fn wasm_opt_version(wasm_opt: &Path) -> Result<String> {
    let output = Command::new(wasm_opt)
        .arg("--version")
        .output()
        .with_context(|| format!("failed to run {}", wasm_opt.display()))?;
    if !output.status.success() {
        bail!(
            "{} --version failed ({}): {}",
            wasm_opt.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Installs binaryen [`BINARYEN_VERSION`] into `dir` with npm (`npm install --prefix DIR
/// binaryen@132`) unless that version is already there; returns the path of its `wasm-opt`.
/// Holds a lock on `DIR/.install.lock` meanwhile, so processes that start at once install once.
pub fn install_tools(dir: &Path) -> Result<PathBuf> {
    let wasm_opt = tools_wasm_opt(dir);
    let wanted = format!("version_{BINARYEN_VERSION})");
    let installed = || {
        is_executable(&wasm_opt)
            && wasm_opt_version(&wasm_opt).is_ok_and(|version| version.ends_with(&wanted))
    };
    if installed() {
        return Ok(wasm_opt);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let lock_path = dir.join(".install.lock");
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("failed to create {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("failed to lock {}", lock_path.display()))?;
    if installed() {
        return Ok(wasm_opt);
    }
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .arg(format!("binaryen@{BINARYEN_VERSION}"))
        .status()
        .context("failed to run npm (binaryen's wasm-opt is installed from npm; it needs node)")?;
    if !status.success() {
        bail!("npm install binaryen@{BINARYEN_VERSION} failed ({status})");
    }
    let version = wasm_opt_version(&wasm_opt)?;
    if !version.ends_with(&wanted) {
        bail!(
            "{} reports {version:?}, not binaryen {BINARYEN_VERSION}",
            wasm_opt.display()
        );
    }
    Ok(wasm_opt)
}

/// Runs `wasm_opt` with [`WASM_OPT_ARGS`] on the core module `input`, writing `output`.
pub fn optimize(wasm_opt: &Path, input: &Path, output: &Path) -> Result<()> {
    let result = Command::new(wasm_opt)
        .args(WASM_OPT_ARGS)
        .arg(input)
        .arg("-o")
        .arg(output)
        .output()
        .with_context(|| format!("failed to run {}", wasm_opt.display()))?;
    if !result.status.success() {
        bail!(
            "{} failed on {} ({}): {}\n(dist is made with binaryen {BINARYEN_VERSION}; with \
             another wasm-opt, {WASM_OPT_HINT})",
            wasm_opt.display(),
            input.display(),
            result.status,
            String::from_utf8_lossy(&result.stderr).trim()
        );
    }
    Ok(())
}

/// Turns a core module that carries its `component-type:*` custom sections (as
/// [`build_core_modules`] writes them) into a component with `wit-component`, as rustc's
/// `wasm-component-ld` would, and checks it with [`validate_portable`].
pub fn componentize(core: &[u8]) -> Result<Vec<u8>> {
    let component = ComponentEncoder::default()
        .module(core)
        .context("failed to read the core module's component type")?
        .validate(true)
        .encode()
        .context("failed to encode the component")?;
    validate_portable(&component)?;
    Ok(component)
}

/// Validates a module or component with [`PORTABLE_FEATURES`] only (wit-component's own
/// validation allows every feature).
pub fn validate_portable(wasm: &[u8]) -> Result<()> {
    Validator::new_with_features(PORTABLE_FEATURES)
        .validate_all(wasm)
        .context("not valid with WebAssembly 2.0 and the component model alone")?;
    Ok(())
}

/// One package made by [`make_dist`].
#[derive(Debug, Clone)]
pub struct Built {
    /// Its cargo package.
    pub package: &'static str,
    /// The size of the core module cargo wrote.
    pub core_size: usize,
    /// The size of the core module after `wasm-opt`, and how long `wasm-opt` took; `None` when
    /// it was not run.
    pub optimized: Option<(usize, Duration)>,
    /// The component.
    pub component: Vec<u8>,
}

/// What [`make_dist`] makes.
#[derive(Debug, Clone)]
pub struct Dist {
    /// The product component for HTTP hosts (`dist/customer-token.wasm`).
    pub component: Built,
    /// The product component with the `exchange` export, for composition
    /// (`dist/customer-token-composable.wasm`).
    pub composable: Built,
    /// The adapter components, in [`ADAPTERS`] order.
    pub adapters: Vec<Built>,
    /// The composites of the product with each adapter, in [`ADAPTERS`] order.
    pub composites: Vec<Vec<u8>>,
}

/// From the core modules in `core_dir` (see [`build_core_modules`]): optimizes each with
/// `wasm_opt` (unless `None`; the packages in parallel), componentizes them and composes the
/// product with each adapter. Every result passes [`validate_portable`]. Writes nothing but
/// `wasm-opt`'s temporary output in `core_dir`.
pub fn make_dist(core_dir: &Path, wasm_opt: Option<&Path>) -> Result<Dist> {
    let mut built = std::thread::scope(|scope| {
        let jobs: Vec<_> = dist_packages()
            .chain(std::iter::once(COMPOSABLE))
            .map(|package| scope.spawn(move || build_one(core_dir, package, wasm_opt)))
            .collect();
        jobs.into_iter()
            .map(|job| {
                job.join()
                    .unwrap_or_else(|_| Err(anyhow!("a dist thread panicked")))
            })
            .collect::<Result<Vec<Built>>>()
    })?;
    let composable = built.pop().ok_or_else(|| anyhow!("no composable build"))?;
    let adapters = built.split_off(1);
    let component = built.remove(0);
    let mut composites = Vec::new();
    for (adapter, adapter_built) in ADAPTERS.iter().zip(&adapters) {
        let composed = compose(&component.component, &adapter_built.component)
            .with_context(|| format!("failed to compose {COMPONENT} with {}", adapter.package))?;
        validate_portable(&composed)
            .with_context(|| format!("the composite with {}", adapter.package))?;
        composites.push(composed);
    }
    Ok(Dist {
        component,
        composable,
        adapters,
        composites,
    })
}

fn build_one(core_dir: &Path, package: &'static str, wasm_opt: Option<&Path>) -> Result<Built> {
    let core = read_artifact(core_dir, package)?;
    let (module, optimized) = match wasm_opt {
        None => (core.clone(), None),
        Some(wasm_opt) => {
            let input = core_dir.join(format!("{}.wasm", package.replace('-', "_")));
            let output = core_dir.join(format!(
                "{}.wasm-opt-{}.wasm",
                package.replace('-', "_"),
                std::process::id()
            ));
            let start = Instant::now();
            let result = optimize(wasm_opt, &input, &output).and_then(|()| {
                std::fs::read(&output)
                    .with_context(|| format!("failed to read {}", output.display()))
            });
            let elapsed = start.elapsed();
            let _ = std::fs::remove_file(&output);
            let module = result?;
            let size = module.len();
            (module, Some((size, elapsed)))
        }
    };
    let component =
        componentize(&module).with_context(|| format!("failed to componentize {package}"))?;
    Ok(Built {
        package,
        core_size: core.len(),
        optimized,
        component,
    })
}

fn non_empty_var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|value| !value.is_empty())
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}
