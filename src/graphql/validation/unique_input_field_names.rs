//! `UniqueInputFieldNames`: an object literal names each field once.
//!
//! As in graphql-php, the rule does not look inside a field's value once it has seen the field
//! (its visitor skips the field), so only the outermost object of each argument value, and
//! objects directly in lists, are checked.

use std::collections::HashMap;

use super::{Rule, ValidationContext};
use crate::graphql::ast::ValueKind;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct UniqueInputFieldNames {
    known: HashMap<String, usize>,
    outer: Vec<HashMap<String, usize>>,
}

impl<'a> Rule<'a> for UniqueInputFieldNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::Value(value) if matches!(value.kind, ValueKind::Object(_)) => {
                self.outer.push(std::mem::take(&mut self.known));
                Flow::Continue
            }
            NodeRef::ObjectField(field) => {
                let name = &field.name;
                match self.known.get(&name.value) {
                    Some(&first) => cx.report(
                        format!(
                            "There can be only one input field named \"{}\".",
                            name.value
                        ),
                        &[first, name.loc],
                    ),
                    None => {
                        self.known.insert(name.value.clone(), name.loc);
                    }
                }
                Flow::Skip
            }
            _ => Flow::Continue,
        }
    }

    fn leave(&mut self, _: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) {
        if let NodeRef::Value(value) = node
            && matches!(value.kind, ValueKind::Object(_))
        {
            self.known = self.outer.pop().unwrap_or_default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn distinct_fields_pass() {
        let query = "mutation { exchangeExternalCustomerToken(input: {customer: {email: \"a\"}}) { token } }";
        assert!(errors_of(UniqueInputFieldNames::default(), query).is_empty());
    }

    #[test]
    fn repeated_fields_fail() {
        let query = "mutation { exchangeExternalCustomerToken(input: {customer: {}, customer: {}}) { token } }";
        assert_eq!(
            errors_of(UniqueInputFieldNames::default(), query),
            vec![error(
                "There can be only one input field named \"customer\".",
                &[(1, 50), (1, 64)]
            )]
        );
    }

    #[test]
    fn like_graphql_php_nested_objects_are_not_checked() {
        let query = "mutation { exchangeExternalCustomerToken(input: {customer: {email: \"a\", email: \"b\"}}) { token } }";
        assert!(errors_of(UniqueInputFieldNames::default(), query).is_empty());
    }
}
