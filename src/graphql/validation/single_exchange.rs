//! Ours, not graphql-php's: an operation may execute `exchangeExternalCustomerToken` at most
//! once (docs/contract.md §3: an aliased batch of exchanges is an abuse vector).
//!
//! Counted are distinct response keys at the mutation's root, through fragments and inline
//! fragments and regardless of `@skip`/`@include`: fields sharing a response key are merged
//! into one execution.

use std::collections::HashSet;

use super::{Rule, ValidationContext};
use crate::graphql::ast::{OperationKind, Selection, SelectionSet};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

pub const EXCHANGE_FIELD: &str = "exchangeExternalCustomerToken";

pub struct SingleExchange;

impl<'a> Rule<'a> for SingleExchange {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        let NodeRef::OperationDefinition(operation) = node else {
            return Flow::Continue;
        };
        if operation.kind != OperationKind::Mutation {
            return Flow::Skip;
        }
        let mut keys: Vec<&str> = Vec::new();
        let mut locations = Vec::new();
        let mut visited_fragments: HashSet<&str> = HashSet::new();
        let mut sets: Vec<&SelectionSet> = vec![&operation.selection_set];
        while let Some(set) = sets.pop() {
            for selection in &set.selections {
                match selection {
                    Selection::Field(field) => {
                        let key = field.response_key();
                        if field.name.value == EXCHANGE_FIELD && !keys.contains(&key) {
                            keys.push(key);
                            locations.push(field.loc);
                        }
                    }
                    Selection::InlineFragment(inline) => sets.push(&inline.selection_set),
                    Selection::FragmentSpread(spread) => {
                        let name = spread.name.value.as_str();
                        if visited_fragments.insert(name)
                            && let Some(fragment) = cx.fragment(name)
                        {
                            sets.push(&fragment.selection_set);
                        }
                    }
                }
            }
        }
        if keys.len() > 1 {
            locations.sort_unstable();
            cx.report(
                format!("Only one {EXCHANGE_FIELD} field may be executed per request."),
                &locations,
            );
        }
        Flow::Skip
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::validation::test_support::{error, errors_of};

    #[test]
    fn one_exchange_passes_even_when_repeated_under_one_key() {
        let query = "mutation { exchangeExternalCustomerToken(input: {}) { token } exchangeExternalCustomerToken(input: {}) { customer { email } } }";
        assert!(errors_of(SingleExchange, query).is_empty());
    }

    #[test]
    fn aliased_exchanges_fail() {
        let query = "mutation {\n  a: exchangeExternalCustomerToken(input: {}) { token }\n  b: exchangeExternalCustomerToken(input: {}) { token }\n}";
        assert_eq!(
            errors_of(SingleExchange, query),
            vec![error(
                "Only one exchangeExternalCustomerToken field may be executed per request.",
                &[(2, 3), (3, 3)]
            )]
        );
    }

    #[test]
    fn exchanges_hidden_in_fragments_count() {
        let query = "mutation { ...M ... on Mutation { b: exchangeExternalCustomerToken(input: {}) { token } } }\nfragment M on Mutation { exchangeExternalCustomerToken(input: {}) { token } ...M }";
        assert_eq!(
            errors_of(SingleExchange, query),
            vec![error(
                "Only one exchangeExternalCustomerToken field may be executed per request.",
                &[(1, 35), (2, 26)]
            )]
        );
    }
}
