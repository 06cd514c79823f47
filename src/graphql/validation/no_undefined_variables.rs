//! `NoUndefinedVariables`: every variable used is defined by the operation.
//!
//! graphql-php's message has its two forms swapped: an anonymous operation gets
//! `... is not defined by operation "".`, a named one `... is not defined.`. We print what
//! graphql-php prints.

use std::collections::HashSet;

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct NoUndefinedVariables {
    defined: HashSet<String>,
}

impl<'a> Rule<'a> for NoUndefinedVariables {
    fn enter(&mut self, _: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(_) => self.defined.clear(),
            NodeRef::VariableDefinition(definition) => {
                self.defined.insert(definition.variable.name.value.clone());
            }
            _ => {}
        }
        Flow::Continue
    }

    fn leave(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) {
        let NodeRef::OperationDefinition(operation) = node else {
            return;
        };
        let usages = cx.recursive_variable_usages(operation);
        for usage in usages.iter() {
            let name = &usage.variable.name.value;
            if self.defined.contains(name) {
                continue;
            }
            let message = match &operation.name {
                None => format!("Variable \"${name}\" is not defined by operation \"\"."),
                Some(_) => format!("Variable \"${name}\" is not defined."),
            };
            cx.report(message, &[usage.variable.loc, operation.loc]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn defined_variables_pass_including_in_fragments() {
        let query = "query ($s: Boolean!) { customer { ...F } } fragment F on Customer { email @skip(if: $s) }";
        assert!(errors_of(NoUndefinedVariables::default(), query).is_empty());
    }

    #[test]
    fn undefined_variables_fail_with_graphql_php_wording() {
        let query = "query Named { customer { email @skip(if: $a) } }\n{ customer { ...F } }\nfragment F on Customer { email @include(if: $b) }";
        assert_eq!(
            errors_of(NoUndefinedVariables::default(), query),
            vec![
                error("Variable \"$a\" is not defined.", &[(1, 42), (1, 1)]),
                error(
                    "Variable \"$b\" is not defined by operation \"\".",
                    &[(3, 45), (2, 1)]
                ),
            ]
        );
    }
}
