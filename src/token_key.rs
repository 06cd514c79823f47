//! The key that signs one customer's tokens (docs/tokens.md): HMAC-SHA256 under
//! `customer_token_secret` of the customer's id, the key material in its record and its
//! revocation generation. The token's bytes keep Magento's format; only the HS256 key differs
//! from customer to customer and from generation to generation.
//!
//! - The material is written into a customer's record when the record is created and never
//!   changes. A record created again under an id that was handed out before (a store that lost
//!   its latest writes hands the id out again) has other material, so no token of the earlier
//!   record verifies. It also keeps stores apart: two deployments configured alike never share
//!   a customer's material, though both have a customer 6.
//! - The generation is a counter per customer (`customer::Generations`) that a revocation
//!   increments: every token issued before it was signed with an earlier generation's key.

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::token::TokenKey;

/// `customer_token_secret`'s HMAC key schedule, computed once per request.
pub struct SecretKey(Hmac<Sha256>);

impl SecretKey {
    /// `None` only if the MAC refuses the key, which HMAC never does (it hashes long keys and
    /// pads short ones); the configuration enforces the 32-byte minimum.
    pub fn new(secret: &[u8]) -> Option<SecretKey> {
        Hmac::<Sha256>::new_from_slice(secret).ok().map(SecretKey)
    }

    /// The HS256 key of customer `id`'s tokens of `generation`: HMAC-SHA256 under the secret of
    /// `customer-token key\n{id}\n{material}\n{generation}`.
    pub fn for_customer(&self, id: u32, material: &KeyMaterial, generation: u64) -> TokenKey {
        let mut mac = self.0.clone();
        mac.update(b"customer-token key\n");
        let mut text = String::with_capacity(96);
        // Writing into a String cannot fail.
        let _ = write!(text, "{id}\n{}\n{generation}", material.text());
        mac.update(text.as_bytes());
        TokenKey::new(&mac.finalize().into_bytes().into())
    }
}

/// What makes a customer record's tokens its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// 16 random bytes as 32 lower-case hex digits, stored in the record (format 3 on).
    Random(String),
    /// A record of an earlier format, which has no material stored: its creation time and its
    /// email (trimmed, lower-cased), which it can never change. No write is needed, and two
    /// records share it only if created for the same email in the same second.
    Derived(String),
}

/// Bytes of randomness in [`KeyMaterial::Random`]: as many as a UUID's, so records never share it.
const RANDOM_BYTES: usize = 16;

impl KeyMaterial {
    /// Fresh material for a new record, from the platform's random source (`wasi:random` in the
    /// component).
    pub fn random() -> Result<KeyMaterial, getrandom::Error> {
        let mut bytes = [0u8; RANDOM_BYTES];
        getrandom::fill(&mut bytes)?;
        let mut hex = String::with_capacity(2 * RANDOM_BYTES);
        for byte in bytes {
            let _ = write!(hex, "{byte:02x}");
        }
        Ok(KeyMaterial::Random(hex))
    }

    /// The material of a record written without any.
    pub fn derived(created_at: &str, email: &str) -> KeyMaterial {
        KeyMaterial::Derived(format!("{created_at} {}", email.trim().to_lowercase()))
    }

    /// Stored material as read from a record: 32 lower-case hex digits, or `None`.
    pub fn stored(hex: &str) -> Option<KeyMaterial> {
        let well_formed = hex.len() == 2 * RANDOM_BYTES
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| KeyMaterial::Random(hex.to_owned()))
    }

    /// The text that goes into the key (the two forms cannot meet: hex has no space).
    pub fn text(&self) -> &str {
        match self {
            KeyMaterial::Random(hex) | KeyMaterial::Derived(hex) => hex,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::{self, Token, TokenError};

    const SECRET: &[u8] = b"customer-token-secret-0123456789abcdef";
    const MATERIAL: &str = "00112233445566778899aabbccddeeff";

    fn secret() -> SecretKey {
        SecretKey::new(SECRET).unwrap()
    }

    #[test]
    fn the_key_is_the_hmac_of_id_material_and_generation_under_the_secret() {
        // Computed independently with Python's hmac and base64: the key is HMAC-SHA256(SECRET,
        // "customer-token key\n6\n00112233445566778899aabbccddeeff\n0"), the token HS256 under
        // it for uid 6, iat 1748499421, 3600 s.
        let key = secret().for_customer(6, &KeyMaterial::stored(MATERIAL).unwrap(), 0);
        assert_eq!(
            token::issue(&key, 6, 1_748_499_421, 3_600),
            "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.eyJ1aWQiOjYsInV0eXBpZCI6MywiaWF0IjoxNzQ4NDk5NDIxLCJleHAiOjE3NDg1MDMwMjF9.\
             EApQbkh_9QNKW9gsOtIQGGO3i_ve1N4nJHiFumj-7Fo"
        );
    }

    #[test]
    fn another_id_material_or_generation_is_another_key() {
        let material = KeyMaterial::stored(MATERIAL).unwrap();
        let token = token::issue(&secret().for_customer(6, &material, 3), 6, 1_000, 60);
        let parsed = Token::parse(&token).unwrap();
        assert!(
            parsed
                .verify(&secret().for_customer(6, &material, 3), 1_001)
                .is_ok()
        );
        let other_material = KeyMaterial::stored(&"f".repeat(32)).unwrap();
        for key in [
            secret().for_customer(7, &material, 3),
            secret().for_customer(6, &other_material, 3),
            secret().for_customer(6, &material, 2),
            secret().for_customer(6, &material, 4),
            SecretKey::new(b"another secret of at least 32 bytes!")
                .unwrap()
                .for_customer(6, &material, 3),
        ] {
            assert_eq!(parsed.verify(&key, 1_001), Err(TokenError::BadSignature));
        }
    }

    #[test]
    fn random_material_is_fresh_each_time_and_reads_back() {
        let first = KeyMaterial::random().unwrap();
        let second = KeyMaterial::random().unwrap();
        assert_ne!(first, second);
        assert_eq!(KeyMaterial::stored(first.text()), Some(first));
    }

    #[test]
    fn only_32_lower_case_hex_digits_are_stored_material() {
        assert!(KeyMaterial::stored(MATERIAL).is_some());
        for junk in [
            "",
            "0011",
            &MATERIAL.to_uppercase(),
            &format!("{MATERIAL}0"),
            "00112233445566778899aabbccddeefg",
        ] {
            assert_eq!(KeyMaterial::stored(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn derived_material_follows_the_normalized_email() {
        assert_eq!(
            KeyMaterial::derived("2025-05-29 06:17:01", " Roni_Cost@Example.com "),
            KeyMaterial::derived("2025-05-29 06:17:01", "roni_cost@example.com")
        );
        assert_ne!(
            KeyMaterial::derived("2025-05-29 06:17:01", "roni_cost@example.com"),
            KeyMaterial::derived("2025-05-29 06:17:02", "roni_cost@example.com")
        );
    }
}
