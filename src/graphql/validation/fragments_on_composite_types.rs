//! `FragmentsOnCompositeTypes`: fragments only condition on object types.

use super::{Rule, ValidationContext};
use crate::graphql::schema::named_type;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct FragmentsOnCompositeTypes;

impl<'a> Rule<'a> for FragmentsOnCompositeTypes {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::InlineFragment(inline) => {
                if let Some(condition) = &inline.type_condition
                    && named_type(&condition.value).is_some_and(|ty| !ty.is_composite())
                {
                    cx.report(
                        format!(
                            "Fragment cannot condition on non composite type \"{}\".",
                            condition.value
                        ),
                        &[condition.loc],
                    );
                }
            }
            NodeRef::FragmentDefinition(fragment) => {
                let condition = &fragment.type_condition;
                if named_type(&condition.value).is_some_and(|ty| !ty.is_composite()) {
                    cx.report(
                        format!(
                            "Fragment \"{}\" cannot condition on non composite type \"{}\".",
                            fragment.name.value, condition.value
                        ),
                        &[condition.loc],
                    );
                }
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

    #[test]
    fn object_and_unknown_conditions_pass() {
        let query = "{ customer { ... on Customer { email } ... on Unknown { a } ...F } } fragment F on Customer { email }";
        assert!(errors_of(FragmentsOnCompositeTypes, query).is_empty());
    }

    #[test]
    fn scalar_and_input_conditions_fail() {
        let query =
            "{ customer { ... on String { a } } }\nfragment F on CustomerCreateInput { email }";
        assert_eq!(
            errors_of(FragmentsOnCompositeTypes, query),
            vec![
                error(
                    "Fragment cannot condition on non composite type \"String\".",
                    &[(1, 21)]
                ),
                error(
                    "Fragment \"F\" cannot condition on non composite type \"CustomerCreateInput\".",
                    &[(2, 15)]
                ),
            ]
        );
    }
}
