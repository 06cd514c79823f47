//! Section: compiling each component (a fresh engine, no cache) and instantiating it from its
//! pre-instantiated form (`InstancePre::instantiate_async` into a fresh store), the per-request
//! fixed cost. These are wasmtime's own steps, below the host's API (see `wasm.rs`).

use crate::stats::{Summary, Table, duration_ratio, fmt_duration};
use crate::wasm;
use anyhow::{Context as _, Result};
use std::time::{Duration, Instant};
use wasmtime::component::Component;
use wasmtime::{Engine, Store};

pub struct Measured {
    pub label: String,
    pub engine_new: Summary,
    pub compile: Summary,
    pub store_new: Summary,
    pub instantiate: Summary,
    pub drop_store: Summary,
}

pub async fn run(
    label: &str,
    bytes: &[u8],
    engine: &Engine,
    compile_runs: usize,
    instantiations: usize,
) -> Result<Measured> {
    let mut engine_new = Vec::new();
    let mut compile = Vec::new();
    for _ in 0..compile_runs {
        let started = Instant::now();
        let fresh = wasm::engine()?;
        let made = Instant::now();
        let component = Component::new(&fresh, bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling {label}"))?;
        compile.push(made.elapsed());
        engine_new.push(made - started);
        drop(component);
        drop(fresh);
    }

    let component = Component::new(engine, bytes).map_err(anyhow::Error::from)?;
    let pre = wasm::instance_pre(engine, &component)?;
    let mut store_new = Vec::new();
    let mut instantiate = Vec::new();
    let mut drop_store = Vec::new();
    for i in 0..instantiations + instantiations / 10 {
        let started = Instant::now();
        let mut store = wasm::new_store(engine);
        let made = Instant::now();
        let instance = pre
            .instantiate_async(&mut store)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("instantiating {label}"))?;
        let instantiated = Instant::now();
        std::hint::black_box(instance);
        drop::<Store<_>>(store);
        let dropped = instantiated.elapsed();
        if i >= instantiations / 10 {
            store_new.push(made - started);
            instantiate.push(instantiated - made);
            drop_store.push(dropped);
        }
    }
    let summary = |samples: &[Duration]| Summary::of(samples).context("no samples");
    Ok(Measured {
        label: label.to_owned(),
        engine_new: summary(&engine_new)?,
        compile: summary(&compile)?,
        store_new: summary(&store_new)?,
        instantiate: summary(&instantiate)?,
        drop_store: summary(&drop_store)?,
    })
}

pub fn report(measured: &[Measured], compile_runs: usize, instantiations: usize) {
    println!("## Compilation and instantiation\n");
    println!(
        "Compile: `Engine::new` (the host's pooling configuration) then `Component::new` from the bytes, no cache, median of {compile_runs} runs (Cranelift's parallel compilation uses every core). Instantiate: `InstancePre::instantiate_async` into a fresh store of an engine configured as the host's (the product's `customer-store` and `secrets` imports linked as trapping host functions; none is called), {instantiations} times after warm-up; \"store drop\" returns the instance's slots to the pool.\n"
    );
    let mut table = Table::new(&[
        "component",
        ">Engine::new",
        ">compile median",
        ">compile × hello",
        ">store new",
        ">instantiate median",
        ">instantiate p99",
        ">instantiate × hello",
        ">store drop median",
    ]);
    let hello = measured.first();
    for m in measured {
        let dash = || "–".to_owned();
        table.row(vec![
            m.label.clone(),
            fmt_duration(m.engine_new.median),
            fmt_duration(m.compile.median),
            hello.map_or_else(dash, |h| duration_ratio(m.compile.median, h.compile.median)),
            fmt_duration(m.store_new.median),
            fmt_duration(m.instantiate.median),
            fmt_duration(m.instantiate.p99),
            hello.map_or_else(dash, |h| {
                duration_ratio(m.instantiate.median, h.instantiate.median)
            }),
            fmt_duration(m.drop_store.median),
        ]);
    }
    table.print();
}
