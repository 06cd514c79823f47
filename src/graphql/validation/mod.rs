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

/// What a document may contain, from a scan of its text. A rule about a construct the document
/// does not contain can report nothing, so it is not run: a Bearer read's `{ customer { ... } }`
/// runs 13 of the 26 rules. The scan errs only one way (a `$` in a string counts as a
/// variable), which runs a rule that finds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Features {
    /// `$`: variable definitions or uses.
    variables: bool,
    /// `@`: directives.
    directives: bool,
    /// `...` or a fragment definition: spreads, inline fragments, fragments.
    fragments: bool,
}

impl Features {
    fn of(document: &Document, text: &str) -> Features {
        Features {
            variables: text.contains('$'),
            directives: text.contains('@'),
            fragments: text.contains("...")
                || document
                    .definitions
                    .iter()
                    .any(|definition| matches!(definition, Definition::Fragment(_))),
        }
    }
}

/// Which constructs a rule is about: it runs if the document may contain any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum About {
    Everything,
    Variables,
    Directives,
    Fragments,
}

impl About {
    fn applies(self, features: Features) -> bool {
        match self {
            About::Everything => true,
            About::Variables => features.variables,
            About::Directives => features.directives,
            About::Fragments => features.fragments,
        }
    }
}

/// Makes a rule: only the rules that apply to a document are made.
type MakeRule<'a> = fn() -> Box<dyn Rule<'a> + 'a>;

/// The rules in graphql-php's order (`DocumentValidator::defaultRules`), then ours, each with
/// what it is about. `SingleFieldSubscription` and `OneOfInputObjectsRule` are left out: the
/// schema has neither a subscription type nor a oneOf input, so they can never report anything.
fn all_rules<'a>() -> Vec<(About, MakeRule<'a>)> {
    use About::*;
    vec![
        (Everything, || {
            Box::new(executable_definitions::ExecutableDefinitions)
        }),
        (Everything, || {
            Box::new(unique_operation_names::UniqueOperationNames::default())
        }),
        (Everything, || {
            Box::new(lone_anonymous_operation::LoneAnonymousOperation::default())
        }),
        (Everything, || {
            Box::new(known_type_names::KnownTypeNames::default())
        }),
        (Fragments, || {
            Box::new(fragments_on_composite_types::FragmentsOnCompositeTypes)
        }),
        (Variables, || {
            Box::new(variables_are_input_types::VariablesAreInputTypes)
        }),
        (Everything, || Box::new(scalar_leafs::ScalarLeafs)),
        (Everything, || {
            Box::new(fields_on_correct_type::FieldsOnCorrectType)
        }),
        (Fragments, || {
            Box::new(unique_fragment_names::UniqueFragmentNames::default())
        }),
        (Fragments, || {
            Box::new(known_fragment_names::KnownFragmentNames)
        }),
        (Fragments, || {
            Box::new(no_unused_fragments::NoUnusedFragments::default())
        }),
        (Fragments, || {
            Box::new(possible_fragment_spreads::PossibleFragmentSpreads)
        }),
        (Fragments, || {
            Box::new(no_fragment_cycles::NoFragmentCycles::default())
        }),
        (Variables, || {
            Box::new(unique_variable_names::UniqueVariableNames::default())
        }),
        (Variables, || {
            Box::new(no_undefined_variables::NoUndefinedVariables::default())
        }),
        (Variables, || {
            Box::new(no_unused_variables::NoUnusedVariables::default())
        }),
        (Directives, || {
            Box::new(known_directives::KnownDirectives::default())
        }),
        (Directives, || {
            Box::new(unique_directives_per_location::UniqueDirectivesPerLocation)
        }),
        (Everything, || {
            Box::new(known_argument_names::KnownArgumentNames)
        }),
        (Everything, || {
            Box::new(unique_argument_names::UniqueArgumentNames::default())
        }),
        (Everything, || {
            Box::new(values_of_correct_type::ValuesOfCorrectType)
        }),
        (Everything, || {
            Box::new(provided_required_arguments::ProvidedRequiredArguments)
        }),
        (Variables, || {
            Box::new(variables_in_allowed_position::VariablesInAllowedPosition::default())
        }),
        (Everything, || {
            Box::new(overlapping_fields_can_be_merged::OverlappingFieldsCanBeMerged::default())
        }),
        (Everything, || {
            Box::new(unique_input_field_names::UniqueInputFieldNames::default())
        }),
        (Everything, || Box::new(single_exchange::SingleExchange)),
    ]
}

/// The rules that apply to `document` (source `text`).
fn rules_for<'a>(document: &Document, text: &str) -> Vec<Box<dyn Rule<'a> + 'a>> {
    let features = Features::of(document, text);
    all_rules()
        .into_iter()
        .filter(|(about, _)| about.applies(features))
        .map(|(_, make)| make())
        .collect()
}

/// Validates the document. The size limits run first, alone: rules that expand fragments are
/// only safe to run on a document that passed them.
pub fn validate(document: &Document, lines: &LineIndex<'_>) -> Vec<GraphQLError> {
    let limit_errors = query_limits::check(document, lines);
    if !limit_errors.is_empty() {
        return limit_errors;
    }
    run_rules(document, lines, rules_for(document, lines.text()))
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
    fn rules_left_out_for_absent_constructs_would_have_reported_nothing() {
        let documents = [
            "{ customer { email firstname } }",
            "query ($a: Int, $a: String, $unused: Customer) { customer { email(x: $b) } }",
            "query ($v: String) { __type(name: $v) { name } }",
            "query Q($id: Int) { customer { email } }",
            "{ customer @skip(if: true) @skip(if: false) @nope { email } }",
            "query @include(if: true) { __typename }",
            "{ ...Missing ... on Customer { email } ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            "fragment Unused on Customer { email } fragment Unused on Customer { firstname } { __typename }",
            "fragment F on String { x } { customer { ...F } }",
            "{ __typename ... @include(if: true) { __typename } }",
            // A `$`, `@` or `...` inside a string only runs rules that find nothing.
            r#"{ __type(name: "$x @y ...") { name } }"#,
        ];
        for query in documents {
            let document = parse(query).unwrap();
            let lines = LineIndex::new(query);
            let every_rule = all_rules().into_iter().map(|(_, make)| make()).collect();
            assert_eq!(
                test_support::reported(validate(&document, &lines)),
                test_support::reported(run_rules(&document, &lines, every_rule)),
                "{query}"
            );
        }
    }

    #[test]
    fn a_plain_selection_runs_only_the_rules_about_everything() {
        let query = "{ customer { email firstname lastname } }";
        let document = parse(query).unwrap();
        let features = Features::of(&document, query);
        assert_eq!(
            features,
            Features {
                variables: false,
                directives: false,
                fragments: false
            }
        );
        assert_eq!(rules_for(&document, query).len(), 13);
        let everything =
            "query ($v: Int) { ...F @skip(if: true) } fragment F on Query { __typename }";
        let document = parse(everything).unwrap();
        assert_eq!(rules_for(&document, everything).len(), all_rules().len());
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
