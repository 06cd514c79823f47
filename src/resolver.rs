//! The GraphQL root fields, resolved with the service: OAuth for the exchange, the Bearer
//! token (already authenticated by `http.rs`) for `customer` and `revokeCustomerToken`, and
//! the error messages and categories of docs/contract.md §4.

use serde_json::{Map, Value, json};

use crate::customer::fields::{
    Flag, Kind as _, OptionalInt, OptionalText, RequiredText, profile_fields,
};
use crate::customer::{Attribute, AttributeValue, Customer, CustomerInput};
use crate::graphql::{Category, FieldError, ResolveError, Resolver};
use crate::oauth::{Problem, SignedRequest};
use crate::service::{
    self, Bearer, ExchangeError, IntegrationError, Internal, LINKED_TO_ANOTHER_SIGN_IN,
    NOT_AUTHORIZED, NOT_PERMITTED, Ports, Service, log,
};

/// Magento's CreateCustomer resolver's wording for a null or absent `input`.
const INPUT_REQUIRED: &str = "\"input\" value should be specified";

/// Resolves the root fields of one HTTP request.
pub struct RequestResolver<'a> {
    ports: Ports<'a>,
    signed: SignedRequest<'a>,
    bearer: Option<Bearer>,
}

impl<'a> RequestResolver<'a> {
    /// `signed` is the request as the OAuth signature covers it; `bearer` whom its valid
    /// Bearer token speaks for, if it has one.
    pub fn new(ports: Ports<'a>, signed: SignedRequest<'a>, bearer: Option<Bearer>) -> Self {
        RequestResolver {
            ports,
            signed,
            bearer,
        }
    }

    /// The customer of the Bearer token, or Magento's authorization error.
    fn bearer_customer(&self) -> Result<&Customer, ResolveError> {
        match &self.bearer {
            Some(Bearer::Customer(customer)) => Ok(customer),
            None | Some(Bearer::OtherUser) => Err(field_error(
                NOT_AUTHORIZED.into(),
                Category::Authorization,
                Map::new(),
            )),
        }
    }

    fn exchange(&self, args: &Map<String, Value>) -> Result<Value, ResolveError> {
        let service = match Service::for_integration(self.ports, &self.signed) {
            Ok(service) => service,
            Err(IntegrationError::Refused(problem)) => {
                return Err(ResolveError::Field(refusal(&problem)));
            }
            Err(IntegrationError::Internal(error)) => return Err(internal(error)),
        };
        let Some(Value::Object(input)) = args.get("input") else {
            return Err(field_error(
                INPUT_REQUIRED.into(),
                Category::Input,
                Map::new(),
            ));
        };
        match service.exchange(&customer_input(input), None) {
            Ok(exchanged) => Ok(json!({
                "customer": service.view(&exchanged.customer),
                "token": exchanged.token,
            })),
            Err(ExchangeError::Invalid(invalid)) => {
                Err(field_error(invalid.0, Category::Input, Map::new()))
            }
            Err(ExchangeError::LinkedToAnotherSubject) => Err(field_error(
                LINKED_TO_ANOTHER_SIGN_IN.into(),
                Category::Authorization,
                Map::new(),
            )),
            Err(ExchangeError::Internal(error)) => Err(internal(error)),
        }
    }

    fn customer(&self) -> Result<Value, ResolveError> {
        let customer = self.bearer_customer()?;
        service::bearer_view(self.ports, customer).map_err(internal)
    }

    fn revoke(&self) -> Result<Value, ResolveError> {
        let id = self.bearer_customer()?.id;
        service::revoke(self.ports, id).map_err(internal)?;
        Ok(json!({"result": true}))
    }
}

impl Resolver for RequestResolver<'_> {
    fn resolve_root(
        &mut self,
        field: &str,
        args: &Map<String, Value>,
    ) -> Result<Value, ResolveError> {
        match field {
            "exchangeExternalCustomerToken" => self.exchange(args),
            "customer" => self.customer(),
            "revokeCustomerToken" => self.revoke(),
            // Validation admits only the schema's root fields.
            other => {
                log(format_args!("no resolver for root field `{other}`"));
                Err(ResolveError::Internal)
            }
        }
    }
}

fn internal(error: Internal) -> ResolveError {
    log(format_args!("internal error: {error}"));
    ResolveError::Internal
}

fn field_error(
    message: String,
    category: Category,
    extensions: Map<String, Value>,
) -> ResolveError {
    ResolveError::Field(FieldError {
        message,
        category,
        extensions,
    })
}

/// Magento's message, plus which check failed (docs/contract.md §4, "Beyond Magento").
fn refusal(problem: &Problem) -> FieldError {
    let mut extensions = Map::new();
    extensions.insert("oauth_problem".into(), Value::from(problem.code()));
    if let Problem::ParameterAbsent(names) = problem {
        extensions.insert("oauth_parameters_absent".into(), json!(names));
    }
    FieldError {
        message: NOT_PERMITTED.into(),
        category: Category::Authorization,
        extensions,
    }
}

/// The coerced `input` argument as the domain's input, field by field as the table of fields
/// (`customer::fields`) reads them. Validation has already guaranteed the required fields;
/// anything absent becomes empty and fails domain validation.
pub fn customer_input(input: &Map<String, Value>) -> CustomerInput {
    let empty = Map::new();
    let customer = input
        .get("customer")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let custom_attributes = customer
        .get("custom_attributes")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_object)
                .filter_map(attribute_input)
                .collect()
        });
    macro_rules! read_fields {
        ($($name:ident: $kind:ident, $input:expr, $output:expr, $doc:literal, $check:expr;)*) => {
            CustomerInput {
                email: RequiredText::read(customer.get("email")),
                $($name: $kind::read(customer.get(stringify!($name))),)*
                custom_attributes,
            }
        };
    }
    let mut read = profile_fields!(read_fields);
    // `dob` is the deprecated name of `date_of_birth`.
    if read.date_of_birth.is_none() {
        read.date_of_birth = OptionalText::read(customer.get("dob"));
    }
    read
}

/// One `AttributeValueInput`: its `selected_options` when given, else its `value`; with
/// neither it carries nothing and is left out.
fn attribute_input(item: &Map<String, Value>) -> Option<Attribute> {
    let code = item
        .get("attribute_code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let value = match (item.get("selected_options"), item.get("value")) {
        (Some(Value::Array(options)), _) => AttributeValue::Options(
            options
                .iter()
                .filter_map(|option| option.get("value").and_then(Value::as_str))
                .map(str::to_owned)
                .collect(),
        ),
        (_, Some(Value::String(value))) => AttributeValue::Text(value.clone()),
        _ => return None,
    };
    Some(Attribute { code, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_maps_every_field_and_prefers_date_of_birth_over_dob() {
        let input = json!({"customer": {
            "firstname": "Roni", "lastname": "Cost", "email": "roni_cost@example.com",
            "middlename": "J", "prefix": "Ms", "suffix": "Jr", "taxvat": "DE1",
            "gender": 2, "is_subscribed": true, "allow_remote_shopping_assistance": true,
            "dob": "1980-01-01", "date_of_birth": "1990-01-31", "password": "never stored",
            "custom_attributes": [
                {"attribute_code": "loyalty", "value": "gold"},
                {"attribute_code": "x", "value": null},
                {"attribute_code": "hobbies", "selected_options": [{"value": "12"}, {"value": "14"}]},
                null
            ]
        }});
        let parsed = customer_input(input.as_object().unwrap());
        assert_eq!(parsed.firstname, "Roni");
        assert_eq!(parsed.middlename.as_deref(), Some("J"));
        assert_eq!(parsed.date_of_birth.as_deref(), Some("1990-01-31"));
        assert_eq!(parsed.gender, Some(2));
        assert_eq!(parsed.is_subscribed, Some(true));
        assert_eq!(parsed.allow_remote_shopping_assistance, Some(true));
        assert_eq!(
            parsed.custom_attributes,
            Some(vec![
                Attribute {
                    code: "loyalty".into(),
                    value: AttributeValue::Text("gold".into())
                },
                Attribute {
                    code: "hobbies".into(),
                    value: AttributeValue::Options(vec!["12".into(), "14".into()])
                },
            ])
        );
    }

    #[test]
    fn dob_is_used_when_date_of_birth_is_absent() {
        let input = json!({"customer": {"firstname": "R", "lastname": "C", "email": "e@x.io", "dob": "1980-01-01"}});
        let parsed = customer_input(input.as_object().unwrap());
        assert_eq!(parsed.date_of_birth.as_deref(), Some("1980-01-01"));
        assert_eq!(parsed.custom_attributes, None);
    }

    #[test]
    fn refusal_carries_the_problem_and_absent_names() {
        let error = refusal(&Problem::ParameterAbsent(vec!["oauth_nonce".into()]));
        assert_eq!(error.message, NOT_PERMITTED);
        assert_eq!(error.category, Category::Authorization);
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
