//! `customer-token-host`: serve the component locally, or sign and send requests to it.

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use customer_token_host::server::{DEFAULT_LISTEN, Server};
use customer_token_host::{Flavor, RedbBackend, Runtime, SecretMap, client, sign};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

const DEFAULT_URL: &str = "http://127.0.0.1:3000/graphql";

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
    /// Directory of the persistent key-value store (created if missing).
    #[arg(long, default_value = ".data")]
    data: PathBuf,
    /// File of KEY=VALUE lines with the configuration (the environment overrides it).
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// The component to run (default: the one built with this host, or $CUSTOMER_TOKEN_WASM).
    #[arg(long)]
    wasm: Option<PathBuf>,
    /// The host to imitate: bare (the component's own imports), spin or wasi (composed with
    /// that host's adapter). Default: $CUSTOMER_TOKEN_FLAVOR, else bare. Spin keeps counters as
    /// 8-byte integers and the others as decimal text, so keep one --data directory per choice.
    #[arg(long)]
    flavor: Option<Flavor>,
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

fn load_secrets(env_file: Option<&Path>) -> Result<SecretMap> {
    Ok(SecretMap::load(env_file)?)
}

async fn serve(args: ServeArgs) -> Result<ExitCode> {
    let secrets = load_secrets(args.env_file.as_deref())?;
    let missing = secrets.missing_required();
    if !missing.is_empty() {
        eprintln!(
            "warning: missing configuration: {} (requests needing them will get a 500)",
            missing
                .iter()
                .map(|name| name.to_ascii_uppercase())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let backend = RedbBackend::open(&args.data)
        .with_context(|| format!("opening the store in {}", args.data.display()))?;
    let mut builder = Runtime::builder()
        .backend(Arc::new(backend))
        .secrets(secrets);
    if let Some(wasm) = args.wasm {
        builder = builder.wasm(wasm);
    }
    if let Some(flavor) = args.flavor {
        builder = builder.flavor(flavor);
    }
    let runtime = builder.build()?;
    let server = Server::bind(args.listen.as_str(), runtime.clone()).await?;
    eprintln!(
        "customer-token-host: serving {} ({} host) on http://{} (store {})",
        runtime.wasm_path().display(),
        runtime.flavor(),
        server.local_addr()?,
        args.data.display()
    );
    server.run_until(shutdown_signal()).await?;
    eprintln!("customer-token-host: stopped");
    Ok(ExitCode::SUCCESS)
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
    let secrets = load_secrets(args.env_file.as_deref())?;
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
    let secrets = load_secrets(args.env_file.as_deref())?;
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
