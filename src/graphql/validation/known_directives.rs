//! `KnownDirectives`: directives exist and are used where they may be.

use super::{Rule, ValidationContext};
use crate::graphql::ast::OperationKind;
use crate::graphql::schema::directive;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct KnownDirectives {
    /// The location of each node that can carry directives, innermost last: a node's
    /// directives are visited before anything nested in it.
    locations: Vec<&'static str>,
}

fn directive_location(node: NodeRef<'_>) -> Option<&'static str> {
    Some(match node {
        NodeRef::OperationDefinition(operation) => match operation.kind {
            OperationKind::Query => "QUERY",
            OperationKind::Mutation => "MUTATION",
            OperationKind::Subscription => "SUBSCRIPTION",
        },
        NodeRef::Field(_) => "FIELD",
        NodeRef::FragmentSpread(_) => "FRAGMENT_SPREAD",
        NodeRef::InlineFragment(_) => "INLINE_FRAGMENT",
        NodeRef::FragmentDefinition(_) => "FRAGMENT_DEFINITION",
        NodeRef::VariableDefinition(_) => "VARIABLE_DEFINITION",
        _ => return None,
    })
}

impl<'a> Rule<'a> for KnownDirectives {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        if let Some(location) = directive_location(node) {
            self.locations.push(location);
            return Flow::Continue;
        }
        let NodeRef::Directive(applied) = node else {
            return Flow::Continue;
        };
        let name = &applied.name.value;
        let Some(definition) = directive(name) else {
            cx.report(format!("Unknown directive \"@{name}\"."), &[applied.loc]);
            return Flow::Continue;
        };
        if let Some(&location) = self.locations.last()
            && !definition.locations.contains(&location)
        {
            cx.report(
                format!("Directive \"{name}\" may not be used on \"{location}\"."),
                &[applied.loc],
            );
        }
        Flow::Continue
    }

    fn leave(&mut self, _: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) {
        if directive_location(node).is_some() {
            self.locations.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn known_directives_in_their_places_pass() {
        let query = "{ customer @include(if: true) { ...F @skip(if: false) ... @include(if: true) { email } } } fragment F on Customer { id }";
        assert!(errors_of(KnownDirectives::default(), query).is_empty());
    }

    #[test]
    fn unknown_directives_fail() {
        let query = "{ customer @nope { email } }";
        assert_eq!(
            errors_of(KnownDirectives::default(), query),
            vec![error("Unknown directive \"@nope\".", &[(1, 12)])]
        );
    }

    #[test]
    fn misplaced_directives_fail() {
        let query = "query Q($v: Int @skip(if: true)) @include(if: true) { customer { email @deprecated } }\nfragment F on Customer @skip(if: true) { id }";
        assert_eq!(
            errors_of(KnownDirectives::default(), query),
            vec![
                error(
                    "Directive \"skip\" may not be used on \"VARIABLE_DEFINITION\".",
                    &[(1, 17)]
                ),
                error(
                    "Directive \"include\" may not be used on \"QUERY\".",
                    &[(1, 34)]
                ),
                error(
                    "Directive \"deprecated\" may not be used on \"FIELD\".",
                    &[(1, 72)]
                ),
                error(
                    "Directive \"skip\" may not be used on \"FRAGMENT_DEFINITION\".",
                    &[(2, 24)]
                ),
            ]
        );
    }
}
