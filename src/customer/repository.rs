//! Customers in key-value storage, created race-free on `increment` alone (contract §7, §9).
//!
//! Keys (emails are hashed so that keys are short and safe on every backend):
//! - `customer:{id}`: the record (JSON, see `record`).
//! - `customer-next-id`: counter handing out ids.
//! - `customer-email:{h}`: the id for the email with hash `h`, as decimal text.
//! - `customer-email-gen:{h}` / `customer-email-claim:{h}:{g}`: counters; the caller whose
//!   increment of generation `g`'s claim returns 1 creates the customer.
//! - `customer-email-lease:{h}:{g}`: the id that generation `g`'s creator allocated.
//!
//! Why it is safe: within a generation exactly one caller wins the claim. The winner allocates
//! an id and publishes it in the lease before writing anything else; from then on any caller
//! can finish the creation with that same id (write the record if absent, then the email
//! pointer). Losers wait up to `LEASE_WAIT_MS` for the winner's pointer, so in the normal case
//! they return the winner's record; if it does not come, they finish in the winner's place.
//! A creator that dies after publishing the lease therefore blocks nobody, and all callers
//! agree on the id. A creator that dies before publishing leaves a claim with no lease: the
//! others wait `LEASE_WAIT_MS`, then move to the next generation (only one caller may advance
//! it) and claim again. The one remaining hazard, a creator stalled for longer than the wait
//! between its claim and its lease, costs an unused id, not a duplicate visible to callers who
//! arrive after the pointer is written.

use sha2::{Digest, Sha256};

use super::model::{Customer, CustomerInput};
use super::record;
use crate::ports::{Clock, KeyValue, StoreError};

const NEXT_ID_KEY: &str = "customer-next-id";
/// How long losers wait for the winner's lease before presuming it dead.
pub const LEASE_WAIT_MS: u64 = 2_000;
/// Generations tried in one request before giving up with a store error.
const MAX_GENERATIONS: usize = 4;

/// What `find_or_create` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub customer: Customer,
    pub created: bool,
}

enum Winner {
    Done(u32),
    Stalled(u32),
    Lost,
}

pub struct Customers<'a> {
    store: &'a dyn KeyValue,
    clock: &'a dyn Clock,
}

impl<'a> Customers<'a> {
    pub fn new(store: &'a dyn KeyValue, clock: &'a dyn Clock) -> Self {
        Customers { store, clock }
    }

    /// The customer with `id`, if its record exists.
    pub fn by_id(&self, id: u32) -> Result<Option<Customer>, StoreError> {
        match self.store.get(&record_key(id))? {
            None => Ok(None),
            Some(bytes) => parse(id, &bytes).map(Some),
        }
    }

    /// Writes an existing customer's changed record (one `set`: a reader sees the old record
    /// or the new one, never a mix).
    pub fn save(&self, customer: &Customer) -> Result<(), StoreError> {
        self.store
            .set(&record_key(customer.id), &record::encode(customer))
    }

    /// Finds the customer by email (trimmed, case-insensitive) or creates it from `input`,
    /// which must already be validated. Existing customers are returned unchanged.
    pub fn find_or_create(&self, input: &CustomerInput) -> Result<Found, StoreError> {
        let email_hash = email_hash(&input.email);
        let pointer_key = format!("customer-email:{email_hash}");
        for _ in 0..MAX_GENERATIONS {
            if let Some(id) = self.read_id(&pointer_key)? {
                return self.ensure_record(id, input);
            }
            let generation = self
                .store
                .increment(&format!("customer-email-gen:{email_hash}"), 0)?;
            let claim_key = format!("customer-email-claim:{email_hash}:{generation}");
            let lease_key = format!("customer-email-lease:{email_hash}:{generation}");
            if self.store.increment(&claim_key, 1)? == 1 {
                let id = self.allocate_id()?;
                self.store.set(&lease_key, id.to_string().as_bytes())?;
                return self.finish(id, &pointer_key, input);
            }
            match self.wait_for_winner(&lease_key, &pointer_key)? {
                Winner::Done(id) => return self.ensure_record(id, input),
                Winner::Stalled(id) => return self.finish(id, &pointer_key, input),
                Winner::Lost => {}
            }
            // The winner died before publishing its lease: one caller opens the next generation.
            let advance_key = format!("customer-email-advance:{email_hash}:{generation}");
            if self.store.increment(&advance_key, 1)? == 1 {
                self.store
                    .increment(&format!("customer-email-gen:{email_hash}"), 1)?;
            }
        }
        Err(StoreError(
            "customer creation did not settle after several generations".into(),
        ))
    }

    /// Completes the creation of customer `id` for this email: the record if it is missing,
    /// then the email pointer. Idempotent, so any number of callers may run it.
    fn finish(
        &self,
        id: u32,
        pointer_key: &str,
        input: &CustomerInput,
    ) -> Result<Found, StoreError> {
        let found = self.ensure_record(id, input)?;
        self.store.set(pointer_key, id.to_string().as_bytes())?;
        Ok(found)
    }

    /// The record of `id`, written from `input` if a failed creation left it missing.
    fn ensure_record(&self, id: u32, input: &CustomerInput) -> Result<Found, StoreError> {
        if let Some(customer) = self.by_id(id)? {
            return Ok(Found {
                customer,
                created: false,
            });
        }
        let customer = Customer::new(id, input, format_utc(self.clock.now_unix()));
        self.store
            .set(&record_key(id), &record::encode(&customer))?;
        Ok(Found {
            customer,
            created: true,
        })
    }

    /// Waits for the generation's winner to finish. `Winner::Done` once the email pointer is
    /// written; after `LEASE_WAIT_MS` without it, `Winner::Stalled` with the leased id if the
    /// winner published one (the caller finishes in its place), or `Winner::Lost` if not.
    fn wait_for_winner(&self, lease_key: &str, pointer_key: &str) -> Result<Winner, StoreError> {
        let mut waited = 0;
        let mut step = 2;
        loop {
            if let Some(id) = self.read_id(pointer_key)? {
                return Ok(Winner::Done(id));
            }
            if waited >= LEASE_WAIT_MS {
                return Ok(match self.read_id(lease_key)? {
                    Some(id) => Winner::Stalled(id),
                    None => Winner::Lost,
                });
            }
            self.clock.pause(step);
            waited += step;
            step = (step * 2).min(100);
        }
    }

    fn allocate_id(&self) -> Result<u32, StoreError> {
        let next = self.store.increment(NEXT_ID_KEY, 1)?;
        // GraphQL's Int is a signed 32-bit integer.
        u32::try_from(next)
            .ok()
            .filter(|id| i32::try_from(*id).is_ok())
            .ok_or_else(|| StoreError("customer ids are exhausted".into()))
    }

    fn read_id(&self, key: &str) -> Result<Option<u32>, StoreError> {
        match self.store.get(key)? {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| text.parse().ok())
                .map(Some)
                .ok_or_else(|| StoreError(format!("unreadable id under `{key}`"))),
        }
    }
}

fn record_key(id: u32) -> String {
    format!("customer:{id}")
}

fn parse(id: u32, bytes: &[u8]) -> Result<Customer, StoreError> {
    record::decode(bytes)
        .filter(|customer| customer.id == id)
        .ok_or_else(|| StoreError(format!("unreadable record `customer:{id}`")))
}

/// The lookup key: trimmed, lower-cased, hashed.
fn email_hash(email: &str) -> String {
    let normalized = email.trim().to_lowercase();
    let digest = Sha256::digest(normalized.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, from Unix seconds (Howard Hinnant's days-to-civil algorithm;
/// a date crate would be the only dependency for these few lines).
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        seconds / 3_600,
        seconds % 3_600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::customer::ConfirmationStatus;
    use crate::memory::{FailingStore, MemoryStore};

    struct TestClock {
        now: Cell<i64>,
        paused_ms: Cell<u64>,
    }

    impl TestClock {
        fn at(now: i64) -> Self {
            TestClock {
                now: Cell::new(now),
                paused_ms: Cell::new(0),
            }
        }
    }

    impl Clock for TestClock {
        fn now_unix(&self) -> i64 {
            self.now.get()
        }
        fn pause(&self, millis: u64) {
            self.paused_ms.set(self.paused_ms.get() + millis);
        }
    }

    fn input(email: &str, firstname: &str) -> CustomerInput {
        CustomerInput {
            firstname: firstname.into(),
            lastname: "Cost".into(),
            email: email.into(),
            ..CustomerInput::default()
        }
    }

    #[test]
    fn utc_formatting_matches_known_instants() {
        // Known instants: the epoch, the seed token's iat (date -u -d @1748499421), a leap day.
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_748_499_421), "2025-05-29 06:17:01");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn creates_then_finds_case_insensitively_without_applying_new_names() {
        let store = MemoryStore::default();
        let clock = TestClock::at(1_748_499_421);
        let customers = Customers::new(&store, &clock);
        let first = customers
            .find_or_create(&input(" Roni_Cost@Example.com ", "Roni"))
            .unwrap();
        assert!(first.created);
        assert_eq!(first.customer.id, 1);
        assert_eq!(first.customer.email, "Roni_Cost@Example.com");
        assert_eq!(first.customer.created_at, "2025-05-29 06:17:01");
        assert_eq!(
            first.customer.confirmation_status,
            ConfirmationStatus::AccountConfirmationNotRequired
        );
        let again = customers
            .find_or_create(&input("roni_cost@example.com", "Veronica"))
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.customer, first.customer);
        let other = customers
            .find_or_create(&input("other@example.com", "Other"))
            .unwrap();
        assert_eq!(other.customer.id, 2);
        assert_eq!(customers.by_id(1).unwrap(), Some(first.customer));
        assert_eq!(customers.by_id(3).unwrap(), None);
    }

    #[test]
    fn a_failure_at_any_store_call_never_locks_the_email_out() {
        let calls_when_healthy = {
            let store = FailingStore::new(MemoryStore::default(), None);
            let clock = TestClock::at(0);
            Customers::new(&store, &clock)
                .find_or_create(&input("a@example.com", "A"))
                .unwrap();
            store.calls()
        };
        for k in 1..=calls_when_healthy {
            let store = FailingStore::new(MemoryStore::default(), Some(k));
            let clock = TestClock::at(0);
            let customers = Customers::new(&store, &clock);
            assert!(
                customers
                    .find_or_create(&input("a@example.com", "A"))
                    .is_err(),
                "k={k}"
            );
            store.heal();
            let retried = customers
                .find_or_create(&input("a@example.com", "A"))
                .unwrap();
            let again = customers
                .find_or_create(&input("A@example.com", "B"))
                .unwrap();
            assert_eq!(retried.customer, again.customer, "k={k}");
            assert_eq!(again.customer.firstname, "A", "k={k}");
            assert_eq!(
                customers.by_id(retried.customer.id).unwrap(),
                Some(retried.customer),
                "k={k}"
            );
        }
    }

    #[test]
    fn losers_finish_a_stalled_winners_creation_with_its_id() {
        let store = MemoryStore::default();
        let clock = TestClock::at(0);
        let email_hash = email_hash("a@example.com");
        // A winner that published its lease (id 7) and died.
        store
            .increment(&format!("customer-email-claim:{email_hash}:0"), 1)
            .unwrap();
        store
            .set(&format!("customer-email-lease:{email_hash}:0"), b"7")
            .unwrap();
        let found = Customers::new(&store, &clock)
            .find_or_create(&input("a@example.com", "A"))
            .unwrap();
        assert_eq!(found.customer.id, 7);
        assert!(
            clock.paused_ms.get() >= LEASE_WAIT_MS,
            "it first gave the winner time"
        );
    }

    #[test]
    fn a_winner_that_died_before_its_lease_is_replaced_after_the_wait() {
        let store = MemoryStore::default();
        let clock = TestClock::at(0);
        let email_hash = email_hash("a@example.com");
        store
            .increment(&format!("customer-email-claim:{email_hash}:0"), 1)
            .unwrap();
        let found = Customers::new(&store, &clock)
            .find_or_create(&input("a@example.com", "A"))
            .unwrap();
        assert_eq!(found.customer.id, 1);
        assert!(clock.paused_ms.get() >= LEASE_WAIT_MS);
        assert_eq!(
            store
                .increment(&format!("customer-email-gen:{email_hash}"), 0)
                .unwrap(),
            1
        );
    }

    #[test]
    fn concurrent_creators_agree_on_one_customer() {
        use std::sync::{Arc, Barrier};
        let store = Arc::new(MemoryStore::default());
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let clock = crate::clock::SystemClock;
                    barrier.wait();
                    Customers::new(&*store, &clock)
                        .find_or_create(&input("race@example.com", &format!("N{i}")))
                        .unwrap()
                })
            })
            .collect();
        let results: Vec<Found> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(results.iter().all(|f| f.customer.id == 1));
        assert_eq!(results.iter().filter(|f| f.created).count(), 1);
        assert_eq!(store.increment(NEXT_ID_KEY, 0).unwrap(), 1);
    }
}
