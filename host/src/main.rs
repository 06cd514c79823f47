//! `customer-token-host`: serve the component locally, or sign and send requests to it.

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use customer_token_host::config::{Configuration, Source, WhenNoDevFile, load_configuration};
use customer_token_host::server::{
    BodyPace, DEFAULT_LISTEN, Limits, Server, connection_limit, raise_descriptor_limit,
};
use customer_token_host::{bundled_product, client, sign};
use customer_token_runtime::stores::{REDB_DATABASE_FILE, SQLITE_DATABASE_FILE};
use customer_token_runtime::{Flavor, RedbStore, RedisStore, Runtime, SqliteStore, Store, Wasm};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_URL: &str = "http://127.0.0.1:3000/graphql";
const DEFAULT_DATA: &str = ".data";
/// The contract's reference mutation, relative to the repository's root.
const SEED_QUERY_FILE: &str = "tests/interop/seed.graphql";

#[derive(Parser)]
#[command(
    name = "customer-token-host",
    version,
    about = "Runs the customer-token WebAssembly component under wasmtime",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the component over HTTP (the default).
    Serve(ServeArgs),
    /// Print the `Authorization: OAuth ...` header value for a POST to a URL.
    Sign(SignArgs),
    /// Sign and POST a GraphQL document, and print the response body.
    Post(PostArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: String,
    /// Directory of the persistent key-value store (created if missing), unless --store names
    /// another. With no configuration given, it also holds the local development credentials
    /// (dev-credentials.env), created on the first run.
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// The store: `sqlite` (the default: sqlite_key_value.db in --data, laid out as Spin's
    /// default store, so --data .spin opens a Spin app's customers), `redb` (the store of
    /// earlier versions, in --data), `memory` (gone when the process ends), or
    /// redis://HOST:PORT[/DB] (shared by every host and Spin app on that Redis database).
    #[arg(long, value_name = "sqlite|redb|memory|URL")]
    store: Option<String>,
    /// File of KEY=VALUE lines with the configuration (the environment overrides it). It must set
    /// every required key.
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// The component to run (default: the one built into this binary for --flavor). A file
    /// built for one host (dist/customer-token-spin.wasm, ...) runs under that host's flavor.
    #[arg(long)]
    wasm: Option<PathBuf>,
    /// The host to imitate: bare (the component's own imports), spin or wasi (the product
    /// composed with that host's adapter). Default: the one --wasm is built for, else
    /// $CUSTOMER_TOKEN_FLAVOR, else bare. Every flavor shares every store: counters are kept as
    /// the store keeps them.
    #[arg(long)]
    flavor: Option<Flavor>,
    /// Seconds a call into the component may run (the store calls of a request give up at
    /// four fifths of it, so that a stalled store still gets a JSON 500 in time).
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = seconds)]
    request_timeout: Duration,
    /// Connections open at once; at the limit the longest-idle one makes room for a new one,
    /// and when all are busy a new one gets a 503. Default: 4096, or fewer where the file
    /// descriptor limit (raised to its hard limit at start) would run out first.
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Seconds a connection may stay open with no request in progress.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
    idle_timeout: Duration,
    /// Seconds a client has to send a request's header, from its first byte (or the
    /// connection's opening).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    header_timeout: Duration,
    /// Seconds a request body may take before it must keep up 16 KiB/s on average.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = seconds)]
    body_grace: Duration,
    /// Serve from a Redis that may evict keys at its memory limit (maxmemory with a policy
    /// other than noeviction), which is otherwise refused: an evicted nonce lets a signed request
    /// be replayed, an evicted customer record is re-created under a new id.
    #[arg(long)]
    redis_allow_eviction: bool,
    /// Seconds shutting down (SIGTERM, Ctrl-C) waits for requests in progress.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    shutdown_timeout: Duration,
}

/// A number of seconds (fractions allowed), as a duration.
fn seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| format!("{text:?}: give a positive number of seconds"))
}

#[derive(Args)]
struct SignArgs {
    /// The URL the request goes to (its query is signed too).
    #[arg(long, default_value = DEFAULT_URL)]
    url: String,
    /// Signature method.
    #[arg(long, default_value = "HMAC-SHA256", value_parser = ["HMAC-SHA256", "HMAC-SHA1"])]
    method: String,
    /// File of KEY=VALUE lines with the credentials (the environment overrides it).
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// The server's data directory, whose dev-credentials.env is used when neither the
    /// environment nor --env-file sets any credential.
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("document").required(true))]
struct PostArgs {
    /// The GraphQL endpoint.
    #[arg(long, default_value = DEFAULT_URL)]
    url: String,
    /// Read the GraphQL document from this file.
    #[arg(long, group = "document")]
    query_file: Option<PathBuf>,
    /// The GraphQL document.
    #[arg(long, group = "document")]
    query: Option<String>,
    /// Variables as a JSON object.
    #[arg(long)]
    variables: Option<String>,
    /// Signature method.
    #[arg(long, default_value = "HMAC-SHA256", value_parser = ["HMAC-SHA256", "HMAC-SHA1"])]
    method: String,
    /// File of KEY=VALUE lines with the credentials (the environment overrides it).
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// The server's data directory, whose dev-credentials.env is used when neither the
    /// environment nor --env-file sets any credential.
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None => serve(cli.serve).await,
            Some(Command::Serve(args)) => serve(args).await,
            Some(Command::Sign(args)) => sign_command(args),
            Some(Command::Post(args)) => post(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Quotes `text` for a POSIX shell where it needs it.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The command that sends the seed mutation to this server with the same configuration.
fn post_command(addr: SocketAddr, args: &ServeArgs, source: &Source) -> String {
    let mut command = String::from("cargo run -p customer-token-host -- post");
    let url = format!("http://{addr}/graphql");
    if url != DEFAULT_URL {
        command.push_str(&format!(" --url {}", shell_word(&url)));
    }
    match (source, &args.env_file) {
        (Source::Given, Some(env_file)) => {
            let env_file = env_file.to_string_lossy();
            command.push_str(&format!(" --env-file {}", shell_word(&env_file)));
        }
        (Source::DevFile { .. }, _) if args.data != Path::new(DEFAULT_DATA) => {
            let data = args.data.to_string_lossy();
            command.push_str(&format!(" --data {}", shell_word(&data)));
        }
        _ => {}
    }
    command.push_str(&format!(" --query-file {SEED_QUERY_FILE}"));
    command
}

async fn serve(args: ServeArgs) -> Result<ExitCode> {
    let Configuration { secrets, source } =
        load_configuration(args.env_file.as_deref(), &args.data, WhenNoDevFile::Create)?;
    match &source {
        Source::DevFile {
            path,
            created: true,
        } => eprintln!(
            "customer-token-host: no configuration given: created local development credentials \
             in {} (mode 0600; sign and post use them too)",
            path.display()
        ),
        Source::DevFile {
            path,
            created: false,
        } => eprintln!(
            "customer-token-host: using the local development credentials in {}",
            path.display()
        ),
        Source::Given => {}
    }
    let (component, flavor) = match (&args.wasm, args.flavor) {
        (Some(path), flavor) => (Wasm::read(path)?, flavor),
        (None, flavor) => {
            let flavor = match flavor {
                Some(flavor) => flavor,
                None => Flavor::from_env()?,
            };
            (bundled_product(flavor), Some(flavor))
        }
    };
    let mut builder = Runtime::builder()
        .component(component)
        .secrets(secrets)
        .timeout(args.request_timeout);
    if let Some(flavor) = flavor {
        builder = builder.flavor(flavor);
    }
    let (backend, store) = open_store(&args)?;
    // Without one, the runtime's own: in memory, counters as the flavor's host keeps them.
    if let Some(backend) = backend {
        builder = builder.backend(backend);
    }
    let runtime = builder.build()?;
    raise_descriptor_limit();
    let (max_connections, lowered) = connection_limit(args.max_connections);
    if let Some(why) = lowered {
        eprintln!("customer-token-host: warning: {why}");
    }
    let limits = Limits {
        header_read_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        body_pace: BodyPace {
            grace: args.body_grace,
            ..BodyPace::default()
        },
        max_connections,
        shutdown_timeout: args.shutdown_timeout,
        ..Limits::default()
    };
    let server = Server::bind(args.listen.as_str(), runtime.clone())
        .await?
        .limits(limits);
    let addr = server.local_addr()?;
    eprintln!(
        "customer-token-host: serving {} ({} host) on http://{addr} (store {})",
        runtime.component_name(),
        runtime.flavor(),
        store
    );
    eprintln!(
        "customer-token-host: try it from another terminal: {}",
        post_command(addr, &args, &source)
    );
    server.run_until(shutdown_signal()).await?;
    eprintln!("customer-token-host: stopped");
    Ok(ExitCode::SUCCESS)
}

/// The store `--store` names, and how to say which it is. Without `--store`, the SQLite file in
/// `--data`, unless the directory holds only the redb file of an earlier version, which stays in
/// use so that no customer is left behind; with both files there, the user must choose.
fn open_store(args: &ServeArgs) -> Result<(Option<Store>, String)> {
    let in_data = |file: &str, kind: &str| format!("{} ({kind})", args.data.join(file).display());
    let has_redb = args.data.join(redb_file()).is_file();
    let has_sqlite = args.data.join(sqlite_file()).exists();
    let choice = match args.store.as_deref() {
        None if has_redb && has_sqlite => bail!(
            "{} holds both a redb store ({}) and a SQLite store ({}): say which to use with \
             --store redb or --store sqlite (the other is left as it is)",
            args.data.display(),
            redb_file(),
            sqlite_file()
        ),
        Some(choice) => {
            if choice == "sqlite" && has_redb && !has_sqlite {
                eprintln!(
                    "customer-token-host: starting an empty SQLite store beside the redb store in \
                     {}; its customers stay in {} (--store redb serves them)",
                    args.data.display(),
                    redb_file()
                );
            }
            choice
        }
        None if has_redb => {
            eprintln!(
                "customer-token-host: {} holds a redb store of an earlier version: using it \
                 (--store sqlite starts an empty SQLite store instead)",
                args.data.display()
            );
            "redb"
        }
        None => "sqlite",
    };
    let opening = || format!("opening the store in {}", args.data.display());
    Ok(match choice {
        "sqlite" => (
            Some(Arc::new(
                SqliteStore::open(&args.data).with_context(opening)?,
            )),
            in_data(sqlite_file(), "SQLite"),
        ),
        "redb" => (
            Some(Arc::new(RedbStore::open(&args.data).with_context(opening)?)),
            in_data(redb_file(), "redb"),
        ),
        "memory" => (None, "in memory".to_string()),
        url if url.starts_with("redis://") => {
            let redis = RedisStore::connect(url).context("opening the store given by --store")?;
            check_redis_settings(&redis, args.redis_allow_eviction)?;
            let shown = redis.url().to_owned();
            (Some(Arc::new(redis)), shown)
        }
        other => {
            bail!("unknown --store {other:?}: use sqlite, redb, memory or redis://HOST:PORT[/DB]")
        }
    })
}

/// Refuses a Redis that may evict the product's keys (unless `allow_eviction`), and warns of
/// one that may lose its latest writes, or whose settings cannot be read.
fn check_redis_settings(redis: &RedisStore, allow_eviction: bool) -> Result<()> {
    let settings = match redis.settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!(
                "customer-token-host: warning: cannot read the Redis settings ({error}); make \
                 sure maxmemory-policy is noeviction and appendonly is yes"
            );
            return Ok(());
        }
    };
    if let Some(risk) = settings.eviction_risk() {
        if !allow_eviction {
            bail!("{risk} (or start with --redis-allow-eviction to accept the risk)");
        }
        eprintln!("customer-token-host: warning: {risk}");
    }
    if let Some(risk) = settings.durability_risk() {
        eprintln!("customer-token-host: warning: {risk}");
    }
    Ok(())
}

fn redb_file() -> &'static str {
    REDB_DATABASE_FILE
}

fn sqlite_file() -> &'static str {
    SQLITE_DATABASE_FILE
}

/// Completes on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
                eprintln!(
                    "customer-token-host: stopping: no new connections, finishing the requests \
                     in progress"
                );
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn sign_command(args: SignArgs) -> Result<ExitCode> {
    let secrets =
        load_configuration(args.env_file.as_deref(), &args.data, WhenNoDevFile::Fail)?.secrets;
    let credentials = sign::credentials(&secrets)?;
    let header = sign::authorization(
        "POST",
        &args.url,
        &credentials,
        sign::parse_method(&args.method)?,
        sign::now_timestamp(),
        &sign::fresh_nonce()?,
    )?;
    println!("{header}");
    Ok(ExitCode::SUCCESS)
}

async fn post(args: PostArgs) -> Result<ExitCode> {
    let secrets =
        load_configuration(args.env_file.as_deref(), &args.data, WhenNoDevFile::Fail)?.secrets;
    let credentials = sign::credentials(&secrets)?;
    let query = match (&args.query, &args.query_file) {
        (Some(query), _) => query.clone(),
        (None, Some(path)) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        (None, None) => bail!("give --query or --query-file"),
    };
    let variables = match &args.variables {
        Some(text) => Some(
            serde_json::from_str::<serde_json::Value>(text)
                .context("--variables is not valid JSON")?,
        ),
        None => None,
    };
    let request = sign::signed_post(
        &args.url,
        sign::graphql_body(&query, variables.as_ref()),
        &credentials,
        sign::parse_method(&args.method)?,
        sign::now_timestamp(),
        &sign::fresh_nonce()?,
    )?;
    let response = client::send(request).await?;
    println!("{}", String::from_utf8_lossy(response.body()));
    if response.status().is_success() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("HTTP status {}", response.status());
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(extra: &[&str]) -> ServeArgs {
        let mut argv = vec!["customer-token-host"];
        argv.extend_from_slice(extra);
        Cli::parse_from(argv).serve
    }

    fn dev_file() -> Source {
        Source::DevFile {
            path: PathBuf::from("x/dev-credentials.env"),
            created: true,
        }
    }

    #[test]
    fn the_banner_post_command_is_the_readme_one_by_default() {
        let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        assert_eq!(
            post_command(addr, &serve_args(&[]), &dev_file()),
            "cargo run -p customer-token-host -- post --query-file tests/interop/seed.graphql"
        );
    }

    #[test]
    fn the_banner_post_command_carries_a_changed_address_data_or_env_file() {
        let addr: SocketAddr = "127.0.0.1:4100".parse().unwrap();
        let args = serve_args(&["--data", "my data/it's"]);
        assert_eq!(
            post_command(addr, &args, &dev_file()),
            "cargo run -p customer-token-host -- post --url http://127.0.0.1:4100/graphql \
             --data 'my data/it'\\''s' --query-file tests/interop/seed.graphql"
        );
        let args = serve_args(&["--data", "d", "--env-file", "local.env"]);
        assert_eq!(
            post_command(addr, &args, &Source::Given),
            "cargo run -p customer-token-host -- post --url http://127.0.0.1:4100/graphql \
             --env-file local.env --query-file tests/interop/seed.graphql"
        );
    }
}
