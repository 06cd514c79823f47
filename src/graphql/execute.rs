//! Executing a validated operation (graphql-php's `ReferenceExecutor`): collecting fields with
//! fragments and `@skip`/`@include`, resolving root fields through the [`Resolver`] (each at
//! most once), selecting from the objects it returns, answering introspection, and completing
//! values by their types, with non-null propagation.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::ast::{
    Document, Field, FragmentDefinition, OperationDefinition, OperationKind, Selection,
    SelectionSet,
};
use super::coerce::argument_values;
use super::error::{Category, GraphQLError, INTERNAL_ERROR_MESSAGE, PathSegment};
use super::introspection::{self, Introspected};
use super::limits::MAX_RESULT_VALUES;
use super::scalars::serialize;
use super::schema::{self, FieldDef, NamedType, Ty};
use super::source::LineIndex;
use super::{ResolveError, Resolver};

/// What a field resolved to, before it is completed by its type.
#[derive(Debug)]
pub enum Resolved<'v> {
    Null,
    /// Part of a value a resolver returned.
    Json(&'v Value),
    /// A whole value a resolver returned (kept once, shared by every alias of the root field).
    Shared(Rc<Value>),
    Owned(Value),
    Intro(Introspected),
    List(Vec<Resolved<'v>>),
}

/// The object whose fields are being resolved.
enum Parent<'v> {
    Root,
    Json(&'v Map<String, Value>),
    Intro(Introspected),
}

/// Why completing a field failed.
enum Failure {
    /// A field error, already located; it nulls the nearest nullable ancestor.
    Field(Box<GraphQLError>),
    /// A storage or configuration failure: the whole response becomes a 500.
    Internal,
    /// The answer grew past [`MAX_RESULT_VALUES`]: execution stops, with one error and no data.
    TooLarge,
}

/// The result of executing an operation.
pub enum Outcome {
    /// `data` is `None` when an error reached the root (graphql-php then prints no `data`).
    Completed {
        data: Option<Map<String, Value>>,
        errors: Vec<GraphQLError>,
    },
    Internal,
}

type GroupedFields<'a> = Vec<(&'a str, Vec<&'a Field>)>;

pub fn execute_operation(
    document: &Document,
    operation: &OperationDefinition,
    variables: &Map<String, Value>,
    lines: &LineIndex<'_>,
    resolver: &mut dyn Resolver,
) -> Outcome {
    let mut execution = Execution {
        fragments: document.fragments_by_name(),
        variables,
        lines,
        resolver,
        errors: Vec::new(),
        values: 0,
        root_outcomes: HashMap::new(),
    };
    let root = match operation.kind {
        OperationKind::Query => schema::query_type(),
        OperationKind::Mutation => schema::mutation_type(),
        OperationKind::Subscription => {
            let error = GraphQLError::new(
                "Schema is not configured for subscriptions.",
                vec![lines.location(operation.loc)],
            );
            return Outcome::Completed {
                data: None,
                errors: vec![error],
            };
        }
    };
    let data = match execution.collect_fields(root, &[&operation.selection_set]) {
        Ok(fields) => execution.execute_fields(root, &Parent::Root, &fields, &mut Vec::new()),
        Err(error) => Err(Failure::Field(error)),
    };
    match data {
        Ok(data) => Outcome::Completed {
            data: Some(data),
            errors: execution.errors,
        },
        Err(Failure::Field(error)) => {
            execution.errors.push(*error);
            Outcome::Completed {
                data: None,
                errors: execution.errors,
            }
        }
        Err(Failure::Internal) => Outcome::Internal,
        Err(Failure::TooLarge) => Outcome::Completed {
            data: None,
            errors: vec![GraphQLError::new(
                format!(
                    "The response would have more than {MAX_RESULT_VALUES} values; ask for fewer fields or list items."
                ),
                vec![lines.location(operation.loc)],
            )],
        },
    }
}

struct Execution<'a, 'x> {
    fragments: HashMap<&'a str, &'a FragmentDefinition>,
    variables: &'x Map<String, Value>,
    lines: &'x LineIndex<'x>,
    resolver: &'x mut dyn Resolver,
    errors: Vec<GraphQLError>,
    /// Values completed so far, against [`MAX_RESULT_VALUES`].
    values: usize,
    /// Each root field is resolved at most once; its outcome serves every alias.
    root_outcomes: HashMap<&'static str, Result<Rc<Value>, ResolveError>>,
}

impl<'a> Execution<'a, '_> {
    fn located(&self, message: String, offsets: &[usize], path: &[PathSegment]) -> GraphQLError {
        let mut error = GraphQLError::new(
            message,
            offsets.iter().map(|&o| self.lines.location(o)).collect(),
        );
        error.path = path.to_vec();
        error
    }

    /// graphql-php's answer to a value it cannot complete (an `InvariantViolation`): not safe
    /// to show, so "Internal server error", located at the field.
    fn internal_field_error(&self, nodes: &[&Field], path: &[PathSegment]) -> Failure {
        let offsets: Vec<usize> = nodes.iter().map(|node| node.loc).collect();
        let mut error = self.located(INTERNAL_ERROR_MESSAGE.to_owned(), &offsets, path);
        error.category = Category::Internal;
        Failure::Field(Box::new(error))
    }

    // ----- collecting fields -----

    /// `collectFields` over one or more selection sets (the sub-selections of every node of a
    /// merged field), in document order, with an explicit stack so that chains of fragments do
    /// not recurse.
    fn collect_fields(
        &self,
        runtime_type: &'static NamedType,
        selection_sets: &[&'a SelectionSet],
    ) -> Result<GroupedFields<'a>, Box<GraphQLError>> {
        let mut grouped: GroupedFields<'a> = Vec::new();
        let mut index_by_key: HashMap<&'a str, usize> = HashMap::new();
        let mut visited_fragments: Vec<&'a str> = Vec::new();
        for selection_set in selection_sets {
            let mut stack = vec![selection_set.selections.iter()];
            while let Some(selections) = stack.last_mut() {
                let Some(selection) = selections.next() else {
                    stack.pop();
                    continue;
                };
                match selection {
                    Selection::Field(field) => {
                        if !self.should_include(&field.directives)? {
                            continue;
                        }
                        let key = field.response_key();
                        match index_by_key.get(key) {
                            Some(&index) => {
                                if let Some((_, nodes)) = grouped.get_mut(index) {
                                    nodes.push(field);
                                }
                            }
                            None => {
                                index_by_key.insert(key, grouped.len());
                                grouped.push((key, vec![field]));
                            }
                        }
                    }
                    Selection::InlineFragment(inline) => {
                        if !self.should_include(&inline.directives)? {
                            continue;
                        }
                        let matches = inline.type_condition.as_ref().is_none_or(|condition| {
                            condition_matches(&condition.value, runtime_type)
                        });
                        if matches {
                            stack.push(inline.selection_set.selections.iter());
                        }
                    }
                    Selection::FragmentSpread(spread) => {
                        let name = spread.name.value.as_str();
                        if visited_fragments.contains(&name)
                            || !self.should_include(&spread.directives)?
                        {
                            continue;
                        }
                        visited_fragments.push(name);
                        let Some(fragment) = self.fragments.get(name) else {
                            continue;
                        };
                        if condition_matches(&fragment.type_condition.value, runtime_type) {
                            stack.push(fragment.selection_set.selections.iter());
                        }
                    }
                }
            }
        }
        Ok(grouped)
    }

    /// `shouldIncludeNode`: `@skip(if: true)` or `@include(if: false)` leave a node out.
    fn should_include(
        &self,
        directives: &[super::ast::Directive],
    ) -> Result<bool, Box<GraphQLError>> {
        for (name, excluded_when) in [("skip", true), ("include", false)] {
            let (Some(applied), Some(definition)) = (
                directives
                    .iter()
                    .find(|directive| directive.name.value == name),
                schema::directive(name),
            ) else {
                continue;
            };
            let args = argument_values(
                definition.args,
                &applied.arguments,
                self.variables,
                applied.loc,
            )
            .map_err(|(message, offset)| Box::new(self.located(message, &[offset], &[])))?;
            if args.get("if") == Some(&Value::Bool(excluded_when)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    // ----- executing fields -----

    fn execute_fields(
        &mut self,
        parent_type: &'static NamedType,
        parent: &Parent<'_>,
        fields: &GroupedFields<'a>,
        path: &mut Vec<PathSegment>,
    ) -> Result<Map<String, Value>, Failure> {
        let mut result = Map::new();
        for (key, nodes) in fields {
            let Some(definition) = nodes
                .first()
                .and_then(|node| schema::field_definition(parent_type, &node.name.value))
            else {
                continue;
            };
            path.push(PathSegment::Key((*key).to_owned()));
            let value = self.execute_field(parent_type, parent, definition, nodes, path);
            path.pop();
            result.insert((*key).to_owned(), value?);
        }
        Ok(result)
    }

    /// Resolves and completes one field; a failure of a nullable field is recorded here and
    /// the field becomes null (`completeValueCatchingError`).
    fn execute_field(
        &mut self,
        parent_type: &'static NamedType,
        parent: &Parent<'_>,
        definition: &'static FieldDef,
        nodes: &[&'a Field],
        path: &mut Vec<PathSegment>,
    ) -> Result<Value, Failure> {
        let ty = Ty::of(&definition.ty);
        let completed = match self.resolve_field(parent_type, parent, definition, nodes, path) {
            Ok(resolved) => self.complete_value(&ty, nodes, path, resolved),
            Err(failure) => Err(failure),
        };
        self.catch_field_error(completed, &ty)
    }

    fn catch_field_error(
        &mut self,
        completed: Result<Value, Failure>,
        ty: &Ty,
    ) -> Result<Value, Failure> {
        match completed {
            Err(Failure::Field(error)) if !ty.is_non_null() => {
                self.errors.push(*error);
                Ok(Value::Null)
            }
            other => other,
        }
    }

    fn arguments(
        &self,
        definition: &'static FieldDef,
        node: &Field,
        path: &[PathSegment],
    ) -> Result<Map<String, Value>, Failure> {
        argument_values(definition.args, &node.arguments, self.variables, node.loc).map_err(
            |(message, offset)| Failure::Field(Box::new(self.located(message, &[offset], path))),
        )
    }

    fn resolve_field<'v>(
        &mut self,
        parent_type: &'static NamedType,
        parent: &Parent<'v>,
        definition: &'static FieldDef,
        nodes: &[&'a Field],
        path: &[PathSegment],
    ) -> Result<Resolved<'v>, Failure> {
        let Some(node) = nodes.first() else {
            return Ok(Resolved::Null);
        };
        if definition.name == "__typename" {
            return Ok(Resolved::Owned(Value::String(parent_type.name.to_owned())));
        }
        match parent {
            Parent::Json(object) => match definition.compute {
                Some(compute) => {
                    let args = self.arguments(definition, node, path)?;
                    Ok(Resolved::Shared(Rc::new(compute(object, &args))))
                }
                None => Ok(object
                    .get(definition.name)
                    .map_or(Resolved::Null, Resolved::Json)),
            },
            Parent::Intro(source) => {
                let args = self.arguments(definition, node, path)?;
                Ok(introspection::resolve(source, definition.name, &args))
            }
            Parent::Root => match definition.name {
                "__schema" => Ok(Resolved::Intro(Introspected::Schema)),
                "__type" => {
                    let args = self.arguments(definition, node, path)?;
                    let named = args
                        .get("name")
                        .and_then(Value::as_str)
                        .and_then(schema::named_type);
                    Ok(named.map_or(Resolved::Null, |named| {
                        Resolved::Intro(Introspected::Type(Ty::Named(named)))
                    }))
                }
                name => {
                    let outcome = match self.root_outcomes.get(name) {
                        Some(outcome) => outcome.clone(),
                        None => {
                            let args = self.arguments(definition, node, path)?;
                            let outcome = self.resolver.resolve_root(name, &args).map(Rc::new);
                            self.root_outcomes.insert(definition.name, outcome.clone());
                            outcome
                        }
                    };
                    self.root_outcome(outcome, nodes, path)
                }
            },
        }
    }

    fn root_outcome<'v>(
        &self,
        outcome: Result<Rc<Value>, ResolveError>,
        nodes: &[&'a Field],
        path: &[PathSegment],
    ) -> Result<Resolved<'v>, Failure> {
        match outcome {
            Ok(value) => Ok(Resolved::Shared(value)),
            Err(ResolveError::Internal) => Err(Failure::Internal),
            Err(ResolveError::Field(field_error)) => {
                let offsets: Vec<usize> = nodes.iter().map(|node| node.loc).collect();
                let mut error = self.located(field_error.message, &offsets, path);
                error.category = field_error.category;
                error.extensions = field_error.extensions;
                Err(Failure::Field(Box::new(error)))
            }
        }
    }

    // ----- completing values -----

    fn complete_value(
        &mut self,
        ty: &Ty,
        nodes: &[&'a Field],
        path: &mut Vec<PathSegment>,
        resolved: Resolved<'_>,
    ) -> Result<Value, Failure> {
        if let Resolved::Shared(shared) = resolved {
            return self.complete_value(ty, nodes, path, Resolved::Json(&shared));
        }
        if let Ty::NonNull(inner) = ty {
            let completed = self.complete_value(inner, nodes, path, resolved)?;
            if completed.is_null() {
                return Err(self.internal_field_error(nodes, path));
            }
            return Ok(completed);
        }
        self.values += 1;
        if self.values > MAX_RESULT_VALUES {
            return Err(Failure::TooLarge);
        }
        if matches!(
            resolved,
            Resolved::Null | Resolved::Json(Value::Null) | Resolved::Owned(Value::Null)
        ) {
            return Ok(Value::Null);
        }
        match ty {
            Ty::List(item_type) => {
                let items: Vec<Resolved<'_>> = match resolved {
                    Resolved::List(items) => items,
                    Resolved::Json(Value::Array(items)) => {
                        items.iter().map(Resolved::Json).collect()
                    }
                    _ => return Err(self.internal_field_error(nodes, path)),
                };
                let mut completed = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    path.push(PathSegment::Index(index));
                    let value = self.complete_value(item_type, nodes, path, item);
                    path.pop();
                    completed.push(self.catch_field_error(value, item_type)?);
                }
                Ok(Value::Array(completed))
            }
            Ty::Named(named) if named.is_leaf() => {
                let value = match &resolved {
                    Resolved::Json(value) => Some(*value),
                    Resolved::Owned(value) => Some(value),
                    _ => None,
                };
                value
                    .and_then(|value| serialize(named, value))
                    .ok_or_else(|| self.internal_field_error(nodes, path))
            }
            Ty::Named(declared) => {
                let object_type = match resolved {
                    Resolved::Json(Value::Object(object)) if declared.is_abstract() => {
                        runtime_type(declared, object)
                            .ok_or_else(|| self.internal_field_error(nodes, path))?
                    }
                    _ => declared,
                };
                let parent = match resolved {
                    Resolved::Json(Value::Object(object)) => Parent::Json(object),
                    Resolved::Intro(source) if source.object_type().same(object_type) => {
                        Parent::Intro(source)
                    }
                    _ => return Err(self.internal_field_error(nodes, path)),
                };
                let selection_sets: Vec<&'a SelectionSet> = nodes
                    .iter()
                    .filter_map(|node| node.selection_set.as_ref())
                    .collect();
                let fields =
                    self.collect_fields(object_type, &selection_sets)
                        .map_err(|mut error| {
                            error.path = path.clone();
                            Failure::Field(error)
                        })?;
                self.execute_fields(object_type, &parent, &fields, path)
                    .map(Value::Object)
            }
            Ty::NonNull(_) => Err(self.internal_field_error(nodes, path)),
        }
    }
}

/// `doesFragmentConditionMatch`: the condition names the object's type or an interface of it.
fn condition_matches(condition: &str, runtime_type: &NamedType) -> bool {
    condition == runtime_type.name
        || schema::named_type(condition)
            .is_some_and(|named| named.is_abstract() && named.is_possible_type(runtime_type))
}

/// `resolveType` of an interface: the object names its type in `__typename` (the product's
/// views do), or the interface has a single implementation.
fn runtime_type(
    abstract_type: &'static NamedType,
    object: &Map<String, Value>,
) -> Option<&'static NamedType> {
    let possible = abstract_type.possible_types();
    match object.get("__typename") {
        Some(Value::String(name)) => possible.iter().copied().find(|ty| ty.name == name),
        _ => match possible {
            [only] => Some(*only),
            _ => None,
        },
    }
}
