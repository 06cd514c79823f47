//! `FieldsOnCorrectType`: every selected field exists on its type, with graphql-php's
//! suggestions. (The schema has no interfaces or unions, so "inline fragment on ..."
//! suggestions never apply and only field-name suggestions are made.)

use super::{Rule, ValidationContext};
use crate::graphql::suggest::{quoted_or_list, suggestion_list};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct FieldsOnCorrectType;

impl<'a> Rule<'a> for FieldsOnCorrectType {
    fn enter(
        &mut self,
        cx: &mut ValidationContext<'a>,
        info: &TypeInfo,
        node: NodeRef<'a>,
    ) -> Flow {
        let NodeRef::Field(field) = node else {
            return Flow::Continue;
        };
        if info.get_field_def().is_some() {
            return Flow::Continue;
        }
        let Some(parent) = info.get_parent_type() else {
            return Flow::Continue;
        };
        let suggestions = suggestion_list(
            &field.name.value,
            parent.fields().iter().map(|definition| definition.name),
        );
        let mut message = format!(
            "Cannot query field \"{}\" on type \"{}\".",
            field.name.value, parent.name
        );
        if !suggestions.is_empty() {
            message.push_str(&format!(" Did you mean {}?", quoted_or_list(&suggestions)));
        }
        cx.report(message, &[field.loc]);
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn defined_and_meta_fields_pass() {
        let query = "{ customer { email e: firstname __typename } __schema { types { name } } __type(name: \"Customer\") { name } }";
        assert!(errors_of(FieldsOnCorrectType, query).is_empty());
    }

    #[test]
    fn unknown_fields_fail_with_suggestions() {
        let query = "{\n  customer { xyz emial }\n  nope\n}";
        assert_eq!(
            errors_of(FieldsOnCorrectType, query),
            vec![
                error(
                    "Cannot query field \"xyz\" on type \"Customer\".",
                    &[(2, 14)]
                ),
                error(
                    "Cannot query field \"emial\" on type \"Customer\". Did you mean \"email\"?",
                    &[(2, 18)]
                ),
                error("Cannot query field \"nope\" on type \"Query\".", &[(3, 3)]),
            ]
        );
    }

    #[test]
    fn schema_meta_field_exists_only_on_the_query_type() {
        let query = "{ customer { __schema { types { name } } } }";
        assert_eq!(
            errors_of(FieldsOnCorrectType, query),
            vec![error(
                "Cannot query field \"__schema\" on type \"Customer\".",
                &[(1, 14)]
            )]
        );
    }

    #[test]
    fn nothing_is_reported_below_an_unknown_field() {
        let query = "{ nope { deeper } }";
        assert_eq!(
            errors_of(FieldsOnCorrectType, query),
            vec![error(
                "Cannot query field \"nope\" on type \"Query\".",
                &[(1, 3)]
            )]
        );
    }
}
