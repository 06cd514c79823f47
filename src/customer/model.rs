//! The customer: the model, generated from the table of its fields (`fields.rs`). The stored
//! record (`record.rs`) and the GraphQL view (`view.rs`) are both derived from it.

use serde::{Deserialize, Serialize};

use super::fields::{Flag, Kind, OptionalInt, OptionalText, RequiredText, profile_fields};

/// One entry of `custom_attributes`: a plain value, or the selected options of a select or
/// multi-select attribute (Magento's `AttributeValue` and `AttributeSelectedOptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub code: String,
    #[serde(flatten)]
    pub value: AttributeValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeValue {
    #[serde(rename = "value")]
    Text(String),
    /// The option values, in the order given.
    #[serde(rename = "selected_options")]
    Options(Vec<String>),
}

macro_rules! model {
    ($($name:ident: $kind:ident, $input:expr, $output:expr, $doc:literal, $check:expr;)*) => {
        /// `CustomerCreateInput`, after GraphQL coercion (`dob` already folded into
        /// `date_of_birth`, attributes without a value or options left out).
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct CustomerInput {
            pub email: String,
            $(#[doc = $doc] pub $name: <$kind as Kind>::Input,)*
            /// `None` when the input has no `custom_attributes` at all.
            pub custom_attributes: Option<Vec<Attribute>>,
        }

        /// A stored customer. Field names are the schema's.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Customer {
            pub id: u32,
            pub email: String,
            $(#[doc = $doc] #[serde(default)] pub $name: <$kind as Kind>::Stored,)*
            /// `YYYY-MM-DD HH:MM:SS`, UTC.
            pub created_at: String,
            pub confirmation_status: ConfirmationStatus,
            #[serde(default)]
            pub custom_attributes: Vec<Attribute>,
        }

        impl Customer {
            /// A new customer `id` from validated `input`, created at `created_at`.
            pub fn new(id: u32, input: &CustomerInput, created_at: String) -> Customer {
                Customer {
                    id,
                    email: input.email.trim().to_owned(),
                    $($name: <$kind as Kind>::create(&input.$name),)*
                    created_at,
                    confirmation_status: ConfirmationStatus::AccountConfirmationNotRequired,
                    custom_attributes: input.custom_attributes.clone().unwrap_or_default(),
                }
            }

            /// The profile of a repeat login applied (`customer_profile_on_login = update`,
            /// docs/contract.md §7): each field as its kind says, custom attributes by code. The
            /// id, email, creation time and status never change here.
            pub fn with_profile(&self, input: &CustomerInput) -> Customer {
                let mut updated = self.clone();
                $(<$kind as Kind>::update(&mut updated.$name, &input.$name);)*
                for attribute in input.custom_attributes.iter().flatten() {
                    match updated
                        .custom_attributes
                        .iter_mut()
                        .find(|stored| stored.code == attribute.code)
                    {
                        Some(stored) => stored.value = attribute.value.clone(),
                        None => updated.custom_attributes.push(attribute.clone()),
                    }
                }
                updated
            }
        }
    };
}
profile_fields!(model);

impl CustomerInput {
    /// The input with the custom attribute `code` set to the text `value` (replacing one of
    /// that code, else added last).
    pub fn with_attribute(&self, code: &str, value: &str) -> CustomerInput {
        let mut input = self.clone();
        let attributes = input.custom_attributes.get_or_insert_with(Vec::new);
        let value = AttributeValue::Text(value.to_owned());
        match attributes
            .iter_mut()
            .find(|attribute| attribute.code == code)
        {
            Some(attribute) => attribute.value = value,
            None => attributes.push(Attribute {
                code: code.to_owned(),
                value,
            }),
        }
        input
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfirmationStatus {
    AccountConfirmed,
    /// What every customer this product creates is (`Customer::new`).
    #[default]
    AccountConfirmationNotRequired,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Customer {
        Customer {
            id: 6,
            email: "Roni_Cost@example.com".into(),
            firstname: "Roni".into(),
            lastname: "Cost".into(),
            prefix: Some("Ms".into()),
            gender: Some(2),
            date_of_birth: Some("1990-01-31".into()),
            is_subscribed: true,
            created_at: "2025-05-29 06:17:01".into(),
            custom_attributes: vec![
                Attribute {
                    code: "loyalty".into(),
                    value: AttributeValue::Text("gold".into()),
                },
                Attribute {
                    code: "hobbies".into(),
                    value: AttributeValue::Options(vec!["12".into(), "14".into()]),
                },
            ],
            ..Customer::default()
        }
    }

    #[test]
    fn a_profile_update_changes_given_fields_and_keeps_the_rest() {
        let stored = sample();
        let input = CustomerInput {
            firstname: "Rona".into(),
            lastname: "Costa".into(),
            email: "other@example.com".into(),
            taxvat: Some("DE1".into()),
            is_subscribed: Some(false),
            custom_attributes: Some(vec![
                Attribute {
                    code: "loyalty".into(),
                    value: AttributeValue::Text("platinum".into()),
                },
                Attribute {
                    code: "new".into(),
                    value: AttributeValue::Text("x".into()),
                },
            ]),
            ..CustomerInput::default()
        };
        let updated = stored.with_profile(&input);
        assert_eq!(updated.firstname, "Rona");
        assert_eq!(updated.lastname, "Costa");
        assert_eq!(updated.email, "Roni_Cost@example.com");
        assert_eq!(updated.id, 6);
        assert_eq!(updated.created_at, stored.created_at);
        assert_eq!(updated.prefix.as_deref(), Some("Ms"));
        assert_eq!(updated.taxvat.as_deref(), Some("DE1"));
        assert!(!updated.is_subscribed);
        assert_eq!(updated.gender, Some(2));
        let codes: Vec<&str> = updated
            .custom_attributes
            .iter()
            .map(|a| a.code.as_str())
            .collect();
        assert_eq!(codes, ["loyalty", "hobbies", "new"]);
        assert_eq!(
            updated.custom_attributes[0].value,
            AttributeValue::Text("platinum".into())
        );
    }
}
