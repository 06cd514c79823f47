//! `UniqueArgumentNames`: a field or directive gets each argument once.

use std::collections::HashMap;

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct UniqueArgumentNames {
    known: HashMap<String, usize>,
}

impl<'a> Rule<'a> for UniqueArgumentNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::Field(_) | NodeRef::Directive(_) => {
                self.known.clear();
                Flow::Continue
            }
            NodeRef::Argument(argument) => {
                let name = &argument.name;
                match self.known.get(&name.value) {
                    Some(&first) => cx.report(
                        format!("There can be only one argument named \"{}\".", name.value),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn distinct_arguments_pass() {
        let query =
            "{ __type(name: \"A\") @skip(if: false) { name } customer @skip(if: true) { email } }";
        assert!(errors_of(UniqueArgumentNames::default(), query).is_empty());
    }

    #[test]
    fn repeated_arguments_fail() {
        let query = "{ __type(name: \"A\", name: \"B\") { name } }";
        assert_eq!(
            errors_of(UniqueArgumentNames::default(), query),
            vec![error(
                "There can be only one argument named \"name\".",
                &[(1, 10), (1, 21)]
            )]
        );
    }
}
