//! The host calls of one exchange (store and configuration), as `examples/store-replay` replays
//! them: recorded from the native core on an in-memory store that behaves as the host's does
//! (with expiry for the host's own stores, one write per claim; without, as Spin's key-value
//! store, three), then written as the replay component's script. The keys the exchange claims
//! with an expiry (its nonce) are fresh in each request, as the product's are.

use crate::fixture::{self, Expect, Nonces};
use crate::inproc::EXISTING_CUSTOMERS;
use anyhow::{Result, bail};
use customer_token::clock::SystemClock;
use customer_token::memory::{CallPhase, Faulty, MemorySecrets, MemoryStore};
use customer_token::ports::{SecretError, Secrets};
use customer_token::service::Ports;
use customer_token_runtime::{Call as StoreCall, Flavor, real_now};
use std::sync::{Arc, Mutex};

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

/// The calls seen so far, in order.
type Log = Arc<Mutex<Vec<Call>>>;

fn push(log: &Log, call: Call) {
    log.lock().unwrap_or_else(|e| e.into_inner()).push(call);
}

/// A store call as the store's own call hook (`Faulty`) sees it, as a line of the script; the
/// operation's name if its arguments are not those of a known call.
fn store_call(call: &StoreCall<'_>) -> Result<Call, &'static str> {
    let key = call.key.to_owned();
    match (call.operation, call.value, call.delta, call.ttl_seconds) {
        ("get", ..) => Ok(Call::Get(key)),
        ("set", Some(value), ..) => Ok(Call::Set(key, value.len())),
        ("delete", ..) => Ok(Call::Delete(key)),
        ("increment", _, Some(delta), _) => Ok(Call::Increment(key, delta)),
        ("increment_expiring", _, Some(delta), Some(ttl)) => {
            Ok(Call::IncrementExpiring(key, delta, ttl))
        }
        (operation, ..) => Err(operation),
    }
}

/// Secrets that log each lookup.
struct LoggedSecrets {
    secrets: MemorySecrets,
    log: Log,
}

impl Secrets for LoggedSecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        push(&self.log, Call::Secret(name.to_owned()));
        self.secrets.get(name)
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
        let log = Log::default();
        let unknown = Arc::new(Mutex::new(None));
        let store = Faulty::new(store);
        let (logged, unknown_seen) = (log.clone(), unknown.clone());
        store.set_hook(Some(Arc::new(move |call: &StoreCall<'_>| {
            if call.phase == CallPhase::Before {
                match store_call(call) {
                    Ok(call) => push(&logged, call),
                    Err(operation) => {
                        *unknown_seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(operation)
                    }
                }
            }
        })));
        let secrets = LoggedSecrets {
            secrets: fixture::memory_secrets(),
            log: log.clone(),
        };
        let ports = Ports {
            store: &store,
            secrets: &secrets,
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
        log.lock().unwrap_or_else(|e| e.into_inner()).clear();
        exchange(&fixture::existing_email(0))?;
        let calls = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
        if calls.is_empty() {
            bail!("the exchange made no host calls");
        }
        if let Some(operation) = *unknown.lock().unwrap_or_else(|e| e.into_inner()) {
            bail!("the exchange made a store call the replay cannot make: {operation}");
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
