//! The local server over real loopback HTTP, with the persistent store, called by an OAuth
//! implementation that is not ours: Python's oauthlib (tests/interop/oauthlib_client.py).
//!
//! The client runs in a virtual environment that the test makes on first use, under the target
//! directory (`<target>/tmp/interop-venv`), with the pinned version from
//! tests/interop/requirements.txt installed from PyPI; later runs reuse it. Without `python3`
//! the test is skipped with a note, except under `CI`, where it fails.

use std::path::Path;
use std::sync::Arc;

use crate::support::*;
use customer_token_host::server::Server;
use customer_token_runtime::{Runtime, SqliteStore};
use customer_token_testkit::TempDir;
use serde_json::{Value, json};

/// Starts the server on an ephemeral loopback port over the store in `data`; returns its URL and
/// a handle that stops it when dropped.
async fn start(
    data: &Path,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let backend = Arc::new(SqliteStore::open(data).expect("the store opens"));
    let runtime = Runtime::builder()
        .component(customer_token_testkit::components::product(Flavor::Bare))
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

/// Runs the oauthlib client against `url`; returns (status, body).
async fn oauthlib(url: &str, method: &str, tamper: Option<&str>) -> (u16, Value) {
    let mut command = oauthlib_client(url);
    command
        .args(["--method", method, "--query-file"])
        .arg(seed_query_file());
    if let Some(tamper) = tamper {
        command.args(["--tamper", tamper]);
    }
    let reply = tokio::task::spawn_blocking(move || run_client(command))
        .await
        .unwrap();
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
    let Some(_python) = tokio::task::spawn_blocking(interop_python).await.unwrap() else {
        return;
    };
    let data = TempDir::new("interop");
    let (url, stop, task) = start(data.path()).await;

    let (status, body) = oauthlib(&url, "HMAC-SHA256", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["exchangeExternalCustomerToken"]["customer"],
        json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false})
    );
    let first_uid = uid(&body);

    let (_, body) = oauthlib(&url, "HMAC-SHA1", None).await;
    assert_eq!(
        uid(&body),
        first_uid,
        "a second call returns the same customer"
    );

    for tamper in ["signature", "query"] {
        let tampered_url = format!("{url}?store=1");
        let (status, body) = oauthlib(&tampered_url, "HMAC-SHA256", Some(tamper)).await;
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
    let (status, body) = oauthlib(&url, "HMAC-SHA256", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        uid(&body),
        first_uid,
        "the customer persisted across a restart"
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}
