//! Section: 64 KiB worst-case GraphQL documents (the largest body the component accepts), each
//! built to sit right at one of the engine's limits (`src/graphql/limits.rs`: 64 open brackets,
//! query depth 15, 500 fields per operation, 100 000 field comparisons) and repeated until the
//! body is full, answered through the component and by the native core.

use crate::fixture::{self, Nonces};
use crate::inproc::Native;
use crate::stats::{Summary, Table, duration_ratio, fmt_duration};
use anyhow::{Context as _, Result, ensure};
use bytes::Bytes;
use customer_token::http::MAX_BODY_BYTES;
use customer_token_runtime::{Flavor, MemoryStore, Runtime};
use customer_token_testkit::components;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `customer_token::graphql::limits` (private to the crate), repeated here.
const MAX_NESTING: usize = 64;
const MAX_FIELDS: u64 = 500;

pub struct Doc {
    pub name: &'static str,
    pub what: &'static str,
    pub body: Bytes,
    pub signed: bool,
}

/// The length `text` takes inside a JSON string.
fn json_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(usize::MAX, |quoted| quoted.len() - 2)
}

/// `prefix`, then `unit(0)`, `unit(1)`, ... as long as the JSON body stays within
/// `MAX_BODY_BYTES`, then `suffix`.
fn fill(
    prefix: &str,
    unit: impl Fn(usize) -> String,
    suffix: &str,
    operation_name: Option<&str>,
) -> Bytes {
    let mut overhead = json!({ "query": "" });
    if let Some(name) = operation_name {
        overhead["operationName"] = Value::String(name.to_owned());
    }
    let mut used = overhead.to_string().len() + json_len(prefix) + json_len(suffix);
    let mut document = prefix.to_owned();
    for i in 0.. {
        let next = unit(i);
        if next.is_empty() {
            break;
        }
        let len = json_len(&next);
        if used + len > MAX_BODY_BYTES {
            break;
        }
        document.push_str(&next);
        used += len;
    }
    document.push_str(suffix);
    let mut body = json!({ "query": document });
    if let Some(name) = operation_name {
        body["operationName"] = Value::String(name.to_owned());
    }
    Bytes::from(body.to_string())
}

/// The documents, each filling the 64 KiB body.
pub fn documents() -> Vec<Doc> {
    let max_fields = MAX_FIELDS as usize;
    let mut docs = Vec::new();

    // Introspection at the maximum query depth (15), executed: every type's every field's type
    // unwrapped twelve levels; the rest of the body is more such operations, validated only.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
        "ofType { ".repeat(12),
        " }".repeat(12)
    );
    docs.push(Doc {
        name: "depth-15 introspection",
        what: "operations selecting __schema.types.fields.type + 12 × ofType (query depth 15); Q0 executed",
        body: fill("", |i| format!("query Q{i} {deep}\n"), "", Some("Q0")),
        signed: false,
    });

    // Bracket nesting at the limit inside argument values: list literals 62 deep under
    // `__type(name: ...)` (64 brackets open at once), 250 aliases (500 fields) per operation,
    // each reported with its printed value.
    let depth = MAX_NESTING - 2;
    let nested = format!("{}\"x\"{}", "[".repeat(depth), "]".repeat(depth));
    let per_operation = max_fields / 2;
    docs.push(Doc {
        name: "nesting-64 list arguments",
        what: "operations of 250 aliased `__type(name: [[…62 deep…]]) { name }` (64 brackets open at once; one error each)",
        body: fill(
            "query Q0 {",
            |i| {
                let alias = format!(" a{i}: __type(name: {nested}) {{ name }}");
                if i > 0 && i % per_operation == 0 {
                    format!(" }}\nquery Q{} {{{alias}", i / per_operation)
                } else {
                    alias
                }
            },
            " }",
            None,
        ),
        signed: false,
    });

    // Selection sets nested to the bracket limit, many operations.
    let selections = format!(
        "{}__typename{}",
        "{ customer ".repeat(MAX_NESTING),
        " }".repeat(MAX_NESTING)
    );
    docs.push(Doc {
        name: "nesting-64 selection sets",
        what: "operations of 64 nested `{ customer` selection sets (past the depth limit of 15: refused)",
        body: fill("", |i| format!("query Q{i} {selections}\n"), "", None),
        signed: false,
    });

    // Fragment fan-out: as many one-field fragments as the field limit allows, every operation
    // spreading all of them (each pair of fragments compared), alternating field types so that
    // each pair conflicts.
    let fragments = max_fields / 3;
    let spreads: String = (0..fragments).map(|f| format!("...F{f} ")).collect();
    docs.push(Doc {
        name: "fragment fan-out, conflicting",
        what: "166 fragments selecting `a` as __typename or customer{email}; operations spreading all",
        body: fill(
            &(0..fragments)
                .map(|f| {
                    if f % 2 == 0 {
                        format!("fragment F{f} on Query {{ a: __typename }}\n")
                    } else {
                        format!("fragment F{f} on Query {{ a: customer {{ email }} }}\n")
                    }
                })
                .collect::<String>(),
            |i| format!("query Q{i} {{ {spreads}}}\n"),
            "",
            None,
        ),
        signed: false,
    });

    let fragments = max_fields / 2;
    let spreads: String = (0..fragments).map(|f| format!("...F{f} ")).collect();
    docs.push(Doc {
        name: "fragment fan-out, compatible",
        what: "250 fragments all selecting `a: __typename`; operations spreading all; Q0 executed",
        body: fill(
            &(0..fragments)
                .map(|f| format!("fragment F{f} on Query {{ a: __typename }}\n"))
                .collect::<String>(),
            |i| format!("query Q{i} {{ {spreads}}}\n"),
            "",
            Some("Q0"),
        ),
        signed: false,
    });

    // One fragment at the field limit, spread by as many operations as fit.
    docs.push(Doc {
        name: "shared 499-field fragment",
        what: "fragment F of 499 aliased fields; operations `query Qn { ...F }`; Q0 executed",
        body: fill(
            &format!(
                "fragment F on Query {{ {}}}\n",
                (0..max_fields - 1)
                    .map(|a| format!("a{a}: __typename "))
                    .collect::<String>()
            ),
            |i| format!("query Q{i} {{ ...F }}\n"),
            "",
            Some("Q0"),
        ),
        signed: false,
    });

    // Same response key, same field, many times: the comparison cap.
    let same_key: String = " a: __typename".repeat(max_fields);
    docs.push(Doc {
        name: "500 identical aliases",
        what: "operations of 500 × `a: __typename` (124 750 same-key pairs per operation); Q0 executed",
        body: fill("", |i| format!("query Q{i} {{{same_key} }}\n"), "", Some("Q0")),
        signed: false,
    });

    // Many distinct aliases with different arguments on one key: conflicts reported per pair.
    docs.push(Doc {
        name: "aliases with differing arguments",
        what: "operations of `t: __type(name: \"Tn\") { name }` (different arguments on one key)",
        body: fill(
            "",
            |i| {
                format!(
                    "query Q{i} {{{} }}\n",
                    (0..max_fields / 2)
                        .map(|a| format!(" t: __type(name: \"T{a}\") {{ name }}"))
                        .collect::<String>()
                )
            },
            "",
            None,
        ),
        signed: false,
    });

    // Unknown fields with a near-miss name: an error with a suggestion each.
    docs.push(Doc {
        name: "misspelled fields",
        what: "operations of 499 × `custmer` (each: unknown field, \"Did you mean\" suggestion)",
        body: fill(
            "",
            |i| format!("query Q{i} {{{} }}\n", " custmer".repeat(max_fields - 1)),
            "",
            None,
        ),
        signed: false,
    });

    // Unbounded by the field limit: variable definitions, each unknown-typed and unused.
    docs.push(Doc {
        name: "unused variables of unknown types",
        what: "one operation with ~5 000 `$vN: Custmer` definitions (unknown type + unused, each)",
        body: fill(
            "query (",
            |i| format!("$v{i}: Custmer "),
            ") { __typename }",
            None,
        ),
        signed: false,
    });

    // Directives repeated on one field.
    docs.push(Doc {
        name: "repeated directives",
        what: "one field with ~3 500 × `@include(if: true)` (non-repeatable directive repeated)",
        body: fill(
            "{ __typename",
            |_| " @include(if: true)".to_owned(),
            " }",
            None,
        ),
        signed: false,
    });

    // The exchange mutation itself, with the rest of the body spent on more (unexecuted)
    // operations: the single-exchange rule and a signed, executed exchange.
    let mutation = "exchangeExternalCustomerToken(input: { customer: { firstname: \"Roni\", lastname: \"Cost\", email: \"roni_cost@example.com\" } }) { token customer { email } }";
    docs.push(Doc {
        name: "many exchange operations, signed",
        what: "named mutations, each one exchange; M0 executed (signed, existing customer)",
        body: fill(
            "",
            |i| format!("mutation M{i} {{ {mutation} }}\n"),
            "",
            Some("M0"),
        ),
        signed: true,
    });

    docs
}

pub struct Outcome {
    pub name: &'static str,
    pub what: &'static str,
    pub body_bytes: usize,
    pub status: String,
    pub answer: String,
    pub response_bytes: usize,
    pub wasm: Option<Summary>,
    /// When the host gave up (trap or timeout): after how long.
    pub failed_after: Option<Duration>,
    pub native: Option<Summary>,
    pub native_status: u16,
    pub native_response_bytes: usize,
}

/// The first error's message, or what the data holds, shortened.
fn describe(body: &[u8]) -> String {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return "(not JSON)".to_owned();
    };
    let text = match json.get("errors").and_then(Value::as_array) {
        Some(errors) => format!(
            "{} error(s): {}",
            errors.len(),
            errors
                .first()
                .and_then(|e| e["message"].as_str())
                .unwrap_or_default()
        ),
        None => format!(
            "data: {}",
            json.get("data").map(Value::to_string).unwrap_or_default()
        ),
    };
    let mut short: String = text.chars().take(90).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short.replace('|', "\\|")
}

pub async fn run(runs: usize, nonces: &Nonces) -> Result<Vec<Outcome>> {
    let runtime = Runtime::builder()
        .component(components::product(Flavor::Bare))
        .backend(Arc::new(MemoryStore::new()))
        .secrets(fixture::secret_map())
        .capture_logs(true)
        .build()?;
    crate::inproc::exchange_wasm(
        &runtime,
        "roni_cost@example.com",
        fixture::IN_PROCESS_URL,
        nonces,
    )
    .await?;
    let native = Native::new();
    native.exchange("roni_cost@example.com", nonces)?;

    let mut outcomes = Vec::new();
    for doc in documents() {
        ensure!(
            doc.body.len() <= MAX_BODY_BYTES,
            "{} is too large",
            doc.name
        );
        let mut wasm_samples = Vec::new();
        let mut status = String::new();
        let mut answer = String::new();
        let mut response_bytes = 0;
        let mut failed_after = None;
        for _ in 0..runs + 1 {
            let auth = doc
                .signed
                .then(|| fixture::sign(fixture::IN_PROCESS_URL, nonces))
                .transpose()?;
            let request =
                fixture::http_request(fixture::IN_PROCESS_URL, doc.body.clone(), auth.as_deref())?;
            runtime.clear_logs();
            let started = Instant::now();
            let result = runtime.handle(request).await;
            let elapsed = started.elapsed();
            match result {
                Ok(response) => {
                    status = response.status().as_u16().to_string();
                    answer = describe(response.body());
                    response_bytes = response.body().len();
                    wasm_samples.push(elapsed);
                }
                Err(e) => {
                    let full = format!("{e:#}");
                    let logs = runtime.logs();
                    eprintln!(
                        "customer-token-bench: {} failed after {elapsed:.1?}: {full}\n  the component's log: {}",
                        doc.name,
                        logs.trim()
                    );
                    status = "host error".to_owned();
                    // "the component trapped: ..." and the trap's reason, from the last line.
                    let first = full.split(':').next().unwrap_or_default();
                    let reason = full
                        .lines()
                        .last()
                        .and_then(|line| line.rsplit(": ").next())
                        .unwrap_or_default();
                    let logged = logs.lines().find(|line| !line.trim().is_empty());
                    answer = format!(
                        "{first}: {reason}{}",
                        logged
                            .map(|line| format!(" (log: {line})"))
                            .unwrap_or_default()
                    )
                    .replace('|', "\\|");
                    failed_after = Some(elapsed);
                    break;
                }
            }
        }
        // The first run warms up.
        let wasm = Summary::of(wasm_samples.get(1..).unwrap_or_default());

        let mut native_samples = Vec::new();
        let mut native_status = 0;
        let mut native_response_bytes = 0;
        for _ in 0..runs + 1 {
            let auth = doc
                .signed
                .then(|| fixture::sign(fixture::IN_PROCESS_URL, nonces))
                .transpose()?;
            let request = fixture::native_request(&doc.body, auth.as_deref());
            let started = Instant::now();
            let response = native.handle(&request);
            native_samples.push(started.elapsed());
            native_status = response.status;
            native_response_bytes = response.body.len();
        }
        outcomes.push(Outcome {
            name: doc.name,
            what: doc.what,
            body_bytes: doc.body.len(),
            status,
            answer,
            response_bytes,
            wasm,
            failed_after,
            native: Summary::of(native_samples.get(1..).unwrap_or_default()),
            native_status,
            native_response_bytes,
        });
    }
    Ok(outcomes)
}

pub fn report(outcomes: &[Outcome], runs: usize, hello: Option<Duration>) {
    println!(
        "## Pathological 64 KiB documents (through the component, in-process; and the native core)\n"
    );
    println!(
        "Each body is filled to the {MAX_BODY_BYTES}-byte limit; median of {runs} runs after one warm-up. \"× hello\" compares the component's median with the hello-world request's.\n"
    );
    let mut table = Table::new(&[
        "document",
        ">body",
        "status",
        "answer",
        ">response",
        ">wasm median",
        ">wasm max",
        ">native median",
        ">native response",
        ">wasm / native",
        ">× hello",
    ]);
    let dash = || "–".to_owned();
    for o in outcomes {
        let wasm_median = match (o.wasm, o.failed_after) {
            (Some(s), _) => fmt_duration(s.median),
            (None, Some(after)) => format!("failed after {}", fmt_duration(after)),
            (None, None) => dash(),
        };
        table.row(vec![
            o.name.to_owned(),
            format!("{} B", o.body_bytes),
            o.status.clone(),
            o.answer.clone(),
            format!("{} B", o.response_bytes),
            wasm_median,
            o.wasm.map_or_else(dash, |s| fmt_duration(s.max)),
            o.native.map_or_else(dash, |s| fmt_duration(s.median)),
            o.native.map_or_else(dash, |_| {
                format!("{} {} B", o.native_status, o.native_response_bytes)
            }),
            match (o.wasm, o.native) {
                (Some(w), Some(n)) => duration_ratio(w.median, n.median),
                _ => dash(),
            },
            match (o.wasm, hello) {
                (Some(w), Some(h)) => duration_ratio(w.median, h),
                _ => dash(),
            },
        ]);
    }
    table.print();
    println!("What each document is:\n");
    for o in outcomes {
        println!("- **{}**: {}", o.name, o.what);
    }
    println!();
}

/// For `--dump-documents`: writes each body to `dir`.
pub fn dump(dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, doc) in documents().iter().enumerate() {
        let name: String = doc
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = dir.join(format!("{i:02}-{name}.json"));
        std::fs::write(&path, &doc.body).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
