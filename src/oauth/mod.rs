//! OAuth 1.0a (RFC 5849) for the integration that calls `exchangeExternalCustomerToken`
//! (docs/contract.md §5): the server-side check of a signed request ([`Verifier`]) and the client-side
//! signature ([`authorization_header`]) used by the host's `sign` command and by tests.
//!
//! - [`percent`]: RFC 3986 percent-encoding and decoding.
//! - [`params`]: collecting parameters from the Authorization header, query and form body.
//! - [`base_string`]: base string URI, parameter normalization, signature base string.
//! - [`signature`]: HMAC-SHA1 / HMAC-SHA256 and the constant-time check.
//! - [`verify`]: the check order and the refusals ([`Problem`]).
//! - [`nonce`]: single-use nonces on `increment`, with bounded storage.
//! - [`sign`]: the client side.
//!
//! Credentials never appear in errors or `Debug` output: [`Problem`] names only which check
//! failed, and [`Credentials`]' `Debug` is redacted.

use std::fmt;

use crate::ports::StoreError;

pub mod base_string;
pub mod nonce;
pub mod params;
pub mod percent;
pub mod sign;
pub mod signature;
pub mod verify;

pub use sign::{
    SignError, authorization_header, authorization_header_with_body_hash,
    authorization_header_with_realm, body_hash,
};
pub use verify::{Shaped, SweepDue, Verified, Verifier, check_shape};

/// The integration's four credentials.
#[derive(Clone)]
pub struct Credentials {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("consumer_key", &"<redacted>")
            .field("consumer_secret", &"<redacted>")
            .field("token", &"<redacted>")
            .field("token_secret", &"<redacted>")
            .finish()
    }
}

/// The accepted signature methods (docs/contract.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureMethod {
    HmacSha1,
    HmacSha256,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// The method named by an `oauth_signature_method` value (exact, case-sensitive match).
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"HMAC-SHA1" => Some(SignatureMethod::HmacSha1),
            b"HMAC-SHA256" => Some(SignatureMethod::HmacSha256),
            _ => None,
        }
    }
}

/// What the verifier needs from the HTTP request.
///
/// `Debug` leaves out the Authorization header, query and body (they carry the consumer key
/// and token) and shows only whether they are there.
#[derive(Clone, Copy)]
pub struct SignedRequest<'a> {
    /// e.g. "POST"
    pub method: &'a str,
    /// as the host reports it ("http" under Spin/wasmtime)
    pub scheme: &'a str,
    /// host[:port] as received
    pub authority: &'a str,
    /// path as received, without query
    pub path: &'a str,
    /// raw query string without '?'
    pub query: Option<&'a str>,
    /// raw Authorization header value
    pub authorization: Option<&'a str>,
    /// body only when Content-Type is application/x-www-form-urlencoded
    pub form_body: Option<&'a [u8]>,
    /// the raw body, whatever its type (what `oauth_body_hash` covers)
    pub body: &'a [u8],
}

impl fmt::Debug for SignedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn presence<T>(value: &Option<T>) -> &'static str {
            if value.is_some() {
                "<present>"
            } else {
                "<none>"
            }
        }
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("path", &self.path)
            .field("query", &presence(&self.query))
            .field("authorization", &presence(&self.authorization))
            .field("form_body", &presence(&self.form_body))
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Why a request was refused; [`Problem::code`] gives the `oauth_problem` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Required protocol parameters missing, named in the order of [`verify::REQUIRED`].
    ParameterAbsent(Vec<String>),
    SignatureMethodRejected,
    TimestampRefused,
    NonceUsed,
    ConsumerKeyRejected,
    TokenRejected,
    /// The signature does not match — and also: the parameters could not be read (a malformed
    /// OAuth Authorization header, a bad `%` escape) or a protocol parameter was sent twice.
    SignatureInvalid,
    VersionRejected,
}

impl Problem {
    /// The `oauth_problem` code (docs/contract.md §4).
    pub fn code(&self) -> &'static str {
        match self {
            Problem::ParameterAbsent(_) => "parameter_absent",
            Problem::SignatureMethodRejected => "signature_method_rejected",
            Problem::TimestampRefused => "timestamp_refused",
            Problem::NonceUsed => "nonce_used",
            Problem::ConsumerKeyRejected => "consumer_key_rejected",
            Problem::TokenRejected => "token_rejected",
            Problem::SignatureInvalid => "signature_invalid",
            Problem::VersionRejected => "version_rejected",
        }
    }

    /// The missing parameter names of `ParameterAbsent`, empty for the other problems
    /// (for `extensions.oauth_parameters_absent`).
    pub fn absent_parameters(&self) -> &[String] {
        match self {
            Problem::ParameterAbsent(names) => names,
            _ => &[],
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::ParameterAbsent(names) => {
                write!(f, "oauth_problem={} ({})", self.code(), names.join(", "))
            }
            _ => write!(f, "oauth_problem={}", self.code()),
        }
    }
}

/// The outcome of [`Verifier::verify`] when the request is not let through.
#[derive(Debug)]
pub enum VerifyError {
    /// The request is not an authentic, fresh request of the integration.
    Refused(Problem),
    /// The nonce store failed (a 500, not an authorization error).
    Store(StoreError),
}

impl From<Problem> for VerifyError {
    fn from(problem: Problem) -> Self {
        VerifyError::Refused(problem)
    }
}

impl From<StoreError> for VerifyError {
    fn from(error: StoreError) -> Self {
        VerifyError::Store(error)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Refused(problem) => write!(f, "OAuth request refused: {problem}"),
            VerifyError::Store(error) => write!(f, "OAuth nonce {error}"),
        }
    }
}

impl std::error::Error for VerifyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_every_credential() {
        let credentials = Credentials {
            consumer_key: "KEY-visible?".into(),
            consumer_secret: "SECRET-1".into(),
            token: "TOKEN-2".into(),
            token_secret: "TSECRET-3".into(),
        };
        let printed = format!("{credentials:?} {credentials:#?}");
        for secret in ["KEY-visible?", "SECRET-1", "TOKEN-2", "TSECRET-3"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("<redacted>"));
    }

    #[test]
    fn request_debug_leaves_out_credentials() {
        let request = SignedRequest {
            method: "POST",
            scheme: "http",
            authority: "h",
            path: "/graphql",
            query: Some("oauth_token=TOKEN-2"),
            authorization: Some(r#"OAuth oauth_consumer_key="KEY-1""#),
            form_body: Some(b"oauth_nonce=n&oauth_token=TOKEN-2"),
            body: b"oauth_nonce=n&oauth_token=TOKEN-2",
        };
        let printed = format!("{request:?}");
        assert!(
            !printed.contains("KEY-1") && !printed.contains("TOKEN-2"),
            "{printed}"
        );
        assert!(printed.contains("/graphql"));
    }

    #[test]
    fn problem_codes() {
        let all = [
            (
                Problem::ParameterAbsent(vec!["oauth_nonce".into()]),
                "parameter_absent",
            ),
            (
                Problem::SignatureMethodRejected,
                "signature_method_rejected",
            ),
            (Problem::TimestampRefused, "timestamp_refused"),
            (Problem::NonceUsed, "nonce_used"),
            (Problem::ConsumerKeyRejected, "consumer_key_rejected"),
            (Problem::TokenRejected, "token_rejected"),
            (Problem::SignatureInvalid, "signature_invalid"),
            (Problem::VersionRejected, "version_rejected"),
        ];
        for (problem, code) in all {
            assert_eq!(problem.code(), code);
            assert!(problem.to_string().contains(code));
        }
        assert_eq!(
            Problem::ParameterAbsent(vec!["a".into(), "b".into()]).absent_parameters(),
            ["a", "b"]
        );
        assert!(Problem::NonceUsed.absent_parameters().is_empty());
    }

    #[test]
    fn signature_method_names() {
        for method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            assert_eq!(
                SignatureMethod::from_name(method.as_str().as_bytes()),
                Some(method)
            );
        }
        for other in [
            &b"hmac-sha1"[..],
            b"HMAC-SHA512",
            b"PLAINTEXT",
            b"RSA-SHA1",
            b"",
        ] {
            assert_eq!(SignatureMethod::from_name(other), None);
        }
    }
}
