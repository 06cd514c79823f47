//! The customer token (docs/contract.md §6): Magento_JwtUserToken's compact HS256 JWS.
//!
//! Written on `hmac` + `sha2` rather than a JWT crate because clients depend on the exact bytes:
//! the header must be `{"kid":"1","alg":"HS256"}` with `kid` first and the payload's members in
//! Magento's order, which general JWT libraries do not let a caller fix.
//!
//! Each customer's tokens have a key of their own (`token_key`), so a token is read in two
//! steps: [`Token::parse`] finds whose it claims to be, and [`Token::verify`] checks it with that
//! customer's key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const HEADER: &str = r#"{"kid":"1","alg":"HS256"}"#;
/// `utypid` 3 is Magento's user type for customers.
const CUSTOMER_USER_TYPE: i64 = 3;
/// Far above any token this component issues (~200 bytes); refusing early bounds the work an
/// attacker can make us do with an oversized Authorization header.
pub const MAX_TOKEN_BYTES: usize = 1024;

/// What a token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    pub uid: u32,
    /// Magento's user type (`utypid`): 3 for customers, 2 admins, 1 integrations.
    pub user_type: i64,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn is_customer(&self) -> bool {
        self.user_type == CUSTOMER_USER_TYPE
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts of JSON, too long, or claims of the wrong type.
    Malformed,
    /// The header is not Magento's (`kid` "1", `alg` "HS256").
    UnsupportedHeader,
    BadSignature,
    Expired,
}

/// The HS256 key with its HMAC key schedule computed once.
#[derive(Clone)]
pub struct TokenKey(HmacSha256);

impl TokenKey {
    /// A key of the 32 bytes of a derived key (see `token_key`).
    pub fn new(key: &[u8; 32]) -> TokenKey {
        // HMAC pads a key shorter than its 64-byte block with zeros (RFC 2104), so this is
        // that key, without the length check that can fail only for other key types.
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        TokenKey(<HmacSha256 as hmac::digest::KeyInit>::new(&block.into()))
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(message);
        mac
    }
}

/// Issues a token for customer `uid`, valid from `now` for `lifetime_seconds`.
pub fn issue(key: &TokenKey, uid: u32, now: i64, lifetime_seconds: i64) -> String {
    let payload = format!(
        r#"{{"uid":{uid},"utypid":{CUSTOMER_USER_TYPE},"iat":{now},"exp":{}}}"#,
        now.saturating_add(lifetime_seconds)
    );
    let mut token = String::with_capacity(256);
    token.push_str(&URL_SAFE_NO_PAD.encode(HEADER));
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = key.mac(token.as_bytes()).finalize().into_bytes();
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

/// A token taken apart but not yet checked: its claims say which customer's key checks it.
#[derive(Debug)]
pub struct Token<'a> {
    /// `header.payload`, the bytes the signature covers, as received.
    signed: &'a str,
    signature: Vec<u8>,
    header_is_magentos: bool,
    claims: Claims,
}

impl<'a> Token<'a> {
    /// Splits and decodes `token`; anything but three base64url parts of JSON objects with
    /// integer claims is [`TokenError::Malformed`].
    pub fn parse(token: &'a str) -> Result<Token<'a>, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let signed = token
            .get(..header.len() + 1 + payload.len())
            .ok_or(TokenError::Malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        let header = decode_json(header)?;
        let header_is_magentos = header.get("kid").and_then(Value::as_str) == Some("1")
            && header.get("alg").and_then(Value::as_str) == Some("HS256");
        let payload = decode_json(payload)?;
        let int = |name: &str| payload.get(name).and_then(Value::as_i64);
        let (Some(uid), Some(user_type), Some(iat), Some(exp)) =
            (int("uid"), int("utypid"), int("iat"), int("exp"))
        else {
            return Err(TokenError::Malformed);
        };
        let uid = u32::try_from(uid).map_err(|_| TokenError::Malformed)?;
        Ok(Token {
            signed,
            signature,
            header_is_magentos,
            claims: Claims {
                uid,
                user_type,
                iat,
                exp,
            },
        })
    }

    /// Whom the token claims to speak for; nothing is checked yet.
    pub fn claimed_uid(&self) -> u32 {
        self.claims.uid
    }

    /// Checks the token as Magento's `JwtUserToken\Model\Reader` does (signature, then header),
    /// then its expiry as `ExpirationValidator` does. The user type and revocation are the
    /// caller's checks.
    pub fn verify(&self, key: &TokenKey, now: i64) -> Result<Claims, TokenError> {
        key.mac(self.signed.as_bytes())
            .verify_slice(&self.signature)
            .map_err(|_| TokenError::BadSignature)?;
        if !self.header_is_magentos {
            return Err(TokenError::UnsupportedHeader);
        }
        if self.claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(self.claims)
    }
}

fn decode_json(part: &str) -> Result<serde_json::Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8; 32] = b"0123456789abcdef0123456789abcdef";

    fn key() -> TokenKey {
        TokenKey::new(SECRET)
    }

    fn verify(key: &TokenKey, token: &str, now: i64) -> Result<Claims, TokenError> {
        Token::parse(token)?.verify(key, now)
    }

    /// Computed with Python's `hmac`/`hashlib`/`base64` (independent of this code):
    /// header `{"kid":"1","alg":"HS256"}`, payload
    /// `{"uid":6,"utypid":3,"iat":1748499421,"exp":1748503021}`, key `SECRET`.
    const PYTHON_TOKEN: &str = "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.eyJ1aWQiOjYsInV0eXBpZCI6MywiaWF0IjoxNzQ4NDk5NDIxLCJleHAiOjE3NDg1MDMwMjF9.CklzpylIcFyz-vWLL-SBmn4pJs5NdRdjM2ZGRbFvQt8";
    /// The token printed in the contract's reference example (signed with an unknown key).
    const SEED_TOKEN: &str = "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.eyJ1aWQiOjYsInV0eXBpZCI6MywiaWF0IjoxNzQ4NDk5NDIxLCJleHAiOjE3NDg1MDMwMjF9.hDPDh41C4KOHloM2xlUYJ0asCqunQHCELG-3x_IsIZo";

    #[test]
    fn issues_the_exact_bytes_of_an_independent_implementation() {
        assert_eq!(issue(&key(), 6, 1_748_499_421, 3600), PYTHON_TOKEN);
    }

    #[test]
    fn header_and_payload_match_the_seed_example() {
        let ours = issue(&key(), 6, 1_748_499_421, 3600);
        let seed_signed_part = SEED_TOKEN.rsplit_once('.').unwrap().0;
        assert!(ours.starts_with(seed_signed_part));
    }

    #[test]
    fn verifies_its_own_tokens_until_they_expire() {
        let token = issue(&key(), 42, 1_000, 60);
        let parsed = Token::parse(&token).unwrap();
        assert_eq!(parsed.claimed_uid(), 42);
        assert_eq!(
            parsed.verify(&key(), 1_059).unwrap(),
            Claims {
                uid: 42,
                user_type: 3,
                iat: 1_000,
                exp: 1_060
            }
        );
        assert_eq!(parsed.verify(&key(), 1_060), Err(TokenError::Expired));
    }

    #[test]
    fn refuses_another_key_and_any_changed_byte() {
        assert_eq!(
            verify(
                &TokenKey::new(b"another key of thirty-two bytes!"),
                PYTHON_TOKEN,
                1_748_499_500
            ),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify(&key(), SEED_TOKEN, 1_748_499_500),
            Err(TokenError::BadSignature)
        );
        for index in 0..PYTHON_TOKEN.len() {
            let mut bytes = PYTHON_TOKEN.as_bytes().to_vec();
            bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            assert!(
                verify(&key(), &changed, 1_748_499_500).is_err(),
                "byte {index}"
            );
        }
    }

    fn sign_raw(header: &str, payload: &str) -> String {
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = key().mac(signed.as_bytes()).finalize().into_bytes();
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    #[test]
    fn refuses_foreign_headers_and_reads_other_user_types() {
        let payload = r#"{"uid":1,"utypid":3,"iat":0,"exp":99}"#;
        for header in [
            r#"{"kid":"2","alg":"HS256"}"#,
            r#"{"alg":"none"}"#,
            r#"{"kid":"1","alg":"HS512"}"#,
        ] {
            assert_eq!(
                verify(&key(), &sign_raw(header, payload), 1),
                Err(TokenError::UnsupportedHeader)
            );
        }
        let admin = r#"{"uid":1,"utypid":2,"iat":0,"exp":99}"#;
        let claims = verify(&key(), &sign_raw(HEADER, admin), 1).unwrap();
        assert!(!claims.is_customer());
        assert_eq!(claims.user_type, 2);
        let negative = r#"{"uid":-1,"utypid":3,"iat":0,"exp":99}"#;
        assert_eq!(
            verify(&key(), &sign_raw(HEADER, negative), 1),
            Err(TokenError::Malformed)
        );
        let text_uid = r#"{"uid":"1","utypid":3,"iat":0,"exp":99}"#;
        assert_eq!(
            verify(&key(), &sign_raw(HEADER, text_uid), 1),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn claims_that_are_not_an_object_of_integers_are_malformed() {
        for payload in [
            r#"[6,3,0,99999999999]"#,
            r#"{"uid":6.0,"utypid":3,"iat":0,"exp":99999999999}"#,
            r#"{"uid":"6","utypid":3,"iat":0,"exp":99999999999}"#,
            r#"{"uid":6,"utypid":3,"iat":0}"#,
            r#"{"uid":-1,"utypid":3,"iat":0,"exp":99999999999}"#,
        ] {
            let token = sign_raw(HEADER, payload);
            assert_eq!(
                Token::parse(&token).unwrap_err(),
                TokenError::Malformed,
                "{payload}"
            );
        }
        let header_array = sign_raw(
            r#"["1","HS256"]"#,
            r#"{"uid":6,"utypid":3,"iat":0,"exp":1}"#,
        );
        assert_eq!(
            Token::parse(&header_array).unwrap_err(),
            TokenError::Malformed
        );
        // Other members are ignored, as before.
        let extra = sign_raw(
            HEADER,
            r#"{"uid":6,"utypid":3,"iat":0,"exp":99999999999,"jti":"x"}"#,
        );
        assert_eq!(Token::parse(&extra).unwrap().claimed_uid(), 6);
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        for token in [
            "",
            ".",
            "..",
            "...",
            "a.b.c",
            "a.b",
            "é.é.é",
            "eyJ9.eyJ9.",
            &"A".repeat(5000),
        ] {
            assert!(verify(&key(), token, 0).is_err(), "{token}");
        }
    }
}
