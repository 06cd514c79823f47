//! `UniqueDirectivesPerLocation`: a non-repeatable directive appears once per node.

use super::{Rule, ValidationContext};
use crate::graphql::ast::Directive;
use crate::graphql::schema::directive;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct UniqueDirectivesPerLocation;

fn directives_of<'a>(node: NodeRef<'a>) -> &'a [Directive] {
    match node {
        NodeRef::OperationDefinition(node) => &node.directives,
        NodeRef::VariableDefinition(node) => &node.directives,
        NodeRef::Field(node) => &node.directives,
        NodeRef::FragmentSpread(node) => &node.directives,
        NodeRef::InlineFragment(node) => &node.directives,
        NodeRef::FragmentDefinition(node) => &node.directives,
        _ => &[],
    }
}

impl<'a> Rule<'a> for UniqueDirectivesPerLocation {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        let mut seen: Vec<&Directive> = Vec::new();
        for applied in directives_of(node) {
            let name = &applied.name.value;
            // Unknown directives are KnownDirectives' concern; ours are all non-repeatable.
            if directive(name).is_none_or(|definition| definition.is_repeatable) {
                continue;
            }
            match seen.iter().find(|earlier| earlier.name.value == *name) {
                Some(first) => cx.report(
                    format!("The directive \"{name}\" can only be used once at this location."),
                    &[first.loc, applied.loc],
                ),
                None => seen.push(applied),
            }
        }
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn different_directives_pass() {
        let query = "{ customer @skip(if: false) @include(if: true) { email @nope @nope } }";
        assert!(errors_of(UniqueDirectivesPerLocation, query).is_empty());
    }

    #[test]
    fn repeated_directives_fail() {
        let query = "{ customer @skip(if: false) @skip(if: true) { email } }";
        assert_eq!(
            errors_of(UniqueDirectivesPerLocation, query),
            vec![error(
                "The directive \"skip\" can only be used once at this location.",
                &[(1, 12), (1, 29)]
            )]
        );
    }
}
