//! Our size limits (not a graphql-php default rule): query depth and number of selections, for
//! every operation and every fragment definition, counted through fragment spreads.
//!
//! The depth is graphql-php's `QueryDepth` measure and message. The size is every field (each
//! alias counts) and every fragment spread of the expanded query, introspection included,
//! reported with `QueryComplexity`'s message. graphql-php's `QueryComplexity` counts fields only
//! and leaves `__schema` out; we count more because validation work grows with what we count:
//! fragments could multiply an uncounted `__schema`, and `OverlappingFieldsCanBeMerged`
//! compares every pair of fragments spread side by side, even fragments that select nothing
//! but themselves.
//!
//! Each fragment is summarised once, in dependency order, with an explicit stack: a fragment
//! spread a million times, or a chain of thousands of fragments, costs no more than the text.
//! A spread back into a fragment still being summarised (a cycle, which `NoFragmentCycles`
//! reports) counts as empty.

use std::collections::HashMap;

use crate::graphql::ast::{Definition, Document, FragmentDefinition, Selection, SelectionSet};
use crate::graphql::error::{GraphQLError, Location};
use crate::graphql::limits::{MAX_FIELDS, MAX_QUERY_DEPTH};
use crate::graphql::source::LineIndex;
use crate::graphql::validation::fragment_spreads;

/// What a selection set expands to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    /// Fields and fragment spreads.
    pub fields: u64,
    /// The deepest field that has a selection set, relative to the top (0); `None` if no field
    /// has one.
    pub depth: Option<u64>,
}

impl Size {
    fn add(&mut self, other: Size, at_depth: u64) {
        self.fields = self.fields.saturating_add(other.fields);
        if let Some(depth) = other.depth {
            self.record_depth(at_depth.saturating_add(depth));
        }
    }

    fn record_depth(&mut self, depth: u64) {
        self.depth = Some(self.depth.map_or(depth, |current| current.max(depth)));
    }

    /// graphql-php reports 0 for a query without nested selections.
    pub fn reported_depth(&self) -> u64 {
        self.depth.unwrap_or(0)
    }
}

enum State {
    InProgress,
    Done(Size),
}

/// The size of every fragment, each computed once.
pub fn fragment_sizes<'a>(
    fragments: &HashMap<&'a str, &'a FragmentDefinition>,
) -> HashMap<&'a str, Size> {
    let mut states: HashMap<&'a str, State> = HashMap::new();
    let mut names: Vec<&'a str> = fragments.keys().copied().collect();
    names.sort_unstable();
    for start in names {
        // (fragment, whether its dependencies have been scheduled)
        let mut stack = vec![(start, false)];
        while let Some((name, scheduled)) = stack.pop() {
            let Some(fragment) = fragments.get(name) else {
                continue;
            };
            match (states.get(name), scheduled) {
                (Some(State::Done(_)), _) | (Some(State::InProgress), false) => continue,
                (_, false) => {
                    states.insert(name, State::InProgress);
                    stack.push((name, true));
                    for spread in fragment_spreads(&fragment.selection_set) {
                        let target = spread.name.value.as_str();
                        if !states.contains_key(target) {
                            stack.push((target, false));
                        }
                    }
                }
                (_, true) => {
                    let size = measure(&fragment.selection_set, 0, &states);
                    states.insert(name, State::Done(size));
                }
            }
        }
    }
    states
        .into_iter()
        .filter_map(|(name, state)| match state {
            State::Done(size) => Some((name, size)),
            State::InProgress => None,
        })
        .collect()
}

/// Fields and depth of a selection set at `depth`, using the fragments measured so far.
fn measure(selection_set: &SelectionSet, depth: u64, fragments: &HashMap<&str, State>) -> Size {
    let mut size = Size::default();
    for selection in &selection_set.selections {
        match selection {
            Selection::Field(field) => {
                size.fields = size.fields.saturating_add(1);
                if let Some(nested) = &field.selection_set {
                    size.record_depth(depth);
                    let nested_size = measure(nested, depth.saturating_add(1), fragments);
                    size.add(nested_size, 0);
                }
            }
            Selection::InlineFragment(inline) => {
                let nested_size = measure(&inline.selection_set, depth, fragments);
                size.add(nested_size, 0);
            }
            Selection::FragmentSpread(spread) => {
                size.fields = size.fields.saturating_add(1);
                if let Some(State::Done(fragment)) = fragments.get(spread.name.value.as_str()) {
                    size.add(*fragment, depth);
                }
            }
        }
    }
    size
}

/// The limit errors of a document (empty if it is within limits): one per limit an operation
/// exceeds (without locations, as graphql-php reports them) or, when no operation does, those
/// of the first fragment definition that does (located at it). Reporting every oversized
/// fragment would let a document produce thousands of errors.
pub fn check(document: &Document, lines: &LineIndex<'_>) -> Vec<GraphQLError> {
    let fragments = document.fragments_by_name();
    let sizes = fragment_sizes(&fragments);
    let done: HashMap<&str, State> = sizes
        .iter()
        .map(|(name, size)| (*name, State::Done(*size)))
        .collect();
    let mut errors = Vec::new();
    for definition in &document.definitions {
        if let Definition::Operation(operation) = definition {
            let size = measure(&operation.selection_set, 0, &done);
            errors.extend(limit_errors(size, Vec::new()));
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    for definition in &document.definitions {
        if let Definition::Fragment(fragment) = definition {
            let size = measure(&fragment.selection_set, 0, &done);
            let fragment_errors = limit_errors(size, vec![lines.location(fragment.loc)]);
            if !fragment_errors.is_empty() {
                return fragment_errors;
            }
        }
    }
    errors
}

fn limit_errors(size: Size, locations: Vec<Location>) -> Vec<GraphQLError> {
    let mut errors = Vec::new();
    if size.reported_depth() > MAX_QUERY_DEPTH {
        errors.push(GraphQLError::new(
            format!(
                "Max query depth should be {MAX_QUERY_DEPTH} but got {}.",
                size.reported_depth()
            ),
            locations.clone(),
        ));
    }
    if size.fields > MAX_FIELDS {
        errors.push(GraphQLError::new(
            format!(
                "Max query complexity should be {MAX_FIELDS} but got {}.",
                size.fields
            ),
            locations,
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::parser::parse;

    fn messages(query: &str) -> Vec<String> {
        let document = parse(query).unwrap();
        check(&document, &LineIndex::new(query))
            .into_iter()
            .map(|error| error.message)
            .collect()
    }

    fn size_of_first_operation(query: &str) -> Size {
        let document = parse(query).unwrap();
        let fragments = document.fragments_by_name();
        let done: HashMap<&str, State> = fragment_sizes(&fragments)
            .into_iter()
            .map(|(name, size)| (name, State::Done(size)))
            .collect();
        let Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        measure(&operation.selection_set, 0, &done)
    }

    #[test]
    fn counts_fields_and_graphql_php_depth() {
        let size = size_of_first_operation(
            "{ customer { email custom_attributes { code } } a: customer { ...F } } fragment F on Customer { id firstname }",
        );
        // 5 fields, 1 spread, and the fragment's 2 fields.
        assert_eq!(
            size,
            Size {
                fields: 8,
                depth: Some(1)
            }
        );
        // No field with a selection set: depth 0, as graphql-php reports it.
        assert_eq!(
            size_of_first_operation("{ __typename }").reported_depth(),
            0
        );
    }

    #[test]
    fn depth_counts_through_fragments() {
        let size = size_of_first_operation(
            "{ customer { ...A } } fragment A on Customer { custom_attributes { ...B } } fragment B on AttributeValue { code }",
        );
        assert_eq!(size.depth, Some(1));
    }

    #[test]
    fn too_deep_queries_are_refused() {
        // __schema is at depth 0, types 1, fields 2, type 3, then one level per ofType.
        let nested = |of_types: usize| {
            format!(
                "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
                "ofType { ".repeat(of_types),
                " }".repeat(of_types)
            )
        };
        assert!(messages(&nested(12)).is_empty());
        assert_eq!(
            messages(&nested(13)),
            vec!["Max query depth should be 15 but got 16.".to_owned()]
        );
    }

    #[test]
    fn exponential_fragment_spreading_is_counted_not_expanded() {
        // Each fragment spreads the next twice: customer, 2^41 - 1 spreads and 2^40 emails, measured in
        // linear time.
        let mut query = String::from("{ customer { ...F0 } }\n");
        for index in 0..40 {
            query.push_str(&format!(
                "fragment F{index} on Customer {{ ...F{next} ...F{next} }}\n",
                next = index + 1
            ));
        }
        query.push_str("fragment F40 on Customer { email }\n");
        let errors = messages(&query);
        assert_eq!(
            errors[0],
            "Max query complexity should be 500 but got 3298534883328."
        );
    }

    #[test]
    fn cycles_and_unknown_fragments_do_not_loop() {
        let query = "{ customer { ...A ...Missing } } fragment A on Customer { email ...B } fragment B on Customer { ...A }";
        // customer; the spread of A with A's email and spread of B, whose spread back into A
        // counts once but expands to nothing; the spread of Missing.
        assert_eq!(size_of_first_operation(query).fields, 6);
        assert!(messages(query).is_empty());
    }

    #[test]
    fn long_fragment_chains_are_measured_iteratively() {
        let mut query = String::from("{ customer { ...F0 } }\n");
        for index in 0..3000 {
            query.push_str(&format!(
                "fragment F{index} on Customer {{ ...F{} }}\n",
                index + 1
            ));
        }
        query.push_str("fragment F3000 on Customer { email }\n");
        // customer, 3001 spreads, email.
        assert_eq!(size_of_first_operation(&query).fields, 3003);
    }

    #[test]
    fn only_the_first_oversized_fragment_is_reported() {
        let fields = "email ".repeat(501);
        let query = format!(
            "{{ __typename }}\nfragment A on Customer {{ {fields} }}\nfragment B on Customer {{ {fields} }}"
        );
        let document = parse(&query).unwrap();
        let errors = check(&document, &LineIndex::new(&query));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].locations[0].line, 2);
    }

    #[test]
    fn oversized_fragments_are_refused_even_unused() {
        let fields = "email ".repeat(501);
        let query = format!("{{ __typename }}\nfragment Big on Customer {{ {fields} }}");
        let document = parse(&query).unwrap();
        let errors = check(&document, &LineIndex::new(&query));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "Max query complexity should be 500 but got 501."
        );
        assert_eq!(errors[0].locations[0].line, 2);
    }
}
