//! The real `customer-token-host` binary under the conditions of production: clients that
//! connect and say nothing, send half a header or a body a byte at a time; more connections
//! than file descriptors; every connection busy; SIGTERM with requests in progress; health
//! probes; and a real Redis that stalls (SIGSTOP), stops, wants a password, or may evict keys.
//! Each test says what a client sees.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use customer_token_host::client;
use customer_token_testkit::fixture::{TYPENAME_BODY, typename_request};
use customer_token_testkit::{RedisServer, Signal, TempDir, signal_process};
use serde_json::Value;

use crate::running::{Host, customer_query, refused_start, serve_command, signed_login, tokio};

/// How long any answer may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(15);

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("the host accepts connections");
    stream.set_read_timeout(Some(HANG)).unwrap();
    stream
}

/// Reads until the host closes `stream`: what it sent, and whether it closed it before [`HANG`].
fn read_until_closed(stream: &mut TcpStream) -> (String, bool) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&received).into_owned(), true);
            }
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
        }
    }
}

/// The head of a `POST /graphql` whose body is `length` bytes.
fn post_head(length: usize) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    )
}

/// `request` sent to `addr` (any path), its status and JSON body; a hang is a failure.
async fn send_to(addr: &str, mut request: http::Request<Bytes>, path: &str) -> (u16, Value) {
    *request.uri_mut() = format!("http://{addr}{path}").parse().unwrap();
    let response = tokio::time::timeout(HANG, client::send(request))
        .await
        .unwrap_or_else(|_| panic!("no answer to {path} within {HANG:?}"))
        .unwrap_or_else(|e| panic!("no answer to {path}: {e:#}"));
    // A body that is not JSON comes back as a string, for the assertion to show.
    let body = serde_json::from_slice(response.body()).unwrap_or_else(|_| {
        Value::String(format!(
            "not JSON: {:?} {:?}",
            response.headers(),
            String::from_utf8_lossy(response.body())
        ))
    });
    (response.status().as_u16(), body)
}

async fn typename(addr: &str) -> u16 {
    send_to(addr, typename_request("http://placeholder/"), "/graphql")
        .await
        .0
}

async fn probe(addr: &str, path: &str) -> (u16, Value) {
    let request = http::Request::get("http://placeholder/")
        .body(Bytes::new())
        .unwrap();
    send_to(addr, request, path).await
}

async fn login(addr: &str, email: &str) -> (u16, Value) {
    send_to(addr, signed_login(email).0, "/graphql").await
}

fn memory_host(label: &str, extra: &[&str]) -> (Host, TempDir) {
    let data = TempDir::new(label);
    let mut args = vec!["--store", "memory"];
    args.extend_from_slice(extra);
    (Host::start_in(data.path(), &args), data)
}

#[test]
fn silent_half_sent_and_idle_connections_are_closed_and_a_crawling_body_gets_408() {
    let (host, _data) = memory_host(
        "limits",
        &[
            "--idle-timeout",
            "1",
            "--header-timeout",
            "1",
            "--body-grace",
            "1",
        ],
    );
    let mut silent = connect(&host.addr);
    let mut half_a_header = connect(&host.addr);
    half_a_header
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: shop.example\r\n")
        .unwrap();
    let mut idle_after_a_request = connect(&host.addr);
    idle_after_a_request
        .write_all(format!("{}{TYPENAME_BODY}", post_head(TYPENAME_BODY.len())).as_bytes())
        .unwrap();

    let mut crawling = connect(&host.addr);
    crawling.write_all(post_head(100_000).as_bytes()).unwrap();
    let mut trickle = crawling.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        // 8 bytes every 100 ms, far below the 16 KiB/s a body must average after its grace.
        for _ in 0..150 {
            if trickle.write_all(b"{\"query\"").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });

    let started = Instant::now();
    let (said, closed) = read_until_closed(&mut silent);
    assert!(closed && said.is_empty(), "silent connection: {said:?}");
    let (_, closed) = read_until_closed(&mut half_a_header);
    assert!(closed, "half a header kept the connection open");
    let (said, closed) = read_until_closed(&mut idle_after_a_request);
    assert!(closed, "an idle keep-alive connection stayed open");
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    let (said, closed) = read_until_closed(&mut crawling);
    writer.join().unwrap();
    assert!(said.starts_with("HTTP/1.1 408"), "{said}");
    assert!(
        said.to_ascii_lowercase().contains("connection: close"),
        "{said}"
    );
    assert!(closed, "the crawling body's connection stayed open");
    eprintln!("four hostile connections closed in {:?}", started.elapsed());

    // The host serves on.
    assert_eq!(tokio().block_on(typename(&host.addr)), 200);
}

/// Opens `count` connections to `addr` that never send a byte.
fn idle_connections(addr: &str, count: usize) -> Vec<TcpStream> {
    (0..count)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect()
}

#[cfg(unix)]
#[test]
fn with_256_file_descriptors_and_400_idle_connections_requests_are_still_answered() {
    use std::os::unix::process::CommandExt as _;
    // The host's own default (room kept below the descriptor limit), and a limit set above
    // what the descriptors allow, where accepting fails with EMFILE and the host must recover.
    for max_connections in [None, Some("1000")] {
        let data = TempDir::new("descriptors");
        let mut args = vec!["--store", "memory", "--idle-timeout", "60"];
        if let Some(max) = max_connections {
            args.extend(["--max-connections", max]);
        }
        let mut command = serve_command(data.path(), &args);
        // SAFETY: setrlimit is async-signal-safe and touches only the child's limits.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 256,
                    rlim_max: 256,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let host = Host::from_command(command);
        let idle = idle_connections(&host.addr, 400);
        assert_eq!(idle.len(), 400, "the kernel queued every connection");
        let runtime = tokio();
        let started = Instant::now();
        let status = runtime.block_on(typename(&host.addr));
        assert_eq!(status, 200, "{}", host.log());
        let (status, body) = runtime.block_on(login(&host.addr, "crowded@example.com"));
        assert_eq!(status, 200, "{body}\n{}", host.log());
        eprintln!(
            "max connections {max_connections:?}: answered among 400 idle connections in {:?}",
            started.elapsed()
        );
        let log = host.log();
        if max_connections.is_some() {
            assert!(
                log.contains("--max-connections 1000 is more than 256 file descriptors allow"),
                "{log}"
            );
        }
        // Out of descriptors, if at all, is told once, not once per failed accept.
        let exhausted = log.lines().filter(|l| l.contains("accept failed")).count();
        assert!(exhausted <= 1, "{log}");
        drop(idle);
    }
}

#[test]
fn when_every_connection_is_busy_a_new_one_gets_a_503_and_nothing_else_is_lost() {
    let (host, _data) = memory_host("busy", &["--max-connections", "2", "--body-grace", "30"]);
    // Two requests in progress: headers sent, body not yet.
    let mut busy: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = connect(&host.addr);
            stream
                .write_all(post_head(TYPENAME_BODY.len()).as_bytes())
                .unwrap();
            stream
        })
        .collect();
    // Time for the host to read both heads (a connection counts as busy from then on).
    std::thread::sleep(Duration::from_secs(1));
    let mut third = connect(&host.addr);
    let (said, closed) = read_until_closed(&mut third);
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    assert!(closed);
    // The busy ones finish and are answered.
    for stream in &mut busy {
        stream.write_all(TYPENAME_BODY.as_bytes()).unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
    }
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_requests_in_progress_closes_idle_connections_and_exits_0() {
    let (mut host, _data) = memory_host("sigterm", &["--shutdown-timeout", "10"]);
    let mut in_progress = connect(&host.addr);
    in_progress
        .write_all(post_head(TYPENAME_BODY.len()).as_bytes())
        .unwrap();
    let mut idle = connect(&host.addr);
    idle.write_all(format!("{}{TYPENAME_BODY}", post_head(TYPENAME_BODY.len())).as_bytes())
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // Time for the host to read the head of the request in progress.
    std::thread::sleep(Duration::from_secs(1));

    assert!(signal_process(host.child.id(), Signal::Terminate));
    // The idle keep-alive connection is closed at once; no new connection is taken.
    let (_, closed) = read_until_closed(&mut idle);
    assert!(closed, "the idle connection stayed open after SIGTERM");
    let deadline = Instant::now() + HANG;
    while TcpStream::connect(&host.addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The request in progress is answered in full.
    in_progress.write_all(TYPENAME_BODY.as_bytes()).unwrap();
    let (said, _) = read_until_closed(&mut in_progress);
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    assert!(
        said.ends_with(r#"{"data":{"__typename":"Query"}}"#),
        "{said}"
    );

    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(status) = host.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the host did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}\n{}", host.log());
    assert!(
        host.log().contains("customer-token-host: stopped"),
        "{}",
        host.log()
    );
}

#[test]
fn a_stalled_redis_fails_store_requests_in_time_while_the_rest_answers_and_no_password_shows() {
    const PASSWORD: &str = "hunter2-redis-password";
    let Some(redis) =
        RedisServer::start_with_or_skip("redis-stalled", &["--requirepass", PASSWORD])
    else {
        return;
    };
    let url = format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port());
    let data = TempDir::new("stalled");
    let host = Host::start_in(data.path(), &["--store", &url, "--request-timeout", "2"]);
    let runtime = tokio();
    runtime.block_on(async {
        let (status, body) = login(&host.addr, "before@example.com").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(probe(&host.addr, "/readyz").await.0, 200);

        redis.pause();
        let started = Instant::now();
        let (status, body) = login(&host.addr, "stalled@example.com").await;
        let stalled_for = started.elapsed();
        assert_eq!(status, 500, "{body}");
        assert!(body["errors"][0]["message"].is_string(), "{body}");

        // 40 forged Bearer tokens at once, each reading the store for its customer's key, do
        // not hold up a request that needs no store: it is answered before any of them.
        let forged = forged_token();
        let addr = host.addr.clone();
        let bearers: Vec<_> = (0..40)
            .map(|_| {
                let (addr, forged) = (addr.clone(), forged.clone());
                tokio::spawn(async move {
                    let answer = send_to(&addr, customer_query(&forged), "/graphql").await;
                    (answer, Instant::now())
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = Instant::now();
        assert_eq!(typename(&host.addr).await, 200);
        let typename_answered = Instant::now();
        for bearer in bearers {
            let ((status, body), answered) = bearer.await.unwrap();
            assert_eq!(status, 500, "{body}");
            assert!(
                answered > typename_answered,
                "a forged token was answered first"
            );
        }
        eprintln!(
            "beside 40 stalled Bearer requests, {{__typename}} was answered in {:?}",
            typename_answered - asked
        );
        assert_eq!(probe(&host.addr, "/healthz").await.0, 200);
        let (status, body) = probe(&host.addr, "/readyz").await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["reason"], "the store does not answer");
        eprintln!("a login on a stalled Redis was answered 500 in {stalled_for:?}");

        redis.resume();
        let (status, body) = login(&host.addr, "after@example.com").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(probe(&host.addr, "/readyz").await.0, 200);
    });
    let log = host.log();
    assert!(!log.contains(PASSWORD), "the password was printed:\n{log}");
    assert!(log.contains("redis://:***@127.0.0.1"), "{log}");
}

/// A token of Magento's shape for customer 1, signed with a key nobody has.
fn forged_token() -> String {
    use base64::Engine as _;
    let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "{}.{}.{}",
        encode(r#"{"kid":"1","alg":"HS256"}"#),
        encode(&format!(
            r#"{{"uid":1,"utypid":3,"iat":{now},"exp":{}}}"#,
            now + 3600
        )),
        encode("not the signature")
    )
}

#[test]
fn readiness_follows_a_stopped_and_restarted_redis() {
    let Some(mut redis) = RedisServer::start_or_skip("redis-readiness") else {
        return;
    };
    let data = TempDir::new("readiness");
    let host = Host::start_in(data.path(), &["--store", &redis.url()]);
    let runtime = tokio();
    assert_eq!(runtime.block_on(probe(&host.addr, "/readyz")).0, 200);
    redis.stop();
    let (status, body) = runtime.block_on(probe(&host.addr, "/readyz"));
    assert_eq!(status, 503, "{body}");
    assert_eq!(runtime.block_on(probe(&host.addr, "/healthz")).0, 200);
    redis.start();
    // The first probe after the restart is answered: a dead pooled connection is retried.
    assert_eq!(runtime.block_on(probe(&host.addr, "/readyz")).0, 200);
    let (status, body) = runtime.block_on(login(&host.addr, "back@example.com"));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_redis_that_may_evict_keys_is_refused_unless_allowed_and_one_without_appendonly_warned_of() {
    let Some(evicting) = RedisServer::start_with_or_skip(
        "redis-evicting",
        &["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"],
    ) else {
        return;
    };
    let data = TempDir::new("evicting");
    let refused = refused_start(data.path(), &["--store", &evicting.url()]);
    assert!(
        refused.contains("maxmemory-policy allkeys-lru"),
        "{refused}"
    );
    assert!(refused.contains("noeviction"), "{refused}");
    assert!(refused.contains("--redis-allow-eviction"), "{refused}");

    let host = Host::start_in(
        data.path(),
        &["--store", &evicting.url(), "--redis-allow-eviction"],
    );
    assert!(
        host.log().contains("warning: Redis evicts keys"),
        "{}",
        host.log()
    );
    drop(host);

    let Some(forgetful) = RedisServer::start_with_or_skip("redis-no-aof", &["--appendonly", "no"])
    else {
        return;
    };
    let host = Host::start_in(data.path(), &["--store", &forgetful.url()]);
    assert!(
        host.log()
            .contains("warning: Redis runs without appendonly"),
        "{}",
        host.log()
    );
}
