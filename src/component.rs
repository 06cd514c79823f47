//! The component shell: binds WIT imports to the ports and WIT exports to the domain.
//! Nothing here decides anything; it only converts.

use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
    ResponseOutparam, Scheme,
};

use crate::clock::SystemClock;
use crate::customer::{Attribute, AttributeValue, ConfirmationStatus, Customer, CustomerInput};
use crate::http::{self, MAX_BODY_BYTES, TOKEN_EXPIRED, TOKEN_REVOKED, TOKEN_UNREADABLE};
use crate::ports::{KeyValue, SecretError, Secrets, StoreError};
use crate::resolver::NOT_AUTHORIZED;
use crate::service::{self, Bearer, ExchangeError, Internal, Ports, Service, TokenRefusal, log};

wit_bindgen::generate!({
    world: "customer-token",
    path: "wit",
    with: {
        "wasi:http/types@0.2.12": wasi::http::types,
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/streams@0.2.12": wasi::io::streams,
        "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
        "wasi:http/incoming-handler@0.2.12": generate,
    },
});

use commerce::customer_token::{customer_store, secrets};
use exports::commerce::customer_token::exchange as wit;

struct Component;

export!(Component);

struct WitStore;

impl KeyValue for WitStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        customer_store::get(key).map_err(store_error)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        customer_store::set(key, value).map_err(store_error)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        customer_store::delete(key).map_err(store_error)
    }
    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        customer_store::increment(key, delta).map_err(store_error)
    }
}

fn store_error(error: customer_store::Error) -> StoreError {
    match error {
        customer_store::Error::AccessDenied => StoreError("access denied".into()),
        customer_store::Error::Other(message) => StoreError(message),
    }
}

struct WitSecrets;

impl Secrets for WitSecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        secrets::get(name).map_err(|error| match error {
            secrets::Error::Upstream(message) | secrets::Error::Io(message) => SecretError(message),
        })
    }
}

const PORTS: Ports<'static> = Ports {
    store: &WitStore,
    secrets: &WitSecrets,
    clock: &SystemClock,
};

impl exports::wasi::http::incoming_handler::Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let response = match read_request(&request) {
            Ok(request) => http::handle(&request, PORTS),
            Err(message) => {
                log(format_args!("could not read the request: {message}"));
                http::Response {
                    status: 400,
                    headers: vec![("content-type", "application/json".into())],
                    body: br#"{"errors":[{"message":"The request could not be read.","extensions":{"category":"graphql"}}]}"#.to_vec(),
                }
            }
        };
        send_response(response, response_out);
    }
}

fn read_request(request: &IncomingRequest) -> Result<http::Request, &'static str> {
    let mut converted = http::Request {
        method: match request.method() {
            Method::Get => "GET".into(),
            Method::Head => "HEAD".into(),
            Method::Post => "POST".into(),
            Method::Put => "PUT".into(),
            Method::Delete => "DELETE".into(),
            Method::Connect => "CONNECT".into(),
            Method::Options => "OPTIONS".into(),
            Method::Trace => "TRACE".into(),
            Method::Patch => "PATCH".into(),
            Method::Other(other) => other,
        },
        scheme: match request.scheme() {
            Some(Scheme::Https) => "https".into(),
            Some(Scheme::Other(other)) => other,
            Some(Scheme::Http) | None => "http".into(),
        },
        authority: request.authority().unwrap_or_default(),
        headers: request.headers().entries(),
        ..http::Request::default()
    };
    converted.set_path_with_query(&request.path_with_query().unwrap_or_else(|| "/".into()));
    if converted.method == "POST" {
        converted.body = read_body(request)?;
    }
    Ok(converted)
}

/// Reads at most one byte past the limit, so an oversized body costs no more than that.
fn read_body(request: &IncomingRequest) -> Result<Vec<u8>, &'static str> {
    let body = request.consume().map_err(|()| "body already consumed")?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|()| "body stream unavailable")?;
        while bytes.len() <= MAX_BODY_BYTES {
            let wanted = (MAX_BODY_BYTES + 1 - bytes.len()).min(16 * 1024) as u64;
            match stream.blocking_read(wanted) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(wasi::io::streams::StreamError::Closed) => break,
                Err(wasi::io::streams::StreamError::LastOperationFailed(_)) => {
                    return Err("body stream failed");
                }
            }
        }
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

fn send_response(response: http::Response, response_out: ResponseOutparam) {
    let entries: Vec<(String, Vec<u8>)> = response
        .headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone().into_bytes()))
        .chain([(
            "content-length".to_owned(),
            response.body.len().to_string().into_bytes(),
        )])
        .collect();
    let headers = match Fields::from_list(&entries) {
        Ok(headers) => headers,
        Err(error) => {
            log(format_args!("could not build response headers: {error:?}"));
            Fields::new()
        }
    };
    let outgoing = OutgoingResponse::new(headers);
    if outgoing.set_status_code(response.status).is_err() {
        log(format_args!("invalid status code {}", response.status));
    }
    let Ok(body) = outgoing.body() else {
        log(format_args!("response body unavailable"));
        return;
    };
    ResponseOutparam::set(response_out, Ok(outgoing));
    match body.write() {
        Ok(stream) => {
            for chunk in response.body.chunks(4096) {
                if let Err(error) = stream.blocking_write_and_flush(chunk) {
                    log(format_args!("could not write the response: {error:?}"));
                    break;
                }
            }
        }
        Err(()) => log(format_args!("response stream unavailable")),
    }
    if let Err(error) = OutgoingBody::finish(body, None) {
        log(format_args!("could not finish the response: {error:?}"));
    }
}

impl wit::Guest for Component {
    fn exchange(input: wit::CustomerInput) -> Result<wit::ExchangeOutput, wit::Error> {
        let service = Service::new(PORTS).map_err(internal)?;
        match service.exchange(&customer_input(input)) {
            Ok(exchanged) => Ok(wit::ExchangeOutput {
                customer: wit_customer(exchanged.customer),
                token: exchanged.token,
            }),
            Err(ExchangeError::Invalid(invalid)) => Err(wit::Error::InvalidInput(invalid.0)),
            Err(ExchangeError::Internal(error)) => Err(internal(error)),
        }
    }

    fn verify_token(token: String) -> Result<wit::Customer, wit::Error> {
        let id = customer_of(&token)?;
        let service = Service::new(PORTS).map_err(internal)?;
        match service.customer(id) {
            Ok(Some(customer)) => Ok(wit_customer(customer)),
            Ok(None) => Err(wit::Error::Unauthorized(format!(
                "Customer with id \"{id}\" does not exist."
            ))),
            Err(error) => Err(internal(error)),
        }
    }

    fn revoke(token: String) -> Result<(), wit::Error> {
        let id = customer_of(&token)?;
        Service::new(PORTS)
            .map_err(internal)?
            .revoke(id)
            .map_err(internal)
    }
}

/// The customer a token speaks for, with the GraphQL API's messages for a refusal.
fn customer_of(token: &str) -> Result<u32, wit::Error> {
    match service::authenticate(PORTS, token) {
        Ok(Bearer::Customer { id }) => Ok(id),
        Ok(Bearer::OtherUser) => Err(wit::Error::Unauthorized(NOT_AUTHORIZED.into())),
        Err(TokenRefusal::Unreadable) => Err(wit::Error::Unauthorized(TOKEN_UNREADABLE.into())),
        Err(TokenRefusal::Expired) => Err(wit::Error::Expired(TOKEN_EXPIRED.into())),
        Err(TokenRefusal::Revoked) => Err(wit::Error::Revoked(TOKEN_REVOKED.into())),
        Err(TokenRefusal::Internal(error)) => Err(internal(error)),
    }
}

fn internal(error: Internal) -> wit::Error {
    log(format_args!("internal error: {error}"));
    wit::Error::Internal("Internal server error".into())
}

fn customer_input(input: wit::CustomerInput) -> CustomerInput {
    CustomerInput {
        prefix: input.prefix,
        firstname: input.firstname,
        middlename: input.middlename,
        lastname: input.lastname,
        suffix: input.suffix,
        email: input.email,
        date_of_birth: input.date_of_birth,
        taxvat: input.taxvat,
        gender: input.gender,
        is_subscribed: input.is_subscribed,
        custom_attributes: Some(
            input
                .custom_attributes
                .into_iter()
                .map(|a| Attribute {
                    code: a.code,
                    value: match a.value {
                        wit::AttributeValue::Text(text) => AttributeValue::Text(text),
                        wit::AttributeValue::Options(values) => AttributeValue::Options(values),
                    },
                })
                .collect(),
        ),
        allow_remote_shopping_assistance: input.allow_remote_shopping_assistance,
    }
}

fn wit_customer(customer: Customer) -> wit::Customer {
    wit::Customer {
        id: customer.id,
        email: customer.email,
        firstname: customer.firstname,
        middlename: customer.middlename,
        lastname: customer.lastname,
        prefix: customer.prefix,
        suffix: customer.suffix,
        gender: customer.gender,
        date_of_birth: customer.date_of_birth,
        taxvat: customer.taxvat,
        is_subscribed: customer.is_subscribed,
        created_at: customer.created_at,
        confirmation_status: match customer.confirmation_status {
            ConfirmationStatus::AccountConfirmed => wit::ConfirmationStatus::AccountConfirmed,
            ConfirmationStatus::AccountConfirmationNotRequired => {
                wit::ConfirmationStatus::AccountConfirmationNotRequired
            }
        },
        allow_remote_shopping_assistance: customer.allow_remote_shopping_assistance,
        custom_attributes: customer
            .custom_attributes
            .into_iter()
            .map(|a| wit::Attribute {
                code: a.code,
                value: match a.value {
                    AttributeValue::Text(text) => wit::AttributeValue::Text(text),
                    AttributeValue::Options(values) => wit::AttributeValue::Options(values),
                },
            })
            .collect(),
    }
}
