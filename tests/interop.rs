//! The local server over real loopback HTTP, with the persistent store, called by an OAuth
//! implementation that is not ours: Python's oauthlib (tests/interop/oauthlib_client.py).
//!
//! The client runs in a virtual environment that the test makes on first use, under the target
//! directory (`<target>/tmp/interop-venv`), with the pinned version from
//! tests/interop/requirements.txt installed from PyPI; later runs reuse it. Without `python3`
//! the test is skipped with a note, except under `CI`, where it fails.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use customer_token_host::server::Server;
use customer_token_host::testutil::TempDir;
use customer_token_host::{RedbBackend, Runtime};
use serde_json::{Value, json};
use support::*;

/// Starts the server on an ephemeral loopback port over the store in `data`; returns its URL and
/// a handle that stops it when dropped.
async fn start(
    data: &Path,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let backend = Arc::new(RedbBackend::open(data).expect("the store opens"));
    let runtime = Runtime::builder()
        .backend(backend)
        .secrets(secrets())
        .build()
        .expect("the component loads");
    let server = Server::bind("127.0.0.1:0", runtime)
        .await
        .expect("binds")
        .log_requests(false);
    let url = format!(
        "http://{}/graphql",
        server.local_addr().expect("an address")
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .run_until(async { drop(stopped.await) })
            .await
            .expect("serves");
    });
    (url, stop, task)
}

/// Runs `command`; panics with its output unless it succeeds.
fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}): {command:?}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Python of a virtual environment holding tests/interop/requirements.txt, made on first
/// use and reused while the requirements are unchanged (the file `requirements.txt` in it is
/// written last, so a half-made environment is made again). A lock file serializes test
/// processes that start at once. `None` (after a note) if there is no `python3` outside `CI`.
fn python() -> Option<PathBuf> {
    let requirements_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/requirements.txt");
    let requirements = std::fs::read_to_string(&requirements_path).expect("requirements.txt");
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = base.join("interop-venv");
    let bin = if cfg!(windows) { "Scripts" } else { "bin" };
    let python = venv.join(bin).join(if cfg!(windows) {
        "python.exe"
    } else {
        "python"
    });
    let installed = venv.join("requirements.txt");
    let ready = || std::fs::read_to_string(&installed).is_ok_and(|text| text == requirements);
    if ready() && python.is_file() {
        return Some(python);
    }

    if let Err(e) = Command::new("python3").arg("--version").output() {
        if std::env::var_os("CI").is_some() {
            panic!("python3 cannot be run ({e}), and CI is set: the oauthlib test must run in CI");
        }
        // Straight to stderr, not through `eprintln!`, which the test harness captures.
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping the oauthlib interoperability test: python3 cannot be run ({e}); \
             install Python 3 to run it"
        );
        return None;
    }

    std::fs::create_dir_all(base).unwrap();
    let lock = std::fs::File::create(base.join("interop-venv.lock")).unwrap();
    lock.lock().expect("lock the virtual environment");
    if !(ready() && python.is_file()) {
        let _ = writeln!(
            std::io::stderr(),
            "interop: installing {} into {}",
            requirements.trim(),
            venv.display()
        );
        let _ = std::fs::remove_dir_all(&venv);
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "creating the virtual environment",
        );
        run(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements_path),
            "pip install -r tests/interop/requirements.txt",
        );
        std::fs::write(&installed, &requirements).unwrap();
    }
    drop(lock);
    Some(python)
}

/// Runs the oauthlib client with `python` against `url`; returns (status, body).
async fn oauthlib(python: &Path, url: &str, method: &str, tamper: Option<&str>) -> (u16, Value) {
    let query_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/seed.graphql");
    let mut command = Command::new(python);
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/oauthlib_client.py"))
        .args(["--url", url, "--method", method, "--query-file"])
        .arg(&query_file)
        .env("OAUTH_CONSUMER_KEY", CONSUMER_KEY)
        .env("OAUTH_CONSUMER_SECRET", CONSUMER_SECRET)
        .env("OAUTH_ACCESS_TOKEN", ACCESS_TOKEN)
        .env("OAUTH_ACCESS_TOKEN_SECRET", ACCESS_TOKEN_SECRET);
    if let Some(tamper) = tamper {
        command.args(["--tamper", tamper]);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the virtual environment's python runs");
    assert!(
        output.status.success(),
        "oauthlib client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: Value = serde_json::from_slice(&output.stdout).expect("the client prints JSON");
    (
        reply["status"].as_u64().unwrap() as u16,
        reply["body"].clone(),
    )
}

fn uid(body: &Value) -> i64 {
    let token = body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .expect("a token");
    let (_, payload) = jwt_parts(token);
    serde_json::from_str::<Value>(&payload).unwrap()["uid"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn oauthlib_signed_requests_are_accepted_and_customers_survive_a_restart() {
    let Some(python) = tokio::task::spawn_blocking(python).await.unwrap() else {
        return;
    };
    let python = python.as_path();
    let data = TempDir::new("interop");
    let (url, stop, task) = start(data.path()).await;

    let (status, body) = oauthlib(python, &url, "HMAC-SHA256", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["exchangeExternalCustomerToken"]["customer"],
        json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false})
    );
    let first_uid = uid(&body);

    let (_, body) = oauthlib(python, &url, "HMAC-SHA1", None).await;
    assert_eq!(
        uid(&body),
        first_uid,
        "a second call returns the same customer"
    );

    for tamper in ["signature", "query"] {
        let tampered_url = format!("{url}?store=1");
        let (status, body) = oauthlib(python, &tampered_url, "HMAC-SHA256", Some(tamper)).await;
        assert_eq!(status, 403);
        let error = &body["errors"][0];
        assert_eq!(
            error["message"], "You do not have permission to access this resource.",
            "{tamper}"
        );
        assert_eq!(
            error["extensions"]["oauth_problem"], "signature_invalid",
            "{tamper}"
        );
    }

    stop.send(()).unwrap();
    task.await.unwrap();
    let (url, stop, task) = start(data.path()).await;
    let (status, body) = oauthlib(python, &url, "HMAC-SHA256", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        uid(&body),
        first_uid,
        "the customer persisted across a restart"
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}
