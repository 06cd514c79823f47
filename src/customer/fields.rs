//! The customer's profile fields, one row each: everything that lists them is generated from
//! this table. A row is the field's name (the schema's and the WIT records', in Rust case), its
//! [`Kind`] (how the input carries it, how the record keeps it, what a repeat login does with
//! it), its GraphQL input and output types, its description, and the check its input passes.
//!
//! [`profile_fields!`] hands the rows to a macro of the caller's: the model (`model.rs`), the
//! validation (`validate.rs`), the input of a GraphQL request (`resolver.rs`), the schema's
//! entries (`graphql/commerce.rs`) and the typed interface's conversions
//! (`component/typed.rs`). Adding a field is a row here and the field in the WIT records
//! `customer-input` and `customer` (`wit/world.wit`); Adobe's schema must have it (the tests
//! hold ours against Adobe's).
//!
//! The rows are in the order of the schema's fields (alphabetical, as Adobe's and as graphql-php
//! coerces and reports them); the checks run in that order too, after the email's (the first
//! failure is the answer, as Magento reports one at a time). The fields that are not a plain profile field are written where
//! they are used: `email` (the identity), `custom_attributes`, and what the store sets (`id`,
//! `created_at`, `confirmation_status`).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The rows of the table, handed to `$then!` as
/// `name: Kind, input type, output type, "description", check;`.
macro_rules! profile_fields {
    ($then:ident) => {
        $then! {
            allow_remote_shopping_assistance: Flag, named(&BOOLEAN), NON_NULL_BOOLEAN,
                "Indicates whether the customer allows remote shopping assistance.",
                check::anything();
            date_of_birth: OptionalText, named(&STRING), named(&STRING),
                "The customer's date of birth (YYYY-MM-DD).", check::date("Date of Birth");
            firstname: RequiredText, NON_NULL_STRING, named(&STRING),
                "The customer's first name.", check::name("First Name");
            gender: OptionalInt, named(&INT), named(&INT),
                "The customer's gender: 1 male, 2 female, 3 not specified.", check::gender();
            is_subscribed: Flag, named(&BOOLEAN), named(&BOOLEAN),
                "Indicates whether the customer is subscribed to the newsletter.",
                check::anything();
            lastname: RequiredText, NON_NULL_STRING, named(&STRING),
                "The customer's family name.", check::name("Last Name");
            middlename: OptionalText, named(&STRING), named(&STRING),
                "The customer's middle name.", check::optional_name("Middle Name");
            prefix: OptionalText, named(&STRING), named(&STRING),
                "An honorific, such as Dr., Mr., or Mrs.", check::text("Name Prefix");
            suffix: OptionalText, named(&STRING), named(&STRING),
                "A value such as Sr., Jr., or III.", check::text("Name Suffix");
            taxvat: OptionalText, named(&STRING), named(&STRING),
                "The customer's Tax/VAT number (for corporate customers).",
                check::text("Tax/VAT Number");
        }
    };
}
pub(crate) use profile_fields;

/// How a kind of field is carried by the input, kept by the record, and changed by a repeat
/// login when the profile is applied (`customer_profile_on_login = update`).
pub trait Kind {
    type Input: Clone + Default + PartialEq + fmt::Debug;
    type Stored: Clone + Default + PartialEq + fmt::Debug + Serialize + DeserializeOwned;
    /// The new customer's value.
    fn create(input: &Self::Input) -> Self::Stored;
    /// A repeat login's input applied to the stored value.
    fn update(stored: &mut Self::Stored, input: &Self::Input);
    /// The input from the coerced GraphQL value (absent: `None`).
    fn read(value: Option<&Value>) -> Self::Input;
}

/// Text the input must carry (`String!`): a repeat login always sets it.
pub struct RequiredText;
/// Text the input may carry: a repeat login sets it where given.
pub struct OptionalText;
/// A number the input may carry: a repeat login sets it where given.
pub struct OptionalInt;
/// A yes or no the input may carry, no by default: a repeat login sets it where given.
pub struct Flag;

impl Kind for RequiredText {
    type Input = String;
    type Stored = String;
    fn create(input: &String) -> String {
        input.clone()
    }
    fn update(stored: &mut String, input: &String) {
        stored.clone_from(input);
    }
    fn read(value: Option<&Value>) -> String {
        value.and_then(Value::as_str).unwrap_or_default().to_owned()
    }
}

impl Kind for OptionalText {
    type Input = Option<String>;
    type Stored = Option<String>;
    fn create(input: &Option<String>) -> Option<String> {
        input.clone()
    }
    fn update(stored: &mut Option<String>, input: &Option<String>) {
        if input.is_some() {
            stored.clone_from(input);
        }
    }
    fn read(value: Option<&Value>) -> Option<String> {
        value.and_then(Value::as_str).map(str::to_owned)
    }
}

impl Kind for OptionalInt {
    type Input = Option<i32>;
    type Stored = Option<i32>;
    fn create(input: &Option<i32>) -> Option<i32> {
        *input
    }
    fn update(stored: &mut Option<i32>, input: &Option<i32>) {
        if input.is_some() {
            *stored = *input;
        }
    }
    fn read(value: Option<&Value>) -> Option<i32> {
        value
            .and_then(Value::as_i64)
            .and_then(|number| i32::try_from(number).ok())
    }
}

impl Kind for Flag {
    type Input = Option<bool>;
    type Stored = bool;
    fn create(input: &Option<bool>) -> bool {
        input.unwrap_or(false)
    }
    fn update(stored: &mut bool, input: &Option<bool>) {
        if let Some(value) = input {
            *stored = *value;
        }
    }
    fn read(value: Option<&Value>) -> Option<bool> {
        value.and_then(Value::as_bool)
    }
}
