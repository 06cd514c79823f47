//! `FieldsOnCorrectType`: every selected field exists on its type, with graphql-php's
//! suggestions: on an interface, the types that have the field ("inline fragment on ..."),
//! otherwise similar field names.

use super::{Rule, ValidationContext};
use crate::graphql::schema::NamedType;
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
        let mut message = format!(
            "Cannot query field \"{}\" on type \"{}\".",
            field.name.value, parent.name
        );
        let types = suggested_type_names(parent, &field.name.value);
        if !types.is_empty() {
            message.push_str(&format!(
                " Did you mean to use an inline fragment on {}?",
                quoted_or_list(&types)
            ));
        } else {
            let suggestions = suggestion_list(
                &field.name.value,
                parent.fields().iter().map(|definition| definition.name),
            );
            if !suggestions.is_empty() {
                message.push_str(&format!(" Did you mean {}?", quoted_or_list(&suggestions)));
            }
        }
        cx.report(message, &[field.loc]);
        Flow::Continue
    }
}

/// `getSuggestedTypeNames`: for an abstract type, the interfaces (most used first) and then
/// the object types among its possible types that have the field.
fn suggested_type_names(parent: &NamedType, field_name: &str) -> Vec<String> {
    if !parent.is_abstract() {
        return Vec::new();
    }
    let mut objects = Vec::new();
    let mut interface_counts: Vec<(&'static str, usize)> = Vec::new();
    for possible in parent.possible_types() {
        if possible.field(field_name).is_none() {
            continue;
        }
        objects.push(possible.name.to_owned());
        for interface in possible.interfaces() {
            if interface.field(field_name).is_none() {
                continue;
            }
            match interface_counts
                .iter_mut()
                .find(|(name, _)| *name == interface.name)
            {
                Some((_, count)) => *count += 1,
                None => interface_counts.push((interface.name, 1)),
            }
        }
    }
    // PHP's `arsort` is stable here: equal counts keep their first-seen order.
    interface_counts.sort_by_key(|b| std::cmp::Reverse(b.1));
    interface_counts
        .into_iter()
        .map(|(name, _)| name.to_owned())
        .chain(objects)
        .collect()
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
    fn fields_of_implementations_suggest_an_inline_fragment() {
        let query = "{ customer { custom_attributes { code value } } }";
        assert_eq!(
            errors_of(FieldsOnCorrectType, query),
            vec![error(
                "Cannot query field \"value\" on type \"AttributeValueInterface\". Did you mean to use an inline fragment on \"AttributeValue\"?",
                &[(1, 39)]
            )]
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
