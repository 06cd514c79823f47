//! The product's keys in a named bucket, written in the key alphabet NATS JetStream allows
//! (`A-Z a-z 0-9 - _ / = .`, not starting or ending with `.`), so one layout serves every
//! wasmCloud store. One-to-one: `A-Z a-z 0-9 - _` stay; a `:` is `.` (the product's keys have no
//! `.`), except first, last or after another `:`, where it is `=3A`; every other byte is `=`
//! and two upper-case hex digits (`.` is `=2E`, `=` is `=3D`, `/` is `=2F`). So
//! `customer-email:3f9a...` is stored as `customer-email.3f9a...`. A key never contains `/` or
//! `..`, which the filesystem store would take for a path.

use alloc::string::String;

/// How `key` is stored in a named bucket.
pub fn stored(key: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = key.as_bytes();
    let mut stored = String::with_capacity(key.len());
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => stored.push(char::from(byte)),
            b':' if index > 0 && index + 1 < bytes.len() && bytes[index - 1] != b':' => {
                stored.push('.');
            }
            _ => {
                stored.push('=');
                stored.push(char::from(HEX[usize::from(byte >> 4)]));
                stored.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
    stored
}

#[cfg(test)]
mod tests {
    use super::stored;
    use std::collections::HashSet;
    use std::string::String;
    use std::vec::Vec;

    /// NATS JetStream's key rule (async-nats `is_valid_key`).
    fn nats_accepts(key: &str) -> bool {
        !key.is_empty()
            && !key.starts_with('.')
            && !key.ends_with('.')
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-/_=.".contains(&b))
    }

    #[test]
    fn the_products_keys_read_as_they_are_with_dots() {
        assert_eq!(stored("customer:6"), "customer.6");
        assert_eq!(stored("customer-next-id"), "customer-next-id");
        assert_eq!(
            stored("customer-email-agreement:ab12-proposal:3"),
            "customer-email-agreement.ab12-proposal.3"
        );
        assert_eq!(
            stored("oauth-nonce:2994315:e30b"),
            "oauth-nonce.2994315.e30b"
        );
    }

    #[test]
    fn every_key_is_one_nats_accepts_and_no_two_keys_meet() {
        let keys: Vec<String> = [
            "",
            ":",
            "::",
            ":a",
            "a:",
            "a::b",
            "a.b",
            "a=2Eb",
            "a/b",
            "../x",
            "é",
            "a b",
            "customer:1",
            "customer.1",
            "customer=2E1",
            "=3A",
            "a:b:c",
        ]
        .iter()
        .map(|key| String::from(*key))
        .collect();
        let mut seen = HashSet::new();
        for key in &keys {
            let written = stored(key);
            assert!(
                key.is_empty() || nats_accepts(&written),
                "{key:?} -> {written:?}"
            );
            assert!(
                !written.contains('/') && !written.contains(".."),
                "{written:?}"
            );
            assert!(seen.insert(written.clone()), "{key:?} -> {written:?} twice");
        }
    }
}
