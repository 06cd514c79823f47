//! The GraphQL engine alone: `graphql::execute` (depth guard, lexer, parser, validation,
//! variable coercion, execution, introspection) with a resolver that returns fixed values.
//!
//! The input is `document [NUL variables-json [NUL operationName [NUL flags]]]`; a document
//! without NUL is just the document. Flags (first byte): bit 0 = over GET; bits 1–2 = what
//! the resolver does (0 values, 1 a field error, 2 an internal error, 3 null).

#![no_main]

use customer_token::graphql::{self, Category, FieldError, ResolveError, Resolver, Transport};
use customer_token_fuzz::on_small_stack;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    on_small_stack(move || run(&data));
});

fn run(data: &[u8]) {
    let mut parts = data.splitn(4, |&b| b == 0);
    let document = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let variables = parts
        .next()
        .and_then(|raw| serde_json::from_slice::<Value>(raw).ok())
        .and_then(|value| match value {
            Value::Object(map) => Some(map),
            _ => None,
        });
    let operation_name = parts
        .next()
        .map(|raw| String::from_utf8_lossy(raw).into_owned())
        .filter(|name| !name.is_empty());
    let flags = parts
        .next()
        .and_then(|raw| raw.first().copied())
        .unwrap_or(0);

    let transport = if flags & 1 == 1 {
        Transport::Get
    } else {
        Transport::Post
    };
    let mut resolver = Fixed {
        mode: (flags >> 1) & 3,
        calls: 0,
    };
    let request = graphql::Request {
        query: document,
        variables,
        operation_name,
    };
    let outcome = graphql::execute(&request, transport, &mut resolver);
    let response = Response {
        status: customer_token::http::status(&outcome),
        body: outcome.body().clone(),
    };
    if customer_token_fuzz::tracing() {
        eprintln!("fuzz: {} {}", response.status, response.body);
    }

    assert!(
        matches!(response.status, 200 | 400 | 403 | 405 | 500),
        "status {}",
        response.status
    );
    let body = response.body.as_object().expect("the body is an object");
    let errors = body.get("errors").and_then(Value::as_array);
    assert!(
        errors.is_some_and(|e| !e.is_empty()) || body.contains_key("data"),
        "neither data nor errors: {}",
        response.body
    );
    if response.status != 200 {
        assert!(
            errors.is_some(),
            "status {} without errors",
            response.status
        );
    }
    if response.status == 500 {
        assert_eq!(resolver.mode, 2, "an internal error nobody raised");
    }
    // The resolvers run only for a selected, valid operation, once each per field.
    assert!(resolver.calls <= customer_token_fuzz_limits::MAX_FIELDS);
    let text = response.body.to_string();
    let reparsed: Value = serde_json::from_str(&text).expect("the body serializes to JSON");
    assert_eq!(reparsed, response.body);
}

mod customer_token_fuzz_limits {
    /// `graphql::limits::MAX_FIELDS` (private there).
    pub const MAX_FIELDS: u64 = 500;
}

struct Response {
    status: u16,
    body: Value,
}

struct Fixed {
    mode: u8,
    calls: u64,
}

fn customer() -> Value {
    json!({
        "id": "7",
        "email": "roni_cost@example.com",
        "firstname": "Roni",
        "middlename": null,
        "lastname": "Cost",
        "prefix": "Dr.",
        "suffix": null,
        "gender": 2,
        "date_of_birth": "1990-01-31",
        "dob": "1990-01-31",
        "taxvat": null,
        "is_subscribed": true,
        "created_at": "2025-05-29 06:17:01",
        "confirmation_status": "ACCOUNT_CONFIRMATION_NOT_REQUIRED",
        "allow_remote_shopping_assistance": false,
        "group": {"uid": "MQ=="},
        "group_id": null,
        "custom_attributes": [
            {"__typename": "AttributeValue", "code": "loyalty_tier", "value": "gold"},
            {"__typename": "AttributeSelectedOptions", "code": "hobbies", "selected_options": [
                {"__typename": "AttributeSelectedOption", "label": "Chess", "value": "12"}
            ]}
        ],
    })
}

impl Fixed {
    fn answer(&mut self, value: Value) -> Result<Value, ResolveError> {
        self.calls += 1;
        match self.mode {
            0 => Ok(value),
            1 => {
                let mut extensions = Map::new();
                extensions.insert("oauth_problem".into(), json!("signature_invalid"));
                Err(ResolveError::Field(FieldError {
                    message: "You do not have permission to access this resource.".into(),
                    category: Category::Authorization,
                    extensions,
                }))
            }
            2 => Err(ResolveError::Internal),
            _ => Ok(Value::Null),
        }
    }
}

impl Resolver for Fixed {
    fn resolve_root(
        &mut self,
        field: &str,
        args: &Map<String, Value>,
    ) -> Result<Value, ResolveError> {
        match field {
            "exchangeExternalCustomerToken" => {
                // Coercion hands over `input` as an object with a `customer` object, or null,
                // or nothing (the argument is nullable).
                match args.get("input") {
                    None | Some(Value::Null) => {}
                    Some(input) => assert!(
                        input.get("customer").is_some_and(Value::is_object),
                        "uncoerced input: {input:?}"
                    ),
                }
                let token = format!("token-for-{}", args.len());
                self.answer(json!({"customer": customer(), "token": token}))
            }
            "customer" => self.answer(customer()),
            "revokeCustomerToken" => self.answer(json!({"result": true})),
            other => panic!("a root field the schema does not have: {other}"),
        }
    }
}
