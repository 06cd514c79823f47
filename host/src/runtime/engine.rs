//! One wasmtime `Engine` per process, and each component compiled and linked once per process
//! and flavor. For the Spin and Wasi flavors the component is first composed with the flavor's
//! adapter (`xtask::compose`, wac-graph); the composite is compiled once too (and wasmtime's
//! on-disk cache, keyed by the composite's bytes, spares later processes the compilation).

use super::bindings::{CustomerTokenPre, customer_store, secrets};
use super::flavor::Flavor;
use super::hosts;
use super::state::State;
use anyhow::{Context as _, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the background thread advances the engine's epoch. A store's deadline is counted
/// in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(100);

/// Pooling allocator limits. They bound how many instances can be alive at once in the process
/// (one per in-flight request) and how large each may grow.
pub mod pool {
    /// Component instances alive at once (concurrent requests across all `Runtime`s).
    pub const TOTAL_COMPONENT_INSTANCES: u32 = 256;
    /// Core module instances alive at once (a component has a handful).
    pub const TOTAL_CORE_INSTANCES: u32 = 2048;
    /// Core instances within one component.
    pub const MAX_CORE_INSTANCES_PER_COMPONENT: u32 = 32;
    /// Linear memories alive at once.
    pub const TOTAL_MEMORIES: u32 = 512;
    /// Linear memories within one component.
    pub const MAX_MEMORIES_PER_COMPONENT: u32 = 4;
    /// Tables alive at once.
    pub const TOTAL_TABLES: u32 = 1024;
    /// Tables within one component.
    pub const MAX_TABLES_PER_COMPONENT: u32 = 16;
    /// Elements per table.
    pub const TABLE_ELEMENTS: usize = 20_000;
    /// Async stacks alive at once (one per in-flight call).
    pub const TOTAL_STACKS: u32 = 256;
    /// The most one linear memory may grow to; the store limiter enforces the same bound.
    pub const MAX_MEMORY_SIZE: usize = 128 * 1024 * 1024;
}

/// What one compiled component is cached under: the component file (canonical), the flavor, and
/// the flavor's adapter file (canonical; `None` for the bare flavor).
type CacheKey = (PathBuf, Flavor, Option<PathBuf>);

struct Shared {
    engine: Engine,
    pooling: bool,
    components: HashMap<CacheKey, Arc<Loaded>>,
}

/// A compiled, linked, pre-instantiated component (for the Spin and Wasi flavors, the composite
/// of the component and the adapter).
pub(crate) struct Loaded {
    pub(crate) engine: Engine,
    pub(crate) pre: CustomerTokenPre<State>,
    pub(crate) path: PathBuf,
    pub(crate) flavor: Flavor,
    pub(crate) adapter: Option<PathBuf>,
    pub(crate) timings: LoadTimings,
}

/// How long loading a component took in this process (on a cache hit, the first load's figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadTimings {
    /// Composing the component with the adapter (zero for [`Flavor::Bare`]).
    pub compose: Duration,
    /// Compiling (or fetching from wasmtime's on-disk cache), linking and pre-instantiating.
    pub compile: Duration,
}

static SHARED: Mutex<Option<Shared>> = Mutex::new(None);

fn lock() -> MutexGuard<'static, Option<Shared>> {
    SHARED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether the process's engine uses the pooling allocator (false if it could not reserve its
/// address space and fell back to on-demand allocation). `None` before the first `Runtime`.
pub fn uses_pooling_allocator() -> Option<bool> {
    lock().as_ref().map(|shared| shared.pooling)
}

/// The component at `path` for `flavor`, composing, compiling and linking it on first use.
/// This happens under a lock, so concurrent first uses in one process do it once.
pub(crate) fn load(path: &Path, flavor: Flavor) -> Result<Arc<Loaded>> {
    let key = std::fs::canonicalize(path)
        .with_context(|| format!("the component {} cannot be read", path.display()))?;
    let adapter = match flavor.adapter_path() {
        Some(adapter) => Some(std::fs::canonicalize(&adapter).with_context(|| {
            format!(
                "the {flavor} adapter {} cannot be read (build it, or set {})",
                adapter.display(),
                flavor.adapter_env_var().unwrap_or_default()
            )
        })?),
        None => None,
    };
    let cache_key = (key.clone(), flavor, adapter.clone());
    let mut guard = lock();
    if guard.is_none() {
        *guard = Some(new_shared()?);
    }
    let shared = guard.as_mut().context("the engine was not initialised")?;
    if let Some(loaded) = shared.components.get(&cache_key) {
        return Ok(loaded.clone());
    }

    let started = Instant::now();
    let (component, compose_time) = match &adapter {
        None => {
            let component = Component::from_file(&shared.engine, &key)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("compiling the component {}", key.display()))?;
            (component, Duration::ZERO)
        }
        Some(adapter_path) => {
            let composite = compose(&key, adapter_path)?;
            let compose_time = started.elapsed();
            let component = Component::new(&shared.engine, &composite)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!(
                        "compiling the {flavor} composite of {} and {}",
                        key.display(),
                        adapter_path.display()
                    )
                })?;
            (component, compose_time)
        }
    };
    let pre = link(&shared.engine, &component, flavor, &key)?;
    let total = started.elapsed();
    let loaded = Arc::new(Loaded {
        engine: shared.engine.clone(),
        pre,
        path: key,
        flavor,
        adapter,
        timings: LoadTimings {
            compose: compose_time,
            compile: total.saturating_sub(compose_time),
        },
    });
    shared.components.insert(cache_key, loaded.clone());
    Ok(loaded)
}

/// Links `component` against WASI, wasi:http and the flavor's own host interfaces, and
/// pre-instantiates it.
fn link(
    engine: &Engine,
    component: &Component,
    flavor: Flavor,
    path: &Path,
) -> Result<CustomerTokenPre<State>> {
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    match flavor {
        Flavor::Bare => {
            customer_store::add_to_linker::<State, HasSelf<State>>(&mut linker, |state| state)?;
            secrets::add_to_linker::<State, HasSelf<State>>(&mut linker, |state| state)?;
        }
        Flavor::Spin => hosts::spin::add_to_linker(&mut linker)?,
        Flavor::Wasi => hosts::wasi::add_to_linker(&mut linker)?,
    }
    let instance_pre = linker
        .instantiate_pre(component)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("linking the component {} ({flavor})", path.display()))?;
    // The composite exports the same `wasi:http/incoming-handler` and `exchange` as the bare
    // component, so one set of export bindings serves every flavor.
    CustomerTokenPre::new(instance_pre)
        .map_err(anyhow::Error::from)
        .context("the component does not export the customer-token world")
}

/// The composite of the component and an adapter.
fn compose(component: &Path, adapter: &Path) -> Result<Vec<u8>> {
    let component_bytes = std::fs::read(component)
        .with_context(|| format!("reading the component {}", component.display()))?;
    let adapter_bytes = std::fs::read(adapter)
        .with_context(|| format!("reading the adapter {}", adapter.display()))?;
    xtask::compose(&component_bytes, &adapter_bytes).with_context(|| {
        format!(
            "composing {} with the adapter {}",
            component.display(),
            adapter.display()
        )
    })
}

fn new_shared() -> Result<Shared> {
    let (engine, pooling) = match Engine::new(&config(true)) {
        Ok(engine) => (engine, true),
        Err(pooling_error) => {
            eprintln!(
                "customer-token-host: pooling allocator unavailable ({pooling_error}); using on-demand allocation"
            );
            let engine = Engine::new(&config(false))
                .map_err(anyhow::Error::from)
                .context("creating the wasmtime engine")?;
            (engine, false)
        }
    };
    start_epoch_ticker(engine.clone())?;
    Ok(Shared {
        engine,
        pooling,
        components: HashMap::new(),
    })
}

fn config(pooling: bool) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    if pooling {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(pool::TOTAL_COMPONENT_INSTANCES)
            .total_core_instances(pool::TOTAL_CORE_INSTANCES)
            .max_core_instances_per_component(pool::MAX_CORE_INSTANCES_PER_COMPONENT)
            .total_memories(pool::TOTAL_MEMORIES)
            .max_memories_per_component(pool::MAX_MEMORIES_PER_COMPONENT)
            .total_tables(pool::TOTAL_TABLES)
            .max_tables_per_component(pool::MAX_TABLES_PER_COMPONENT)
            .table_elements(pool::TABLE_ELEMENTS)
            .total_stacks(pool::TOTAL_STACKS)
            .max_memory_size(pool::MAX_MEMORY_SIZE);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    if let Some(cache) = compilation_cache() {
        config.cache(Some(cache));
    }
    config
}

/// wasmtime's on-disk compilation cache, so each test process does not recompile the component.
/// `CUSTOMER_TOKEN_WASMTIME_CACHE` (a directory, or `off`) overrides the build's default.
fn compilation_cache() -> Option<wasmtime::Cache> {
    let dir = match std::env::var_os("CUSTOMER_TOKEN_WASMTIME_CACHE") {
        Some(dir) if dir == "off" => return None,
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CUSTOMER_TOKEN_WASMTIME_CACHE")),
    };
    std::fs::create_dir_all(&dir).ok()?;
    let mut cache_config = wasmtime::CacheConfig::new();
    cache_config.with_directory(dir);
    wasmtime::Cache::new(cache_config).ok()
}

fn start_epoch_ticker(engine: Engine) -> Result<()> {
    std::thread::Builder::new()
        .name("customer-token-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .context("starting the epoch ticker thread")?;
    Ok(())
}
