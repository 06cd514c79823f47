//! A shared backend: a Redis server, for more than one host process (or Spin app) on the same
//! customers and nonces.
//!
//! Keys are the component's own, unprefixed, and the commands are those of Spin's Redis
//! key-value store (`GET`, `SET`, `DEL`, `INCRBY`): a Spin app with a Redis `key_value_store` and
//! any number of hosts on one Redis database share everything. Counters are Redis integers
//! (decimal text), so they are limited to `i64::MAX`, as on Spin.
//!
//! A key incremented with a ttl is `INCRBY` and `EXPIRE` in one Lua script: Redis deletes it
//! itself. Redis is given the ttl, not a time of day, so a host clock that differs from Redis's
//! cannot shorten it.
//!
//! Connections are pooled and replaced when they fail: while Redis is down every call fails
//! (the request answers 500 and the component logs the store error), and once it is back the
//! next call connects again; a call that finds its pooled connection dead (Redis restarted, a
//! proxy dropped it) is made once more on a fresh one, so the first request after a restart is
//! answered. A node that answers `READONLY` (demoted by a failover), `LOADING` or `MASTERDOWN`
//! has its connections dropped, so the next call connects afresh (to wherever the URL's name
//! points now). Every connection has connect, read and write timeouts; the runtime bounds each
//! call by the request's limit besides. A password in the URL is never printed: [`RedisStore::url`]
//! and every error show the URL with it masked.

use super::{CounterFormat, ExpiringCount, KeyValue, StoreError};
use ::redis::{Client, Commands, Connection, ErrorKind, RedisError, RedisResult, ServerErrorKind};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long each command's reply (and each write) may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle connections kept for reuse; more concurrent calls open (and then close) their own.
const MAX_IDLE: usize = 32;

/// Key-value storage on a Redis server (`redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`).
pub struct RedisStore {
    client: Client,
    /// The URL with any password masked, for messages.
    shown: String,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// `url` with the password of its user information (`redis://user:PASSWORD@host`) masked.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// What the Redis server is configured to do with keys when it runs out of memory, and whether
/// it keeps every write across a restart (`CONFIG GET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `maxmemory`, in bytes (0: no limit).
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub policy: String,
    /// `appendonly`.
    pub appendonly: bool,
}

impl RedisSettings {
    /// Why Redis may delete keys the product needs (customers, or nonces whose loss lets a
    /// signed request be replayed), if it may: a memory limit with a policy that evicts.
    pub fn eviction_risk(&self) -> Option<String> {
        (self.maxmemory > 0 && self.policy != "noeviction").then(|| {
            format!(
                "Redis evicts keys when it reaches maxmemory ({} bytes, maxmemory-policy {}): \
                 it could delete customers, or nonces (and so let a signed request be \
                 replayed); set maxmemory-policy noeviction",
                self.maxmemory, self.policy
            )
        })
    }

    /// Why a Redis restart may lose the latest writes, if it may.
    pub fn durability_risk(&self) -> Option<String> {
        (!self.appendonly).then(|| {
            "Redis runs without appendonly: a restart loses the writes since its last snapshot \
             (docs/tokens.md says what the product does about lost writes); set appendonly yes"
                .to_owned()
        })
    }
}

impl RedisStore {
    /// Connects to `url` and checks the server answers, so that a host never starts on a store
    /// it cannot reach.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let shown = redact_url(url);
        if !url.starts_with("redis://") {
            return Err(StoreError::Other(format!(
                "{shown:?} is not a Redis URL: expected redis://HOST:PORT[/DB]"
            )));
        }
        let client = Client::open(url)
            .map_err(|e| StoreError::Other(format!("invalid Redis URL {shown:?}: {e}")))?;
        let backend = RedisStore {
            client,
            shown,
            idle: Mutex::new(Vec::new()),
        };
        backend
            .call(|connection| ::redis::cmd("PING").query::<String>(connection))
            .map_err(|e| match e {
                StoreError::Other(reason) => StoreError::Other(format!("cannot reach {reason}")),
                other => other,
            })?;
        Ok(backend)
    }

    /// The URL the backend was opened with, its password masked.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// The server's memory policy and persistence (`CONFIG GET`), for the host to check at
    /// start. Managed Redis services often refuse `CONFIG`: then an error.
    pub fn settings(&self) -> Result<RedisSettings, StoreError> {
        let get = |name: &'static str| {
            self.call(move |connection| {
                let pair: Vec<String> = ::redis::cmd("CONFIG")
                    .arg("GET")
                    .arg(name)
                    .query(connection)?;
                Ok(pair.into_iter().nth(1).unwrap_or_default())
            })
        };
        Ok(RedisSettings {
            maxmemory: get("maxmemory")?.parse().unwrap_or(0),
            policy: get("maxmemory-policy")?,
            appendonly: get("appendonly")? == "yes",
        })
    }

    fn open_connection(&self) -> RedisResult<Connection> {
        let connection = self.client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
        connection.set_read_timeout(Some(CALL_TIMEOUT))?;
        connection.set_write_timeout(Some(CALL_TIMEOUT))?;
        Ok(connection)
    }

    /// Runs `f` on a pooled connection, and once more on a fresh one if the pooled connection
    /// turns out to be dead; a connection that failed is dropped, not pooled again.
    fn call<T>(&self, f: impl Fn(&mut Connection) -> RedisResult<T>) -> Result<T, StoreError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut connection) = pooled {
            match f(&mut connection) {
                Ok(value) => {
                    self.put_back(connection);
                    return Ok(value);
                }
                Err(error) if dead(&error) => {
                    // Most likely every pooled connection was cut by the same cause (a Redis
                    // restart): let the calls connect afresh rather than fail one each. The
                    // command did not reach a live server, so running it again is safe.
                    self.drop_pool();
                }
                Err(error) => return Err(self.failed(connection, &error)),
            }
        }
        let mut connection = self.open_connection().map_err(|e| self.failure(&e))?;
        match f(&mut connection) {
            Ok(value) => {
                self.put_back(connection);
                Ok(value)
            }
            Err(error) => Err(self.failed(connection, &error)),
        }
    }

    /// The error of a call on `connection`, pooling the connection again only if it is still
    /// good.
    fn failed(&self, connection: Connection, error: &RedisError) -> StoreError {
        if replace(error) {
            self.drop_pool();
        } else {
            self.put_back(connection);
        }
        self.failure(error)
    }

    fn drop_pool(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn put_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    fn failure(&self, error: &RedisError) -> StoreError {
        StoreError::Other(format!("Redis at {}: {error}", self.shown))
    }
}

/// Whether `error` says the connection was dead before the command was answered: closed,
/// reset or refused, so that the command was not run by a live server.
fn dead(error: &RedisError) -> bool {
    error.is_connection_dropped()
}

/// Whether the connections must be replaced after `error`: the connection is broken, or the
/// node is not (or no longer) the primary the URL should lead to. A refused command (`INCRBY`
/// on a value that is not an integer) leaves the connection usable.
fn replace(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_unrecoverable_error()
        || matches!(
            error.kind(),
            ErrorKind::Server(
                ServerErrorKind::ReadOnly
                    | ServerErrorKind::BusyLoading
                    | ServerErrorKind::MasterDown
            )
        )
}

/// `INCRBY`, then a ttl that only ever lengthens the key's life, as one script: Redis runs it
/// atomically, and a failed `INCRBY` (a value that is not an integer) stops it before `EXPIRE`,
/// so a plain value never gets a ttl. A key without a ttl (`TTL` answers -1) gets one.
const INCREMENT_EXPIRING: &str = "local value = redis.call('INCRBY', KEYS[1], ARGV[1]) \
    if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then \
        redis.call('EXPIRE', KEYS[1], ARGV[2]) \
    end \
    return value";

/// A century: longer than any key is asked to live, well inside what Redis accepts.
const MAX_TTL_SECONDS: u64 = 100 * 366 * 24 * 3600;

fn redis_delta(key: &str, delta: u64) -> Result<i64, StoreError> {
    i64::try_from(delta).map_err(|_| {
        StoreError::Other(format!(
            "cannot add {delta} to the counter at {key:?}: Redis counters end at {}",
            i64::MAX
        ))
    })
}

fn counter_value(key: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value)
        .map_err(|_| StoreError::Other(format!("the counter at {key:?} is negative ({value})")))
}

impl KeyValue for RedisStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.call(|connection| connection.get(key))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.call(|connection| connection.set(key, value))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call(|connection| connection.del(key))
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        if delta == 0 {
            // Adding nothing is how the component reads a counter (a customer's token generation,
            // on every Bearer request): `GET` reads it, where `INCRBY key 0` would be a write that
            // goes to the append-only file and the replicas, and creates the key.
            let value: Option<Vec<u8>> = self.call(|connection| connection.get(key))?;
            return CounterFormat::Decimal.decode(key, value.as_deref());
        }
        let delta = redis_delta(key, delta)?;
        let value: i64 = self.call(|connection| connection.incr(key, delta))?;
        counter_value(key, value)
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        let delta = redis_delta(key, delta)?;
        // At least a second (Redis deletes a key given 0 at once), at most a century (Redis
        // refuses a time past its own range).
        let ttl = ttl_seconds.clamp(1, MAX_TTL_SECONDS);
        let value: i64 = self.call(|connection| {
            ::redis::cmd("EVAL")
                .arg(INCREMENT_EXPIRING)
                .arg(1)
                .arg(key)
                .arg(delta)
                .arg(ttl)
                .query(connection)
        })?;
        Ok(ExpiringCount {
            value: counter_value(key, value)?,
            expires: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use customer_token_store::conformance;
    use customer_token_testkit::RedisServer;
    use std::sync::Arc;

    #[test]
    fn conforms() {
        let Some(server) = RedisServer::start_or_skip("redis-behaves") else {
            return;
        };
        let backend = RedisStore::connect(&server.url()).unwrap();
        // Redis integers end at i64::MAX.
        conformance::basics(&backend, CounterFormat::Decimal, i64::MAX.unsigned_abs());
        // Counters are Redis integers, readable by any other Redis client as such.
        backend.increment("plain-counter", 7).unwrap();
        assert_eq!(backend.get("plain-counter"), Ok(Some(b"7".to_vec())));
    }

    #[test]
    fn redis_expires_what_is_incremented_with_a_ttl() {
        let Some(server) = RedisServer::start_or_skip("redis-expiry") else {
            return;
        };
        let backend = RedisStore::connect(&server.url()).unwrap();
        // Redis keeps the time; the host's clock does not matter (here: far off).
        conformance::expires_keys(&backend, &|seconds| {
            std::thread::sleep(Duration::from_secs(seconds))
        });
        // A plain value is refused and gets no ttl; a later, shorter ttl does not shorten one.
        backend.set("plain", b"abc").unwrap();
        assert!(backend.increment_expiring("plain", 1, 1).is_err());
        backend.increment_expiring("long", 1, 600).unwrap();
        backend.increment_expiring("long", 1, 1).unwrap();
        backend.increment_expiring("zero", 1, 0).unwrap();
        backend.increment_expiring("huge", 1, u64::MAX).unwrap();
        let ttl = |key: &str| -> i64 {
            backend
                .call(|connection| ::redis::cmd("TTL").arg(key).query(connection))
                .unwrap()
        };
        assert_eq!(ttl("plain"), -1);
        assert!(ttl("long") > 500, "{}", ttl("long"));
        assert!(ttl("zero") >= 0);
        assert!(ttl("huge") > 1_000_000_000);
    }

    #[test]
    fn concurrent_increments_are_distinct() {
        let Some(server) = RedisServer::start_or_skip("redis-increments") else {
            return;
        };
        conformance::concurrent_increments(Arc::new(RedisStore::connect(&server.url()).unwrap()));
    }

    #[test]
    fn an_unreachable_server_or_a_wrong_url_is_refused_with_a_clear_message() {
        let port = customer_token_testkit::free_port();
        let message = RedisStore::connect(&format!("redis://127.0.0.1:{port}"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(&format!("cannot reach Redis at redis://127.0.0.1:{port}")),
            "{message}"
        );
        let message = RedisStore::connect("http://127.0.0.1:6379")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("expected redis://HOST:PORT[/DB]"),
            "{message}"
        );
    }

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            redact_url("redis://:hunter2@cache.internal:6380/2"),
            "redis://:***@cache.internal:6380/2"
        );
        assert_eq!(
            redact_url("redis://app:hunter2@cache.internal/0"),
            "redis://app:***@cache.internal/0"
        );
        assert_eq!(
            redact_url("redis://app@cache.internal"),
            "redis://app@cache.internal"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        let port = customer_token_testkit::free_port();
        let message = RedisStore::connect(&format!("redis://:hunter2@127.0.0.1:{port}/1"))
            .unwrap_err()
            .to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains(":***@127.0.0.1"), "{message}");
    }

    #[test]
    fn settings_that_can_drop_keys_or_writes_are_named() {
        let safe = RedisSettings {
            maxmemory: 0,
            policy: "allkeys-lru".into(),
            appendonly: true,
        };
        assert_eq!(
            safe.eviction_risk(),
            None,
            "no memory limit: nothing is evicted"
        );
        assert_eq!(safe.durability_risk(), None);
        let evicting = RedisSettings {
            maxmemory: 1 << 20,
            policy: "volatile-ttl".into(),
            appendonly: false,
        };
        assert!(evicting.eviction_risk().unwrap().contains("volatile-ttl"));
        assert!(evicting.durability_risk().unwrap().contains("appendonly"));
        let bounded = RedisSettings {
            policy: "noeviction".into(),
            ..evicting
        };
        assert_eq!(bounded.eviction_risk(), None);
    }

    #[test]
    fn calls_fail_while_the_server_is_down_and_succeed_once_it_is_back() {
        let Some(mut server) = RedisServer::start_or_skip("redis-restart") else {
            return;
        };
        let backend = RedisStore::connect(&server.url()).unwrap();
        backend.set("kept", b"before").unwrap();
        assert_eq!(backend.increment("n", 1), Ok(1));
        server.stop();
        assert!(matches!(backend.get("kept"), Err(StoreError::Other(_))));
        assert!(matches!(
            backend.increment("n", 1),
            Err(StoreError::Other(_))
        ));
        server.start();
        assert_eq!(backend.get("kept"), Ok(Some(b"before".to_vec())));
        assert_eq!(backend.increment("n", 1), Ok(2));
    }

    #[test]
    fn the_first_call_after_a_restart_is_answered() {
        let Some(mut server) = RedisServer::start_or_skip("redis-first-after-restart") else {
            return;
        };
        let backend = RedisStore::connect(&server.url()).unwrap();
        // Pooled connections, each cut by the restart.
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| backend.set("kept", b"before").unwrap());
            }
        });
        server.stop();
        server.start();
        assert_eq!(backend.get("kept"), Ok(Some(b"before".to_vec())));
        assert_eq!(backend.increment("n", 1), Ok(1));
    }

    #[test]
    fn a_read_only_node_fails_writes_and_is_used_again_once_writable() {
        let Some(server) = RedisServer::start_or_skip("redis-read-only") else {
            return;
        };
        let backend = RedisStore::connect(&server.url()).unwrap();
        backend.set("kept", b"before").unwrap();
        let admin = |command: &[&str]| {
            let mut cmd = ::redis::cmd(command[0]);
            for arg in &command[1..] {
                cmd.arg(*arg);
            }
            backend
                .call(|connection| cmd.query::<()>(connection))
                .unwrap();
        };
        // A replica of a primary that is not there: read-only, its data kept.
        let nowhere = customer_token_testkit::free_port().to_string();
        admin(&["REPLICAOF", "127.0.0.1", &nowhere]);
        let refused = backend.set("k", b"v").unwrap_err().to_string();
        assert!(refused.to_lowercase().contains("read only"), "{refused}");
        assert_eq!(backend.get("kept"), Ok(Some(b"before".to_vec())));
        admin(&["REPLICAOF", "NO", "ONE"]);
        assert_eq!(backend.set("k", b"v"), Ok(()));
    }
}
