//! `ExecutableDefinitions`: a request may only hold operations and fragments.

use super::{Rule, ValidationContext};
use crate::graphql::ast::Definition;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct ExecutableDefinitions;

impl<'a> Rule<'a> for ExecutableDefinitions {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        if let NodeRef::Document(document) = node {
            for definition in &document.definitions {
                if let Definition::TypeSystem(definition) = definition {
                    let name = match &definition.name {
                        Some(name) => format!("\"{name}\""),
                        None => "schema".to_owned(),
                    };
                    cx.report(
                        format!("The {name} definition is not executable."),
                        &[definition.loc],
                    );
                }
            }
        }
        Flow::Skip
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn operations_and_fragments_are_executable() {
        let query = "query Q { customer { ...F } } fragment F on Customer { email }";
        assert!(errors_of(ExecutableDefinitions, query).is_empty());
    }

    #[test]
    fn type_system_definitions_are_not() {
        let query =
            "{ customer { email } }\ntype Foo { a: Int }\nextend schema @d\n\"doc\" scalar S";
        assert_eq!(
            errors_of(ExecutableDefinitions, query),
            vec![
                error("The \"Foo\" definition is not executable.", &[(2, 1)]),
                error("The schema definition is not executable.", &[(3, 1)]),
                error("The \"S\" definition is not executable.", &[(4, 1)]),
            ]
        );
    }
}
