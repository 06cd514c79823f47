//! The GraphQL root fields, resolved with the service: OAuth for the mutation, the Bearer
//! token for `Query.customer`, and the error messages and categories of contract §4.

use serde_json::{Map, Value, json};

use crate::customer::{Attribute, CustomerInput};
use crate::graphql::{FieldError, ResolveError, Resolver};
use crate::oauth::{Problem, SignedRequest, VerifyError};
use crate::service::{ExchangeError, Internal, Ports, Service, TokenRefusal, log};

const NOT_PERMITTED: &str = "You do not have permission to access this resource.";
const NOT_AUTHORIZED: &str = "The current customer isn't authorized.";
const EXPIRED: &str = "Consumer key has expired";

/// Resolves the root fields of one HTTP request.
pub struct RequestResolver<'a> {
    ports: Ports<'a>,
    signed: SignedRequest<'a>,
    bearer: Option<&'a str>,
}

impl<'a> RequestResolver<'a> {
    /// `authorization` is the raw Authorization header; it is an OAuth signature for the
    /// mutation and a `Bearer` customer token for `Query.customer`.
    pub fn new(ports: Ports<'a>, signed: SignedRequest<'a>) -> Self {
        let bearer = signed.authorization.and_then(bearer_token);
        RequestResolver {
            ports,
            signed,
            bearer,
        }
    }

    fn service(&self) -> Result<Service<'a>, ResolveError> {
        Service::new(self.ports).map_err(internal)
    }
}

impl Resolver for RequestResolver<'_> {
    fn exchange_external_customer_token(
        &mut self,
        input: &Map<String, Value>,
    ) -> Result<Value, ResolveError> {
        let service = self.service()?;
        match service.verify_integration(&self.signed) {
            Ok(()) => {}
            Err(VerifyError::Refused(problem)) => {
                log(format_args!(
                    "integration request refused: {}",
                    problem.code()
                ));
                return Err(ResolveError::Field(refusal(&problem)));
            }
            Err(VerifyError::Store(error)) => return Err(internal(Internal::Store(error))),
        }
        let input = customer_input(input);
        match service.exchange(&input) {
            Ok(exchanged) => Ok(json!({
                "customer": exchanged.customer.to_graphql(),
                "token": exchanged.token,
            })),
            Err(ExchangeError::Invalid(invalid)) => {
                Err(field_error(invalid.0, "graphql-input", Map::new()))
            }
            Err(ExchangeError::Internal(error)) => Err(internal(error)),
        }
    }

    fn customer(&mut self) -> Result<Value, ResolveError> {
        let Some(token) = self.bearer else {
            return Err(field_error(
                NOT_AUTHORIZED.into(),
                "graphql-authorization",
                Map::new(),
            ));
        };
        match self.service()?.customer_for_token(token) {
            Ok(customer) => Ok(customer.to_graphql()),
            Err(TokenRefusal::Unauthorized) => Err(field_error(
                NOT_AUTHORIZED.into(),
                "graphql-authorization",
                Map::new(),
            )),
            Err(TokenRefusal::Expired) => Err(field_error(
                EXPIRED.into(),
                "graphql-authentication",
                Map::new(),
            )),
            Err(TokenRefusal::Internal(error)) => Err(internal(error)),
        }
    }
}

fn internal(error: Internal) -> ResolveError {
    log(format_args!("internal error: {error}"));
    ResolveError::Internal
}

fn field_error(
    message: String,
    category: &'static str,
    extensions: Map<String, Value>,
) -> ResolveError {
    ResolveError::Field(FieldError {
        message,
        category,
        extensions,
    })
}

/// Magento's message, plus which check failed (contract §4, "Beyond Magento").
fn refusal(problem: &Problem) -> FieldError {
    let mut extensions = Map::new();
    extensions.insert("oauth_problem".into(), Value::from(problem.code()));
    if let Problem::ParameterAbsent(names) = problem {
        extensions.insert("oauth_parameters_absent".into(), json!(names));
    }
    FieldError {
        message: NOT_PERMITTED.into(),
        category: "graphql-authorization",
        extensions,
    }
}

/// `Bearer <token>`, scheme case-insensitive (RFC 6750 §2.1).
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The coerced `input` argument as the domain's input. Validation has already guaranteed the
/// required fields; anything absent becomes empty and fails domain validation.
pub fn customer_input(input: &Map<String, Value>) -> CustomerInput {
    let empty = Map::new();
    let customer = input
        .get("customer")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let text = |name: &str| {
        customer
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let custom_attributes = customer
        .get("custom_attributes")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_object)
                .map(|item| Attribute {
                    code: item
                        .get("attribute_code")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    value: item.get("value").and_then(Value::as_str).map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    CustomerInput {
        prefix: text("prefix"),
        firstname: text("firstname").unwrap_or_default(),
        middlename: text("middlename"),
        lastname: text("lastname").unwrap_or_default(),
        suffix: text("suffix"),
        email: text("email").unwrap_or_default(),
        date_of_birth: text("date_of_birth").or_else(|| text("dob")),
        taxvat: text("taxvat"),
        gender: customer
            .get("gender")
            .and_then(Value::as_i64)
            .and_then(|g| i32::try_from(g).ok()),
        is_subscribed: customer.get("is_subscribed").and_then(Value::as_bool),
        custom_attributes,
        allow_remote_shopping_assistance: customer
            .get("allow_remote_shopping_assistance")
            .and_then(Value::as_bool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_found_case_insensitively() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("OAuth oauth_token=\"x\""), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn input_maps_every_field_and_prefers_date_of_birth_over_dob() {
        let input = json!({"customer": {
            "firstname": "Roni", "lastname": "Cost", "email": "roni_cost@example.com",
            "middlename": "J", "prefix": "Ms", "suffix": "Jr", "taxvat": "DE1",
            "gender": 2, "is_subscribed": true, "allow_remote_shopping_assistance": true,
            "dob": "1980-01-01", "date_of_birth": "1990-01-31", "password": "never stored",
            "custom_attributes": [{"attribute_code": "loyalty", "value": "gold"}, {"attribute_code": "x", "value": null}]
        }});
        let parsed = customer_input(input.as_object().unwrap());
        assert_eq!(parsed.firstname, "Roni");
        assert_eq!(parsed.middlename.as_deref(), Some("J"));
        assert_eq!(parsed.date_of_birth.as_deref(), Some("1990-01-31"));
        assert_eq!(parsed.gender, Some(2));
        assert_eq!(parsed.is_subscribed, Some(true));
        assert_eq!(parsed.allow_remote_shopping_assistance, Some(true));
        assert_eq!(parsed.custom_attributes.len(), 2);
        assert_eq!(parsed.custom_attributes[1].value, None);
    }

    #[test]
    fn dob_is_used_when_date_of_birth_is_absent() {
        let input = json!({"customer": {"firstname": "R", "lastname": "C", "email": "e@x.io", "dob": "1980-01-01"}});
        assert_eq!(
            customer_input(input.as_object().unwrap())
                .date_of_birth
                .as_deref(),
            Some("1980-01-01")
        );
    }

    #[test]
    fn refusal_carries_the_problem_and_absent_names() {
        let error = refusal(&Problem::ParameterAbsent(vec!["oauth_nonce".into()]));
        assert_eq!(error.message, NOT_PERMITTED);
        assert_eq!(error.category, "graphql-authorization");
        assert_eq!(error.extensions["oauth_problem"], "parameter_absent");
        assert_eq!(
            error.extensions["oauth_parameters_absent"],
            json!(["oauth_nonce"])
        );
        let error = refusal(&Problem::NonceUsed);
        assert_eq!(error.extensions["oauth_problem"], "nonce_used");
        assert!(!error.extensions.contains_key("oauth_parameters_absent"));
    }
}
