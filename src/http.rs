//! GraphQL over HTTP (contract §2): routing, request decoding and error bodies. Transport only:
//! the host binding fills `Request` and sends `Response`.

use serde_json::{Map, Value, json};

use crate::graphql::{self, Transport};
use crate::oauth::SignedRequest;
use crate::resolver::RequestResolver;
use crate::service::Ports;

pub const GRAPHQL_PATH: &str = "/graphql";
/// Bodies above this are refused with 413; the binding stops reading one byte past it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A GET carries its document in the URL; longer ones are answered with 414. (Hosts cap a URI
/// below 64 KiB anyway; GraphiQL's introspection query needs about 5 KiB encoded.)
pub const MAX_QUERY_STRING_BYTES: usize = 32 * 1024;
/// Names and values of all headers together; a signed request needs well under 2 KiB.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const MAX_HEADER_COUNT: usize = 100;

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
    fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// An error outside GraphQL execution, in GraphQL's error shape.
    fn error(status: u16, message: &str) -> Response {
        Response::json(
            status,
            &json!({"errors": [{"message": message, "extensions": {"category": "graphql"}}]}),
        )
    }
}

enum BodyKind {
    Json,
    Form,
    Graphql,
}

pub fn handle(request: &Request, ports: Ports<'_>) -> Response {
    if request.path != GRAPHQL_PATH {
        return Response::error(
            404,
            &format!("Not found: this service answers at {GRAPHQL_PATH}."),
        );
    }
    let transport = match request.method.as_str() {
        "POST" => Transport::Post,
        "GET" => Transport::Get,
        other => {
            let mut response = Response::error(
                405,
                &format!("Method {other} is not allowed: use GET or POST."),
            );
            response.headers.push(("allow", "GET, POST".into()));
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
                return Response::error(
                    415,
                    "Unsupported Content-Type: send application/json (or application/graphql, or a form).",
                );
            }
        },
    };
    let graphql_request = match graphql_request {
        Ok(graphql_request) => graphql_request,
        Err(message) => return Response::error(400, &message),
    };
    let signed = SignedRequest {
        method: &request.method,
        scheme: &request.scheme,
        authority: &request.authority,
        path: &request.path,
        query: request.query.as_deref(),
        authorization: request.header("authorization"),
        form_body,
    };
    let mut resolver = RequestResolver::new(ports, signed);
    let outcome = graphql::execute(&graphql_request, transport, &mut resolver);
    Response::json(outcome.status, &outcome.body)
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
