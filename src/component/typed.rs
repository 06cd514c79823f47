//! The typed `exchange` export of the composable world: trusted callers only (see wit/world.wit).

use super::exports::commerce::customer_token::exchange as wit;
use super::{Component, PORTS};
use crate::customer::fields::profile_fields;
use crate::customer::{Attribute, AttributeValue, ConfirmationStatus, Customer, CustomerInput};
use crate::service::{
    self, Bearer, ExchangeError, Internal, NOT_AUTHORIZED, Service, TOKEN_EXPIRED, TOKEN_REVOKED,
    TOKEN_UNREADABLE, TokenRefusal, log,
};

impl wit::Guest for Component {
    fn exchange(input: wit::CustomerInput) -> Result<wit::ExchangeOutput, wit::Error> {
        let service = Service::new(PORTS).map_err(internal)?;
        let subject = input.subject.clone();
        match service.exchange(&customer_input(input), subject.as_deref()) {
            Ok(exchanged) => Ok(wit::ExchangeOutput {
                customer: wit_customer(exchanged.customer),
                token: exchanged.token,
            }),
            Err(ExchangeError::Invalid(invalid)) => Err(wit::Error::InvalidInput(invalid.0)),
            Err(ExchangeError::LinkedToAnotherSubject) => Err(wit::Error::Unauthorized(
                service::LINKED_TO_ANOTHER_SIGN_IN.into(),
            )),
            Err(ExchangeError::Internal(error)) => Err(internal(error)),
        }
    }

    fn verify_token(token: String) -> Result<wit::Customer, wit::Error> {
        customer_of(&token).map(wit_customer)
    }

    fn revoke(token: String) -> Result<(), wit::Error> {
        let id = customer_of(&token)?.id;
        service::revoke(PORTS, id).map_err(internal)
    }
}

/// The customer a token speaks for, with the GraphQL API's messages for a refusal.
fn customer_of(token: &str) -> Result<Customer, wit::Error> {
    match service::authenticate(PORTS, token) {
        Ok(Bearer::Customer(customer)) => Ok(*customer),
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

macro_rules! conversions {
    ($($name:ident: $kind:ident, $input:expr, $output:expr, $doc:literal, $check:expr;)*) => {
        /// The typed input as the domain's: the table's fields as they are (the WIT record's
        /// field types are the kinds' inputs), the attributes converted.
        fn customer_input(input: wit::CustomerInput) -> CustomerInput {
            CustomerInput {
                email: input.email,
                $($name: input.$name,)*
                custom_attributes: Some(
                    input
                        .custom_attributes
                        .into_iter()
                        .map(|a| Attribute {
                            code: a.code,
                            value: match a.value {
                                wit::AttributeValue::Text(text) => AttributeValue::Text(text),
                                wit::AttributeValue::Options(values) => {
                                    AttributeValue::Options(values)
                                }
                            },
                        })
                        .collect(),
                ),
            }
        }

        /// The stored customer as the typed interface's record.
        fn wit_customer(customer: Customer) -> wit::Customer {
            wit::Customer {
                id: customer.id,
                email: customer.email,
                $($name: customer.$name,)*
                created_at: customer.created_at,
                confirmation_status: match customer.confirmation_status {
                    ConfirmationStatus::AccountConfirmed => {
                        wit::ConfirmationStatus::AccountConfirmed
                    }
                    ConfirmationStatus::AccountConfirmationNotRequired => {
                        wit::ConfirmationStatus::AccountConfirmationNotRequired
                    }
                },
                custom_attributes: customer
                    .custom_attributes
                    .into_iter()
                    .map(|a| wit::Attribute {
                        code: a.code,
                        value: match a.value {
                            AttributeValue::Text(text) => wit::AttributeValue::Text(text),
                            AttributeValue::Options(values) => {
                                wit::AttributeValue::Options(values)
                            }
                        },
                    })
                    .collect(),
            }
        }
    };
}
profile_fields!(conversions);
