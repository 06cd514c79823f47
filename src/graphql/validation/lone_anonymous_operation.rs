//! `LoneAnonymousOperation`: an operation without a name must be the only one.

use super::{Rule, ValidationContext};
use crate::graphql::ast::Definition;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct LoneAnonymousOperation {
    operation_count: usize,
}

impl<'a> Rule<'a> for LoneAnonymousOperation {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::Document(document) => {
                self.operation_count = document
                    .definitions
                    .iter()
                    .filter(|definition| matches!(definition, Definition::Operation(_)))
                    .count();
            }
            NodeRef::OperationDefinition(operation)
                if operation.name.is_none() && self.operation_count > 1 =>
            {
                cx.report(
                    "This anonymous operation must be the only defined operation.",
                    &[operation.loc],
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

    #[test]
    fn one_anonymous_operation_passes() {
        let query = "{ customer { email } } fragment F on Customer { email }";
        assert!(errors_of(LoneAnonymousOperation::default(), query).is_empty());
    }

    #[test]
    fn an_anonymous_operation_beside_another_fails() {
        let query = "{ customer { email } }\nquery Named { customer { email } }";
        assert_eq!(
            errors_of(LoneAnonymousOperation::default(), query),
            vec![error(
                "This anonymous operation must be the only defined operation.",
                &[(1, 1)]
            )]
        );
    }
}
