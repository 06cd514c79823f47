//! The stored form of a customer: JSON of the model with a format version (contract §7), so
//! that a later version reads what an earlier one wrote.
//!
//! - Format 1: custom attributes were `{"code", "value"}` with a nullable value.
//! - Format 2 (current): an attribute is `{"code", "value"}` or `{"code", "selected_options"}`.

use serde::Serialize;
use serde_json::Value;

use super::model::Customer;

/// The version written into every record.
pub const CURRENT_FORMAT: u64 = 2;

#[derive(Serialize)]
struct Written<'a> {
    format: u64,
    #[serde(flatten)]
    customer: &'a Customer,
}

/// The record of `customer`, in the current format.
pub fn encode(customer: &Customer) -> Vec<u8> {
    let written = Written {
        format: CURRENT_FORMAT,
        customer,
    };
    // Serializing plain strings, integers and booleans into a Vec cannot fail.
    serde_json::to_vec(&written).unwrap_or_default()
}

/// Reads a record of any format this version knows; `None` for anything else.
pub fn decode(bytes: &[u8]) -> Option<Customer> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    match value.get("format")?.as_u64()? {
        1 => upgrade_from_1(&mut value),
        CURRENT_FORMAT => {}
        _ => return None,
    }
    // `format` is not a field of the model, so it is ignored here.
    serde_json::from_value(value).ok()
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

    #[test]
    fn records_round_trip() {
        let customer = sample();
        assert_eq!(decode(&encode(&customer)), Some(customer));
    }

    #[test]
    fn records_carry_the_current_format() {
        let record: Value = serde_json::from_slice(&encode(&sample())).unwrap();
        assert_eq!(record["format"], 2);
        assert_eq!(
            record["custom_attributes"][1],
            serde_json::json!({"code": "hobbies", "selected_options": ["12", "14"]})
        );
    }

    /// Byte for byte what version 0.1.0 (format 1) wrote for a customer.
    const FORMAT_1_RECORD: &str = r#"{"format":1,"id":6,"email":"roni_cost@example.com","firstname":"Roni","middlename":null,"lastname":"Cost","prefix":null,"suffix":null,"gender":null,"date_of_birth":"1990-01-31","taxvat":null,"is_subscribed":false,"created_at":"2025-05-29 06:17:01","confirmation_status":"ACCOUNT_CONFIRMATION_NOT_REQUIRED","allow_remote_shopping_assistance":false,"custom_attributes":[{"code":"loyalty","value":"gold"},{"code":"empty","value":null}]}"#;

    #[test]
    fn format_1_records_still_load() {
        let customer = decode(FORMAT_1_RECORD.as_bytes()).unwrap();
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
    }

    #[test]
    fn unknown_formats_and_garbage_are_not_records() {
        assert_eq!(decode(br#"{"format":3,"id":1}"#), None);
        assert_eq!(decode(b"not json"), None);
        assert_eq!(decode(b"[]"), None);
        assert_eq!(decode(br#"{"format":2,"id":1}"#), None);
    }
}
