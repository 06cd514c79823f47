//! The example consumer (`examples/consumer`) composed with the product through the typed
//! `commerce:customer-token/exchange` interface, run in-process: its `example:consumer/login`
//! export signs customers in and finds out who a token belongs to, over the same in-memory store
//! and secrets as the HTTP tests. Composition is checked by calling it, not only by inspecting
//! the composite's imports and exports.

use crate::support::{START, jwt_parts, secrets};
use customer_token_runtime::{Flavor, KeyValue, MemoryStore, Runtime};
use customer_token_testkit::{TestClock, components};
use std::sync::Arc;

fn consumer(flavor: Flavor) -> (Runtime, Arc<MemoryStore>) {
    let clock = TestClock::at(START);
    let memory = Arc::new(flavor.memory_store(clock.as_now()));
    let runtime = Runtime::builder()
        .component(components::consumer(flavor))
        .backend(memory.clone())
        .secrets(secrets())
        .clock(clock)
        .capture_logs(true)
        .build()
        .unwrap_or_else(|e| panic!("the consumer composed with the {flavor} product loads: {e:#}"));
    (runtime, memory)
}

/// `<id>:<token>` split, with the token checked to be a compact JWS for that customer.
fn id_and_token(signed_in: &str) -> (&str, &str) {
    let (id, token) = signed_in
        .split_once(':')
        .unwrap_or_else(|| panic!("sign-in should return <id>:<token>, got {signed_in:?}"));
    assert_eq!(token.split('.').count(), 3, "not a JWS: {token:?}");
    let (_, payload) = jwt_parts(token);
    let payload: serde_json::Value = serde_json::from_str(&payload).expect("a JSON payload");
    assert_eq!(payload["uid"].to_string(), id, "the token's uid: {payload}");
    (id, token)
}

async fn signs_in_and_finds_the_customer_again(flavor: Flavor) {
    let (runtime, memory) = consumer(flavor);
    assert_eq!(runtime.flavor(), flavor, "told by the composite's imports");
    eprintln!("{flavor}: compiled in {:?}", runtime.compile_time());

    let first = runtime
        .sign_in("ada@example.com", "Ada", "Lovelace")
        .await
        .expect("sign-in runs")
        .unwrap_or_else(|e| panic!("{flavor}: sign-in fails: {e}\n{}", runtime.logs()));
    let (id, token) = id_and_token(&first);
    assert_eq!(id, "1", "{flavor}: the first customer");
    let record = memory
        .get("customer:1")
        .expect("the store answers")
        .unwrap_or_else(|| panic!("{flavor}: no customer:1 in {:?}", memory.keys()));
    let record = String::from_utf8_lossy(&record);
    assert!(
        record.contains("ada@example.com"),
        "{flavor}: the stored customer: {record}"
    );

    let second = runtime
        .sign_in("ada@example.com", "Ada", "Lovelace")
        .await
        .expect("sign-in runs")
        .unwrap_or_else(|e| panic!("{flavor}: the second sign-in fails: {e}"));
    assert_eq!(id_and_token(&second).0, "1", "{flavor}: the same customer");

    let email = runtime.whoami(token).await.expect("whoami runs");
    assert_eq!(email.as_deref(), Ok("ada@example.com"), "{flavor}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_signs_in_and_finds_the_customer_again() {
    signs_in_and_finds_the_customer_again(Flavor::Bare).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn spin_signs_in_and_finds_the_customer_again() {
    signs_in_and_finds_the_customer_again(Flavor::Spin).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wasi_signs_in_and_finds_the_customer_again() {
    signs_in_and_finds_the_customer_again(Flavor::Wasi).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_garbage_token_is_unauthorized() {
    let (runtime, _) = consumer(Flavor::Bare);
    let error = runtime
        .whoami("garbage")
        .await
        .expect("whoami runs")
        .expect_err("a garbage token is refused");
    assert!(error.contains("unauthorized"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_email_gets_magentos_message() {
    let (runtime, memory) = consumer(Flavor::Bare);
    let error = runtime
        .sign_in("nope", "Ada", "Lovelace")
        .await
        .expect("sign-in runs")
        .expect_err("an invalid email is refused");
    assert!(
        error.contains("\"nope\" is not a valid email address."),
        "{error}"
    );
    assert_eq!(
        memory.get("customer:1").expect("the store answers"),
        None,
        "no customer is created"
    );
}
