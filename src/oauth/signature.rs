//! HMAC-SHA1 / HMAC-SHA256 signatures (RFC 5849 §3.4.2) and their constant-time check.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

use super::SignatureMethod;
use super::percent;

/// The HMAC key: `enc(consumer_secret) & enc(token_secret)` (RFC 5849 §3.4.2).
fn signing_key(consumer_secret: &str, token_secret: &str) -> Vec<u8> {
    let mut key = percent::encode(consumer_secret.as_bytes());
    key.push('&');
    percent::encode_into(&mut key, token_secret.as_bytes());
    key.into_bytes()
}

/// A keyed MAC of either kind, so that signing and checking share one code path.
enum AnyMac {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
}

impl AnyMac {
    /// `None` only if the HMAC implementation refused the key, which HMAC never does (any key
    /// length is valid); handled rather than unwrapped all the same.
    fn new(method: SignatureMethod, consumer_secret: &str, token_secret: &str) -> Option<Self> {
        let key = signing_key(consumer_secret, token_secret);
        Some(match method {
            SignatureMethod::HmacSha1 => AnyMac::Sha1(Hmac::<Sha1>::new_from_slice(&key).ok()?),
            SignatureMethod::HmacSha256 => {
                AnyMac::Sha256(Hmac::<Sha256>::new_from_slice(&key).ok()?)
            }
        })
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            AnyMac::Sha1(mac) => mac.update(data),
            AnyMac::Sha256(mac) => mac.update(data),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            AnyMac::Sha1(mac) => mac.finalize().into_bytes().to_vec(),
            AnyMac::Sha256(mac) => mac.finalize().into_bytes().to_vec(),
        }
    }

    /// Constant-time comparison (the `hmac` crate compares with `subtle`).
    fn verify(self, tag: &[u8]) -> bool {
        match self {
            AnyMac::Sha1(mac) => mac.verify_slice(tag).is_ok(),
            AnyMac::Sha256(mac) => mac.verify_slice(tag).is_ok(),
        }
    }
}

/// The signature of `base_string`, base64-encoded (standard alphabet, padded), as it goes into
/// `oauth_signature` before percent-encoding.
pub fn sign(
    method: SignatureMethod,
    consumer_secret: &str,
    token_secret: &str,
    base_string: &str,
) -> Option<String> {
    let mut mac = AnyMac::new(method, consumer_secret, token_secret)?;
    mac.update(base_string.as_bytes());
    Some(STANDARD.encode(mac.finalize()))
}

/// Whether `given` (the decoded `oauth_signature` value, i.e. base64 text) is the signature of
/// `base_string`. Text that is not canonical padded base64 is simply not a valid signature. The
/// MAC comparison takes the same time wherever the first difference is.
pub fn verify(
    method: SignatureMethod,
    consumer_secret: &str,
    token_secret: &str,
    base_string: &str,
    given: &[u8],
) -> bool {
    let Ok(tag) = STANDARD.decode(given) else {
        return false;
    };
    let Some(mut mac) = AnyMac::new(method, consumer_secret, token_secret) else {
        return false;
    };
    mac.update(base_string.as_bytes());
    mac.verify(&tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 5849 §1.2 (the signature printed in the RFC; oauthlib reproduces it, see
    // tests/vectors/oauth_vectors.py).
    const RFC_1_2_BASE: &str = "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal";

    #[test]
    fn rfc_5849_section_1_2_signature() {
        assert_eq!(
            sign(
                SignatureMethod::HmacSha1,
                "kd94hf93k423kf44",
                "pfkkdhi9sl3r4s00",
                RFC_1_2_BASE
            )
            .unwrap(),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
        assert!(verify(
            SignatureMethod::HmacSha1,
            "kd94hf93k423kf44",
            "pfkkdhi9sl3r4s00",
            RFC_1_2_BASE,
            b"MdpQcU8iPSUjWoN/UDMsK2sui9I="
        ));
    }

    #[test]
    fn oauthlib_vectors_sha256_and_key_encoding() {
        // V6 of tests/vectors/oauth_vectors.py (oauthlib 4.0.1): secrets with reserved and
        // non-ASCII characters, so the key's percent-encoding matters.
        let base = "POST&https%3A%2F%2Fshop.example.com%2Fgraphql&oauth_consumer_key%3Dkey%2520with%2520space%2526amp%26oauth_nonce%3Dn%252Fo%2520n%252Bc%253De%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000004%26oauth_token%3Dt%25C3%25B6ken%252F1%26oauth_version%3D1.0";
        assert_eq!(
            sign(
                SignatureMethod::HmacSha256,
                "s&e=c r+t~\u{e9}",
                "%41 b&c",
                base
            )
            .unwrap(),
            "n3f/5gbRqhzUyD0NQ0Ta2DPMc1l8wN5ykjoRJcUOTM8="
        );
        // V8: empty secrets, key is just "&".
        let base = "POST&http%3A%2F%2Fexample.com%2Fgraphql&oauth_consumer_key%3Dk%26oauth_nonce%3De%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000006%26oauth_token%3Dt%26oauth_version%3D1.0";
        assert_eq!(
            sign(SignatureMethod::HmacSha256, "", "", base).unwrap(),
            "gGOVcCND7EmvQ55Uk6G8HNPUSXckDm7sCl0e+fpdl/o="
        );
    }

    #[test]
    fn signing_key_encodes_both_secrets() {
        assert_eq!(signing_key("a&b", "c d"), b"a%26b&c%20d");
        assert_eq!(signing_key("", ""), b"&");
    }

    #[test]
    fn wrong_or_malformed_signatures_fail() {
        let good = "MdpQcU8iPSUjWoN/UDMsK2sui9I=";
        let check = |given: &[u8]| {
            verify(
                SignatureMethod::HmacSha1,
                "kd94hf93k423kf44",
                "pfkkdhi9sl3r4s00",
                RFC_1_2_BASE,
                given,
            )
        };
        assert!(check(good.as_bytes()));
        assert!(!check(b""));
        assert!(!check(b"MdpQcU8iPSUjWoN/UDMsK2sui9I")); // unpadded
        assert!(!check(b"MdpQcU8iPSUjWoN_UDMsK2sui9I=")); // URL-safe alphabet
        assert!(!check(b"MdpQcU8iPSUjWoN/UDMsK2sui9J=")); // non-canonical trailing bits
        assert!(!check(b"MdpQcU8iPSUjWoN/UDMsK2sui9E=")); // a different MAC
        assert!(!check(b"!!!!"));
        assert!(!check(b"MdpQcU8iPSUjWoN/UDMsK2sui9I=AAAA")); // longer
        assert!(!check(b"MdpQcU8i")); // a prefix
        // The right MAC under the other method's length is refused too.
        assert!(!verify(
            SignatureMethod::HmacSha256,
            "kd94hf93k423kf44",
            "pfkkdhi9sl3r4s00",
            RFC_1_2_BASE,
            good.as_bytes()
        ));
        // Every single-character change of the signature fails.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for index in 0..good.len() - 1 {
            for &replacement in alphabet {
                let mut changed = good.as_bytes().to_vec();
                if changed[index] == replacement {
                    continue;
                }
                changed[index] = replacement;
                assert!(!check(&changed), "{}", String::from_utf8_lossy(&changed));
            }
        }
    }

    #[test]
    fn one_byte_of_base_string_changed_fails() {
        let sig = sign(SignatureMethod::HmacSha256, "cs", "ts", RFC_1_2_BASE).unwrap();
        let mut changed = RFC_1_2_BASE.as_bytes().to_vec();
        for index in 0..changed.len() {
            let original = changed[index];
            changed[index] = original ^ 1;
            let base = String::from_utf8(changed.clone()).unwrap();
            assert!(!verify(
                SignatureMethod::HmacSha256,
                "cs",
                "ts",
                &base,
                sig.as_bytes()
            ));
            changed[index] = original;
        }
        assert!(verify(
            SignatureMethod::HmacSha256,
            "cs",
            "ts",
            RFC_1_2_BASE,
            sig.as_bytes()
        ));
    }
}
