//! Signing requests as the integration does (OAuth 1.0a), for the CLI and tests.

use anyhow::{Result, anyhow, bail};
use bytes::Bytes;
pub use customer_token::oauth::{Credentials, SignatureMethod};
use customer_token_runtime::SecretMap;

/// The integration's credentials from the configuration; an error names the missing keys
/// (never a value).
pub fn credentials(secrets: &SecretMap) -> Result<Credentials> {
    use customer_token::config::{
        OAUTH_ACCESS_TOKEN, OAUTH_ACCESS_TOKEN_SECRET, OAUTH_CONSUMER_KEY, OAUTH_CONSUMER_SECRET,
    };
    let names = [
        OAUTH_CONSUMER_KEY,
        OAUTH_CONSUMER_SECRET,
        OAUTH_ACCESS_TOKEN,
        OAUTH_ACCESS_TOKEN_SECRET,
    ];
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| secrets.get(name).is_none_or(str::is_empty))
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing credentials: {} (set them as {} or in --env-file)",
            missing.join(", "),
            missing
                .iter()
                .map(|name| name.to_ascii_uppercase())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let value = |name: &str| secrets.get(name).unwrap_or_default().to_owned();
    Ok(Credentials {
        consumer_key: value(OAUTH_CONSUMER_KEY),
        consumer_secret: value(OAUTH_CONSUMER_SECRET),
        token: value(OAUTH_ACCESS_TOKEN),
        token_secret: value(OAUTH_ACCESS_TOKEN_SECRET),
    })
}

/// Parses `HMAC-SHA256` or `HMAC-SHA1`.
pub fn parse_method(name: &str) -> Result<SignatureMethod> {
    SignatureMethod::from_name(name.as_bytes())
        .ok_or_else(|| anyhow!("unknown signature method {name:?}: use HMAC-SHA256 or HMAC-SHA1"))
}

/// A random nonce: 32 lowercase hex digits from the OS's random source.
pub fn fresh_nonce() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random source: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The current Unix time in seconds.
pub fn now_timestamp() -> i64 {
    (customer_token_runtime::real_now())()
}

/// The `Authorization` header value for a `method` request to `url` with a JSON body (only the
/// URL's query parameters are signed besides the protocol parameters).
pub fn authorization(
    method: &str,
    url: &str,
    credentials: &Credentials,
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Result<String> {
    customer_token::oauth::authorization_header(
        method,
        url,
        &[],
        credentials,
        signature_method,
        timestamp,
        nonce,
    )
    .map_err(|e| anyhow!("cannot sign the request: {e}"))
}

/// The JSON body of a GraphQL request.
pub fn graphql_body(query: &str, variables: Option<&serde_json::Value>) -> Bytes {
    let mut body = serde_json::Map::new();
    body.insert("query".into(), serde_json::Value::String(query.to_owned()));
    if let Some(variables) = variables {
        body.insert("variables".into(), variables.clone());
    }
    Bytes::from(serde_json::Value::Object(body).to_string())
}

/// A signed `POST` of `body` (JSON) to `url`, its body hash signed too, ready for
/// `Runtime::handle` or `client::send`.
pub fn signed_post(
    url: &str,
    body: Bytes,
    credentials: &Credentials,
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Result<http::Request<Bytes>> {
    // The header carries `oauth_body_hash`, so this exact body is signed too.
    let authorization = customer_token::oauth::authorization_header_with_body_hash(
        "POST",
        url,
        &body,
        credentials,
        signature_method,
        timestamp,
        nonce,
    )
    .map_err(|e| anyhow!("cannot sign the request: {e}"))?;
    Ok(http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::AUTHORIZATION, authorization)
        .body(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> SecretMap {
        SecretMap::new()
            .with("oauth_consumer_key", "ck")
            .with("oauth_consumer_secret", "cs")
            .with("oauth_access_token", "at")
            .with("oauth_access_token_secret", "ats")
    }

    #[test]
    fn credentials_come_from_the_contract_names() {
        let credentials = credentials(&secrets()).unwrap();
        assert_eq!(credentials.consumer_key, "ck");
        assert_eq!(credentials.token_secret, "ats");
        let err = super::credentials(&SecretMap::new().with("oauth_consumer_key", "ck"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("oauth_consumer_secret"), "{err}");
        assert!(err.contains("OAUTH_ACCESS_TOKEN_SECRET"), "{err}");
        assert!(!err.contains("ck\""), "{err}");
    }

    #[test]
    fn nonces_are_fresh_hex() {
        let a = fresh_nonce().unwrap();
        let b = fresh_nonce().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn methods_parse() {
        assert_eq!(
            parse_method("HMAC-SHA256").unwrap(),
            SignatureMethod::HmacSha256
        );
        assert_eq!(
            parse_method("HMAC-SHA1").unwrap(),
            SignatureMethod::HmacSha1
        );
        assert!(parse_method("PLAINTEXT").is_err());
    }

    #[test]
    fn signed_post_carries_an_oauth_header() {
        let credentials = credentials(&secrets()).unwrap();
        let request = signed_post(
            "http://127.0.0.1:3000/graphql",
            graphql_body("{__typename}", None),
            &credentials,
            SignatureMethod::HmacSha256,
            1_748_499_421,
            "abc",
        )
        .unwrap();
        let header = request.headers()[http::header::AUTHORIZATION]
            .to_str()
            .unwrap();
        assert!(header.starts_with("OAuth "), "{header}");
        assert!(
            header.contains("oauth_signature_method=\"HMAC-SHA256\""),
            "{header}"
        );
        assert!(
            header.contains("oauth_timestamp=\"1748499421\""),
            "{header}"
        );
        assert_eq!(request.body().as_ref(), br#"{"query":"{__typename}"}"#);
    }

    #[test]
    fn graphql_body_includes_variables() {
        let variables = serde_json::json!({"a": 1});
        let body = graphql_body("query Q { x }", Some(&variables));
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["variables"]["a"], 1);
        assert_eq!(parsed["query"], "query Q { x }");
    }
}
