//! Revoked customer tokens (docs/contract.md §6; Magento's `revokeCustomerToken` and
//! `RevokedValidator`): a generation per customer, part of the key its tokens are signed with
//! (`token_key`). A revocation moves it on, so every token issued before it stops verifying.
//!
//! Key: `customer-token-generation:{id}`, a counter (read with `increment(key, 0)`, never with
//! `get`). A revocation is one `increment` and nothing else: no read-modify-write and no
//! clock, so revocations racing each other all count, a login a moment after one gets a
//! working token, and hosts whose clocks disagree change nothing. It never touches the
//! customer's record, so it cannot lose a concurrent profile update.

use crate::ports::{KeyValue, StoreError};

pub struct Generations<'a> {
    store: &'a dyn KeyValue,
}

impl<'a> Generations<'a> {
    pub fn new(store: &'a dyn KeyValue) -> Self {
        Generations { store }
    }

    /// The generation customer `id`'s tokens are issued with now (0 before any revocation).
    pub fn current(&self, id: u32) -> Result<u64, StoreError> {
        self.store.increment(&key(id), 0)
    }

    /// Revokes every token of customer `id` issued up to now; returns the new generation.
    pub fn revoke(&self, id: u32) -> Result<u64, StoreError> {
        self.store.increment(&key(id), 1)
    }
}

fn key(id: u32) -> String {
    format!("customer-token-generation:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    #[test]
    fn each_revocation_moves_the_generation_on_by_one() {
        let store = MemoryStore::default();
        let generations = Generations::new(&store);
        assert_eq!(generations.current(6).unwrap(), 0);
        assert_eq!(generations.revoke(6).unwrap(), 1);
        assert_eq!(generations.revoke(6).unwrap(), 2);
        assert_eq!(generations.current(6).unwrap(), 2);
        assert_eq!(generations.current(7).unwrap(), 0);
        assert_eq!(
            store.increment("customer-token-generation:6", 0).unwrap(),
            2
        );
    }

    #[test]
    fn revocations_racing_each_other_all_count() {
        use std::sync::{Arc, Barrier};
        let store = Arc::new(MemoryStore::default());
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    Generations::new(&*store).revoke(6).unwrap()
                })
            })
            .collect();
        let mut seen: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (1..=8).collect::<Vec<_>>());
        assert_eq!(Generations::new(&*store).current(6).unwrap(), 8);
    }
}
