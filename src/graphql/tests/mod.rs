//! End-to-end tests of [`super::execute`]: requests in, HTTP status and JSON body out. Expected
//! messages are graphql-php's (or the contract's, where it fixes them), written out by hand.

use serde_json::{Map, Value, json};

use super::*;

/// A resolver with canned answers that records how it was called.
struct FakeResolver {
    customer: Result<Value, ResolveError>,
    exchange: Result<Value, ResolveError>,
    customer_calls: usize,
    exchange_inputs: Vec<Map<String, Value>>,
}

fn roni() -> Value {
    json!({
        "id": "6",
        "email": "roni_cost@example.com",
        "firstname": "Roni",
        "middlename": null,
        "lastname": "Cost",
        "prefix": null,
        "suffix": null,
        "gender": null,
        "date_of_birth": null,
        "dob": null,
        "taxvat": null,
        "is_subscribed": false,
        "created_at": "2025-05-29 06:17:01",
        "confirmation_status": "ACCOUNT_CONFIRMATION_NOT_REQUIRED",
        "allow_remote_shopping_assistance": false,
        "group": {"uid": "MQ=="},
        "group_id": null,
        "custom_attributes": [
            {"__typename": "AttributeValue", "code": "loyalty", "value": "gold"},
            {"__typename": "AttributeSelectedOptions", "code": "hobbies", "selected_options": [
                {"__typename": "AttributeSelectedOption", "label": "Chess", "value": "12"}
            ]}
        ]
    })
}

impl Default for FakeResolver {
    fn default() -> Self {
        FakeResolver {
            customer: Ok(roni()),
            exchange: Ok(json!({"customer": roni(), "token": "t0k3n"})),
            customer_calls: 0,
            exchange_inputs: Vec::new(),
        }
    }
}

impl Resolver for FakeResolver {
    fn resolve_root(
        &mut self,
        field: &str,
        args: &Map<String, Value>,
    ) -> Result<Value, ResolveError> {
        match field {
            "exchangeExternalCustomerToken" => {
                let input = match args.get("input") {
                    Some(Value::Object(input)) => input.clone(),
                    _ => Map::new(),
                };
                self.exchange_inputs.push(input);
                self.exchange.clone()
            }
            "customer" => {
                self.customer_calls += 1;
                self.customer.clone()
            }
            "revokeCustomerToken" => Ok(json!({"result": true})),
            other => panic!("unexpected root field {other}"),
        }
    }
}

fn run_with(
    resolver: &mut FakeResolver,
    transport: Transport,
    query: &str,
    variables: Option<Value>,
    operation_name: Option<&str>,
) -> (u16, Value) {
    let request = Request {
        query: query.to_owned(),
        variables: variables.map(|value| match value {
            Value::Object(map) => map,
            _ => panic!("variables must be an object"),
        }),
        operation_name: operation_name.map(str::to_owned),
    };
    let outcome = execute(&request, transport, resolver);
    (crate::http::status(&outcome), outcome.body().clone())
}

fn post(query: &str) -> (u16, Value) {
    run_with(
        &mut FakeResolver::default(),
        Transport::Post,
        query,
        None,
        None,
    )
}

fn post_with_variables(query: &str, variables: Value) -> (u16, Value) {
    run_with(
        &mut FakeResolver::default(),
        Transport::Post,
        query,
        Some(variables),
        None,
    )
}

/// `{"errors":[...]}` with one graphql-category error.
fn single_error(message: &str, locations: &[(usize, usize)]) -> Value {
    let mut error = Map::new();
    error.insert("message".into(), json!(message));
    if !locations.is_empty() {
        let locations: Vec<Value> = locations
            .iter()
            .map(|(line, column)| json!({"line": line, "column": column}))
            .collect();
        error.insert("locations".into(), Value::Array(locations));
    }
    error.insert("extensions".into(), json!({"category": "graphql"}));
    json!({ "errors": [Value::Object(error)] })
}

const REFERENCE_MUTATION: &str = r#"mutation {
  exchangeExternalCustomerToken(
    input: {
      customer: {
        firstname: "Roni"
        lastname: "Cost"
        email: "roni_cost@example.com"
        is_subscribed: false
      }
    }
  ) {
    customer { email firstname lastname is_subscribed }
    token
  }
}"#;

#[test]
fn the_reference_example_of_the_contract() {
    let mut resolver = FakeResolver::default();
    let (status, body) = run_with(
        &mut resolver,
        Transport::Post,
        REFERENCE_MUTATION,
        None,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        body.to_string(),
        r#"{"data":{"exchangeExternalCustomerToken":{"customer":{"email":"roni_cost@example.com","firstname":"Roni","lastname":"Cost","is_subscribed":false},"token":"t0k3n"}}}"#
    );
    assert_eq!(
        Value::Object(resolver.exchange_inputs[0].clone()).to_string(),
        // Coerced in the order of the input type's fields (Adobe's).
        r#"{"customer":{"email":"roni_cost@example.com","firstname":"Roni","is_subscribed":false,"lastname":"Cost"}}"#
    );
}

#[test]
fn the_same_mutation_with_variables() {
    let mut resolver = FakeResolver::default();
    let query = "mutation Exchange($input: ExchangeExternalCustomerTokenInput!) {\n  exchangeExternalCustomerToken(input: $input) { token customer { id gender custom_attributes { __typename code ... on AttributeValue { value } ... on AttributeSelectedOptions { options: selected_options { label ... on AttributeSelectedOption { value } } } } } }\n}";
    let variables = json!({"input": {"customer": {"email": "a@b.c", "firstname": "A", "lastname": "B", "gender": 3, "dob": null}}});
    let (status, body) = run_with(&mut resolver, Transport::Post, query, Some(variables), None);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"exchangeExternalCustomerToken": {"token": "t0k3n", "customer": {"id": "6", "gender": null, "custom_attributes": [
            {"__typename": "AttributeValue", "code": "loyalty", "value": "gold"},
            {"__typename": "AttributeSelectedOptions", "code": "hobbies", "options": [{"label": "Chess", "value": "12"}]}
        ]}}}})
    );
    assert_eq!(
        Value::Object(resolver.exchange_inputs[0].clone()),
        json!({"customer": {"dob": null, "email": "a@b.c", "firstname": "A", "gender": 3, "lastname": "B"}})
    );
}

#[test]
fn adobes_reference_mutation_with_a_nullable_input_variable() {
    // Adobe's generated reference, with its `CustomerFragment` (which it leaves undefined).
    let query = format!(
        "{}\nfragment CustomerFragment on Customer {{ email firstname }}",
        include_str!("../../../tests/dropins/ADOBE_REFERENCE_EXCHANGE.graphql")
    );
    let mut resolver = FakeResolver::default();
    let variables = json!({"input": {"customer": {"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost"}}});
    let (status, body) = run_with(
        &mut resolver,
        Transport::Post,
        &query,
        Some(variables),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"exchangeExternalCustomerToken": {"customer": {"email": "roni_cost@example.com", "firstname": "Roni"}, "token": "t0k3n"}}})
    );
    // A null or absent input reaches the resolver, which answers it (docs/contract.md §4).
    let mut resolver = FakeResolver::default();
    run_with(
        &mut resolver,
        Transport::Post,
        &query,
        Some(json!({"input": null})),
        None,
    );
    run_with(
        &mut resolver,
        Transport::Post,
        &query,
        Some(json!({})),
        None,
    );
    assert_eq!(resolver.exchange_inputs, vec![Map::new(), Map::new()]);
}

#[test]
fn a_missing_required_input_field() {
    let query = "mutation {\n  exchangeExternalCustomerToken(input: {customer: {firstname: \"Roni\", lastname: \"Cost\"}}) { token }\n}";
    assert_eq!(
        post(query),
        (
            200,
            single_error(
                "Field CustomerCreateInput.email of required type String! was not provided.",
                &[(2, 51)]
            )
        )
    );
}

#[test]
fn an_unknown_input_field() {
    let query = "mutation {\n  exchangeExternalCustomerToken(input: {customer: {firstname: \"R\", lastname: \"C\", email: \"e\", xyz: 1}}) { token }\n}";
    assert_eq!(
        post(query),
        (
            200,
            single_error(
                "Field \"xyz\" is not defined by type CustomerCreateInput.",
                &[(2, 95)]
            )
        )
    );
}

#[test]
fn an_unknown_output_field() {
    assert_eq!(
        post("{ customer { xyz } }"),
        (
            200,
            single_error(
                "Cannot query field \"xyz\" on type \"Customer\".",
                &[(1, 14)]
            )
        )
    );
}

#[test]
fn a_wrong_literal_type() {
    let query = "mutation { exchangeExternalCustomerToken(input: 5) { token } }";
    assert_eq!(
        post(query),
        (
            200,
            single_error(
                "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type ExchangeExternalCustomerTokenInput, found 5.",
                &[(1, 49)]
            )
        )
    );
}

#[test]
fn a_missing_required_variable() {
    let query = "mutation ($input: ExchangeExternalCustomerTokenInput!) { exchangeExternalCustomerToken(input: $input) { token } }";
    assert_eq!(
        post(query),
        (
            200,
            single_error(
                "Variable \"$input\" of required type \"ExchangeExternalCustomerTokenInput!\" was not provided.",
                &[(1, 11)]
            )
        )
    );
}

#[test]
fn an_invalid_variable_value() {
    let query = "mutation ($input: ExchangeExternalCustomerTokenInput!) { exchangeExternalCustomerToken(input: $input) { token } }";
    let (status, body) = post_with_variables(
        query,
        json!({"input": {"customer": {"firstname": "A", "lastname": "B", "email": "e", "gender": "2"}}}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        body,
        single_error(
            "Variable \"$input\" got invalid value \"2\" at \"input.customer.gender\"; Int cannot represent non-integer value: \"2\"",
            &[(1, 11)]
        )
    );
}

#[test]
fn resolver_errors_null_the_field_and_keep_their_extensions() {
    let mut extensions = Map::new();
    extensions.insert("oauth_problem".into(), json!("signature_invalid"));
    let mut resolver = FakeResolver {
        exchange: Err(ResolveError::Field(FieldError {
            message: "You do not have permission to access this resource.".into(),
            category: Category::Authorization,
            extensions,
        })),
        ..FakeResolver::default()
    };
    let (status, body) = run_with(
        &mut resolver,
        Transport::Post,
        REFERENCE_MUTATION,
        None,
        None,
    );
    // Magento's getHttpResponseCode: the first error's category decides.
    assert_eq!(status, 403);
    assert_eq!(
        body.to_string(),
        r#"{"errors":[{"message":"You do not have permission to access this resource.","locations":[{"line":2,"column":3}],"path":["exchangeExternalCustomerToken"],"extensions":{"category":"graphql-authorization","oauth_problem":"signature_invalid"}}],"data":{"exchangeExternalCustomerToken":null}}"#
    );
}

#[test]
fn an_internal_failure_is_a_bare_500() {
    let mut resolver = FakeResolver {
        customer: Err(ResolveError::Internal),
        ..FakeResolver::default()
    };
    let (status, body) = run_with(
        &mut resolver,
        Transport::Post,
        "{ customer { email } }",
        None,
        None,
    );
    assert_eq!(status, 500);
    assert_eq!(
        body.to_string(),
        r#"{"errors":[{"message":"Internal server error","extensions":{"category":"internal"}}]}"#
    );
}

#[test]
fn syntax_errors_are_400_with_a_location() {
    assert_eq!(
        post("{ customer {"),
        (
            400,
            single_error("Syntax Error: Expected Name, found <EOF>", &[(1, 13)])
        )
    );
    assert_eq!(
        post("query {\n  customer { email } \n}\nxyz"),
        (
            400,
            single_error("Syntax Error: Unexpected Name \"xyz\"", &[(4, 1)])
        )
    );
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let query = "{".repeat(100_000);
    assert_eq!(
        post(&query),
        (
            400,
            single_error(
                "Syntax Error: Document nesting exceeds 64 levels.",
                &[(1, 65)]
            )
        )
    );
    let query = format!("{{ customer(a: {}) }}", "[".repeat(60_000));
    assert_eq!(post(&query).0, 400);
}

#[test]
fn mutations_are_refused_over_get_but_queries_run() {
    let mut resolver = FakeResolver::default();
    let (status, body) = run_with(
        &mut resolver,
        Transport::Get,
        REFERENCE_MUTATION,
        None,
        None,
    );
    assert_eq!(status, 405);
    assert_eq!(
        body,
        single_error(
            "Can only perform a mutation operation from a POST request.",
            &[]
        )
    );
    assert!(resolver.exchange_inputs.is_empty());
    let (status, body) = run_with(
        &mut resolver,
        Transport::Get,
        "{ customer { email } }",
        None,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"customer": {"email": "roni_cost@example.com"}}})
    );
    // Over GET, the named query of a document that also holds a mutation runs.
    let document = "query Q { __typename } mutation M { __typename }";
    let (status, _) = run_with(&mut resolver, Transport::Get, document, None, Some("Q"));
    assert_eq!(status, 200);
    let (status, _) = run_with(&mut resolver, Transport::Get, document, None, Some("M"));
    assert_eq!(status, 405);
}

#[test]
fn selection_aliases_fragments_directives_and_typename() {
    let mut resolver = FakeResolver::default();
    let query = r#"
        query Me($withName: Boolean!, $skipMail: Boolean = false) {
          me: customer { ...Contact }
          again: customer {
            __typename
            firstname @include(if: $withName)
            ... on Customer { status: confirmation_status }
            ... @skip(if: true) { lastname }
          }
          __typename
        }
        fragment Contact on Customer { email @skip(if: $skipMail) id }
    "#;
    let (status, body) = run_with(
        &mut resolver,
        Transport::Post,
        query,
        Some(json!({"withName": false})),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        body.to_string(),
        r#"{"data":{"me":{"email":"roni_cost@example.com","id":"6"},"again":{"__typename":"Customer","status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED"},"__typename":"Query"}}"#
    );
    assert_eq!(resolver.customer_calls, 1, "one call serves every alias");
}

#[test]
fn a_null_in_a_non_null_field_nulls_the_parent() {
    let mut broken = roni();
    broken["confirmation_status"] = Value::Null;
    let mut resolver = FakeResolver {
        customer: Ok(broken),
        ..FakeResolver::default()
    };
    let (status, body) = run_with(
        &mut resolver,
        Transport::Post,
        "{ customer { email confirmation_status } }",
        None,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        body.to_string(),
        r#"{"errors":[{"message":"Internal server error","locations":[{"line":1,"column":20}],"path":["customer","confirmation_status"],"extensions":{"category":"internal"}}],"data":{"customer":null}}"#
    );
}

#[test]
fn a_missing_customer_is_null() {
    let mut resolver = FakeResolver {
        customer: Ok(Value::Null),
        ..FakeResolver::default()
    };
    let (_, body) = run_with(
        &mut resolver,
        Transport::Post,
        "{ customer { email } }",
        None,
        None,
    );
    assert_eq!(body, json!({"data": {"customer": null}}));
}

#[test]
fn only_one_exchange_per_request() {
    let query = "mutation {\n  a: exchangeExternalCustomerToken(input: {customer: {firstname: \"A\", lastname: \"B\", email: \"e\"}}) { token }\n  b: exchangeExternalCustomerToken(input: {customer: {firstname: \"A\", lastname: \"B\", email: \"f\"}}) { token }\n}";
    let mut resolver = FakeResolver::default();
    let (status, body) = run_with(&mut resolver, Transport::Post, query, None, None);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        single_error(
            "Only one exchangeExternalCustomerToken field may be executed per request.",
            &[(2, 3), (3, 3)]
        )
    );
    assert!(resolver.exchange_inputs.is_empty());
}

#[test]
fn operation_name_chooses_among_operations() {
    let document = "query A { a: __typename } query B { b: __typename }";
    let mut resolver = FakeResolver::default();
    let (_, body) = run_with(&mut resolver, Transport::Post, document, None, Some("B"));
    assert_eq!(body, json!({"data": {"b": "Query"}}));
    let (status, body) = run_with(&mut resolver, Transport::Post, document, None, None);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        single_error(
            "Must provide operation name if query contains multiple operations.",
            &[]
        )
    );
    let (_, body) = run_with(&mut resolver, Transport::Post, document, None, Some("C"));
    assert_eq!(body, single_error("Unknown operation named \"C\".", &[]));
}

#[test]
fn subscriptions_are_not_configured() {
    assert_eq!(
        post("subscription { customer { email } }"),
        (
            200,
            single_error("Schema is not configured for subscriptions.", &[(1, 1)])
        )
    );
}

#[test]
fn validation_errors_come_in_graphql_php_order_without_data() {
    let query = "query ($unused: Int) {\n  customer { nope }\n  other\n}";
    let (status, body) = post(query);
    assert_eq!(status, 200);
    let messages: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        vec![
            "Cannot query field \"nope\" on type \"Customer\".",
            "Cannot query field \"other\" on type \"Query\".",
            "Variable \"$unused\" is never used.",
        ]
    );
    assert!(body.get("data").is_none());
}

#[test]
fn type_lookup_hides_deprecated_fields_unless_asked() {
    let query = r#"{
      __type(name: "Customer") { name kind fields { name } }
      input: __type(name: "CustomerCreateInput") {
        inputFields(includeDeprecated: true) { name isDeprecated deprecationReason }
      }
      missing: __type(name: "Nope") { name }
    }"#;
    let (status, body) = post(query);
    assert_eq!(status, 200);
    let fields: Vec<&str> = body["data"]["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["name"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"id") && fields.contains(&"group"));
    assert!(!fields.contains(&"dob") && !fields.contains(&"group_id"));
    assert_eq!(fields.len(), 16);
    assert_eq!(body["data"]["__type"]["kind"], json!("OBJECT"));
    let dob = body["data"]["input"]["inputFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|field| field["name"] == json!("dob"))
        .unwrap()
        .clone();
    // Adobe deprecates `dob` on the output type only.
    assert_eq!(
        dob,
        json!({"name": "dob", "isDeprecated": false, "deprecationReason": null})
    );
    assert_eq!(body["data"]["missing"], Value::Null);
}

/// graphql-js 16 `getIntrospectionQuery()` with every option GraphiQL turns on
/// (descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription,
/// inputValueDeprecation).
const GRAPHIQL_INTROSPECTION_QUERY: &str = r#"
    query IntrospectionQuery {
      __schema {
        description
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
"#;

/// graphql-js 16 `getIntrospectionQuery()` with its default options.
const DEFAULT_INTROSPECTION_QUERY: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
"#;

fn named<'v>(list: &'v Value, name: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == json!(name))
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn answers_graphiqls_introspection_query() {
    let (status, body) = post(GRAPHIQL_INTROSPECTION_QUERY);
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    let schema = &body["data"]["__schema"];
    assert_eq!(schema["description"], Value::Null);
    assert_eq!(schema["queryType"], json!({"name": "Query"}));
    assert_eq!(schema["mutationType"], json!({"name": "Mutation"}));
    assert_eq!(schema["subscriptionType"], Value::Null);

    let type_names: Vec<&str> = schema["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ty| ty["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        type_names,
        vec![
            "Query",
            "Customer",
            "Boolean",
            "ConfirmationStatusEnum",
            "String",
            "ID",
            "AttributeValueInterface",
            "Int",
            "CustomerGroupStorefront",
            "Mutation",
            "ExchangeExternalCustomerTokenInput",
            "CustomerCreateInput",
            "AttributeValueInput",
            "AttributeInputSelectedOption",
            "ExchangeExternalCustomerTokenOutput",
            "RevokeCustomerTokenOutput",
            "AttributeValue",
            "AttributeSelectedOptions",
            "AttributeSelectedOptionInterface",
            "AttributeSelectedOption",
            "Float",
            "__Schema",
            "__Type",
            "__TypeKind",
            "__Field",
            "__InputValue",
            "__EnumValue",
            "__Directive",
            "__DirectiveLocation",
        ]
    );

    // The mutation's argument: the input object, nullable as in Adobe's schema.
    let mutation = named(&schema["types"], "Mutation");
    let exchange = named(&mutation["fields"], "exchangeExternalCustomerToken");
    let input = named(&exchange["args"], "input");
    assert_eq!(
        input["type"],
        json!({"kind": "INPUT_OBJECT", "name": "ExchangeExternalCustomerTokenInput", "ofType": null})
    );
    assert_eq!(
        exchange["type"]["name"],
        json!("ExchangeExternalCustomerTokenOutput")
    );
    assert_eq!(mutation["interfaces"], json!([]));
    assert_eq!(mutation["possibleTypes"], Value::Null);
    assert_eq!(mutation["inputFields"], Value::Null);

    // Deprecations, with includeDeprecated.
    let customer = named(&schema["types"], "Customer");
    let id = named(&customer["fields"], "id");
    assert_eq!(id["isDeprecated"], json!(false));
    assert_eq!(
        id["type"],
        json!({"kind": "NON_NULL", "name": null, "ofType": {"kind": "SCALAR", "name": "ID", "ofType": null}})
    );
    let group_id = named(&customer["fields"], "group_id");
    assert_eq!(group_id["isDeprecated"], json!(true));
    let attributes = named(&customer["fields"], "custom_attributes");
    assert_eq!(
        attributes["type"],
        json!({"kind": "LIST", "name": null, "ofType": {"kind": "INTERFACE", "name": "AttributeValueInterface", "ofType": null}})
    );
    assert_eq!(attributes["args"][0]["name"], json!("attributeCodes"));
    let interface = named(&schema["types"], "AttributeValueInterface");
    assert_eq!(interface["kind"], json!("INTERFACE"));
    assert_eq!(interface["interfaces"], json!([]));
    let possible: Vec<&str> = interface["possibleTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ty| ty["name"].as_str().unwrap())
        .collect();
    assert_eq!(possible, ["AttributeValue", "AttributeSelectedOptions"]);
    let attribute_value = named(&schema["types"], "AttributeValue");
    assert_eq!(
        attribute_value["interfaces"],
        json!([{"kind": "INTERFACE", "name": "AttributeValueInterface", "ofType": null}])
    );
    let create_input = named(&schema["types"], "CustomerCreateInput");
    assert_eq!(create_input["kind"], json!("INPUT_OBJECT"));
    assert_eq!(create_input["fields"], Value::Null);
    let dob = named(&create_input["inputFields"], "dob");
    assert_eq!(dob["isDeprecated"], json!(false));
    let custom = named(&create_input["inputFields"], "custom_attributes");
    assert_eq!(
        custom["type"]["ofType"],
        json!({"kind": "INPUT_OBJECT", "name": "AttributeValueInput", "ofType": null})
    );

    let status_enum = named(&schema["types"], "ConfirmationStatusEnum");
    let values: Vec<&str> = status_enum["enumValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|value| value["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        vec!["ACCOUNT_CONFIRMED", "ACCOUNT_CONFIRMATION_NOT_REQUIRED"]
    );
    let string = named(&schema["types"], "String");
    assert_eq!(string["kind"], json!("SCALAR"));
    assert_eq!(string["specifiedByURL"], Value::Null);

    // Directives.
    let directive_names: Vec<&str> = schema["directives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|directive| directive["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        directive_names,
        vec!["include", "skip", "deprecated", "specifiedBy", "oneOf"]
    );
    let deprecated = named(&schema["directives"], "deprecated");
    assert_eq!(deprecated["isRepeatable"], json!(false));
    assert_eq!(
        deprecated["args"][0]["defaultValue"],
        json!("\"No longer supported\"")
    );
    let skip = named(&schema["directives"], "skip");
    assert_eq!(
        skip["locations"],
        json!(["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"])
    );
}

#[test]
fn answers_the_default_introspection_query() {
    let (status, body) = post(DEFAULT_INTROSPECTION_QUERY);
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    // graphql-js's query asks for deprecated fields but not for deprecated input fields
    // (Adobe deprecates none of the input's).
    let types = &body["data"]["__schema"]["types"];
    let create_input = named(types, "CustomerCreateInput");
    assert_eq!(create_input["inputFields"].as_array().unwrap().len(), 14);
    let customer = named(types, "Customer");
    let names: Vec<&str> = customer["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"dob") && names.contains(&"group_id"));
}

#[test]
fn introspection_respects_graphql_php_type_rules() {
    let query = "{ __schema { queryType { kind fields { name } } } __type(name: \"Customer\") { isOneOf ofType { name } } }";
    let (_, body) = post(query);
    assert_eq!(
        body,
        json!({"data": {
            "__schema": {"queryType": {"kind": "OBJECT", "fields": [{"name": "customer"}]}},
            "__type": {"isOneOf": null, "ofType": null}
        }})
    );
}

#[test]
fn hostile_inputs_never_trap() {
    let hostile = [
        String::new(),
        "\u{0}".to_owned(),
        "\"".to_owned(),
        "\"\"\"".to_owned(),
        "\"\\u".to_owned(),
        "\"\\uD800\\u".to_owned(),
        "{ a(b: 99999999999999999999999999) }".to_owned(),
        "{ a(b: 1e99999) }".to_owned(),
        "{ __type(name: 5) { name } }".to_owned(),
        "query ($a: [[[Int!]!]!]!) { __typename }".to_owned(),
        "{ customer { ...F } } fragment F on Customer { ...F }".to_owned(),
        "fragment F on Customer { ...G } fragment G on Customer { ...F }".to_owned(),
        "{ ".repeat(40) + &"}".repeat(40),
        "é".repeat(1000),
        "{ customer { email } }\u{2028}#".to_owned(),
        "query { ...on }".to_owned(),
        "mutation { exchangeExternalCustomerToken(input: {customer: {firstname: \"\\u0041\", lastname: \"\"\"b\"\"\", email: \"e\", custom_attributes: [[{attribute_code: null}]]}}) { token } }".to_owned(),
    ];
    for query in hostile {
        let (status, body) = post(&query);
        assert!(matches!(status, 200 | 400), "{query}: {status} {body}");
        assert!(body.get("errors").is_some() || body.get("data").is_some());
    }
}

#[test]
fn a_huge_flat_query_is_refused_by_the_field_limit() {
    let query = format!("{{ {} }}", "__typename ".repeat(6_000));
    let (status, body) = post(&query);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        single_error("Max query complexity should be 500 but got 6000.", &[])
    );
}

/// The deepest documents the nesting guard lets through, run on a small thread stack: every
/// recursive pass (parser, validator, printer, executor) must fit with room to spare in the
/// 256 KiB stack the component gets (build.rs). Measured: the parser is the deepest pass, about
/// 320 KiB in a debug build and under 128 KiB in a release build; the component itself runs
/// them in `tests/hardening.rs`.
#[test]
fn worst_case_nesting_fits_in_a_small_stack() {
    const STACK: usize = 512 * 1024;
    let documents = customer_token_testkit::fixture::deepest_documents(limits::MAX_NESTING);
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            documents
                .iter()
                .map(|document| post(document).0)
                .collect::<Vec<u16>>()
        })
        .unwrap();
    let statuses = worker.join().expect("a pass overflowed the stack");
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 200]);
}

#[test]
fn an_answer_past_the_value_limit_is_one_error_without_data() {
    // 5 KB of aliased introspection: each alias lists every type's every field and argument.
    let alias = "__schema { types { name fields(includeDeprecated: true) { name args { name type { name ofType { name } } } type { name kind ofType { name kind ofType { name } } } } } }";
    let query = format!(
        "{{ {} }}",
        (0..25)
            .map(|i| format!("a{i}: {alias}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(query.len() > 3_500, "{}", query.len());
    let (status, body) = post(&query);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"errors": [{
            "message": "The response would have more than 10000 values; ask for fewer fields or list items.",
            "locations": [{"line": 1, "column": 1}],
            "extensions": {"category": "graphql"}
        }]})
    );
    // One alias alone is answered in full.
    let (status, body) = post(&format!("{{ {alias} }}"));
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
}
