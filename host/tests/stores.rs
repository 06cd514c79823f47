//! The real `customer-token-host` binary on each of its persistent stores:
//!
//! - the embedded stores (`--store sqlite`, the default, and `redb`): what a response said was
//!   written survives a kill -9 of the host and a restart, and a data directory of an earlier
//!   version (redb only) keeps being used;
//! - two host processes on one real Redis (`--store redis://...`): one customer per email
//!   whichever host a login reaches, tokens and nonces shared, and a Redis restart in the middle
//!   that fails requests with a JSON 500 and a log line, then heals, with nothing duplicated;
//! - a Redis restored from an older snapshot, which hands a lost customer's id out again: the
//!   lost customer's token is refused, never read as the new customer.
//!
//! Each Redis test starts its own `redis-server` (skipped with a printed reason where none is
//! installed, unless `CI` is set: `.ci/run` installs it).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use customer_token_runtime::{KeyValue, RedisStore};
use customer_token_testkit::{RedisServer, TempDir};
use serde_json::Value;

use crate::running::{Host, customer_query, refused_start, signed, signed_login, token_of, tokio};

/// A freshly signed login for `email` with the sign-in's `subject` in the attribute `social_id`.
fn signed_linked_login(email: &str, subject: &str) -> http::Request<Bytes> {
    let document = format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{ customer: {{ email: "{email}", firstname: "Ada", lastname: "Lovelace", custom_attributes: [{{ attribute_code: "social_id", value: "{subject}" }}] }} }}) {{ customer {{ email }} token }} }}"#
    );
    signed(&document).0
}

/// The `uid` claim of a customer token, decoded here without the component's code.
fn uid_of(token: &str) -> u64 {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWS");
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&payload).expect("JSON claims");
    claims["uid"].as_u64().expect("a numeric uid")
}

/// The keys in the Redis database that start with `prefix`, read with the redis crate's own
/// `KEYS` (not through the component).
fn redis_keys(url: &str, prefix: &str) -> BTreeSet<String> {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_connection().unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query::<Vec<String>>(&mut connection)
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn two_hosts_on_one_redis_share_customers_tokens_and_nonces() {
    let Some(redis) = RedisServer::start_or_skip("two-hosts") else {
        return;
    };
    let hosts = Arc::new([
        Host::start(&redis.url(), "two-hosts-a"),
        Host::start(&redis.url(), "two-hosts-b"),
    ]);
    let runtime = tokio();

    // Concurrent first logins for the same new emails, alternating between the hosts.
    const EMAILS: usize = 3;
    const LOGINS_PER_EMAIL: usize = 8;
    let results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for round in 0..LOGINS_PER_EMAIL {
            for email in 0..EMAILS {
                let hosts = hosts.clone();
                tasks.push(tokio::spawn(async move {
                    let email = format!("shared-{email}@example.com");
                    let (request, _) = signed_login(&email);
                    let (status, body) = hosts[round % 2].send(request).await;
                    (email, status, body)
                }));
            }
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    let mut uids: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for (email, status, body) in &results {
        assert_eq!(*status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        uids.entry(email.clone())
            .or_default()
            .insert(uid_of(&token_of(body)));
    }
    for (email, ids) in &uids {
        assert_eq!(ids.len(), 1, "{email} got several customers: {ids:?}");
    }
    let distinct: BTreeSet<u64> = uids.values().flatten().copied().collect();
    assert_eq!(distinct.len(), EMAILS, "{uids:?}");
    assert_eq!(redis_keys(&redis.url(), "customer-email:").len(), EMAILS);
    assert_eq!(redis_keys(&redis.url(), "customer:").len(), EMAILS);

    runtime.block_on(async {
        // A token issued by one host is accepted by the other.
        let (request, _) = signed_login("shared-0@example.com");
        let (_, body) = hosts[0].send(request).await;
        let token = token_of(&body);
        let (status, body) = hosts[1].send(customer_query(&token)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["customer"]["email"], "shared-0@example.com");

        // A nonce used at one host is refused at the other.
        let (request, _) = signed_login("shared-1@example.com");
        let replay = request.clone();
        let (status, body) = hosts[1].send(request).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = hosts[0].send(replay).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["oauth_problem"],
            "nonce_used"
        );
    });
}

#[test]
fn two_hosts_on_one_redis_link_one_subject_to_one_customer() {
    let Some(redis) = RedisServer::start_or_skip("two-hosts-linked") else {
        return;
    };
    let linking = [("CUSTOMER_LINK_ATTRIBUTE", "social_id")];
    let hosts = Arc::new([
        Host::start_with(&redis.url(), "linked-a", &linking),
        Host::start_with(&redis.url(), "linked-b", &linking),
    ]);
    let runtime = tokio();
    // First logins of one subject with different emails at once, spread over both hosts.
    let uids = runtime.block_on(async {
        let mut tasks = Vec::new();
        for n in 0..8 {
            let hosts = hosts.clone();
            tasks.push(tokio::spawn(async move {
                let request = signed_linked_login(&format!("ada{n}@example.com"), "google:1815");
                let (status, body) = hosts[n % 2].send(request).await;
                assert_eq!(status, 200, "{body}");
                uid_of(&token_of(&body))
            }));
        }
        let mut uids = BTreeSet::new();
        for task in tasks {
            uids.insert(task.await.unwrap());
        }
        uids
    });
    assert_eq!(uids.len(), 1, "{uids:?}");
    assert_eq!(redis_keys(&redis.url(), "customer:").len(), 1);
    assert_eq!(redis_keys(&redis.url(), "customer-subject:").len(), 1);
    runtime.block_on(async {
        // The customer's email belongs to that subject at either host.
        let (_, body) = hosts[0]
            .send(signed_linked_login("ada0@example.com", "google:1815"))
            .await;
        let email = body["data"]["exchangeExternalCustomerToken"]["customer"]["email"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, body) = hosts[1]
            .send(signed_linked_login(&email, "apple:1852"))
            .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(
            body["errors"][0]["message"],
            "The account with this email is linked to another sign-in."
        );
    });
}

#[test]
fn a_redis_restart_fails_requests_with_a_json_500_and_a_log_line_then_they_succeed() {
    let Some(mut redis) = RedisServer::start_or_skip("restart") else {
        return;
    };
    let host = Host::start(&redis.url(), "restart-host");
    let runtime = tokio();
    let uid_before = runtime.block_on(async {
        let (request, _) = signed_login("restart@example.com");
        let (status, body) = host.send(request).await;
        assert_eq!(status, 200, "{body}");
        uid_of(&token_of(&body))
    });

    redis.stop();
    let started = Instant::now();
    runtime.block_on(async {
        for email in ["restart@example.com", "new-while-down@example.com"] {
            let (request, _) = signed_login(email);
            let (status, body) = host.send(request).await;
            assert_eq!(status, 500, "{body}");
            assert!(body["errors"][0]["message"].is_string(), "{body}");
            assert!(body.get("data").is_none_or(Value::is_null), "{body}");
        }
    });
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "failing took {:?}",
        started.elapsed()
    );
    let log = host.log();
    assert!(
        log.contains("store error") && log.contains("Redis at"),
        "no log line names the store failure:\n{log}"
    );

    redis.start();
    runtime.block_on(async {
        let (request, _) = signed_login("restart@example.com");
        let (status, body) = host.send(request).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(uid_of(&token_of(&body)), uid_before);
        let (request, _) = signed_login("new-while-down@example.com");
        let (status, body) = host.send(request).await;
        assert_eq!(status, 200, "{body}");
        assert_ne!(uid_of(&token_of(&body)), uid_before);
    });
    assert_eq!(redis_keys(&redis.url(), "customer-email:").len(), 2);
    assert_eq!(redis_keys(&redis.url(), "customer:").len(), 2);
    // The store the host used is the one read here.
    let backend = RedisStore::connect(&redis.url()).unwrap();
    assert!(backend.get("customer-next-id").unwrap().is_some());
}

#[test]
fn a_redis_restored_from_an_older_snapshot_never_lets_a_token_read_another_account() {
    let Some(mut redis) = RedisServer::start_or_skip("restore") else {
        return;
    };
    let host = Host::start(&redis.url(), "restore-host");
    let runtime = tokio();
    let login = |email: &'static str| {
        let host = &host;
        async move {
            let (request, _) = signed_login(email);
            let (status, body) = host.send(request).await;
            assert_eq!(status, 200, "{body}");
            token_of(&body)
        }
    };
    let read = |token: String| {
        let host = &host;
        async move { host.send(customer_query(&token)).await }
    };
    runtime.block_on(login("first@example.com"));
    let snapshot = redis.snapshot("restore-snapshot");
    let victims_token = runtime.block_on(login("victim@example.com"));
    let (status, body) = runtime.block_on(read(victims_token.clone()));
    assert_eq!(
        (status, &body["data"]["customer"]["email"]),
        (200, &Value::from("victim@example.com"))
    );

    redis.restore(&snapshot);
    // The host's pooled connection died with the server: the first call on it may fail, and
    // empties the pool.
    runtime.block_on(read(victims_token.clone()));
    let mallorys_token = runtime.block_on(login("mallory@example.com"));
    assert_eq!(
        uid_of(&mallorys_token),
        uid_of(&victims_token),
        "the restored Redis hands the victim's id out again"
    );
    let (status, body) = runtime.block_on(read(victims_token));
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "Composite reader could not read a token"
    );
    let (status, body) = runtime.block_on(read(mallorys_token));
    assert_eq!(
        (status, &body["data"]["customer"]["email"]),
        (200, &Value::from("mallory@example.com"))
    );
}

#[test]
fn without_redis_reachable_the_host_refuses_to_start_with_a_clear_message() {
    let port = customer_token_testkit::free_port();
    let data = TempDir::new("no-redis");
    let stderr = refused_start(
        data.path(),
        &["--store", &format!("redis://127.0.0.1:{port}")],
    );
    assert!(
        stderr.contains(&format!("cannot reach Redis at redis://127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// What the host answered before it was killed is there after the restart: the customer (one
/// record, found again), and the nonce it accepted (a replay is refused).
fn a_kill_9_loses_nothing_that_was_answered(store: &str) {
    let data = TempDir::new(&format!("kill-9-{store}"));
    let runtime = tokio();
    let (uid, replay) = runtime.block_on(async {
        let host = Host::start_in(data.path(), &["--store", store]);
        let (request, _) = signed_login("crash@example.com");
        let replay = request.clone();
        let (status, body) = host.send(request).await;
        assert_eq!(status, 200, "{body}");
        // Killed right after the answer: nothing may be waiting in a buffer.
        host.kill_9();
        (uid_of(&token_of(&body)), replay)
    });
    runtime.block_on(async {
        let host = Host::start_in(data.path(), &["--store", store]);
        let (status, body) = host.send(replay).await;
        assert_eq!(status, 403, "{store}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["oauth_problem"],
            "nonce_used"
        );
        let (request, _) = signed_login("crash@example.com");
        let (status, body) = host.send(request).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            uid_of(&token_of(&body)),
            uid,
            "{store}: the customer survived"
        );
        let (request, _) = signed_login("after-crash@example.com");
        let (_, body) = host.send(request).await;
        assert_eq!(
            uid_of(&token_of(&body)),
            uid + 1,
            "{store}: no id was lost or reused"
        );
    });
}

#[test]
fn a_kill_9_of_the_host_on_sqlite_loses_nothing_that_was_answered() {
    a_kill_9_loses_nothing_that_was_answered("sqlite");
}

#[test]
fn a_kill_9_of_the_host_on_redb_loses_nothing_that_was_answered() {
    a_kill_9_loses_nothing_that_was_answered("redb");
}

#[test]
fn sqlite_is_the_default_and_a_data_directory_of_redb_keeps_its_customers() {
    let runtime = tokio();
    let login = |host: &Host, email: &str| {
        let (request, _) = signed_login(email);
        let (status, body) = runtime.block_on(host.send(request));
        assert_eq!(status, 200, "{body}");
        uid_of(&token_of(&body))
    };
    // A fresh directory gets the SQLite file.
    let fresh = TempDir::new("default-store");
    let host = Host::start_in(fresh.path(), &[]);
    login(&host, "first@example.com");
    assert!(fresh.path().join("sqlite_key_value.db").is_file());
    assert!(!fresh.path().join("customer-store.redb").exists());
    drop(host);

    // A directory an earlier version filled (redb) stays on redb, and says so.
    let earlier = TempDir::new("earlier-store");
    let host = Host::start_in(earlier.path(), &["--store", "redb"]);
    let first = login(&host, "kept@example.com");
    drop(host);
    let host = Host::start_in(earlier.path(), &[]);
    assert_eq!(login(&host, "kept@example.com"), first);
    assert!(
        host.log()
            .contains("holds a redb store of an earlier version"),
        "{}",
        host.log()
    );
    assert!(!earlier.path().join("sqlite_key_value.db").exists());
}

#[test]
fn an_unknown_store_is_refused_naming_the_choices() {
    let data = TempDir::new("unknown-store");
    let stderr = refused_start(data.path(), &["--store", "postgres://x"]);
    assert!(
        stderr.contains("use sqlite, redb, memory or redis://HOST:PORT[/DB]"),
        "{stderr}"
    );
}

#[test]
fn a_data_directory_with_both_stores_makes_the_user_choose() {
    let runtime = tokio();
    let data = TempDir::new("both-stores");
    let host = Host::start_in(data.path(), &["--store", "redb"]);
    let (request, _) = signed_login("in-redb@example.com");
    assert_eq!(runtime.block_on(host.send(request)).0, 200);
    drop(host);
    let host = Host::start_in(data.path(), &["--store", "sqlite"]);
    assert!(
        host.log()
            .contains("starting an empty SQLite store beside the redb store"),
        "{}",
        host.log()
    );
    drop(host);
    let stderr = refused_start(data.path(), &[]);
    assert!(
        stderr.contains("holds both a redb store")
            && stderr.contains("--store redb or --store sqlite"),
        "{stderr}"
    );
}
