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
//! next call connects again. Every connection has read and write timeouts so that a hung server
//! fails a call instead of holding a request past the host's execution limit.

use super::{CounterFormat, ExpiringCount, KeyValue, StoreError};
use ::redis::{Client, Commands, Connection, RedisError, RedisResult};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How long connecting, and each command's reply, may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle connections kept for reuse; more concurrent calls open (and then close) their own.
const MAX_IDLE: usize = 32;

/// Key-value storage on a Redis server (`redis://HOST:PORT[/DB]`).
pub struct RedisStore {
    client: Client,
    url: String,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` and checks the server answers, so that a host never starts on a store
    /// it cannot reach.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        if !url.starts_with("redis://") {
            return Err(StoreError::Other(format!(
                "{url:?} is not a Redis URL: expected redis://HOST:PORT[/DB]"
            )));
        }
        let client = Client::open(url)
            .map_err(|e| StoreError::Other(format!("invalid Redis URL {url:?}: {e}")))?;
        let backend = RedisStore {
            client,
            url: url.to_string(),
            idle: Mutex::new(Vec::new()),
        };
        backend
            .call(|connection| ::redis::cmd("PING").query::<String>(connection))
            .map_err(|e| StoreError::Other(format!("cannot reach Redis at {url}: {e}")))?;
        Ok(backend)
    }

    /// The URL the backend was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn open_connection(&self) -> RedisResult<Connection> {
        let connection = self.client.get_connection_with_timeout(CALL_TIMEOUT)?;
        connection.set_read_timeout(Some(CALL_TIMEOUT))?;
        connection.set_write_timeout(Some(CALL_TIMEOUT))?;
        Ok(connection)
    }

    /// Runs `f` on a pooled connection; a connection that failed is dropped, not pooled again.
    fn call<T>(&self, f: impl FnOnce(&mut Connection) -> RedisResult<T>) -> Result<T, StoreError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => self.open_connection().map_err(|e| self.failure(&e))?,
        };
        match f(&mut connection) {
            Ok(value) => {
                self.put_back(connection);
                Ok(value)
            }
            Err(error) => {
                if broken(&error) {
                    // The others were most likely cut by the same cause (a Redis restart): let
                    // the next calls connect afresh rather than fail one pooled connection each.
                    self.idle
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clear();
                } else {
                    self.put_back(connection);
                }
                Err(self.failure(&error))
            }
        }
    }

    fn put_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    fn failure(&self, error: &RedisError) -> StoreError {
        StoreError::Other(format!("Redis at {}: {error}", self.url))
    }
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

/// Whether the connection must be replaced after `error` (as opposed to a refused command, such
/// as `INCRBY` on a value that is not an integer, after which it is still usable).
fn broken(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_dropped()
        || error.is_unrecoverable_error()
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
}
