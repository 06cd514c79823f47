//! Customers in key-value storage, one per email however callers stall or fail (docs/contract.md §7, §9).
//!
//! Keys (emails are hashed so that keys are short and safe on every backend):
//! - `customer:{id}`: the record (JSON, see `record`).
//! - `customer-next-id`: counter handing out ids.
//! - `customer-id-claim:{id}`: counter whose first increment takes the id (see `allocate_id`).
//! - `customer-email:{h}`: the id for the email with hash `h`, as decimal text.
//! - `customer-email-agreement:{h}-proposers`, `customer-email-agreement:{h}-proposal:{p}`: the
//!   agreement on that id (see `agreement`).
//!
//! A new email's id is agreed on by everyone who asks for it at once: a caller allocates an id
//! and writes its record before proposing it, so whichever id wins already has a record; the
//! records of ids that lost are deleted by whoever settles the agreement. Found customers cost
//! two reads.
//!
//! A creation never overwrites a record: an id whose record exists is skipped, and the counter
//! is moved past it. That happens only when the store lost its latest writes (restored from a
//! snapshot, `customer-next-id` evicted, a replica promoted): the counter then hands out ids
//! again that live customers have.

use sha2::{Digest, Sha256};

use super::model::{Customer, CustomerInput};
use super::record::Record;
use crate::agreement::{Agreement, Candidates};
use crate::ports::{Clock, KeyValue, StoreError};
use crate::service::log;
use crate::token_key::KeyMaterial;

const NEXT_ID_KEY: &str = "customer-next-id";

/// What `find_or_create` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub record: Record,
    pub created: bool,
}

pub struct Customers<'a> {
    pub(super) store: &'a dyn KeyValue,
    pub(super) clock: &'a dyn Clock,
}

impl<'a> Customers<'a> {
    pub fn new(store: &'a dyn KeyValue, clock: &'a dyn Clock) -> Self {
        Customers { store, clock }
    }

    /// The record of customer `id`, if it exists.
    pub fn by_id(&self, id: u32) -> Result<Option<Record>, StoreError> {
        match self.store.get(&record_key(id))? {
            None => Ok(None),
            Some(bytes) => parse(id, &bytes).map(Some),
        }
    }

    /// Writes an existing customer's changed record (one `set`: a reader sees the old record
    /// or the new one, never a mix). Its key material stays as it was.
    pub fn save(&self, record: &Record) -> Result<(), StoreError> {
        self.store
            .set(&record_key(record.customer.id), &record.encode())
    }

    /// Finds the customer by email (trimmed, case-insensitive) or creates it from `input`,
    /// which must already be validated. Existing customers are returned unchanged.
    pub fn find_or_create(&self, input: &CustomerInput) -> Result<Found, StoreError> {
        let index = EmailIndex::of(&input.email);
        let mut candidates = NewCustomers {
            customers: self,
            input,
            prepared: None,
        };
        let agreed = index.agreement(self).agree(&mut candidates)?;
        self.agreed(&index.pointer_key, agreed.value, candidates.prepared)
    }

    /// The customer `value` an index agreed on: the record this caller prepared for it, if it
    /// did, or the stored one.
    pub(super) fn agreed(
        &self,
        index_key: &str,
        value: u64,
        prepared: Option<Record>,
    ) -> Result<Found, StoreError> {
        let id = u32::try_from(value)
            .map_err(|_| StoreError::Other(format!("unreadable id under `{index_key}`")))?;
        if let Some(record) = prepared.filter(|r| r.customer.id == id) {
            return Ok(Found {
                record,
                created: true,
            });
        }
        match self.by_id(id)? {
            Some(record) => Ok(Found {
                record,
                created: false,
            }),
            None => Err(StoreError::Other(format!(
                "`{index_key}` names customer {id}, whose record is missing"
            ))),
        }
    }

    /// The record of a new customer `value` from `input`, with fresh key material (not
    /// written yet).
    pub(super) fn new_record(
        &self,
        value: u64,
        input: &CustomerInput,
    ) -> Result<Record, StoreError> {
        let id = u32::try_from(value)
            .map_err(|_| StoreError::Other(format!("id {value} is too large")))?;
        let customer = Customer::new(id, input, format_utc(self.clock.now_unix()));
        let material = KeyMaterial::random().map_err(|error| {
            StoreError::Other(format!("no randomness for key material: {error}"))
        })?;
        Ok(Record::new(customer, material))
    }

    /// A fresh id that no other caller and no record has. The counter hands each id out once,
    /// but a store that lost its latest writes hands ids out again: an id is this caller's only
    /// if its claim (`customer-id-claim:{id}`, an `increment` that answers 1 to one caller) is
    /// the first and no record has it. Others are skipped, in steps that double, so a counter
    /// far behind catches up in a few calls rather than one per live customer.
    pub(super) fn allocate_id(&self) -> Result<u32, StoreError> {
        let mut step = 1;
        loop {
            let next = self.store.increment(NEXT_ID_KEY, step)?;
            // GraphQL's Int is a signed 32-bit integer.
            let id = u32::try_from(next)
                .ok()
                .filter(|id| i32::try_from(*id).is_ok())
                .ok_or_else(|| StoreError::Other("customer ids are exhausted".into()))?;
            let first_claim = self
                .store
                .increment(&format!("customer-id-claim:{id}"), 1)?
                == 1;
            if first_claim && self.store.get(&record_key(id))?.is_none() {
                return Ok(id);
            }
            log(format_args!(
                "`{NEXT_ID_KEY}` handed out id {id}, which is taken: the store has lost writes \
                 (a restore, an eviction or a failover); skipping past it"
            ));
            step = step.saturating_mul(2);
        }
    }
}

/// A new customer as a candidate in an email's agreement: a fresh id, whose record is written
/// before it is proposed, so whichever id wins already has its record.
struct NewCustomers<'c, 'a> {
    customers: &'c Customers<'a>,
    input: &'c CustomerInput,
    prepared: Option<Record>,
}

impl Candidates for NewCustomers<'_, '_> {
    fn allocate(&mut self) -> Result<u64, StoreError> {
        self.customers.allocate_id().map(u64::from)
    }

    fn prepare(&mut self, value: u64) -> Result<(), StoreError> {
        let record = self.customers.new_record(value, self.input)?;
        self.customers.save(&record)?;
        self.prepared = Some(record);
        Ok(())
    }

    fn discard(&mut self, value: u64) {
        if let Ok(id) = u32::try_from(value) {
            let _ = self.customers.store.delete(&record_key(id));
        }
    }
}

/// The index of customers by email: `customer-email:{h}` and its agreement's keys.
pub(super) struct EmailIndex {
    pub(super) pointer_key: String,
    prefix: String,
}

impl EmailIndex {
    pub(super) fn of(email: &str) -> EmailIndex {
        let hash = email_hash(email);
        EmailIndex {
            pointer_key: format!("customer-email:{hash}"),
            prefix: format!("customer-email-agreement:{hash}"),
        }
    }

    pub(super) fn agreement<'s>(&'s self, customers: &Customers<'s>) -> Agreement<'s> {
        Agreement::new(
            customers.store,
            customers.clock,
            &self.pointer_key,
            &self.prefix,
        )
    }
}

pub(super) fn record_key(id: u32) -> String {
    format!("customer:{id}")
}

fn parse(id: u32, bytes: &[u8]) -> Result<Record, StoreError> {
    Record::decode(bytes)
        .filter(|record| record.customer.id == id)
        .ok_or_else(|| StoreError::Other(format!("unreadable record `customer:{id}`")))
}

/// The lookup key: trimmed, lower-cased, hashed.
fn email_hash(email: &str) -> String {
    hex_sha256(&email.trim().to_lowercase())
}

/// SHA-256 of `text` as lower-case hex: index keys that are short and safe on every backend.
pub(super) fn hex_sha256(text: &str) -> String {
    // The digest's own `LowerHex`: one string, not one per byte.
    format!("{:x}", Sha256::digest(text.as_bytes()))
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
    use crate::agreement::{WAIT_BEFORE_COMPETING_MS, WAIT_BUDGET_MS};
    use crate::customer::ConfirmationStatus;
    use crate::memory::{CallPhase, Faulty, MemoryStore};
    use crate::ports::ExpiringCount;

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
        assert_eq!(first.record.customer.id, 1);
        assert_eq!(first.record.customer.email, "Roni_Cost@Example.com");
        assert_eq!(first.record.customer.created_at, "2025-05-29 06:17:01");
        assert_eq!(
            first.record.customer.confirmation_status,
            ConfirmationStatus::AccountConfirmationNotRequired
        );
        let again = customers
            .find_or_create(&input("roni_cost@example.com", "Veronica"))
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.record.customer, first.record.customer);
        let other = customers
            .find_or_create(&input("other@example.com", "Other"))
            .unwrap();
        assert_eq!(other.record.customer.id, 2);
        assert_eq!(customers.by_id(1).unwrap(), Some(first.record));
        assert_eq!(customers.by_id(3).unwrap(), None);
    }

    /// The ids of every customer record in `store`.
    fn record_ids(store: &MemoryStore) -> Vec<u32> {
        store
            .keys()
            .iter()
            .filter_map(|key| key.strip_prefix("customer:")?.parse().ok())
            .collect()
    }

    fn calls_of_a_healthy_creation() -> u64 {
        let store = Faulty::new(MemoryStore::default());
        Customers::new(&store, &TestClock::at(0))
            .find_or_create(&input("a@example.com", "A"))
            .unwrap();
        store.calls()
    }

    #[test]
    fn the_spec_vector_upper_and_lower_case_are_one_customer() {
        // docs/vectors.md: `UPPER@Example.COM` is the same customer as `upper@example.com`.
        let store = MemoryStore::default();
        let clock = TestClock::at(0);
        let customers = Customers::new(&store, &clock);
        let first = customers
            .find_or_create(&input("UPPER@Example.COM", "U"))
            .unwrap();
        let again = customers
            .find_or_create(&input("upper@example.com", "L"))
            .unwrap();
        assert!(first.created && !again.created);
        assert_eq!(again.record.customer, first.record.customer);
        assert_eq!(
            first.record.customer.email, "UPPER@Example.COM",
            "stored as given"
        );
    }

    #[test]
    fn every_pair_of_failing_calls_leaves_one_customer_that_later_callers_find() {
        // The first caller fails at any of its calls; then a second fault hits any later call of
        // the two first callers (counted in a run with the first fault alone); two more follow.
        for first in 1..=calls_of_a_healthy_creation() {
            let calls_of_two_callers = {
                let store = Faulty::new(MemoryStore::default()).failing_at(&[first]);
                let _ = create(&store, "N0");
                let _ = create(&store, "N1");
                store.calls()
            };
            for second in first + 1..=calls_of_two_callers {
                let store = Faulty::new(MemoryStore::default()).failing_at(&[first, second]);
                let mut ids = Vec::new();
                for caller in 0..4 {
                    let clock = TestClock::at(0);
                    let result = Customers::new(&store, &clock)
                        .find_or_create(&input("a@example.com", &format!("N{caller}")));
                    assert!(
                        clock.paused_ms.get() <= WAIT_BUDGET_MS,
                        "{first},{second}: caller {caller} waited {} ms",
                        clock.paused_ms.get()
                    );
                    match result {
                        Ok(found) => ids.push(found.record.customer.id),
                        Err(error) => assert!(
                            caller < 2 || store.calls() <= second,
                            "{first},{second}: caller {caller} failed after the faults: {error}"
                        ),
                    }
                }
                assert!(ids.len() >= 2, "{first},{second}");
                assert!(
                    ids.iter().all(|id| *id == ids[0]),
                    "{first},{second}: {ids:?}"
                );
                let clock = TestClock::at(0);
                let customers = Customers::new(store.inner(), &clock);
                assert!(
                    customers.by_id(ids[0]).unwrap().is_some(),
                    "{first},{second}"
                );
            }
        }
    }

    #[test]
    fn after_a_failure_at_any_call_only_the_agreed_customer_has_a_record() {
        for at in 1..=calls_of_a_healthy_creation() {
            let store = Faulty::new(MemoryStore::default()).failing_at(&[at]);
            let _ = create(&store, "Failed");
            let found = create(&store, "Retried").unwrap();
            assert_eq!(
                create(&store, "Again").unwrap().record.customer,
                found.record.customer,
                "at {at}"
            );
            assert_eq!(
                record_ids(store.inner()),
                [found.record.customer.id],
                "at {at}"
            );
        }
    }

    /// Runs a creation for a@example.com through `store`; its result, for the callers to compare.
    fn create(store: &dyn KeyValue, firstname: &str) -> Result<Found, StoreError> {
        Customers::new(store, &TestClock::at(0)).find_or_create(&input("a@example.com", firstname))
    }

    #[test]
    fn a_caller_stalled_at_any_step_agrees_with_everyone_who_ran_meanwhile() {
        for stall in [CallPhase::Before, CallPhase::After] {
            for at in 1.. {
                let store = MemoryStore::default();
                let meanwhile = std::sync::Mutex::new(None);
                let stalled = Faulty::new(&store).stalling(at, stall, || {
                    *meanwhile.lock().unwrap() = Some(create(&store, "Meanwhile").unwrap());
                });
                let resumed = create(&stalled, "Stalled").unwrap();
                drop(stalled);
                let Some(meanwhile) = meanwhile.into_inner().unwrap() else {
                    break; // `at` is past the stalled caller's last call
                };
                let later = create(&store, "Later").unwrap();
                assert_eq!(
                    resumed.record.customer, meanwhile.record.customer,
                    "{stall:?} at {at}"
                );
                assert_eq!(
                    later.record.customer, meanwhile.record.customer,
                    "{stall:?} at {at}"
                );
                assert_eq!(
                    [resumed.created, meanwhile.created, later.created]
                        .iter()
                        .filter(|created| **created)
                        .count(),
                    1,
                    "{stall:?} at {at}"
                );
                assert_eq!(
                    record_ids(&store),
                    [meanwhile.record.customer.id],
                    "{stall:?} at {at}"
                );
            }
        }
    }

    #[test]
    fn callers_stalled_inside_each_others_stalls_agree() {
        let stalls = [CallPhase::Before, CallPhase::After];
        for outer in stalls {
            for inner in stalls {
                for outer_at in 1..=12 {
                    for inner_at in 1..=12 {
                        let store = MemoryStore::default();
                        let results = std::sync::Mutex::new(Vec::new());
                        let outer_store = Faulty::new(&store).stalling(outer_at, outer, || {
                            let inner_store = Faulty::new(&store).stalling(inner_at, inner, || {
                                results
                                    .lock()
                                    .unwrap()
                                    .push(create(&store, "Inner").unwrap());
                            });
                            let found = create(&inner_store, "Middle").unwrap();
                            results.lock().unwrap().push(found);
                        });
                        let found = create(&outer_store, "Outer").unwrap();
                        drop(outer_store);
                        let mut results = results.into_inner().unwrap();
                        results.push(found);
                        let case = format!("{outer:?} at {outer_at}, {inner:?} at {inner_at}");
                        assert!(
                            results
                                .iter()
                                .all(|f| f.record.customer == results[0].record.customer),
                            "{case}: {results:?}"
                        );
                        assert_eq!(results.iter().filter(|f| f.created).count(), 1, "{case}");
                        assert_eq!(
                            record_ids(&store),
                            [results[0].record.customer.id],
                            "{case}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_rewound_counter_skips_live_records_and_moves_past_them() {
        let store = MemoryStore::default();
        let clock = TestClock::at(0);
        let customers = Customers::new(&store, &clock);
        let live: Vec<Found> = ["a", "b", "c"]
            .iter()
            .map(|name| {
                customers
                    .find_or_create(&input(&format!("{name}@example.com"), name))
                    .unwrap()
            })
            .collect();
        // The counter as a store that lost its latest writes would hand it back: evicted.
        store.delete(NEXT_ID_KEY).unwrap();
        let new = customers
            .find_or_create(&input("d@example.com", "D"))
            .unwrap();
        assert!(new.created);
        assert!(new.record.customer.id > 3, "{}", new.record.customer.id);
        for found in &live {
            let id = found.record.customer.id;
            assert_eq!(customers.by_id(id).unwrap().as_ref(), Some(&found.record));
        }
        let next = customers
            .find_or_create(&input("e@example.com", "E"))
            .unwrap();
        assert_eq!(next.record.customer.id, new.record.customer.id + 1);
        assert_eq!(record_ids(&store).len(), 5);
    }

    #[test]
    fn a_counter_far_behind_catches_up_in_few_calls() {
        let counted = Faulty::new(MemoryStore::default());
        let clock = TestClock::at(0);
        for id in 1..=1_000u32 {
            let customer =
                Customer::new(id, &input(&format!("{id}@example.com"), "N"), String::new());
            let record = Record::new(customer, KeyMaterial::random().unwrap());
            counted
                .inner()
                .set(&record_key(id), &record.encode())
                .unwrap();
        }
        let found = Customers::new(&counted, &clock)
            .find_or_create(&input("new@example.com", "New"))
            .unwrap();
        assert!(found.record.customer.id > 1_000);
        // Ten doublings pass 1,000; each costs two increments and a get.
        assert!(
            counted.calls() <= calls_of_a_healthy_creation() + 3 * 10,
            "{}",
            counted.calls()
        );
        assert_eq!(record_ids(counted.inner()).len(), 1_001);
    }

    #[test]
    fn every_new_record_has_key_material_of_its_own() {
        let store = MemoryStore::default();
        let clock = TestClock::at(0);
        let customers = Customers::new(&store, &clock);
        let first = customers
            .find_or_create(&input("a@example.com", "A"))
            .unwrap();
        store.delete(NEXT_ID_KEY).unwrap();
        store.delete(&record_key(1)).unwrap();
        store.delete("customer-id-claim:1").unwrap();
        store
            .delete(&format!("customer-email:{}", email_hash("a@example.com")))
            .unwrap();
        let again = customers
            .find_or_create(&input("b@example.com", "B"))
            .unwrap();
        assert_eq!(
            again.record.customer.id, first.record.customer.id,
            "the id was reused"
        );
        assert!(matches!(first.record.key_material, KeyMaterial::Random(_)));
        assert_ne!(again.record.key_material, first.record.key_material);
    }

    /// An adversary that, each time a caller promises a ballot, promises a higher one.
    struct Outbidding<'a>(&'a MemoryStore);

    impl KeyValue for Outbidding<'_> {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
            self.0.set(key, value)?;
            if let Some((prefix, _)) = key.split_once("-proposal:") {
                let text = std::str::from_utf8(value).unwrap();
                let round: u64 = text.split('.').next().unwrap().parse().unwrap();
                // Proposer 1 is the adversary: the test took that number first.
                let higher = format!("{}.1 0.0 - -", round + 1);
                self.0
                    .set(&format!("{prefix}-proposal:1"), higher.as_bytes())?;
            }
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.0.delete(key)
        }
        fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
            self.0.increment(key, delta)
        }
        fn increment_expiring(
            &self,
            key: &str,
            delta: u64,
            ttl_seconds: u64,
        ) -> Result<ExpiringCount, StoreError> {
            self.0.increment_expiring(key, delta, ttl_seconds)
        }
    }

    #[test]
    fn a_caller_outbid_again_and_again_gives_up_inside_the_budget_and_a_retry_succeeds() {
        let store = MemoryStore::default();
        let prefix = format!("customer-email-agreement:{}", email_hash("a@example.com"));
        store.increment(&format!("{prefix}-proposers"), 1).unwrap();
        let clock = TestClock::at(0);
        let refused = Customers::new(&Outbidding(&store), &clock)
            .find_or_create(&input("a@example.com", "A"))
            .unwrap_err();
        assert!(refused.to_string().contains("retry"), "{refused}");
        assert!(
            clock.paused_ms.get() <= WAIT_BUDGET_MS,
            "{}",
            clock.paused_ms.get()
        );
        assert!(clock.paused_ms.get() >= WAIT_BUDGET_MS - WAIT_BEFORE_COMPETING_MS);
        let found = create(&store, "A").unwrap();
        assert!(found.created);
        assert_eq!(
            create(&store, "B").unwrap().record.customer,
            found.record.customer
        );
    }

    #[test]
    fn a_caller_that_died_after_proposing_is_finished_with_its_id() {
        // The first caller allocated id 1, wrote its record and had it chosen, then failed to
        // write the email pointer (its last call).
        let dying =
            Faulty::new(MemoryStore::default()).failing_at(&[calls_of_a_healthy_creation()]);
        assert!(create(&dying, "First").is_err());
        let store = dying.inner();
        let clock = TestClock::at(0);
        let found = Customers::new(store, &clock)
            .find_or_create(&input("a@example.com", "Second"))
            .unwrap();
        assert_eq!(found.record.customer.id, 1);
        assert_eq!(found.record.customer.firstname, "First");
        assert!(!found.created);
        assert!(
            clock.paused_ms.get() >= WAIT_BEFORE_COMPETING_MS,
            "it first gave the first caller time"
        );
        assert_eq!(record_ids(store), [1]);
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
        assert!(results.iter().all(|f| f.record.customer.id == 1));
        assert_eq!(results.iter().filter(|f| f.created).count(), 1);
        assert_eq!(store.increment(NEXT_ID_KEY, 0).unwrap(), 1);
    }
}
