//! The key that signs this store's customer tokens: `customer_token_secret` bound to a random
//! value agreed on once per store, so that two deployments configured alike but keeping their
//! customers apart never accept each other's tokens (customer 6 on one is someone else on the
//! other). The token's bytes keep Magento's format; only the HS256 key differs per store.

use std::hash::BuildHasher;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::agreement::{Agreement, Candidates};
use crate::ports::{Clock, KeyValue, StoreError};
use crate::token::TokenKey;

/// The agreed value (decimal text), and the prefix of its agreement's keys.
pub const SALT_KEY: &str = "customer-token-store-salt";
const SALT_AGREEMENT: &str = "customer-token-store-salt-agreement";

/// The key to issue tokens with: one `get` once the store has its value; the first issue in a
/// store agrees on one, race-free among any number of first requests.
pub fn for_issuing(
    store: &dyn KeyValue,
    clock: &dyn Clock,
    secret: &[u8],
) -> Result<TokenKey, StoreError> {
    let salt = Agreement::new(store, clock, SALT_KEY, SALT_AGREEMENT)
        .agree(&mut RandomSalts)?
        .value;
    derive(secret, salt)
}

/// The key to check tokens with, or `None` if this store has never issued one (one `get`;
/// nothing is written, so junk tokens cost no write).
pub fn for_verifying(
    store: &dyn KeyValue,
    clock: &dyn Clock,
    secret: &[u8],
) -> Result<Option<TokenKey>, StoreError> {
    Agreement::new(store, clock, SALT_KEY, SALT_AGREEMENT)
        .decided()?
        .map(|salt| derive(secret, salt))
        .transpose()
}

/// HMAC-SHA256 of the store's value under `customer_token_secret`: the HS256 key.
pub fn derive(secret: &[u8], salt: u64) -> Result<TokenKey, StoreError> {
    let unusable = || StoreError("customer_token_secret is not usable as an HMAC key".into());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| unusable())?;
    mac.update(format!("customer-token store key {salt}").as_bytes());
    TokenKey::new(&mac.finalize().into_bytes()).ok_or_else(unusable)
}

/// Proposals of random values: nothing to prepare or undo.
struct RandomSalts;

impl Candidates for RandomSalts {
    fn allocate(&mut self) -> Result<u64, StoreError> {
        // std's `RandomState` is seeded from the platform's randomness (wasi:random inside the
        // component): enough for a value that must differ between stores, not stay secret,
        // and no extra crate for it.
        Ok(std::collections::hash_map::RandomState::new().hash_one(SALT_KEY))
    }

    fn prepare(&mut self, _: u64) -> Result<(), StoreError> {
        Ok(())
    }

    fn discard(&mut self, _: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::token;

    struct Still;

    impl Clock for Still {
        fn now_unix(&self) -> i64 {
            1_748_499_421
        }
        fn pause(&self, _: u64) {}
    }

    const SECRET: &[u8] = b"customer-token-secret-0123456789abcdef";

    #[test]
    fn stores_configured_alike_refuse_each_others_tokens() {
        let (home, away) = (MemoryStore::default(), MemoryStore::default());
        assert!(for_verifying(&home, &Still, SECRET).unwrap().is_none());
        let key = for_issuing(&home, &Still, SECRET).unwrap();
        let token = token::issue(&key, 6, 1_748_499_421, 3_600);
        let home_key = for_verifying(&home, &Still, SECRET).unwrap().unwrap();
        assert_eq!(
            token::verify(&home_key, &token, 1_748_499_421).unwrap().uid,
            6
        );
        let away_key = for_issuing(&away, &Still, SECRET).unwrap();
        assert_eq!(
            token::verify(&away_key, &token, 1_748_499_421).unwrap_err(),
            token::TokenError::BadSignature
        );
        assert_ne!(token::issue(&away_key, 6, 1_748_499_421, 3_600), token);
    }

    #[test]
    fn the_value_is_agreed_once_and_read_with_one_get() {
        let store = crate::memory::FailingStore::new(MemoryStore::default(), None);
        let first = for_issuing(&store, &Still, SECRET).unwrap();
        let calls = store.calls();
        let again = for_issuing(&store, &Still, SECRET).unwrap();
        assert_eq!(store.calls(), calls + 1);
        assert_eq!(
            token::issue(&first, 1, 0, 60),
            token::issue(&again, 1, 0, 60)
        );
    }

    #[test]
    fn the_key_is_the_hmac_of_the_value_under_the_secret() {
        // Computed independently with Python's hmac and base64: the key is
        // HMAC-SHA256(secret, "customer-token store key 42"), the token HS256 under it.
        let key = derive(SECRET, 42).unwrap();
        assert_eq!(
            token::issue(&key, 1, 0, 60),
            "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.eyJ1aWQiOjEsInV0eXBpZCI6MywiaWF0IjowLCJleHAiOjYwfQ.\
             R2_nIQfpPGmd2doBpJfxLnuUPAfK2qdQAaQr2WOP0B4"
        );
    }
}
