//! `NoUnusedVariables`: every variable an operation defines is used.

use std::collections::HashSet;

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct NoUnusedVariables {
    /// The operation's variable definitions: name and offset.
    definitions: Vec<(String, usize)>,
}

impl<'a> Rule<'a> for NoUnusedVariables {
    fn enter(&mut self, _: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(_) => self.definitions.clear(),
            NodeRef::VariableDefinition(definition) => self
                .definitions
                .push((definition.variable.name.value.clone(), definition.loc)),
            _ => {}
        }
        Flow::Continue
    }

    fn leave(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) {
        let NodeRef::OperationDefinition(operation) = node else {
            return;
        };
        let usages = cx.recursive_variable_usages(operation);
        let used: HashSet<&str> = usages
            .iter()
            .map(|usage| usage.variable.name.value.as_str())
            .collect();
        for (name, loc) in &self.definitions {
            if used.contains(name.as_str()) {
                continue;
            }
            let message = match &operation.name {
                Some(operation_name) => format!(
                    "Variable \"${name}\" is never used in operation \"{}\".",
                    operation_name.value
                ),
                None => format!("Variable \"${name}\" is never used."),
            };
            cx.report(message, &[*loc]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn used_variables_pass_including_in_fragments() {
        let query = "query ($s: Boolean!) { customer { ...F } } fragment F on Customer { email @skip(if: $s) }";
        assert!(errors_of(NoUnusedVariables::default(), query).is_empty());
    }

    #[test]
    fn unused_variables_fail_at_their_definition() {
        let query =
            "query Named($a: Int) { customer { email } }\nquery ($b: Int) { customer { email } }";
        assert_eq!(
            errors_of(NoUnusedVariables::default(), query),
            vec![
                error(
                    "Variable \"$a\" is never used in operation \"Named\".",
                    &[(1, 13)]
                ),
                error("Variable \"$b\" is never used.", &[(2, 8)]),
            ]
        );
    }
}
