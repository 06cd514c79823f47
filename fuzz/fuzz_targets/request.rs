//! The full request path, `customer_token::http::handle`, twice per input:
//!
//! 1. **Raw**: the input read as a small HTTP request, so corpus files are plain text:
//!
//!    ```text
//!    POST /graphql?optional=query
//!    content-type: application/json
//!    authorization: @sign
//!
//!    {"query": "..."}
//!    ```
//!
//!    The first line is the method and the request target; header lines follow up to an empty
//!    line, and the rest is the body. A header value `@sign` (`@sign1` for HMAC-SHA1) is
//!    replaced by a valid OAuth signature of this request at the fixed clock, so plain-text
//!    inputs reach the resolvers too.
//! 2. **Structured**: the same bytes drive [`Scenario`] (via `arbitrary`): a valid, signed
//!    `exchangeExternalCustomerToken` request built from fuzzed customer fields, then mutated
//!    (header bytes, replay, wrong credentials, an unsigned query string, a foreign GraphQL
//!    document or body...), optionally followed by `Query.customer` with the issued token.
//!    Oracles: an unmutated signed request is never refused by OAuth, a replay is `nonce_used`,
//!    an issued token identifies its customer.
//!
//! Every response must be JSON with a status in `STATUSES` (see `check_response`).

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use customer_token::http::Request;
use customer_token::oauth::SignatureMethod;
use customer_token_fuzz::{AUTHORITY, Host, NOW, SCHEME, oauth_problem, on_small_stack, sign};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    on_small_stack(move || {
        raw(&data);
        if let Ok(scenario) = Scenario::arbitrary(&mut Unstructured::new(&data)) {
            scenario.run();
        }
    });
});

// ---------------------------------------------------------------------------------------------
// Raw mode

fn raw(data: &[u8]) {
    let (line, rest) = split_line(data);
    let line = String::from_utf8_lossy(line);
    let (method, target) = line.split_once(' ').unwrap_or((&line, "/graphql"));
    let mut request = Request {
        method: method.to_owned(),
        scheme: SCHEME.into(),
        authority: AUTHORITY.into(),
        ..Request::default()
    };
    request.set_path_with_query(target);

    let mut rest = rest;
    let mut sign_with = None;
    while !rest.is_empty() {
        let (header, tail) = split_line(rest);
        rest = tail;
        if header.is_empty() {
            break;
        }
        let (name, value) = match header.iter().position(|&b| b == b':') {
            Some(at) => (&header[..at], trim_start(&header[at + 1..])),
            None => (header, &b""[..]),
        };
        let name = String::from_utf8_lossy(name).trim().to_owned();
        match value {
            b"@sign" => sign_with = Some((name, SignatureMethod::HmacSha256)),
            b"@sign1" => sign_with = Some((name, SignatureMethod::HmacSha1)),
            _ => request.headers.push((name, value.to_vec())),
        }
    }
    request.body = rest.to_vec();

    if let Some((name, signature_method)) = sign_with {
        let is_form = request.header("content-type").is_some_and(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
        let form: Vec<(String, String)> = if is_form {
            form_urlencoded::parse(&request.body).into_owned().collect()
        } else {
            Vec::new()
        };
        let value = sign(
            &request.method,
            target,
            &form,
            signature_method,
            NOW,
            "raw-nonce",
        )
        .unwrap_or_else(|| "@sign".into());
        request.headers.push((name, value.into_bytes()));
    }

    Host::default().handle(&request);
}

/// The first line (without `\n` or `\r\n`) and what follows it.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), rest)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    &bytes[start..]
}

// ---------------------------------------------------------------------------------------------
// Structured mode

/// A signed exchange request and what is done to it. Every field's zero value (what
/// `arbitrary` gives once the bytes run out) is the valid choice, so short inputs succeed.
#[derive(Arbitrary, Debug)]
struct Scenario {
    carrier: Carrier,
    sha1: bool,
    /// Timestamp offset from the clock, in 5-second steps (±600 s is accepted).
    skew: i8,
    nonce: Text,
    customer: FuzzCustomer,
    /// Which Customer fields the mutation selects (bit per field of `CUSTOMER_FIELDS`).
    selection: u16,
    tamper: Tamper,
    follow_up: FollowUp,
}

/// How the GraphQL request travels.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Carrier {
    /// `{"query": "mutation { ...(input: {literal}) }"}`
    Json,
    /// `{"query": "mutation ($input: ...!) {...}", "variables": {...}, "operationName"}`
    JsonVariables,
    /// `application/graphql` body.
    GraphqlBody,
    /// Form body `query=...&variables=...`, whose parameters are signed too.
    Form,
    /// Query string over GET: the mutation is refused with 405.
    Get,
}

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Fuzzed(String),
}

impl Text {
    fn pick(&self, known: &[&str]) -> String {
        match self {
            Text::Known(index) => known[usize::from(*index) % known.len()].to_owned(),
            Text::Fuzzed(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct FuzzCustomer {
    firstname: Text,
    lastname: Text,
    email: Text,
    middlename: Option<Text>,
    prefix: Option<Text>,
    suffix: Option<Text>,
    taxvat: Option<Text>,
    date_of_birth: Option<Text>,
    /// `dob`, the deprecated spelling.
    dob: Option<Text>,
    gender: Option<i32>,
    is_subscribed: Option<bool>,
    allow_remote_shopping_assistance: Option<bool>,
    password: Option<Text>,
    custom_attributes: Vec<(Text, Option<Text>)>,
    /// An input field the schema does not know, or a field with the wrong type.
    oddity: Option<(Text, FuzzValue)>,
}

#[derive(Arbitrary, Debug)]
enum FuzzValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<String>),
    Object(Vec<(String, String)>),
}

impl FuzzValue {
    fn json(&self) -> Value {
        match self {
            FuzzValue::Null => Value::Null,
            FuzzValue::Bool(b) => json!(b),
            FuzzValue::Int(i) => json!(i),
            FuzzValue::Float(f) => json!(f),
            FuzzValue::Str(s) => json!(s),
            FuzzValue::List(items) => json!(items),
            FuzzValue::Object(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ),
        }
    }
}

const NAMES: &[&str] = &["Roni", "Cost", "Ünal", "O'Brien", "Jean-Luc", "李", "A"];
const EMAILS: &[&str] = &[
    "roni_cost@example.com",
    " Roni_Cost@Example.COM ",
    "a@b.co",
    "first.last+tag@sub.example.org",
];
const NONCES: &[&str] = &["nonce-1", "7d8f3e4a", "n"];
const DATES: &[&str] = &["1990-01-31", "2000-02-29"];
const CODES: &[&str] = &["loyalty_tier", "favourite_store"];

/// `(field, selection)` pairs of the Customer type.
const CUSTOMER_FIELDS: &[(&str, &str)] = &[
    ("id", "id"),
    ("email", "email"),
    ("firstname", "firstname"),
    ("middlename", "middlename"),
    ("lastname", "lastname"),
    ("prefix", "prefix"),
    ("suffix", "suffix"),
    ("gender", "gender"),
    ("date_of_birth", "date_of_birth"),
    ("dob", "dob"),
    ("taxvat", "taxvat"),
    ("is_subscribed", "is_subscribed"),
    ("created_at", "created_at"),
    ("confirmation_status", "confirmation_status"),
    (
        "allow_remote_shopping_assistance",
        "allow_remote_shopping_assistance",
    ),
    ("custom_attributes", "custom_attributes { code ... on AttributeValue { value } ... on AttributeSelectedOptions { selected_options { label value } } }"),
];

impl FuzzCustomer {
    /// The `customer` input object as JSON (for variables) — also printed as a GraphQL literal.
    fn input(&self) -> Map<String, Value> {
        let mut customer = Map::new();
        customer.insert("firstname".into(), json!(self.firstname.pick(NAMES)));
        customer.insert("lastname".into(), json!(self.lastname.pick(NAMES)));
        customer.insert("email".into(), json!(self.email.pick(EMAILS)));
        let optional = [
            ("middlename", &self.middlename, NAMES),
            ("prefix", &self.prefix, &["Dr."][..]),
            ("suffix", &self.suffix, &["Jr."][..]),
            ("taxvat", &self.taxvat, &["DE123456789"][..]),
            ("date_of_birth", &self.date_of_birth, DATES),
            ("dob", &self.dob, DATES),
            ("password", &self.password, &["hunter2"][..]),
        ];
        for (name, value, known) in optional {
            if let Some(value) = value {
                customer.insert(name.into(), json!(value.pick(known)));
            }
        }
        if let Some(gender) = self.gender {
            customer.insert("gender".into(), json!(gender));
        }
        if let Some(subscribed) = self.is_subscribed {
            customer.insert("is_subscribed".into(), json!(subscribed));
        }
        if let Some(allow) = self.allow_remote_shopping_assistance {
            customer.insert("allow_remote_shopping_assistance".into(), json!(allow));
        }
        if !self.custom_attributes.is_empty() {
            let attributes: Vec<Value> = self
                .custom_attributes
                .iter()
                .map(|(code, value)| {
                    let mut attribute = Map::new();
                    attribute.insert("attribute_code".into(), json!(code.pick(CODES)));
                    if let Some(value) = value {
                        attribute.insert("value".into(), json!(value.pick(&["gold"])));
                    }
                    Value::Object(attribute)
                })
                .collect();
            customer.insert("custom_attributes".into(), Value::Array(attributes));
        }
        if let Some((name, value)) = &self.oddity {
            customer.insert(name.pick(&["nickname", "gender", "email"]), value.json());
        }
        customer
    }
}

#[derive(Arbitrary, Debug)]
enum Tamper {
    None,
    /// The same request again: the nonce is spent.
    Replay,
    FlipHeaderByte {
        at: u16,
        xor: u8,
    },
    TruncateHeader(u16),
    InsertIntoHeader {
        at: u16,
        text: String,
    },
    /// An `oauth_*` parameter appended to the header (a duplicate or an unsigned one).
    AppendParam {
        name: Text,
        value: String,
    },
    /// Signed with a consumer secret or token that differs from the configured one.
    WrongSecret(String),
    /// A query string the signature does not cover.
    UnsignedQuery(String),
    /// Another method than the one signed.
    Method(Text),
    /// Another path: 404.
    Path(String),
    /// The header name in another case, or a second Authorization header first.
    HeaderCase,
    ExtraAuthorizationFirst(String),
    /// Any GraphQL document, still validly signed (a JSON body is not signed).
    Document(String),
    /// Any body bytes, still validly signed.
    Body(Vec<u8>),
    /// Another content type.
    ContentType(String),
    /// Huge body: 413.
    Oversized,
    /// The realm parameter first, which is not signed.
    Realm(String),
    /// `oauth_version` other than 1.0, or a bad signature method name, in a signed form body.
    FormProtocolParam {
        name: Text,
        value: String,
    },
}

#[derive(Arbitrary, Debug)]
enum FollowUp {
    None,
    /// `Query.customer` with the issued token as `Authorization: Bearer`, maybe altered.
    Customer {
        get: bool,
        selection: u16,
        scheme: Text,
        alter: Option<(u16, u8)>,
    },
    /// A second exchange for the same email, freshly signed: same customer id.
    ExchangeAgain {
        email: Text,
    },
    /// A Bearer token that we never issued.
    ForgedBearer(String),
}

struct Built {
    request: Request,
    /// The target signed (path and query).
    target: String,
}

impl Scenario {
    fn run(&self) {
        let host = Host::default();
        let skew = i64::from(self.skew) * 5;
        let nonce = self.nonce.pick(NONCES);
        let signature_method = if self.sha1 {
            SignatureMethod::HmacSha1
        } else {
            SignatureMethod::HmacSha256
        };
        let customer = self.customer.input();
        let selection = selection_of(self.selection | 1); // `id` always, for the oracles
        let Some(mut built) = build(
            self.carrier,
            &customer,
            &selection,
            |method, target, form| sign(method, target, form, signature_method, NOW + skew, &nonce),
        ) else {
            return;
        };
        let untouched = self
            .tamper
            .apply(&mut built, signature_method, NOW + skew, &nonce);

        let (status, body) = host.handle(&built.request);

        // An authentic, fresh request over POST is never refused by OAuth.
        if untouched && skew.abs() <= 600 && self.carrier != Carrier::Get {
            // graphql-php refuses control characters in a string literal even when escaped
            // (`"\u0007"`), so such values can only travel as variables.
            let inline = matches!(self.carrier, Carrier::Json | Carrier::GraphqlBody);
            let expected = if inline && has_refused_control(&Value::Object(customer.clone())) {
                400
            } else {
                200
            };
            assert_eq!(status, expected, "{body}");
            assert_eq!(
                oauth_problem(&body),
                None,
                "a valid signature was refused: {body}"
            );
        }
        if matches!(self.tamper, Tamper::Replay) && skew.abs() <= 600 && status == 200 {
            let (_, again) = host.handle(&built.request);
            if body["data"]["exchangeExternalCustomerToken"]["token"].is_string() {
                assert_eq!(
                    oauth_problem(&again).as_deref(),
                    Some("nonce_used"),
                    "a replayed nonce was accepted: {again}"
                );
            }
        }

        let exchanged = &body["data"]["exchangeExternalCustomerToken"];
        let (Some(token), Some(id)) = (
            exchanged["token"].as_str(),
            exchanged["customer"]["id"].as_str().and_then(|id| id.parse::<i64>().ok()),
        ) else {
            if let FollowUp::ForgedBearer(token) = &self.follow_up {
                let (_, body) = host.handle(&customer_query(
                    false,
                    &selection,
                    &format!("Bearer {token}"),
                ));
                assert!(
                    body["data"]["customer"].is_null(),
                    "a forged token was accepted: {body}"
                );
            }
            return;
        };
        match &self.follow_up {
            FollowUp::None => {}
            FollowUp::Customer {
                get,
                selection: fields,
                scheme,
                alter,
            } => {
                let mut token = token.as_bytes().to_vec();
                if let Some((at, xor)) = alter
                    && !token.is_empty()
                {
                    let at = usize::from(*at) % token.len();
                    token[at] ^= xor;
                }
                let scheme = scheme.pick(&["Bearer", "bearer", "BEARER"]);
                let header = format!("{scheme} {}", String::from_utf8_lossy(&token));
                let query = customer_query(*get, &selection_of(*fields | 1), &header);
                let (status, body) = host.handle(&query);
                let unaltered =
                    alter.is_none_or(|(_, xor)| xor == 0) && scheme.eq_ignore_ascii_case("bearer");
                if unaltered {
                    assert_eq!(status, 200, "{body}");
                    assert_eq!(
                        body["data"]["customer"]["id"].as_str().and_then(|id| id.parse::<i64>().ok()),
                        Some(id),
                        "the issued token does not identify its customer: {body}"
                    );
                }
            }
            FollowUp::ExchangeAgain { email } => {
                let mut again = customer.clone();
                let first = customer["email"].as_str().unwrap_or_default().to_owned();
                let upper = first.to_uppercase();
                let padded = format!("  {first} ");
                let second = email.pick(&[first.as_str(), upper.as_str(), padded.as_str()]);
                again.insert("email".into(), json!(second));
                let Some(built) =
                    build(Carrier::Json, &again, &selection, |method, target, form| {
                        sign(method, target, form, signature_method, NOW, "second-nonce")
                    })
                else {
                    return;
                };
                let (status, body) = host.handle(&built.request);
                let second_id =
                    body["data"]["exchangeExternalCustomerToken"]["customer"]["id"].as_str().and_then(|id| id.parse::<i64>().ok());
                let same_email = second.trim().to_lowercase() == first.trim().to_lowercase();
                if same_email && nonce != "second-nonce" {
                    assert_eq!(status, 200, "{body}");
                    if second_id.is_some() {
                        assert_eq!(second_id, Some(id), "one email, two customers: {body}");
                    }
                }
            }
            FollowUp::ForgedBearer(token) => {
                let (_, body) = host.handle(&customer_query(
                    false,
                    &selection,
                    &format!("Bearer {token}"),
                ));
                if token != exchanged["token"].as_str().unwrap_or_default() {
                    assert!(
                        body["data"]["customer"].is_null(),
                        "a forged token was accepted: {body}"
                    );
                }
            }
        }
    }
}

fn selection_of(bits: u16) -> String {
    CUSTOMER_FIELDS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, (_, field))| *field)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A GraphQL literal for a JSON value (JSON strings are valid GraphQL strings).
fn literal(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let fields: Vec<String> = object
                .iter()
                .filter(|(name, _)| is_name(name))
                .map(|(name, value)| format!("{name}: {}", literal(value)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(literal).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}

/// Whether a string in `value` holds a control character that a GraphQL string literal can
/// only carry as a `\u00XX` escape, which graphql-php refuses (all but tab, LF, CR, BS, FF).
fn has_refused_control(value: &Value) -> bool {
    match value {
        Value::String(text) => text
            .chars()
            .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\u{8}' | '\u{c}')),
        Value::Array(items) => items.iter().any(has_refused_control),
        Value::Object(object) => object
            .iter()
            .any(|(name, value)| is_name(name) && has_refused_control(value)),
        _ => false,
    }
}

fn is_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

const VARIABLES_MUTATION: &str = "mutation Exchange($input: ExchangeExternalCustomerTokenInput!) \
     { exchangeExternalCustomerToken(input: $input) { customer { SELECTION } token } }";

fn build(
    carrier: Carrier,
    customer: &Map<String, Value>,
    selection: &str,
    signer: impl Fn(&str, &str, &[(String, String)]) -> Option<String>,
) -> Option<Built> {
    let input = json!({ "customer": customer });
    let literal_mutation = format!(
        "mutation {{ exchangeExternalCustomerToken(input: {}) {{ customer {{ {selection} }} token }} }}",
        literal(&input)
    );
    let variables_mutation = VARIABLES_MUTATION.replace("SELECTION", selection);
    let mut request = Request {
        method: "POST".into(),
        scheme: SCHEME.into(),
        authority: AUTHORITY.into(),
        path: "/graphql".into(),
        ..Request::default()
    };
    let mut target = "/graphql".to_owned();
    let mut form = Vec::new();
    match carrier {
        Carrier::Json => {
            request
                .headers
                .push(("Content-Type".into(), b"application/json".to_vec()));
            request.body = json!({ "query": literal_mutation })
                .to_string()
                .into_bytes();
        }
        Carrier::JsonVariables => {
            request.headers.push((
                "content-type".into(),
                b"application/json; charset=utf-8".to_vec(),
            ));
            request.body = json!({
                "query": variables_mutation,
                "variables": { "input": input },
                "operationName": "Exchange",
            })
            .to_string()
            .into_bytes();
        }
        Carrier::GraphqlBody => {
            request
                .headers
                .push(("content-type".into(), b"application/graphql".to_vec()));
            request.body = literal_mutation.into_bytes();
        }
        Carrier::Form => {
            request.headers.push((
                "content-type".into(),
                b"application/x-www-form-urlencoded".to_vec(),
            ));
            form = vec![
                ("query".to_owned(), variables_mutation),
                (
                    "variables".to_owned(),
                    json!({ "input": input }).to_string(),
                ),
            ];
            request.body = encode_form(&form).into_bytes();
        }
        Carrier::Get => {
            request.method = "GET".into();
            let query = encode_form(&[("query".to_owned(), literal_mutation)]);
            request.query = Some(query.clone());
            target = format!("/graphql?{query}");
        }
    }
    let header = signer(&request.method, &target, &form)?;
    request
        .headers
        .push(("Authorization".into(), header.into_bytes()));
    Some(Built { request, target })
}

fn encode_form(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn customer_query(get: bool, selection: &str, authorization: &str) -> Request {
    let document = format!("{{ customer {{ {selection} }} }}");
    let mut request = Request {
        method: if get { "GET" } else { "POST" }.into(),
        scheme: SCHEME.into(),
        authority: AUTHORITY.into(),
        path: "/graphql".into(),
        ..Request::default()
    };
    if get {
        request.query = Some(encode_form(&[("query".to_owned(), document)]));
    } else {
        request
            .headers
            .push(("content-type".into(), b"application/json".to_vec()));
        request.body = json!({ "query": document }).to_string().into_bytes();
    }
    request
        .headers
        .push(("authorization".into(), authorization.as_bytes().to_vec()));
    request
}

impl Tamper {
    /// Alters the request; `true` when it is left authentic.
    fn apply(
        &self,
        built: &mut Built,
        method: SignatureMethod,
        timestamp: i64,
        nonce: &str,
    ) -> bool {
        let request = &mut built.request;
        let auth_index = request
            .headers
            .iter()
            .position(|(name, _)| name == "Authorization")
            .expect("built requests are signed");
        macro_rules! header {
            () => {
                request.headers[auth_index].1
            };
        }
        match self {
            Tamper::None | Tamper::Replay => return true,
            Tamper::FlipHeaderByte { at, xor } => {
                let at = usize::from(*at) % header!().len();
                header!()[at] ^= xor;
                return *xor == 0;
            }
            Tamper::TruncateHeader(len) => {
                header!().truncate(usize::from(*len));
            }
            Tamper::InsertIntoHeader { at, text } => {
                let at = usize::from(*at) % (header!().len() + 1);
                header!().splice(at..at, text.bytes());
                return text.is_empty();
            }
            Tamper::AppendParam { name, value } => {
                let name = name.pick(&["oauth_nonce", "oauth_version", "oauth_callback", "realm"]);
                header!().extend_from_slice(format!(", {name}=\"{value}\"").as_bytes());
            }
            Tamper::WrongSecret(secret) => {
                let mut credentials = customer_token_fuzz::credentials();
                credentials.consumer_secret.push_str(secret);
                credentials.consumer_secret.push('x');
                let url = format!("{}{}", customer_token_fuzz::PUBLIC_BASE_URL, built.target);
                let form: Vec<(String, String)> = if request.method == "POST"
                    && request.header("content-type") == Some("application/x-www-form-urlencoded")
                {
                    form_urlencoded::parse(&request.body).into_owned().collect()
                } else {
                    Vec::new()
                };
                if let Ok(value) = customer_token::oauth::authorization_header(
                    &request.method,
                    &url,
                    &form,
                    &credentials,
                    method,
                    timestamp,
                    nonce,
                ) {
                    header!() = value.into_bytes();
                }
            }
            Tamper::UnsignedQuery(query) => {
                let existing = request.query.take();
                request.query = Some(match existing {
                    Some(existing) => format!("{existing}&{query}"),
                    None => query.clone(),
                });
                return query.is_empty() || query.bytes().all(|b| b == b'&');
            }
            Tamper::Method(name) => {
                request.method = name.pick(&["PUT", "post", "GET", "DELETE", "OPTIONS"]);
            }
            Tamper::Path(path) => {
                let path = if path == "/graphql" {
                    "/graphql/"
                } else {
                    path
                };
                request.path = path.to_owned();
            }
            Tamper::HeaderCase => {
                request.headers[auth_index].0 = "AUTHORIZATION".into();
                return true;
            }
            Tamper::ExtraAuthorizationFirst(value) => {
                request
                    .headers
                    .insert(0, ("authorization".into(), value.as_bytes().to_vec()));
            }
            Tamper::Document(document) => {
                if request
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/json"))
                {
                    request.body = json!({ "query": document }).to_string().into_bytes();
                }
            }
            Tamper::Body(body) => {
                request.body = body.clone();
            }
            Tamper::ContentType(content_type) => {
                for (name, value) in &mut request.headers {
                    if name.eq_ignore_ascii_case("content-type") {
                        *value = content_type.as_bytes().to_vec();
                    }
                }
            }
            Tamper::Oversized => {
                request
                    .body
                    .resize(customer_token::http::MAX_BODY_BYTES + 1, b' ');
            }
            Tamper::Realm(realm) => {
                let header = &mut header!();
                let rest = header.split_off("OAuth ".len());
                header.extend_from_slice(b"realm=\"");
                // Quoted-string text without `%` (the value is percent-decoded, and a realm is not signed).
                header.extend(
                    realm.bytes().filter(|&b| {
                        b != b'"' && b != b'\\' && b != b'%' && b >= 0x20 && b != 0x7f
                    }),
                );
                header.extend_from_slice(b"\", ");
                header.extend_from_slice(&rest);
                return true;
            }
            Tamper::FormProtocolParam { name, value } => {
                if request.header("content-type") != Some("application/x-www-form-urlencoded") {
                    return true;
                }
                let name = name.pick(&[
                    "oauth_version",
                    "oauth_signature_method",
                    "oauth_token",
                    "note",
                ]);
                let mut form: Vec<(String, String)> =
                    form_urlencoded::parse(&request.body).into_owned().collect();
                form.push((name.clone(), value.clone()));
                request.body = encode_form(&form).into_bytes();
                // Signed with the extra parameter: the refusal (if any) is about its value.
                if let Some(value) = sign(
                    &request.method,
                    &built.target,
                    &form,
                    method,
                    timestamp,
                    nonce,
                ) {
                    header!() = value.into_bytes();
                }
                return name == "note";
            }
        }
        false
    }
}
