//! `NoFragmentCycles`: a fragment never spreads itself, directly or through others.
//!
//! graphql-php's recursive search is done here with an explicit stack, so a long chain of
//! fragments cannot exhaust the call stack.

use std::collections::{HashMap, HashSet};

use super::{Rule, ValidationContext, fragment_spreads};
use crate::graphql::ast::{FragmentDefinition, FragmentSpread};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

#[derive(Default)]
pub struct NoFragmentCycles {
    /// Fragments already searched (each is searched once, and each cycle reported once).
    visited: HashSet<String>,
}

/// One fragment whose spreads are being followed.
struct Frame<'a> {
    name: &'a str,
    spreads: Vec<&'a FragmentSpread>,
    next: usize,
}

impl NoFragmentCycles {
    fn detect_cycles<'a>(&mut self, cx: &mut ValidationContext<'a>, start: &'a FragmentDefinition) {
        let mut spread_path: Vec<&'a FragmentSpread> = Vec::new();
        let mut path_index_by_name: HashMap<&'a str, usize> = HashMap::new();
        let mut stack: Vec<Frame<'a>> = Vec::new();
        self.enter_fragment(
            start,
            &mut stack,
            &mut path_index_by_name,
            spread_path.len(),
        );
        while let Some(frame) = stack.last_mut() {
            let Some(&spread) = frame.spreads.get(frame.next) else {
                // Done with this fragment: forget its place in the path, and leave the spread
                // that led to it (the first fragment was not reached through a spread).
                path_index_by_name.remove(frame.name);
                stack.pop();
                if !stack.is_empty() {
                    spread_path.pop();
                }
                continue;
            };
            frame.next += 1;
            let name = spread.name.value.as_str();
            spread_path.push(spread);
            if let Some(&cycle_start) = path_index_by_name.get(name) {
                let cycle = spread_path.get(cycle_start..).unwrap_or(&[]);
                let via: Vec<&str> = cycle
                    .iter()
                    .take(cycle.len().saturating_sub(1))
                    .map(|spread| spread.name.value.as_str())
                    .collect();
                let via = if via.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", via.join(", "))
                };
                let locations: Vec<usize> = cycle.iter().map(|spread| spread.loc).collect();
                cx.report(
                    format!("Cannot spread fragment \"{name}\" within itself{via}."),
                    &locations,
                );
                spread_path.pop();
                continue;
            }
            let entered = match cx.fragment(name) {
                Some(fragment) => self.enter_fragment(
                    fragment,
                    &mut stack,
                    &mut path_index_by_name,
                    spread_path.len(),
                ),
                None => false,
            };
            if !entered {
                spread_path.pop();
            }
        }
    }

    /// Starts following a fragment's spreads, unless it was searched before or spreads
    /// nothing. Returns whether a frame was pushed.
    fn enter_fragment<'a>(
        &mut self,
        fragment: &'a FragmentDefinition,
        stack: &mut Vec<Frame<'a>>,
        path_index_by_name: &mut HashMap<&'a str, usize>,
        path_length: usize,
    ) -> bool {
        let name = fragment.name.value.as_str();
        if !self.visited.insert(name.to_owned()) {
            return false;
        }
        let spreads = fragment_spreads(&fragment.selection_set);
        if spreads.is_empty() {
            return false;
        }
        path_index_by_name.insert(name, path_length);
        stack.push(Frame {
            name,
            spreads,
            next: 0,
        });
        true
    }
}

impl<'a> Rule<'a> for NoFragmentCycles {
    fn enter(&mut self, cx: &mut ValidationContext<'a>, _: &TypeInfo, node: NodeRef<'a>) -> Flow {
        match node {
            NodeRef::OperationDefinition(_) => Flow::Skip,
            NodeRef::FragmentDefinition(fragment) => {
                self.detect_cycles(cx, fragment);
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
    fn acyclic_spreads_pass() {
        let query = "{ customer { ...A } } fragment A on Customer { ...B ...B } fragment B on Customer { email }";
        assert!(errors_of(NoFragmentCycles::default(), query).is_empty());
    }

    #[test]
    fn a_fragment_spreading_itself_fails() {
        let query = "fragment A on Customer { ...A }";
        assert_eq!(
            errors_of(NoFragmentCycles::default(), query),
            vec![error(
                "Cannot spread fragment \"A\" within itself.",
                &[(1, 26)]
            )]
        );
    }

    #[test]
    fn indirect_cycles_name_the_fragments_in_between() {
        let query = "fragment A on Customer { ...B }\nfragment B on Customer { ...C }\nfragment C on Customer { ...A }";
        assert_eq!(
            errors_of(NoFragmentCycles::default(), query),
            vec![error(
                "Cannot spread fragment \"A\" within itself via B, C.",
                &[(1, 26), (2, 26), (3, 26)]
            )]
        );
    }

    #[test]
    fn a_long_chain_is_searched_without_recursion() {
        let mut query = String::new();
        for index in 0..5000 {
            query.push_str(&format!(
                "fragment F{index} on Customer {{ ...F{} }}\n",
                index + 1
            ));
        }
        query.push_str("fragment F5000 on Customer { ...F0 }\n");
        let errors = errors_of(NoFragmentCycles::default(), &query);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].1.len(), 5001);
    }
}
