//! Leaf types (scalars and enums): reading literals and variable values, writing results, with
//! graphql-php's messages (`Type/Definition/{String,Int,Float,Boolean,ID,Enum}Type.php`).

use serde_json::{Number, Value};

use super::ast::{ValueKind, ValueNode};
use super::php_values::print_safe;
use super::printer::print_value;
use super::schema::{NamedType, ScalarKind, TypeKind};
use super::suggest::{quoted_or_list, suggestion_list};

const MAX_INT: i64 = 2_147_483_647;
const MIN_INT: i64 = -2_147_483_648;

/// `parseLiteral`: the value of a literal for a leaf type, or graphql-php's error message.
pub fn parse_literal(leaf: &NamedType, node: &ValueNode) -> Result<Value, String> {
    match &leaf.kind {
        TypeKind::Scalar(kind) => parse_scalar_literal(*kind, node),
        TypeKind::Enum(_) => parse_enum_literal(leaf, node),
        _ => Err(format!("Expected value of type \"{}\".", leaf.name)),
    }
}

fn parse_scalar_literal(kind: ScalarKind, node: &ValueNode) -> Result<Value, String> {
    match (kind, &node.kind) {
        (ScalarKind::String, ValueKind::String { value, .. }) => Ok(Value::String(value.clone())),
        (ScalarKind::String, _) => Err(format!(
            "String cannot represent a non string value: {}",
            print_value(node)
        )),
        (ScalarKind::Int, ValueKind::Int(raw)) => match raw.parse::<i64>() {
            // graphql-php casts to int and compares back, so "-0" is refused.
            Ok(int) if int.to_string() == *raw && (MIN_INT..=MAX_INT).contains(&int) => {
                Ok(Value::from(int))
            }
            _ => Err(format!("Int cannot represent non-integer value: {raw}")),
        },
        (ScalarKind::Int, _) => Err(format!(
            "Int cannot represent non-integer value: {}",
            print_value(node)
        )),
        (ScalarKind::Float, ValueKind::Int(raw) | ValueKind::Float(raw)) => raw
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("Float cannot represent non numeric value: {raw}")),
        (ScalarKind::Float, _) => Err(format!(
            "Float cannot represent non numeric value: {}",
            print_value(node)
        )),
        (ScalarKind::Boolean, ValueKind::Boolean(flag)) => Ok(Value::Bool(*flag)),
        (ScalarKind::Boolean, _) => Err(format!(
            "Boolean cannot represent a non boolean value: {}",
            print_value(node)
        )),
        (ScalarKind::Id, ValueKind::String { value, .. }) => Ok(Value::String(value.clone())),
        (ScalarKind::Id, ValueKind::Int(raw)) => Ok(Value::String(raw.clone())),
        (ScalarKind::Id, _) => Err(format!(
            "ID cannot represent a non-string and non-integer value: {}",
            print_value(node)
        )),
    }
}

fn parse_enum_literal(leaf: &NamedType, node: &ValueNode) -> Result<Value, String> {
    let printed = print_value(node);
    let ValueKind::Enum(name) = &node.kind else {
        return Err(format!(
            "Enum \"{}\" cannot represent non-enum value: {printed}.{}",
            leaf.name,
            enum_did_you_mean(leaf, &printed)
        ));
    };
    if leaf.enum_values().iter().any(|value| value.name == name) {
        return Ok(Value::String(name.clone()));
    }
    Err(format!(
        "Value \"{printed}\" does not exist in \"{}\" enum.{}",
        leaf.name,
        enum_did_you_mean(leaf, &printed)
    ))
}

fn enum_did_you_mean(leaf: &NamedType, unknown: &str) -> String {
    let suggestions = suggestion_list(unknown, leaf.enum_values().iter().map(|value| value.name));
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(
            " Did you mean the enum value {}?",
            quoted_or_list(&suggestions)
        )
    }
}

/// `parseValue`: a variable's JSON value for a leaf type, or graphql-php's error message.
pub fn parse_value(leaf: &NamedType, value: &Value) -> Result<Value, String> {
    match &leaf.kind {
        TypeKind::Scalar(kind) => parse_scalar_value(*kind, value),
        TypeKind::Enum(values) => match value {
            Value::String(name) if values.iter().any(|known| known.name == name) => {
                Ok(value.clone())
            }
            Value::String(name) => Err(format!(
                "Value \"{name}\" does not exist in \"{}\" enum.{}",
                leaf.name,
                enum_did_you_mean(leaf, name)
            )),
            other => {
                let printed = print_safe(other);
                Err(format!(
                    "Enum \"{}\" cannot represent non-string value: {printed}.{}",
                    leaf.name,
                    enum_did_you_mean(leaf, &printed)
                ))
            }
        },
        _ => Err(format!("Expected type \"{}\".", leaf.name)),
    }
}

fn parse_scalar_value(kind: ScalarKind, value: &Value) -> Result<Value, String> {
    match kind {
        ScalarKind::String => match value {
            Value::String(_) => Ok(value.clone()),
            other => Err(format!(
                "String cannot represent a non string value: {}",
                print_safe(other)
            )),
        },
        ScalarKind::Int => {
            let Value::Number(number) = value else {
                return Err(format!(
                    "Int cannot represent non-integer value: {}",
                    print_safe(value)
                ));
            };
            let whole = match (number.as_i64(), number.as_f64()) {
                (Some(int), _) => Some(int as f64),
                (None, Some(float)) if float.is_finite() && float.fract() == 0.0 => Some(float),
                _ => None,
            };
            match whole {
                None => Err(format!(
                    "Int cannot represent non-integer value: {}",
                    print_safe(value)
                )),
                Some(whole) if whole > MAX_INT as f64 || whole < MIN_INT as f64 => Err(format!(
                    "Int cannot represent non 32-bit signed integer value: {}",
                    print_safe(value)
                )),
                Some(whole) => Ok(Value::from(whole as i64)),
            }
        }
        ScalarKind::Float => match value {
            Value::Number(number) => number
                .as_f64()
                .filter(|float| float.is_finite())
                .and_then(Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| {
                    format!(
                        "Float cannot represent non numeric value: {}",
                        print_safe(value)
                    )
                }),
            other => Err(format!(
                "Float cannot represent non numeric value: {}",
                print_safe(other)
            )),
        },
        ScalarKind::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            other => Err(format!(
                "Boolean cannot represent a non boolean value: {}",
                print_safe(other)
            )),
        },
        ScalarKind::Id => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Number(number) if number.is_i64() || number.is_u64() => {
                Ok(Value::String(number.to_string()))
            }
            other => Err(format!(
                "ID cannot represent a non-string and non-integer value: {}",
                print_safe(other)
            )),
        },
    }
}

/// `serialize`: a resolver's value for a leaf field, as PHP's casts would produce it; `None` if
/// it cannot be represented (an internal error).
pub fn serialize(leaf: &NamedType, value: &Value) -> Option<Value> {
    match &leaf.kind {
        TypeKind::Scalar(ScalarKind::String) => match value {
            Value::String(_) => Some(value.clone()),
            Value::Number(number) => Some(Value::String(super::php_values::php_number_to_string(
                number,
            ))),
            Value::Bool(true) => Some(Value::String("1".to_owned())),
            Value::Bool(false) => Some(Value::String(String::new())),
            _ => None,
        },
        TypeKind::Scalar(ScalarKind::Int) => {
            let float = match value {
                Value::Number(number) => number.as_f64()?,
                Value::Bool(flag) => f64::from(u8::from(*flag)),
                Value::String(text) => text.trim().parse::<f64>().ok()?,
                _ => return None,
            };
            let in_range =
                float.fract() == 0.0 && (MIN_INT as f64..=MAX_INT as f64).contains(&float);
            in_range.then(|| Value::from(float as i64))
        }
        TypeKind::Scalar(ScalarKind::Float) => {
            let float = match value {
                Value::Number(number) => number.as_f64()?,
                Value::Bool(flag) => f64::from(u8::from(*flag)),
                Value::String(text) => text.trim().parse::<f64>().ok()?,
                _ => return None,
            };
            Number::from_f64(float).map(Value::Number)
        }
        TypeKind::Scalar(ScalarKind::Boolean) => Some(Value::Bool(match value {
            Value::Null => false,
            Value::Bool(flag) => *flag,
            Value::Number(number) => number.as_f64().is_some_and(|float| float != 0.0),
            Value::String(text) => !(text.is_empty() || text == "0"),
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
        })),
        TypeKind::Scalar(ScalarKind::Id) => match value {
            Value::String(_) => Some(value.clone()),
            Value::Number(number) if number.is_i64() || number.is_u64() => {
                Some(Value::String(number.to_string()))
            }
            _ => None,
        },
        TypeKind::Enum(values) => match value {
            Value::String(name) if values.iter().any(|known| known.name == name) => {
                Some(value.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::schema::{BOOLEAN, CONFIRMATION_STATUS_ENUM, ID, INT, STRING};
    use serde_json::json;

    fn literal(kind: ValueKind) -> ValueNode {
        ValueNode { loc: 0, kind }
    }

    #[test]
    fn literals_follow_graphql_php() {
        assert_eq!(
            parse_literal(&INT, &literal(ValueKind::Int("42".into()))),
            Ok(json!(42))
        );
        assert_eq!(
            parse_literal(&INT, &literal(ValueKind::Int("3000000000".into()))),
            Err("Int cannot represent non-integer value: 3000000000".into())
        );
        assert_eq!(
            parse_literal(&INT, &literal(ValueKind::Int("-0".into()))),
            Err("Int cannot represent non-integer value: -0".into())
        );
        assert_eq!(
            parse_literal(&STRING, &literal(ValueKind::Int("5".into()))),
            Err("String cannot represent a non string value: 5".into())
        );
        assert_eq!(
            parse_literal(
                &BOOLEAN,
                &literal(ValueKind::String {
                    value: "yes".into(),
                    block: false
                })
            ),
            Err("Boolean cannot represent a non boolean value: \"yes\"".into())
        );
        assert_eq!(
            parse_literal(&ID, &literal(ValueKind::Int("7".into()))),
            Ok(json!("7"))
        );
        assert_eq!(
            parse_literal(&CONFIRMATION_STATUS_ENUM, &literal(ValueKind::Enum("ACCOUNT_CONFIRMD".into()))),
            Err("Value \"ACCOUNT_CONFIRMD\" does not exist in \"ConfirmationStatusEnum\" enum. Did you mean the enum value \"ACCOUNT_CONFIRMED\"?".into())
        );
    }

    #[test]
    fn variable_values_follow_graphql_php() {
        assert_eq!(parse_value(&INT, &json!(1.0)), Ok(json!(1)));
        assert_eq!(
            parse_value(&INT, &json!(1.5)),
            Err("Int cannot represent non-integer value: 1.5".into())
        );
        assert_eq!(
            parse_value(&INT, &json!(3000000000u64)),
            Err("Int cannot represent non 32-bit signed integer value: 3000000000".into())
        );
        assert_eq!(
            parse_value(&INT, &json!("1")),
            Err("Int cannot represent non-integer value: \"1\"".into())
        );
        assert_eq!(
            parse_value(&STRING, &json!({"a": 1})),
            Err("String cannot represent a non string value: {\"a\":1}".into())
        );
        assert_eq!(
            parse_value(&BOOLEAN, &json!("")),
            Err("Boolean cannot represent a non boolean value: (empty string)".into())
        );
        assert_eq!(parse_value(&ID, &json!(12)), Ok(json!("12")));
    }

    #[test]
    fn results_are_cast_like_php() {
        assert_eq!(serialize(&STRING, &json!(5)), Some(json!("5")));
        assert_eq!(serialize(&INT, &json!("7")), Some(json!(7)));
        assert_eq!(serialize(&INT, &json!(1.5)), None);
        assert_eq!(serialize(&BOOLEAN, &json!(0)), Some(json!(false)));
        assert_eq!(
            serialize(&CONFIRMATION_STATUS_ENUM, &json!("ACCOUNT_CONFIRMED")),
            Some(json!("ACCOUNT_CONFIRMED"))
        );
        assert_eq!(serialize(&CONFIRMATION_STATUS_ENUM, &json!("OTHER")), None);
    }
}
