//! Limits, replay and time, concurrency, faults and secrecy, through the built component.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::support::*;
use customer_token::oauth::SignatureMethod;
use customer_token_runtime::{
    Call, CallPhase, Faulty, Flavor, KeyValue, RedbStore, Runtime, SqliteStore, Store,
};
use customer_token_testkit::TempDir;
use serde_json::{Value, json};

fn exchange_query(email: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Soak", lastname: "Test", email: "{email}"}}}}) {{ customer {{ id email }} token }} }}"#
    )
}

// ----- Limits -----

#[tokio::test(flavor = "multi_thread")]
async fn each_limit_answers_with_a_clear_error() {
    let fixture = Fixture::new();

    let mut deep = String::from("name");
    for _ in 0..15 {
        deep = format!("ofType {{ {deep} }}");
    }
    let query = format!(r#"{{ __type(name: "Customer") {{ fields {{ type {{ {deep} }} }} }} }}"#);
    let reply = fixture.post(&query, None).await;
    assert!(reply.body.get("data").is_none(), "{}", reply.body);
    assert!(
        only_error(&reply)["message"]
            .as_str()
            .unwrap()
            .starts_with("Max query depth should be 15 but got "),
        "{}",
        reply.body
    );

    let aliases: Vec<String> = (0..501).map(|i| format!("a{i}: __typename")).collect();
    let reply = fixture
        .post(&format!("{{ {} }}", aliases.join(" ")), None)
        .await;
    assert_eq!(
        only_error(&reply)["message"],
        "Max query complexity should be 500 but got 501."
    );

    let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    let reply = fixture.post(cycle, None).await;
    let messages: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Cannot spread fragment \"A\" within itself")),
        "{messages:?}"
    );

    let two = format!(
        "mutation {{ a: {} b: {} }}",
        &exchange_query("a@example.com")[11..exchange_query("a@example.com").len() - 2],
        &exchange_query("b@example.com")[11..exchange_query("b@example.com").len() - 2]
    );
    let reply = fixture.post_signed(&two).await;
    assert_eq!(
        only_error(&reply)["message"],
        "Only one exchangeExternalCustomerToken field may be executed per request."
    );

    let nested = format!("{{ {} }}", "[".repeat(65));
    let reply = fixture.post(&nested, None).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        only_error(&reply)["message"],
        "Syntax Error: Document nesting exceeds 64 levels."
    );

    let huge_header = "x".repeat(17 * 1024);
    let reply = fixture
        .send(
            "POST",
            URL,
            Some("application/json"),
            Some(&huge_header),
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(reply.status, 431);

    let long_url = format!("{URL}?query={}", "a".repeat(33 * 1024));
    let reply = fixture.send("GET", &long_url, None, None, Vec::new()).await;
    assert_eq!(reply.status, 414);

    let long_token = format!("Bearer {}", "A".repeat(4000));
    let reply = fixture
        .post("{ customer { email } }", Some(&long_token))
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        only_error(&reply)["message"],
        "Composite reader could not read a token"
    );

    let reply = fixture
        .send(
            "POST",
            URL,
            Some("application/json"),
            None,
            vec![b' '; 64 * 1024 + 1],
        )
        .await;
    assert_eq!(reply.status, 413);
    assert!(
        only_error(&reply)["message"]
            .as_str()
            .unwrap()
            .contains("65536")
    );
}

/// The component's stack is 256 KiB (build.rs), and an overflow traps (a 500): the deepest
/// documents the nesting guard (64 levels) admits are all answered.
#[tokio::test(flavor = "multi_thread")]
async fn the_deepest_documents_fit_the_components_stack() {
    let fixture = Fixture::new();
    for document in customer_token_testkit::fixture::deepest_documents(64) {
        let reply = fixture.post(&document, None).await;
        assert_eq!(reply.status, 200, "{}: {}", &document[..40], reply.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_asking_for_millions_of_errors_gets_a_bounded_answer() {
    // The benchmark's worst case: operations each repeating one alias with different arguments
    // (31,125 conflicts apiece) once made a 25 MB error response and ran the component out of
    // memory.
    let fixture = Fixture::new();
    let fields: Vec<String> = (0..250)
        .map(|i| format!("t: __type(name: \"T{i}\") {{ name }}"))
        .collect();
    let mut document = String::new();
    let mut operation = 0;
    while document.len() < 50_000 {
        document.push_str(&format!("query Q{operation} {{ {} }}\n", fields.join(" ")));
        operation += 1;
    }
    let body = json!({ "query": document, "operationName": "Q0" })
        .to_string()
        .into_bytes();
    assert!(body.len() <= 64 * 1024);
    let reply = fixture
        .send("POST", URL, Some("application/json"), None, body)
        .await;
    assert_eq!(reply.status, 200);
    let errors = reply.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101);
    assert_eq!(
        errors[100]["message"],
        "Too many validation errors, error limit reached. Validation aborted."
    );
}

// ----- Replay and time -----

#[tokio::test(flavor = "multi_thread")]
async fn replays_and_stale_requests_are_refused_at_the_window_edges() {
    let fixture = Fixture::new();
    let now = fixture.now();
    let signed = fixture.signed();
    assert!(
        fixture
            .post(SEED_MUTATION, Some(&signed))
            .await
            .body
            .get("errors")
            .is_none()
    );
    let replay = fixture.post(SEED_MUTATION, Some(&signed)).await;
    assert_eq!(
        only_error(&replay)["extensions"]["oauth_problem"],
        "nonce_used"
    );

    for (offset, accepted) in [(-600, true), (600, true), (-601, false), (601, false)] {
        let authorization = fixture.sign(
            SignatureMethod::HmacSha256,
            now + offset,
            &fixture.fresh_nonce(),
        );
        let reply = fixture.post(SEED_MUTATION, Some(&authorization)).await;
        if accepted {
            assert!(
                reply.body.get("errors").is_none(),
                "{offset}: {}",
                reply.body
            );
        } else {
            assert_eq!(
                only_error(&reply)["extensions"]["oauth_problem"],
                "timestamp_refused",
                "{offset}"
            );
        }
    }
}

/// On the host's own store, which expires the nonces' keys.
#[tokio::test(flavor = "multi_thread")]
async fn stored_nonces_stay_bounded_across_three_windows_where_keys_expire() {
    stored_nonces_stay_bounded_across_three_windows(Flavor::Bare).await;
}

/// On Spin's store, which has no expiry: the component indexes and sweeps them.
#[tokio::test(flavor = "multi_thread")]
async fn stored_nonces_stay_bounded_across_three_windows_where_the_component_sweeps() {
    stored_nonces_stay_bounded_across_three_windows(Flavor::Spin).await;
}

async fn stored_nonces_stay_bounded_across_three_windows(host: Flavor) {
    let fixture = Fixture::on(host);
    let nonce_keys = |fixture: &Fixture| -> Vec<String> {
        fixture
            .memory
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("oauth-nonce:"))
            .collect()
    };
    let mut peak = 0;
    // Three 600 s windows of traffic, 30 requests a window, 20 s apart.
    for _ in 0..90 {
        let reply = fixture.post_signed(SEED_MUTATION).await;
        assert!(reply.body.get("errors").is_none(), "{}", reply.body);
        peak = peak.max(nonce_keys(&fixture).len());
        fixture.clock.advance(20);
    }
    // Traffic goes on in a fourth window: the store expires, or every eighth request (and a
    // bucket's first) sweeps nine nonces of windows that ended, so a burst clears everything
    // that can no longer be replayed.
    for _ in 0..10 {
        fixture.post_signed(SEED_MUTATION).await;
        fixture.clock.advance(20);
    }
    for _ in 0..60 {
        fixture.post_signed(SEED_MUTATION).await;
    }
    let now = fixture.now();
    // A nonce with a timestamp in bucket b can be replayed until (b + 3) * 600.
    let live_buckets: HashSet<i64> = [now / 600, now / 600 - 1, now / 600 - 2].into();
    let left = nonce_keys(&fixture);
    for key in &left {
        let bucket: i64 = key.split(':').nth(1).unwrap().parse().unwrap();
        assert!(
            live_buckets.contains(&bucket),
            "{key} belongs to a window that has passed (now {now})"
        );
    }
    eprintln!("{} nonces kept, at most {peak} at once", left.len());
    // At most the live buckets' requests: 70 in this window, 30 a window before.
    assert!(left.len() <= 130, "{} nonces kept", left.len());
    // Three windows of 30, and a dead one being swept.
    assert!(peak <= 120, "at most {peak} nonce keys at once");
    // The index entries are swept with their nonces.
    let entries = fixture
        .memory
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("oauth-nonce-entry:"))
        .count();
    assert!(
        entries <= left.len(),
        "{entries} index entries for {} nonces",
        left.len()
    );
}

// ----- Concurrency soak -----

/// A small deterministic generator: the interleaving is random but reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn a_thousand_concurrent_exchanges_over_three_hundred_emails_stay_consistent() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fixture = Arc::new(Fixture::new());
        let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
        let emails: Vec<String> = (0..300)
            .map(|i| format!("shopper{i}@example.com"))
            .collect();
        // 1,100 requests: every email at least once, the rest at random; 100 of them replay the
        // nonce of an earlier request at the same time as it.
        let mut plan: Vec<(String, String)> = Vec::new();
        for i in 0..1_000 {
            let email = if i < 300 {
                emails[i].clone()
            } else {
                emails[(random.next() % 300) as usize].clone()
            };
            plan.push((email, fixture.fresh_nonce()));
        }
        for _ in 0..100 {
            let (email, nonce) = plan[(random.next() % 1_000) as usize].clone();
            plan.push((email, nonce));
        }
        for i in (1..plan.len()).rev() {
            plan.swap(i, (random.next() % (i as u64 + 1)) as usize);
        }
        let now = fixture.now();
        let mut tasks = Vec::new();
        for (email, nonce) in plan {
            let fixture = fixture.clone();
            tasks.push(tokio::spawn(async move {
                let authorization = fixture.sign(SignatureMethod::HmacSha256, now, &nonce);
                let reply = fixture
                    .post(&exchange_query(&email), Some(&authorization))
                    .await;
                (email, nonce, reply)
            }));
        }
        let mut uid_by_email: HashMap<String, i64> = HashMap::new();
        let mut accepted_nonces: HashMap<String, usize> = HashMap::new();
        let mut replays_refused = 0;
        for task in tasks {
            let (email, nonce, reply) = task.await.unwrap();
            if let Some(errors) = reply.body.get("errors") {
                assert_eq!(reply.status, 403, "{}", reply.body);
                assert_eq!(
                    errors[0]["extensions"]["oauth_problem"], "nonce_used",
                    "{}",
                    reply.body
                );
                replays_refused += 1;
                continue;
            }
            *accepted_nonces.entry(nonce).or_default() += 1;
            let result = &reply.body["data"]["exchangeExternalCustomerToken"];
            let uid = uid_of(result["token"].as_str().unwrap());
            assert_eq!(
                result["customer"]["id"].as_str(),
                Some(uid.to_string().as_str()),
                "the token is the customer's"
            );
            assert_eq!(result["customer"]["email"], email.as_str());
            let known = *uid_by_email.entry(email.clone()).or_insert(uid);
            assert_eq!(known, uid, "{email} got two customers");
        }
        assert!(
            accepted_nonces.values().all(|count| *count == 1),
            "a nonce was accepted twice"
        );
        assert_eq!(replays_refused, 100);
        assert_eq!(uid_by_email.len(), 300);
        let ids: HashSet<i64> = uid_by_email.values().copied().collect();
        assert_eq!(ids.len(), 300, "ids are unique");
        let records = fixture
            .memory
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("customer:"))
            .count();
        assert_eq!(records, 300, "exactly one customer per email");
    });
}

// ----- Faults on the persistent store, with a restart -----

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_any_two_store_calls_of_the_persistent_store_is_repaired_after_restart() {
    let calls = {
        let fixture = Fixture::new();
        fixture.post_signed(SEED_MUTATION).await;
        fixture.faults.calls()
    };
    // Both embedded stores: SQLite (the default) and redb (of earlier versions).
    type Open = fn(&std::path::Path) -> Store;
    let stores: [Open; 2] = [
        |dir| Arc::new(SqliteStore::open(dir).unwrap()),
        |dir| Arc::new(RedbStore::open(dir).unwrap()),
    ];
    for (k, open) in (1..=calls).flat_map(|k| stores.iter().map(move |open| (k, open))) {
        let data = TempDir::new("crash");
        let clock = customer_token_testkit::TestClock::at(START);
        let start = |fail_from: Option<u64>| {
            let persistent = open(data.path());
            let backend = match fail_from {
                // Every call from the k-th on fails: the process is gone from that point.
                Some(k) => Arc::new(Faulty::new(persistent).failing_from(k)),
                None => Arc::new(Faulty::new(persistent)),
            };
            Runtime::builder()
                .component(customer_token_testkit::components::product(Flavor::Bare))
                .backend(backend)
                .secrets(secrets())
                .clock(clock.clone())
                .build()
                .unwrap()
        };
        let sign = |nonce: &str| {
            customer_token::oauth::authorization_header(
                "POST",
                URL,
                &[],
                &credentials(),
                SignatureMethod::HmacSha256,
                START as i64,
                nonce,
            )
            .unwrap()
        };
        let request = |query: &str, nonce: &str| {
            http::Request::post(URL)
                .header("content-type", "application/json")
                .header("authorization", sign(nonce))
                .body(bytes::Bytes::from(json!({ "query": query }).to_string()))
                .unwrap()
        };
        {
            let crashing = start(Some(k));
            let response = crashing
                .handle(request(SEED_MUTATION, "before-crash"))
                .await
                .unwrap();
            assert!(
                response.status() == 500 || response.status() == 200,
                "k={k}"
            );
        }
        let restarted = start(None);
        let first = restarted
            .handle(request(SEED_MUTATION, "after-restart-1"))
            .await
            .unwrap();
        let first: Value = serde_json::from_slice(first.body()).unwrap();
        assert!(first.get("errors").is_none(), "k={k}: {first}");
        let second = restarted
            .handle(request(
                &exchange_query("Roni_Cost@example.com"),
                "after-restart-2",
            ))
            .await
            .unwrap();
        let second: Value = serde_json::from_slice(second.body()).unwrap();
        let first = &first["data"]["exchangeExternalCustomerToken"];
        let second = &second["data"]["exchangeExternalCustomerToken"];
        assert_eq!(
            uid_of(first["token"].as_str().unwrap()),
            uid_of(second["token"].as_str().unwrap()),
            "k={k}"
        );
        assert_eq!(first["customer"]["firstname"], "Roni", "k={k}");
    }
}

// ----- Creation under stalls -----

fn uid_and_customer(reply: &Reply) -> (i64, Value) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let exchanged = &reply.body["data"]["exchangeExternalCustomerToken"];
    (
        uid_of(exchanged["token"].as_str().unwrap()),
        exchanged["customer"].clone(),
    )
}

fn customer_records(fixture: &Fixture) -> usize {
    fixture
        .memory
        .keys()
        .iter()
        .filter(|key| key.starts_with("customer:"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_stalled_at_any_store_call_agrees_with_the_requests_served_meanwhile() {
    for phase in [CallPhase::Before, CallPhase::After] {
        let mut stalled_calls = 0;
        for at in 1.. {
            let fixture = Arc::new(Fixture::new());
            let stall = Stall::at(&fixture.faults, at, phase);
            let stalled = tokio::spawn({
                let fixture = fixture.clone();
                async move { fixture.post_signed(SEED_MUTATION).await }
            });
            let Some(stall) = stall.reached(&stalled).await else {
                break;
            };
            // While the first request is stalled at call `at`, another one for the same email
            // is served in full: it must not wait for the stalled one longer than a moment.
            let meanwhile = fixture.post_signed(SEED_MUTATION).await;
            let _ = stall.resume.send(());
            let stalled = stalled.await.unwrap();
            let later = fixture.post_signed(SEED_MUTATION).await;
            let case = format!("{phase:?} at call {at}");
            let (uid, customer) = uid_and_customer(&meanwhile);
            assert_eq!(
                uid_and_customer(&stalled),
                (uid, customer.clone()),
                "{case}"
            );
            assert_eq!(uid_and_customer(&later), (uid, customer), "{case}");
            assert_eq!(customer_records(&fixture), 1, "{case}");
            stalled_calls += 1;
        }
        // The nonce claim, the agreement and the record: every call of a creation was stalled.
        assert!(stalled_calls >= 8, "{phase:?}: only {stalled_calls} calls");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creation_outbid_without_end_is_a_json_500_inside_the_deadline_and_a_retry_succeeds() {
    let fixture = Fixture::new();
    // Another proposer that, each time this one promises a ballot, promises a higher one.
    let memory = fixture.memory.clone();
    let adversary = std::sync::Mutex::new(None::<u64>);
    fixture
        .faults
        .set_hook(Some(Arc::new(move |call: &Call<'_>| {
            let (Some(value), CallPhase::Before) = (call.value, call.phase) else {
                return;
            };
            let Some((prefix, _)) = call.key.split_once("-proposal:") else {
                return;
            };
            let round: u64 = std::str::from_utf8(value)
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let mut adversary = adversary.lock().unwrap();
            let number = *adversary.get_or_insert_with(|| {
                memory.increment(&format!("{prefix}-proposers"), 1).unwrap()
            });
            let promise = format!("{}.{number} 0.0 - -", round + 1);
            memory
                .set(&format!("{prefix}-proposal:{number}"), promise.as_bytes())
                .unwrap();
        })));
    let refused = fixture.post_signed(SEED_MUTATION).await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert_eq!(
        refused.body,
        json!({"errors": [{"message": "Internal server error", "extensions": {"category": "internal"}}]})
    );
    assert!(
        fixture.runtime.logs().contains("retry"),
        "{}",
        fixture.runtime.logs()
    );
    fixture.faults.set_hook(None);
    let (uid, customer) = uid_and_customer(&fixture.post_signed(SEED_MUTATION).await);
    assert_eq!(customer["firstname"], "Roni");
    assert_eq!(
        uid_and_customer(&fixture.post_signed(SEED_MUTATION).await).0,
        uid
    );
}

// ----- Secrets -----

#[tokio::test(flavor = "multi_thread")]
async fn refusals_and_failures_log_their_cause_without_any_secret() {
    let fixture = Fixture::new();
    fixture.post(SEED_MUTATION, Some("OAuth garbage")).await;
    fixture
        .post(
            SEED_MUTATION,
            Some(&fixture.signed().replace(CONSUMER_KEY, "other")),
        )
        .await;
    fixture.faults.set_fail_at(fixture.faults.calls() + 1);
    fixture.post_signed(SEED_MUTATION).await;
    let logs = fixture.runtime.logs();
    assert!(logs.lines().count() >= 3, "{logs}");
    assert!(logs.contains("consumer_key_rejected"), "{logs}");
    assert!(logs.contains("injected fault"), "{logs}");
    assert_no_secret(&logs, "the log");
}

#[test]
#[should_panic(expected = "a configured secret appeared in a test string")]
fn the_secret_check_catches_a_leak() {
    assert_no_secret(&format!("oops {TOKEN_SECRET}"), "a test string");
}
