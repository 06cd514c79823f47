//! Findings of the hostile review, each through the built component on every host: the
//! signed body (`oauth_body_hash`), and stores that must stay apart.

#[macro_use]
mod support;

use customer_token::oauth::{
    SignatureMethod, authorization_header_with_body_hash, authorization_header_with_realm,
};
use customer_token_host::Flavor;
use serde_json::json;
use support::*;

fn exchange_body(email: &str) -> Vec<u8> {
    json!({"query": format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Roni", lastname: "Cost", email: "{email}"}}}}) {{ customer {{ email }} }} }}"#
    )})
    .to_string()
    .into_bytes()
}

async fn send(fixture: &Fixture, authorization: &str, body: Vec<u8>) -> Reply {
    fixture
        .send(
            "POST",
            URL,
            Some("application/json"),
            Some(authorization),
            body,
        )
        .await
}

fn hashed(fixture: &Fixture, method: SignatureMethod, body: &[u8]) -> String {
    authorization_header_with_body_hash(
        "POST",
        URL,
        body,
        &credentials(),
        method,
        fixture.now(),
        &fixture.fresh_nonce(),
    )
    .unwrap()
}

/// A header whose `oauth_body_hash` is the SHA-1 one, as Python's oauthlib sends it for
/// every signature method: the parameter is added by hand here.
fn hashed_sha1_like_oauthlib(fixture: &Fixture, body: &[u8]) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(body));
    // Sign with the hash as a signed parameter, then move it into the header.
    let header = authorization_header_with_realm(
        None,
        "POST",
        URL,
        &[("oauth_body_hash".to_owned(), hash.clone())],
        &credentials(),
        SignatureMethod::HmacSha256,
        fixture.now(),
        &fixture.fresh_nonce(),
    )
    .unwrap();
    let encoded: String = form_urlencoded::byte_serialize(hash.as_bytes()).collect();
    let encoded = encoded.replace('+', "%20");
    header.replacen(
        "OAuth ",
        &format!("OAuth oauth_body_hash=\"{encoded}\", "),
        1,
    )
}

async fn a_signed_body_hash_binds_the_body(host: Flavor) {
    let fixture = Fixture::on(host);
    let signed_body = exchange_body("signed@example.com");
    for method in [SignatureMethod::HmacSha256, SignatureMethod::HmacSha1] {
        let header = hashed(&fixture, method, &signed_body);
        let reply = send(&fixture, &header, signed_body.clone()).await;
        assert_eq!(reply.status, 200, "{method:?}: {}", reply.body);
        assert_eq!(
            reply.body["data"]["exchangeExternalCustomerToken"]["customer"]["email"],
            "signed@example.com"
        );

        // The same header with another body: one login of any email is what a leaked header
        // would allow without the check.
        let header = hashed(&fixture, method, &signed_body);
        let reply = send(&fixture, &header, exchange_body("attacker@example.com")).await;
        assert_eq!(reply.status, 403, "{method:?}: {}", reply.body);
        assert_eq!(
            only_error(&reply)["extensions"]["oauth_problem"],
            "signature_invalid"
        );
    }
    // oauthlib's SHA-1 body hash under HMAC-SHA256 binds the body just the same.
    let header = hashed_sha1_like_oauthlib(&fixture, &signed_body);
    assert_eq!(
        send(&fixture, &header, signed_body.clone()).await.status,
        200
    );
    let header = hashed_sha1_like_oauthlib(&fixture, &signed_body);
    let reply = send(&fixture, &header, exchange_body("attacker@example.com")).await;
    assert_eq!(
        only_error(&reply)["extensions"]["oauth_problem"],
        "signature_invalid"
    );
    // The refused bodies created nobody.
    let keys = fixture.memory.keys();
    assert_eq!(
        keys.iter()
            .filter(|key| key.starts_with("customer:"))
            .count(),
        1,
        "{keys:?}"
    );
}

async fn a_deployment_can_require_the_body_hash(host: Flavor) {
    let fixture = Fixture::with_secrets(host, secrets().with("oauth_require_body_hash", "true"));
    let body = exchange_body("roni_cost@example.com");
    let reply = send(&fixture, &fixture.signed(), body.clone()).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let error = only_error(&reply);
    assert_eq!(error["extensions"]["oauth_problem"], "parameter_absent");
    assert_eq!(
        error["extensions"]["oauth_parameters_absent"],
        json!(["oauth_body_hash"])
    );
    let header = hashed(&fixture, SignatureMethod::HmacSha256, &body);
    let reply = send(&fixture, &header, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn token_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {}", reply.body))
        .to_owned()
}

async fn stores_configured_alike_refuse_each_others_tokens(host: Flavor) {
    // Two deployments with the same variables and separate stores: the same customer id is a
    // different person on each.
    let (home, away) = (Fixture::on(host), Fixture::on(host));
    let query = r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "Roni", lastname: "Cost", email: "roni_cost@example.com"}}) { token } }"#;
    let other = r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "Veronica", lastname: "Costello", email: "veronica@example.com"}}) { token } }"#;
    let token = token_of(&home.post_signed(query).await);
    let customer = "{ customer { email } }";
    let bearer = format!("Bearer {token}");
    // Away has issued nothing yet, then issues its own customer 1, in the same second.
    let refused = away.post(customer, Some(&bearer)).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        only_error(&refused)["message"],
        "Composite reader could not read a token"
    );
    let away_token = token_of(&away.post_signed(other).await);
    assert_eq!(
        jwt_parts(&away_token).1,
        jwt_parts(&token).1,
        "the same claims"
    );
    assert_ne!(away_token, token, "yet not the same token");
    let refused = away.post(customer, Some(&bearer)).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(
        only_error(&refused)["message"],
        "Composite reader could not read a token"
    );
    // Each store accepts its own.
    let at_home = home.post(customer, Some(&bearer)).await;
    assert_eq!(
        at_home.body["data"]["customer"]["email"],
        "roni_cost@example.com"
    );
    let away_reply = away
        .post(customer, Some(&format!("Bearer {away_token}")))
        .await;
    assert_eq!(
        away_reply.body["data"]["customer"]["email"],
        "veronica@example.com"
    );
}

async fn aliased_introspection_is_cut_off_with_one_error(host: Flavor) {
    let fixture = Fixture::on(host);
    let alias = "__schema { types { name fields(includeDeprecated: true) { name args { name type { name ofType { name } } } type { name kind ofType { name kind ofType { name } } } } } }";
    let query = format!(
        "{{ {} }}",
        (0..25)
            .map(|i| format!("a{i}: {alias}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let reply = fixture
        .send_with_headers(
            "POST",
            URL,
            &[("content-type", "application/json")],
            json!({ "query": query }).to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.len() < 1_000, "{} bytes", reply.body.len());
    let reply = reply.into_json();
    assert_eq!(
        only_error(&reply)["message"],
        "The response would have more than 10000 values; ask for fewer fields or list items."
    );
    assert!(reply.body.get("data").is_none());
}

on_every_host!(
    aliased_introspection_is_cut_off_with_one_error,
    a_signed_body_hash_binds_the_body,
    a_deployment_can_require_the_body_hash,
    stores_configured_alike_refuse_each_others_tokens,
);
