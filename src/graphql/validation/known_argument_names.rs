//! `KnownArgumentNames` (with `KnownArgumentNamesOnDirectives`): every argument is defined by
//! its field or directive.

use super::{Rule, ValidationContext};
use crate::graphql::schema::directive;
use crate::graphql::suggest::{quoted_or_list, suggestion_list};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct KnownArgumentNames;

fn with_suggestions(mut message: String, suggestions: &[String]) -> String {
    if !suggestions.is_empty() {
        message.push_str(&format!(" Did you mean {}?", quoted_or_list(suggestions)));
    }
    message
}

impl<'a> Rule<'a> for KnownArgumentNames {
    fn enter(
        &mut self,
        cx: &mut ValidationContext<'a>,
        info: &TypeInfo,
        node: NodeRef<'a>,
    ) -> Flow {
        match node {
            NodeRef::Directive(applied) => {
                // Directive arguments are checked here; the directive's subtree is skipped so
                // the field-argument check below never sees them.
                if let Some(definition) = directive(&applied.name.value) {
                    for argument in &applied.arguments {
                        let name = &argument.name.value;
                        if definition.args.iter().any(|arg| arg.name == name) {
                            continue;
                        }
                        let suggestions =
                            suggestion_list(name, definition.args.iter().map(|arg| arg.name));
                        let message = format!(
                            "Unknown argument \"{name}\" on directive \"@{}\".",
                            applied.name.value
                        );
                        cx.report(with_suggestions(message, &suggestions), &[argument.loc]);
                    }
                }
                Flow::Skip
            }
            NodeRef::Argument(argument) => {
                if info.get_argument().is_some() {
                    return Flow::Continue;
                }
                let (Some(field), Some(parent)) = (info.get_field_def(), info.get_parent_type())
                else {
                    return Flow::Continue;
                };
                let name = &argument.name.value;
                let suggestions = suggestion_list(name, field.args.iter().map(|arg| arg.name));
                let message = format!(
                    "Unknown argument \"{name}\" on field \"{}\" of type \"{}\".",
                    field.name, parent.name
                );
                cx.report(with_suggestions(message, &suggestions), &[argument.loc]);
                Flow::Continue
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
    fn defined_arguments_pass() {
        let query =
            "mutation { exchangeExternalCustomerToken(input: {}) @skip(if: false) { token } }";
        assert!(errors_of(KnownArgumentNames, query).is_empty());
    }

    #[test]
    fn unknown_field_arguments_fail_with_suggestions() {
        let query = "mutation { exchangeExternalCustomerToken(inptu: {}, other: 1) { token } }";
        assert_eq!(
            errors_of(KnownArgumentNames, query),
            vec![
                error(
                    "Unknown argument \"inptu\" on field \"exchangeExternalCustomerToken\" of type \"Mutation\". Did you mean \"input\"?",
                    &[(1, 42)]
                ),
                error(
                    "Unknown argument \"other\" on field \"exchangeExternalCustomerToken\" of type \"Mutation\".",
                    &[(1, 53)]
                ),
            ]
        );
    }

    #[test]
    fn unknown_directive_arguments_fail() {
        let query = "{ customer @skip(iff: true) { email } }";
        assert_eq!(
            errors_of(KnownArgumentNames, query),
            vec![error(
                "Unknown argument \"iff\" on directive \"@skip\". Did you mean \"if\"?",
                &[(1, 18)]
            )]
        );
    }
}
