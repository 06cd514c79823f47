//! `UniqueVariableNames`: an operation defines each variable once.

use std::collections::HashMap;

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct UniqueVariableNames {
    known: HashMap<String, usize>,
}

impl<'a> Rule<'a> for UniqueVariableNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(_) => self.known.clear(),
            NodeRef::VariableDefinition(definition) => {
                let name = &definition.variable.name;
                match self.known.get(&name.value) {
                    Some(&first) => cx.report(
                        format!("There can be only one variable named \"{}\".", name.value),
                        &[first, name.loc],
                    ),
                    None => {
                        self.known.insert(name.value.clone(), name.loc);
                    }
                }
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
    fn distinct_names_pass_even_across_operations() {
        let query = "query A($a: Int, $b: Int) { customer { email } } query B($a: Int) { customer { email } }";
        assert!(errors_of(UniqueVariableNames::default(), query).is_empty());
    }

    #[test]
    fn repeated_names_fail_at_the_names() {
        let query = "query ($a: Int, $a: String) { customer { email } }";
        assert_eq!(
            errors_of(UniqueVariableNames::default(), query),
            vec![error(
                "There can be only one variable named \"a\".",
                &[(1, 9), (1, 18)]
            )]
        );
    }
}
