//! The host calls of one exchange (store and configuration), as `examples/store-replay` replays
//! them: recorded from the native core on an in-memory store that behaves as the host's does
//! (with expiry for the host's own stores, one write per claim; without, as Spin's key-value
//! store, three), then written as the replay component's script. The keys the exchange claims
//! with an expiry (its nonce) are fresh in each request, as the product's are.

use crate::fixture::{self, Expect, Nonces};
use crate::inproc::EXISTING_CUSTOMERS;
use anyhow::{Result, bail};
use customer_token::clock::SystemClock;
use customer_token::memory::{MemorySecrets, MemoryStore};
use customer_token::ports::{ExpiringCount, KeyValue, SecretError, Secrets, StoreError};
use customer_token::service::Ports;
use customer_token_runtime::{Flavor, real_now};
use std::sync::Mutex;

/// One call, as a line of the replay script.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    Get(String),
    Set(String, usize),
    Delete(String),
    Increment(String, u64),
    IncrementExpiring(String, u64, u64),
    /// A configuration key looked up.
    Secret(String),
}

impl Call {
    fn key(&self) -> &str {
        match self {
            Call::Get(key)
            | Call::Set(key, _)
            | Call::Delete(key)
            | Call::Increment(key, _)
            | Call::IncrementExpiring(key, _, _)
            | Call::Secret(key) => key,
        }
    }

    /// The script's line, with `key` in place of the recorded key.
    fn line(&self, key: &str) -> String {
        match self {
            Call::Get(_) => format!("get {key}"),
            Call::Set(_, length) => format!("set {key} {length}"),
            Call::Delete(_) => format!("delete {key}"),
            Call::Increment(_, delta) => format!("increment {key} {delta}"),
            Call::IncrementExpiring(_, delta, ttl) => {
                format!("increment-expiring {key} {delta} {ttl}")
            }
            Call::Secret(_) => format!("secret {key}"),
        }
    }
}

/// An in-memory store as the host's own stores behave: keys claimed with an expiry expire.
pub fn with_expiry() -> MemoryStore {
    Flavor::Bare.memory_store(real_now())
}

/// An in-memory store as Spin's key-value store behaves: no expiry, Spin's counters.
pub fn without_expiry() -> MemoryStore {
    MemoryStore::new().with_counters(Flavor::Spin.counters())
}

/// A store and secrets that record the calls made through them.
struct Recording {
    store: MemoryStore,
    secrets: MemorySecrets,
    calls: Mutex<Vec<Call>>,
}

impl Secrets for Recording {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        self.record(Call::Secret(name.to_owned()));
        self.secrets.get(name)
    }
}

impl Recording {
    fn record(&self, call: Call) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(call);
    }
}

impl KeyValue for Recording {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.record(Call::Get(key.to_owned()));
        self.store.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.record(Call::Set(key.to_owned(), value.len()));
        self.store.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.record(Call::Delete(key.to_owned()));
        self.store.delete(key)
    }
    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        self.record(Call::Increment(key.to_owned(), delta));
        self.store.increment(key, delta)
    }
    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        self.record(Call::IncrementExpiring(key.to_owned(), delta, ttl_seconds));
        self.store.increment_expiring(key, delta, ttl_seconds)
    }
}

/// The host calls of an exchange for an existing customer.
pub struct ExchangeCalls {
    calls: Vec<Call>,
}

impl ExchangeCalls {
    /// Creates the existing customers natively on `store`, then records one more exchange for
    /// the first.
    pub fn record(store: MemoryStore, nonces: &Nonces) -> Result<ExchangeCalls> {
        let recording = Recording {
            store,
            secrets: fixture::memory_secrets(),
            calls: Mutex::new(Vec::new()),
        };
        let ports = Ports {
            store: &recording,
            secrets: &recording,
            clock: &SystemClock,
        };
        let exchange = |email: &str| -> Result<()> {
            let body = fixture::graphql_body(&fixture::exchange_query(email));
            let auth = fixture::sign(fixture::IN_PROCESS_URL, nonces)?;
            let response =
                customer_token::http::handle(&fixture::native_request(&body, Some(&auth)), ports);
            fixture::check(Expect::Token, response.status, &response.body)?;
            Ok(())
        };
        for i in 0..EXISTING_CUSTOMERS {
            exchange(&fixture::existing_email(i))?;
        }
        recording
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        exchange(&fixture::existing_email(0))?;
        let calls = recording
            .calls
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        if calls.is_empty() {
            bail!("the exchange made no host calls");
        }
        Ok(ExchangeCalls { calls })
    }

    /// The calls as a script for request `request`: every key the exchange claimed with an
    /// expiry gets the request's number, so that each request claims keys of its own.
    pub fn script(&self, request: u64) -> String {
        let claimed: Vec<&str> = self
            .calls
            .iter()
            .filter(|call| matches!(call, Call::IncrementExpiring(..)))
            .map(Call::key)
            .collect();
        let mut script = String::new();
        for call in &self.calls {
            let key = call.key();
            let line = if claimed.contains(&key) {
                call.line(&format!("{key}-{request}"))
            } else {
                call.line(key)
            };
            script.push_str(&line);
            script.push('\n');
        }
        script
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exchange_reads_its_configuration_and_customer_and_claims_its_nonce_with_fresh_keys() {
        let calls = ExchangeCalls::record(without_expiry(), &Nonces::new().unwrap()).unwrap();
        let first = calls.script(1);
        let second = calls.script(2);
        assert!(
            first.lines().any(|line| line.starts_with("get ")),
            "{first}"
        );
        assert!(
            first
                .lines()
                .any(|line| line == "secret oauth_consumer_secret"),
            "{first}"
        );
        let claims: Vec<&str> = first
            .lines()
            .filter(|line| line.starts_with("increment-expiring "))
            .collect();
        assert!(!claims.is_empty(), "{first}");
        assert!(claims.iter().all(|line| !second.contains(line)), "{second}");
        assert_eq!(first.lines().count(), calls.calls.len());
        // With expiry, the claim is the one write.
        let expiring = ExchangeCalls::record(with_expiry(), &Nonces::new().unwrap()).unwrap();
        let writes = |calls: &ExchangeCalls| {
            calls
                .script(1)
                .lines()
                .filter(|line| !line.starts_with("get ") && !line.starts_with("secret "))
                .filter(|line| !line.ends_with(" 0")) // an increment by 0 reads
                .count()
        };
        assert_eq!((writes(&expiring), writes(&calls)), (1, 3), "{first}");
    }
}
