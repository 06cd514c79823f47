//! `VariablesInAllowedPosition`: a variable's type fits every place it is used (a nullable
//! variable may fill a non-null place only when it, or the place, has a default).

use std::collections::HashMap;

use super::{Rule, ValidationContext};
use crate::graphql::ast::ValueKind;
use crate::graphql::schema::Ty;
use crate::graphql::type_info::{TypeInfo, type_from_ast};
use crate::graphql::visit::{Flow, NodeRef};

/// What the rule needs of a variable definition.
struct Definition {
    loc: usize,
    ty: Option<Ty>,
    has_non_null_default: bool,
}

#[derive(Default)]
pub struct VariablesInAllowedPosition {
    definitions: HashMap<String, Definition>,
}

fn allowed(
    variable: &Ty,
    has_non_null_default: bool,
    location: &Ty,
    has_location_default: bool,
) -> bool {
    if let (Ty::NonNull(nullable_location), false) = (location, variable.is_non_null()) {
        if !has_non_null_default && !has_location_default {
            return false;
        }
        return variable.is_sub_type_of(nullable_location);
    }
    variable.is_sub_type_of(location)
}

impl<'a> Rule<'a> for VariablesInAllowedPosition {
    fn enter(&mut self, _: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(_) => self.definitions.clear(),
            NodeRef::VariableDefinition(definition) => {
                let has_non_null_default = definition
                    .default_value
                    .as_ref()
                    .is_some_and(|value| !matches!(value.kind, ValueKind::Null));
                self.definitions.insert(
                    definition.variable.name.value.clone(),
                    Definition {
                        loc: definition.loc,
                        ty: type_from_ast(&definition.ty),
                        has_non_null_default,
                    },
                );
            }
            _ => {}
        }
        Flow::Continue
    }

    fn leave(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) {
        let NodeRef::OperationDefinition(operation) = node else {
            return;
        };
        let usages = cx.recursive_variable_usages(operation);
        for usage in usages.iter() {
            let name = &usage.variable.name.value;
            let (Some(definition), Some(location_type)) = (self.definitions.get(name), &usage.ty)
            else {
                continue;
            };
            let Some(variable_type) = &definition.ty else {
                continue;
            };
            if !allowed(
                variable_type,
                definition.has_non_null_default,
                location_type,
                usage.has_location_default,
            ) {
                cx.report(
                    format!(
                        "Variable \"${name}\" of type \"{variable_type}\" used in position expecting type \"{location_type}\"."
                    ),
                    &[definition.loc, usage.variable.loc],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn fitting_variables_pass() {
        let query = "mutation ($input: ExchangeExternalCustomerTokenInput!, $email: String!, $s: Boolean = true) {\n\
                     exchangeExternalCustomerToken(input: $input) @skip(if: $s) { token }\n\
                     other: exchangeExternalCustomerToken(input: {customer: {email: $email, firstname: $email, lastname: $email}}) { token }\n\
                     }";
        assert!(errors_of(VariablesInAllowedPosition::default(), query).is_empty());
    }

    #[test]
    fn adobes_nullable_input_variable_passes() {
        let query = "mutation exchangeExternalCustomerToken($input: ExchangeExternalCustomerTokenInput) {\n  exchangeExternalCustomerToken(input: $input) { token }\n}";
        assert!(errors_of(VariablesInAllowedPosition::default(), query).is_empty());
    }

    #[test]
    fn nullable_variables_in_non_null_places_fail() {
        let query = "query ($codes: [ID], $code: ID) {\n  customer { custom_attributes(attributeCodes: $codes) { code } more: custom_attributes(attributeCodes: [$code]) { code } }\n}";
        assert_eq!(
            errors_of(VariablesInAllowedPosition::default(), query),
            vec![
                error(
                    "Variable \"$codes\" of type \"[ID]\" used in position expecting type \"[ID!]\".",
                    &[(1, 8), (2, 48)]
                ),
                error(
                    "Variable \"$code\" of type \"ID\" used in position expecting type \"ID!\".",
                    &[(1, 22), (2, 106)]
                ),
            ]
        );
    }

    #[test]
    fn mismatched_types_fail() {
        let query = "query ($n: Int) { customer @include(if: $n) { email } }";
        assert_eq!(
            errors_of(VariablesInAllowedPosition::default(), query),
            vec![error(
                "Variable \"$n\" of type \"Int\" used in position expecting type \"Boolean!\".",
                &[(1, 8), (1, 41)]
            )]
        );
    }
}
