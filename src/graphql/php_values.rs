//! How graphql-php prints a runtime (JSON) value inside an error message: `Utils::printSafe`
//! and `Utils::printSafeJson`.
//!
//! Magento decodes the request with `json_decode($body, true)`, so a JSON object arrives as a
//! PHP array: `{}` is indistinguishable from `[]`, and an object whose keys are "0", "1", ...
//! in order is a list. Arrays are printed with PHP's default `json_encode` (slashes and
//! non-ASCII escaped); scalars are printed bare, strings in quotes without escaping.

use serde_json::{Number, Value};

/// `Utils::printSafeJson` (and `printSafe`, which is the same for decoded JSON).
pub fn print_safe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(true) => "true".to_owned(),
        Value::Bool(false) => "false".to_owned(),
        Value::Number(number) => php_number_to_string(number),
        Value::String(text) if text.is_empty() => "(empty string)".to_owned(),
        Value::String(text) => format!("\"{text}\""),
        Value::Array(_) | Value::Object(_) => {
            let mut out = String::new();
            php_json_encode(value, &mut out);
            out
        }
    }
}

/// PHP's `(string)` of a number: integers as digits, floats with 14 significant digits.
pub fn php_number_to_string(number: &Number) -> String {
    if let Some(integer) = number.as_i64() {
        return integer.to_string();
    }
    if let Some(integer) = number.as_u64() {
        return integer.to_string();
    }
    php_float_to_string(number.as_f64().unwrap_or(0.0))
}

/// `(string)$float` with PHP's default `precision` of 14 (`%.14G`, `E+` exponent).
fn php_float_to_string(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "NAN".to_owned()
        } else if value > 0.0 {
            "INF".to_owned()
        } else {
            "-INF".to_owned()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // Round to 14 significant digits, then decide between fixed and scientific notation.
    let scientific = format!("{:.13e}", value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    // PHP switches to scientific notation below 1e-4 and from 1e14 (`zend_gcvt`).
    if !(-4..14).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}E{exponent_sign}{}", exponent.abs());
    }
    let point = exponent + 1;
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = point as usize;
    if digits.len() <= point {
        let zeros = "0".repeat(point - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (whole, fraction) = digits.split_at(point);
        format!("{sign}{whole}.{fraction}")
    }
}

/// PHP's `json_encode` with default flags, applied to what `json_decode(..., true)` produced.
fn php_json_encode(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&php_json_number(number)),
        Value::String(text) => php_json_string(text, out),
        Value::Array(items) => php_json_list(items.iter(), out),
        Value::Object(map) => {
            let is_list = map
                .keys()
                .enumerate()
                .all(|(index, key)| key == &index.to_string());
            if is_list {
                php_json_list(map.values(), out);
                return;
            }
            out.push('{');
            for (index, (key, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                php_json_string(key, out);
                out.push(':');
                php_json_encode(item, out);
            }
            out.push('}');
        }
    }
}

fn php_json_list<'v>(items: impl Iterator<Item = &'v Value>, out: &mut String) {
    out.push('[');
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(',');
        }
        php_json_encode(item, out);
    }
    out.push(']');
}

/// A float in `json_encode` (`serialize_precision = -1`): the shortest round-trip digits, with
/// `.0` on whole numbers and a lower-case `e` exponent.
fn php_json_number(number: &Number) -> String {
    if number.is_i64() || number.is_u64() {
        return number.to_string();
    }
    let value = number.as_f64().unwrap_or(0.0);
    let shortest = format!("{value:e}");
    let (mantissa, exponent) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..15).contains(&exponent) {
        let plain = format!("{value}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{exponent_sign}{}", exponent.abs())
    }
}

/// A JSON string as PHP escapes it by default: `/` as `\/`, non-ASCII as `\uXXXX`.
fn php_json_string(text: &str, out: &mut String) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7E => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_print_bare() {
        assert_eq!(print_safe(&json!(null)), "null");
        assert_eq!(print_safe(&json!(true)), "true");
        assert_eq!(print_safe(&json!(42)), "42");
        assert_eq!(print_safe(&json!(1.5)), "1.5");
        assert_eq!(print_safe(&json!("a/b")), "\"a/b\"");
        assert_eq!(print_safe(&json!("")), "(empty string)");
    }

    #[test]
    fn floats_use_php_precision() {
        assert_eq!(print_safe(&json!(3000000000.0)), "3000000000");
        assert_eq!(print_safe(&json!(1e20)), "1.0E+20");
        assert_eq!(print_safe(&json!(0.1)), "0.1");
        assert_eq!(print_safe(&json!(1.0 / 3.0)), "0.33333333333333");
        assert_eq!(print_safe(&json!(0.00001)), "1.0E-5");
        assert_eq!(print_safe(&json!(0.0001)), "0.0001");
        assert_eq!(print_safe(&json!(1e14)), "1.0E+14");
        assert_eq!(print_safe(&json!(1e13)), "10000000000000");
    }

    #[test]
    fn arrays_use_php_json_encode() {
        assert_eq!(
            print_safe(&json!({"email": "a/é", "n": [1, 2.0, {}]})),
            r#"{"email":"a\/\u00e9","n":[1,2.0,[]]}"#
        );
        assert_eq!(print_safe(&json!({})), "[]");
        assert_eq!(print_safe(&json!({"0": "a", "1": "b"})), r#"["a","b"]"#);
        assert_eq!(print_safe(&json!(["😀"])), r#"["\ud83d\ude00"]"#);
    }
}
