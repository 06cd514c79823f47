//! `UniqueOperationNames`: no two operations share a name.

use std::collections::HashMap;

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct UniqueOperationNames {
    known: HashMap<String, usize>,
}

impl<'a> Rule<'a> for UniqueOperationNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(operation) => {
                if let Some(name) = &operation.name {
                    match self.known.get(&name.value) {
                        Some(&first) => cx.report(
                            format!("There can be only one operation named \"{}\".", name.value),
                            &[first, name.loc],
                        ),
                        None => {
                            self.known.insert(name.value.clone(), name.loc);
                        }
                    }
                }
                Flow::Skip
            }
            NodeRef::FragmentDefinition(_) => Flow::Skip,
            _ => Flow::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn distinct_names_pass() {
        let query =
            "query A { customer { email } } query B { customer { email } } { customer { id } }";
        assert!(errors_of(UniqueOperationNames::default(), query).is_empty());
    }

    #[test]
    fn repeated_names_fail_at_both_names() {
        let query = "query A { customer { email } }\nmutation A { customer { email } }";
        assert_eq!(
            errors_of(UniqueOperationNames::default(), query),
            vec![error(
                "There can be only one operation named \"A\".",
                &[(1, 7), (2, 10)]
            )]
        );
    }
}
