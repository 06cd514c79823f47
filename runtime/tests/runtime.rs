//! The runtime against the real component: routing, a trivial GraphQL query, log capture,
//! concurrency, any `wasi:http` component, and which host a component is built for.

use bytes::Bytes;
use customer_token_runtime::{Flavor, Runtime, SecretMap};
use customer_token_testkit::components;
use customer_token_testkit::fixture::{
    Fixture, URL, credentials, json_body as json, typename_request,
};

#[test]
fn runtime_is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Runtime>();
}

// A current-thread runtime works too (the default of `#[tokio::test]`).
#[tokio::test]
async fn unknown_path_is_a_404_json() {
    let fixture = Fixture::new();
    let request = http::Request::get("http://localhost/nope")
        .body(Bytes::new())
        .unwrap();
    let response = fixture.runtime.handle(request).await.unwrap();
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
async fn typename_query_answers_on_every_flavor() {
    for flavor in Flavor::ALL {
        let fixture = Fixture::on(flavor);
        assert_eq!(fixture.runtime.flavor(), flavor);
        let response = fixture.runtime.handle(typename_request(URL)).await.unwrap();
        assert_eq!(
            response.status(),
            200,
            "{flavor}: {}",
            fixture.runtime.logs()
        );
        assert_eq!(
            json(response.body()),
            serde_json::json!({"data": {"__typename": "Query"}})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_configuration_is_logged_by_name() {
    let fixture = Fixture::with_secrets(Flavor::Bare, SecretMap::new());
    // A complete signature (with credentials the component cannot know, having none): what the
    // refusal needs is the configuration, whose absence is then a 500 naming the key. (An
    // unsigned request would be refused before any key is read.)
    let authorization = customer_token::oauth::authorization_header(
        "POST",
        URL,
        &[],
        &credentials(),
        customer_token::oauth::SignatureMethod::HmacSha256,
        fixture.now(),
        "nonce-1",
    )
    .unwrap();
    let reply = fixture
        .post(
            r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "A", lastname: "B", email: "a@example.com"}}) { token } }"#,
            Some(&authorization),
        )
        .await;
    assert_eq!(reply.status, 500);
    let logs = fixture.runtime.logs();
    assert!(logs.contains("oauth_consumer_key"), "logs: {logs}");
    fixture.runtime.clear_logs();
    assert_eq!(fixture.runtime.logs(), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests() {
    let fixture = Fixture::new();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let runtime = fixture.runtime.clone();
        tasks.spawn(async move { runtime.handle(typename_request(URL)).await });
    }
    while let Some(result) = tasks.join_next().await {
        let response = result.unwrap().unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// Any `wasi:http` component runs on the same runtime as the product, linked against the same
/// imports (it uses none of the product's own): the benchmark's hello-world baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_wasi_http_component_runs_under_any_flavor() {
    for flavor in Flavor::ALL {
        let runtime = Runtime::builder()
            .component(components::hello())
            .flavor(flavor)
            .build()
            .expect("hello-world loads");
        let response = runtime.handle(typename_request(URL)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            json(response.body()),
            serde_json::json!({"data": {"hello": "world"}})
        );
        let refused = runtime
            .verify_token("any")
            .await
            .expect_err("hello-world has no typed interface");
        assert!(
            format!("{refused:#}").contains("no `exchange` export"),
            "{refused:#}"
        );
    }
}

/// The flavor is told by the component's imports; asking for another is refused with what to
/// give instead, before any request.
#[test]
fn a_component_runs_only_under_the_host_it_is_built_for() {
    for built in Flavor::ALL {
        let told = Runtime::builder()
            .component(components::product(built))
            .build()
            .unwrap();
        assert_eq!(told.flavor(), built);
        for wanted in Flavor::ALL.into_iter().filter(|wanted| *wanted != built) {
            let error = Runtime::builder()
                .component(components::product(built))
                .flavor(wanted)
                .build()
                .expect_err("another host's build is refused");
            let message = format!("{error:#}");
            assert!(
                message.contains(&format!("built for the {built} host"))
                    && message.contains(&format!("dist/customer-token-{wanted}.wasm")),
                "{message}"
            );
        }
    }
}

#[test]
fn a_component_is_compiled_once_per_process() {
    let first = Runtime::builder()
        .component(components::product(Flavor::Spin))
        .build()
        .unwrap();
    let second = Runtime::builder()
        .component(components::product(Flavor::Spin))
        .build()
        .unwrap();
    assert_eq!(first.compile_time(), second.compile_time());
}

#[test]
fn bytes_that_are_not_a_component_are_an_error() {
    let error = Runtime::builder()
        .component(customer_token_runtime::Wasm::new(
            "junk",
            b"not wasm".to_vec(),
        ))
        .build()
        .expect_err("junk does not load");
    assert!(format!("{error:#}").contains("compiling junk"), "{error:#}");
    let error = Runtime::builder().build().expect_err("no component");
    assert!(
        format!("{error:#}").contains("no component given"),
        "{error:#}"
    );
}
