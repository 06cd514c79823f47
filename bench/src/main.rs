//! `cargo run --release -p customer-token-bench [-- --help]`: the customer-token component
//! measured against a hello-world wasi:http component, every section in one run, printed as
//! markdown tables. No timing is asserted anywhere; a wrong *answer* aborts the run.

mod compile;
mod cpu;
mod external;
mod fixture;
mod inproc;
mod pathological;
mod replay;
mod sizes;
mod stats;
mod targets;
mod throughput;
mod wasm;

use anyhow::{Context as _, Result};
use clap::{Parser, ValueEnum};
use customer_token_runtime::Flavor;
use customer_token_testkit::components;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Section {
    /// Per request in-process (wasm).
    Inproc,
    /// The native core alone.
    Native,
    /// Requests/s over loopback HTTP.
    Throughput,
    /// The same load on a Node.js graphql-js server and on a real Spin.
    External,
    /// Compilation and instantiation.
    Compile,
    /// `.wasm` sizes.
    Sizes,
    /// 64 KiB worst-case documents.
    Pathological,
    /// Not run by default: only the exchange (existing customer), for profilers.
    Profile,
}

/// Benchmarks customer-token against a hello-world wasi:http component.
#[derive(Debug, Parser)]
#[command(name = "customer-token-bench")]
struct Args {
    /// Timed requests per row of the per-request sections.
    #[arg(long, short = 'n', default_value_t = 5000)]
    iterations: usize,
    /// Untimed requests before each row.
    #[arg(long, default_value_t = 500)]
    warmup: usize,
    /// Concurrent HTTP clients in the throughput section.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds each throughput row runs.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Most requests one throughput row sends.
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: u64,
    /// Fresh-engine compilations per component.
    #[arg(long, default_value_t = 3)]
    compile_runs: usize,
    /// Instantiations per component.
    #[arg(long, default_value_t = 1000)]
    instantiations: usize,
    /// Runs per pathological document.
    #[arg(long, default_value_t = 5)]
    pathological_runs: usize,
    /// Only these product operations in the per-request sections (comma-separated); default: all.
    #[arg(long, value_enum, value_delimiter = ',')]
    ops: Vec<inproc::Op>,
    /// Only these sections (comma-separated); default: all but `profile`.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
    /// Write the pathological documents (JSON bodies) to this directory and exit.
    #[arg(long)]
    dump_documents: Option<PathBuf>,
}

impl Args {
    fn ops(&self) -> Vec<inproc::Op> {
        if self.ops.is_empty() {
            inproc::Op::ALL.to_vec()
        } else {
            self.ops.clone()
        }
    }

    fn wants(&self, section: Section) -> bool {
        self.only.contains(&section) || (self.only.is_empty() && section != Section::Profile)
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(dir) = &args.dump_documents {
        pathological::dump(dir)?;
        println!(
            "wrote {} documents to {}",
            pathological::documents().len(),
            dir.display()
        );
        return Ok(());
    }
    // The sequential sections run on one thread, so that a request's spawned instance task runs
    // on the thread that awaits it: what they time is the work, not whether an idle worker
    // thread happened to be parked. The throughput section's clients run there too, and its
    // server on a multi-threaded runtime with a worker per core, as a server would, whose
    // threads register to have their CPU time counted.
    let sequential = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let cpu = Arc::new(cpu::ThreadCpu::default());
    let (started, stopped) = (cpu.clone(), cpu.clone());
    let server = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(move || started.enter())
        .on_thread_stop(move || stopped.leave())
        .build()
        .context("starting tokio")?;
    let server = throughput::ServerSide {
        handle: server.handle().clone(),
        cpu,
    };
    sequential.block_on(run(args, server))
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_owned())
}

fn print_header(args: &Args, pooling: bool) {
    let cpuinfo = read_trimmed("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map_or("unknown CPU".to_owned(), |(_, model)| {
            model.trim().to_owned()
        });
    let logical = cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count();
    let available = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = read_trimmed("/proc/meminfo")
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("MemTotal"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or("?".to_owned(), |kib| {
            format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let kernel = read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_else(|| "?".into());
    let load = read_trimmed("/proc/loadavg")
        .map(|load| {
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "?".into());
    let argv: Vec<String> = std::env::args().skip(1).collect();

    println!("# customer-token benchmarks\n");
    println!(
        "- command: `cargo run --release -p customer-token-bench{}{}`",
        if argv.is_empty() { "" } else { " -- " },
        argv.join(" ")
    );
    if let Ok(exe) = std::env::current_exe() {
        println!("- binary: {}", exe.display());
    }
    println!(
        "- machine: {model}; {logical} logical CPUs in /proc/cpuinfo, {available} available to this process; {memory} RAM; Linux {kernel}"
    );
    println!("- load average at start (1, 5, 15 min): {load} (other processes share these cores)");
    println!(
        "- build: {}, profile `{}` (opt-level {}); wasmtime 48, {} allocator",
        env!("BENCH_RUSTC_VERSION"),
        env!("BENCH_PROFILE"),
        env!("BENCH_OPT_LEVEL"),
        if pooling { "pooling" } else { "on-demand" }
    );
    println!(
        "- settings: {} iterations after {} warm-up; {} clients × {:.0} s (≤ {} requests); {} compile runs; {} instantiations; {} pathological runs",
        args.iterations,
        args.warmup,
        args.clients,
        args.duration,
        args.max_requests,
        args.compile_runs,
        args.instantiations,
        args.pathological_runs
    );
    println!(
        "- components: product {}; baseline {}\n",
        components::product(Flavor::Bare).name(),
        components::hello().name()
    );
}

async fn run(args: Args, server: throughput::ServerSide) -> Result<()> {
    let started = Instant::now();
    let hello = inproc::hello_runtime()?;
    let pooling = customer_token_runtime::uses_pooling_allocator().unwrap_or(false);
    let nonces = Arc::new(fixture::Nonces::new()?);
    print_header(&args, pooling);

    let mut wasm_results = inproc::WasmResults::default();
    if args.wants(Section::Inproc) {
        let section = Instant::now();
        wasm_results =
            inproc::run_wasm(&hello, &args.ops(), args.warmup, args.iterations, &nonces).await?;
        inproc::report_wasm(&wasm_results, args.warmup, args.iterations, pooling);
        eprintln!(
            "customer-token-bench: in-process section took {:.1?}",
            section.elapsed()
        );
    }
    if args.wants(Section::Native) {
        let section = Instant::now();
        let native = inproc::run_native(&args.ops(), args.warmup, args.iterations, &nonces)?;
        inproc::report_native(&native, &wasm_results, args.iterations);
        eprintln!(
            "customer-token-bench: native section took {:.1?}",
            section.elapsed()
        );
    }
    let settings = throughput::Settings {
        clients: args.clients.max(1),
        duration: Duration::from_secs_f64(args.duration.max(0.1)),
        max_requests: args.max_requests.max(1),
    };
    let mut throughput_results = None;
    if args.wants(Section::Throughput) {
        let section = Instant::now();
        let results = throughput::run(&hello, &settings, &nonces, &server).await?;
        throughput::report(&results, &settings);
        throughput_results = Some(results);
        eprintln!(
            "customer-token-bench: throughput section took {:.1?}",
            section.elapsed()
        );
    }
    let mut external_results = None;
    if args.wants(Section::External) {
        let section = Instant::now();
        let results = external::run(&settings, &nonces).await?;
        external::report(&results);
        external_results = Some(results);
        eprintln!(
            "customer-token-bench: external section took {:.1?}",
            section.elapsed()
        );
    }
    targets::report(
        &wasm_results,
        throughput_results.as_ref(),
        external_results.as_ref(),
    );
    if args.wants(Section::Compile) {
        let section = Instant::now();
        let engine = wasm::engine()?;
        let mut measured = Vec::new();
        for (label, wasm) in [
            ("hello-world", components::hello()),
            ("customer-token", components::product(Flavor::Bare)),
        ] {
            measured.push(
                compile::run(
                    label,
                    wasm.bytes(),
                    &engine,
                    args.compile_runs.max(1),
                    args.instantiations.max(1),
                )
                .await?,
            );
        }
        compile::report(
            &measured,
            args.compile_runs.max(1),
            args.instantiations.max(1),
        );
        eprintln!(
            "customer-token-bench: compile section took {:.1?}",
            section.elapsed()
        );
    }
    if args.wants(Section::Sizes) {
        let workspace = PathBuf::from(env!("BENCH_WORKSPACE"));
        let built = |label: &str, wasm: customer_token_runtime::Wasm| sizes::Artifact {
            label: label.to_owned(),
            origin: wasm.name().to_owned(),
            bytes: Some(wasm.bytes().to_vec()),
        };
        let hello = components::hello();
        let hello_size = Some(hello.bytes().len() as u64);
        let mut files = vec![
            built("hello-world", hello),
            built(
                "customer-token (component)",
                components::product(Flavor::Bare),
            ),
        ];
        for flavor in [Flavor::Spin, Flavor::Wasi] {
            files.push(built(
                &format!("{flavor} adapter"),
                components::adapter(flavor),
            ));
            files.push(sizes::Artifact::file(
                format!("composed {flavor} flavor (dist/)"),
                &workspace
                    .join("dist")
                    .join(format!("customer-token-{flavor}.wasm")),
            ));
        }
        sizes::report(&files, hello_size);
    }
    if args.wants(Section::Pathological) {
        let section = Instant::now();
        let outcomes = pathological::run(args.pathological_runs.max(1), &nonces).await?;
        pathological::report(
            &outcomes,
            args.pathological_runs.max(1),
            wasm_results.hello.map(|h| h.median),
        );
        eprintln!(
            "customer-token-bench: pathological section took {:.1?}",
            section.elapsed()
        );
    }
    if args.wants(Section::Profile) {
        let s = inproc::run_profile_loop(args.warmup, args.iterations, &nonces).await?;
        println!(
            "## Profile loop: exchange for an existing customer through the host's `Runtime`\n"
        );
        let mut table = stats::Table::new(&["request", ">median", ">p99", ">mean"]);
        table.row(vec![
            inproc::Op::ExchangeExisting.label().to_owned(),
            stats::fmt_duration(s.median),
            stats::fmt_duration(s.p99),
            stats::fmt_duration(s.mean),
        ]);
        table.print();
    }
    println!(
        "Total wall time of the run: {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
