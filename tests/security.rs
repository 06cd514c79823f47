//! Findings of the hostile review, each through the built component on every host: the
//! signed body (`oauth_body_hash`), stores that must stay apart, tokens that cannot outlive
//! their customer record or a revocation, creations that never overwrite a record, and email
//! domains written in forms that would make a second customer.

use customer_token::oauth::{
    SignatureMethod, authorization_header_with_body_hash, authorization_header_with_realm,
};
use std::sync::Arc;

use crate::support::*;
use customer_token_runtime::{CallPhase, Flavor, KeyValue};
use serde_json::json;

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

/// A first or repeat login of `email`: its uid and token.
async fn log_in(fixture: &Fixture, email: &str) -> (i64, String) {
    let token = token_of(
        &fixture
            .post_signed(&format!(
                r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Roni", lastname: "Cost", email: "{email}"}}}}) {{ token }} }}"#
            ))
            .await,
    );
    (uid_of(&token), token)
}

/// What `{ customer { email } }` answers with `token`.
async fn read_with(fixture: &Fixture, token: &str) -> Reply {
    fixture
        .post("{ customer { email } }", Some(&format!("Bearer {token}")))
        .await
}

fn assert_reads(reply: &Reply, email: &str) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, json!({"data": {"customer": {"email": email}}}));
}

async fn revoke_with(fixture: &Fixture, token: &str) -> Reply {
    fixture
        .post(
            "mutation { revokeCustomerToken { result } }",
            Some(&format!("Bearer {token}")),
        )
        .await
}

async fn a_store_that_lost_its_latest_writes_never_lets_a_token_read_another_account(host: Flavor) {
    // As Redis restarted from a snapshot (or after a failover to a replica that lagged): the
    // victim's login is lost, the id counter goes back, and the next new shopper gets the
    // victim's id.
    let fixture = Fixture::on(host);
    log_in(&fixture, "first@example.com").await;
    let snapshot = fixture.memory.snapshot();
    let (victim, victims_token) = log_in(&fixture, "victim@example.com").await;
    assert_reads(
        &read_with(&fixture, &victims_token).await,
        "victim@example.com",
    );
    fixture.memory.restore(&snapshot);
    let (mallory, mallorys_token) = log_in(&fixture, "mallory@example.com").await;
    assert_eq!(mallory, victim, "the restored store hands the id out again");
    let refused = read_with(&fixture, &victims_token).await;
    assert_refused(&refused, "Composite reader could not read a token");
    assert_refused(
        &revoke_with(&fixture, &victims_token).await,
        "Composite reader could not read a token",
    );
    assert_reads(
        &read_with(&fixture, &mallorys_token).await,
        "mallory@example.com",
    );
}

async fn a_login_in_the_same_second_as_a_revocation_gets_a_working_token(host: Flavor) {
    let fixture = Fixture::on(host);
    let (_, before) = log_in(&fixture, "roni_cost@example.com").await;
    let revoked = revoke_with(&fixture, &before).await;
    assert_eq!(
        revoked.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    // The test clock has not moved: the login is in the revocation's second.
    let (_, after) = log_in(&fixture, "roni_cost@example.com").await;
    assert_reads(&read_with(&fixture, &after).await, "roni_cost@example.com");
    assert_refused(
        &read_with(&fixture, &before).await,
        "User token has been revoked",
    );
}

async fn revocations_racing_each_other_all_count(host: Flavor) {
    // Revocation A is held before its last store call while, a second later, a login and a
    // second revocation B run in full; then A goes on. Nothing A does may bring back the
    // token B revoked.
    let calls_of_a_revocation = {
        let twin = Fixture::on(host);
        let (_, token) = log_in(&twin, "roni_cost@example.com").await;
        let before = twin.faults.calls();
        revoke_with(&twin, &token).await;
        twin.faults.calls() - before
    };
    let fixture = Arc::new(Fixture::on(host));
    let (_, first) = log_in(&fixture, "roni_cost@example.com").await;
    let stall = Stall::at(
        &fixture.faults,
        fixture.faults.calls() + calls_of_a_revocation,
        CallPhase::Before,
    );
    let revocation_a = tokio::spawn({
        let (fixture, first) = (fixture.clone(), first.clone());
        async move { revoke_with(&fixture, &first).await }
    });
    let stall = stall
        .reached(&revocation_a)
        .await
        .expect("revocation A reaches its last store call");
    fixture.clock.advance(1);
    let (_, second) = log_in(&fixture, "roni_cost@example.com").await;
    let revocation_b = revoke_with(&fixture, &second).await;
    assert_eq!(
        revocation_b.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    let _ = stall.resume.send(());
    let revocation_a = revocation_a.await.unwrap();
    assert_eq!(
        revocation_a.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    for token in [&first, &second] {
        assert_refused(
            &read_with(&fixture, token).await,
            "User token has been revoked",
        );
    }
    let (_, third) = log_in(&fixture, "roni_cost@example.com").await;
    assert_reads(&read_with(&fixture, &third).await, "roni_cost@example.com");
}

async fn a_rewound_id_counter_skips_the_live_records(host: Flavor) {
    let fixture = Fixture::on(host);
    let (first, first_token) = log_in(&fixture, "a@example.com").await;
    // The counter as it was after the first login, in this host's own encoding.
    let rewound = fixture.memory.get("customer-next-id").unwrap().unwrap();
    let (second, second_token) = log_in(&fixture, "b@example.com").await;
    let (third, third_token) = log_in(&fixture, "c@example.com").await;
    assert_eq!([first, second, third], [1, 2, 3]);
    // As a store restored with that key alone from an older snapshot would have it.
    fixture.memory.set("customer-next-id", &rewound).unwrap();
    let (fourth, fourth_token) = log_in(&fixture, "d@example.com").await;
    assert!(fourth > third, "customer {fourth} was handed out again");
    for (token, email) in [
        (&first_token, "a@example.com"),
        (&second_token, "b@example.com"),
        (&third_token, "c@example.com"),
        (&fourth_token, "d@example.com"),
    ] {
        assert_reads(&read_with(&fixture, token).await, email);
    }
    // The counter has moved past what it skipped.
    let (fifth, _) = log_in(&fixture, "e@example.com").await;
    assert_eq!(fifth, fourth + 1);
}

async fn a_domain_in_fullwidth_forms_is_an_invalid_email_and_writes_nothing(host: Flavor) {
    let fixture = Fixture::on(host);
    // `ｅｘａｍｐｌｅ.com` is `example.com` to a browser or a mail server (UTS-46 maps it).
    let email = "roni@\u{ff45}\u{ff58}\u{ff41}\u{ff4d}\u{ff50}\u{ff4c}\u{ff45}.com";
    let reply = fixture
        .post_signed(&format!(
            r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Roni", lastname: "Cost", email: "{email}"}}}}) {{ token }} }}"#
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["data"],
        json!({"exchangeExternalCustomerToken": null})
    );
    let error = only_error(&reply);
    assert_eq!(
        error["message"],
        format!("\"{email}\" is not a valid email address.")
    );
    assert_eq!(error["extensions"]["category"], "graphql-input");
    assert!(
        !fixture
            .memory
            .keys()
            .iter()
            .any(|key| key.starts_with("customer")),
        "{:?}",
        fixture.memory.keys()
    );
}

// ----- Customers linked by their sign-in's subject (`customer_link_attribute`) -----

const LINK_ATTRIBUTE: &str = "social_id";

fn linking() -> customer_token_runtime::SecretMap {
    secrets().with("customer_link_attribute", LINK_ATTRIBUTE)
}

/// The exchange of a login of `email` with the subject `subject` (none: no attribute).
async fn linked_login(fixture: &Fixture, email: &str, subject: Option<&str>) -> Reply {
    let attributes = subject.map_or_else(String::new, |subject| {
        format!(
            r#", custom_attributes: [{{attribute_code: "{LINK_ATTRIBUTE}", value: "{subject}"}}]"#
        )
    });
    fixture
        .post_signed(&format!(
            r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "Roni", lastname: "Cost", email: "{email}"{attributes}}}}}) {{ customer {{ email }} token }} }}"#
        ))
        .await
}

/// A linked login that succeeded: its uid and token.
async fn log_in_linked(fixture: &Fixture, email: &str, subject: &str) -> (i64, String) {
    let token = token_of(&linked_login(fixture, email, Some(subject)).await);
    (uid_of(&token), token)
}

/// Every key the store holds, with its value, but the nonces' (which any signed request adds).
fn customer_data(fixture: &Fixture) -> Vec<(String, Vec<u8>)> {
    fixture
        .memory
        .keys()
        .into_iter()
        .filter(|key| !key.starts_with("oauth-nonce"))
        .map(|key| {
            let value = fixture.memory.get(&key).unwrap().unwrap_or_default();
            (key, value)
        })
        .collect()
}

async fn a_linked_subject_finds_its_customer_whatever_email_it_brings(host: Flavor) {
    let fixture = Fixture::with_secrets(host, linking());
    let (first, _) = log_in_linked(&fixture, "roni@example.com", "google:1001").await;
    let (again, token) = log_in_linked(&fixture, "roni.cost@other.example", "google:1001").await;
    assert_eq!(again, first);
    // The stored email follows the default profile policy, `keep`.
    assert_reads(&read_with(&fixture, &token).await, "roni@example.com");
    // Another subject with the new email is another customer.
    let (other, _) = log_in_linked(&fixture, "roni.cost@other.example", "apple:2002").await;
    assert_ne!(other, first);

    // With `update`, the stored email follows the sign-in's, unless another customer has it.
    let fixture =
        Fixture::with_secrets(host, linking().with("customer_profile_on_login", "update"));
    let (first, _) = log_in_linked(&fixture, "roni@example.com", "google:1001").await;
    let (again, token) = log_in_linked(&fixture, "roni.new@example.com", "google:1001").await;
    assert_eq!(again, first);
    assert_reads(&read_with(&fixture, &token).await, "roni.new@example.com");
    log_in_linked(&fixture, "taken@example.com", "apple:2002").await;
    let (again, token) = log_in_linked(&fixture, "taken@example.com", "google:1001").await;
    assert_eq!(again, first);
    assert_reads(&read_with(&fixture, &token).await, "roni.new@example.com");
}

async fn a_second_subject_for_a_linked_email_is_refused_and_writes_nothing(host: Flavor) {
    let fixture = Fixture::with_secrets(host, linking());
    log_in_linked(&fixture, "roni@example.com", "google:1001").await;
    let before = customer_data(&fixture);
    let reply = linked_login(&fixture, "Roni@Example.com", Some("apple:2002")).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(
        reply.body["data"],
        json!({"exchangeExternalCustomerToken": null})
    );
    let error = only_error(&reply);
    assert_eq!(
        error["message"],
        "The account with this email is linked to another sign-in."
    );
    assert_eq!(error["extensions"]["category"], "graphql-authorization");
    assert_eq!(customer_data(&fixture), before);
}

async fn a_customer_of_the_email_without_a_link_is_linked_once(host: Flavor) {
    // A customer from before linking was turned on.
    let before_linking = Fixture::on(host);
    let (legacy, legacy_token) = log_in(&before_linking, "roni@example.com").await;
    let fixture = before_linking.restarted_with(host, linking());
    let (linked, _) = log_in_linked(&fixture, "roni@example.com", "google:1001").await;
    assert_eq!(linked, legacy);
    assert_reads(
        &read_with(&fixture, &legacy_token).await,
        "roni@example.com",
    );
    let refused = linked_login(&fixture, "roni@example.com", Some("apple:2002")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let (found, _) = log_in_linked(&fixture, "roni.cost@other.example", "google:1001").await;
    assert_eq!(found, legacy);
}

async fn concurrent_first_logins_of_one_subject_with_different_emails_make_one_customer(
    host: Flavor,
) {
    let fixture = Arc::new(Fixture::with_secrets(host, linking()));
    let logins: Vec<_> = (0..20)
        .map(|n| {
            let fixture = fixture.clone();
            tokio::spawn(async move {
                log_in_linked(&fixture, &format!("roni{n}@example.com"), "google:1001").await
            })
        })
        .collect();
    let mut uids = std::collections::BTreeSet::new();
    for login in logins {
        uids.insert(login.await.unwrap().0);
    }
    assert_eq!(uids.len(), 1, "{uids:?}");
    let records = fixture
        .memory
        .keys()
        .into_iter()
        .filter(|key| key.starts_with("customer:"))
        .count();
    assert_eq!(records, 1, "{:?}", fixture.memory.keys());
}

async fn a_login_without_a_well_formed_subject_is_refused_naming_the_attribute(host: Flavor) {
    let fixture = Fixture::with_secrets(host, linking());
    for (subject, message) in [
        (None, "\"social_id\" is a required value."),
        (
            Some("1001"),
            "\"social_id\" must be the sign-in's provider and subject, as in google:1234567890.",
        ),
        (
            Some("google:"),
            "\"social_id\" must be the sign-in's provider and subject, as in google:1234567890.",
        ),
    ] {
        let reply = linked_login(&fixture, "roni@example.com", subject).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let error = only_error(&reply);
        assert_eq!(error["message"], message, "{subject:?}");
        assert_eq!(error["extensions"]["category"], "graphql-input");
    }
    assert!(
        customer_data(&fixture).is_empty(),
        "{:?}",
        fixture.memory.keys()
    );
}

async fn without_the_link_attribute_subjects_are_ordinary_attributes(host: Flavor) {
    let fixture = Fixture::on(host);
    let first = linked_login(&fixture, "roni@example.com", Some("google:1001")).await;
    let second = linked_login(&fixture, "roni@example.com", Some("apple:2002")).await;
    assert_eq!(uid_of(&token_of(&first)), uid_of(&token_of(&second)));
    assert!(
        !fixture
            .memory
            .keys()
            .iter()
            .any(|key| key.starts_with("customer-subject") || key.starts_with("customer-link")),
        "{:?}",
        fixture.memory.keys()
    );
}

async fn the_typed_interface_links_by_its_subject_field(host: Flavor) {
    use customer_token_runtime::exchange::{CustomerInput, Error};
    let fixture = Fixture::with_secrets(host, linking());
    let input = |email: &str, subject: &str| CustomerInput {
        subject: Some(subject.into()),
        ..customer_input(email)
    };
    let first = fixture
        .runtime
        .exchange(input("roni@example.com", "google:1001"))
        .await
        .unwrap()
        .unwrap();
    let again = fixture
        .runtime
        .exchange(input("roni.cost@other.example", "google:1001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.customer.id, first.customer.id);
    // The subject is kept as the link attribute.
    assert_eq!(first.customer.custom_attributes.len(), 1);
    assert_eq!(first.customer.custom_attributes[0].code, LINK_ATTRIBUTE);
    match fixture
        .runtime
        .exchange(input("roni@example.com", "apple:2002"))
        .await
        .unwrap()
    {
        Err(Error::Unauthorized(message)) => assert_eq!(
            message,
            "The account with this email is linked to another sign-in."
        ),
        other => panic!("{other:?}"),
    }
    // The HTTP API finds the same customer by the same subject.
    let (uid, _) = log_in_linked(&fixture, "third@example.com", "google:1001").await;
    assert_eq!(uid, i64::from(first.customer.id));
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
    a_store_that_lost_its_latest_writes_never_lets_a_token_read_another_account,
    a_login_in_the_same_second_as_a_revocation_gets_a_working_token,
    revocations_racing_each_other_all_count,
    a_rewound_id_counter_skips_the_live_records,
    a_domain_in_fullwidth_forms_is_an_invalid_email_and_writes_nothing,
    a_linked_subject_finds_its_customer_whatever_email_it_brings,
    a_second_subject_for_a_linked_email_is_refused_and_writes_nothing,
    a_customer_of_the_email_without_a_link_is_linked_once,
    concurrent_first_logins_of_one_subject_with_different_emails_make_one_customer,
    a_login_without_a_well_formed_subject_is_refused_naming_the_attribute,
    without_the_link_attribute_subjects_are_ordinary_attributes,
    the_typed_interface_links_by_its_subject_field,
    aliased_introspection_is_cut_off_with_one_error,
    a_signed_body_hash_binds_the_body,
    a_deployment_can_require_the_body_hash,
    stores_configured_alike_refuse_each_others_tokens,
);
