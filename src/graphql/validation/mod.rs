//! Document validation: graphql-php v15's default rules, run the way graphql-php runs them (one
//! traversal, every rule visiting each node in turn, so errors come out in the same order),
//! preceded by our size limits and followed by our single-exchange rule.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::ast::*;
use super::error::GraphQLError;
use super::limits::MAX_VALIDATION_ERRORS;
use super::schema::Ty;
use super::source::LineIndex;
use super::type_info::TypeInfo;
use super::visit::{Flow, NodeId, NodeRef, Visitor, walk};

mod executable_definitions;
mod fields_on_correct_type;
mod fragments_on_composite_types;
mod known_argument_names;
mod known_directives;
mod known_fragment_names;
mod known_type_names;
mod lone_anonymous_operation;
mod no_fragment_cycles;
mod no_undefined_variables;
mod no_unused_fragments;
mod no_unused_variables;
mod overlapping_fields_can_be_merged;
mod possible_fragment_spreads;
mod provided_required_arguments;
pub mod query_limits;
mod scalar_leafs;
mod single_exchange;
mod unique_argument_names;
mod unique_directives_per_location;
mod unique_fragment_names;
mod unique_input_field_names;
mod unique_operation_names;
mod unique_variable_names;
mod values_of_correct_type;
mod variables_are_input_types;
mod variables_in_allowed_position;

/// One validation rule: called on entering and leaving every node it has not skipped.
pub trait Rule<'a> {
    fn enter(
        &mut self,
        _cx: &mut ValidationContext<'a>,
        _info: &TypeInfo,
        _node: NodeRef<'a>,
    ) -> Flow {
        Flow::Continue
    }

    fn leave(&mut self, _cx: &mut ValidationContext<'a>, _info: &TypeInfo, _node: NodeRef<'a>) {}
}

/// The rules in graphql-php's order (`DocumentValidator::defaultRules`), then ours.
/// `SingleFieldSubscription` and `OneOfInputObjectsRule` are left out: the schema has neither
/// a subscription type nor a oneOf input, so they can never report anything.
fn all_rules<'a>() -> Vec<Box<dyn Rule<'a> + 'a>> {
    vec![
        Box::new(executable_definitions::ExecutableDefinitions),
        Box::new(unique_operation_names::UniqueOperationNames::default()),
        Box::new(lone_anonymous_operation::LoneAnonymousOperation::default()),
        Box::new(known_type_names::KnownTypeNames::default()),
        Box::new(fragments_on_composite_types::FragmentsOnCompositeTypes),
        Box::new(variables_are_input_types::VariablesAreInputTypes),
        Box::new(scalar_leafs::ScalarLeafs),
        Box::new(fields_on_correct_type::FieldsOnCorrectType),
        Box::new(unique_fragment_names::UniqueFragmentNames::default()),
        Box::new(known_fragment_names::KnownFragmentNames),
        Box::new(no_unused_fragments::NoUnusedFragments::default()),
        Box::new(possible_fragment_spreads::PossibleFragmentSpreads),
        Box::new(no_fragment_cycles::NoFragmentCycles::default()),
        Box::new(unique_variable_names::UniqueVariableNames::default()),
        Box::new(no_undefined_variables::NoUndefinedVariables::default()),
        Box::new(no_unused_variables::NoUnusedVariables::default()),
        Box::new(known_directives::KnownDirectives::default()),
        Box::new(unique_directives_per_location::UniqueDirectivesPerLocation),
        Box::new(known_argument_names::KnownArgumentNames),
        Box::new(unique_argument_names::UniqueArgumentNames::default()),
        Box::new(values_of_correct_type::ValuesOfCorrectType),
        Box::new(provided_required_arguments::ProvidedRequiredArguments),
        Box::new(variables_in_allowed_position::VariablesInAllowedPosition::default()),
        Box::new(overlapping_fields_can_be_merged::OverlappingFieldsCanBeMerged::default()),
        Box::new(unique_input_field_names::UniqueInputFieldNames::default()),
        Box::new(single_exchange::SingleExchange),
    ]
}

/// Validates the document. The size limits run first, alone: rules that expand fragments are
/// only safe to run on a document that passed them.
pub fn validate(document: &Document, lines: &LineIndex<'_>) -> Vec<GraphQLError> {
    let limit_errors = query_limits::check(document, lines);
    if !limit_errors.is_empty() {
        return limit_errors;
    }
    run_rules(document, lines, all_rules())
}

fn run_rules<'a>(
    document: &'a Document,
    lines: &'a LineIndex<'a>,
    rules: Vec<Box<dyn Rule<'a> + 'a>>,
) -> Vec<GraphQLError> {
    let skipping = vec![None; rules.len()];
    let mut parallel = ParallelRules {
        cx: ValidationContext::new(document, lines),
        rules,
        skipping,
    };
    walk(
        NodeRef::Document(document),
        &mut TypeInfo::new(),
        &mut parallel,
    );
    parallel.cx.errors
}

/// `Visitor::visitInParallel`: each rule sees every node unless it skipped an ancestor.
struct ParallelRules<'a> {
    cx: ValidationContext<'a>,
    rules: Vec<Box<dyn Rule<'a> + 'a>>,
    skipping: Vec<Option<NodeId>>,
}

impl<'a> Visitor<'a> for ParallelRules<'a> {
    fn enter(&mut self, info: &TypeInfo, node: NodeRef<'a>) -> Flow {
        if self.cx.is_full() {
            return Flow::Skip;
        }
        for (rule, skipping) in self.rules.iter_mut().zip(self.skipping.iter_mut()) {
            if skipping.is_none() && rule.enter(&mut self.cx, info, node) == Flow::Skip {
                *skipping = Some(node.id());
            }
        }
        Flow::Continue
    }

    fn leave(&mut self, info: &TypeInfo, node: NodeRef<'a>) {
        if self.cx.is_full() {
            return;
        }
        for (rule, skipping) in self.rules.iter_mut().zip(self.skipping.iter_mut()) {
            match skipping {
                None => rule.leave(&mut self.cx, info, node),
                Some(id) if *id == node.id() => *skipping = None,
                Some(_) => {}
            }
        }
    }
}

/// A variable used somewhere in an operation (or a fragment it spreads).
#[derive(Debug, Clone)]
pub struct VariableUsage<'a> {
    pub variable: &'a Variable,
    /// The input type expected where it is used, if known.
    pub ty: Option<Ty>,
    /// Whether that position has a default value.
    pub has_location_default: bool,
}

/// What rules share: the document, the errors so far, and cached facts about the document
/// (`QueryValidationContext`).
pub struct ValidationContext<'a> {
    lines: &'a LineIndex<'a>,
    errors: Vec<GraphQLError>,
    fragments: HashMap<&'a str, &'a FragmentDefinition>,
    variable_usages: HashMap<usize, Rc<Vec<VariableUsage<'a>>>>,
}

impl<'a> ValidationContext<'a> {
    pub fn new(document: &'a Document, lines: &'a LineIndex<'a>) -> Self {
        ValidationContext {
            lines,
            errors: Vec::new(),
            fragments: document.fragments_by_name(),
            variable_usages: HashMap::new(),
        }
    }

    /// Reports an error located at the given node offsets. Past `MAX_VALIDATION_ERRORS` the
    /// report is replaced by one "Validation aborted." error and later ones are dropped.
    pub fn report(&mut self, message: impl Into<String>, offsets: &[usize]) {
        if self.is_full() {
            return;
        }
        if self.errors.len() == MAX_VALIDATION_ERRORS {
            self.errors.push(GraphQLError::new(
                "Too many validation errors, error limit reached. Validation aborted.",
                Vec::new(),
            ));
            return;
        }
        let locations = offsets
            .iter()
            .map(|&offset| self.lines.location(offset))
            .collect();
        self.errors.push(GraphQLError::new(message, locations));
    }

    /// Whether validation has given up after `MAX_VALIDATION_ERRORS` errors.
    pub fn is_full(&self) -> bool {
        self.errors.len() > MAX_VALIDATION_ERRORS
    }

    pub fn fragment(&self, name: &str) -> Option<&'a FragmentDefinition> {
        self.fragments.get(name).copied()
    }

    /// The fragments an operation spreads, directly or through other fragments
    /// (`getRecursivelyReferencedFragments`).
    pub fn recursively_referenced_fragments(
        &self,
        operation: &'a OperationDefinition,
    ) -> Vec<&'a FragmentDefinition> {
        let mut fragments = Vec::new();
        let mut collected: HashSet<&str> = HashSet::new();
        let mut to_visit = vec![&operation.selection_set];
        while let Some(selection_set) = to_visit.pop() {
            for spread in fragment_spreads(selection_set) {
                let name = spread.name.value.as_str();
                if !collected.insert(name) {
                    continue;
                }
                if let Some(fragment) = self.fragment(name) {
                    fragments.push(fragment);
                    to_visit.push(&fragment.selection_set);
                }
            }
        }
        fragments
    }

    /// Every variable the operation uses, with the type expected where it is used
    /// (`getRecursiveVariableUsages`), computed once per operation.
    pub fn recursive_variable_usages(
        &mut self,
        operation: &'a OperationDefinition,
    ) -> Rc<Vec<VariableUsage<'a>>> {
        if let Some(usages) = self.variable_usages.get(&operation.loc) {
            return Rc::clone(usages);
        }
        let mut usages = variable_usages(NodeRef::OperationDefinition(operation));
        for fragment in self.recursively_referenced_fragments(operation) {
            usages.extend(variable_usages(NodeRef::FragmentDefinition(fragment)));
        }
        let usages = Rc::new(usages);
        self.variable_usages
            .insert(operation.loc, Rc::clone(&usages));
        usages
    }
}

/// The fragment spreads in a selection set and everything below it, in graphql-php's order
/// (`getFragmentSpreads`, which walks nested selection sets last-in first-out).
pub fn fragment_spreads(selection_set: &SelectionSet) -> Vec<&FragmentSpread> {
    let mut spreads = Vec::new();
    let mut sets_to_visit = vec![selection_set];
    while let Some(set) = sets_to_visit.pop() {
        for selection in &set.selections {
            match selection {
                Selection::FragmentSpread(spread) => spreads.push(spread),
                Selection::Field(field) => {
                    if let Some(nested) = &field.selection_set {
                        sets_to_visit.push(nested);
                    }
                }
                Selection::InlineFragment(inline) => sets_to_visit.push(&inline.selection_set),
            }
        }
    }
    spreads
}

/// The variables used under one operation or fragment definition (`getVariableUsages`).
fn variable_usages(root: NodeRef<'_>) -> Vec<VariableUsage<'_>> {
    struct Collector<'a> {
        usages: Vec<VariableUsage<'a>>,
    }
    impl<'a> Visitor<'a> for Collector<'a> {
        fn enter(&mut self, info: &TypeInfo, node: NodeRef<'a>) -> Flow {
            match node {
                NodeRef::VariableDefinition(_) => return Flow::Skip,
                NodeRef::Value(ValueNode {
                    kind: ValueKind::Variable(variable),
                    ..
                }) => self.usages.push(VariableUsage {
                    variable,
                    ty: info.get_input_type().cloned(),
                    has_location_default: info.has_default_value(),
                }),
                _ => {}
            }
            Flow::Continue
        }
        fn leave(&mut self, _info: &TypeInfo, _node: NodeRef<'a>) {}
    }
    let mut collector = Collector { usages: Vec::new() };
    walk(root, &mut TypeInfo::new(), &mut collector);
    collector.usages
}

#[cfg(test)]
pub mod test_support {
    //! Runs one rule alone over a query, as graphql-php's rule tests do.

    use super::*;
    use crate::graphql::parser::parse;

    /// `(message, [(line, column)])` for every error the rule reports.
    pub type Reported = Vec<(String, Vec<(usize, usize)>)>;

    pub fn errors_of<R: for<'a> Rule<'a> + 'static>(rule: R, query: &str) -> Reported {
        let document = parse(query).expect("test query must parse");
        let lines = LineIndex::new(query);
        reported(run_rules(&document, &lines, vec![Box::new(rule)]))
    }

    pub fn reported(errors: Vec<GraphQLError>) -> Reported {
        errors
            .into_iter()
            .map(|error| {
                let locations = error
                    .locations
                    .iter()
                    .map(|location| (location.line, location.column))
                    .collect();
                (error.message, locations)
            })
            .collect()
    }

    /// Shorthand for one expected error.
    pub fn error(message: &str, locations: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
        (message.to_owned(), locations.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::parser::parse;

    fn messages(query: &str) -> Vec<String> {
        let document = parse(query).unwrap();
        let lines = LineIndex::new(query);
        validate(&document, &lines)
            .into_iter()
            .map(|error| error.message)
            .collect()
    }

    #[test]
    fn validation_stops_after_the_error_limit() {
        let fields: Vec<String> = (0..150).map(|i| format!("f{i}: nope")).collect();
        let messages = messages(&format!("{{ {} }}", fields.join(" ")));
        assert_eq!(messages.len(), MAX_VALIDATION_ERRORS + 1);
        assert_eq!(
            messages.last().unwrap(),
            "Too many validation errors, error limit reached. Validation aborted."
        );
        assert!(messages[0].starts_with("Cannot query field \"nope\" on type \"Query\"."));
    }

    #[test]
    fn a_flood_of_field_conflicts_is_cut_at_the_error_limit() {
        // Found by the benchmark's pathological documents: one alias with 250 different
        // arguments asked for 31,125 conflict messages per operation.
        let fields: Vec<String> = (0..250)
            .map(|i| format!("t: __type(name: \"T{i}\") {{ name }}"))
            .collect();
        let messages = messages(&format!("{{ {} }}", fields.join(" ")));
        assert_eq!(messages.len(), MAX_VALIDATION_ERRORS + 1);
        assert!(
            messages[0].starts_with("Fields \"t\" conflict because they have differing arguments.")
        );
    }

    #[test]
    fn fewer_errors_than_the_limit_are_all_reported() {
        let fields: Vec<String> = (0..MAX_VALIDATION_ERRORS)
            .map(|i| format!("f{i}: nope"))
            .collect();
        assert_eq!(
            messages(&format!("{{ {} }}", fields.join(" "))).len(),
            MAX_VALIDATION_ERRORS
        );
    }
}
