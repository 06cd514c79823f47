//! One wasmtime `Engine` per process, and each component compiled and linked once per process
//! and flavor. For the Spin and Wasi flavors the component is first composed with the flavor's
//! adapter (`customer_token_compose::compose`, wac-graph); the composite is compiled once too (and wasmtime's
//! on-disk cache, keyed by the composite's bytes, spares later processes the compilation).
//! A consumer of the product's typed interface (`customer_token_compose::compose_consumer`) is composed in front
//! of that product, and its composite cached and compiled the same way.

use super::bindings::consumer::ConsumerHostPre;
use super::bindings::{CustomerTokenPre, customer_store, exchange, secrets};
use super::flavor::Flavor;
use super::hosts;
use super::state::State;
use anyhow::{Context as _, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, HasSelf, InstancePre, Linker};
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
    /// Bytes of each linear memory and table slot kept resident between instances.
    pub const KEEP_RESIDENT_BYTES: usize = 2 * 1024 * 1024;
}

/// What one compiled component is cached under: the component file (canonical), the flavor, and
/// the flavor's adapter file (canonical; `None` for the bare flavor).
type CacheKey = (PathBuf, Flavor, Option<PathBuf>);

/// What one compiled consumer composite is cached under: the consumer file (canonical) and the
/// product's key.
type ConsumerKey = (PathBuf, CacheKey);

struct Shared {
    engine: Engine,
    pooling: bool,
    components: HashMap<CacheKey, Arc<Loaded>>,
    consumers: HashMap<ConsumerKey, Arc<Loaded<ConsumerHostPre<State>>>>,
}

/// A compiled, linked, pre-instantiated component (for the Spin and Wasi flavors, the composite
/// of the component and the adapter; for a consumer, the composite of the consumer and that).
pub(crate) struct Loaded<P = CustomerTokenPre<State>> {
    pub(crate) engine: Engine,
    pub(crate) pre: P,
    /// Where the typed `exchange` export is, if the component has one (only the composable
    /// build does).
    pub(crate) exchange: Option<Arc<exchange::GuestIndices>>,
    /// The product component (canonical).
    pub(crate) path: PathBuf,
    pub(crate) flavor: Flavor,
    pub(crate) adapter: Option<PathBuf>,
    /// The consumer composed in front of the product (canonical; `None` for the product alone).
    pub(crate) consumer: Option<PathBuf>,
    pub(crate) timings: LoadTimings,
}

/// How long loading a component took in this process (on a cache hit, the first load's figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadTimings {
    /// Composing: the component with the adapter (zero for [`Flavor::Bare`]), and for a
    /// [`ConsumerRuntime`](super::ConsumerRuntime) the consumer with that product.
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

/// Runs `f` on the process's engine and caches, creating the engine on first use. This holds
/// the lock, so concurrent first loads in one process compose and compile once.
fn with_shared<T>(f: impl FnOnce(&mut Shared) -> Result<T>) -> Result<T> {
    let mut guard = lock();
    if guard.is_none() {
        *guard = Some(new_shared()?);
    }
    let shared = guard.as_mut().context("the engine was not initialised")?;
    f(shared)
}

/// The canonical component path, flavor and canonical adapter path that `path` and `flavor`
/// load.
fn cache_key(path: &Path, flavor: Flavor) -> Result<CacheKey> {
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
    Ok((key, flavor, adapter))
}

/// The component at `path` for `flavor`, composing, compiling and linking it on first use.
/// This happens under a lock, so concurrent first uses in one process do it once.
pub(crate) fn load(path: &Path, flavor: Flavor) -> Result<Arc<Loaded>> {
    let cache_key = cache_key(path, flavor)?;
    with_shared(|shared| {
        if let Some(loaded) = shared.components.get(&cache_key) {
            return Ok(loaded.clone());
        }
        let (key, _, adapter) = &cache_key;
        let started = Instant::now();
        let (component, compose_time) = match adapter {
            None => {
                let component = Component::from_file(&shared.engine, key)
                    .map_err(anyhow::Error::from)
                    .with_context(|| format!("compiling the component {}", key.display()))?;
                (component, Duration::ZERO)
            }
            Some(adapter_path) => {
                let composite = compose(key, adapter_path)?;
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
        let what = key.display().to_string();
        // The composite exports the same `wasi:http/incoming-handler` (and `exchange`, if any)
        // as the bare component, so one set of export bindings serves every flavor.
        let pre = CustomerTokenPre::new(link(&shared.engine, &component, flavor, &what)?)
            .map_err(anyhow::Error::from)
            .context("the component does not export the customer-token world")?;
        let exchange = exchange::GuestIndices::new(pre.instance_pre())
            .ok()
            .map(Arc::new);
        let total = started.elapsed();
        let loaded = Arc::new(Loaded {
            engine: shared.engine.clone(),
            pre,
            exchange,
            path: key.clone(),
            flavor,
            adapter: adapter.clone(),
            consumer: None,
            timings: LoadTimings {
                compose: compose_time,
                compile: total.saturating_sub(compose_time),
            },
        });
        shared.components.insert(cache_key.clone(), loaded.clone());
        Ok(loaded)
    })
}

/// The `consumer` component composed with the product at `product` for `flavor` (itself
/// composed with the flavor's adapter first), compiled and linked against the flavor's host
/// imports on first use; cached like [`load`].
pub(crate) fn load_consumer(
    consumer: &Path,
    product: &Path,
    flavor: Flavor,
) -> Result<Arc<Loaded<ConsumerHostPre<State>>>> {
    let consumer = std::fs::canonicalize(consumer)
        .with_context(|| format!("the consumer {} cannot be read", consumer.display()))?;
    let consumer_key = (consumer, cache_key(product, flavor)?);
    with_shared(|shared| {
        if let Some(loaded) = shared.consumers.get(&consumer_key) {
            return Ok(loaded.clone());
        }
        let (consumer, (product, _, adapter)) = &consumer_key;
        let started = Instant::now();
        let product_bytes = match adapter {
            None => std::fs::read(product)
                .with_context(|| format!("reading the component {}", product.display()))?,
            Some(adapter_path) => compose(product, adapter_path)?,
        };
        let consumer_bytes = std::fs::read(consumer)
            .with_context(|| format!("reading the consumer {}", consumer.display()))?;
        let composite = customer_token_compose::compose_consumer(&consumer_bytes, &product_bytes)
            .with_context(|| {
            format!(
                "composing the consumer {} with the {flavor} product {}",
                consumer.display(),
                product.display()
            )
        })?;
        let compose_time = started.elapsed();
        let component = Component::new(&shared.engine, &composite)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "compiling the composite of the consumer {} and the {flavor} product {}",
                    consumer.display(),
                    product.display()
                )
            })?;
        let what = format!("{} composed with {}", consumer.display(), product.display());
        let pre = ConsumerHostPre::new(link(&shared.engine, &component, flavor, &what)?)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("the consumer does not export {LOGIN_INTERFACE}"))?;
        let total = started.elapsed();
        let loaded = Arc::new(Loaded {
            engine: shared.engine.clone(),
            pre,
            exchange: None,
            path: product.clone(),
            flavor,
            adapter: adapter.clone(),
            consumer: Some(consumer.clone()),
            timings: LoadTimings {
                compose: compose_time,
                compile: total.saturating_sub(compose_time),
            },
        });
        shared
            .consumers
            .insert(consumer_key.clone(), loaded.clone());
        Ok(loaded)
    })
}

/// The interface a consumer must export.
const LOGIN_INTERFACE: &str = "example:consumer/login@0.1.0";

/// Links `component` against WASI, wasi:http and the flavor's own host interfaces, and
/// pre-instantiates it. `what` names the component in errors.
fn link(
    engine: &Engine,
    component: &Component,
    flavor: Flavor,
    what: &str,
) -> Result<InstancePre<State>> {
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
    linker
        .instantiate_pre(component)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("linking the component {what} ({flavor})"))
}

/// The composite of the component and an adapter.
fn compose(component: &Path, adapter: &Path) -> Result<Vec<u8>> {
    let component_bytes = std::fs::read(component)
        .with_context(|| format!("reading the component {}", component.display()))?;
    let adapter_bytes = std::fs::read(adapter)
        .with_context(|| format!("reading the adapter {}", adapter.display()))?;
    customer_token_compose::compose(&component_bytes, &adapter_bytes).with_context(|| {
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
        consumers: HashMap::new(),
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
            // Keeping the first pages of a slot resident instead of returning them to the kernel
            // saves the page faults and TLB shootdowns of every fresh instance: the benchmark
            // measured the exchange 11-12% faster with 2 MiB (the guest's 1 MiB stack plus heap).
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
