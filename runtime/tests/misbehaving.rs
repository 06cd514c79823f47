//! How the runtime copes with a guest that traps, runs away or never answers
//! (fixture: tests/fixtures/misbehaving-guest).

use bytes::Bytes;
use customer_token_runtime::Runtime;
use customer_token_runtime::exchange::{CustomerInput, Error as ExchangeError};
use customer_token_testkit::components;
use customer_token_testkit::fixture::customer_input;
use std::time::{Duration, Instant};

fn runtime(timeout: Duration) -> Runtime {
    Runtime::builder()
        .component(components::misbehaving_guest())
        .capture_logs(true)
        .timeout(timeout)
        .build()
        .expect("the fixture loads")
}

fn get(path: &str) -> http::Request<Bytes> {
    http::Request::get(format!("http://localhost{path}"))
        .body(Bytes::new())
        .expect("a valid request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_is_an_error_naming_the_trap() {
    let runtime = runtime(Duration::from_secs(5));
    let error = format!("{:#}", runtime.handle(get("/trap")).await.unwrap_err());
    assert!(error.contains("trapped"), "{error}");
    assert!(
        runtime.logs().contains("trap requested"),
        "{}",
        runtime.logs()
    );
    // The next request gets a fresh instance and is unaffected.
    let response = runtime.handle(get("/ok")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().as_ref(), br#"{"ok":true}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_request_is_cut_off() {
    let runtime = runtime(Duration::from_millis(500));
    let started = Instant::now();
    let error = format!("{:#}", runtime.handle(get("/spin")).await.unwrap_err());
    let elapsed = started.elapsed();
    assert!(error.contains("interrupt"), "{error}");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");

    let started = Instant::now();
    let error = format!("{:#}", runtime.verify_token("spin").await.unwrap_err());
    assert!(error.contains("interrupt"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_response_is_an_error() {
    let runtime = runtime(Duration::from_secs(5));
    let error = format!(
        "{:#}",
        runtime.handle(get("/no-response")).await.unwrap_err()
    );
    assert!(error.contains("without setting a response"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_exports_carry_their_input_and_errors() {
    let runtime = runtime(Duration::from_secs(5));
    let input = CustomerInput {
        gender: Some(3),
        is_subscribed: Some(true),
        ..customer_input("roni_cost@example.com")
    };
    match runtime.exchange(input).await.unwrap() {
        Err(ExchangeError::InvalidInput(echo)) => {
            assert_eq!(echo, "roni_cost@example.com Some(3) Some(true)")
        }
        other => panic!("unexpected {other:?}"),
    }
    match runtime.verify_token("nope").await.unwrap() {
        Err(ExchangeError::Unauthorized(message)) => assert_eq!(message, "nope"),
        other => panic!("unexpected {other:?}"),
    }
}
