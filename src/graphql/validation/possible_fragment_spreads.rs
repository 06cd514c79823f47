//! `PossibleFragmentSpreads`: a fragment's type can overlap the type it is spread into
//! (`TypeComparators::doTypesOverlap`).

use super::{Rule, ValidationContext};
use crate::graphql::schema::named_type;
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub struct PossibleFragmentSpreads;

impl<'a> Rule<'a> for PossibleFragmentSpreads {
    fn enter(
        &mut self,
        cx: &mut ValidationContext<'a>,
        info: &TypeInfo,
        node: NodeRef<'a>,
    ) -> Flow {
        match node {
            NodeRef::InlineFragment(inline) => {
                let fragment_type = info.get_type().map(|ty| ty.named());
                let parent = info.get_parent_type();
                if let (Some(fragment_type), Some(parent)) = (fragment_type, parent)
                    && fragment_type.is_composite()
                    && !fragment_type.overlaps(parent)
                {
                    cx.report(
                        format!(
                            "Fragment cannot be spread here as objects of type \"{}\" can never be of type \"{}\".",
                            parent.name, fragment_type.name
                        ),
                        &[inline.loc],
                    );
                }
            }
            NodeRef::FragmentSpread(spread) => {
                let fragment_type = cx
                    .fragment(&spread.name.value)
                    .and_then(|fragment| named_type(&fragment.type_condition.value))
                    .filter(|ty| ty.is_composite());
                let parent = info.get_parent_type();
                if let (Some(fragment_type), Some(parent)) = (fragment_type, parent)
                    && !fragment_type.overlaps(parent)
                {
                    cx.report(
                        format!(
                            "Fragment \"{}\" cannot be spread here as objects of type \"{}\" can never be of type \"{}\".",
                            spread.name.value, parent.name, fragment_type.name
                        ),
                        &[spread.loc],
                    );
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
    fn same_type_spreads_pass() {
        let query = "{ customer { ...F ... on Customer { email } ... { id } } } fragment F on Customer { email }";
        assert!(errors_of(PossibleFragmentSpreads, query).is_empty());
    }

    #[test]
    fn spreads_between_interfaces_and_their_implementations_pass() {
        let query = "{ customer { custom_attributes { ... on AttributeValue { value } ...S } } }\n\
                     fragment S on AttributeSelectedOptions { selected_options { ... on AttributeSelectedOptionInterface { label } } }";
        assert!(errors_of(PossibleFragmentSpreads, query).is_empty());
    }

    #[test]
    fn spreads_of_unrelated_interfaces_fail() {
        let query = "{ customer { custom_attributes { ... on AttributeSelectedOptionInterface { label } } } }";
        assert_eq!(
            errors_of(PossibleFragmentSpreads, query),
            vec![error(
                "Fragment cannot be spread here as objects of type \"AttributeValueInterface\" can never be of type \"AttributeSelectedOptionInterface\".",
                &[(1, 34)]
            )]
        );
    }

    #[test]
    fn spreads_of_other_object_types_fail() {
        let query = "{ customer { ...F ... on Query { customer { email } } } }\nfragment F on AttributeValue { code }";
        assert_eq!(
            errors_of(PossibleFragmentSpreads, query),
            vec![
                error(
                    "Fragment \"F\" cannot be spread here as objects of type \"Customer\" can never be of type \"AttributeValue\".",
                    &[(1, 14)]
                ),
                error(
                    "Fragment cannot be spread here as objects of type \"Customer\" can never be of type \"Query\".",
                    &[(1, 19)]
                ),
            ]
        );
    }
}
