//! The product's types: Adobe Commerce 2.4.9's published types for what an edge store serves
//! (docs/contract.md §3, `adobe-schema.graphql`), with the same names, types, nullability, arguments,
//! interfaces and deprecations. `tests/adobe_schema.rs` holds the introspection of these
//! tables against Adobe's file, field by field.
//!
//! The descriptions are ours (Adobe's file carries none).

use serde_json::{Map, Value};

use super::schema::{
    BOOLEAN, FieldDef, ID, INT, InputValueDef, NamedType, STRING, TypeKind, TypeRef, field, input,
    named,
};
use crate::customer::fields::profile_fields;
use crate::graphql::schema::EnumValueDef;

const DOB_DEPRECATION: &str = "Use `date_of_birth` instead.";
const GROUP_ID_DEPRECATION: &str =
    "Customer group should not be exposed in the storefront scenarios.";

const NON_NULL_STRING: TypeRef = TypeRef::NonNull(&TypeRef::Named(&STRING));
const NON_NULL_ID: TypeRef = TypeRef::NonNull(&TypeRef::Named(&ID));
const NON_NULL_BOOLEAN: TypeRef = TypeRef::NonNull(&TypeRef::Named(&BOOLEAN));

pub static QUERY: NamedType = NamedType {
    name: "Query",
    description: None,
    kind: TypeKind::Object(
        &[field(
            "customer",
            "The customer identified by the customer token sent as `Authorization: Bearer`.",
            named(&CUSTOMER),
        )],
        &[],
    ),
};

pub static MUTATION: NamedType = NamedType {
    name: "Mutation",
    description: None,
    kind: TypeKind::Object(
        &[
            FieldDef {
                name: "exchangeExternalCustomerToken",
                description: Some(
                    "Finds the customer by email, or creates one, and returns a customer token \
                     for them. Only an authorized integration may call it.",
                ),
                args: &[input(
                    "input",
                    "The customer as the external identity provider verified it.",
                    named(&EXCHANGE_INPUT),
                )],
                ty: named(&EXCHANGE_OUTPUT),
                deprecation_reason: None,
                compute: None,
            },
            field(
                "revokeCustomerToken",
                "Revokes every customer token of the customer of the `Authorization: Bearer` token.",
                named(&REVOKE_OUTPUT),
            ),
        ],
        &[],
    ),
};

pub static EXCHANGE_INPUT: NamedType = NamedType {
    name: "ExchangeExternalCustomerTokenInput",
    description: Some("Contains the customer to exchange for a customer token."),
    kind: TypeKind::InputObject(&[input(
        "customer",
        "The customer's details.",
        TypeRef::NonNull(&TypeRef::Named(&CUSTOMER_CREATE_INPUT)),
    )]),
};

pub static EXCHANGE_OUTPUT: NamedType = NamedType {
    name: "ExchangeExternalCustomerTokenOutput",
    description: Some("Contains the customer and their customer token."),
    kind: TypeKind::Object(
        &[
            field(
                "customer",
                "The customer that was found or created.",
                TypeRef::NonNull(&TypeRef::Named(&CUSTOMER)),
            ),
            field(
                "token",
                "The customer token (a JWT) to send as `Authorization: Bearer`.",
                NON_NULL_STRING,
            ),
        ],
        &[],
    ),
};

pub static REVOKE_OUTPUT: NamedType = NamedType {
    name: "RevokeCustomerTokenOutput",
    description: Some("Contains the result of a request to revoke a customer token."),
    kind: TypeKind::Object(
        &[field(
            "result",
            "The result of a request to revoke a customer token.",
            NON_NULL_BOOLEAN,
        )],
        &[],
    ),
};

// `CustomerCreateInput` and `Customer`: the table of fields' entries (`customer::fields`)
// beside the fields that are not plain profile fields.
macro_rules! customer_types {
    ($($name:ident: $kind:ident, $input:expr, $output:expr, $doc:literal, $check:expr;)*) => {
        pub static CUSTOMER_CREATE_INPUT: NamedType = NamedType {
            name: "CustomerCreateInput",
            description: Some("An input object for creating a customer."),
            kind: TypeKind::InputObject(&[
                input(
                    "custom_attributes",
                    "The customer's custom attributes.",
                    TypeRef::List(&TypeRef::Named(&ATTRIBUTE_VALUE_INPUT)),
                ),
                input(
                    "dob",
                    "The customer's date of birth (deprecated in favour of `date_of_birth`).",
                    named(&STRING),
                ),
                input("email", "The customer's email address.", NON_NULL_STRING),
                $(input(stringify!($name), $doc, $input),)*
                input(
                    "password",
                    "Accepted for compatibility; never stored (there is no password login at \
                     the edge).",
                    named(&STRING),
                ),
            ]),
        };

        pub static CUSTOMER: NamedType = NamedType {
            name: "Customer",
            description: Some("Defines the customer name and other details."),
            kind: TypeKind::Object(
                &[
                    field(
                        "confirmation_status",
                        "The customer's account confirmation status.",
                        TypeRef::NonNull(&TypeRef::Named(&CONFIRMATION_STATUS_ENUM)),
                    ),
                    field(
                        "created_at",
                        "When the account was created: \"YYYY-MM-DD HH:MM:SS\", UTC.",
                        named(&STRING),
                    ),
                    FieldDef {
                        name: "custom_attributes",
                        description: Some(
                            "The customer's custom attributes, or those named in `attributeCodes`.",
                        ),
                        args: &[InputValueDef {
                            name: "attributeCodes",
                            description: Some("The codes of the attributes to return."),
                            ty: TypeRef::List(&NON_NULL_ID),
                            default_value: None,
                            deprecation_reason: None,
                        }],
                        ty: TypeRef::List(&TypeRef::Named(&ATTRIBUTE_VALUE_INTERFACE)),
                        deprecation_reason: None,
                        compute: Some(custom_attributes),
                    },
                    FieldDef {
                        name: "dob",
                        description: Some("The customer's date of birth."),
                        args: &[],
                        ty: named(&STRING),
                        deprecation_reason: Some(DOB_DEPRECATION),
                        compute: None,
                    },
                    field("email", "The customer's email address.", named(&STRING)),
                    field(
                        "group",
                        "The customer's group.",
                        named(&CUSTOMER_GROUP_STOREFRONT),
                    ),
                    FieldDef {
                        name: "group_id",
                        description: Some("The id of the customer's group."),
                        args: &[],
                        ty: named(&INT),
                        deprecation_reason: Some(GROUP_ID_DEPRECATION),
                        compute: None,
                    },
                    field("id", "The ID assigned to the customer.", NON_NULL_ID),
                    $(field(stringify!($name), $doc, $output),)*
                ],
                &[],
            ),
        };
    };
}
profile_fields!(customer_types);

pub static ATTRIBUTE_VALUE_INPUT: NamedType = NamedType {
    name: "AttributeValueInput",
    description: Some("Specifies the value of a custom attribute."),
    kind: TypeKind::InputObject(&[
        input(
            "attribute_code",
            "The code of the attribute.",
            NON_NULL_STRING,
        ),
        input(
            "selected_options",
            "The selected options of a multi-select or select attribute.",
            TypeRef::List(&TypeRef::Named(&ATTRIBUTE_INPUT_SELECTED_OPTION)),
        ),
        input(
            "value",
            "The value assigned to the attribute.",
            named(&STRING),
        ),
    ]),
};

pub static ATTRIBUTE_INPUT_SELECTED_OPTION: NamedType = NamedType {
    name: "AttributeInputSelectedOption",
    description: Some("Specifies a selected option of a select or multi-select attribute."),
    kind: TypeKind::InputObject(&[input(
        "value",
        "The attribute option's value.",
        NON_NULL_STRING,
    )]),
};

pub static CUSTOMER_GROUP_STOREFRONT: NamedType = NamedType {
    name: "CustomerGroupStorefront",
    description: Some("Data of the customer's group."),
    kind: TypeKind::Object(
        &[field(
            "uid",
            "The unique ID of the customer group.",
            NON_NULL_ID,
        )],
        &[],
    ),
};

pub static ATTRIBUTE_VALUE_INTERFACE: NamedType = NamedType {
    name: "AttributeValueInterface",
    description: Some("A custom attribute of an entity."),
    kind: TypeKind::Interface(
        &[field("code", "The attribute code.", NON_NULL_ID)],
        &[&ATTRIBUTE_VALUE, &ATTRIBUTE_SELECTED_OPTIONS],
    ),
};

pub static ATTRIBUTE_VALUE: NamedType = NamedType {
    name: "AttributeValue",
    description: Some("A custom attribute with a value."),
    kind: TypeKind::Object(
        &[
            field("code", "The attribute code.", NON_NULL_ID),
            field(
                "value",
                "The value assigned to the attribute.",
                NON_NULL_STRING,
            ),
        ],
        &[&ATTRIBUTE_VALUE_INTERFACE],
    ),
};

pub static ATTRIBUTE_SELECTED_OPTIONS: NamedType = NamedType {
    name: "AttributeSelectedOptions",
    description: Some("A custom attribute with selected options."),
    kind: TypeKind::Object(
        &[
            field("code", "The attribute code.", NON_NULL_ID),
            field(
                "selected_options",
                "The selected options.",
                TypeRef::NonNull(&TypeRef::List(&TypeRef::Named(
                    &ATTRIBUTE_SELECTED_OPTION_INTERFACE,
                ))),
            ),
        ],
        &[&ATTRIBUTE_VALUE_INTERFACE],
    ),
};

pub static ATTRIBUTE_SELECTED_OPTION_INTERFACE: NamedType = NamedType {
    name: "AttributeSelectedOptionInterface",
    description: Some("A selected option of a custom attribute."),
    kind: TypeKind::Interface(
        &[
            field("label", "The option's label.", NON_NULL_STRING),
            field("value", "The option's value.", NON_NULL_STRING),
        ],
        &[&ATTRIBUTE_SELECTED_OPTION],
    ),
};

pub static ATTRIBUTE_SELECTED_OPTION: NamedType = NamedType {
    name: "AttributeSelectedOption",
    description: Some("A selected option of a custom attribute."),
    kind: TypeKind::Object(
        &[
            field("label", "The option's label.", NON_NULL_STRING),
            field("value", "The option's value.", NON_NULL_STRING),
        ],
        &[&ATTRIBUTE_SELECTED_OPTION_INTERFACE],
    ),
};

pub static CONFIRMATION_STATUS_ENUM: NamedType = NamedType {
    name: "ConfirmationStatusEnum",
    description: Some("The account confirmation statuses."),
    kind: TypeKind::Enum(&[
        EnumValueDef {
            name: "ACCOUNT_CONFIRMED",
            description: Some("The account is confirmed."),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "ACCOUNT_CONFIRMATION_NOT_REQUIRED",
            description: Some("The account needs no confirmation."),
            deprecation_reason: None,
        },
    ]),
};

/// `Customer.custom_attributes(attributeCodes:)`: every attribute, or only those whose code is
/// listed, in stored order. An empty list asks for all, as Magento's `CustomAttributeFilter`
/// (`!empty($args['attributeCodes'])`) has it.
fn custom_attributes(customer: &Map<String, Value>, args: &Map<String, Value>) -> Value {
    let Some(Value::Array(attributes)) = customer.get("custom_attributes") else {
        return Value::Null;
    };
    match args.get("attributeCodes") {
        Some(Value::Array(codes)) if !codes.is_empty() => Value::Array(
            attributes
                .iter()
                .filter(|attribute| {
                    attribute
                        .get("code")
                        .is_some_and(|code| codes.contains(code))
                })
                .cloned()
                .collect(),
        ),
        _ => Value::Array(attributes.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_codes_filter_custom_attributes() {
        let customer = json!({"custom_attributes": [
            {"__typename": "AttributeValue", "code": "a", "value": "1"},
            {"__typename": "AttributeValue", "code": "b", "value": "2"},
        ]});
        let customer = customer.as_object().unwrap();
        let all = custom_attributes(customer, &Map::new());
        assert_eq!(all.as_array().unwrap().len(), 2);
        let args = json!({"attributeCodes": ["b", "nope"]});
        let only_b = custom_attributes(customer, args.as_object().unwrap());
        assert_eq!(
            only_b,
            json!([{"__typename": "AttributeValue", "code": "b", "value": "2"}])
        );
        let args = json!({"attributeCodes": null});
        assert_eq!(custom_attributes(customer, args.as_object().unwrap()), all);
        let args = json!({"attributeCodes": []});
        assert_eq!(custom_attributes(customer, args.as_object().unwrap()), all);
    }
}
