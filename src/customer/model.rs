//! The customer: the one model of its fields. The stored record (`record.rs`) and the GraphQL
//! view (`view.rs`) are both derived from it, so a field is added here (plus the schema).

use serde::{Deserialize, Serialize};

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

/// `CustomerCreateInput`, after GraphQL coercion (`dob` already folded into `date_of_birth`,
/// attributes without a value or options left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerInput {
    pub prefix: Option<String>,
    pub firstname: String,
    pub middlename: Option<String>,
    pub lastname: String,
    pub suffix: Option<String>,
    pub email: String,
    pub date_of_birth: Option<String>,
    pub taxvat: Option<String>,
    pub gender: Option<i32>,
    pub is_subscribed: Option<bool>,
    /// `None` when the input has no `custom_attributes` at all.
    pub custom_attributes: Option<Vec<Attribute>>,
    pub allow_remote_shopping_assistance: Option<bool>,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfirmationStatus {
    AccountConfirmed,
    AccountConfirmationNotRequired,
}

/// A stored customer. Field names are the schema's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: u32,
    pub email: String,
    pub firstname: String,
    #[serde(default)]
    pub middlename: Option<String>,
    pub lastname: String,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub gender: Option<i32>,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub taxvat: Option<String>,
    #[serde(default)]
    pub is_subscribed: bool,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: String,
    pub confirmation_status: ConfirmationStatus,
    #[serde(default)]
    pub allow_remote_shopping_assistance: bool,
    #[serde(default)]
    pub custom_attributes: Vec<Attribute>,
}

impl Customer {
    /// A new customer `id` from validated `input`, created at `created_at`.
    pub fn new(id: u32, input: &CustomerInput, created_at: String) -> Customer {
        Customer {
            id,
            email: input.email.trim().to_owned(),
            firstname: input.firstname.clone(),
            middlename: input.middlename.clone(),
            lastname: input.lastname.clone(),
            prefix: input.prefix.clone(),
            suffix: input.suffix.clone(),
            gender: input.gender,
            date_of_birth: input.date_of_birth.clone(),
            taxvat: input.taxvat.clone(),
            is_subscribed: input.is_subscribed.unwrap_or(false),
            created_at,
            confirmation_status: ConfirmationStatus::AccountConfirmationNotRequired,
            allow_remote_shopping_assistance: input
                .allow_remote_shopping_assistance
                .unwrap_or(false),
            custom_attributes: input.custom_attributes.clone().unwrap_or_default(),
        }
    }

    /// The profile of a repeat login applied (`customer_profile_on_login = update`, contract
    /// §7): names always, every other profile field where the input gives it, custom
    /// attributes by code. The id, email, creation time and status never change.
    pub fn with_profile(&self, input: &CustomerInput) -> Customer {
        let mut updated = self.clone();
        updated.firstname = input.firstname.clone();
        updated.lastname = input.lastname.clone();
        for (field, given) in [
            (&mut updated.middlename, &input.middlename),
            (&mut updated.prefix, &input.prefix),
            (&mut updated.suffix, &input.suffix),
            (&mut updated.date_of_birth, &input.date_of_birth),
            (&mut updated.taxvat, &input.taxvat),
        ] {
            if given.is_some() {
                field.clone_from(given);
            }
        }
        if input.gender.is_some() {
            updated.gender = input.gender;
        }
        if let Some(subscribed) = input.is_subscribed {
            updated.is_subscribed = subscribed;
        }
        if let Some(allowed) = input.allow_remote_shopping_assistance {
            updated.allow_remote_shopping_assistance = allowed;
        }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Customer {
        Customer {
            id: 6,
            email: "Roni_Cost@example.com".into(),
            firstname: "Roni".into(),
            middlename: None,
            lastname: "Cost".into(),
            prefix: Some("Ms".into()),
            suffix: None,
            gender: Some(2),
            date_of_birth: Some("1990-01-31".into()),
            taxvat: None,
            is_subscribed: true,
            created_at: "2025-05-29 06:17:01".into(),
            confirmation_status: ConfirmationStatus::AccountConfirmationNotRequired,
            allow_remote_shopping_assistance: false,
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
