//! GraphQL over HTTP (docs/contract.md §2), as Magento's `GraphQl` controller answers it: routing,
//! request decoding, the Bearer token checked before anything executes, the status of each
//! outcome, CORS and error bodies. Transport only: the host binding fills `Request` and sends
//! `Response`.

use serde_json::{Map, Value};

use crate::config::AllowedOrigins;
use crate::graphql::{self, Category, Outcome, Transport};
use crate::oauth::SignedRequest;
use crate::resolver::RequestResolver;
use crate::service::{self, Bearer, Ports, TokenRefusal, log};

pub const GRAPHQL_PATH: &str = "/graphql";
/// Bodies above this are refused with 413; the binding stops reading one byte past it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A GET carries its document in the URL; longer ones are answered with 414. (Hosts cap a URI
/// below 64 KiB anyway; GraphiQL's introspection query needs about 5 KiB encoded.)
pub const MAX_QUERY_STRING_BYTES: usize = 32 * 1024;
/// Names and values of all headers together; a signed request needs well under 2 KiB.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const MAX_HEADER_COUNT: usize = 100;

const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";
/// What the drop-ins and Magento's storefront clients send beyond the CORS-safelisted headers.
const CORS_ALLOWED_HEADERS: &str =
    "Content-Type, Authorization, Store, X-Requested-With, Content-Currency, X-Magento-Cache-Id";
const CORS_MAX_AGE_SECONDS: &str = "86400";

/// An HTTP request as the host delivered it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// As the host reports it (`http` under Spin and wasmtime even behind TLS).
    pub scheme: String,
    pub authority: String,
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header named `name` (case-insensitive), if it is valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    /// Splits `/path?query` into its parts.
    pub fn set_path_with_query(&mut self, path_with_query: &str) {
        match path_with_query.split_once('?') {
            Some((path, query)) => {
                self.path = path.to_owned();
                self.query = Some(query.to_owned());
            }
            None => {
                self.path = path_with_query.to_owned();
                self.query = None;
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// An error outside GraphQL execution, in GraphQL's error shape (the one builder of error
    /// bodies: `graphql::request_error`).
    pub fn error(status: u16, message: &str) -> Response {
        Response::json(
            status,
            graphql::request_error(message, Category::Graphql).body(),
        )
    }
}

enum BodyKind {
    Json,
    Form,
    Graphql,
}

pub fn handle(request: &Request, ports: Ports<'_>) -> Response {
    // Answers are personal (a customer's data, a token): no cache may keep one, and a cache
    // that ignores that must at least tell answers for different credentials apart.
    let mut response = if request.path == GRAPHQL_PATH {
        let mut response = respond(request, ports);
        let cors = request.header("origin").is_some_and(|origin| {
            add_cors_headers(&mut response, origin, request.method == "OPTIONS", ports)
        });
        let vary = if cors {
            "Authorization, Origin"
        } else {
            "Authorization"
        };
        response.headers.push(("vary", vary.into()));
        response
    } else {
        Response::error(
            404,
            &format!("Not found: this service answers at {GRAPHQL_PATH}."),
        )
    };
    response.headers.push(("cache-control", "no-store".into()));
    response
}

fn respond(request: &Request, ports: Ports<'_>) -> Response {
    let transport = match request.method.as_str() {
        "POST" => Some(Transport::Post),
        "GET" => Some(Transport::Get),
        "OPTIONS" => None,
        other => {
            let mut response = Response::error(
                405,
                &format!("Method {other} is not allowed: use GET or POST."),
            );
            response.headers.push(("allow", ALLOWED_METHODS.into()));
            return response;
        }
    };
    let header_bytes: usize = request
        .headers
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES || request.headers.len() > MAX_HEADER_COUNT {
        return Response::error(
            431,
            &format!(
                "Request headers are too large: at most {MAX_HEADER_COUNT} headers of {MAX_HEADER_BYTES} bytes in all."
            ),
        );
    }
    if request
        .query
        .as_ref()
        .is_some_and(|query| query.len() > MAX_QUERY_STRING_BYTES)
    {
        return Response::error(
            414,
            &format!(
                "Query string is longer than {MAX_QUERY_STRING_BYTES} bytes: send the document with POST."
            ),
        );
    }
    if request.body.len() > MAX_BODY_BYTES {
        return Response::error(
            413,
            &format!("Request body is larger than {MAX_BODY_BYTES} bytes."),
        );
    }
    let decoded = match transport {
        Some(transport) => match decode(request, transport) {
            Ok(decoded) => Some((transport, decoded)),
            Err(response) => return response,
        },
        None => None,
    };
    // Magento validates a Bearer token after reading the request and before anything else,
    // whatever the operation (even a preflight).
    let bearer = match request.header("authorization").and_then(bearer_token) {
        None => None,
        Some(token) => match authenticate(token, ports) {
            Ok(bearer) => Some(bearer),
            Err(response) => return response,
        },
    };
    let Some((transport, (graphql_request, form_body))) = decoded else {
        // A preflight: Magento answers 204 with no body.
        return Response {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        };
    };
    let signed = SignedRequest {
        method: &request.method,
        scheme: &request.scheme,
        authority: &request.authority,
        path: &request.path,
        query: request.query.as_deref(),
        authorization: request.header("authorization"),
        form_body,
        body: &request.body,
    };
    let mut resolver = RequestResolver::new(ports, signed, bearer);
    let outcome = graphql::execute(&graphql_request, transport, &mut resolver);
    Response::json(status(&outcome), outcome.body())
}

/// The status of an outcome: GraphQL over HTTP for what never executed, then Magento's
/// `getHttpResponseCode`: the first error's category decides.
pub fn status(outcome: &Outcome) -> u16 {
    match outcome {
        Outcome::SyntaxError(_) => 400,
        Outcome::MutationOverGet(_) => 405,
        Outcome::Internal(_) => 500,
        Outcome::Result { first_category, .. } => match first_category {
            Some(Category::Authentication) => 401,
            Some(Category::Authorization) => 403,
            _ => 200,
        },
    }
}

/// The token of `Bearer <token>` as Magento's `AuthorizationRequestValidator` finds it: the
/// header split at single spaces must give exactly the scheme (any case) and the token;
/// anything else is not a Bearer header and the request goes on as a guest's.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.contains(' ')).then_some(token)
}

/// Checks a Bearer token before execution; a refusal is the whole response (401, no `data`).
fn authenticate(token: &str, ports: Ports<'_>) -> Result<Bearer, Response> {
    let refused = |message: &str| {
        let outcome = graphql::request_error(message, Category::Authentication);
        Response::json(status(&outcome), outcome.body())
    };
    let failed = |error: &dyn std::fmt::Display| {
        log(format_args!("internal error: {error}"));
        let outcome = graphql::internal_error();
        Response::json(status(&outcome), outcome.body())
    };
    match service::authenticate(ports, token) {
        Ok(bearer) => Ok(bearer),
        Err(TokenRefusal::Internal(error)) => Err(failed(&error)),
        Err(refusal) => Err(refused(refusal.message().unwrap_or_default())),
    }
}

/// CORS for an allowed `Origin` (docs/contract.md §2): the origin itself on every answer, and on a
/// preflight what may be sent. Nothing for an origin that is not allowed. Returns whether the
/// answer depends on the origin (the caller adds `Vary: Origin`).
fn add_cors_headers(
    response: &mut Response,
    origin: &str,
    preflight: bool,
    ports: Ports<'_>,
) -> bool {
    let allowed = match AllowedOrigins::load(ports.secrets) {
        Ok(allowed) => allowed,
        Err(error) => {
            log(format_args!("CORS headers left out: {error}"));
            return false;
        }
    };
    if !allowed.allows(origin) {
        return true;
    }
    response
        .headers
        .push(("access-control-allow-origin", origin.to_owned()));
    if preflight {
        response
            .headers
            .push(("access-control-allow-methods", ALLOWED_METHODS.into()));
        response
            .headers
            .push(("access-control-allow-headers", CORS_ALLOWED_HEADERS.into()));
        response
            .headers
            .push(("access-control-max-age", CORS_MAX_AGE_SECONDS.into()));
    }
    true
}

type Decoded<'r> = (graphql::Request, Option<&'r [u8]>);

/// The GraphQL request of a GET or POST, and the form body the OAuth signature covers.
fn decode(request: &Request, transport: Transport) -> Result<Decoded<'_>, Response> {
    let (graphql_request, form_body) = match transport {
        Transport::Get => (from_pairs(query_pairs(request.query.as_deref())), None),
        Transport::Post => match body_kind(request.header("content-type")) {
            Some(BodyKind::Json) => (from_json(&request.body), None),
            Some(BodyKind::Form) => (
                from_pairs(form_urlencoded::parse(&request.body).into_owned().collect()),
                Some(request.body.as_slice()),
            ),
            Some(BodyKind::Graphql) => (
                match std::str::from_utf8(&request.body) {
                    Ok(query) => Ok(graphql::Request {
                        query: query.to_owned(),
                        variables: None,
                        operation_name: None,
                    }),
                    Err(_) => Err("Request body is not valid UTF-8.".to_owned()),
                },
                None,
            ),
            None => {
                return Err(Response::error(
                    415,
                    "Unsupported Content-Type: send application/json (or application/graphql, or a form).",
                ));
            }
        },
    };
    match graphql_request {
        Ok(graphql_request) => Ok((graphql_request, form_body)),
        Err(message) => Err(Response::error(400, &message)),
    }
}

fn body_kind(content_type: Option<&str>) -> Option<BodyKind> {
    let Some(content_type) = content_type else {
        // Clients that send JSON without saying so are common; the parser decides.
        return Some(BodyKind::Json);
    };
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        Some(BodyKind::Json)
    } else if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Some(BodyKind::Form)
    } else if media_type.eq_ignore_ascii_case("application/graphql") {
        Some(BodyKind::Graphql)
    } else {
        None
    }
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Request parameters as name/value pairs (GET query string or form body); `variables` is a
/// JSON string there.
fn from_pairs(pairs: Vec<(String, String)>) -> Result<graphql::Request, String> {
    let mut object = Map::new();
    for (name, value) in pairs {
        if matches!(name.as_str(), "query" | "variables" | "operationName") {
            object.entry(name).or_insert(Value::String(value));
        }
    }
    from_object(object)
}

fn from_json(body: &[u8]) -> Result<graphql::Request, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => from_object(object),
        Ok(Value::Array(_)) => {
            Err("Batched requests are not supported: send one operation per request.".into())
        }
        Ok(other) => Err(format!(
            "GraphQL Request must be a JSON object, but got {}",
            describe(&other)
        )),
        Err(error) => Err(format!("Could not parse JSON: {error}")),
    }
}

/// graphql-php's request-parameter checks and messages.
fn from_object(mut object: Map<String, Value>) -> Result<graphql::Request, String> {
    let query = match object.remove("query") {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => {
            return Err(
                "GraphQL Request must include at least one of those two parameters: \"query\" or \"queryId\""
                    .into(),
            );
        }
        Some(other) => {
            return Err(format!(
                "GraphQL Request parameter \"query\" must be string, but got {}",
                describe(&other)
            ));
        }
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(variables)) => Some(variables),
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(variables)) => Some(variables),
            Ok(Value::Null) => None,
            _ => return Err(variables_message(&Value::String(text))),
        },
        Some(other) => return Err(variables_message(&other)),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if name.is_empty() => None,
        Some(Value::String(name)) => Some(name),
        Some(other) => {
            return Err(format!(
                "GraphQL Request parameter \"operationName\" must be string, but got {}",
                describe(&other)
            ));
        }
    };
    Ok(graphql::Request {
        query,
        variables,
        operation_name,
    })
}

fn variables_message(value: &Value) -> String {
    format!(
        "GraphQL Request parameter \"variables\" must be object or JSON string parsed to object, but got {}",
        describe(value)
    )
}

/// A short rendering of a JSON value for error messages (bounded, whatever its size).
fn describe(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::clock::SystemClock;
    use crate::memory::{MemorySecrets, MemoryStore};
    use crate::ports::{Clock as _, SecretError, Secrets};

    /// Records every configuration key the request path looks up.
    struct RecordingSecrets {
        inner: MemorySecrets,
        asked: RefCell<Vec<String>>,
    }

    impl Secrets for RecordingSecrets {
        fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
            self.asked.borrow_mut().push(name.to_owned());
            self.inner.get(name)
        }
    }

    fn keys_read(authorization: Option<&str>, query: &str) -> (u16, Vec<String>) {
        let (status, _, asked) = keys_read_in(&MemoryStore::default(), authorization, query);
        (status, asked)
    }

    /// The status, body and configuration keys looked up of one request on `store`.
    fn keys_read_in(
        store: &MemoryStore,
        authorization: Option<&str>,
        query: &str,
    ) -> (u16, Vec<u8>, Vec<String>) {
        let secrets = RecordingSecrets {
            inner: MemorySecrets(HashMap::from([
                ("oauth_consumer_key".to_owned(), "ck".to_owned()),
                ("oauth_consumer_secret".to_owned(), "cs".to_owned()),
                ("oauth_access_token".to_owned(), "at".to_owned()),
                ("oauth_access_token_secret".to_owned(), "ats".to_owned()),
                (
                    "customer_token_secret".to_owned(),
                    "0123456789abcdef0123456789abcdef".to_owned(),
                ),
            ])),
            asked: RefCell::new(Vec::new()),
        };
        let ports = Ports {
            store,
            secrets: &secrets,
            clock: &SystemClock,
        };
        let mut headers = vec![("content-type".to_owned(), b"application/json".to_vec())];
        if let Some(authorization) = authorization {
            headers.push((
                "authorization".to_owned(),
                authorization.as_bytes().to_vec(),
            ));
        }
        let request = Request {
            method: "POST".into(),
            scheme: "http".into(),
            authority: "localhost".into(),
            path: GRAPHQL_PATH.into(),
            headers,
            body: json!({ "query": query }).to_string().into_bytes(),
            ..Request::default()
        };
        let response = handle(&request, ports);
        (response.status, response.body, secrets.asked.into_inner())
    }

    const EXCHANGE: &str = r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "R", lastname: "C", email: "r@example.com"}}) { token } }"#;

    #[test]
    fn junk_reads_only_what_refusing_it_needs() {
        // An unsigned exchange is refused on what it lacks: no secret is read.
        assert_eq!(keys_read(None, EXCHANGE), (403, Vec::<String>::new()));
        assert_eq!(
            keys_read(Some("OAuth oauth_nonce=\"n\""), EXCHANGE),
            (403, Vec::<String>::new())
        );
        // A junk Bearer token is refused on its shape, and a well-formed one for a customer the
        // store does not have on that one read: neither reads a secret.
        assert_eq!(
            keys_read(Some("Bearer junk"), "{ __typename }"),
            (401, Vec::<String>::new())
        );
        let forged = crate::token::issue(&crate::token::TokenKey::new(&[7; 32]), 6, 0, i64::MAX);
        assert_eq!(
            keys_read(Some(&format!("Bearer {forged}")), "{ __typename }"),
            (401, Vec::<String>::new())
        );
        // `customer` without a token, and queries that need no configuration, read nothing.
        assert_eq!(
            keys_read(None, "{ customer { email } }"),
            (403, Vec::<String>::new())
        );
        assert_eq!(
            keys_read(None, "{ __typename }"),
            (200, Vec::<String>::new())
        );
    }

    #[test]
    fn a_bearer_token_reads_only_the_keys_its_operation_uses() {
        let store = MemoryStore::default();
        let credentials = crate::oauth::Credentials {
            consumer_key: "ck".into(),
            consumer_secret: "cs".into(),
            token: "at".into(),
            token_secret: "ats".into(),
        };
        let signed = crate::oauth::authorization_header(
            "POST",
            &format!("http://localhost{GRAPHQL_PATH}"),
            &[],
            &credentials,
            crate::oauth::SignatureMethod::HmacSha256,
            SystemClock.now_unix(),
            "nonce-of-the-exchange",
        )
        .unwrap();
        let (status, body, _) = keys_read_in(&store, Some(&signed), EXCHANGE);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let token = body["data"]["exchangeExternalCustomerToken"]["token"]
            .as_str()
            .unwrap();
        let bearer = format!("Bearer {token}");
        // Checking the token needs the token secret; the `Customer` object, the group's id.
        // The integration's credentials and the exchange's settings are not looked up.
        let (status, _, asked) = keys_read_in(&store, Some(&bearer), "{ customer { email } }");
        assert_eq!(
            (status, asked),
            (
                200,
                vec![
                    "customer_token_secret".to_owned(),
                    "customer_group_id".to_owned()
                ]
            )
        );
        let (status, _, asked) = keys_read_in(
            &store,
            Some(&bearer),
            "mutation { revokeCustomerToken { result } }",
        );
        assert_eq!(
            (status, asked),
            (200, vec!["customer_token_secret".to_owned()])
        );
    }
}
