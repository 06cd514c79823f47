//! The component composed with each host adapter, under the emulated Spin and wasmtime/wasmCloud
//! hosts: requests work end to end, and the store holds what the real host would write.

use bytes::Bytes;
use customer_token_host::sign::{self, SignatureMethod};
use customer_token_host::{Flavor, KeyValue, MemoryStore, Runtime, SecretMap, TestClock, exchange};
use std::sync::Arc;

const URL: &str = "http://localhost:3000/graphql";
const NEXT_ID_KEY: &str = "customer-next-id";

fn secrets() -> SecretMap {
    SecretMap::new()
        .with("oauth_consumer_key", "consumer-key")
        .with("oauth_consumer_secret", "consumer-secret")
        .with("oauth_access_token", "access-token")
        .with("oauth_access_token_secret", "access-token-secret")
        .with("customer_token_secret", "0123456789abcdef0123456789abcdef")
}

struct Fixture {
    runtime: Runtime,
    memory: Arc<MemoryStore>,
    clock: TestClock,
}

const START: u64 = 1_748_499_421;

/// The flavor on an in-memory store as its host keeps one (Spin: as its SQLite store does).
fn fixture(flavor: Flavor) -> Fixture {
    let memory = Arc::new(flavor.memory_store(TestClock::at(START).as_now()));
    fixture_with(flavor, memory, secrets())
}

fn fixture_with(flavor: Flavor, memory: Arc<MemoryStore>, secrets: SecretMap) -> Fixture {
    let clock = TestClock::at(START);
    let runtime = Runtime::builder()
        .flavor(flavor)
        .backend(memory.clone())
        .secrets(secrets)
        .clock(clock.clone())
        .capture_logs(true)
        .build()
        .unwrap_or_else(|e| panic!("the {flavor} runtime loads: {e:#}"));
    Fixture {
        runtime,
        memory,
        clock,
    }
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// The contract's reference mutation, for `email`.
fn exchange_mutation(email: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Roni", lastname: "Cost", email: "{email}", is_subscribed: false}}}}) {{ customer {{ email firstname lastname is_subscribed }} token }} }}"#
    )
}

/// A signed exchange through `wasi:http/incoming-handler`.
async fn post_exchange(
    fixture: &Fixture,
    email: &str,
    nonce: &str,
) -> anyhow::Result<http::Response<Bytes>> {
    let credentials = sign::credentials(&secrets())?;
    let request = sign::signed_post(
        URL,
        sign::graphql_body(&exchange_mutation(email), None),
        &credentials,
        SignatureMethod::HmacSha256,
        fixture.clock.unix_seconds() as i64,
        nonce,
    )?;
    fixture.runtime.handle(request).await
}

async fn exchange_ok(fixture: &Fixture, email: &str, nonce: &str) -> serde_json::Value {
    let response = post_exchange(fixture, email, nonce)
        .await
        .unwrap_or_else(|e| panic!("{e:#}\n{}", fixture.runtime.logs()));
    let body = json(response.body());
    assert_eq!(response.status(), 200, "{body}\n{}", fixture.runtime.logs());
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["exchangeExternalCustomerToken"].clone()
}

fn customer_input(email: &str) -> exchange::CustomerInput {
    exchange::CustomerInput {
        prefix: None,
        firstname: "Roni".into(),
        middlename: None,
        lastname: "Cost".into(),
        suffix: None,
        email: email.into(),
        date_of_birth: None,
        taxvat: None,
        gender: None,
        is_subscribed: Some(false),
        custom_attributes: Vec::new(),
        allow_remote_shopping_assistance: None,
        subject: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_answers_typename() {
    let fixture = fixture(Flavor::Spin);
    assert_eq!(fixture.runtime.flavor(), Flavor::Spin);
    let adapter = fixture.runtime.adapter_path().expect("an adapter");
    assert!(
        adapter.ends_with("customer_token_spin_adapter.wasm"),
        "{}",
        adapter.display()
    );
    let request = http::Request::post(URL)
        .header("content-type", "application/json")
        .body(Bytes::from_static(br#"{"query":"{__typename}"}"#))
        .unwrap();
    let response = fixture.runtime.handle(request).await.unwrap();
    assert_eq!(response.status(), 200, "{}", fixture.runtime.logs());
    assert_eq!(
        json(response.body()),
        serde_json::json!({"data": {"__typename": "Query"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_exchanges_and_keeps_counters_as_eight_bytes_little_endian() {
    let fixture = fixture(Flavor::Spin);
    let result = exchange_ok(&fixture, "roni_cost@example.com", "nonce-1").await;
    assert_eq!(
        result["customer"],
        serde_json::json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false})
    );
    assert!(
        result["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert_eq!(
        fixture.memory.get(NEXT_ID_KEY),
        Ok(Some(1i64.to_le_bytes().to_vec()))
    );

    // A second customer takes the next id; the same customer again takes none.
    exchange_ok(&fixture, "second@example.com", "nonce-2").await;
    exchange_ok(&fixture, "roni_cost@example.com", "nonce-3").await;
    assert_eq!(
        fixture.memory.get(NEXT_ID_KEY),
        Ok(Some(2i64.to_le_bytes().to_vec()))
    );

    // The typed export goes through the same adapter.
    let output = fixture
        .runtime
        .exchange(customer_input("typed@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.customer.id, 3);
    let verified = fixture
        .runtime
        .verify_token(&output.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.email, "typed@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_traps_on_a_counter_written_as_decimal_text() {
    // A decimal counter (as the bare or Wasi flavor write in memory) in a store that keeps
    // counters as Spin's SQLite store does makes Spin's host panic.
    let memory = Arc::new(Flavor::Spin.memory_store(TestClock::at(START).as_now()));
    memory.set(NEXT_ID_KEY, b"7").unwrap();
    let fixture = fixture_with(Flavor::Spin, memory, secrets());
    let error = post_exchange(&fixture, "roni_cost@example.com", "nonce-1")
        .await
        .expect_err("the request traps");
    let message = format!("{error:#}");
    assert!(message.contains("the component trapped"), "{message}");
    assert!(message.contains("incorrect length"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasi_exchanges_and_keeps_counters_as_decimal_text() {
    let fixture = fixture(Flavor::Wasi);
    assert_eq!(fixture.runtime.flavor(), Flavor::Wasi);
    let result = exchange_ok(&fixture, "roni_cost@example.com", "nonce-1").await;
    assert_eq!(result["customer"]["email"], "roni_cost@example.com");
    exchange_ok(&fixture, "second@example.com", "nonce-2").await;
    assert_eq!(fixture.memory.get(NEXT_ID_KEY), Ok(Some(b"2".to_vec())));
    // Every counter the component keeps is decimal text.
    let counters: Vec<String> = fixture
        .memory
        .keys()
        .into_iter()
        .filter(|key| key == NEXT_ID_KEY || key.ends_with("-proposers"))
        .collect();
    assert!(counters.len() >= 2, "{counters:?}");
    for key in counters {
        let value = fixture.memory.get(&key).unwrap().unwrap();
        let text = String::from_utf8(value).unwrap();
        assert!(text.parse::<u64>().is_ok(), "{key}: {text:?}");
    }

    let output = fixture
        .runtime
        .exchange(customer_input("typed@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.customer.id, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_secret_is_a_500_under_every_flavor() {
    for flavor in Flavor::ALL {
        let mut incomplete = secrets();
        incomplete.remove("customer_token_secret");
        let fixture = fixture_with(flavor, Arc::new(MemoryStore::new()), incomplete);
        let response = post_exchange(&fixture, "roni_cost@example.com", "nonce-1")
            .await
            .unwrap();
        assert_eq!(response.status(), 500, "{flavor}");
        assert!(
            fixture.runtime.logs().contains("customer_token_secret"),
            "{flavor}: {}",
            fixture.runtime.logs()
        );
    }
}

#[test]
fn flavors_are_loaded_once_per_process() {
    for flavor in [Flavor::Spin, Flavor::Wasi] {
        let first = Runtime::builder().flavor(flavor).build().unwrap();
        let second = Runtime::builder().flavor(flavor).build().unwrap();
        assert_eq!(first.load_timings(), second.load_timings(), "{flavor}");
        assert!(first.load_timings().compose > std::time::Duration::ZERO);
    }
    let bare = Runtime::builder().flavor(Flavor::Bare).build().unwrap();
    assert_eq!(bare.flavor(), Flavor::Bare);
    assert_eq!(bare.adapter_path(), None);
    assert_eq!(bare.load_timings().compose, std::time::Duration::ZERO);
}
