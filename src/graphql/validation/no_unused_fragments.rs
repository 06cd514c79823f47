//! `NoUnusedFragments`: every fragment is spread by some operation.

use std::collections::HashSet;

use super::{Rule, ValidationContext};
use crate::graphql::ast::OperationDefinition;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct NoUnusedFragments {
    /// Operations by their offset, fragments by name and offset.
    operations: Vec<usize>,
    fragments: Vec<(String, usize)>,
}

impl<'a> Rule<'a> for NoUnusedFragments {
    fn enter(&mut self, _: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(operation) => {
                self.operations.push(operation.loc);
                Flow::Skip
            }
            NodeRef::FragmentDefinition(fragment) => {
                self.fragments
                    .push((fragment.name.value.clone(), fragment.loc));
                Flow::Skip
            }
            _ => Flow::Continue,
        }
    }

    fn leave(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) {
        let NodeRef::Document(document) = node else {
            return;
        };
        let operations: Vec<&OperationDefinition> = document
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                crate::graphql::ast::Definition::Operation(operation)
                    if self.operations.contains(&operation.loc) =>
                {
                    Some(operation)
                }
                _ => None,
            })
            .collect();
        let mut used: HashSet<&str> = HashSet::new();
        for operation in operations {
            for fragment in cx.recursively_referenced_fragments(operation) {
                used.insert(fragment.name.value.as_str());
            }
        }
        for (name, loc) in &self.fragments {
            if !used.contains(name.as_str()) {
                cx.report(format!("Fragment \"{name}\" is never used."), &[*loc]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn fragments_used_directly_or_indirectly_pass() {
        let query = "{ customer { ...A } } fragment A on Customer { ...B } fragment B on Customer { email }";
        assert!(errors_of(NoUnusedFragments::default(), query).is_empty());
    }

    #[test]
    fn unused_fragments_fail_at_their_definition() {
        let query = "{ customer { email } }\nfragment A on Customer { ...B }\nfragment B on Customer { email }";
        assert_eq!(
            errors_of(NoUnusedFragments::default(), query),
            vec![
                error("Fragment \"A\" is never used.", &[(2, 1)]),
                error("Fragment \"B\" is never used.", &[(3, 1)]),
            ]
        );
    }
}
