//! `KnownTypeNames`: every type a document names exists.

use super::{Rule, ValidationContext};
use crate::graphql::ast::Definition;
use crate::graphql::schema::{TYPES, named_type};
use crate::graphql::suggest::{quoted_or_list, suggestion_list};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct KnownTypeNames {
    /// Types the document itself defines (which `ExecutableDefinitions` rejects anyway).
    defined: Vec<String>,
}

impl<'a> Rule<'a> for KnownTypeNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::Document(document) => {
                self.defined = document
                    .definitions
                    .iter()
                    .filter_map(|definition| match definition {
                        Definition::TypeSystem(def) if def.defines_type => def.name.clone(),
                        _ => None,
                    })
                    .collect();
            }
            NodeRef::NamedType(name) => {
                let known = named_type(&name.value).is_some() || self.defined.contains(&name.value);
                if !known {
                    let options = TYPES
                        .iter()
                        .map(|named| named.name)
                        .chain(self.defined.iter().map(String::as_str));
                    let suggestions = suggestion_list(&name.value, options);
                    let mut message = format!("Unknown type \"{}\".", name.value);
                    if !suggestions.is_empty() {
                        message
                            .push_str(&format!(" Did you mean {}?", quoted_or_list(&suggestions)));
                    }
                    cx.report(message, &[name.loc]);
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
    fn known_types_pass() {
        let query = "query ($a: [String!], $b: ExchangeExternalCustomerTokenInput) { customer { ... on Customer { email } } }";
        assert!(errors_of(KnownTypeNames::default(), query).is_empty());
    }

    #[test]
    fn unknown_types_fail_with_suggestions() {
        let query = "query ($a: Strin, $b: Nope) {\n  customer { ... on Custom { email } }\n}";
        assert_eq!(
            errors_of(KnownTypeNames::default(), query),
            vec![
                error(
                    "Unknown type \"Strin\". Did you mean \"String\"?",
                    &[(1, 12)]
                ),
                error("Unknown type \"Nope\".", &[(1, 23)]),
                error(
                    "Unknown type \"Custom\". Did you mean \"Customer\"?",
                    &[(2, 21)]
                ),
            ]
        );
    }
}
