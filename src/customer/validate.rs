//! Input validation (docs/contract.md §7), all of it before any write. Messages are Magento's where
//! Magento has one (docs/contract.md §4).

use super::email::is_valid_email;
use super::fields::profile_fields;
use super::model::{AttributeValue, CustomerInput};

/// Longest value Magento's varchar customer columns hold.
const MAX_TEXT_CHARS: usize = 255;
const MAX_CUSTOM_ATTRIBUTES: usize = 64;
const MAX_ATTRIBUTE_VALUE_CHARS: usize = 4096;

/// A rejected input, with the message the API returns (category `graphql-input`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput(pub String);

/// Checks everything the exchange needs, first failure wins (Magento reports one at a time).
pub fn validate(input: &CustomerInput) -> Result<(), InvalidInput> {
    let email = input.email.trim();
    if email.is_empty() {
        return Err(InvalidInput("\"Email\" is a required value.".into()));
    }
    if !is_valid_email(email) {
        return Err(InvalidInput(format!(
            "\"{}\" is not a valid email address.",
            input.email
        )));
    }
    macro_rules! check_fields {
        ($($name:ident: $kind:ident, $input:expr, $output:expr, $doc:literal, $check:expr;)*) => {
            $(($check)(&input.$name)?;)*
        };
    }
    profile_fields!(check_fields);
    let attributes = input.custom_attributes.as_deref().unwrap_or_default();
    if attributes.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(InvalidInput(format!(
            "At most {MAX_CUSTOM_ATTRIBUTES} custom attributes are accepted."
        )));
    }
    for attribute in attributes {
        if attribute.code.trim().is_empty() {
            return Err(InvalidInput(
                "\"attribute_code\" is a required value.".into(),
            ));
        }
        bounded_text(&attribute.code, "attribute_code", MAX_TEXT_CHARS)?;
        match &attribute.value {
            AttributeValue::Text(value) => {
                bounded_text(value, "Custom attribute value", MAX_ATTRIBUTE_VALUE_CHARS)?;
            }
            AttributeValue::Options(values) => {
                if values.len() > MAX_CUSTOM_ATTRIBUTES {
                    return Err(InvalidInput(format!(
                        "At most {MAX_CUSTOM_ATTRIBUTES} selected options are accepted per attribute."
                    )));
                }
                for value in values {
                    bounded_text(value, "Custom attribute option", MAX_TEXT_CHARS)?;
                }
            }
        }
    }
    Ok(())
}

/// The `provider:subject` a login carries in the custom attribute `code`, when customers are
/// linked by subject: a text value with a provider and a subject around the first `:`.
pub fn link_subject<'i>(input: &'i CustomerInput, code: &str) -> Result<&'i str, InvalidInput> {
    let given = input
        .custom_attributes
        .iter()
        .flatten()
        .find(|attribute| attribute.code == code);
    let Some(attribute) = given else {
        return Err(InvalidInput(format!("\"{code}\" is a required value.")));
    };
    let well_formed = match &attribute.value {
        AttributeValue::Text(subject) => subject
            .split_once(':')
            .filter(|(provider, id)| {
                !provider.is_empty() && !id.is_empty() && subject.trim() == subject
            })
            .map(|_| subject.as_str()),
        AttributeValue::Options(_) => None,
    };
    well_formed.ok_or_else(|| {
        InvalidInput(format!(
            "\"{code}\" must be the sign-in's provider and subject, as in google:1234567890."
        ))
    })
}

/// The checks of the table of fields (`fields.rs`), each for one field's input.
mod check {
    use super::{InvalidInput, MAX_TEXT_CHARS, bounded_text, is_calendar_date, required_name};

    /// A required name (Magento's NameValidator).
    pub fn name(label: &'static str) -> impl Fn(&String) -> Result<(), InvalidInput> {
        move |value| required_name(value, label)
    }

    /// An optional name: blank counts as not given.
    pub fn optional_name(
        label: &'static str,
    ) -> impl Fn(&Option<String>) -> Result<(), InvalidInput> {
        move |value| match value.as_deref().filter(|value| !value.trim().is_empty()) {
            Some(value) => super::name(value, label),
            None => Ok(()),
        }
    }

    /// Free text of at most 255 characters, without control characters.
    pub fn text(label: &'static str) -> impl Fn(&Option<String>) -> Result<(), InvalidInput> {
        move |value| match value {
            Some(value) => bounded_text(value, label, MAX_TEXT_CHARS),
            None => Ok(()),
        }
    }

    /// Magento's genders: 1, 2 or 3.
    pub fn gender() -> impl Fn(&Option<i32>) -> Result<(), InvalidInput> {
        |value| match value.filter(|gender| !(1..=3).contains(gender)) {
            Some(gender) => Err(InvalidInput(format!(
                "Gender \"{gender}\" is not valid: use 1 (male), 2 (female) or 3 (not specified)."
            ))),
            None => Ok(()),
        }
    }

    /// A day of the Gregorian calendar, `YYYY-MM-DD`.
    pub fn date(label: &'static str) -> impl Fn(&Option<String>) -> Result<(), InvalidInput> {
        move |value| match value.as_ref().filter(|date| !is_calendar_date(date)) {
            Some(date) => Err(InvalidInput(format!(
                "{label} \"{date}\" is not a valid date: use YYYY-MM-DD."
            ))),
            None => Ok(()),
        }
    }

    /// No check.
    pub fn anything<T>() -> impl Fn(&T) -> Result<(), InvalidInput> {
        |_| Ok(())
    }
}

fn required_name(value: &str, label: &str) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput(format!("\"{label}\" is a required value.")));
    }
    name(value, label)
}

/// Magento's NameValidator: 1 to 255 of letters, marks, digits, white space and `,-_.'’`&`.
fn name(value: &str, label: &str) -> Result<(), InvalidInput> {
    let allowed = |c: char| {
        c.is_alphanumeric()
            || c.is_whitespace()
            || is_combining_mark(c)
            || matches!(c, ',' | '-' | '_' | '.' | '\'' | '’' | '`' | '&')
    };
    let length = value.chars().count();
    if (1..=MAX_TEXT_CHARS).contains(&length) && value.chars().all(allowed) {
        Ok(())
    } else {
        Err(InvalidInput(format!("{label} is not valid!")))
    }
}

/// The combining-mark blocks that `char::is_alphanumeric` leaves out (Unicode category M).
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0900}'..='\u{0903}'
        | '\u{093A}'..='\u{094F}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{3099}'..='\u{309A}' | '\u{FE20}'..='\u{FE2F}')
}

fn bounded_text(value: &str, label: &str, max_chars: usize) -> Result<(), InvalidInput> {
    if value.chars().count() > max_chars || value.chars().any(char::is_control) {
        return Err(InvalidInput(format!(
            "{label} is not valid: at most {max_chars} characters and no control characters."
        )));
    }
    Ok(())
}

/// `YYYY-MM-DD` naming a real day of the Gregorian calendar.
fn is_calendar_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return false;
    }
    let number =
        |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days_in_month).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::model::Attribute;

    fn roni() -> CustomerInput {
        CustomerInput {
            firstname: "Roni".into(),
            lastname: "Cost".into(),
            email: "roni_cost@example.com".into(),
            ..CustomerInput::default()
        }
    }

    fn message(input: &CustomerInput) -> String {
        validate(input).unwrap_err().0
    }

    #[test]
    fn a_link_subject_is_a_text_provider_and_subject() {
        use super::super::model::Attribute;
        let with = |value: AttributeValue| CustomerInput {
            custom_attributes: Some(vec![Attribute {
                code: "social_id".into(),
                value,
            }]),
            ..CustomerInput::default()
        };
        let text = |subject: &str| with(AttributeValue::Text(subject.into()));
        assert_eq!(
            link_subject(&text("google:1001"), "social_id"),
            Ok("google:1001")
        );
        assert_eq!(
            link_subject(&text("apple:00.ab:c"), "social_id"),
            Ok("apple:00.ab:c")
        );
        let malformed =
            "\"social_id\" must be the sign-in's provider and subject, as in google:1234567890.";
        for subject in ["1001", ":1001", "google:", " google:1001", "google:1001 "] {
            assert_eq!(
                link_subject(&text(subject), "social_id"),
                Err(InvalidInput(malformed.into())),
                "{subject:?}"
            );
        }
        assert_eq!(
            link_subject(
                &with(AttributeValue::Options(vec!["google:1".into()])),
                "social_id"
            ),
            Err(InvalidInput(malformed.into()))
        );
        assert_eq!(
            link_subject(&text("google:1001"), "other"),
            Err(InvalidInput("\"other\" is a required value.".into()))
        );
        assert_eq!(
            link_subject(&CustomerInput::default(), "social_id"),
            Err(InvalidInput("\"social_id\" is a required value.".into()))
        );
    }

    #[test]
    fn the_seed_customer_is_valid() {
        assert_eq!(validate(&roni()), Ok(()));
    }

    #[test]
    fn invalid_email_echoes_the_submitted_value() {
        let input = CustomerInput {
            email: "not-an-email".into(),
            ..roni()
        };
        assert_eq!(
            message(&input),
            "\"not-an-email\" is not a valid email address."
        );
    }

    #[test]
    fn email_is_checked_trimmed() {
        let input = CustomerInput {
            email: "  roni_cost@example.com ".into(),
            ..roni()
        };
        assert_eq!(validate(&input), Ok(()));
    }

    #[test]
    fn empty_names_are_required_values() {
        let input = CustomerInput {
            firstname: " ".into(),
            ..roni()
        };
        assert_eq!(message(&input), "\"First Name\" is a required value.");
        let input = CustomerInput {
            lastname: String::new(),
            ..roni()
        };
        assert_eq!(message(&input), "\"Last Name\" is a required value.");
    }

    #[test]
    fn names_with_forbidden_characters_are_not_valid() {
        let input = CustomerInput {
            firstname: "Roni<script>".into(),
            ..roni()
        };
        assert_eq!(message(&input), "First Name is not valid!");
        let input = CustomerInput {
            lastname: "Cost;".into(),
            ..roni()
        };
        assert_eq!(message(&input), "Last Name is not valid!");
        let input = CustomerInput {
            middlename: Some("J@".into()),
            ..roni()
        };
        assert_eq!(message(&input), "Middle Name is not valid!");
        let input = CustomerInput {
            firstname: "a".repeat(256),
            ..roni()
        };
        assert_eq!(message(&input), "First Name is not valid!");
    }

    #[test]
    fn names_accept_what_magento_accepts() {
        for name in [
            "O'Brien",
            "Anne-Marie",
            "José",
            "Zoë",
            "D’Angelo",
            "Ng 2nd",
            "Smith & Co.",
            "Ünal_x",
            "李",
            "e\u{0301}",
        ] {
            let input = CustomerInput {
                firstname: name.into(),
                ..roni()
            };
            assert_eq!(validate(&input), Ok(()), "{name}");
        }
    }

    #[test]
    fn gender_must_be_one_to_three() {
        for gender in [1, 2, 3] {
            assert_eq!(
                validate(&CustomerInput {
                    gender: Some(gender),
                    ..roni()
                }),
                Ok(())
            );
        }
        for gender in [0, 4, -1] {
            assert!(
                validate(&CustomerInput {
                    gender: Some(gender),
                    ..roni()
                })
                .is_err()
            );
        }
    }

    #[test]
    fn date_of_birth_must_be_a_real_day() {
        for date in ["1990-01-31", "2000-02-29", "2024-12-01"] {
            assert_eq!(
                validate(&CustomerInput {
                    date_of_birth: Some(date.into()),
                    ..roni()
                }),
                Ok(()),
                "{date}"
            );
        }
        for date in [
            "1990-02-30",
            "1900-02-29",
            "1990-13-01",
            "1990-1-01",
            "19900101",
            "",
            "abcd-ef-gh",
            "0000-01-01",
        ] {
            assert!(
                validate(&CustomerInput {
                    date_of_birth: Some(date.into()),
                    ..roni()
                })
                .is_err(),
                "{date}"
            );
        }
    }

    #[test]
    fn custom_attributes_are_bounded() {
        let many = (0..65)
            .map(|i| Attribute {
                code: format!("c{i}"),
                value: AttributeValue::Text("v".into()),
            })
            .collect();
        assert!(
            validate(&CustomerInput {
                custom_attributes: Some(many),
                ..roni()
            })
            .is_err()
        );
        let blank = vec![Attribute {
            code: " ".into(),
            value: AttributeValue::Options(vec!["1".into()]),
        }];
        assert!(
            validate(&CustomerInput {
                custom_attributes: Some(blank),
                ..roni()
            })
            .is_err()
        );
        let long_option = vec![Attribute {
            code: "c".into(),
            value: AttributeValue::Options(vec!["x".repeat(256)]),
        }];
        assert!(
            validate(&CustomerInput {
                custom_attributes: Some(long_option),
                ..roni()
            })
            .is_err()
        );
    }

    #[test]
    fn control_characters_are_refused_in_free_text() {
        let input = CustomerInput {
            taxvat: Some("12\u{0}3".into()),
            ..roni()
        };
        assert!(validate(&input).is_err());
    }
}
