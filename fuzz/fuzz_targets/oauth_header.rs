//! The OAuth 1.0a parameter parsers and the verifier's steps 0–7 (`Verifier::check`, no store).
//!
//! The input is text, one field a line:
//!
//! ```text
//! OAuth oauth_consumer_key="...", ...     the Authorization header (`@sign`: signed for us)
//! POST                                    the method (default POST)
//! a=1&b=2                                 the query string (absent without this line)
//! c=3                                     the form body (absent without this line)
//! ```
//!
//! Besides "no panic", the oracles are: a header we signed for this very request verifies; the
//! verdict does not depend on whether the base URL comes from `public_base_url` or from the
//! request; parsed parameters survive a re-encoding round trip; `realm` is never a parameter.

#![no_main]

use customer_token::oauth::params::{self, Param};
use customer_token::oauth::{SignatureMethod, SignedRequest, Verifier, percent};
use customer_token_fuzz::{AUTHORITY, NOW, PUBLIC_BASE_URL, SCHEME, credentials, sign};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or_default();
    let method = lines.next().filter(|m| !m.is_empty()).unwrap_or("POST");
    let query = lines.next();
    let form = lines.next();

    // The parsers alone.
    parse_and_round_trip(header);
    for part in [query, form].into_iter().flatten() {
        let _ = params::parse_form(part.as_bytes());
        let _ = percent::decode(part.as_bytes(), true);
        let _ = percent::decode(part.as_bytes(), false);
    }

    // The verifier, with a header we sign ourselves when asked to.
    let signature_method = match header {
        "@sign" => Some(SignatureMethod::HmacSha256),
        "@sign1" => Some(SignatureMethod::HmacSha1),
        _ => None,
    };
    let signed_header;
    let mut authorization = Some(header).filter(|h| !h.is_empty());
    let mut must_verify = false;
    if let Some(signature_method) = signature_method {
        let target = match query {
            Some(query) => format!("/graphql?{query}"),
            None => "/graphql".to_owned(),
        };
        let form_pairs = form.map(utf8_form).unwrap_or(Some(Vec::new()));
        if let Some(form_pairs) = form_pairs
            && let Some(value) = sign(method, &target, &form_pairs, signature_method, NOW, "nonce")
        {
            signed_header = value;
            authorization = Some(&signed_header);
            // Our signer covers exactly what the verifier reads unless a fragment hides part of
            // the query, or the query or body repeats a protocol parameter.
            let repeats_protocol = [query, form].into_iter().flatten().any(|part| {
                params::parse_form(part.as_bytes())
                    .map(|ps| ps.iter().any(|p| p.name.starts_with(b"oauth_")))
                    .unwrap_or(true)
            });
            must_verify = !query.is_some_and(|q| q.contains('#')) && !repeats_protocol;
        }
    }

    let request = SignedRequest {
        method,
        scheme: SCHEME,
        authority: AUTHORITY,
        path: "/graphql",
        query,
        authorization,
        form_body: form.map(str::as_bytes),
        body: form.map(str::as_bytes).unwrap_or_default(),
    };
    let credentials = credentials();
    let configured = Verifier {
        credentials: &credentials,
        public_base_url: Some(PUBLIC_BASE_URL),
        require_body_hash: false,
        now: NOW,
    }
    .check(&request);
    let from_request = Verifier {
        credentials: &credentials,
        public_base_url: None,
        require_body_hash: false,
        now: NOW,
    }
    .check(&request);
    let spelled_differently = Verifier {
        credentials: &credentials,
        public_base_url: Some("HTTP://LocalHost:3000/"),
        require_body_hash: false,
        now: NOW,
    }
    .check(&request);
    assert_eq!(
        configured, from_request,
        "the base URL's source changed the verdict"
    );
    assert_eq!(
        configured, spelled_differently,
        "the base URL's spelling changed the verdict"
    );
    if must_verify {
        assert!(
            configured.is_ok(),
            "our own signature was refused: {configured:?}"
        );
    }
});

/// Form pairs as the signer takes them (decoded, UTF-8), or `None` if they are not UTF-8 or
/// do not decode.
fn utf8_form(form: &str) -> Option<Vec<(String, String)>> {
    params::parse_form(form.as_bytes())
        .ok()?
        .into_iter()
        .map(|Param { name, value }| {
            Some((
                String::from_utf8(name).ok()?,
                String::from_utf8(value).ok()?,
            ))
        })
        .collect()
}

fn parse_and_round_trip(header: &str) {
    let Ok(Some(parsed)) = params::parse_authorization(header) else {
        return;
    };
    assert!(
        parsed.iter().all(|p| p.name != b"realm"),
        "realm kept as a parameter"
    );
    let _ = params::duplicated_protocol_params(&parsed);
    let mut rebuilt = String::from("OAuth ");
    for (i, param) in parsed.iter().enumerate() {
        if i > 0 {
            rebuilt.push_str(", ");
        }
        percent::encode_into(&mut rebuilt, &param.name);
        rebuilt.push_str("=\"");
        percent::encode_into(&mut rebuilt, &param.value);
        rebuilt.push('"');
    }
    assert_eq!(
        params::parse_authorization(&rebuilt),
        Ok(Some(parsed)),
        "re-encoded parameters read back differently: {rebuilt}"
    );
}
