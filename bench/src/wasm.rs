//! What the `compile` section needs of wasmtime itself: `Engine::new`, `Component::new` and
//! instantiation into a fresh store, each timed on its own. The host's `Runtime` does all three
//! inside `build` and `handle` and exposes neither its engine nor its stores, so timing the
//! steps needs an engine, a linker and stores of the bench's own, set up as the host sets up
//! its (`customer_token_runtime::engine_config`, `Runtime::new_store`). Every request in
//! every other section goes through the host's `Runtime`.

use anyhow::{Context as _, Result};
use customer_token_runtime::{DEFAULT_TIMEOUT, EPOCH_TICK, engine_config, pool};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// An engine with the host's configuration: pooling if the address space can be reserved, as
/// the host falls back. No epoch ticker: nothing runs long enough to reach a deadline.
pub fn engine() -> Result<Engine> {
    Engine::new(&engine_config(true))
        .or_else(|_| Engine::new(&engine_config(false)))
        .map_err(anyhow::Error::from)
        .context("creating the wasmtime engine")
}

/// The store data the host's stores hold, less the backend and secrets (see [`instance_pre`]).
pub struct Ctx {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    limits: StoreLimits,
}

impl WasiView for Ctx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Ctx {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

/// A store set up as the host's `Runtime::new_store` sets one up.
pub fn new_store(engine: &Engine) -> Store<Ctx> {
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stderr().inherit_stdout();
    let limits = StoreLimitsBuilder::new()
        .memory_size(pool::MAX_MEMORY_SIZE)
        .instances(pool::MAX_CORE_INSTANCES_PER_COMPONENT as usize)
        .trap_on_grow_failure(false)
        .build();
    let state = Ctx {
        table: ResourceTable::new(),
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        limits,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    let ticks = DEFAULT_TIMEOUT
        .as_millis()
        .div_ceil(EPOCH_TICK.as_millis())
        .max(1);
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    store.epoch_deadline_trap();
    store
}

/// Links `component` with WASI and wasi:http as the host does. The product's own imports
/// (`customer-store`, `secrets`) are host functions that trap: instantiation links a host
/// function the same way whatever its body, and nothing here calls one. (Not
/// `define_unknown_imports_as_traps`: it stubs wasi imports of another patch version than
/// wasmtime-wasi's with resources of its own, which then fail to link.)
pub fn instance_pre(engine: &Engine, component: &Component) -> Result<InstancePre<Ctx>> {
    let mut linker = Linker::<Ctx>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    for (name, item) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        if name.starts_with("wasi:") {
            continue;
        }
        let mut defining = linker.instance(name)?;
        for (export, item) in instance.exports(engine) {
            if let ComponentItem::ComponentFunc(_) = item.ty {
                defining.func_new(export, |_, _, _, _| {
                    Err(wasmtime::Error::msg("not linked in the bench"))
                })?;
            }
        }
    }
    linker
        .instantiate_pre(component)
        .map_err(anyhow::Error::from)
        .context("linking the component")
}
