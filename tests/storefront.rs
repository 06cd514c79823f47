//! The storefront's real clients against the built component, on every host: Adobe's
//! drop-in documents verbatim (`tests/dropins/`, sent as the drop-ins send them), Adobe's
//! reference mutation with its nullable `$input`, the Bearer token checked as Magento checks
//! it, `revokeCustomerToken`, CORS, and the profile policy of a repeat login.

use crate::support::*;
use customer_token_runtime::Flavor;
use serde_json::{Value, json};

const VALIDATE_TOKEN: &str = include_str!("dropins/VALIDATE_TOKEN.graphql");
const VALIDATE_TOKEN_WITH_GROUP: &str = include_str!("dropins/VALIDATE_TOKEN_WITH_GROUP.graphql");
const GET_CUSTOMER_DATA: &str = include_str!("dropins/GET_CUSTOMER_DATA.graphql");
const REVOKE_CUSTOMER_TOKEN: &str = include_str!("dropins/REVOKE_CUSTOMER_TOKEN.graphql");
const GET_CUSTOMER: &str = include_str!("dropins/GET_CUSTOMER.graphql");
const ADOBE_REFERENCE_EXCHANGE: &str = include_str!("dropins/ADOBE_REFERENCE_EXCHANGE.graphql");

const ORIGIN: &str = "https://shop.example.com";

/// The seed customer, with a select attribute and a text attribute, exchanged for a token.
const LOGIN: &str = r#"mutation {
  exchangeExternalCustomerToken(input: {customer: {
    firstname: "Roni", lastname: "Cost", email: "roni_cost@example.com", date_of_birth: "1990-01-31",
    custom_attributes: [
      {attribute_code: "loyalty_tier", value: "gold"},
      {attribute_code: "interests", selected_options: [{value: "12"}, {value: "14"}]}
    ]
  }}) { customer { id } token }
}"#;

async fn login(fixture: &Fixture) -> String {
    let reply = fixture.post_signed(LOGIN).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {}", reply.body))
        .to_owned()
}

/// The drop-ins' `fetchGraphQl`: POST sends `{"query"}` unminified; GET sends the query
/// minified (`#...` removed, whitespace runs made one space, trimmed) in the URL. Both carry
/// the same headers.
async fn send_as_dropin(fixture: &Fixture, method: &str, document: &str, token: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("store", "default"),
        ("authorization", bearer.as_str()),
    ];
    let raw = match method {
        "GET" => {
            let minified = minify(document);
            let encoded: String = form_urlencoded::byte_serialize(minified.as_bytes()).collect();
            fixture
                .send_with_headers(
                    "GET",
                    &format!("{URL}?query={encoded}"),
                    &headers,
                    Vec::new(),
                )
                .await
        }
        _ => {
            let body = json!({ "query": document }).to_string().into_bytes();
            fixture.send_with_headers("POST", URL, &headers, body).await
        }
    };
    raw.into_json()
}

async fn the_drop_in_documents_work_verbatim(host: Flavor) {
    let fixture = Fixture::on(host);
    let token = login(&fixture).await;

    let reply = send_as_dropin(&fixture, "POST", VALIDATE_TOKEN, &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Roni"}}})
    );

    let reply = send_as_dropin(&fixture, "POST", VALIDATE_TOKEN_WITH_GROUP, &token).await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Roni", "group": {"uid": "MQ=="}}}})
    );

    let reply = send_as_dropin(&fixture, "GET", GET_CUSTOMER_DATA, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {
            "__typename": "Customer", "firstname": "Roni", "lastname": "Cost",
            "email": "roni_cost@example.com", "allow_remote_shopping_assistance": false,
            "group": {"uid": "MQ=="}
        }}})
    );

    let reply = send_as_dropin(&fixture, "GET", GET_CUSTOMER, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body.to_string(),
        json!({"data": {"customer": {
            "date_of_birth": "1990-01-31", "email": "roni_cost@example.com", "firstname": "Roni",
            "gender": null, "lastname": "Cost", "middlename": null, "prefix": null, "suffix": null,
            "created_at": "2025-05-29 06:17:01", "allow_remote_shopping_assistance": false,
            "custom_attributes": [
                {"code": "loyalty_tier", "value": "gold"},
                {"code": "interests", "selected_options": [{"value": "12"}, {"value": "14"}]}
            ]
        }}})
        .to_string()
    );

    let reply = send_as_dropin(&fixture, "POST", REVOKE_CUSTOMER_TOKEN, &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    // The drop-in signs the shopper out on `graphql-authentication`.
    let reply = send_as_dropin(&fixture, "POST", VALIDATE_TOKEN, &token).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.body,
        json!({"errors": [{"message": "User token has been revoked", "extensions": {"category": "graphql-authentication"}}]})
    );
}

async fn adobes_reference_mutation_takes_a_nullable_input(host: Flavor) {
    let fixture = Fixture::on(host);
    // Adobe's generated example spreads a `CustomerFragment` it never defines: a client
    // brings its own.
    let document = format!(
        "{ADOBE_REFERENCE_EXCHANGE}\nfragment CustomerFragment on Customer {{ id email firstname lastname group {{ uid }} }}"
    );
    let body = json!({
        "query": document,
        "operationName": "exchangeExternalCustomerToken",
        "variables": {"input": {"customer": {"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost"}}}
    });
    let authorization = fixture.signed();
    let reply = fixture
        .send(
            "POST",
            URL,
            Some("application/json"),
            Some(&authorization),
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["data"]["exchangeExternalCustomerToken"]["customer"],
        json!({"id": "1", "email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "group": {"uid": "MQ=="}})
    );

    for variables in [json!({"input": null}), json!({})] {
        let body = json!({"query": document, "variables": variables});
        let authorization = fixture.signed();
        let reply = fixture
            .send(
                "POST",
                URL,
                Some("application/json"),
                Some(&authorization),
                body.to_string().into_bytes(),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body,
            json!({
                "errors": [{
                    "message": "\"input\" value should be specified",
                    "locations": [{"line": 2, "column": 3}],
                    "path": ["exchangeExternalCustomerToken"],
                    "extensions": {"category": "graphql-input"}
                }],
                "data": {"exchangeExternalCustomerToken": null}
            })
        );
    }
}

/// A whole-request refusal of a Bearer token: 401, one error, no `data`.
async fn every_bearer_failure_has_magentos_status_category_and_message(host: Flavor) {
    let fixture = Fixture::on(host);
    let token = login(&fixture).await;
    let customer = "{ customer { email } }";

    // Unreadable tokens are refused before anything runs, even `{ __typename }`.
    let mut forged = token.clone();
    forged.push('x');
    for bad in [
        forged.as_str(),
        "garbage",
        "",
        "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.e30.c2ln",
    ] {
        for query in [customer, "{ __typename }"] {
            let reply = fixture.post(query, Some(&format!("Bearer {bad}"))).await;
            assert_refused(&reply, "Composite reader could not read a token");
        }
    }
    // The scheme is matched in any case; a token signed with another key is unreadable too.
    let reply = fixture
        .post(customer, Some(&format!("bEaReR {token}")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Magento reads only `<scheme> <token>` split at single spaces: anything else is no
    // Bearer header, and the request is a guest's.
    for not_bearer in [
        format!("Bearer  {token}"),
        "Bearer".to_owned(),
        "Basic abc".to_owned(),
    ] {
        let reply = fixture.post(customer, Some(&not_bearer)).await;
        assert_eq!(reply.status, 403, "{not_bearer}: {}", reply.body);
        assert_eq!(
            only_error(&reply)["message"],
            "The current customer isn't authorized."
        );
    }

    // No token: 403 from the field, with `data`.
    let reply = fixture.post(customer, None).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body["data"], json!({"customer": null}));
    assert_eq!(
        only_error(&reply)["extensions"]["category"],
        "graphql-authorization"
    );
    let reply = fixture.post(REVOKE_CUSTOMER_TOKEN, None).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        only_error(&reply)["message"],
        "The current customer isn't authorized."
    );

    // Expired: refused before execution.
    fixture.clock.advance(3600);
    let reply = fixture
        .post(customer, Some(&format!("Bearer {token}")))
        .await;
    assert_refused(&reply, "Consumer key has expired");
}

async fn a_token_for_another_user_type_or_for_no_customer_here(host: Flavor) {
    use customer_token::token::{TokenKey, issue};
    let fixture = Fixture::on(host);
    // A token for customer 42, who has no record here, signed as its key would be: there is no
    // key to check it with, so it is unreadable.
    let missing = issue(
        &TokenKey::new(&customer_token_key(42, &"0".repeat(32), 0)),
        42,
        fixture.now(),
        3600,
    );
    let reply = fixture
        .post("{ customer { email } }", Some(&format!("Bearer {missing}")))
        .await;
    assert_refused(&reply, "Composite reader could not read a token");

    // A valid admin token (utypid 2, signed with customer 1's key) is authenticated but no
    // customer.
    login(&fixture).await;
    let key_bytes = customer_token_key(1, &stored_token_key(&fixture.memory, 1), 0);
    let admin = admin_token(fixture.now(), &key_bytes);
    let reply = fixture
        .post("{ customer { email } }", Some(&format!("Bearer {admin}")))
        .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(
        only_error(&reply)["message"],
        "The current customer isn't authorized."
    );
    let reply = fixture
        .post("{ __typename }", Some(&format!("Bearer {admin}")))
        .await;
    assert_eq!(reply.body, json!({"data": {"__typename": "Query"}}));
}

/// A Magento-shaped token for user type 2 (admin) signed with the store's key, assembled
/// here by hand (our issuer only makes customer tokens).
fn admin_token(now: i64, key: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signed = format!(
        "{}.{}",
        b64(br#"{"kid":"1","alg":"HS256"}"#),
        b64(format!(r#"{{"uid":1,"utypid":2,"iat":{now},"exp":{}}}"#, now + 3600).as_bytes())
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(signed.as_bytes());
    format!("{signed}.{}", b64(&mac.finalize().into_bytes()))
}

async fn revoking_refuses_every_earlier_token_and_a_later_login_works(host: Flavor) {
    let fixture = Fixture::on(host);
    let first = login(&fixture).await;
    fixture.clock.advance(10);
    let second = login(&fixture).await;
    let customer = "{ customer { email } }";

    let reply = fixture
        .post(REVOKE_CUSTOMER_TOKEN, Some(&format!("Bearer {second}")))
        .await;
    assert_eq!(
        reply.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    for token in [&first, &second] {
        let reply = fixture
            .post(customer, Some(&format!("Bearer {token}")))
            .await;
        assert_refused(&reply, "User token has been revoked");
        // Revoking again with a revoked token is refused too.
        let reply = fixture
            .post(REVOKE_CUSTOMER_TOKEN, Some(&format!("Bearer {token}")))
            .await;
        assert_refused(&reply, "User token has been revoked");
    }

    // Magento refuses a token issued at or before the revocation time: log in a second later.
    fixture.clock.advance(1);
    let third = login(&fixture).await;
    let reply = fixture
        .post(customer, Some(&format!("Bearer {third}")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"email": "roni_cost@example.com"}}})
    );
    // Another customer's tokens are untouched.
    let other = fixture
        .post_signed(r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "A", lastname: "B", email: "other@example.com"}}) { token } }"#)
        .await;
    let other = other.body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = fixture
        .post(REVOKE_CUSTOMER_TOKEN, Some(&format!("Bearer {third}")))
        .await;
    assert_eq!(reply.status, 200);
    let reply = fixture
        .post(customer, Some(&format!("Bearer {other}")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn the_typed_interface_verifies_and_revokes_like_the_api(host: Flavor) {
    use customer_token_runtime::exchange::Error;
    let fixture = Fixture::on(host);
    let token = login(&fixture).await;
    let customer = fixture.runtime.verify_token(&token).await.unwrap().unwrap();
    assert_eq!(customer.email, "roni_cost@example.com");
    assert_eq!(customer.custom_attributes.len(), 2);
    fixture.runtime.revoke(&token).await.unwrap().unwrap();
    match fixture.runtime.verify_token(&token).await.unwrap() {
        Err(Error::Revoked(message)) => assert_eq!(message, "User token has been revoked"),
        other => panic!("{other:?}"),
    }
    match fixture.runtime.revoke("garbage").await.unwrap() {
        Err(Error::Unauthorized(message)) => {
            assert_eq!(message, "Composite reader could not read a token")
        }
        other => panic!("{other:?}"),
    }
}

fn with_cors(host: Flavor, origins: &str) -> Fixture {
    Fixture::with_secrets(host, secrets().with("cors_allowed_origins", origins))
}

async fn preflight(fixture: &Fixture, origin: &str) -> RawReply {
    fixture
        .send_with_headers(
            "OPTIONS",
            URL,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization,content-type,store",
                ),
            ],
            Vec::new(),
        )
        .await
}

async fn cors_allows_only_the_configured_origins(host: Flavor) {
    let fixture = with_cors(host, &format!("{ORIGIN}, http://localhost:3000"));
    let allowed = preflight(&fixture, ORIGIN).await;
    assert_eq!(allowed.status, 204);
    assert!(allowed.body.is_empty());
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(allowed.header("vary"), Some("Authorization, Origin"));
    assert_eq!(
        allowed.header("access-control-allow-methods"),
        Some("GET, POST, OPTIONS")
    );
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for needed in ["content-type", "authorization", "store", "x-requested-with"] {
        assert!(headers.contains(needed), "{needed} in {headers}");
    }
    assert!(allowed.header("access-control-max-age").is_some());

    let refused = preflight(&fixture, "https://evil.example.com").await;
    assert_eq!(refused.status, 204);
    assert_eq!(refused.header("access-control-allow-origin"), None);
    assert_eq!(refused.header("access-control-allow-methods"), None);

    // Actual responses carry the origin too, errors included.
    let token = login(&fixture).await;
    let bearer = format!("Bearer {token}");
    let reply = fixture
        .send_with_headers(
            "POST",
            URL,
            &[
                ("origin", ORIGIN),
                ("content-type", "application/json"),
                ("authorization", &bearer),
            ],
            json!({"query": "{ customer { email } }"})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    let reply = fixture
        .send_with_headers(
            "POST",
            URL,
            &[
                ("origin", ORIGIN),
                ("content-type", "application/json"),
                ("authorization", "Bearer garbage"),
            ],
            json!({"query": "{ customer { email } }"})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));

    // A preflight with a dead token is refused like any request (Magento validates first).
    let reply = fixture
        .send_with_headers(
            "OPTIONS",
            URL,
            &[("origin", ORIGIN), ("authorization", "Bearer garbage")],
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, 401);

    // Nothing is allowed by default.
    let fixture = Fixture::on(host);
    let reply = preflight(&fixture, ORIGIN).await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    // `*` allows any origin, answered with the origin itself.
    let fixture = with_cors(host, "*");
    let reply = preflight(&fixture, "https://any.example").await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://any.example")
    );
}

fn profile_query(firstname: &str, extra: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "{firstname}", lastname: "Cost", email: "roni_cost@example.com"{extra}}}}}) {{ customer {{ id firstname taxvat is_subscribed date_of_birth custom_attributes {{ code ... on AttributeValue {{ value }} }} }} }} }}"#
    )
}

async fn customer_of(fixture: &Fixture, query: &str) -> Value {
    let reply = fixture.post_signed(query).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["exchangeExternalCustomerToken"]["customer"].clone()
}

async fn the_profile_policy_keeps_or_updates_a_returning_customer(host: Flavor) {
    let first = profile_query(
        "Roni",
        r#", taxvat: "DE1", date_of_birth: "1990-01-31", custom_attributes: [{attribute_code: "tier", value: "gold"}]"#,
    );
    let second = profile_query(
        "Veronica",
        r#", is_subscribed: true, custom_attributes: [{attribute_code: "tier", value: "platinum"}]"#,
    );

    let keep = Fixture::on(host);
    customer_of(&keep, &first).await;
    let kept = customer_of(&keep, &second).await;
    assert_eq!(
        kept,
        json!({"id": "1", "firstname": "Roni", "taxvat": "DE1", "is_subscribed": false,
               "date_of_birth": "1990-01-31", "custom_attributes": [{"code": "tier", "value": "gold"}]})
    );

    let update = Fixture::with_secrets(host, secrets().with("customer_profile_on_login", "update"));
    customer_of(&update, &first).await;
    let updated = customer_of(&update, &second).await;
    assert_eq!(
        updated,
        json!({"id": "1", "firstname": "Veronica", "taxvat": "DE1", "is_subscribed": true,
               "date_of_birth": "1990-01-31", "custom_attributes": [{"code": "tier", "value": "platinum"}]})
    );
    // The update is stored: the token's customer reads it back.
    let token = login(&update).await;
    let reply = update
        .post(
            "{ customer { firstname email } }",
            Some(&format!("Bearer {token}")),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Roni", "email": "roni_cost@example.com"}}}),
        "LOGIN's own profile (firstname Roni) was applied on this third login"
    );
}

async fn the_customer_group_is_the_configured_one(host: Flavor) {
    let fixture = Fixture::with_secrets(host, secrets().with("customer_group_id", "4"));
    let token = login(&fixture).await;
    let reply = fixture
        .post(
            "{ customer { group { uid } group_id } }",
            Some(&format!("Bearer {token}")),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"group": {"uid": "NA=="}, "group_id": null}}})
    );
}

async fn a_record_written_by_the_previous_version_is_still_read(host: Flavor) {
    use customer_token::token::{TokenKey, issue};
    use customer_token_runtime::KeyValue;
    let fixture = Fixture::on(host);
    // Byte for byte what version 0.1.0 (record format 1) wrote, custom attributes included.
    let record = r#"{"format":1,"id":6,"email":"roni_cost@example.com","firstname":"Roni","middlename":null,"lastname":"Cost","prefix":null,"suffix":null,"gender":2,"date_of_birth":"1990-01-31","taxvat":null,"is_subscribed":true,"created_at":"2025-05-29 06:17:01","confirmation_status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED","allow_remote_shopping_assistance":false,"custom_attributes":[{"code":"loyalty","value":"gold"},{"code":"empty","value":null}]}"#;
    fixture.memory.set("customer:6", record.as_bytes()).unwrap();
    // A record without `token_key`: its key material is its creation time and email.
    let key = customer_token_key(6, "2025-05-29 06:17:01 roni_cost@example.com", 0);
    let token = issue(&TokenKey::new(&key), 6, fixture.now(), 3600);
    let reply = fixture
        .post(
            "{ customer { id email gender is_subscribed date_of_birth custom_attributes { code ... on AttributeValue { value } } } }",
            Some(&format!("Bearer {token}")),
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"id": "6", "email": "roni_cost@example.com", "gender": 2,
            "is_subscribed": true, "date_of_birth": "1990-01-31",
            "custom_attributes": [{"code": "loyalty", "value": "gold"}]}}})
    );
}

async fn tokens_of_the_previous_version_are_refused_once_and_its_customers_keep_their_ids(
    host: Flavor,
) {
    use base64::Engine as _;
    use customer_token_runtime::KeyValue;
    use hmac::{Hmac, Mac};
    use sha2::Digest as _;
    let fixture = Fixture::on(host);
    // What 0.2 left in a store: a customer (format 2, no key material), its email's pointer, and
    // the store's salt its tokens were signed with.
    let record = r#"{"format":2,"id":6,"email":"roni_cost@example.com","firstname":"Roni","lastname":"Cost","created_at":"2025-05-29 06:17:01","confirmation_status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED","custom_attributes":[]}"#;
    fixture.memory.set("customer:6", record.as_bytes()).unwrap();
    let email_hash: String = sha2::Sha256::digest(b"roni_cost@example.com")
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    fixture
        .memory
        .set(&format!("customer-email:{email_hash}"), b"6")
        .unwrap();
    fixture
        .memory
        .set("customer-token-store-salt", b"42")
        .unwrap();
    // 0.2's token key: HMAC-SHA256(secret, "customer-token store key 42").
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(TOKEN_SECRET.as_bytes()).unwrap();
    mac.update(b"customer-token store key 42");
    let old_key: [u8; 32] = mac.finalize().into_bytes().into();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let old_token = customer_token::token::issue(
        &customer_token::token::TokenKey::new(&old_key),
        6,
        fixture.now(),
        3600,
    );
    assert!(old_token.starts_with(&b64(br#"{"kid":"1","alg":"HS256"}"#)));
    let reply = fixture
        .post(
            "{ customer { email } }",
            Some(&format!("Bearer {old_token}")),
        )
        .await;
    assert_refused(&reply, "Composite reader could not read a token");
    // The shopper signs in again: the same customer, and a token that works.
    let reply = fixture.post_signed(LOGIN).await;
    assert_eq!(
        reply.body["data"]["exchangeExternalCustomerToken"]["customer"]["id"],
        "6"
    );
    let token = reply.body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap();
    let reply = fixture
        .post("{ customer { email } }", Some(&format!("Bearer {token}")))
        .await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"email": "roni_cost@example.com"}}})
    );
}

async fn personal_answers_are_never_cached(host: Flavor) {
    let fixture = Fixture::on(host);
    let token = login(&fixture).await;
    let bearer = format!("Bearer {token}");
    let query: String = form_urlencoded::byte_serialize(b"{ customer { email } }").collect();
    let get = fixture
        .send_with_headers(
            "GET",
            &format!("{URL}?query={query}"),
            &[("authorization", &bearer)],
            Vec::new(),
        )
        .await;
    assert_eq!(get.status, 200);
    // Behind a CDN that caches GET, one shopper's answer must never reach another.
    assert_eq!(get.header("cache-control"), Some("no-store"));
    let vary: Vec<String> = get
        .headers
        .get_all("vary")
        .iter()
        .flat_map(|value| {
            value
                .to_str()
                .unwrap()
                .split(',')
                .map(|v| v.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(vary.contains(&"authorization".to_owned()), "{vary:?}");
    for reply in [
        fixture.post("{ __typename }", None).await,
        fixture
            .post("{ customer { email } }", Some("Bearer garbage"))
            .await,
        fixture.post_signed(LOGIN).await,
        fixture.post("mutation {", None).await,
    ] {
        assert_eq!(
            reply
                .headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{}",
            reply.body
        );
    }
}

on_every_host!(
    the_drop_in_documents_work_verbatim,
    adobes_reference_mutation_takes_a_nullable_input,
    every_bearer_failure_has_magentos_status_category_and_message,
    a_token_for_another_user_type_or_for_no_customer_here,
    revoking_refuses_every_earlier_token_and_a_later_login_works,
    the_typed_interface_verifies_and_revokes_like_the_api,
    cors_allows_only_the_configured_origins,
    the_profile_policy_keeps_or_updates_a_returning_customer,
    the_customer_group_is_the_configured_one,
    a_record_written_by_the_previous_version_is_still_read,
    tokens_of_the_previous_version_are_refused_once_and_its_customers_keep_their_ids,
    personal_answers_are_never_cached,
);
