//! The client side: the `Authorization: OAuth ...` header for a request (what the host's `sign`
//! command prints, and what tests send).

use std::fmt;

use super::base_string::{self, split_url};
use super::params::{Param, parse_form};
use super::{Credentials, SignatureMethod, percent, signature};

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignError {
    /// Not an absolute `scheme://authority[/path][?query]` URL.
    InvalidUrl,
    /// The URL's query has a `%` without two hex digits after it.
    InvalidQuery,
    /// The timestamp is negative.
    InvalidTimestamp,
    /// The HMAC could not be computed (does not happen with HMAC; reported, not unwrapped).
    Internal,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignError::InvalidUrl => "the URL must be absolute: scheme://host[:port]/path[?query]",
            SignError::InvalidQuery => "the URL's query has a malformed % escape",
            SignError::InvalidTimestamp => "the timestamp must not be negative",
            SignError::Internal => "the signature could not be computed",
        })
    }
}

impl std::error::Error for SignError {}

/// The signature base string of a request to `url` (its query parameters included) with the
/// further parameters `params` (protocol and form parameters, decoded; an `oauth_signature`
/// among them is left out).
pub fn signature_base_string(
    method: &str,
    url: &str,
    params: &[(String, String)],
) -> Result<String, SignError> {
    let parts = split_url(url).ok_or(SignError::InvalidUrl)?;
    let mut all = match parts.query {
        Some(query) => parse_form(query.as_bytes()).map_err(|_| SignError::InvalidQuery)?,
        None => Vec::new(),
    };
    all.extend(
        params
            .iter()
            .map(|(name, value)| Param::new(name.as_bytes(), value.as_bytes())),
    );
    let uri = base_string::base_uri(parts.scheme, parts.authority, parts.path);
    Ok(base_string::base_string(
        method,
        &uri,
        &base_string::normalize_params(&all),
    ))
}

/// The full `Authorization` header value (`OAuth oauth_nonce="...", ...`) for a request to
/// `url`, signing the URL's query parameters and `extra_params` (the decoded parameters of an
/// `application/x-www-form-urlencoded` body; pass none for a JSON body). The header carries
/// `oauth_nonce`, `oauth_timestamp`, `oauth_version="1.0"`, `oauth_signature_method`,
/// `oauth_consumer_key`, `oauth_token` and `oauth_signature`, in that order (oauthlib's), values
/// percent-encoded.
pub fn authorization_header(
    method: &str,
    url: &str,
    extra_params: &[(String, String)],
    credentials: &Credentials,
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Result<String, SignError> {
    authorization_header_with_realm(
        None,
        method,
        url,
        extra_params,
        credentials,
        signature_method,
        timestamp,
        nonce,
    )
}

/// [`authorization_header`] for a request whose raw body is `body` (JSON, say): the header
/// also carries `oauth_body_hash` (the OAuth Request Body Hash extension), so the signature
/// covers the body too.
pub fn authorization_header_with_body_hash(
    method: &str,
    url: &str,
    body: &[u8],
    credentials: &Credentials,
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Result<String, SignError> {
    header(
        None,
        Some(body_hash(signature_method, body)),
        method,
        url,
        &[],
        credentials,
        signature_method,
        timestamp,
        nonce,
    )
}

/// `oauth_body_hash` of `body`: base64 of its SHA-256 for HMAC-SHA256, of its SHA-1 for
/// HMAC-SHA1 (the hash of the signature method, as the extension defines it).
pub fn body_hash(signature_method: SignatureMethod, body: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let engine = base64::engine::general_purpose::STANDARD;
    match signature_method {
        SignatureMethod::HmacSha256 => engine.encode(sha2::Sha256::digest(body)),
        SignatureMethod::HmacSha1 => engine.encode(sha1::Sha1::digest(body)),
    }
}

/// [`authorization_header`] with a `realm` parameter first (not signed, RFC 5849 §3.5.1).
#[allow(clippy::too_many_arguments)]
pub fn authorization_header_with_realm(
    realm: Option<&str>,
    method: &str,
    url: &str,
    extra_params: &[(String, String)],
    credentials: &Credentials,
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Result<String, SignError> {
    header(
        realm,
        None,
        method,
        url,
        extra_params,
        credentials,
        signature_method,
        timestamp,
        nonce,
    )
}

#[allow(clippy::too_many_arguments)]
fn header(
    realm: Option<&str>,
    body_hash: Option<String>,
    method: &str,
    url: &str,
    extra_params: &[(String, String)],
    credentials: &Credentials,
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Result<String, SignError> {
    if timestamp < 0 {
        return Err(SignError::InvalidTimestamp);
    }
    let mut protocol: Vec<(&str, String)> = vec![
        ("oauth_nonce", nonce.to_string()),
        ("oauth_timestamp", timestamp.to_string()),
        ("oauth_version", "1.0".to_string()),
        (
            "oauth_signature_method",
            signature_method.as_str().to_string(),
        ),
        ("oauth_consumer_key", credentials.consumer_key.clone()),
        ("oauth_token", credentials.token.clone()),
    ];
    if let Some(body_hash) = body_hash {
        protocol.push(("oauth_body_hash", body_hash));
    }
    let mut params: Vec<(String, String)> = protocol
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    params.extend(extra_params.iter().cloned());
    let base = signature_base_string(method, url, &params)?;
    let signature = signature::sign(
        signature_method,
        &credentials.consumer_secret,
        &credentials.token_secret,
        &base,
    )
    .ok_or(SignError::Internal)?;

    let mut header = String::from("OAuth ");
    if let Some(realm) = realm {
        header.push_str("realm=\"");
        percent::encode_into(&mut header, realm.as_bytes());
        header.push_str("\", ");
    }
    for (name, value) in &protocol {
        header.push_str(name);
        header.push_str("=\"");
        percent::encode_into(&mut header, value.as_bytes());
        header.push_str("\", ");
    }
    header.push_str("oauth_signature=\"");
    percent::encode_into(&mut header, signature.as_bytes());
    header.push('"');
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector_credentials() -> Credentials {
        Credentials {
            consumer_key: "ck-3f9a1c".into(),
            consumer_secret: "cs-8d7e6f5a4b3c2d1e".into(),
            token: "tk-0a1b2c3d".into(),
            token_secret: "ts-9z8y7x6w5v4u".into(),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    // Expected values below were printed by tests/vectors/oauth_vectors.py (oauthlib 4.0.1).

    #[test]
    fn oauth_core_1_0_appendix_a5() {
        let credentials = Credentials {
            consumer_key: "dpf43f3p2l4k3l03".into(),
            consumer_secret: "kd94hf93k423kf44".into(),
            token: "nnch734d00sl2jdk".into(),
            token_secret: "pfkkdhi9sl3r4s00".into(),
        };
        let header = authorization_header(
            "GET",
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            &[],
            &credentials,
            SignatureMethod::HmacSha1,
            1191242096,
            "kllo9940pd9333jh",
        )
        .unwrap();
        assert_eq!(
            header,
            "OAuth oauth_nonce=\"kllo9940pd9333jh\", oauth_timestamp=\"1191242096\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_token=\"nnch734d00sl2jdk\", oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\""
        );
    }

    #[test]
    fn oauthlib_v2_query_with_spaces_plus_reserved_unicode_duplicates() {
        let url = "http://api.example.com/graphql?b=2&a=x%20y&a=x+y&plus=%2B&r=%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D&u=J%C3%BCrgen%E2%82%AC&empty=&tilde=~-._";
        let header = authorization_header(
            "POST",
            url,
            &[],
            &vector_credentials(),
            SignatureMethod::HmacSha1,
            1700000000,
            "abcDEF123",
        )
        .unwrap();
        assert_eq!(
            header,
            "OAuth oauth_nonce=\"abcDEF123\", oauth_timestamp=\"1700000000\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"2wHGiMk2vgXVfsm%2BelFYrb0Ye5k%3D\""
        );
    }

    #[test]
    fn oauthlib_v3_form_params() {
        // Body: name=J%C3%BCrgen+M%C3%BCller&a=1&a=0&sp=a%20b&amp=%26&z=first, decoded.
        let params = form(&[
            ("name", "Jürgen Müller"),
            ("a", "1"),
            ("a", "0"),
            ("sp", "a b"),
            ("amp", "&"),
            ("z", "first"),
        ]);
        let header = authorization_header(
            "POST",
            "https://shop.example.com/graphql?z=last",
            &params,
            &vector_credentials(),
            SignatureMethod::HmacSha256,
            1700000001,
            "f0rm",
        )
        .unwrap();
        assert_eq!(
            header,
            "OAuth oauth_nonce=\"f0rm\", oauth_timestamp=\"1700000001\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"9K78jiPtPyLQIhUFKsF%2FUhFKd7kPGKEM8gObNFgpMX8%3D\""
        );
    }

    #[test]
    fn oauthlib_v5_default_port_and_realm() {
        let header = authorization_header_with_realm(
            Some("Commerce"),
            "POST",
            "https://Shop.Example.COM:443/graphql",
            &[],
            &vector_credentials(),
            SignatureMethod::HmacSha1,
            1700000003,
            "r3alm",
        )
        .unwrap();
        assert_eq!(
            header,
            "OAuth realm=\"Commerce\", oauth_nonce=\"r3alm\", oauth_timestamp=\"1700000003\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", oauth_consumer_key=\"ck-3f9a1c\", oauth_token=\"tk-0a1b2c3d\", oauth_signature=\"1iOyfw4X2snLYopvBlpQtK1HKaQ%3D\""
        );
    }

    #[test]
    fn oauthlib_v6_reserved_and_non_ascii_credentials_and_nonce() {
        let credentials = Credentials {
            consumer_key: "key with space&amp".into(),
            consumer_secret: "s&e=c r+t~\u{e9}".into(),
            token: "t\u{f6}ken/1".into(),
            token_secret: "%41 b&c".into(),
        };
        let header = authorization_header(
            "POST",
            "https://shop.example.com/graphql",
            &[],
            &credentials,
            SignatureMethod::HmacSha256,
            1700000004,
            "n/o n+c=e",
        )
        .unwrap();
        assert_eq!(
            header,
            "OAuth oauth_nonce=\"n%2Fo%20n%2Bc%3De\", oauth_timestamp=\"1700000004\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"key%20with%20space%26amp\", oauth_token=\"t%C3%B6ken%2F1\", oauth_signature=\"n3f%2F5gbRqhzUyD0NQ0Ta2DPMc1l8wN5ykjoRJcUOTM8%3D\""
        );
    }

    #[test]
    fn oauthlib_v7_lower_case_method_and_encoded_path() {
        let base = signature_base_string(
            "get",
            "http://example.com/a%20b/c%2Fd~e",
            &form(&[
                ("oauth_nonce", "p4th"),
                ("oauth_timestamp", "1700000005"),
                ("oauth_version", "1.0"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_consumer_key", "ck-3f9a1c"),
                ("oauth_token", "tk-0a1b2c3d"),
            ]),
        )
        .unwrap();
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fexample.com%2Fa%2520b%2Fc%252Fd~e&oauth_consumer_key%3Dck-3f9a1c%26oauth_nonce%3Dp4th%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000005%26oauth_token%3Dtk-0a1b2c3d%26oauth_version%3D1.0"
        );
        let header = authorization_header(
            "get",
            "http://example.com/a%20b/c%2Fd~e",
            &[],
            &vector_credentials(),
            SignatureMethod::HmacSha1,
            1700000005,
            "p4th",
        )
        .unwrap();
        assert!(header.ends_with("oauth_signature=\"%2Fne4wEDCglygxu9WzgHdnEaz9ZU%3D\""));
    }

    #[test]
    fn oauthlib_v8_empty_secrets_and_explicit_port_80() {
        let credentials = Credentials {
            consumer_key: "k".into(),
            consumer_secret: String::new(),
            token: "t".into(),
            token_secret: String::new(),
        };
        let header = authorization_header(
            "POST",
            "http://example.com:80/graphql",
            &[],
            &credentials,
            SignatureMethod::HmacSha256,
            1700000006,
            "e",
        )
        .unwrap();
        assert_eq!(
            header,
            "OAuth oauth_nonce=\"e\", oauth_timestamp=\"1700000006\", oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA256\", oauth_consumer_key=\"k\", oauth_token=\"t\", oauth_signature=\"gGOVcCND7EmvQ55Uk6G8HNPUSXckDm7sCl0e%2Bfpdl%2Fo%3D\""
        );
    }

    #[test]
    fn fragment_is_ignored() {
        let with = authorization_header(
            "POST",
            "https://h/graphql#x",
            &[],
            &vector_credentials(),
            SignatureMethod::HmacSha256,
            1,
            "n",
        );
        let without = authorization_header(
            "POST",
            "https://h/graphql",
            &[],
            &vector_credentials(),
            SignatureMethod::HmacSha256,
            1,
            "n",
        );
        assert_eq!(with, without);
    }

    #[test]
    fn errors() {
        let credentials = vector_credentials();
        let sign = |url: &str, timestamp: i64| {
            authorization_header(
                "POST",
                url,
                &[],
                &credentials,
                SignatureMethod::HmacSha1,
                timestamp,
                "n",
            )
        };
        assert_eq!(sign("/graphql", 1), Err(SignError::InvalidUrl));
        assert_eq!(sign("http:///graphql", 1), Err(SignError::InvalidUrl));
        assert_eq!(sign("example.com/graphql", 1), Err(SignError::InvalidUrl));
        assert_eq!(sign("http://h/?a=%zz", 1), Err(SignError::InvalidQuery));
        assert_eq!(sign("http://h/", -1), Err(SignError::InvalidTimestamp));
        assert!(sign("http://h/", 0).is_ok());
    }

    #[test]
    fn errors_do_not_mention_credentials() {
        for error in [
            SignError::InvalidUrl,
            SignError::InvalidQuery,
            SignError::InvalidTimestamp,
            SignError::Internal,
        ] {
            let text = format!("{error} {error:?}");
            assert!(!text.contains("cs-8d7e6f5a4b3c2d1e"));
        }
    }
}
