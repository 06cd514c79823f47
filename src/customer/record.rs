//! The stored form of a customer: JSON of the model with a format version (docs/contract.md §7), so
//! that a later version reads what an earlier one wrote, and the key material of its tokens.
//!
//! - Format 1: custom attributes were `{"code", "value"}` with a nullable value.
//! - Format 2: an attribute is `{"code", "value"}` or `{"code", "selected_options"}`.
//! - Format 3 (current): format 2 plus `token_key`, the record's random key material (see
//!   `token_key`). A record of an earlier format has none; it keeps the material derived from
//!   its creation time and email, and is written back without `token_key`. A customer created
//!   for a sign-in's subject (`link`) also has `email_index_pending: true` until its email is
//!   indexed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::Customer;
use crate::token_key::KeyMaterial;

/// The version written into every record.
pub const CURRENT_FORMAT: u64 = 3;

/// A customer as stored: the model, and what makes its tokens its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub customer: Customer,
    pub key_material: KeyMaterial,
    /// Created for a subject, and not yet in the email index: whoever reads it next indexes it.
    pub email_index_pending: bool,
}

#[derive(Serialize)]
struct Written<'a> {
    format: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_key: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    email_index_pending: bool,
    #[serde(flatten)]
    customer: &'a Customer,
}

impl Record {
    /// A new customer's record, with fresh key material.
    pub fn new(customer: Customer, key_material: KeyMaterial) -> Record {
        Record {
            customer,
            key_material,
            email_index_pending: false,
        }
    }

    /// Gives the customer another email. Material derived from the email it had is replaced by
    /// fresh random material, which the record keeps: tokens issued before are refused once.
    pub fn move_email(&mut self, email: &str) -> Result<(), getrandom::Error> {
        if matches!(self.key_material, KeyMaterial::Derived(_)) {
            self.key_material = KeyMaterial::random()?;
        }
        self.customer.email = email.trim().to_owned();
        Ok(())
    }

    /// The record in the current format.
    pub fn encode(&self) -> Vec<u8> {
        let written = Written {
            format: CURRENT_FORMAT,
            token_key: match &self.key_material {
                KeyMaterial::Random(hex) => Some(hex),
                KeyMaterial::Derived(_) => None,
            },
            email_index_pending: self.email_index_pending,
            customer: &self.customer,
        };
        // Serializing plain strings, integers and booleans into a Vec cannot fail.
        serde_json::to_vec(&written).unwrap_or_default()
    }

    /// Reads a record of any format this version knows; `None` for anything else.
    ///
    /// The bytes are read twice, as [`Envelope`] and as the model, both straight into typed
    /// values: a Bearer read decodes a record on every request, and going through a
    /// `serde_json::Value` first (a hashed map of every field) was a sixth of its instructions.
    pub fn decode(bytes: &[u8]) -> Option<Record> {
        let envelope: Envelope = serde_json::from_slice(bytes).ok()?;
        let upgraded;
        let model = match envelope.format {
            1 => {
                let mut value: Value = serde_json::from_slice(bytes).ok()?;
                upgrade_from_1(&mut value);
                upgraded = serde_json::to_vec(&value).ok()?;
                &upgraded[..]
            }
            2 | CURRENT_FORMAT => bytes,
            _ => return None,
        };
        // `format`, `token_key` and `email_index_pending` are not fields of the model, so they
        // are ignored here.
        let customer: Customer = serde_json::from_slice(model).ok()?;
        let stored_key = match envelope.token_key {
            None => None,
            Some(hex) => Some(KeyMaterial::stored(&hex)?),
        };
        let key_material = stored_key
            .unwrap_or_else(|| KeyMaterial::derived(&customer.created_at, &customer.email));
        Some(Record {
            customer,
            key_material,
            email_index_pending: envelope.email_index_pending,
        })
    }
}

/// What a record holds beyond the model (every other member is skipped unread).
#[derive(Deserialize)]
struct Envelope {
    format: u64,
    #[serde(default)]
    token_key: Option<String>,
    #[serde(default)]
    email_index_pending: bool,
}

/// Format 1 allowed an attribute with a null value, which now means "no value": drop those.
fn upgrade_from_1(record: &mut Value) {
    if let Some(Value::Array(attributes)) = record.get_mut("custom_attributes") {
        attributes.retain(|attribute| attribute.get("value").is_some_and(Value::is_string));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::model::tests::sample;
    use crate::customer::{Attribute, AttributeValue, ConfirmationStatus};

    const MATERIAL: &str = "00112233445566778899aabbccddeeff";

    fn record() -> Record {
        Record::new(sample(), KeyMaterial::stored(MATERIAL).unwrap())
    }

    #[test]
    fn records_round_trip() {
        assert_eq!(Record::decode(&record().encode()), Some(record()));
        let pending = Record {
            email_index_pending: true,
            ..record()
        };
        let written: Value = serde_json::from_slice(&pending.encode()).unwrap();
        assert_eq!(written["email_index_pending"], true);
        assert_eq!(Record::decode(&pending.encode()), Some(pending));
    }

    #[test]
    fn records_carry_the_current_format_and_their_key_material() {
        let written: Value = serde_json::from_slice(&record().encode()).unwrap();
        assert_eq!(written["format"], 3);
        assert_eq!(written["token_key"], MATERIAL);
        assert_eq!(
            written["custom_attributes"][1],
            serde_json::json!({"code": "hobbies", "selected_options": ["12", "14"]})
        );
    }

    /// Byte for byte what version 0.1.0 (format 1) wrote for a customer.
    const FORMAT_1_RECORD: &str = r#"{"format":1,"id":6,"email":"roni_cost@example.com","firstname":"Roni","middlename":null,"lastname":"Cost","prefix":null,"suffix":null,"gender":null,"date_of_birth":"1990-01-31","taxvat":null,"is_subscribed":false,"created_at":"2025-05-29 06:17:01","confirmation_status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED","allow_remote_shopping_assistance":false,"custom_attributes":[{"code":"loyalty","value":"gold"},{"code":"empty","value":null}]}"#;

    #[test]
    fn format_1_records_still_load_with_derived_key_material() {
        let record = Record::decode(FORMAT_1_RECORD.as_bytes()).unwrap();
        let customer = &record.customer;
        assert_eq!(customer.id, 6);
        assert_eq!(customer.email, "roni_cost@example.com");
        assert_eq!(customer.date_of_birth.as_deref(), Some("1990-01-31"));
        assert_eq!(
            customer.confirmation_status,
            ConfirmationStatus::AccountConfirmationNotRequired
        );
        assert_eq!(
            customer.custom_attributes,
            vec![Attribute {
                code: "loyalty".into(),
                value: AttributeValue::Text("gold".into())
            }]
        );
        assert_eq!(
            record.key_material,
            KeyMaterial::Derived("2025-05-29 06:17:01 roni_cost@example.com".into())
        );
    }

    #[test]
    fn a_record_without_stored_material_is_written_back_without_any() {
        let legacy = Record::decode(FORMAT_1_RECORD.as_bytes()).unwrap();
        let written: Value = serde_json::from_slice(&legacy.encode()).unwrap();
        assert_eq!(written["format"], 3);
        assert!(written.get("token_key").is_none());
        assert_eq!(Record::decode(&legacy.encode()), Some(legacy));
    }

    #[test]
    fn moving_the_email_keeps_random_material_and_replaces_derived_material() {
        let mut random = record();
        random.move_email(" new@example.com ").unwrap();
        assert_eq!(random.customer.email, "new@example.com");
        assert_eq!(random.key_material, record().key_material);
        let mut legacy = Record::decode(FORMAT_1_RECORD.as_bytes()).unwrap();
        let derived = legacy.key_material.clone();
        legacy.move_email("new@example.com").unwrap();
        assert!(matches!(legacy.key_material, KeyMaterial::Random(_)));
        assert_ne!(legacy.key_material, derived);
        assert_eq!(Record::decode(&legacy.encode()), Some(legacy));
    }

    #[test]
    fn unknown_formats_and_garbage_are_not_records() {
        let with_key = |key: Value| {
            let mut written: Value = serde_json::from_slice(&record().encode()).unwrap();
            written["token_key"] = key;
            serde_json::to_vec(&written).unwrap()
        };
        for junk in [
            br#"{"format":4,"id":1}"#.to_vec(),
            b"not json".to_vec(),
            b"[]".to_vec(),
            br#"{"format":2,"id":1}"#.to_vec(),
            with_key(Value::from("short")),
            with_key(Value::from(42)),
        ] {
            assert_eq!(
                Record::decode(&junk),
                None,
                "{}",
                String::from_utf8_lossy(&junk)
            );
        }
        assert_eq!(
            Record::decode(&with_key(Value::from(MATERIAL))),
            Some(record())
        );
    }
}
