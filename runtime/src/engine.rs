//! One wasmtime `Engine` per process, and each component compiled once per process and linked
//! once per flavor (wasmtime's on-disk cache, keyed by the component's bytes, spares later
//! processes the compilation). Nothing is composed here: the runtime runs the component it is
//! given, a product composed with a host adapter included.

use super::bindings::{CustomerTokenIndices, consumer::ConsumerHostIndices, exchange};
use super::flavor::Flavor;
use super::state::State;
use super::wasm::{Wasm, WasmKey};
use anyhow::{Context as _, Result, bail};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ProfilingStrategy,
};
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
    /// Bytes of each linear memory and table slot kept resident between instances.
    pub const KEEP_RESIDENT_BYTES: usize = 2 * 1024 * 1024;
}

struct Shared {
    engine: Engine,
    pooling: bool,
    /// Each component compiled, with the flavor its imports tell and how long compiling took.
    compiled: HashMap<WasmKey, Compiled>,
    /// Each component linked under a flavor.
    loaded: HashMap<(WasmKey, Flavor), Arc<Loaded>>,
}

#[derive(Clone)]
struct Compiled {
    component: Component,
    /// The flavor the component's imports are for, and the import that tells it.
    built_for: Option<(Flavor, String)>,
    time: Duration,
}

/// A compiled, linked, pre-instantiated component, and which of the calls the runtime makes it
/// exports.
pub(crate) struct Loaded {
    pub(crate) engine: Engine,
    pub(crate) pre: InstancePre<State>,
    /// `wasi:http/incoming-handler` (every build of the product, any `wasi:http` component).
    pub(crate) http: Option<CustomerTokenIndices>,
    /// The typed `exchange` export (the composable build).
    pub(crate) exchange: Option<exchange::GuestIndices>,
    /// The example consumer's `example:consumer/login` export (a consumer composed with the
    /// product).
    pub(crate) login: Option<ConsumerHostIndices>,
    pub(crate) name: String,
    pub(crate) flavor: Flavor,
    /// Compiling (or fetching from wasmtime's on-disk cache) when this process first loaded it.
    pub(crate) compile_time: Duration,
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

/// Runs `f` on the process's engine and caches, creating the engine on first use. This holds
/// the lock, so concurrent first loads in one process compile once.
fn with_shared<T>(f: impl FnOnce(&mut Shared) -> Result<T>) -> Result<T> {
    let mut guard = lock();
    if guard.is_none() {
        *guard = Some(new_shared()?);
    }
    let shared = guard.as_mut().context("the engine was not initialised")?;
    f(shared)
}

/// `wasm` linked for `flavor` (if `None`, the flavor its imports tell, else bare), compiling and
/// linking it on first use. A component built for another host than `flavor` is refused.
pub(crate) fn load(wasm: &Wasm, flavor: Option<Flavor>) -> Result<Arc<Loaded>> {
    let key = wasm.key();
    with_shared(|shared| {
        let compiled = match shared.compiled.get(&key) {
            Some(compiled) => compiled.clone(),
            None => {
                let compiled = compile(&shared.engine, wasm)?;
                shared.compiled.insert(key.clone(), compiled.clone());
                compiled
            }
        };
        let flavor = match (flavor, &compiled.built_for) {
            (Some(wanted), Some((built, import))) if wanted != *built => bail!(
                "{} is built for the {built} host (it imports {import}), not for {wanted}: give \
                 the {wanted} build (dist/customer-token-{wanted}.wasm), or run it as {built}",
                wasm.name()
            ),
            (Some(wanted), _) => wanted,
            (None, Some((built, _))) => *built,
            (None, None) => Flavor::Bare,
        };
        if let Some(loaded) = shared.loaded.get(&(key.clone(), flavor)) {
            return Ok(loaded.clone());
        }
        let pre = link(&shared.engine, &compiled.component, flavor)
            .with_context(|| format!("linking {} ({flavor})", wasm.name()))?;
        let loaded = Arc::new(Loaded {
            engine: shared.engine.clone(),
            http: CustomerTokenIndices::new(&pre).ok(),
            exchange: exchange::GuestIndices::new(&pre).ok(),
            login: ConsumerHostIndices::new(&pre).ok(),
            pre,
            name: wasm.name().to_owned(),
            flavor,
            compile_time: compiled.time,
        });
        if loaded.http.is_none() && loaded.exchange.is_none() && loaded.login.is_none() {
            bail!(
                "{} exports none of wasi:http/incoming-handler, the typed exchange interface \
                 or example:consumer/login: there is nothing to call",
                wasm.name()
            );
        }
        shared.loaded.insert((key, flavor), loaded.clone());
        Ok(loaded)
    })
}

fn compile(engine: &Engine, wasm: &Wasm) -> Result<Compiled> {
    let started = Instant::now();
    let component = Component::new(engine, wasm.bytes())
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {}", wasm.name()))?;
    let imports: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    Ok(Compiled {
        built_for: Flavor::of_imports(imports.iter().map(String::as_str)),
        component,
        time: started.elapsed(),
    })
}

/// Links `component` against WASI, wasi:http and the flavor's own host interfaces, and
/// pre-instantiates it.
fn link(engine: &Engine, component: &Component, flavor: Flavor) -> Result<InstancePre<State>> {
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    flavor.host().add_to_linker(&mut linker)?;
    Ok(linker.instantiate_pre(component)?)
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
        compiled: HashMap::new(),
        loaded: HashMap::new(),
    })
}

/// The host's wasmtime configuration (pooling allocator if `pooling`, epoch interruption),
/// without the on-disk cache. Public so that the benchmark measures its baseline under exactly
/// the configuration the product runs under.
pub fn engine_config(pooling: bool) -> Config {
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
            .max_memory_size(pool::MAX_MEMORY_SIZE)
            // Keeping the first pages of a slot resident (zeroed with memset) instead of returning
            // them to the kernel saves the page faults and TLB shootdowns of every fresh
            // instance: under 8 concurrent clients, 2 MiB against none took hello-world from 90
            // to 49-61 µs of host CPU and a Bearer read from 188-191 to 128-162 µs (the product
            // keeps its stack small so that the zeroing stays cheap: see its build.rs).
            .linear_memory_keep_resident(pool::KEEP_RESIDENT_BYTES)
            .table_keep_resident(pool::KEEP_RESIDENT_BYTES);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn config(pooling: bool) -> Config {
    let mut config = engine_config(pooling);
    if let Some(cache) = compilation_cache() {
        config.cache(Some(cache));
    }
    if std::env::var_os(PERF_MAP_ENV_VAR).is_some_and(|value| value == "1") {
        config.profiler(ProfilingStrategy::PerfMap);
    }
    config
}

/// Set to `1`, the engine writes `/tmp/perf-<pid>.map`, which names the JIT-compiled wasm
/// functions for `perf report` (a component built without `strip` gives them their Rust names).
pub const PERF_MAP_ENV_VAR: &str = "CUSTOMER_TOKEN_PERF_MAP";

/// The environment variable naming the directory of wasmtime's on-disk compilation cache, or
/// `off`; unset, wasmtime's own default (`~/.cache/wasmtime` on Linux).
pub const CACHE_ENV_VAR: &str = "CUSTOMER_TOKEN_WASMTIME_CACHE";

/// wasmtime's on-disk compilation cache, so that a restart (or each test process) does not
/// recompile the component. A cache that cannot be opened only costs the compilation.
fn compilation_cache() -> Option<wasmtime::Cache> {
    let mut cache_config = wasmtime::CacheConfig::new();
    match std::env::var_os(CACHE_ENV_VAR) {
        Some(dir) if dir == "off" => return None,
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).ok()?;
            cache_config.with_directory(dir);
        }
        _ => {}
    }
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
