//! `UniqueFragmentNames`: no two fragments share a name.

use std::collections::HashMap;

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct UniqueFragmentNames {
    known: HashMap<String, usize>,
}

impl<'a> Rule<'a> for UniqueFragmentNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(_) => Flow::Skip,
            NodeRef::FragmentDefinition(fragment) => {
                let name = &fragment.name;
                match self.known.get(&name.value) {
                    Some(&first) => cx.report(
                        format!("There can be only one fragment named \"{}\".", name.value),
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
    fn distinct_names_pass() {
        let query = "{ customer { ...A ...B } } fragment A on Customer { email } fragment B on Customer { id }";
        assert!(errors_of(UniqueFragmentNames::default(), query).is_empty());
    }

    #[test]
    fn repeated_names_fail() {
        let query = "{ customer { ...A } }\nfragment A on Customer { email }\nfragment A on Customer { id }";
        assert_eq!(
            errors_of(UniqueFragmentNames::default(), query),
            vec![error(
                "There can be only one fragment named \"A\".",
                &[(2, 10), (3, 10)]
            )]
        );
    }
}
