//! `ProvidedRequiredArguments` (with `ProvidedRequiredArgumentsOnDirectives`): non-null
//! arguments without a default are given. Checked on leaving the node, so errors inside the
//! arguments come first.

use super::{Rule, ValidationContext};
use crate::graphql::ast::Argument;
use crate::graphql::schema::{InputValueDef, Ty, directive};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::NodeRef;

pub struct ProvidedRequiredArguments;

fn missing<'d>(
    definitions: &'d [InputValueDef],
    given: &[Argument],
) -> impl Iterator<Item = &'d InputValueDef> {
    let given: Vec<String> = given.iter().map(|arg| arg.name.value.clone()).collect();
    definitions
        .iter()
        .filter(move |def| def.is_required() && !given.iter().any(|name| name == def.name))
}

impl<'a> Rule<'a> for ProvidedRequiredArguments {
    fn leave(&mut self, cx: &mut ValidationContext<'a>, info: &TypeInfo, node: NodeRef<'a>) {
        match node {
            NodeRef::Directive(applied) => {
                let Some(definition) = directive(&applied.name.value) else {
                    return;
                };
                for argument in missing(definition.args, &applied.arguments) {
                    cx.report(
                        format!(
                            "Directive \"@{}\" argument \"{}\" of type \"{}\" is required but not provided.",
                            definition.name,
                            argument.name,
                            Ty::of(&argument.ty)
                        ),
                        &[applied.loc],
                    );
                }
            }
            NodeRef::Field(field) => {
                let Some(definition) = info.get_field_def() else {
                    return;
                };
                for argument in missing(definition.args, &field.arguments) {
                    cx.report(
                        format!(
                            "Field \"{}\" argument \"{}\" of type \"{}\" is required but not provided.",
                            field.name.value,
                            argument.name,
                            Ty::of(&argument.ty)
                        ),
                        &[field.loc],
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn given_arguments_pass() {
        let query = "{ __type(name: \"Customer\") { name fields { name } } customer @include(if: true) { email } }";
        assert!(errors_of(ProvidedRequiredArguments, query).is_empty());
    }

    #[test]
    fn missing_field_arguments_fail_at_the_field() {
        // Adobe's `input` is nullable, so the exchange can leave it out (its resolver answers);
        // `__type(name:)` cannot.
        let query = "mutation {\n  exchangeExternalCustomerToken { token }\n}";
        assert!(errors_of(ProvidedRequiredArguments, query).is_empty());
        let query = "{\n  __type { name }\n}";
        assert_eq!(
            errors_of(ProvidedRequiredArguments, query),
            vec![error(
                "Field \"__type\" argument \"name\" of type \"String!\" is required but not provided.",
                &[(2, 3)]
            )]
        );
    }

    #[test]
    fn missing_directive_arguments_fail_at_the_directive() {
        let query = "{ customer @skip { email } }";
        assert_eq!(
            errors_of(ProvidedRequiredArguments, query),
            vec![error(
                "Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required but not provided.",
                &[(1, 12)]
            )]
        );
    }
}
