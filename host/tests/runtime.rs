//! The host runtime against the real component: routing, a trivial GraphQL query, log capture,
//! concurrency, and the server over loopback HTTP.

use bytes::Bytes;
use customer_token_host::server::Server;
use customer_token_host::{MemoryStore, Runtime, SecretMap, TestClock, client};
use std::sync::Arc;

fn secrets() -> SecretMap {
    SecretMap::new()
        .with("oauth_consumer_key", "consumer-key")
        .with("oauth_consumer_secret", "consumer-secret")
        .with("oauth_access_token", "access-token")
        .with("oauth_access_token_secret", "access-token-secret")
        .with("customer_token_secret", "0123456789abcdef0123456789abcdef")
}

fn runtime() -> Runtime {
    Runtime::builder()
        .backend(Arc::new(MemoryStore::new()))
        .secrets(secrets())
        .clock(TestClock::now())
        .capture_logs(true)
        .build()
        .expect("the component loads")
}

fn typename_request(url: &str) -> http::Request<Bytes> {
    http::Request::post(url)
        .header("content-type", "application/json")
        .body(Bytes::from_static(br#"{"query":"{__typename}"}"#))
        .expect("a valid request")
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

#[test]
fn runtime_is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Runtime>();
}

// A current-thread runtime works too (the default of `#[tokio::test]`).
#[tokio::test]
async fn unknown_path_is_a_404_json() {
    let runtime = runtime();
    let request = http::Request::get("http://localhost/nope")
        .body(Bytes::new())
        .unwrap();
    let response = runtime.handle(request).await.unwrap();
    assert_eq!(response.status(), 404);
    let content_type = response.headers()[http::header::CONTENT_TYPE]
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    json(response.body());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typename_query_answers() {
    let runtime = runtime();
    let response = runtime
        .handle(typename_request("http://localhost/graphql"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", runtime.logs());
    assert_eq!(
        json(response.body()),
        serde_json::json!({"data": {"__typename": "Query"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_configuration_is_logged_by_name() {
    let runtime = Runtime::builder()
        .secrets(SecretMap::new())
        .capture_logs(true)
        .build()
        .unwrap();
    // A complete signature (with credentials the server cannot know, having none): what the
    // refusal needs is the configuration, whose absence is then a 500 naming the key. (An
    // unsigned request would be refused before any key is read.)
    let credentials = customer_token::oauth::Credentials {
        consumer_key: "ck".into(),
        consumer_secret: "cs".into(),
        token: "at".into(),
        token_secret: "ats".into(),
    };
    let request = customer_token_host::sign::signed_post(
        "http://localhost/graphql",
        Bytes::from_static(
            br#"{"query":"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: \"A\", lastname: \"B\", email: \"a@example.com\"}}) { token } }"}"#,
        ),
        &credentials,
        customer_token::oauth::SignatureMethod::HmacSha256,
        customer_token_host::sign::now_timestamp(),
        "nonce-1",
    )
    .unwrap();
    let response = runtime.handle(request).await.unwrap();
    assert_eq!(response.status(), 500);
    let logs = runtime.logs();
    assert!(logs.contains("oauth_consumer_key"), "logs: {logs}");
    runtime.clear_logs();
    assert_eq!(runtime.logs(), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests() {
    let runtime = runtime();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let runtime = runtime.clone();
        tasks.spawn(async move {
            runtime
                .handle(typename_request("http://localhost/graphql"))
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        let response = result.unwrap().unwrap();
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_answers_over_loopback() {
    let runtime = runtime();
    let server = Server::bind("127.0.0.1:0", runtime.clone())
        .await
        .unwrap()
        .max_body_bytes(1024)
        .log_requests(false);
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));

    let response = client::send(typename_request(&format!("http://{addr}/graphql")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response.body()),
        serde_json::json!({"data": {"__typename": "Query"}})
    );

    let not_found = client::send(
        http::Request::get(format!("http://{addr}/elsewhere"))
            .body(Bytes::new())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(not_found.status(), 404);

    let too_big = client::send(
        http::Request::post(format!("http://{addr}/graphql"))
            .header("content-type", "application/json")
            .body(Bytes::from(vec![b' '; 4096]))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(too_big.status(), 413);
    json(too_big.body());

    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}

/// Any `wasi:http` component runs on the same runtime and server as the product, linked against
/// the same imports (it uses none of the product's own): the benchmark's hello-world baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_wasi_http_component_runs_on_the_same_runtime_and_server() {
    let runtime = Runtime::builder()
        .wasm(customer_token_host::runtime::hello_wasm_path())
        .backend(Arc::new(MemoryStore::new()))
        .build()
        .expect("hello-world loads");
    let server = Server::bind("127.0.0.1:0", runtime).await.unwrap();
    let url = format!("http://{}/graphql", server.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let response = client::send(typename_request(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response.body()),
        serde_json::json!({"data": {"hello": "world"}})
    );
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}
