//! What every section shares: the integration's credentials and configuration, the GraphQL
//! documents, request signing with unique nonces, and checks that an answer is the expected
//! one (a benchmark of error responses would measure the wrong thing).

use anyhow::{Context as _, Result, anyhow, bail};
use bytes::Bytes;
use customer_token::oauth::{Credentials, SignatureMethod, authorization_header};
use customer_token_runtime::SecretMap;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub const CONSUMER_KEY: &str = "ck-bench-3f9a0c1e5b7d";
pub const CONSUMER_SECRET: &str = "cs-bench-secret-7e1d9b3a5c";
pub const ACCESS_TOKEN: &str = "at-bench-8c2e4a6b0d1f";
pub const ACCESS_TOKEN_SECRET: &str = "ats-bench-secret-2b4d6f8a0c";
pub const TOKEN_SECRET: &str = "customer-token-bench-secret-0123456789abcdef";

/// The URL in-process requests are addressed (and signed) to.
pub const IN_PROCESS_URL: &str = "http://localhost/graphql";
pub const IN_PROCESS_AUTHORITY: &str = "localhost";

/// The `customer` query a storefront sends with the customer's token.
pub const CUSTOMER_QUERY: &str =
    "{ customer { email firstname lastname created_at confirmation_status is_subscribed } }";

/// The email of the customer the "existing customer" workloads exchange for.
pub fn existing_email(index: usize) -> String {
    format!("existing-{index}@example.com")
}

/// The contract's reference mutation (§10) for `email`.
pub fn exchange_query(email: &str) -> String {
    format!(
        "mutation {{ exchangeExternalCustomerToken(input: {{ customer: {{ firstname: \"Roni\", lastname: \"Cost\", email: \"{email}\", is_subscribed: false }} }}) {{ customer {{ email firstname lastname is_subscribed }} token }} }}"
    )
}

/// `{"query": ...}` as the JSON body of a GraphQL POST.
pub fn graphql_body(query: &str) -> Bytes {
    Bytes::from(serde_json::json!({ "query": query }).to_string())
}

pub fn credentials() -> Credentials {
    Credentials {
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: CONSUMER_SECRET.into(),
        token: ACCESS_TOKEN.into(),
        token_secret: ACCESS_TOKEN_SECRET.into(),
    }
}

fn secret_pairs() -> [(&'static str, &'static str); 5] {
    use customer_token::config::*;
    [
        (OAUTH_CONSUMER_KEY, CONSUMER_KEY),
        (OAUTH_CONSUMER_SECRET, CONSUMER_SECRET),
        (OAUTH_ACCESS_TOKEN, ACCESS_TOKEN),
        (OAUTH_ACCESS_TOKEN_SECRET, ACCESS_TOKEN_SECRET),
        (CUSTOMER_TOKEN_SECRET, TOKEN_SECRET),
    ]
}

/// The configuration for the wasm host.
pub fn secret_map() -> SecretMap {
    secret_pairs()
        .into_iter()
        .fold(SecretMap::new(), |map, (name, value)| map.with(name, value))
}

/// The same configuration for the native core.
pub fn memory_secrets() -> customer_token::memory::MemorySecrets {
    customer_token::memory::MemorySecrets(
        secret_pairs()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect::<HashMap<_, _>>(),
    )
}

/// The current Unix time in seconds (the real clock, as the component sees it).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs() as i64)
        .unwrap_or(0)
}

/// Unique nonces: a random per-process prefix and a counter (the nonce store refuses reuse).
pub struct Nonces {
    prefix: String,
    counter: AtomicU64,
}

impl Nonces {
    pub fn new() -> Result<Nonces> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random source: {e}"))?;
        Ok(Nonces {
            prefix: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            counter: AtomicU64::new(0),
        })
    }

    pub fn next(&self) -> String {
        format!(
            "{}{:08x}",
            self.prefix,
            self.counter.fetch_add(1, Ordering::Relaxed)
        )
    }
}

/// The `Authorization` header of a POST to `url`, signed now with HMAC-SHA256 and a fresh nonce.
pub fn sign(url: &str, nonces: &Nonces) -> Result<String> {
    authorization_header(
        "POST",
        url,
        &[],
        &credentials(),
        SignatureMethod::HmacSha256,
        now(),
        &nonces.next(),
    )
    .map_err(|e| anyhow!("cannot sign: {e}"))
}

/// A JSON POST to `url` for the wasm host.
pub fn http_request(
    url: &str,
    body: Bytes,
    authorization: Option<&str>,
) -> Result<http::Request<Bytes>> {
    let mut builder =
        http::Request::post(url).header(http::header::CONTENT_TYPE, "application/json");
    if let Some(authorization) = authorization {
        builder = builder.header(http::header::AUTHORIZATION, authorization);
    }
    Ok(builder.body(body)?)
}

/// The same POST as the native core receives it from a host binding.
pub fn native_request(body: &[u8], authorization: Option<&str>) -> customer_token::http::Request {
    let mut headers = vec![("content-type".to_owned(), b"application/json".to_vec())];
    if let Some(authorization) = authorization {
        headers.push((
            "authorization".to_owned(),
            authorization.as_bytes().to_vec(),
        ));
    }
    customer_token::http::Request {
        method: "POST".into(),
        scheme: "http".into(),
        authority: IN_PROCESS_AUTHORITY.into(),
        path: "/graphql".into(),
        query: None,
        headers,
        body: body.to_vec(),
    }
}

/// What a workload expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `{"data":{"hello":"world"}}`.
    Hello,
    /// A token for a customer (the exchange mutation).
    Token,
    /// The customer behind a token (the `customer` query).
    Customer,
    /// `{"data":{"calls":n}}`, the store-replay component's answer.
    Replayed,
}

/// Checks a response and returns its JSON; an unexpected answer is an error quoting it.
pub fn check(expect: Expect, status: u16, body: &[u8]) -> Result<Value> {
    let json: Value = serde_json::from_slice(body).with_context(|| {
        format!(
            "the response ({status}) is not JSON: {}",
            String::from_utf8_lossy(body)
        )
    })?;
    let ok = status == 200
        && json.get("errors").is_none()
        && match expect {
            Expect::Hello => json["data"]["hello"] == "world",
            Expect::Token => json["data"]["exchangeExternalCustomerToken"]["token"].is_string(),
            Expect::Customer => json["data"]["customer"]["email"].is_string(),
            Expect::Replayed => json["data"]["calls"]
                .as_u64()
                .is_some_and(|calls| calls > 0),
        };
    if !ok {
        bail!("unexpected {expect:?} response ({status}): {json}");
    }
    Ok(json)
}

/// The token in an exchange response.
pub fn token_of(json: &Value) -> Result<String> {
    json["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the exchange response")
}
