//! The GraphQL `Customer` object of a stored customer: the model's fields by their schema
//! names, plus what the schema computes from them (docs/contract.md §3).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::model::{AttributeValue, Customer};

/// Every served field of `Customer`. `group` is the store's configured group, as Magento's
/// `Uid` encodes ids (base64 of the decimal id). `group_id` is null, as Magento's
/// `ExtractCustomerData` sets it ("should not be exposed in the storefront").
pub fn customer_view(customer: &Customer, group_id: u32) -> Value {
    let mut view = match serde_json::to_value(customer) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    view.insert("id".into(), Value::String(customer.id.to_string()));
    view.insert("dob".into(), json!(customer.date_of_birth));
    view.insert(
        "group".into(),
        json!({"uid": STANDARD.encode(group_id.to_string())}),
    );
    view.insert("group_id".into(), Value::Null);
    let attributes = customer
        .custom_attributes
        .iter()
        .map(|attribute| match &attribute.value {
            AttributeValue::Text(value) => {
                json!({"__typename": "AttributeValue", "code": attribute.code, "value": value})
            }
            // The edge store has no attribute option labels: the label is the value.
            AttributeValue::Options(values) => json!({
                "__typename": "AttributeSelectedOptions",
                "code": attribute.code,
                "selected_options": values
                    .iter()
                    .map(|value| json!({"__typename": "AttributeSelectedOption", "label": value, "value": value}))
                    .collect::<Vec<_>>(),
            }),
        })
        .collect();
    view.insert("custom_attributes".into(), Value::Array(attributes));
    Value::Object(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::model::tests::sample;

    #[test]
    fn the_view_names_fields_as_the_schema_does() {
        let view = customer_view(&sample(), 1);
        assert_eq!(view["id"], "6");
        assert_eq!(
            view["confirmation_status"],
            "ACCOUNT_CONFIRMATION_NOT_REQUIRED"
        );
        assert_eq!(view["dob"], "1990-01-31");
        assert_eq!(view["date_of_birth"], "1990-01-31");
        assert_eq!(view["middlename"], Value::Null);
        assert_eq!(view["group"], json!({"uid": "MQ=="}));
        assert_eq!(view["group_id"], Value::Null);
        assert_eq!(
            view["custom_attributes"],
            json!([
                {"__typename": "AttributeValue", "code": "loyalty", "value": "gold"},
                {"__typename": "AttributeSelectedOptions", "code": "hobbies", "selected_options": [
                    {"__typename": "AttributeSelectedOption", "label": "12", "value": "12"},
                    {"__typename": "AttributeSelectedOption", "label": "14", "value": "14"},
                ]},
            ])
        );
    }

    #[test]
    fn group_uids_are_base64_of_the_id() {
        assert_eq!(customer_view(&sample(), 4)["group"]["uid"], "NA==");
        assert_eq!(customer_view(&sample(), 12)["group"]["uid"], "MTI=");
    }
}
