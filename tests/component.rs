//! End-to-end tests of the built component under wasmtime: docs/contract.md §2–§7 through
//! `wasi:http/incoming-handler`, with an in-memory store and a test clock. Every test runs on
//! each host: the bare component with our own interfaces, and the Spin and wasmtime/wasmCloud
//! composites over emulations of those hosts' key-value and config interfaces.

use crate::support::*;
use customer_token::oauth::SignatureMethod;
use customer_token_runtime::Flavor;
use serde_json::{Value, json};
use std::sync::Arc;

fn exchange_query(email: &str, firstname: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: "{firstname}", lastname: "Cost", email: "{email}"}}}}) {{ customer {{ id email firstname lastname }} token }} }}"#
    )
}

async fn the_seed_example_returns_the_seed_customer_and_a_magento_token(host: Flavor) {
    let fixture = Fixture::on(host);
    let reply = fixture.post_signed(SEED_MUTATION).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = &reply.body["data"]["exchangeExternalCustomerToken"];
    assert_eq!(
        result["customer"],
        json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false})
    );
    assert!(reply.body.get("errors").is_none());
    let token = result["token"].as_str().unwrap();
    let (header, payload) = jwt_parts(token);
    assert_eq!(header, r#"{"kid":"1","alg":"HS256"}"#);
    assert_eq!(
        payload,
        format!(
            r#"{{"uid":1,"utypid":3,"iat":{START},"exp":{}}}"#,
            START + 3600
        )
    );
}

async fn a_repeat_exchange_returns_the_same_customer_unchanged(host: Flavor) {
    let fixture = Fixture::on(host);
    let first = fixture
        .post_signed(&exchange_query("roni_cost@example.com", "Roni"))
        .await;
    let second = fixture
        .post_signed(&exchange_query("  RONI_COST@example.com ", "Veronica"))
        .await;
    let first = &first.body["data"]["exchangeExternalCustomerToken"];
    let second = &second.body["data"]["exchangeExternalCustomerToken"];
    assert_eq!(second["customer"], first["customer"]);
    assert_eq!(second["customer"]["firstname"], "Roni");
    assert_eq!(
        uid_of(second["token"].as_str().unwrap()),
        uid_of(first["token"].as_str().unwrap())
    );
    let other = fixture
        .post_signed(&exchange_query("someone@example.com", "Some"))
        .await;
    assert_eq!(
        other.body["data"]["exchangeExternalCustomerToken"]["customer"]["id"],
        "2"
    );
}

async fn the_customer_query_answers_for_the_token_and_refuses_expired_ones(host: Flavor) {
    let fixture = Fixture::on(host);
    let exchanged = fixture.post_signed(SEED_MUTATION).await;
    let token = exchanged.body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {token}");
    let query = "{ customer { email firstname created_at confirmation_status allow_remote_shopping_assistance } }";
    let reply = fixture.post(query, Some(&bearer)).await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {
            "email": "roni_cost@example.com", "firstname": "Roni", "created_at": "2025-05-29 06:17:01",
            "confirmation_status": "ACCOUNT_CONFIRMATION_NOT_REQUIRED", "allow_remote_shopping_assistance": false
        }}})
    );

    let unauthorized = fixture.post(query, None).await;
    assert_eq!(unauthorized.status, 403);
    let error = only_error(&unauthorized);
    assert_eq!(error["message"], "The current customer isn't authorized.");
    assert_eq!(error["extensions"]["category"], "graphql-authorization");
    assert_eq!(error["path"], json!(["customer"]));
    assert_eq!(unauthorized.body["data"], json!({"customer": null}));

    let forged = fixture
        .post(query, Some(&format!("Bearer {}x", token)))
        .await;
    assert_eq!(forged.status, 401);
    assert_eq!(
        forged.body,
        json!({"errors": [{"message": "Composite reader could not read a token", "extensions": {"category": "graphql-authentication"}}]})
    );

    fixture.clock.advance(3600);
    let expired = fixture.post(query, Some(&bearer)).await;
    assert_eq!(expired.status, 401);
    assert_eq!(
        expired.body,
        json!({"errors": [{"message": "Consumer key has expired", "extensions": {"category": "graphql-authentication"}}]})
    );
}

async fn error_for(fixture: &Fixture, query: &str) -> (u16, Value, Value) {
    let reply = fixture.post_signed(query).await;
    let error = only_error(&reply).clone();
    (reply.status, error, reply.body)
}

async fn validation_errors_have_graphql_php_messages_and_no_data(host: Flavor) {
    let fixture = Fixture::on(host);
    let missing = |field: &str| {
        let mut fields = vec![
            ("firstname", "\"Roni\""),
            ("lastname", "\"Cost\""),
            ("email", "\"roni_cost@example.com\""),
        ];
        fields.retain(|(name, _)| *name != field);
        let fields: Vec<String> = fields.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        format!(
            "mutation {{ exchangeExternalCustomerToken(input: {{customer: {{{}}}}}) {{ token }} }}",
            fields.join(", ")
        )
    };
    for field in ["email", "firstname", "lastname"] {
        let (status, error, body) = error_for(&fixture, &missing(field)).await;
        assert_eq!(status, 200);
        assert_eq!(
            error["message"],
            format!("Field CustomerCreateInput.{field} of required type String! was not provided.")
        );
        assert_eq!(error["extensions"]["category"], "graphql");
        assert!(error["locations"][0]["line"].is_u64());
        assert!(
            body.get("data").is_none(),
            "validation errors stop execution: {body}"
        );
    }

    let unknown = r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "R", lastname: "C", email: "r@example.com", xyz: "1"}}) { token } }"#;
    let (_, error, _) = error_for(&fixture, unknown).await;
    assert_eq!(
        error["message"],
        "Field \"xyz\" is not defined by type CustomerCreateInput."
    );

    let unknown_output = r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "R", lastname: "C", email: "r@example.com"}}) { customer { xyz } } }"#;
    let (_, error, _) = error_for(&fixture, unknown_output).await;
    assert_eq!(
        error["message"],
        "Cannot query field \"xyz\" on type \"Customer\"."
    );

    let wrong_type = "mutation { exchangeExternalCustomerToken(input: 5) { token } }";
    let (_, error, _) = error_for(&fixture, wrong_type).await;
    assert_eq!(
        error["message"],
        "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type ExchangeExternalCustomerTokenInput, found 5."
    );

    let with_variable = "mutation ($input: ExchangeExternalCustomerTokenInput!) { exchangeExternalCustomerToken(input: $input) { token } }";
    let (status, error, body) = error_for(&fixture, with_variable).await;
    assert_eq!(status, 200);
    assert_eq!(
        error["message"],
        "Variable \"$input\" of required type \"ExchangeExternalCustomerTokenInput!\" was not provided."
    );
    assert!(body.get("data").is_none());
    assert_eq!(
        fixture
            .memory
            .keys()
            .iter()
            .filter(|k| k.starts_with("customer"))
            .count(),
        0,
        "nothing written"
    );
}

async fn input_errors_null_the_field_with_magento_messages_and_write_nothing(host: Flavor) {
    let fixture = Fixture::on(host);
    let cases = [
        (
            r#"email: "not-an-email", firstname: "Roni", lastname: "Cost""#,
            "\"not-an-email\" is not a valid email address.",
        ),
        (
            r#"email: "roni@example.com", firstname: "Roni<>", lastname: "Cost""#,
            "First Name is not valid!",
        ),
        (
            r#"email: "roni@example.com", firstname: "Roni", lastname: "Cost;""#,
            "Last Name is not valid!",
        ),
        (
            r#"email: "roni@example.com", firstname: "Roni", middlename: "J@", lastname: "Cost""#,
            "Middle Name is not valid!",
        ),
        (
            r#"email: "roni@example.com", firstname: "", lastname: "Cost""#,
            "\"First Name\" is a required value.",
        ),
        (
            r#"email: "roni@example.com", firstname: "Roni", lastname: " ""#,
            "\"Last Name\" is a required value.",
        ),
    ];
    for (fields, message) in cases {
        let query = format!(
            "mutation {{ exchangeExternalCustomerToken(input: {{customer: {{{fields}}}}}) {{ token }} }}"
        );
        let (status, error, body) = error_for(&fixture, &query).await;
        assert_eq!(status, 200);
        assert_eq!(error["message"], message);
        assert_eq!(error["extensions"]["category"], "graphql-input");
        assert_eq!(error["path"], json!(["exchangeExternalCustomerToken"]));
        assert_eq!(body["data"], json!({"exchangeExternalCustomerToken": null}));
    }
    assert!(
        fixture
            .memory
            .keys()
            .iter()
            .all(|k| !k.starts_with("customer")),
        "{:?}",
        fixture.memory.keys()
    );
}

async fn refusal(fixture: &Fixture, authorization: Option<&str>) -> Value {
    let reply = fixture.post(SEED_MUTATION, authorization).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.body["data"],
        json!({"exchangeExternalCustomerToken": null})
    );
    let error = only_error(&reply);
    assert_eq!(
        error["message"],
        "You do not have permission to access this resource."
    );
    assert_eq!(error["extensions"]["category"], "graphql-authorization");
    error["extensions"].clone()
}

async fn every_oauth_refusal_names_its_problem(host: Flavor) {
    let fixture = Fixture::on(host);
    let now = fixture.now();

    let extensions = refusal(&fixture, None).await;
    assert_eq!(extensions["oauth_problem"], "parameter_absent");
    assert_eq!(
        extensions["oauth_parameters_absent"],
        json!([
            "oauth_consumer_key",
            "oauth_token",
            "oauth_signature_method",
            "oauth_timestamp",
            "oauth_nonce",
            "oauth_signature"
        ])
    );

    let signed = fixture.signed();
    let params = signed.strip_prefix("OAuth ").unwrap();
    let without_nonce: Vec<&str> = params
        .split(',')
        .map(str::trim)
        .filter(|p| !p.starts_with("oauth_nonce="))
        .collect();
    let extensions = refusal(
        &fixture,
        Some(&format!("OAuth {}", without_nonce.join(", "))),
    )
    .await;
    assert_eq!(
        extensions["oauth_parameters_absent"],
        json!(["oauth_nonce"])
    );

    let plaintext = fixture.signed().replace("HMAC-SHA256", "PLAINTEXT");
    assert_eq!(
        refusal(&fixture, Some(&plaintext)).await["oauth_problem"],
        "signature_method_rejected"
    );

    let old = fixture.sign(SignatureMethod::HmacSha256, now - 601, "old-nonce");
    assert_eq!(
        refusal(&fixture, Some(&old)).await["oauth_problem"],
        "timestamp_refused"
    );
    let future = fixture.sign(SignatureMethod::HmacSha256, now + 601, "future-nonce");
    assert_eq!(
        refusal(&fixture, Some(&future)).await["oauth_problem"],
        "timestamp_refused"
    );

    let replayed = fixture.signed();
    let first = fixture.post(SEED_MUTATION, Some(&replayed)).await;
    assert!(first.body.get("errors").is_none(), "{}", first.body);
    assert_eq!(
        refusal(&fixture, Some(&replayed)).await["oauth_problem"],
        "nonce_used"
    );

    let wrong_key = fixture.signed().replace(CONSUMER_KEY, "ck-someone-else");
    assert_eq!(
        refusal(&fixture, Some(&wrong_key)).await["oauth_problem"],
        "consumer_key_rejected"
    );
    let wrong_token = fixture.signed().replace(ACCESS_TOKEN, "at-someone-else");
    assert_eq!(
        refusal(&fixture, Some(&wrong_token)).await["oauth_problem"],
        "token_rejected"
    );

    let tampered = {
        let signed = fixture.signed();
        let at = signed.find("oauth_signature=\"").unwrap() + "oauth_signature=\"".len();
        let mut bytes = signed.into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(
        refusal(&fixture, Some(&tampered)).await["oauth_problem"],
        "signature_invalid"
    );

    let signed = fixture.signed();
    assert!(signed.contains("oauth_version=\"1.0\""), "{signed}");
    let version = signed.replace("oauth_version=\"1.0\"", "oauth_version=\"2.0\"");
    assert_eq!(
        refusal(&fixture, Some(&version)).await["oauth_problem"],
        "version_rejected"
    );

    let sha1 = fixture.sign(SignatureMethod::HmacSha1, now, "sha1-nonce");
    let accepted = fixture.post(SEED_MUTATION, Some(&sha1)).await;
    assert!(
        accepted.body.get("errors").is_none(),
        "HMAC-SHA1 is accepted: {}",
        accepted.body
    );
}

async fn fifty_simultaneous_exchanges_for_one_new_email_make_one_customer(host: Flavor) {
    let fixture = std::sync::Arc::new(Fixture::on(host));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let fixture = fixture.clone();
            tokio::spawn(async move {
                fixture
                    .post_signed(&exchange_query("race@example.com", &format!("Racer{i}")))
                    .await
            })
        })
        .collect();
    let mut uids = Vec::new();
    for task in tasks {
        let reply = task.await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        let result = &reply.body["data"]["exchangeExternalCustomerToken"];
        uids.push(uid_of(result["token"].as_str().unwrap()));
        assert_eq!(result["customer"]["id"], "1");
    }
    assert!(uids.iter().all(|uid| *uid == 1), "{uids:?}");
    let records = fixture
        .memory
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("customer:"))
        .count();
    assert_eq!(records, 1);
}

async fn a_store_failure_at_any_call_is_a_500_and_a_retry_repairs_it(host: Flavor) {
    // The store calls one exchange makes, seen on a healthy store.
    let healthy = {
        let fixture = Fixture::on(host);
        store_calls_of(&fixture, fixture.post_signed(SEED_MUTATION)).await
    };
    let calls = healthy.len() as u64;
    assert!(
        calls >= 4,
        "an exchange touches the store several times ({calls})"
    );
    let mut refused = 0;
    for k in 1..=calls {
        let fixture = Fixture::on(host);
        fixture.faults.set_fail_at(k);
        let failed = fixture.post_signed(SEED_MUTATION).await;
        if failed.status == 200 {
            // Only housekeeping (the nonce sweep) may fail without failing the request, and it
            // must say so in the log; or, on Spin, a counter read with `get`, which the adapter
            // asks again of Spin's `increment`. The exchange itself must be complete.
            assert!(
                failed.body.get("errors").is_none(),
                "k={k}: {}",
                failed.body
            );
            let (operation, _) = &healthy[k as usize - 1];
            let asked_again = host == Flavor::Spin && operation == "get";
            assert!(
                asked_again
                    || fixture
                        .runtime
                        .logs()
                        .contains("sweeping expired nonces failed"),
                "k={k}: {:?}",
                healthy[k as usize - 1]
            );
            continue;
        }
        refused += 1;
        assert_eq!(failed.status, 500, "k={k}: {}", failed.body);
        assert_eq!(
            failed.body,
            json!({"errors": [{"message": "Internal server error", "extensions": {"category": "internal"}}]}),
            "k={k}"
        );
        assert!(
            fixture.runtime.logs().contains("injected fault"),
            "k={k}: the cause is logged"
        );
        fixture.faults.set_fail_at(0);
        let retried = fixture.post_signed(SEED_MUTATION).await;
        assert_eq!(retried.status, 200, "k={k}: {}", retried.body);
        let customer = &retried.body["data"]["exchangeExternalCustomerToken"]["customer"];
        assert_eq!(customer["email"], "roni_cost@example.com", "k={k}");
        let again = fixture
            .post_signed(&exchange_query("roni_cost@example.com", "Other"))
            .await;
        let result = &again.body["data"]["exchangeExternalCustomerToken"];
        assert_eq!(result["customer"]["firstname"], "Roni", "k={k}");
        let records = fixture
            .memory
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("customer:"))
            .count();
        assert_eq!(records, 1, "k={k}: no duplicate customer");
    }
    assert!(
        refused > 0,
        "the customer path's failures are answered with a 500"
    );
}

async fn a_missing_configuration_key_is_a_500_naming_the_key_not_its_value(host: Flavor) {
    for key in [
        "oauth_consumer_key",
        "oauth_consumer_secret",
        "oauth_access_token",
        "oauth_access_token_secret",
        "customer_token_secret",
    ] {
        let mut secrets = secrets();
        secrets.remove(key);
        let fixture = Fixture::with_secrets(host, secrets);
        let reply = fixture.post_signed(SEED_MUTATION).await;
        assert_eq!(reply.status, 500);
        assert_eq!(reply.body["errors"][0]["message"], "Internal server error");
        let logs = fixture.runtime.logs();
        assert!(logs.contains(&format!("`{key}`")), "{logs}");
        for secret in SECRET_VALUES {
            assert!(!logs.contains(secret), "a secret leaked into the log");
        }
    }
}

async fn http_rules_of_contract_section_2(host: Flavor) {
    let fixture = Fixture::on(host);
    let not_found = fixture
        .send(
            "POST",
            "http://localhost/other",
            Some("application/json"),
            None,
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(not_found.status, 404);
    let put = fixture
        .send("PUT", URL, Some("application/json"), None, b"{}".to_vec())
        .await;
    assert_eq!(put.status, 405);
    assert_eq!(put.headers.get("allow").unwrap(), "GET, POST, OPTIONS");
    let too_large = fixture
        .send(
            "POST",
            URL,
            Some("application/json"),
            None,
            vec![b' '; 64 * 1024 + 1],
        )
        .await;
    assert_eq!(too_large.status, 413);
    let get_query = fixture
        .send(
            "GET",
            &format!("{URL}?query=%7B__typename%7D"),
            None,
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(get_query.body, json!({"data": {"__typename": "Query"}}));
    let get_mutation = fixture
        .send(
            "GET",
            &format!("{URL}?query=mutation%7B__typename%7D"),
            None,
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(get_mutation.status, 405);
    let syntax = fixture.post("mutation {", None).await;
    assert_eq!(syntax.status, 400);
    let error = only_error(&syntax);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("Syntax Error: "),
        "{error}"
    );
    assert!(error["locations"][0]["column"].is_u64());
}

async fn malformed_bodies_and_queries_always_get_a_json_error(host: Flavor) {
    let fixture = Fixture::on(host);
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"not json".to_vec(),
        b"[]".to_vec(),
        b"[{\"query\":\"{__typename}\"}]".to_vec(),
        b"null".to_vec(),
        b"42".to_vec(),
        b"{}".to_vec(),
        b"{\"query\": 5}".to_vec(),
        b"{\"query\": null}".to_vec(),
        b"{\"query\": \"{__typename}\", \"variables\": 7}".to_vec(),
        b"{\"query\": \"{__typename}\", \"variables\": \"not json\"}".to_vec(),
        b"{\"query\": \"{__typename}\", \"operationName\": []}".to_vec(),
        vec![0xff, 0xfe, 0x00],
        format!("{{\"query\": \"{}\"}}", "{".repeat(30_000)).into_bytes(),
        format!("{{\"query\": \"{{a{}}}\"}}", "{a".repeat(5_000)).into_bytes(),
        format!("{{\"query\": \"query {}\"}}", "(".repeat(30_000)).into_bytes(),
        format!("{{\"query\": \"{}\"}}", "[".repeat(60_000)).into_bytes(),
        br#"{"query": "{ __typename } { __typename }"}"#.to_vec(),
        br#"{"query": "query A { __typename } query A { __typename }", "operationName": "A"}"#
            .to_vec(),
        br#"{"query": "query A { __typename }", "operationName": "B"}"#.to_vec(),
        br#"{"query": "fragment F on Query { ...F } { ...F }"}"#.to_vec(),
        br#"{"query": "{ customer { custom_attributes } }"}"#.to_vec(),
        br#"{"query": "{ __type(name: 5) { name } }"}"#.to_vec(),
        br#"{"query": "subscription { x }"}"#.to_vec(),
        br#"{"query": "\"\"\"unterminated"}"#.to_vec(),
        br#"{"query": "{ __typename @skip }"}"#.to_vec(),
        br#"{"query": "{ __typename @skip(if: $nope) }"}"#.to_vec(),
        "{\"query\": \"{ \u{0000} }\"}".as_bytes().to_vec(),
        "{\"query\": \"{ é }\"}".as_bytes().to_vec(),
    ];
    for body in bodies {
        let reply = fixture
            .send("POST", URL, Some("application/json"), None, body.clone())
            .await;
        assert!(
            reply.body["errors"]
                .as_array()
                .is_some_and(|e| !e.is_empty()),
            "{}: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            reply.body
        );
        assert!(
            reply.status == 200 || reply.status == 400 || reply.status == 413,
            "{}",
            reply.status
        );
    }
    let many_exchanges = (0..3)
        .map(|i| format!("e{i}: exchangeExternalCustomerToken(input: {{customer: {{firstname: \"R\", lastname: \"C\", email: \"r{i}@example.com\"}}}}) {{ token }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let reply = fixture
        .post_signed(&format!("mutation {{ {many_exchanges} }}"))
        .await;
    assert!(reply.body.get("data").is_none(), "{}", reply.body);
    assert!(
        fixture
            .memory
            .keys()
            .iter()
            .all(|k| !k.starts_with("customer"))
    );
}

async fn variables_aliases_fragments_and_directives_work_as_clients_send_them(host: Flavor) {
    let fixture = Fixture::on(host);
    let query = r#"
        query Ignored { __typename }
        mutation Exchange($input: ExchangeExternalCustomerTokenInput!, $withId: Boolean!) {
          login: exchangeExternalCustomerToken(input: $input) {
            __typename
            customer { ...Names id @include(if: $withId) email @skip(if: true) }
            ... on ExchangeExternalCustomerTokenOutput { token }
          }
        }
        fragment Names on Customer { first: firstname lastname }
    "#;
    let body = json!({
        "query": query,
        "operationName": "Exchange",
        "variables": {"withId": true, "input": {"customer": {"firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.com"}}}
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
    let login = &reply.body["data"]["login"];
    assert_eq!(login["__typename"], "ExchangeExternalCustomerTokenOutput");
    assert_eq!(
        login["customer"],
        json!({"first": "Ada", "lastname": "Lovelace", "id": "1"})
    );
    assert!(login["token"].is_string());
}

async fn introspection_describes_the_schema(host: Flavor) {
    let fixture = Fixture::on(host);
    let reply = fixture
        .post(
            r#"{ __schema { queryType { name } mutationType { name } }
                 __type(name: "CustomerCreateInput") { inputFields { name type { kind name ofType { name } } } } }"#,
            None,
        )
        .await;
    assert_eq!(
        reply.body["data"]["__schema"]["mutationType"]["name"],
        "Mutation"
    );
    let fields = reply.body["data"]["__type"]["inputFields"]
        .as_array()
        .unwrap();
    let email = fields.iter().find(|f| f["name"] == "email").unwrap();
    assert_eq!(
        email["type"],
        json!({"kind": "NON_NULL", "name": null, "ofType": {"name": "String"}})
    );
}

async fn the_typed_export_exchanges_and_verifies_without_http(host: Flavor) {
    use customer_token_runtime::exchange::{CustomerInput, Error};
    let fixture = Fixture::on(host);
    let input = CustomerInput {
        gender: Some(2),
        is_subscribed: Some(true),
        ..customer_input("roni_cost@example.com")
    };
    let output = fixture
        .runtime
        .exchange(input.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.customer.id, 1);
    assert!(output.customer.is_subscribed);
    let verified = fixture
        .runtime
        .verify_token(&output.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.email, "roni_cost@example.com");
    let invalid = CustomerInput {
        email: "nope".into(),
        ..input
    };
    match fixture.runtime.exchange(invalid).await.unwrap() {
        Err(Error::InvalidInput(message)) => {
            assert_eq!(message, "\"nope\" is not a valid email address.")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        fixture.runtime.verify_token("garbage").await.unwrap(),
        Err(Error::Unauthorized(_))
    ));
}

/// The store calls of `request`, as (operation, key up to its first `:`), in order. `update`
/// is how the hosts' own atomics reach the backend, so it counts as the `increment` it carries.
async fn store_calls_of(
    fixture: &Fixture,
    request: impl std::future::Future<Output = Reply>,
) -> Vec<(String, String)> {
    use customer_token_runtime::{Call, CallPhase};
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    fixture
        .faults
        .set_hook(Some(Arc::new(move |call: &Call<'_>| {
            if call.phase == CallPhase::Before {
                let operation = match call.operation {
                    "update" => "increment",
                    other => other,
                };
                let kind = call.key.split(':').next().unwrap_or_default();
                sink.lock()
                    .unwrap()
                    .push((operation.to_string(), kind.to_string()));
            }
        })));
    let reply = request.await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    fixture.faults.set_hook(None);
    seen.lock().unwrap().clone()
}

fn calls(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(operation, kind)| (operation.to_string(), kind.to_string()))
        .collect()
}

async fn an_exchange_for_an_existing_customer_makes_one_write_where_keys_expire(host: Flavor) {
    let fixture = Fixture::on(host);
    // The first claim of a bucket may sweep, and creating the customer costs more.
    let created = store_calls_of(&fixture, fixture.post_signed(SEED_MUTATION)).await;
    assert!(created.len() > 4, "{created:?}");
    let seen = store_calls_of(&fixture, fixture.post_signed(SEED_MUTATION)).await;
    let claim: &[(&str, &str)] = match host {
        // The host's stores expire keys: the nonce claim is its counter, nothing more.
        Flavor::Bare => &[("increment_expiring", "oauth-nonce")],
        // Spin's and wasi:keyvalue's stores have no expiry: the claim indexes the nonce's key
        // for a later sweep.
        Flavor::Spin | Flavor::Wasi => &[
            ("increment", "oauth-nonce"),
            ("increment", "oauth-nonce-count"),
            ("set", "oauth-nonce-entry"),
        ],
    };
    let lookups = [
        // The customer: the email's pointer, then the record.
        ("get", "customer-email"),
        ("get", "customer"),
        // The generation of its token key.
        generation_read(host),
    ];
    let expected: Vec<(&str, &str)> = claim.iter().copied().chain(lookups).collect();
    assert_eq!(seen, calls(&expected), "{host:?}");
}

async fn a_linked_login_for_an_existing_customer_reads_its_subject_instead_of_its_email(
    host: Flavor,
) {
    let fixture =
        Fixture::with_secrets(host, secrets().with("customer_link_attribute", "social_id"));
    let login = r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "Roni", lastname: "Cost", email: "roni_cost@example.com", custom_attributes: [{attribute_code: "social_id", value: "google:1001"}]}}) { token } }"#;
    store_calls_of(&fixture, fixture.post_signed(login)).await;
    let seen = store_calls_of(&fixture, fixture.post_signed(login)).await;
    let claim = match host {
        Flavor::Bare => vec![("increment_expiring", "oauth-nonce")],
        Flavor::Spin | Flavor::Wasi => vec![
            ("increment", "oauth-nonce"),
            ("increment", "oauth-nonce-count"),
            ("set", "oauth-nonce-entry"),
        ],
    };
    let lookups = [
        ("get", "customer-subject"),
        ("get", "customer"),
        generation_read(host),
    ];
    let expected: Vec<(&str, &str)> = claim.into_iter().chain(lookups).collect();
    assert_eq!(seen, calls(&expected), "{host:?}");
}

/// How a customer's token generation is read: an `increment` by 0, which the Spin adapter
/// answers with a `get` (Spin's `increment` is a write transaction on its SQLite store).
fn generation_read(host: Flavor) -> (&'static str, &'static str) {
    match host {
        Flavor::Spin => ("get", "customer-token-generation"),
        Flavor::Bare | Flavor::Wasi => ("increment", "customer-token-generation"),
    }
}

async fn a_bearer_read_of_the_customer_makes_two_store_reads(host: Flavor) {
    let fixture = Fixture::on(host);
    let reply = fixture.post_signed(SEED_MUTATION).await;
    let token = reply.body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {token}");
    // The record holds the key material and is what the query answers with; the generation
    // completes the key. Nothing is written.
    let expected = calls(&[("get", "customer"), generation_read(host)]);
    for query in ["{ customer { email firstname } }", "{ __typename }"] {
        let seen = store_calls_of(&fixture, fixture.post(query, Some(&bearer))).await;
        assert_eq!(seen, expected, "{host:?}: {query}");
    }
    // Junk costs nothing.
    let before = fixture.faults.calls();
    let reply = fixture.post("{ __typename }", Some("Bearer x.y.z")).await;
    assert_eq!(reply.status, 401);
    assert_eq!(fixture.faults.calls(), before);
}

on_every_host!(
    an_exchange_for_an_existing_customer_makes_one_write_where_keys_expire,
    a_bearer_read_of_the_customer_makes_two_store_reads,
    a_linked_login_for_an_existing_customer_reads_its_subject_instead_of_its_email,
    the_seed_example_returns_the_seed_customer_and_a_magento_token,
    a_repeat_exchange_returns_the_same_customer_unchanged,
    the_customer_query_answers_for_the_token_and_refuses_expired_ones,
    validation_errors_have_graphql_php_messages_and_no_data,
    input_errors_null_the_field_with_magento_messages_and_write_nothing,
    every_oauth_refusal_names_its_problem,
    fifty_simultaneous_exchanges_for_one_new_email_make_one_customer,
    a_store_failure_at_any_call_is_a_500_and_a_retry_repairs_it,
    a_missing_configuration_key_is_a_500_naming_the_key_not_its_value,
    http_rules_of_contract_section_2,
    malformed_bodies_and_queries_always_get_a_json_error,
    variables_aliases_fragments_and_directives_work_as_clients_send_them,
    introspection_describes_the_schema,
    the_typed_export_exchanges_and_verifies_without_http,
);
