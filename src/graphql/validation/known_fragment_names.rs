//! `KnownFragmentNames`: every spread fragment is defined.

use super::{Rule, ValidationContext};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct KnownFragmentNames;

impl<'a> Rule<'a> for KnownFragmentNames {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        if let NodeRef::FragmentSpread(spread) = node
            && cx.fragment(&spread.name.value).is_none()
        {
            cx.report(
                format!("Unknown fragment \"{}\".", spread.name.value),
                &[spread.name.loc],
            );
        }
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn defined_fragments_pass() {
        let query = "{ customer { ...A } } fragment A on Customer { email }";
        assert!(errors_of(KnownFragmentNames, query).is_empty());
    }

    #[test]
    fn undefined_fragments_fail_at_their_name() {
        let query = "{ customer { ...Missing ... on Customer { ...AlsoMissing } } }";
        assert_eq!(
            errors_of(KnownFragmentNames, query),
            vec![
                error("Unknown fragment \"Missing\".", &[(1, 17)]),
                error("Unknown fragment \"AlsoMissing\".", &[(1, 46)]),
            ]
        );
    }
}
