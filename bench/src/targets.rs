//! The performance targets of the project's hot path, each figure from this run's own rows:
//! in-process latencies against hello-world, the host's CPU per request against the host
//! serving hello-world and against the Node.js peer, and a real Spin against Spin serving
//! hello-world. A row whose sections did not run (or whose server was missing) is left out.

use crate::external;
use crate::inproc::{Op, WasmResults};
use crate::stats::{Table, fmt_ratio};
use crate::throughput::{self, Outcome};

/// How far a figure may be above its baseline; `None` for a figure only reported.
struct Target {
    figure: &'static str,
    value: Option<f64>,
    baseline: Option<f64>,
    at_most: Option<f64>,
}

fn cpu_of(outcomes: Option<&[Outcome]>, label: &str) -> Option<f64> {
    outcomes?
        .iter()
        .find(|outcome| outcome.label == label && outcome.failures == 0)
        .map(Outcome::server_cpu_us)
}

pub fn report(
    wasm: &WasmResults,
    host: Option<&throughput::Results>,
    others: Option<&external::Results>,
) {
    let median_us =
        |summary: Option<crate::stats::Summary>| summary.map(|s| s.median.as_secs_f64() * 1e6);
    let hello = median_us(wasm.hello);
    let host = host.map(|results| results.outcomes.as_slice());
    let others = others.map(|results| results.outcomes.as_slice());
    let node = cpu_of(others, external::NODE_PEERS[0].0);
    let node_cached = cpu_of(others, external::NODE_PEERS[1].0);
    let spin_hello = cpu_of(others, external::SPIN_HELLO);
    let exchange_in_memory = cpu_of(host, throughput::EXCHANGE_IN_MEMORY);
    let exchange_sqlite = cpu_of(host, throughput::EXCHANGE_SQLITE);
    let targets = [
        Target {
            figure: "in-process `customer` query with a Bearer / hello-world (median)",
            value: median_us(wasm.op(Op::CustomerQuery)),
            baseline: hello,
            at_most: Some(1.8),
        },
        Target {
            figure: "host CPU per Bearer `customer` read / the host serving hello-world",
            value: cpu_of(host, throughput::CUSTOMER_READ_IN_MEMORY),
            baseline: cpu_of(host, throughput::HELLO),
            at_most: Some(1.8),
        },
        Target {
            figure: "in-process exchange, existing customer / hello-world (median)",
            value: median_us(wasm.op(Op::ExchangeExisting)),
            baseline: hello,
            at_most: Some(3.0),
        },
        Target {
            figure: "host CPU per exchange in memory / the Node.js peer (in memory)",
            value: exchange_in_memory,
            baseline: node,
            at_most: Some(0.25),
        },
        Target {
            figure: "host CPU per exchange in memory / the Node.js peer with documents cached",
            value: exchange_in_memory,
            baseline: node_cached,
            at_most: None,
        },
        Target {
            figure: "host CPU per exchange on SQLite / the Node.js peer (in memory)",
            value: exchange_sqlite,
            baseline: node,
            at_most: Some(0.6),
        },
        Target {
            figure: "real Spin on Redis: CPU per exchange / Spin hello-world",
            value: cpu_of(others, external::SPIN_REDIS_EXCHANGE),
            baseline: spin_hello,
            at_most: Some(3.0),
        },
        Target {
            figure: "real Spin on its SQLite store: CPU per exchange / Spin hello-world",
            value: cpu_of(others, external::SPIN_SQLITE_EXCHANGE),
            baseline: spin_hello,
            at_most: None,
        },
    ];
    let mut table = Table::new(&["figure", ">value", ">baseline", ">ratio", ">target", "met"]);
    for target in &targets {
        let (Some(value), Some(baseline)) = (target.value, target.baseline) else {
            continue;
        };
        let met = match target.at_most {
            Some(limit) if baseline > 0.0 => {
                if value / baseline <= limit {
                    "yes"
                } else {
                    "no"
                }
            }
            _ => "–",
        };
        table.row(vec![
            target.figure.to_owned(),
            format!("{value:.1} µs"),
            format!("{baseline:.1} µs"),
            fmt_ratio(value, baseline),
            target
                .at_most
                .map_or_else(|| "report".to_owned(), |limit| format!("≤ ×{limit}")),
            met.to_owned(),
        ]);
    }
    if table.is_empty() {
        return;
    }
    println!("## Targets of the hot path, from this run's rows\n");
    println!(
        "In-process figures are medians of the in-process section; CPU figures are server CPU per request from the throughput section (the host) and the other-servers section (Node.js, Spin), each against its own baseline measured in this run.\n"
    );
    table.print();
}
