//! The product composed with each host adapter, under the emulated Spin and wasmtime/wasmCloud
//! hosts: requests work end to end, and the store holds what the real host would write.

use bytes::Bytes;
use customer_token_runtime::{Flavor, KeyValue, SecretMap};
use customer_token_testkit::fixture::{Fixture, URL, customer_input, secrets};

const NEXT_ID_KEY: &str = "customer-next-id";

/// The contract's reference mutation, for `email`.
fn exchange_mutation(email: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Roni", lastname: "Cost", email: "{email}", is_subscribed: false}}}}) {{ customer {{ email firstname lastname is_subscribed }} token }} }}"#
    )
}

async fn exchange_ok(fixture: &Fixture, email: &str) -> serde_json::Value {
    let reply = fixture.post_signed(&exchange_mutation(email)).await;
    assert_eq!(
        reply.status,
        200,
        "{}\n{}",
        reply.body,
        fixture.runtime.logs()
    );
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    reply.body["data"]["exchangeExternalCustomerToken"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spin_exchanges_and_keeps_counters_as_eight_bytes_little_endian() {
    let fixture = Fixture::on(Flavor::Spin);
    let result = exchange_ok(&fixture, "roni_cost@example.com").await;
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
    exchange_ok(&fixture, "second@example.com").await;
    exchange_ok(&fixture, "roni_cost@example.com").await;
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
    let fixture = Fixture::on(Flavor::Spin);
    fixture.memory.set(NEXT_ID_KEY, b"7").unwrap();
    let request = http::Request::post(URL)
        .header("content-type", "application/json")
        .header("authorization", fixture.signed())
        .body(Bytes::from(
            serde_json::json!({ "query": exchange_mutation("roni_cost@example.com") }).to_string(),
        ))
        .unwrap();
    let error = fixture
        .runtime
        .handle(request)
        .await
        .expect_err("the request traps");
    let message = format!("{error:#}");
    assert!(message.contains("the component trapped"), "{message}");
    assert!(message.contains("incorrect length"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasi_exchanges_and_keeps_counters_as_decimal_text() {
    let fixture = Fixture::on(Flavor::Wasi);
    let result = exchange_ok(&fixture, "roni_cost@example.com").await;
    assert_eq!(result["customer"]["email"], "roni_cost@example.com");
    exchange_ok(&fixture, "second@example.com").await;
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
        let mut incomplete: SecretMap = secrets();
        incomplete.remove("customer_token_secret");
        let fixture = Fixture::with_secrets(flavor, incomplete);
        let reply = fixture
            .post_signed(&exchange_mutation("roni_cost@example.com"))
            .await;
        assert_eq!(reply.status, 500, "{flavor}");
        assert!(
            fixture.runtime.logs().contains("customer_token_secret"),
            "{flavor}: {}",
            fixture.runtime.logs()
        );
    }
}
