//! `ValuesOfCorrectType`: every literal fits the type expected where it is written.
//!
//! Wording: the contract (§4) fixes two messages in their Magento form, which is graphql-php
//! 14's: a bad value in a field argument reads
//! `Field "<field>" argument "<arg>" requires type <Type>, found <value>.`, and an unknown input
//! field reads `Field "<name>" is not defined by type <Type>.` (with graphql-php 15's
//! ` Did you mean "..."?`). Everywhere else (directive arguments, variable defaults) the
//! messages are graphql-php 15's.

use super::{Rule, ValidationContext};
use crate::graphql::ast::{ValueKind, ValueNode};
use crate::graphql::printer::print_value;
use crate::graphql::scalars::parse_literal;
use crate::graphql::schema::Ty;
use crate::graphql::suggest::{did_you_mean, suggestion_list};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct ValuesOfCorrectType;

impl ValuesOfCorrectType {
    /// The message for a value that does not fit `expected`; `reason` is the scalar's own
    /// message when it refused the literal.
    fn bad_value(
        info: &TypeInfo,
        expected: &Ty,
        value: &ValueNode,
        reason: Option<String>,
    ) -> String {
        let printed = print_value(value);
        if let (Some(argument), None, Some(field)) = (
            info.get_argument(),
            info.get_directive(),
            info.get_field_def(),
        ) {
            return format!(
                "Field \"{}\" argument \"{}\" requires type {expected}, found {printed}.",
                field.name, argument.name
            );
        }
        match reason {
            Some(reason) => reason,
            None => format!("Expected value of type \"{expected}\", found {printed}."),
        }
    }

    /// `isValidValueNode`: a literal where a leaf type is expected.
    fn check_leaf(cx: &mut ValidationContext<'_>, info: &TypeInfo, value: &ValueNode) {
        let Some(expected) = info.get_input_type() else {
            return;
        };
        let named = expected.named();
        if !named.is_leaf() {
            let message = Self::bad_value(info, expected, value, None);
            cx.report(message, &[value.loc]);
            return;
        }
        if let Err(reason) = parse_literal(named, value) {
            let message = Self::bad_value(info, expected, value, Some(reason));
            cx.report(message, &[value.loc]);
        }
    }
}

impl<'a> Rule<'a> for ValuesOfCorrectType {
    fn enter(
        &mut self,
        cx: &mut ValidationContext<'a>,
        info: &TypeInfo,
        node: NodeRef<'a>,
    ) -> Flow {
        match node {
            NodeRef::Value(value) => match &value.kind {
                ValueKind::Null => {
                    if let Some(expected) = info.get_input_type().filter(|ty| ty.is_non_null()) {
                        let message = Self::bad_value(info, expected, value, None);
                        cx.report(message, &[value.loc]);
                    }
                }
                ValueKind::List(_) => {
                    // TypeInfo has already stepped into the item type; the list's own position
                    // is the parent input type.
                    let is_list_position = info
                        .get_parent_input_type()
                        .is_some_and(|ty| matches!(ty.nullable(), Ty::List(_)));
                    if !is_list_position {
                        Self::check_leaf(cx, info, value);
                        return Flow::Skip;
                    }
                }
                ValueKind::Object(fields) => {
                    let Some(object_type) = info
                        .get_input_type()
                        .map(Ty::named)
                        .filter(|named| named.is_input_object())
                    else {
                        Self::check_leaf(cx, info, value);
                        return Flow::Skip;
                    };
                    for definition in object_type.input_fields() {
                        let provided = fields
                            .iter()
                            .any(|field| field.name.value == definition.name);
                        if !provided && definition.is_required() {
                            cx.report(
                                format!(
                                    "Field {}.{} of required type {} was not provided.",
                                    object_type.name,
                                    definition.name,
                                    Ty::of(&definition.ty)
                                ),
                                &[value.loc],
                            );
                        }
                    }
                }
                ValueKind::Variable(_) => {}
                _ => Self::check_leaf(cx, info, value),
            },
            NodeRef::ObjectField(field) => {
                let Some(parent) = info
                    .get_parent_input_type()
                    .map(Ty::named)
                    .filter(|named| named.is_input_object())
                else {
                    return Flow::Continue;
                };
                if info.get_input_type().is_some() {
                    return Flow::Continue;
                }
                let suggestions = suggestion_list(
                    &field.name.value,
                    parent
                        .input_fields()
                        .iter()
                        .map(|definition| definition.name),
                );
                cx.report(
                    format!(
                        "Field \"{}\" is not defined by type {}.{}",
                        field.name.value,
                        parent.name,
                        did_you_mean(&suggestions)
                    ),
                    &[field.loc],
                );
            }
            _ => {}
        }
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    const VALID_CUSTOMER: &str =
        r#"firstname: "Roni", lastname: "Cost", email: "roni_cost@example.com""#;

    fn mutation(input: &str) -> String {
        format!("mutation {{ exchangeExternalCustomerToken(input: {input}) {{ token }} }}")
    }

    #[test]
    fn well_typed_literals_pass() {
        let query = mutation(&format!(
            r#"{{customer: {{{VALID_CUSTOMER}, gender: 1, is_subscribed: false, dob: null, custom_attributes: [{{attribute_code: "a", value: "b"}}]}}}}"#
        ));
        assert!(errors_of(ValuesOfCorrectType, &query).is_empty());
        // A single value where a list is expected is a list of one.
        let query = mutation(&format!(
            r#"{{customer: {{{VALID_CUSTOMER}, custom_attributes: {{attribute_code: "a"}}}}}}"#
        ));
        assert!(errors_of(ValuesOfCorrectType, &query).is_empty());
    }

    #[test]
    fn a_scalar_for_an_input_object_uses_the_contract_wording() {
        assert_eq!(
            errors_of(ValuesOfCorrectType, &mutation("5")),
            vec![error(
                "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type ExchangeExternalCustomerTokenInput, found 5.",
                &[(1, 49)]
            )]
        );
    }

    #[test]
    fn missing_required_fields_are_reported_per_field() {
        let query = mutation(r#"{customer: {firstname: "Roni", lastname: "Cost"}}"#);
        assert_eq!(
            errors_of(ValuesOfCorrectType, &query),
            vec![error(
                "Field CustomerCreateInput.email of required type String! was not provided.",
                &[(1, 60)]
            )]
        );
        assert_eq!(
            errors_of(ValuesOfCorrectType, &mutation("{}")),
            vec![error(
                "Field ExchangeExternalCustomerTokenInput.customer of required type CustomerCreateInput! was not provided.",
                &[(1, 49)]
            )]
        );
    }

    #[test]
    fn unknown_input_fields_use_the_contract_wording() {
        let query = mutation(&format!(
            r#"{{customer: {{{VALID_CUSTOMER}, xyz: 1, emial: "x"}}}}"#
        ));
        assert_eq!(
            errors_of(ValuesOfCorrectType, &query),
            vec![
                error(
                    "Field \"xyz\" is not defined by type CustomerCreateInput.",
                    &[(1, 130)]
                ),
                error(
                    "Field \"emial\" is not defined by type CustomerCreateInput. Did you mean \"email\"?",
                    &[(1, 138)]
                ),
            ]
        );
    }

    #[test]
    fn wrong_scalars_and_nulls_in_arguments() {
        let query = mutation(
            r#"{customer: {firstname: 5, lastname: null, email: "e", gender: "x", is_subscribed: [true]}}"#,
        );
        assert_eq!(
            errors_of(ValuesOfCorrectType, &query),
            vec![
                error(
                    "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type String!, found 5.",
                    &[(1, 72)]
                ),
                error(
                    "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type String!, found null.",
                    &[(1, 85)]
                ),
                error(
                    "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type Int, found \"x\".",
                    &[(1, 111)]
                ),
                error(
                    "Field \"exchangeExternalCustomerToken\" argument \"input\" requires type Boolean, found [true].",
                    &[(1, 131)]
                ),
            ]
        );
    }

    #[test]
    fn outside_field_arguments_graphql_php_15_wording_applies() {
        let query = "query ($a: Int = \"x\", $b: CustomerCreateInput = 5) { customer @skip(if: 1) { email } }";
        assert_eq!(
            errors_of(ValuesOfCorrectType, query),
            vec![
                error("Int cannot represent non-integer value: \"x\"", &[(1, 18)]),
                error(
                    "Expected value of type \"CustomerCreateInput\", found 5.",
                    &[(1, 49)]
                ),
                error(
                    "Boolean cannot represent a non boolean value: 1",
                    &[(1, 73)]
                ),
            ]
        );
    }
}
