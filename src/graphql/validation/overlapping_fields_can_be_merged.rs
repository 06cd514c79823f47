//! `OverlappingFieldsCanBeMerged`: fields that land on the same response key must be the same
//! field with the same arguments, and of compatible types, recursively.
//!
//! This follows graphql-php's algorithm (fields within a selection set, against the fragments
//! it spreads, and fragments against each other, each fragment pair compared once per
//! document), with its comparison cap. Where graphql-php recurses along chains of fragments,
//! this walks them with an explicit stack, so no chain of fragments can exhaust the call stack;
//! recursion only follows field nesting, which the query limits bound.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::{Rule, ValidationContext};
use crate::graphql::ast::{Argument, Field, FragmentDefinition, Selection, SelectionSet};
use crate::graphql::limits::{MAX_FIELD_COMPARISONS, MAX_QUERY_DEPTH, MAX_VALIDATION_ERRORS};
use crate::graphql::printer::print_value;
use crate::graphql::schema::{FieldDef, NamedType, Ty, named_type};
use crate::graphql::type_info::TypeInfo;
use crate::graphql::visit::{Flow, NodeRef};

/// A field as it appears in a selection set, with the type it was selected on.
#[derive(Clone, Copy)]
struct FieldEntry<'a> {
    parent: Option<&'static NamedType>,
    field: &'a Field,
    definition: Option<&'static FieldDef>,
}

/// Fields by response key, keys in order of first appearance.
#[derive(Default)]
struct FieldMap<'a> {
    keys: Vec<&'a str>,
    fields: HashMap<&'a str, Vec<FieldEntry<'a>>>,
}

impl<'a> FieldMap<'a> {
    fn add(&mut self, key: &'a str, entry: FieldEntry<'a>) {
        self.fields
            .entry(key)
            .or_insert_with(|| {
                self.keys.push(key);
                Vec::new()
            })
            .push(entry);
    }

    fn get(&self, key: &str) -> &[FieldEntry<'a>] {
        self.fields.get(key).map_or(&[], Vec::as_slice)
    }

    fn iter(&self) -> impl Iterator<Item = (&'a str, &[FieldEntry<'a>])> + '_ {
        self.keys.iter().map(|key| (*key, self.get(key)))
    }

    fn is_same(&self, other: &FieldMap<'a>) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The fields of a selection set (inline fragments included) and the fragments it spreads.
struct FieldsAndFragments<'a> {
    fields: FieldMap<'a>,
    fragment_names: Vec<&'a str>,
}

enum Reason {
    Message(String),
    Subfields(Vec<(String, Reason)>),
}

impl Reason {
    fn describe(&self) -> String {
        match self {
            Reason::Message(message) => message.clone(),
            Reason::Subfields(reasons) => reasons
                .iter()
                .map(|(key, reason)| {
                    format!("subfields \"{key}\" conflict because {}", reason.describe())
                })
                .collect::<Vec<_>>()
                .join(" and "),
        }
    }
}

struct Conflict<'a> {
    response_key: String,
    reason: Reason,
    fields1: Vec<&'a Field>,
    fields2: Vec<&'a Field>,
}

#[derive(Default)]
pub struct OverlappingFieldsCanBeMerged<'a> {
    comparisons: u64,
    /// `find_conflict` calls under way that are comparing sub-selections.
    depth: u64,
    /// Fragment pairs already compared, with whether they were mutually exclusive.
    compared_fragment_pairs: HashSet<(&'a str, &'a str, bool)>,
    cache: HashMap<usize, Rc<FieldsAndFragments<'a>>>,
}

impl<'a> OverlappingFieldsCanBeMerged<'a> {
    /// Past the comparison cap nothing more is compared.
    fn exhausted(&self) -> bool {
        self.comparisons > MAX_FIELD_COMPARISONS
    }

    fn fields_and_fragment_names(
        &mut self,
        parent: Option<&'static NamedType>,
        selection_set: &'a SelectionSet,
    ) -> Rc<FieldsAndFragments<'a>> {
        let key = selection_set as *const SelectionSet as usize;
        if let Some(cached) = self.cache.get(&key) {
            return Rc::clone(cached);
        }
        let mut collected = FieldsAndFragments {
            fields: FieldMap::default(),
            fragment_names: Vec::new(),
        };
        collect_fields(parent, selection_set, &mut collected);
        let collected = Rc::new(collected);
        self.cache.insert(key, Rc::clone(&collected));
        collected
    }

    fn referenced_fields_and_fragment_names(
        &mut self,
        fragment: &'a FragmentDefinition,
    ) -> Rc<FieldsAndFragments<'a>> {
        let parent = named_type(&fragment.type_condition.value);
        self.fields_and_fragment_names(parent, &fragment.selection_set)
    }

    fn find_conflicts_within_selection_set(
        &mut self,
        cx: &ValidationContext<'a>,
        parent: Option<&'static NamedType>,
        selection_set: &'a SelectionSet,
    ) -> Vec<Conflict<'a>> {
        let own = self.fields_and_fragment_names(parent, selection_set);
        let mut conflicts = Vec::new();
        self.collect_conflicts_within(cx, &mut conflicts, &own.fields);
        let mut compared_fragments = HashSet::new();
        for (index, first) in own.fragment_names.iter().enumerate() {
            self.collect_conflicts_between_fields_and_fragment(
                cx,
                &mut conflicts,
                &mut compared_fragments,
                false,
                &own.fields,
                first,
            );
            for second in own.fragment_names.iter().skip(index + 1) {
                self.collect_conflicts_between_fragments(cx, &mut conflicts, false, first, second);
            }
        }
        conflicts
    }

    fn collect_conflicts_within(
        &mut self,
        cx: &ValidationContext<'a>,
        conflicts: &mut Vec<Conflict<'a>>,
        fields: &FieldMap<'a>,
    ) {
        for (key, entries) in fields.iter() {
            if entries.len() < 2 {
                continue;
            }
            let entries = deduplicate(entries);
            for (index, first) in entries.iter().enumerate() {
                for second in entries.iter().skip(index + 1) {
                    // More could not be reported anyway (see `MAX_VALIDATION_ERRORS`).
                    if conflicts.len() > MAX_VALIDATION_ERRORS {
                        return;
                    }
                    if let Some(conflict) = self.find_conflict(cx, false, key, first, second) {
                        conflicts.push(conflict);
                    }
                }
            }
        }
    }

    /// Compares `fields` with the fields of `fragment_name` and of every fragment it spreads
    /// (each fragment once per `compared_fragments`).
    fn collect_conflicts_between_fields_and_fragment(
        &mut self,
        cx: &ValidationContext<'a>,
        conflicts: &mut Vec<Conflict<'a>>,
        compared_fragments: &mut HashSet<&'a str>,
        mutually_exclusive: bool,
        fields: &FieldMap<'a>,
        fragment_name: &'a str,
    ) {
        let mut pending = vec![fragment_name];
        while let Some(name) = pending.pop() {
            if self.exhausted() || !compared_fragments.insert(name) {
                continue;
            }
            let Some(fragment) = cx.fragment(name) else {
                continue;
            };
            let referenced = self.referenced_fields_and_fragment_names(fragment);
            if fields.is_same(&referenced.fields) {
                continue;
            }
            self.collect_conflicts_between(
                cx,
                conflicts,
                mutually_exclusive,
                fields,
                &referenced.fields,
            );
            pending.extend(referenced.fragment_names.iter().rev());
        }
    }

    /// Compares two fragments, and every fragment either spreads with the other.
    fn collect_conflicts_between_fragments(
        &mut self,
        cx: &ValidationContext<'a>,
        conflicts: &mut Vec<Conflict<'a>>,
        mutually_exclusive: bool,
        first: &'a str,
        second: &'a str,
    ) {
        let mut pending = vec![(first, second)];
        while let Some((first, second)) = pending.pop() {
            if first == second || self.exhausted() {
                continue;
            }
            let pair = if first < second {
                (first, second, mutually_exclusive)
            } else {
                (second, first, mutually_exclusive)
            };
            if !self.compared_fragment_pairs.insert(pair) {
                continue;
            }
            let (Some(fragment1), Some(fragment2)) = (cx.fragment(first), cx.fragment(second))
            else {
                continue;
            };
            let referenced1 = self.referenced_fields_and_fragment_names(fragment1);
            let referenced2 = self.referenced_fields_and_fragment_names(fragment2);
            self.collect_conflicts_between(
                cx,
                conflicts,
                mutually_exclusive,
                &referenced1.fields,
                &referenced2.fields,
            );
            // graphql-php recurses into (first, each of second's) and then (each of first's,
            // second); pushed in reverse so they are taken in that order.
            for name in referenced1.fragment_names.iter().rev() {
                pending.push((name, second));
            }
            for name in referenced2.fragment_names.iter().rev() {
                pending.push((first, name));
            }
        }
    }

    fn collect_conflicts_between(
        &mut self,
        cx: &ValidationContext<'a>,
        conflicts: &mut Vec<Conflict<'a>>,
        mutually_exclusive: bool,
        fields1: &FieldMap<'a>,
        fields2: &FieldMap<'a>,
    ) {
        for (key, entries1) in fields1.iter() {
            let entries2 = fields2.get(key);
            for first in entries1 {
                for second in entries2 {
                    if let Some(conflict) =
                        self.find_conflict(cx, mutually_exclusive, key, first, second)
                    {
                        conflicts.push(conflict);
                    }
                }
            }
        }
    }

    fn find_conflict(
        &mut self,
        cx: &ValidationContext<'a>,
        parents_mutually_exclusive: bool,
        key: &str,
        first: &FieldEntry<'a>,
        second: &FieldEntry<'a>,
    ) -> Option<Conflict<'a>> {
        let conflict = |reason: String| Conflict {
            response_key: key.to_owned(),
            reason: Reason::Message(reason),
            fields1: vec![first.field],
            fields2: vec![second.field],
        };
        // graphql-php reports every comparison past its cap as a conflict; we report the first
        // one and then stop comparing, so the error list stays short too.
        if self.comparisons > MAX_FIELD_COMPARISONS {
            return None;
        }
        self.comparisons += 1;
        if self.comparisons > MAX_FIELD_COMPARISONS {
            return Some(conflict(
                "Too many field comparisons, query is too complex to validate".to_owned(),
            ));
        }
        // Different object types can never both apply, so such fields may differ.
        let mutually_exclusive = parents_mutually_exclusive
            || match (first.parent, second.parent) {
                (Some(a), Some(b)) => !a.same(b) && a.is_object() && b.is_object(),
                _ => false,
            };
        let type1 = first.definition.map(|def| Ty::of(&def.ty));
        let type2 = second.definition.map(|def| Ty::of(&def.ty));
        if !mutually_exclusive {
            let (name1, name2) = (&first.field.name.value, &second.field.name.value);
            if name1 != name2 {
                return Some(conflict(format!(
                    "{name1} and {name2} are different fields"
                )));
            }
            if !same_arguments(&first.field.arguments, &second.field.arguments) {
                return Some(conflict("they have differing arguments".to_owned()));
            }
        }
        if let (Some(type1), Some(type2)) = (&type1, &type2)
            && types_conflict(type1, type2)
        {
            return Some(conflict(format!(
                "they return conflicting types {type1} and {type2}"
            )));
        }
        let (Some(set1), Some(set2)) = (&first.field.selection_set, &second.field.selection_set)
        else {
            return None;
        };
        // Within the query limits this nests at most `MAX_QUERY_DEPTH` deep; only a fragment
        // cycle through a field (`NoFragmentCycles` reports it) goes deeper, without end.
        if self.depth > MAX_QUERY_DEPTH {
            return None;
        }
        self.depth += 1;
        let sub_conflicts = self.find_conflicts_between_sub_selection_sets(
            cx,
            mutually_exclusive,
            type1.as_ref().map(Ty::named),
            set1,
            type2.as_ref().map(Ty::named),
            set2,
        );
        self.depth -= 1;
        if sub_conflicts.is_empty() {
            return None;
        }
        let mut fields1 = vec![first.field];
        let mut fields2 = vec![second.field];
        let mut reasons = Vec::new();
        for sub in sub_conflicts {
            fields1.extend(sub.fields1);
            fields2.extend(sub.fields2);
            reasons.push((sub.response_key, sub.reason));
        }
        Some(Conflict {
            response_key: key.to_owned(),
            reason: Reason::Subfields(reasons),
            fields1,
            fields2,
        })
    }

    fn find_conflicts_between_sub_selection_sets(
        &mut self,
        cx: &ValidationContext<'a>,
        mutually_exclusive: bool,
        parent1: Option<&'static NamedType>,
        set1: &'a SelectionSet,
        parent2: Option<&'static NamedType>,
        set2: &'a SelectionSet,
    ) -> Vec<Conflict<'a>> {
        let own1 = self.fields_and_fragment_names(parent1, set1);
        let own2 = self.fields_and_fragment_names(parent2, set2);
        let mut conflicts = Vec::new();
        self.collect_conflicts_between(
            cx,
            &mut conflicts,
            mutually_exclusive,
            &own1.fields,
            &own2.fields,
        );
        let mut compared = HashSet::new();
        for name in &own2.fragment_names {
            self.collect_conflicts_between_fields_and_fragment(
                cx,
                &mut conflicts,
                &mut compared,
                mutually_exclusive,
                &own1.fields,
                name,
            );
        }
        let mut compared = HashSet::new();
        for name in &own1.fragment_names {
            self.collect_conflicts_between_fields_and_fragment(
                cx,
                &mut conflicts,
                &mut compared,
                mutually_exclusive,
                &own2.fields,
                name,
            );
        }
        for name1 in &own1.fragment_names {
            for name2 in &own2.fragment_names {
                self.collect_conflicts_between_fragments(
                    cx,
                    &mut conflicts,
                    mutually_exclusive,
                    name1,
                    name2,
                );
            }
        }
        conflicts
    }
}

/// Fields of a selection set, descending into inline fragments (whose recursion follows the
/// document's nesting); spread fragments are only named.
fn collect_fields<'a>(
    parent: Option<&'static NamedType>,
    selection_set: &'a SelectionSet,
    collected: &mut FieldsAndFragments<'a>,
) {
    for selection in &selection_set.selections {
        match selection {
            Selection::Field(field) => {
                // Like graphql-php's `hasField`, meta fields (`__typename`, ...) have no
                // definition here.
                let definition = parent
                    .filter(|parent| parent.is_composite())
                    .and_then(|parent| parent.field(&field.name.value));
                collected.fields.add(
                    field.response_key(),
                    FieldEntry {
                        parent,
                        field,
                        definition,
                    },
                );
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.name.value.as_str();
                if !collected.fragment_names.contains(&name) {
                    collected.fragment_names.push(name);
                }
            }
            Selection::InlineFragment(inline) => {
                let inline_parent = match &inline.type_condition {
                    Some(condition) => named_type(&condition.value),
                    None => parent,
                };
                collect_fields(inline_parent, &inline.selection_set, collected);
            }
        }
    }
}

/// Drops fields that are structurally the same (same parent, name, selection set node and
/// arguments), as graphql-php does before comparing a response key's fields pairwise.
fn deduplicate<'a>(entries: &[FieldEntry<'a>]) -> Vec<FieldEntry<'a>> {
    let mut seen = HashSet::new();
    let mut unique = Vec::new();
    for entry in entries {
        let mut fingerprint = format!(
            "{}:{}:{}",
            entry.parent.map_or("", |parent| parent.name),
            entry.field.name.value,
            entry
                .field
                .selection_set
                .as_ref()
                .map_or(0, |set| set as *const SelectionSet as usize)
        );
        for argument in &entry.field.arguments {
            fingerprint.push_str(&format!(
                ":{}={}",
                argument.name.value,
                print_value(&argument.value)
            ));
        }
        if seen.insert(fingerprint) {
            unique.push(*entry);
        }
    }
    unique
}

fn same_arguments(first: &[Argument], second: &[Argument]) -> bool {
    first.len() == second.len()
        && first.iter().all(|argument1| {
            second
                .iter()
                .find(|argument2| argument2.name.value == argument1.name.value)
                .is_some_and(|argument2| {
                    print_value(&argument1.value) == print_value(&argument2.value)
                })
        })
}

/// `doTypesConflict`: list against non-list, non-null against nullable, or different leaves.
fn types_conflict(type1: &Ty, type2: &Ty) -> bool {
    match (type1, type2) {
        (Ty::List(item1), Ty::List(item2)) => types_conflict(item1, item2),
        (Ty::List(_), _) | (_, Ty::List(_)) => true,
        (Ty::NonNull(inner1), Ty::NonNull(inner2)) => types_conflict(inner1, inner2),
        (Ty::NonNull(_), _) | (_, Ty::NonNull(_)) => true,
        (Ty::Named(named1), Ty::Named(named2)) => {
            (named1.is_leaf() || named2.is_leaf()) && !named1.same(named2)
        }
    }
}

impl<'a> Rule<'a> for OverlappingFieldsCanBeMerged<'a> {
    fn enter(
        &mut self,
        cx: &mut ValidationContext<'a>,
        info: &TypeInfo,
        node: NodeRef<'a>,
    ) -> Flow {
        if let NodeRef::SelectionSet(selection_set) = node {
            let conflicts =
                self.find_conflicts_within_selection_set(cx, info.get_parent_type(), selection_set);
            for conflict in conflicts {
                let locations: Vec<usize> = conflict
                    .fields1
                    .iter()
                    .chain(conflict.fields2.iter())
                    .map(|field| field.loc)
                    .collect();
                cx.report(
                    format!(
                        "Fields \"{}\" conflict because {}. Use different aliases on the fields to fetch both if this was intentional.",
                        conflict.response_key,
                        conflict.reason.describe()
                    ),
                    &locations,
                );
            }
        }
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::parser::parse;
    use crate::graphql::source::LineIndex;
    use crate::graphql::validation::run_rules;
    use crate::graphql::validation::test_support::{Reported, error, reported};

    fn conflicts(query: &str) -> Reported {
        let document = parse(query).unwrap();
        let lines = LineIndex::new(query);
        reported(run_rules(
            &document,
            &lines,
            vec![Box::new(OverlappingFieldsCanBeMerged::default())],
        ))
    }

    #[test]
    fn comparisons_stop_at_the_cap_with_one_error() {
        let rule = OverlappingFieldsCanBeMerged {
            comparisons: MAX_FIELD_COMPARISONS,
            ..OverlappingFieldsCanBeMerged::default()
        };
        // The first comparison goes over the cap and is reported; the others are not made.
        let query = "{ a: __typename a: __schema { description } a: __type(name: \"x\") { name } }";
        let document = parse(query).unwrap();
        let lines = LineIndex::new(query);
        let errors = reported(run_rules(&document, &lines, vec![Box::new(rule)]));
        assert_eq!(
            errors,
            vec![error(
                "Fields \"a\" conflict because Too many field comparisons, query is too complex to validate. Use different aliases on the fields to fetch both if this was intentional.",
                &[(1, 3), (1, 17)]
            )]
        );
    }

    #[test]
    fn identical_and_differently_aliased_fields_pass() {
        let query = "{ customer { email email e: email f: firstname ...F } } fragment F on Customer { email e: email }";
        assert!(conflicts(query).is_empty());
    }

    #[test]
    fn an_alias_hiding_another_field_conflicts() {
        let query = "{ customer {\n  name: firstname\n  name: lastname\n} }";
        assert_eq!(
            conflicts(query),
            vec![error(
                "Fields \"name\" conflict because firstname and lastname are different fields. Use different aliases on the fields to fetch both if this was intentional.",
                &[(2, 3), (3, 3)]
            )]
        );
    }

    #[test]
    fn differing_arguments_conflict() {
        let query = "{\n  __type(name: \"A\") { name }\n  __type(name: \"B\") { name }\n}";
        assert_eq!(
            conflicts(query),
            vec![error(
                "Fields \"__type\" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.",
                &[(2, 3), (3, 3)]
            )]
        );
    }

    #[test]
    fn conflicts_with_fragments_are_found() {
        let query =
            "{ customer {\n  x: email\n  ...F\n} }\nfragment F on Customer {\n  x: firstname\n}";
        assert_eq!(
            conflicts(query),
            vec![error(
                "Fields \"x\" conflict because email and firstname are different fields. Use different aliases on the fields to fetch both if this was intentional.",
                &[(2, 3), (6, 3)]
            )]
        );
    }

    #[test]
    fn subfield_conflicts_are_reported_on_the_parent() {
        let query = "{\n  customer { x: email }\n  customer { x: lastname }\n}";
        assert_eq!(
            conflicts(query),
            vec![error(
                "Fields \"customer\" conflict because subfields \"x\" conflict because email and lastname are different fields. Use different aliases on the fields to fetch both if this was intentional.",
                &[(2, 3), (2, 14), (3, 3), (3, 14)]
            )]
        );
    }

    #[test]
    fn fields_of_different_object_types_may_differ_but_not_in_type() {
        let query = "{ customer {\n  ... on Customer { v: email }\n  ... on AttributeValue { v: code }\n} }";
        assert_eq!(
            conflicts(query),
            vec![error(
                "Fields \"v\" conflict because they return conflicting types String and ID!. Use different aliases on the fields to fetch both if this was intentional.",
                &[(2, 21), (3, 27)]
            )]
        );
    }

    /// Found by fuzzing: a fragment spread inside one of its own fields recursed without end.
    #[test]
    fn a_fragment_cycle_through_a_field_does_not_recurse_forever() {
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                for query in [
                    "fragment F1 on y {Query{Query{...F1}...F1}}",
                    "{...A} fragment A on Query{customer{customer{...A}...A}}",
                ] {
                    conflicts(query);
                }
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
    }

    #[test]
    fn a_conflict_at_the_depth_limit_is_still_found() {
        let query = format!(
            "{{ {}x: b{} {}x: c{} }}",
            "a { ".repeat(16),
            " }".repeat(16),
            "a { ".repeat(16),
            " }".repeat(16)
        );
        assert!(format!("{:?}", conflicts(&query)).contains("b and c are different fields"));
    }
}
