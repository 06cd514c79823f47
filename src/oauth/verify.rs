//! The server-side check of a signed request.
//!
//! # Check order
//!
//! The first failing check decides the refusal:
//!
//! 0. The parameters can be read: a malformed `Authorization: OAuth ...` header, a bad `%`
//!    escape in the header, query or form body, or an `oauth_*` parameter sent more than once
//!    (in one place or across header, query and body; RFC 5849 §3.5) → `signature_invalid`:
//!    such a request has no well-defined signature base string. (A header with another scheme,
//!    such as `Bearer`, simply contributes no parameters.)
//! 1. All of [`REQUIRED`] present → otherwise `parameter_absent` with the missing names in that
//!    order.
//! 2. `oauth_version`, if present, is `1.0` → `version_rejected`.
//! 3. `oauth_signature_method` is `HMAC-SHA256` or `HMAC-SHA1` → `signature_method_rejected`.
//! 4. `oauth_timestamp` is a decimal integer within [`MAX_CLOCK_SKEW`] seconds of now, either
//!    direction → `timestamp_refused`.
//! 5. `oauth_consumer_key` is the configured one (constant time) → `consumer_key_rejected`.
//! 6. `oauth_token` is the configured one (constant time) → `token_rejected`.
//! 7. `oauth_signature` verifies (constant time) → `signature_invalid`.
//! 8. The nonce is claimed in the store (only now, so unsigned junk stores nothing) →
//!    `nonce_used`; after a successful claim, a bounded sweep removes dead nonces.
//!
//! Steps 0–7 touch no storage ([`Verifier::check`]); step 8 is [`Verifier::verify`].

use subtle::ConstantTimeEq;

use super::base_string::{self, split_public_base_url};
use super::nonce::{self, Claim};
use super::params::{self, Param};
use super::{Credentials, Problem, SignatureMethod, SignedRequest, VerifyError, signature};
use crate::ports::KeyValue;

/// The protocol parameters every request must carry, in the order `parameter_absent` names them.
pub const REQUIRED: [&str; 6] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
];

/// How far `oauth_timestamp` may be from now, in either direction, in seconds.
pub const MAX_CLOCK_SKEW: i64 = nonce::WINDOW_SECONDS;

/// Checks requests against the integration's credentials at time `now` (Unix seconds).
pub struct Verifier<'a> {
    pub credentials: &'a Credentials,
    /// `scheme://host[:port]` (a trailing `/` allowed) that replaces the request's scheme and
    /// authority in the base string URI, for a component behind TLS termination or a proxy.
    /// A value that [`split_public_base_url`] does not accept refuses every request with
    /// `signature_invalid`; configuration loading should validate it with that function.
    pub public_base_url: Option<&'a str>,
    /// Refuse a request without `oauth_body_hash` (`oauth_require_body_hash`).
    pub require_body_hash: bool,
    pub now: i64,
}

/// Whether an accepted request's nonce claim is due to run [`nonce::sweep`] (most are not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct SweepDue(pub bool);

/// What a request that passed steps 0–7 carries, for the nonce claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub signature_method: SignatureMethod,
    pub timestamp: i64,
    pub nonce: Vec<u8>,
}

impl Verifier<'_> {
    /// Full check; claims the nonce in `store` only after the signature verified.
    /// When the answer says a sweep is due, the caller should run [`nonce::sweep`] so that stored
    /// nonces stay bounded; a failure there is worth a log line, not a refusal of the authentic
    /// request.
    pub fn verify(
        &self,
        request: &SignedRequest<'_>,
        store: &dyn KeyValue,
    ) -> Result<SweepDue, VerifyError> {
        let shaped = check_shape(request, self.now, self.require_body_hash)?;
        self.verify_shaped(request, &shaped, store)
    }

    /// [`Verifier::verify`] for a request whose parameters already passed [`check_shape`].
    pub fn verify_shaped(
        &self,
        request: &SignedRequest<'_>,
        shaped: &Shaped,
        store: &dyn KeyValue,
    ) -> Result<SweepDue, VerifyError> {
        let verified = self.check_shaped(request, shaped)?;
        match nonce::claim(
            store,
            self.credentials.consumer_key.as_bytes(),
            &verified.nonce,
            verified.timestamp,
            self.now,
        )? {
            Claim::AlreadyUsed => Err(VerifyError::Refused(Problem::NonceUsed)),
            Claim::Claimed { sweep_due } => Ok(SweepDue(sweep_due)),
        }
    }

    /// Steps 0–8 of the module docs: everything but the nonce; touches no storage.
    pub fn check(&self, request: &SignedRequest<'_>) -> Result<Verified, Problem> {
        self.check_shaped(
            request,
            &check_shape(request, self.now, self.require_body_hash)?,
        )
    }

    /// Steps 5–8, for a request whose parameters passed steps 0–4 ([`check_shape`], which may
    /// have run without the body-hash requirement).
    fn check_shaped(
        &self,
        request: &SignedRequest<'_>,
        shaped: &Shaped,
    ) -> Result<Verified, Problem> {
        let params = shaped.0.as_slice();
        if self.require_body_hash && params::find(params, BODY_HASH).is_none() {
            return Err(Problem::ParameterAbsent(vec![BODY_HASH.to_owned()]));
        }
        let consumer_key = required(params, "oauth_consumer_key")?;
        let token = required(params, "oauth_token")?;
        let method_name = required(params, "oauth_signature_method")?;
        let timestamp = required(params, "oauth_timestamp")?;
        let nonce = required(params, "oauth_nonce")?;
        let given_signature = required(params, "oauth_signature")?;
        let signature_method =
            SignatureMethod::from_name(method_name).ok_or(Problem::SignatureMethodRejected)?;
        let timestamp = parse_timestamp(timestamp).ok_or(Problem::TimestampRefused)?;

        // 5. and 6. Consumer key and token.
        if !constant_time_eq(consumer_key, self.credentials.consumer_key.as_bytes()) {
            return Err(Problem::ConsumerKeyRejected);
        }
        if !constant_time_eq(token, self.credentials.token.as_bytes()) {
            return Err(Problem::TokenRejected);
        }

        // 7. Signature.
        let (scheme, authority) = match self.public_base_url {
            Some(url) => split_public_base_url(url).ok_or(Problem::SignatureInvalid)?,
            None => (request.scheme, request.authority),
        };
        let uri = base_string::base_uri(scheme, authority, request.path);
        let base =
            base_string::base_string(request.method, &uri, &base_string::normalize_params(params));
        if !signature::verify(
            signature_method,
            &self.credentials.consumer_secret,
            &self.credentials.token_secret,
            &base,
            given_signature,
        ) {
            return Err(Problem::SignatureInvalid);
        }

        // 8. The body, when the signature covers it (`oauth_body_hash`).
        if let Some(given) = params::find(params, BODY_HASH)
            && !body_hash_matches(signature_method, request.body, given)
        {
            return Err(Problem::SignatureInvalid);
        }

        Ok(Verified {
            signature_method,
            timestamp,
            nonce: nonce.to_vec(),
        })
    }
}

const BODY_HASH: &str = "oauth_body_hash";

/// `oauth_body_hash` against the raw body: the signature method's hash, as the Request Body
/// Hash extension defines it; for HMAC-SHA256 also SHA-1, which Python's oauthlib sends for
/// every method. Either way the signature covers a hash of exactly this body.
fn body_hash_matches(signature_method: SignatureMethod, body: &[u8], given: &[u8]) -> bool {
    let matches = |method| constant_time_eq(super::sign::body_hash(method, body).as_bytes(), given);
    matches(signature_method)
        || (signature_method == SignatureMethod::HmacSha256 && matches(SignatureMethod::HmacSha1))
}

/// A request's parameters that passed steps 0–4 ([`check_shape`]).
#[derive(Debug)]
pub struct Shaped(Vec<Param>);

/// Steps 0–4 of the module docs: what a request must carry before any credential is looked
/// at, so that a request failing them is refused without reading the configuration. The
/// parameters it returns serve the rest of the check, so they are read once.
pub fn check_shape(
    request: &SignedRequest<'_>,
    now: i64,
    require_body_hash: bool,
) -> Result<Shaped, Problem> {
    // 0. Readable parameters, no protocol parameter twice.
    let params = params::collect(request).map_err(|_| Problem::SignatureInvalid)?;
    if !params::duplicated_protocol_params(&params).is_empty() {
        return Err(Problem::SignatureInvalid);
    }

    // 1. Required parameters.
    let body_hash_required = require_body_hash.then_some(BODY_HASH);
    let absent: Vec<String> = REQUIRED
        .iter()
        .chain(&body_hash_required)
        .filter(|name| params::find(&params, name).is_none())
        .map(|name| name.to_string())
        .collect();
    if !absent.is_empty() {
        return Err(Problem::ParameterAbsent(absent));
    }
    let method_name = required(&params, "oauth_signature_method")?;
    let timestamp = required(&params, "oauth_timestamp")?;

    // 2. Version.
    if let Some(version) = params::find(&params, "oauth_version")
        && version != b"1.0"
    {
        return Err(Problem::VersionRejected);
    }

    // 3. Signature method.
    SignatureMethod::from_name(method_name).ok_or(Problem::SignatureMethodRejected)?;

    // 4. Timestamp.
    let timestamp = parse_timestamp(timestamp).ok_or(Problem::TimestampRefused)?;
    if (i128::from(timestamp) - i128::from(now)).abs() > i128::from(MAX_CLOCK_SKEW) {
        return Err(Problem::TimestampRefused);
    }

    Ok(Shaped(params))
}

/// The value of a parameter known to be present (step 1 checked); absent all the same is
/// reported rather than unwrapped.
fn required<'p>(params: &'p [Param], name: &str) -> Result<&'p [u8], Problem> {
    params::find(params, name).ok_or_else(|| Problem::ParameterAbsent(vec![name.to_string()]))
}

/// A timestamp: one or more ASCII digits (no sign, no spaces), at most 18 significant ones.
fn parse_timestamp(raw: &[u8]) -> Option<i64> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let significant = raw
        .iter()
        .position(|&b| b != b'0')
        .and_then(|at| raw.get(at..))
        .unwrap_or_default();
    if significant.len() > 18 {
        return None;
    }
    std::str::from_utf8(significant)
        .ok()
        .map(|digits| if digits.is_empty() { "0" } else { digits })
        .and_then(|digits| digits.parse::<i64>().ok())
}

/// Equality whose time does not depend on the contents (`subtle`); a length that differs is
/// told at once. What it compares is public: the consumer key and the token travel in clear in
/// every request's `Authorization` header (the secrets that sign are never compared, only
/// used as HMAC keys), and a body hash is a hash of the body sent. Hashing both sides first, to
/// hide the lengths too, was four SHA-256 compressions of each exchange.
fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    bool::from(given.ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::super::nonce::tests::MemStore;
    use super::super::percent;
    use super::super::sign::{authorization_header, signature_base_string};
    use super::*;

    fn vector_credentials() -> Credentials {
        Credentials {
            consumer_key: "ck-3f9a1c".into(),
            consumer_secret: "cs-8d7e6f5a4b3c2d1e".into(),
            token: "tk-0a1b2c3d".into(),
            token_secret: "ts-9z8y7x6w5v4u".into(),
        }
    }

    fn post<'a>(authority: &'a str, path: &'a str, authorization: &'a str) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            scheme: "http",
            authority,
            path,
            query: None,
            authorization: Some(authorization),
            form_body: None,
            body: b"",
        }
    }

    fn post_with_body<'a>(
        authority: &'a str,
        path: &'a str,
        authorization: &'a str,
        body: &'a [u8],
    ) -> SignedRequest<'a> {
        SignedRequest {
            body,
            ..post(authority, path, authorization)
        }
    }

    fn verifier(credentials: &Credentials, now: i64) -> Verifier<'_> {
        Verifier {
            credentials,
            public_base_url: None,
            require_body_hash: false,
            now,
        }
    }

    fn check(
        credentials: &Credentials,
        now: i64,
        request: &SignedRequest<'_>,
    ) -> Result<Verified, Problem> {
        verifier(credentials, now).check(request)
    }

    /// `OAuth name="enc(value)", ...` built by hand.
    fn header(pairs: &[(&str, &str)]) -> String {
        let parts: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", percent::encode(value.as_bytes())))
            .collect();
        format!("OAuth {}", parts.join(", "))
    }

    /// A correctly signed header (signed with this crate's signer) for `url` with `params`
    /// as the protocol parameters other than the signature.
    fn signed_header(
        method: &str,
        url: &str,
        protocol: &[(&str, &str)],
        form: &[(&str, &str)],
        credentials: &Credentials,
        signature_method: SignatureMethod,
    ) -> String {
        let mut all: Vec<(String, String)> = protocol
            .iter()
            .chain(form.iter())
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        all.retain(|(name, _)| name != "oauth_signature");
        let base = signature_base_string(method, url, &all).unwrap();
        let sig = signature::sign(
            signature_method,
            &credentials.consumer_secret,
            &credentials.token_secret,
            &base,
        )
        .unwrap();
        let mut pairs = protocol.to_vec();
        pairs.push(("oauth_signature", &sig));
        header(&pairs)
    }

    fn standard_protocol(timestamp: &str) -> Vec<(&'static str, String)> {
        vec![
            ("oauth_consumer_key", "ck-3f9a1c".to_string()),
            ("oauth_token", "tk-0a1b2c3d".to_string()),
            ("oauth_signature_method", "HMAC-SHA256".to_string()),
            ("oauth_timestamp", timestamp.to_string()),
            ("oauth_nonce", "nonce-1".to_string()),
            ("oauth_version", "1.0".to_string()),
        ]
    }

    fn as_refs<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        pairs.iter().map(|(a, b)| (*a, b.as_str())).collect()
    }

    // ----- Independent vectors (tests/vectors/oauth_vectors.py, oauthlib 4.0.1; RFC 5849) -----

    #[test]
    fn rfc_5849_section_1_2_request() {
        let credentials = Credentials {
            consumer_key: "dpf43f3p2l4k3l03".into(),
            consumer_secret: "kd94hf93k423kf44".into(),
            token: "nnch734d00sl2jdk".into(),
            token_secret: "pfkkdhi9sl3r4s00".into(),
        };
        let request = SignedRequest {
            method: "GET",
            scheme: "http",
            authority: "photos.example.net",
            path: "/photos",
            query: Some("file=vacation.jpg&size=original"),
            authorization: Some(
                r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#,
            ),
            form_body: None,
            body: b"",
        };
        let store = MemStore::default();
        // The first claim in a fresh store is due to sweep.
        assert_eq!(
            verifier(&credentials, 137131202)
                .verify(&request, &store)
                .unwrap(),
            SweepDue(true)
        );
    }

    #[test]
    fn oauth_core_appendix_a5_request() {
        let credentials = Credentials {
            consumer_key: "dpf43f3p2l4k3l03".into(),
            consumer_secret: "kd94hf93k423kf44".into(),
            token: "nnch734d00sl2jdk".into(),
            token_secret: "pfkkdhi9sl3r4s00".into(),
        };
        let request = SignedRequest {
            method: "GET",
            scheme: "http",
            authority: "photos.example.net",
            path: "/photos",
            query: Some("file=vacation.jpg&size=original"),
            authorization: Some(
                "OAuth oauth_nonce=\"kllo9940pd9333jh\", oauth_timestamp=\"1191242096\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_token=\"nnch734d00sl2jdk\", oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\"",
            ),
            form_body: None,
            body: b"",
        };
        assert_eq!(
            check(&credentials, 1191242096, &request).unwrap(),
            Verified {
                signature_method: SignatureMethod::HmacSha1,
                timestamp: 1191242096,
                nonce: b"kllo9940pd9333jh".to_vec(),
            }
        );
    }

    /// The JSON body oauthlib signed V1 with (its `oauth_body_hash` is this body's SHA-1).
    const V1_BODY: &[u8] = br#"{"query":"{ __typename }"}"#;
    const V1_HEADER: &str = "OAuth oauth_nonce=\"n0nce-V1\", oauth_timestamp=\"1748499421\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_body_hash=\"S4q9rWQTBG1qlRf6oG5M0Pd77Uo%3D\", oauth_signature=\"PwM7AvWARnN%2FbOOgJXFY6q%2BshdGM3BV%2FuFR%2BqGax4Ig%3D\"";

    #[test]
    fn oauthlib_v1_sha256_https_json_body_with_extra_header_param() {
        let credentials = vector_credentials();
        let request = SignedRequest {
            scheme: "https",
            ..post_with_body("shop.example.com", "/graphql", V1_HEADER, V1_BODY)
        };
        let store = MemStore::default();
        assert_eq!(
            verifier(&credentials, 1748499421)
                .verify(&request, &store)
                .unwrap(),
            SweepDue(true)
        );
    }

    #[test]
    fn oauthlibs_body_hash_binds_the_body() {
        let credentials = vector_credentials();
        let request = SignedRequest {
            scheme: "https",
            ..post_with_body("shop.example.com", "/graphql", V1_HEADER, b"{}")
        };
        assert_eq!(
            check(&credentials, 1748499421, &request),
            Err(Problem::SignatureInvalid)
        );
        let required = Verifier {
            require_body_hash: true,
            ..verifier(&credentials, 1748499421)
        };
        let without = post(
            "shop.example.com",
            "/graphql",
            "OAuth oauth_nonce=\"n\", oauth_timestamp=\"1748499421\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"x\"",
        );
        assert_eq!(
            required.check(&without),
            Err(Problem::ParameterAbsent(vec!["oauth_body_hash".into()]))
        );
    }

    #[test]
    fn oauthlib_v2_query_params() {
        let credentials = vector_credentials();
        let request = SignedRequest {
            query: Some(
                "b=2&a=x%20y&a=x+y&plus=%2B&r=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D&u=J%C3%BCrgen%E2%82%AC&empty=&tilde=~-._",
            ),
            ..post(
                "api.example.com",
                "/graphql",
                "OAuth oauth_nonce=\"abcDEF123\", oauth_timestamp=\"1700000000\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"2wHGiMk2vgXVfsm%2BelFYrb0Ye5k%3D\"",
            )
        };
        check(&credentials, 1700000000, &request).unwrap();
        // The same query with one "+" turned into "%2B" is another request.
        let changed = SignedRequest {
            query: Some(
                "b=2&a=x%20y&a=x%2By&plus=%2B&r=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D&u=J%C3%BCrgen%E2%82%AC&empty=&tilde=~-._",
            ),
            ..request
        };
        assert_eq!(
            check(&credentials, 1700000000, &changed),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn oauthlib_v3_form_body_and_query() {
        let credentials = vector_credentials();
        let request = SignedRequest {
            scheme: "https",
            query: Some("z=last"),
            form_body: Some(b"name=J%C3%BCrgen+M%C3%BCller&a=1&a=0&sp=a%20b&amp=%26&z=first"),
            body: b"name=J%C3%BCrgen+M%C3%BCller&a=1&a=0&sp=a%20b&amp=%26&z=first",
            ..post(
                "shop.example.com",
                "/graphql",
                "OAuth oauth_nonce=\"f0rm\", oauth_timestamp=\"1700000001\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"9K78jiPtPyLQIhUFKsF%2FUhFKd7kPGKEM8gObNFgpMX8%3D\"",
            )
        };
        check(&credentials, 1700000001, &request).unwrap();
        // Without the form body (e.g. sent as JSON instead) the signature no longer matches.
        let without_body = SignedRequest {
            form_body: None,
            body: b"",
            ..request
        };
        assert_eq!(
            check(&credentials, 1700000001, &without_body),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn oauthlib_v4_explicit_port_and_upper_case_host() {
        let credentials = vector_credentials();
        let header = "OAuth oauth_nonce=\"p0rt\", oauth_timestamp=\"1700000002\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_body_hash=\"vyGp6PvFo4RvsFtPoIWeCReyIC8%3D\", oauth_signature=\"iW0bik4SCF21Cr7iOEOWLyOqpbzLVAPqG34wo%2Bj0vXE%3D\"";
        check(
            &credentials,
            1700000002,
            &post_with_body("LocalHost:8080", "/graphql", header, b"{}"),
        )
        .unwrap();
        check(
            &credentials,
            1700000002,
            &post_with_body("localhost:8080", "/graphql", header, b"{}"),
        )
        .unwrap();
        assert_eq!(
            check(
                &credentials,
                1700000002,
                &post("localhost", "/graphql", header)
            ),
            Err(Problem::SignatureInvalid)
        );
        assert_eq!(
            check(
                &credentials,
                1700000002,
                &post("localhost:8081", "/graphql", header)
            ),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn oauthlib_v5_realm_and_default_https_port() {
        let credentials = vector_credentials();
        let header = "OAuth realm=\"Commerce\", oauth_nonce=\"r3alm\", oauth_timestamp=\"1700000003\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"1iOyfw4X2snLYopvBlpQtK1HKaQ%3D\"";
        for authority in [
            "Shop.Example.COM:443",
            "shop.example.com",
            "SHOP.example.com:443",
        ] {
            let request = SignedRequest {
                scheme: "HTTPS",
                ..post(authority, "/graphql", header)
            };
            check(&credentials, 1700000003, &request).unwrap();
        }
    }

    #[test]
    fn oauthlib_v6_encoded_credentials_and_nonce() {
        let credentials = Credentials {
            consumer_key: "key with space&amp".into(),
            consumer_secret: "s&e=c r+t~\u{e9}".into(),
            token: "t\u{f6}ken/1".into(),
            token_secret: "%41 b&c".into(),
        };
        let header = "OAuth oauth_nonce=\"n%2Fo%20n%2Bc%3De\", oauth_timestamp=\"1700000004\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"key%20with%20space%26amp\", oauth_token=\"t%C3%B6ken%2F1\", oauth_signature=\"n3f%2F5gbRqhzUyD0NQ0Ta2DPMc1l8wN5ykjoRJcUOTM8%3D\"";
        let request = SignedRequest {
            scheme: "https",
            ..post("shop.example.com", "/graphql", header)
        };
        let verified = check(&credentials, 1700000004, &request).unwrap();
        assert_eq!(verified.nonce, b"n/o n+c=e");
    }

    #[test]
    fn oauthlib_v7_encoded_path_and_get() {
        let credentials = vector_credentials();
        let header = "OAuth oauth_nonce=\"p4th\", oauth_timestamp=\"1700000005\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"%2Fne4wEDCglygxu9WzgHdnEaz9ZU%3D\"";
        let request = SignedRequest {
            method: "GET",
            ..post("example.com", "/a%20b/c%2Fd~e", header)
        };
        check(&credentials, 1700000005, &request).unwrap();
        // The path is taken as received: its decoded form is not the same path.
        let decoded_path = SignedRequest {
            path: "/a b/c/d~e",
            ..request
        };
        assert_eq!(
            check(&credentials, 1700000005, &decoded_path),
            Err(Problem::SignatureInvalid)
        );
        let lower_escapes = SignedRequest {
            path: "/a%20b/c%2fd~e",
            ..request
        };
        assert_eq!(
            check(&credentials, 1700000005, &lower_escapes),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn oauthlib_v8_empty_secrets_and_port_80() {
        let credentials = Credentials {
            consumer_key: "k".into(),
            consumer_secret: String::new(),
            token: "t".into(),
            token_secret: String::new(),
        };
        let header = "OAuth oauth_nonce=\"e\", oauth_timestamp=\"1700000006\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"k\", oauth_token=\"t\", oauth_signature=\"gGOVcCND7EmvQ55Uk6G8HNPUSXckDm7sCl0e%2Bfpdl%2Fo%3D\"";
        check(
            &credentials,
            1700000006,
            &post("example.com:80", "/graphql", header),
        )
        .unwrap();
        check(
            &credentials,
            1700000006,
            &post("example.com", "/graphql", header),
        )
        .unwrap();
    }

    // ----- public_base_url -----

    #[test]
    fn public_base_url_replaces_scheme_and_authority() {
        let credentials = vector_credentials();
        // V1 was signed for https://shop.example.com/graphql; it arrives over plain http at an
        // internal address.
        let request = post_with_body("10.0.0.7:3000", "/graphql", V1_HEADER, V1_BODY);
        assert_eq!(
            check(&credentials, 1748499421, &request),
            Err(Problem::SignatureInvalid)
        );
        for base in [
            "https://shop.example.com",
            "https://shop.example.com/",
            "https://SHOP.example.com:443",
            "HTTPS://shop.example.com",
        ] {
            let verifier = Verifier {
                credentials: &credentials,
                public_base_url: Some(base),
                require_body_hash: false,
                now: 1748499421,
            };
            verifier.check(&request).unwrap();
        }
        for base in [
            "http://shop.example.com",
            "https://shop.example.com:8443",
            "https://other.example.com",
        ] {
            let verifier = Verifier {
                credentials: &credentials,
                public_base_url: Some(base),
                require_body_hash: false,
                now: 1748499421,
            };
            assert_eq!(
                verifier.check(&request),
                Err(Problem::SignatureInvalid),
                "{base}"
            );
        }
        // A non-default port in the public URL is kept.
        let header = "OAuth oauth_nonce=\"p0rt\", oauth_timestamp=\"1700000002\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_body_hash=\"vyGp6PvFo4RvsFtPoIWeCReyIC8%3D\", oauth_signature=\"iW0bik4SCF21Cr7iOEOWLyOqpbzLVAPqG34wo%2Bj0vXE%3D\"";
        let verifier = Verifier {
            credentials: &credentials,
            public_base_url: Some("http://localhost:8080"),
            require_body_hash: false,
            now: 1700000002,
        };
        verifier
            .check(&post_with_body("internal", "/graphql", header, b"{}"))
            .unwrap();
    }

    #[test]
    fn unusable_public_base_url_refuses() {
        let credentials = vector_credentials();
        let verifier = Verifier {
            credentials: &credentials,
            public_base_url: Some("shop.example.com"),
            require_body_hash: false,
            now: 1748499421,
        };
        let request = SignedRequest {
            scheme: "https",
            ..post_with_body("shop.example.com", "/graphql", V1_HEADER, V1_BODY)
        };
        assert_eq!(verifier.check(&request), Err(Problem::SignatureInvalid));
    }

    // ----- Round trips -----

    #[test]
    fn sign_then_verify_round_trip() {
        let credentials = Credentials {
            consumer_key: "consumer".into(),
            consumer_secret: "secret with spaces & ampersands".into(),
            token: "token".into(),
            token_secret: "ünïcödé".into(),
        };
        let store = MemStore::default();
        let now = 1_750_000_000;
        for (i, method) in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256]
            .into_iter()
            .enumerate()
        {
            let nonce = format!("round-trip-{i}");
            let header = authorization_header(
                "POST",
                "https://shop.example.com/graphql?x=1+2&y=%26",
                &[("form".to_string(), "a b+c".to_string())],
                &credentials,
                method,
                now,
                &nonce,
            )
            .unwrap();
            let request = SignedRequest {
                method: "POST",
                scheme: "http",
                authority: "internal:8080",
                path: "/graphql",
                query: Some("x=1+2&y=%26"),
                authorization: Some(&header),
                form_body: Some(b"form=a+b%2Bc"),
                body: b"form=a+b%2Bc",
            };
            let verifier = Verifier {
                credentials: &credentials,
                public_base_url: Some("https://shop.example.com"),
                require_body_hash: false,
                now,
            };
            // Both requests fall in one bucket: only the first claim of it is due to sweep.
            assert_eq!(verifier.verify(&request, &store).unwrap(), SweepDue(i == 0));
            // Replaying it is refused.
            assert!(matches!(
                verifier.verify(&request, &store),
                Err(VerifyError::Refused(Problem::NonceUsed))
            ));
        }
    }

    #[test]
    fn one_byte_changed_anywhere_is_signature_invalid() {
        let credentials = vector_credentials();
        let now = 1_750_000_000;
        let url = "https://shop.example.com/graphql?q=1";
        let header = authorization_header(
            "POST",
            url,
            &[("f".to_string(), "v".to_string())],
            &credentials,
            SignatureMethod::HmacSha256,
            now,
            "abc",
        )
        .unwrap();
        let good = SignedRequest {
            method: "POST",
            scheme: "https",
            authority: "shop.example.com",
            path: "/graphql",
            query: Some("q=1"),
            authorization: Some(&header),
            form_body: Some(b"f=v"),
            body: b"f=v",
        };
        check(&credentials, now, &good).unwrap();

        let bad = |request: SignedRequest<'_>| {
            assert_eq!(
                check(&credentials, now, &request),
                Err(Problem::SignatureInvalid),
                "{request:?}"
            );
        };
        bad(SignedRequest {
            method: "PUT",
            ..good
        });
        bad(SignedRequest {
            scheme: "http",
            ..good
        });
        bad(SignedRequest {
            authority: "shop.example.org",
            ..good
        });
        bad(SignedRequest {
            path: "/graphqL",
            ..good
        });
        bad(SignedRequest {
            path: "/graphql/",
            ..good
        });
        bad(SignedRequest {
            query: Some("q=2"),
            ..good
        });
        bad(SignedRequest {
            query: None,
            ..good
        });
        bad(SignedRequest {
            query: Some("q=1&q=1"),
            ..good
        });
        bad(SignedRequest {
            form_body: Some(b"f=w"),
            body: b"f=w",
            ..good
        });
        bad(SignedRequest {
            form_body: Some(b"f=v&g="),
            body: b"f=v&g=",
            ..good
        });

        // Change each character of the signature value (inside the quotes) in turn.
        let sig_start = header.find("oauth_signature=\"").unwrap() + "oauth_signature=\"".len();
        let sig_end = header.len() - 1;
        for index in sig_start..sig_end {
            let mut changed = header.clone().into_bytes();
            changed[index] = if changed[index] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).unwrap();
            let result = check(
                &credentials,
                now,
                &SignedRequest {
                    authorization: Some(&changed),
                    ..good
                },
            );
            assert_eq!(result, Err(Problem::SignatureInvalid), "{changed}");
        }
        // The nonce changed by one byte.
        let changed = header.replace("oauth_nonce=\"abc\"", "oauth_nonce=\"abd\"");
        bad(SignedRequest {
            authorization: Some(&changed),
            ..good
        });
        // Other secrets.
        for wrong in [
            Credentials {
                consumer_secret: "cs-8d7e6f5a4b3c2d1f".into(),
                ..vector_credentials()
            },
            Credentials {
                token_secret: "ts-9z8y7x6w5v4U".into(),
                ..vector_credentials()
            },
        ] {
            assert_eq!(check(&wrong, now, &good), Err(Problem::SignatureInvalid));
        }
    }

    // ----- Every Problem -----

    #[test]
    fn parameter_absent_lists_missing_names_in_order() {
        let credentials = vector_credentials();
        let all: Vec<String> = REQUIRED.iter().map(|s| s.to_string()).collect();
        let no_header = SignedRequest {
            authorization: None,
            ..post("h", "/graphql", "")
        };
        assert_eq!(
            check(&credentials, 0, &no_header),
            Err(Problem::ParameterAbsent(all.clone()))
        );
        for other in ["Bearer abc", "", "OAuth", "OAuth   ", "Basic Zm9vOmJhcg=="] {
            assert_eq!(
                check(&credentials, 0, &post("h", "/graphql", other)),
                Err(Problem::ParameterAbsent(all.clone())),
                "{other:?}"
            );
        }
        let partial = header(&[
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_token", "tk"),
            ("oauth_timestamp", "1"),
        ]);
        assert_eq!(
            check(&credentials, 0, &post("h", "/graphql", &partial)),
            Err(Problem::ParameterAbsent(vec![
                "oauth_consumer_key".into(),
                "oauth_nonce".into(),
                "oauth_signature".into()
            ]))
        );
        // Parameters in the query and the form body count too.
        let request = SignedRequest {
            query: Some("oauth_consumer_key=ck&oauth_nonce=n"),
            form_body: Some(b"oauth_signature=x"),
            body: b"oauth_signature=x",
            ..post("h", "/graphql", &partial)
        };
        // All present now; the consumer key "ck" is not the configured one.
        assert_eq!(
            check(&credentials, 1, &request),
            Err(Problem::ConsumerKeyRejected)
        );
    }

    fn problem_for(
        overrides: &[(&'static str, Option<&str>)],
        now: i64,
    ) -> Result<Verified, Problem> {
        let credentials = vector_credentials();
        let mut protocol = standard_protocol("1750000000");
        for (name, value) in overrides {
            protocol.retain(|(n, _)| n != name);
            if let Some(value) = value {
                protocol.push((name, value.to_string()));
            }
        }
        let header = signed_header(
            "POST",
            "https://shop.example.com/graphql",
            &as_refs(&protocol),
            &[],
            &credentials,
            SignatureMethod::HmacSha256,
        );
        let request = SignedRequest {
            scheme: "https",
            ..post("shop.example.com", "/graphql", &header)
        };
        check(&credentials, now, &request)
    }

    #[test]
    fn the_correctly_signed_baseline_passes() {
        assert!(problem_for(&[], 1750000000).is_ok());
        // oauth_version is optional.
        assert!(problem_for(&[("oauth_version", None)], 1750000000).is_ok());
    }

    #[test]
    fn version_rejected() {
        for version in ["2.0", "1.0a", "1", "", "1.0 "] {
            assert_eq!(
                problem_for(&[("oauth_version", Some(version))], 1750000000),
                Err(Problem::VersionRejected),
                "{version:?}"
            );
        }
    }

    #[test]
    fn signature_method_rejected() {
        for method in [
            "PLAINTEXT",
            "RSA-SHA1",
            "hmac-sha256",
            "HMAC-SHA512",
            "",
            "HMAC-SHA256 ",
        ] {
            assert_eq!(
                problem_for(&[("oauth_signature_method", Some(method))], 1750000000),
                Err(Problem::SignatureMethodRejected),
                "{method:?}"
            );
        }
        // HMAC-SHA1 is accepted when the signature is HMAC-SHA1 (round trip test); here the
        // signature was made with SHA-256, so claiming SHA1 fails the signature, not the method.
        assert_eq!(
            problem_for(&[("oauth_signature_method", Some("HMAC-SHA1"))], 1750000000),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn timestamp_window_boundaries() {
        let ts = 1750000000;
        assert!(problem_for(&[], ts + 600).is_ok());
        assert!(problem_for(&[], ts - 600).is_ok());
        assert_eq!(problem_for(&[], ts + 601), Err(Problem::TimestampRefused));
        assert_eq!(problem_for(&[], ts - 601), Err(Problem::TimestampRefused));
        assert_eq!(problem_for(&[], i64::MIN), Err(Problem::TimestampRefused));
        assert_eq!(problem_for(&[], i64::MAX), Err(Problem::TimestampRefused));
    }

    #[test]
    fn timestamp_refused_when_not_a_decimal_integer() {
        for raw in [
            "abc",
            "",
            "-1750000000",
            "+1750000000",
            " 1750000000",
            "1750000000.0",
            "1.75e9",
            "0x684",
            "99999999999999999999999999",
            "１７５００００００００",
        ] {
            assert_eq!(
                problem_for(&[("oauth_timestamp", Some(raw))], 1750000000),
                Err(Problem::TimestampRefused),
                "{raw:?}"
            );
        }
        // Leading zeros are still the same number.
        assert!(problem_for(&[("oauth_timestamp", Some("0001750000000"))], 1750000000).is_ok());
    }

    #[test]
    fn timestamp_parsing() {
        assert_eq!(parse_timestamp(b"0"), Some(0));
        assert_eq!(parse_timestamp(b"000"), Some(0));
        assert_eq!(
            parse_timestamp(b"999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        assert_eq!(parse_timestamp(b"1000000000000000000"), None);
        assert_eq!(parse_timestamp(b""), None);
        assert_eq!(parse_timestamp(b"1 "), None);
    }

    #[test]
    fn consumer_key_and_token_rejected() {
        for key in [
            "ck-3f9a1",
            "ck-3f9a1c ",
            "CK-3F9A1C",
            "",
            "ck-3f9a1c\0",
            "x",
        ] {
            assert_eq!(
                problem_for(&[("oauth_consumer_key", Some(key))], 1750000000),
                Err(Problem::ConsumerKeyRejected),
                "{key:?}"
            );
        }
        for token in ["tk-0a1b2c3", "tk-0a1b2c3dd", "", "TK-0A1B2C3D"] {
            assert_eq!(
                problem_for(&[("oauth_token", Some(token))], 1750000000),
                Err(Problem::TokenRejected),
                "{token:?}"
            );
        }
    }

    #[test]
    fn constant_time_comparison_semantics() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"", b"a"));
        let long = vec![b'a'; 100_000];
        assert!(constant_time_eq(&long, &long.clone()));
    }

    #[test]
    fn signature_invalid_for_bad_base64() {
        for sig in [
            "",
            "not base64!",
            "AAAA",
            "PwM7AvWARnN_bOOgJXFY6q-shdGM3BV_uFR-qGax4Ig=",
        ] {
            assert_eq!(
                problem_for(&[("oauth_signature", Some(sig))], 1750000000),
                Err(Problem::SignatureInvalid),
                "{sig:?}"
            );
        }
    }

    #[test]
    fn nonce_used_and_claimed_only_after_the_signature() {
        let credentials = vector_credentials();
        let store = MemStore::default();
        let now = 1748499421;
        let good = SignedRequest {
            scheme: "https",
            ..post_with_body("shop.example.com", "/graphql", V1_HEADER, V1_BODY)
        };
        // A forged request with the same nonce stores nothing and does not burn the nonce.
        let forged_header = V1_HEADER.replace("PwM7", "QwM7");
        let forged = SignedRequest {
            authorization: Some(&forged_header),
            ..good
        };
        assert!(matches!(
            verifier(&credentials, now).verify(&forged, &store),
            Err(VerifyError::Refused(Problem::SignatureInvalid))
        ));
        assert_eq!(store.len(), 0);
        assert_eq!(
            verifier(&credentials, now).verify(&good, &store).unwrap(),
            SweepDue(true)
        );
        assert!(matches!(
            verifier(&credentials, now + 500).verify(&good, &store),
            Err(VerifyError::Refused(Problem::NonceUsed))
        ));
        // Later than the window, the request is refused for its timestamp, before the nonce.
        assert!(matches!(
            verifier(&credentials, now + 601).verify(&good, &store),
            Err(VerifyError::Refused(Problem::TimestampRefused))
        ));
    }

    #[test]
    fn store_failures() {
        let credentials = vector_credentials();
        let now = 1748499421;
        let good = SignedRequest {
            scheme: "https",
            ..post_with_body("shop.example.com", "/graphql", V1_HEADER, V1_BODY)
        };
        let store = MemStore::default();
        store.fail_on(Some("oauth-nonce:"));
        assert!(matches!(
            verifier(&credentials, now).verify(&good, &store),
            Err(VerifyError::Store(_))
        ));
        // Verifying never sweeps: a sweep failure cannot fail an authentic request.
        let store = MemStore::default();
        store.fail_on(Some("oauth-nonce-swept"));
        assert_eq!(
            verifier(&credentials, now).verify(&good, &store).unwrap(),
            SweepDue(true)
        );
    }

    // ----- Duplicates, malformed input -----

    #[test]
    fn duplicate_protocol_parameters_are_refused() {
        let credentials = vector_credentials();
        let now = 1748499421;
        let good = SignedRequest {
            scheme: "https",
            ..post_with_body("shop.example.com", "/graphql", V1_HEADER, V1_BODY)
        };
        // Twice in the header.
        let twice = V1_HEADER.replace(
            "oauth_nonce=\"n0nce-V1\"",
            "oauth_nonce=\"n0nce-V1\", oauth_nonce=\"other\"",
        );
        assert_eq!(
            check(
                &credentials,
                now,
                &SignedRequest {
                    authorization: Some(&twice),
                    ..good
                }
            ),
            Err(Problem::SignatureInvalid)
        );
        // Once in the header, once in the query or the body — even with the same value.
        for (query, body) in [
            (Some("oauth_nonce=n0nce-V1"), None),
            (None, Some(&b"oauth_timestamp=1748499421"[..])),
            (Some("oauth_signature=x"), None),
            (Some("oauth_anything=1&oauth_anything=2"), None),
        ] {
            assert_eq!(
                check(
                    &credentials,
                    now,
                    &SignedRequest {
                        query,
                        form_body: body,
                        body: body.unwrap_or_default(),
                        ..good
                    }
                ),
                Err(Problem::SignatureInvalid),
                "{query:?} {body:?}"
            );
        }
    }

    #[test]
    fn duplicate_ordinary_parameters_are_both_signed() {
        let credentials = vector_credentials();
        let now = 1_750_000_000;
        let header = authorization_header(
            "POST",
            "https://h/graphql?a=1&a=1",
            &[],
            &credentials,
            SignatureMethod::HmacSha1,
            now,
            "dup",
        )
        .unwrap();
        let request = SignedRequest {
            scheme: "https",
            query: Some("a=1&a=1"),
            ..post("h", "/graphql", &header)
        };
        check(&credentials, now, &request).unwrap();
        assert_eq!(
            check(
                &credentials,
                now,
                &SignedRequest {
                    query: Some("a=1"),
                    ..request
                }
            ),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn malformed_input_is_refused_not_a_panic() {
        let credentials = vector_credentials();
        for bad in [
            "OAuth oauth_nonce=\"unterminated",
            "OAuth oauth_nonce=\"a\" oauth_token=\"b\"",
            "OAuth =\"x\"",
            "OAuth oauth_nonce=\"%zz\"",
            "OAuth oauth_nonce",
            "OAuth oauth_nonce=\"\u{7}\"",
            "OAuth ,,,=",
            "OAuth \u{fffd}\u{fffd}",
            "OAuth \"\"\"",
            "OAuth oauth_nonce=\"\\",
        ] {
            assert_eq!(
                check(&credentials, 0, &post("h", "/", bad)),
                Err(Problem::SignatureInvalid),
                "{bad:?}"
            );
        }
        let bad_query = SignedRequest {
            query: Some("a=%"),
            ..post("h", "/", V1_HEADER)
        };
        assert_eq!(
            check(&credentials, 0, &bad_query),
            Err(Problem::SignatureInvalid)
        );
        let bad_body = SignedRequest {
            form_body: Some(b"\xff\xfe%G0"),
            body: b"\xff\xfe%G0",
            ..post("h", "/", V1_HEADER)
        };
        assert_eq!(
            check(&credentials, 0, &bad_body),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz over header, query and body.
        let credentials = vector_credentials();
        let store = MemStore::default();
        let alphabet: Vec<char> = "OAuth oauth_=\",%+&\\ \t0aZ\u{e9}\u{0}".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut text = String::from("OAuth ");
            let len = (seed % 40) as usize;
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let bytes: Vec<u8> = text.bytes().rev().collect();
            let request = SignedRequest {
                query: Some(&text),
                form_body: Some(&bytes),
                body: &bytes,
                ..post("h", "/", &text)
            };
            let _ = verifier(&credentials, 0).verify(&request, &store);
        }
    }

    // ----- Check order -----

    #[test]
    fn check_order() {
        let now = 1750000000;
        // Everything wrong: the missing parameter wins.
        assert_eq!(
            problem_for(
                &[
                    ("oauth_nonce", None),
                    ("oauth_version", Some("2.0")),
                    ("oauth_signature_method", Some("PLAINTEXT")),
                    ("oauth_timestamp", Some("x")),
                    ("oauth_consumer_key", Some("x")),
                    ("oauth_token", Some("x")),
                ],
                now
            ),
            Err(Problem::ParameterAbsent(vec!["oauth_nonce".into()]))
        );
        assert_eq!(
            problem_for(
                &[
                    ("oauth_version", Some("2.0")),
                    ("oauth_signature_method", Some("PLAINTEXT")),
                    ("oauth_timestamp", Some("x")),
                ],
                now
            ),
            Err(Problem::VersionRejected)
        );
        assert_eq!(
            problem_for(
                &[
                    ("oauth_signature_method", Some("PLAINTEXT")),
                    ("oauth_timestamp", Some("x")),
                    ("oauth_consumer_key", Some("x")),
                ],
                now
            ),
            Err(Problem::SignatureMethodRejected)
        );
        assert_eq!(
            problem_for(
                &[
                    ("oauth_timestamp", Some("1")),
                    ("oauth_consumer_key", Some("x")),
                    ("oauth_token", Some("x")),
                ],
                now
            ),
            Err(Problem::TimestampRefused)
        );
        assert_eq!(
            problem_for(
                &[
                    ("oauth_consumer_key", Some("x")),
                    ("oauth_token", Some("x"))
                ],
                now
            ),
            Err(Problem::ConsumerKeyRejected)
        );
        // Token before signature: a wrong token with a wrong signature is token_rejected.
        let credentials = vector_credentials();
        let protocol = standard_protocol("1750000000");
        let mut pairs = as_refs(&protocol);
        pairs.retain(|(n, _)| *n != "oauth_token");
        pairs.push(("oauth_token", "wrong"));
        pairs.push(("oauth_signature", "AAAA"));
        let token_header = header(&pairs);
        assert_eq!(
            check(&credentials, now, &post("h", "/", &token_header)),
            Err(Problem::TokenRejected)
        );
        // Malformed parameters come before everything.
        let mut broken = header(&pairs);
        broken.push_str(", oauth_nonce=\"again\"");
        assert_eq!(
            check(&credentials, now, &post("h", "/", &broken)),
            Err(Problem::SignatureInvalid)
        );
    }

    #[test]
    fn errors_never_contain_credentials() {
        let credentials = vector_credentials();
        let secrets = [
            credentials.consumer_key.as_str(),
            credentials.consumer_secret.as_str(),
            credentials.token.as_str(),
            credentials.token_secret.as_str(),
        ];
        let problems = [
            Problem::ParameterAbsent(REQUIRED.iter().map(|s| s.to_string()).collect()),
            Problem::SignatureMethodRejected,
            Problem::TimestampRefused,
            Problem::NonceUsed,
            Problem::ConsumerKeyRejected,
            Problem::TokenRejected,
            Problem::SignatureInvalid,
            Problem::VersionRejected,
        ];
        for problem in problems {
            let error = VerifyError::Refused(problem);
            let text = format!("{error} {error:?}");
            for secret in secrets {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }
}
