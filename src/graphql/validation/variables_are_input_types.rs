//! `VariablesAreInputTypes`: variables hold scalars, enums or input objects.

use super::{Rule, ValidationContext};
use crate::graphql::printer::print_type;
use crate::graphql::type_info::{TypeInfo, type_from_ast};
use crate::graphql::visit::{Flow, NodeRef};

pub struct VariablesAreInputTypes;

impl<'a> Rule<'a> for VariablesAreInputTypes {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        if let NodeRef::VariableDefinition(definition) = node
            && type_from_ast(&definition.ty).is_some_and(|ty| !ty.is_input_type())
        {
            cx.report(
                format!(
                    "Variable \"${}\" cannot be non-input type \"{}\".",
                    definition.variable.name.value,
                    print_type(&definition.ty)
                ),
                &[definition.ty.loc()],
            );
        }
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn input_types_pass() {
        let query = "query ($a: String, $b: [Int!]!, $c: ExchangeExternalCustomerTokenInput!, $d: Unknown) { customer { email } }";
        assert!(errors_of(VariablesAreInputTypes, query).is_empty());
    }

    #[test]
    fn output_types_fail() {
        let query = "query ($a: Customer, $b: [Customer!]!) { customer { email } }";
        assert_eq!(
            errors_of(VariablesAreInputTypes, query),
            vec![
                error(
                    "Variable \"$a\" cannot be non-input type \"Customer\".",
                    &[(1, 12)]
                ),
                error(
                    "Variable \"$b\" cannot be non-input type \"[Customer!]!\".",
                    &[(1, 26)]
                ),
            ]
        );
    }
}
