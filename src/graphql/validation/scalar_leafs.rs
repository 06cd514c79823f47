//! `ScalarLeafs`: leaf fields have no selection set, object fields need one.

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct ScalarLeafs;

impl<'a> Rule<'a> for ScalarLeafs {
    fn enter(
        &mut self,
        cx: &mut ValidationContext<'a>,
        info: &TypeInfo,
        node: NodeRef<'a>,
    ) -> Flow {
        let NodeRef::Field(field) = node else {
            return Flow::Continue;
        };
        let Some(ty) = info.get_type() else {
            return Flow::Continue;
        };
        if ty.named().is_leaf() {
            if let Some(selection_set) = &field.selection_set {
                cx.report(
                    format!(
                        "Field \"{}\" of type \"{ty}\" must not have a sub selection.",
                        field.name.value
                    ),
                    &[selection_set.loc],
                );
            }
        } else if field.selection_set.is_none() {
            cx.report(
                format!(
                    "Field \"{}\" of type \"{ty}\" must have a sub selection.",
                    field.name.value
                ),
                &[field.loc],
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
    fn well_shaped_selections_pass() {
        let query = "{ customer { email custom_attributes { code } } __typename }";
        assert!(errors_of(ScalarLeafs, query).is_empty());
    }

    #[test]
    fn missing_and_extra_sub_selections_fail() {
        let query = "{\n  customer\n}\nmutation { exchangeExternalCustomerToken(input: {}) { token { x } customer } }";
        assert_eq!(
            errors_of(ScalarLeafs, query),
            vec![
                error(
                    "Field \"customer\" of type \"Customer\" must have a sub selection.",
                    &[(2, 3)]
                ),
                error(
                    "Field \"token\" of type \"String!\" must not have a sub selection.",
                    &[(4, 61)]
                ),
                error(
                    "Field \"customer\" of type \"Customer!\" must have a sub selection.",
                    &[(4, 67)]
                ),
            ]
        );
    }
}
