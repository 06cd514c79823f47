//! Customers found by their identity provider's subject, not by email alone, when
//! `customer_link_attribute` is configured (docs/linking.md).
//!
//! Keys (subjects are hashed, like emails):
//! - `customer-subject:{h}`: the id of the customer linked to the subject with hash `h`
//!   (decimal text), agreed on among `customer-subject-agreement:{h}-*`. A first login of a
//!   subject whose email has no customer creates the customer inside this agreement, so logins
//!   of one subject at once with different emails end with one customer.
//! - `customer-link:{id}`: the subject customer `id` is linked to (the first 8 bytes of the
//!   subject's SHA-256, as a decimal number), agreed on among `customer-link-agreement:{id}-*`,
//!   so an existing customer is linked once: of two subjects that log in with its email at once,
//!   one links it and the other is refused. A customer created for a subject has it from the
//!   start.
//!
//! The email index stays as it is: a customer created for a subject is indexed by its email
//! after its subject (its record says so until then, so that whoever reads it next finishes
//! the indexing if its creator died), and a later login by another subject with that email is
//! refused.

use sha2::{Digest, Sha256};

use super::model::CustomerInput;
use super::record::Record;
use super::repository::{Customers, EmailIndex, Found, hex_sha256, record_key};
use crate::agreement::{Agreement, Candidates, Fixed};
use crate::ports::StoreError;
use crate::service::log;

/// What a login with a subject found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linked {
    /// The subject's customer (found, linked now, or created).
    Customer(Box<Found>),
    /// The email's customer is linked to another subject: nothing was changed.
    ToAnotherSubject,
}

/// The index of customers by subject.
struct SubjectIndex {
    pointer_key: String,
    prefix: String,
}

impl SubjectIndex {
    fn of(subject: &str) -> SubjectIndex {
        let hash = hex_sha256(subject);
        SubjectIndex {
            pointer_key: format!("customer-subject:{hash}"),
            prefix: format!("customer-subject-agreement:{hash}"),
        }
    }
}

/// The link of customer `id`: `customer-link:{id}` and its agreement's keys.
fn link_keys(id: u32) -> (String, String) {
    (
        format!("customer-link:{id}"),
        format!("customer-link-agreement:{id}"),
    )
}

/// The value a link records for `subject`.
fn link_value(subject: &str) -> u64 {
    let digest = Sha256::digest(subject.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

impl Customers<'_> {
    /// Finds the customer linked to `subject`, or links the customer of the input's email to
    /// it, or creates one linked to it. `input` must already be validated.
    pub fn find_or_create_linked(
        &self,
        input: &CustomerInput,
        subject: &str,
    ) -> Result<Linked, StoreError> {
        let subjects = SubjectIndex::of(subject);
        let by_subject = Agreement::new(
            self.store,
            self.clock,
            &subjects.pointer_key,
            &subjects.prefix,
        );
        let mut found = match by_subject.decided()? {
            Some(id) => self.agreed(&subjects.pointer_key, id, None)?,
            None => match self.link_or_create(input, subject, &subjects, &by_subject)? {
                Some(found) => found,
                None => return Ok(Linked::ToAnotherSubject),
            },
        };
        if found.record.email_index_pending {
            // Its creator may have died before indexing it: whoever reads it finishes that.
            self.index_email(&found.record)?;
            found.record.email_index_pending = false;
            self.save(&found.record)?;
        }
        Ok(Linked::Customer(Box::new(found)))
    }

    /// A subject no customer has yet: links the email's customer to it, or creates one for it
    /// inside the subject's agreement. `None` if the email's customer is linked to another.
    fn link_or_create(
        &self,
        input: &CustomerInput,
        subject: &str,
        subjects: &SubjectIndex,
        by_subject: &Agreement<'_>,
    ) -> Result<Option<Found>, StoreError> {
        let emails = EmailIndex::of(&input.email);
        let existing = match emails.agreement(self).decided()? {
            None => None,
            Some(id) => {
                let id = u32::try_from(id).map_err(|_| {
                    StoreError::Other(format!("unreadable id under `{}`", emails.pointer_key))
                })?;
                if !self.link(id, subject)? {
                    return Ok(None);
                }
                Some(id)
            }
        };
        let mut candidates = ForSubject {
            customers: self,
            input,
            subject,
            existing,
            prepared: None,
        };
        let agreed = by_subject.agree(&mut candidates)?;
        self.agreed(&subjects.pointer_key, agreed.value, candidates.prepared)
            .map(Some)
    }

    /// Links customer `id` to `subject` unless it is linked already; whether it is linked to
    /// `subject` now.
    fn link(&self, id: u32, subject: &str) -> Result<bool, StoreError> {
        let (key, prefix) = link_keys(id);
        let wanted = link_value(subject);
        let linked = Agreement::new(self.store, self.clock, &key, &prefix)
            .agree(&mut Fixed(wanted))?
            .value;
        Ok(linked == wanted)
    }

    /// Points the email index at a customer created for a subject, unless another customer
    /// took that email meanwhile (a login of another subject with the same email at the same
    /// moment): then this customer is found by its subject alone.
    fn index_email(&self, record: &Record) -> Result<(), StoreError> {
        let id = record.customer.id;
        if !self.claim_email(&record.customer.email, id)? {
            log(format_args!(
                "customer {id}, created for a subject, shares its email with another customer, \
                 which logged in with another subject at the same moment; each keeps its own"
            ));
        }
        Ok(())
    }

    /// Points the email index for `email` at customer `id`: whether it does now (it does not
    /// when the email belongs to another customer).
    pub fn claim_email(&self, email: &str, id: u32) -> Result<bool, StoreError> {
        let indexed = EmailIndex::of(email)
            .agreement(self)
            .agree(&mut Fixed(u64::from(id)))?;
        Ok(indexed.value == u64::from(id))
    }
}

/// The candidates in a subject's agreement: the email's existing customer (linked to the
/// subject already), or a new customer created for the subject.
struct ForSubject<'c, 'a> {
    customers: &'c Customers<'a>,
    input: &'c CustomerInput,
    subject: &'c str,
    existing: Option<u32>,
    prepared: Option<Record>,
}

impl Candidates for ForSubject<'_, '_> {
    fn existing(&self) -> Option<u64> {
        self.existing.map(u64::from)
    }

    fn allocate(&mut self) -> Result<u64, StoreError> {
        self.customers.allocate_id().map(u64::from)
    }

    fn prepare(&mut self, value: u64) -> Result<(), StoreError> {
        let mut record = self.customers.new_record(value, self.input)?;
        record.email_index_pending = true;
        self.customers.save(&record)?;
        // Nobody knows this id yet, so its link can be decided by writing it.
        let (key, _) = link_keys(record.customer.id);
        self.customers
            .store
            .set(&key, link_value(self.subject).to_string().as_bytes())?;
        self.prepared = Some(record);
        Ok(())
    }

    /// A customer created for the subject that lost, which nothing names.
    fn discard(&mut self, value: u64) {
        if let Ok(id) = u32::try_from(value) {
            let _ = self.customers.store.delete(&record_key(id));
            let _ = self.customers.store.delete(&link_keys(id).0);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::memory::{CallPhase, Faulty, MemoryStore};
    use crate::ports::{Clock, KeyValue};

    struct Still;

    impl Clock for Still {
        fn now_unix(&self) -> i64 {
            0
        }
        fn pause(&self, _: u64) {}
    }

    fn input(email: &str) -> CustomerInput {
        CustomerInput {
            firstname: "Roni".into(),
            lastname: "Cost".into(),
            email: email.into(),
            ..CustomerInput::default()
        }
    }

    fn login(store: &dyn KeyValue, email: &str, subject: &str) -> Result<Linked, StoreError> {
        Customers::new(store, &Still).find_or_create_linked(&input(email), subject)
    }

    fn id_of(linked: Linked) -> u32 {
        match linked {
            Linked::Customer(found) => found.record.customer.id,
            Linked::ToAnotherSubject => panic!("refused"),
        }
    }

    fn record_ids(store: &MemoryStore) -> Vec<u32> {
        store
            .keys()
            .iter()
            .filter_map(|key| key.strip_prefix("customer:")?.parse().ok())
            .collect()
    }

    #[test]
    fn a_subject_keeps_its_customer_and_an_email_keeps_its_subject() {
        let store = MemoryStore::default();
        let first = id_of(login(&store, "a@example.com", "google:1").unwrap());
        assert_eq!(
            id_of(login(&store, "b@example.com", "google:1").unwrap()),
            first
        );
        assert_eq!(
            login(&store, "A@example.com", "apple:2").unwrap(),
            Linked::ToAnotherSubject
        );
        let other = id_of(login(&store, "b@example.com", "apple:2").unwrap());
        assert_ne!(other, first);
        assert_eq!(record_ids(&store).len(), 2);
    }

    #[test]
    fn a_customer_created_by_email_is_linked_by_its_first_subject() {
        let store = MemoryStore::default();
        let legacy = Customers::new(&store, &Still)
            .find_or_create(&input("a@example.com"))
            .unwrap()
            .record
            .customer
            .id;
        assert_eq!(
            id_of(login(&store, "a@example.com", "google:1").unwrap()),
            legacy
        );
        assert_eq!(
            login(&store, "a@example.com", "apple:2").unwrap(),
            Linked::ToAnotherSubject
        );
        assert_eq!(
            id_of(login(&store, "z@example.com", "google:1").unwrap()),
            legacy
        );
    }

    fn concurrently(logins: Vec<(String, String)>) -> (Arc<MemoryStore>, Vec<Linked>) {
        let store = Arc::new(MemoryStore::default());
        let barrier = Arc::new(Barrier::new(logins.len()));
        let handles: Vec<_> = logins
            .into_iter()
            .map(|(email, subject)| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    Customers::new(&*store, &crate::clock::SystemClock)
                        .find_or_create_linked(&input(&email), &subject)
                        .unwrap()
                })
            })
            .collect();
        let results = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (store, results)
    }

    #[test]
    fn one_subject_with_many_emails_at_once_makes_one_customer() {
        let (store, results) = concurrently(
            (0..12)
                .map(|n| (format!("{n}@example.com"), "google:1".to_owned()))
                .collect(),
        );
        let ids: Vec<u32> = results.into_iter().map(id_of).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        assert_eq!(record_ids(&store), [ids[0]]);
    }

    #[test]
    fn many_subjects_with_one_existing_email_at_once_link_it_once() {
        let store = Arc::new(MemoryStore::default());
        let existing = Customers::new(&*store, &Still)
            .find_or_create(&input("a@example.com"))
            .unwrap()
            .record
            .customer
            .id;
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|n| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    Customers::new(&*store, &crate::clock::SystemClock)
                        .find_or_create_linked(&input("a@example.com"), &format!("google:{n}"))
                        .unwrap()
                })
            })
            .collect();
        let results: Vec<Linked> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let linked: Vec<&Linked> = results
            .iter()
            .filter(|result| **result != Linked::ToAnotherSubject)
            .collect();
        assert_eq!(linked.len(), 1, "{results:?}");
        assert_eq!(id_of(linked[0].clone()), existing);
        assert_eq!(record_ids(&store), [existing]);
    }

    #[test]
    fn many_subjects_with_one_new_email_at_once_never_share_a_customer() {
        let (store, results) = concurrently(
            (0..6)
                .map(|n| ("a@example.com".to_owned(), format!("google:{n}")))
                .collect(),
        );
        // Each subject that is not refused (the email went to another subject first) has a
        // customer of its own.
        let ids: Vec<u32> = results
            .into_iter()
            .filter(|result| *result != Linked::ToAnotherSubject)
            .map(id_of)
            .collect();
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(!ids.is_empty());
        assert_eq!(distinct.len(), ids.len(), "{ids:?}");
        // The email belongs to one of them: a later subject is refused.
        assert_eq!(
            login(&*store, "a@example.com", "apple:9").unwrap(),
            Linked::ToAnotherSubject
        );
    }

    fn calls_of_a_first_login() -> u64 {
        let store = Faulty::new(MemoryStore::default());
        login(&store, "a@example.com", "google:1").unwrap();
        store.calls()
    }

    #[test]
    fn after_a_failure_at_any_call_a_retry_finishes_with_one_customer() {
        for at in 1..=calls_of_a_first_login() {
            let store = Faulty::new(MemoryStore::default()).failing_at(&[at]);
            let _ = login(&store, "a@example.com", "google:1");
            let retried = id_of(login(&store, "a@example.com", "google:1").unwrap());
            assert_eq!(
                id_of(login(&store, "b@example.com", "google:1").unwrap()),
                retried,
                "at {at}"
            );
            assert_eq!(
                login(&store, "a@example.com", "apple:2").unwrap(),
                Linked::ToAnotherSubject,
                "at {at}"
            );
            assert_eq!(record_ids(store.inner()), [retried], "at {at}");
        }
    }

    #[test]
    fn a_login_stalled_at_any_step_agrees_with_the_one_served_meanwhile() {
        for stall in [CallPhase::Before, CallPhase::After] {
            for at in 1.. {
                let store = MemoryStore::default();
                let meanwhile = std::sync::Mutex::new(None);
                let stalled = Faulty::new(&store).stalling(at, stall, || {
                    *meanwhile.lock().unwrap() =
                        Some(id_of(login(&store, "b@example.com", "google:1").unwrap()));
                });
                let resumed = id_of(login(&stalled, "a@example.com", "google:1").unwrap());
                drop(stalled);
                let Some(meanwhile) = meanwhile.into_inner().unwrap() else {
                    break;
                };
                assert_eq!(resumed, meanwhile, "{stall:?} at {at}");
                assert_eq!(record_ids(&store), [meanwhile], "{stall:?} at {at}");
            }
        }
    }
}
