//! The customer as the API and the store see it.

use serde_json::{Map, Value, json};

/// One entry of `custom_attributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub code: String,
    pub value: Option<String>,
}

/// `CustomerCreateInput`, after GraphQL coercion (`dob` already folded into `date_of_birth`).
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
    pub custom_attributes: Vec<Attribute>,
    pub allow_remote_shopping_assistance: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationStatus {
    AccountConfirmed,
    AccountConfirmationNotRequired,
}

impl ConfirmationStatus {
    pub fn as_graphql(self) -> &'static str {
        match self {
            ConfirmationStatus::AccountConfirmed => "ACCOUNT_CONFIRMED",
            ConfirmationStatus::AccountConfirmationNotRequired => {
                "ACCOUNT_CONFIRMATION_NOT_REQUIRED"
            }
        }
    }

    fn from_graphql(name: &str) -> Option<Self> {
        match name {
            "ACCOUNT_CONFIRMED" => Some(ConfirmationStatus::AccountConfirmed),
            "ACCOUNT_CONFIRMATION_NOT_REQUIRED" => {
                Some(ConfirmationStatus::AccountConfirmationNotRequired)
            }
            _ => None,
        }
    }
}

/// A stored customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: u32,
    pub email: String,
    pub firstname: String,
    pub middlename: Option<String>,
    pub lastname: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub gender: Option<i32>,
    pub date_of_birth: Option<String>,
    pub taxvat: Option<String>,
    pub is_subscribed: bool,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: String,
    pub confirmation_status: ConfirmationStatus,
    pub allow_remote_shopping_assistance: bool,
    pub custom_attributes: Vec<Attribute>,
}

/// The version written into every record, so later versions can migrate old ones.
pub const RECORD_FORMAT: u64 = 1;

impl Customer {
    /// Every field by its schema name, with `extra` members first.
    fn fields(&self, extra: &[(&str, Value)]) -> Map<String, Value> {
        let attributes: Vec<Value> = self
            .custom_attributes
            .iter()
            .map(|a| json!({"code": a.code, "value": a.value}))
            .collect();
        let mut fields: Map<String, Value> = extra
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        for (name, value) in [
            ("id", json!(self.id)),
            ("email", json!(self.email)),
            ("firstname", json!(self.firstname)),
            ("middlename", json!(self.middlename)),
            ("lastname", json!(self.lastname)),
            ("prefix", json!(self.prefix)),
            ("suffix", json!(self.suffix)),
            ("gender", json!(self.gender)),
            ("date_of_birth", json!(self.date_of_birth)),
            ("taxvat", json!(self.taxvat)),
            ("is_subscribed", json!(self.is_subscribed)),
            ("created_at", json!(self.created_at)),
            (
                "confirmation_status",
                json!(self.confirmation_status.as_graphql()),
            ),
            (
                "allow_remote_shopping_assistance",
                json!(self.allow_remote_shopping_assistance),
            ),
            ("custom_attributes", Value::Array(attributes)),
        ] {
            fields.insert(name.to_owned(), value);
        }
        fields
    }

    /// The GraphQL `Customer` object: every field by its schema name (`dob` mirrors
    /// `date_of_birth`).
    pub fn to_graphql(&self) -> Value {
        Value::Object(self.fields(&[("dob", json!(self.date_of_birth))]))
    }

    /// The stored JSON record, with its format version.
    pub fn to_record(&self) -> Vec<u8> {
        Value::Object(self.fields(&[("format", json!(RECORD_FORMAT))]))
            .to_string()
            .into_bytes()
    }

    /// Reads a stored record; `None` when it is not a record this version understands.
    pub fn from_record(bytes: &[u8]) -> Option<Customer> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        let record = value.as_object()?;
        if record.get("format")?.as_u64()? != RECORD_FORMAT {
            return None;
        }
        let text = |name: &str| record.get(name).and_then(Value::as_str).map(str::to_owned);
        let flag = |name: &str| record.get(name).and_then(Value::as_bool).unwrap_or(false);
        let custom_attributes = match record.get("custom_attributes") {
            Some(Value::Array(items)) => items.iter().filter_map(attribute_from_json).collect(),
            _ => Vec::new(),
        };
        Some(Customer {
            id: u32::try_from(record.get("id")?.as_u64()?).ok()?,
            email: text("email")?,
            firstname: text("firstname")?,
            middlename: text("middlename"),
            lastname: text("lastname")?,
            prefix: text("prefix"),
            suffix: text("suffix"),
            gender: record
                .get("gender")
                .and_then(Value::as_i64)
                .and_then(|g| i32::try_from(g).ok()),
            date_of_birth: text("date_of_birth"),
            taxvat: text("taxvat"),
            is_subscribed: flag("is_subscribed"),
            created_at: text("created_at")?,
            confirmation_status: ConfirmationStatus::from_graphql(
                record.get("confirmation_status")?.as_str()?,
            )?,
            allow_remote_shopping_assistance: flag("allow_remote_shopping_assistance"),
            custom_attributes,
        })
    }
}

fn attribute_from_json(item: &Value) -> Option<Attribute> {
    let item: &Map<String, Value> = item.as_object()?;
    Some(Attribute {
        code: item.get("code")?.as_str()?.to_owned(),
        value: item.get("value").and_then(Value::as_str).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Customer {
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
            custom_attributes: vec![Attribute {
                code: "loyalty".into(),
                value: Some("gold".into()),
            }],
        }
    }

    #[test]
    fn record_round_trips() {
        let customer = sample();
        assert_eq!(Customer::from_record(&customer.to_record()), Some(customer));
    }

    #[test]
    fn record_carries_its_format_version() {
        let record: Value = serde_json::from_slice(&sample().to_record()).unwrap();
        assert_eq!(record["format"], json!(1));
    }

    #[test]
    fn unknown_format_or_garbage_is_not_a_record() {
        assert_eq!(Customer::from_record(b"{\"format\":2,\"id\":1}"), None);
        assert_eq!(Customer::from_record(b"not json"), None);
        assert_eq!(Customer::from_record(b"[]"), None);
    }

    #[test]
    fn graphql_view_names_fields_as_the_schema_does() {
        let view = sample().to_graphql();
        assert_eq!(
            view["confirmation_status"],
            "ACCOUNT_CONFIRMATION_NOT_REQUIRED"
        );
        assert_eq!(view["dob"], "1990-01-31");
        assert_eq!(view["date_of_birth"], "1990-01-31");
        assert_eq!(view["custom_attributes"][0]["code"], "loyalty");
        assert_eq!(view["middlename"], Value::Null);
    }
}
