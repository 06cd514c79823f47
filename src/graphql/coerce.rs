//! Input coercion: variable values from the request (`Values::getVariableValues` and
//! `Value::coerceInputValue`), literals in the document (`AST::valueFromAST`) and a field's or
//! directive's arguments (`Values::getArgumentValues`), with graphql-php's messages.
//!
//! Two messages follow the contract (§4) rather than graphql-php 15, so that a client sees the
//! same sentence whether it sent a literal or a variable: a missing required input field reads
//! `Field <Type>.<field> of required type <Type> was not provided.` and an unknown one
//! `Field "<name>" is not defined by type <Type>.`.

use serde_json::{Map, Value};

use super::ast::{Argument, OperationDefinition, ValueKind, ValueNode};
use super::error::GraphQLError;
use super::php_values::print_safe;
use super::printer::{print_type, print_value};
use super::scalars::{parse_literal, parse_value};
use super::schema::{InputValueDef, Ty, TypeKind};
use super::source::LineIndex;
use super::suggest::{did_you_mean, suggestion_list};
use super::type_info::type_from_ast;

/// A step into an input value, for the ` at "input.customer.email"` part of a message.
#[derive(Debug, Clone, PartialEq)]
enum InputPathSegment {
    Key(String),
    Index(usize),
}

/// One reason a variable's value does not fit its type (`CoercionError`).
#[derive(Debug, Clone, PartialEq)]
struct CoercionError {
    message: String,
    /// `None` where graphql-php has no path (the top, or inside a value taken as a list of one).
    path: Option<Vec<InputPathSegment>>,
    invalid_value: Value,
}

fn coercion_error(
    message: String,
    path: &Option<Vec<InputPathSegment>>,
    value: &Value,
) -> Vec<CoercionError> {
    vec![CoercionError {
        message,
        path: path.clone(),
        invalid_value: value.clone(),
    }]
}

fn extended(
    path: &Option<Vec<InputPathSegment>>,
    segment: InputPathSegment,
) -> Option<Vec<InputPathSegment>> {
    let mut extended = path.clone().unwrap_or_default();
    extended.push(segment);
    Some(extended)
}

/// The message for a required input field that is missing (docs/contract.md §4 wording).
pub fn missing_input_field_message(type_name: &str, field: &'static InputValueDef) -> String {
    format!(
        "Field {type_name}.{} of required type {} was not provided.",
        field.name,
        Ty::of(&field.ty)
    )
}

/// The message for an input field the type does not define (docs/contract.md §4 wording, with
/// graphql-php's suggestions).
pub fn unknown_input_field_message(
    type_name: &str,
    field_name: &str,
    fields: &[InputValueDef],
) -> String {
    let suggestions = suggestion_list(field_name, fields.iter().map(|field| field.name));
    format!(
        "Field \"{field_name}\" is not defined by type {type_name}.{}",
        did_you_mean(&suggestions)
    )
}

/// `Value::coerceInputValue`: a JSON value for an input type, as PHP sees JSON decoded into
/// arrays (a JSON list given for an input object is an array with keys "0", "1", ...).
fn coerce_input_value(
    value: &Value,
    ty: &Ty,
    path: &Option<Vec<InputPathSegment>>,
) -> Result<Value, Vec<CoercionError>> {
    if let Ty::NonNull(inner) = ty {
        if value.is_null() {
            return Err(coercion_error(
                format!("Expected non-nullable type \"{ty}\" not to be null."),
                path,
                value,
            ));
        }
        return coerce_input_value(value, inner, path);
    }
    if value.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Ty::List(item_type) => {
            let items: Vec<(InputPathSegment, &Value)> = match value {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| (InputPathSegment::Index(index), item))
                    .collect(),
                Value::Object(map) => map
                    .iter()
                    .map(|(key, item)| (InputPathSegment::Key(key.clone()), item))
                    .collect(),
                single => {
                    // A single value is a list of one; graphql-php drops the path here.
                    return coerce_input_value(single, item_type, &None)
                        .map(|item| Value::Array(vec![item]));
                }
            };
            let mut errors = Vec::new();
            let mut coerced = Vec::new();
            for (segment, item) in items {
                match coerce_input_value(item, item_type, &extended(path, segment)) {
                    Ok(item) => coerced.push(item),
                    Err(more) => errors.extend(more),
                }
            }
            if errors.is_empty() {
                Ok(Value::Array(coerced))
            } else {
                Err(errors)
            }
        }
        Ty::Named(named) => match &named.kind {
            TypeKind::Scalar(_) | TypeKind::Enum(_) => {
                parse_value(named, value).map_err(|message| coercion_error(message, path, value))
            }
            TypeKind::InputObject(fields) => {
                let provided: Vec<(String, &Value)> = match value {
                    Value::Object(map) => {
                        map.iter().map(|(key, item)| (key.clone(), item)).collect()
                    }
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(index, item)| (index.to_string(), item))
                        .collect(),
                    _ => {
                        return Err(coercion_error(
                            format!("Expected type \"{}\" to be an object.", named.name),
                            path,
                            value,
                        ));
                    }
                };
                let mut errors = Vec::new();
                let mut coerced = Map::new();
                for field in *fields {
                    let given = provided.iter().find(|(key, _)| key == field.name);
                    if let Some((_, given)) = given {
                        let field_path =
                            extended(path, InputPathSegment::Key(field.name.to_owned()));
                        match coerce_input_value(given, &Ty::of(&field.ty), &field_path) {
                            Ok(field_value) => {
                                coerced.insert(field.name.to_owned(), field_value);
                            }
                            Err(more) => errors.extend(more),
                        }
                    } else if let Some(default) = field.default_value {
                        coerced.insert(field.name.to_owned(), default.to_json());
                    } else if field.is_required() {
                        errors.extend(coercion_error(
                            missing_input_field_message(named.name, field),
                            path,
                            value,
                        ));
                    }
                }
                for (key, _) in &provided {
                    if !fields.iter().any(|field| field.name == key) {
                        errors.extend(coercion_error(
                            unknown_input_field_message(named.name, key, fields),
                            path,
                            value,
                        ));
                    }
                }
                if errors.is_empty() {
                    Ok(Value::Object(coerced))
                } else {
                    Err(errors)
                }
            }
            TypeKind::Object(..) | TypeKind::Interface(..) => Err(coercion_error(
                format!("Expected type \"{}\".", named.name),
                path,
                value,
            )),
        },
        // Unwrapped above already.
        Ty::NonNull(inner) => coerce_input_value(value, inner, path),
    }
}

/// `Values::getVariableValues`: the operation's variables, coerced, or every error.
pub fn coerce_variable_values(
    operation: &OperationDefinition,
    raw: &Map<String, Value>,
    lines: &LineIndex<'_>,
) -> Result<Map<String, Value>, Vec<GraphQLError>> {
    let mut errors = Vec::new();
    let mut coerced = Map::new();
    for definition in &operation.variable_definitions {
        let name = &definition.variable.name.value;
        let located = |message: String, offset: usize| {
            GraphQLError::new(message, vec![lines.location(offset)])
        };
        let Some(ty) = type_from_ast(&definition.ty).filter(Ty::is_input_type) else {
            errors.push(located(
                format!(
                    "Variable \"${name}\" expected value of type \"{}\" which cannot be used as an input type.",
                    print_type(&definition.ty)
                ),
                definition.ty.loc(),
            ));
            continue;
        };
        let given = raw.get(name);
        match (given, &definition.default_value) {
            (None, Some(default)) => {
                if let Some(value) = value_from_ast(default, &ty, None) {
                    coerced.insert(name.clone(), value);
                }
            }
            (None, None) | (Some(Value::Null), _) if ty.is_non_null() => {
                let message = if given.is_some() {
                    format!("Variable \"${name}\" of non-null type \"{ty}\" must not be null.")
                } else {
                    format!("Variable \"${name}\" of required type \"{ty}\" was not provided.")
                };
                errors.push(located(message, definition.loc));
            }
            (None, None) => {}
            (Some(Value::Null), _) => {
                coerced.insert(name.clone(), Value::Null);
            }
            (Some(value), _) => match coerce_input_value(value, &ty, &None) {
                Ok(value) => {
                    coerced.insert(name.clone(), value);
                }
                Err(coercion_errors) => {
                    for error in coercion_errors {
                        let at = match &error.path {
                            Some(path) => format!(" at \"{name}{}\"", print_input_path(path)),
                            None => String::new(),
                        };
                        errors.push(located(
                            format!(
                                "Variable \"${name}\" got invalid value {}{at}; {}",
                                print_safe(&error.invalid_value),
                                error.message
                            ),
                            definition.loc,
                        ));
                    }
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(coerced)
    } else {
        Err(errors)
    }
}

fn print_input_path(path: &[InputPathSegment]) -> String {
    path.iter()
        .map(|segment| match segment {
            InputPathSegment::Key(key) => format!(".{key}"),
            InputPathSegment::Index(index) => format!("[{index}]"),
        })
        .collect()
}

/// `AST::valueFromAST`: a literal's value for a type, or `None` ("undefined") when it does not
/// fit or uses a variable that has no value.
pub fn value_from_ast(
    node: &ValueNode,
    ty: &Ty,
    variables: Option<&Map<String, Value>>,
) -> Option<Value> {
    if let Ty::NonNull(inner) = ty {
        if matches!(node.kind, ValueKind::Null) {
            return None;
        }
        return value_from_ast(node, inner, variables);
    }
    match &node.kind {
        ValueKind::Null => return Some(Value::Null),
        ValueKind::Variable(variable) => {
            return variables
                .and_then(|values| values.get(&variable.name.value))
                .cloned();
        }
        _ => {}
    }
    match ty {
        Ty::List(item_type) => {
            let ValueKind::List(items) = &node.kind else {
                return value_from_ast(node, item_type, variables)
                    .map(|item| Value::Array(vec![item]));
            };
            let mut coerced = Vec::with_capacity(items.len());
            for item in items {
                if is_missing_variable(item, variables) {
                    if item_type.is_non_null() {
                        return None;
                    }
                    coerced.push(Value::Null);
                } else {
                    coerced.push(value_from_ast(item, item_type, variables)?);
                }
            }
            Some(Value::Array(coerced))
        }
        Ty::Named(named) => match &named.kind {
            TypeKind::InputObject(fields) => {
                let ValueKind::Object(given) = &node.kind else {
                    return None;
                };
                let mut coerced = Map::new();
                for field in *fields {
                    // A repeated field name keeps its last value, as graphql-php's map does.
                    let field_node = given
                        .iter()
                        .rev()
                        .find(|given| given.name.value == field.name);
                    match field_node {
                        Some(field_node) if !is_missing_variable(&field_node.value, variables) => {
                            let value =
                                value_from_ast(&field_node.value, &Ty::of(&field.ty), variables)?;
                            coerced.insert(field.name.to_owned(), value);
                        }
                        _ => {
                            if let Some(default) = field.default_value {
                                coerced.insert(field.name.to_owned(), default.to_json());
                            } else if matches!(field.ty, super::schema::TypeRef::NonNull(_)) {
                                return None;
                            }
                        }
                    }
                }
                Some(Value::Object(coerced))
            }
            TypeKind::Scalar(_) | TypeKind::Enum(_) => parse_literal(named, node).ok(),
            TypeKind::Object(..) | TypeKind::Interface(..) => None,
        },
        Ty::NonNull(_) => None,
    }
}

fn is_missing_variable(node: &ValueNode, variables: Option<&Map<String, Value>>) -> bool {
    match &node.kind {
        ValueKind::Variable(variable) => {
            variables.is_none_or(|values| !values.contains_key(&variable.name.value))
        }
        _ => false,
    }
}

/// `Values::getArgumentValues`: the arguments of a field or directive. An error carries the
/// offsets graphql-php locates it at.
pub fn argument_values(
    definitions: &'static [InputValueDef],
    arguments: &[Argument],
    variables: &Map<String, Value>,
    reference_offset: usize,
) -> Result<Map<String, Value>, (String, usize)> {
    let mut coerced = Map::new();
    for definition in definitions {
        let name = definition.name;
        let ty = Ty::of(&definition.ty);
        // A repeated argument keeps its last value, as graphql-php's map does.
        let node = arguments
            .iter()
            .rev()
            .find(|argument| argument.name.value == name);
        let (has_value, is_null) = match node.map(|argument| &argument.value.kind) {
            Some(ValueKind::Variable(variable)) => {
                let value = variables.get(&variable.name.value);
                (value.is_some(), value.is_some_and(Value::is_null))
            }
            Some(ValueKind::Null) => (true, true),
            Some(_) => (true, false),
            None => (false, false),
        };
        if !has_value && definition.default_value.is_some() {
            if let Some(default) = definition.default_value {
                coerced.insert(name.to_owned(), default.to_json());
            }
        } else if (!has_value || is_null) && ty.is_non_null() {
            if is_null {
                return Err((
                    format!("Argument \"{name}\" of non-null type \"{ty}\" must not be null."),
                    reference_offset,
                ));
            }
            if let Some(Argument {
                value:
                    ValueNode {
                        kind: ValueKind::Variable(variable),
                        ..
                    },
                ..
            }) = node
            {
                return Err((
                    format!(
                        "Argument \"{name}\" of required type \"{ty}\" was provided the variable \"${}\" which was not provided a runtime value.",
                        variable.name.value
                    ),
                    variable.loc,
                ));
            }
            return Err((
                format!("Argument \"{name}\" of required type \"{ty}\" was not provided."),
                reference_offset,
            ));
        } else if let (true, Some(argument)) = (has_value, node) {
            let value = match &argument.value.kind {
                ValueKind::Null => Value::Null,
                ValueKind::Variable(variable) => variables
                    .get(&variable.name.value)
                    .cloned()
                    .unwrap_or(Value::Null),
                _ => value_from_ast(&argument.value, &ty, Some(variables)).ok_or_else(|| {
                    (
                        format!(
                            "Argument \"{name}\" has invalid value {}.",
                            print_value(&argument.value)
                        ),
                        argument.value.loc,
                    )
                })?,
            };
            coerced.insert(name.to_owned(), value);
        }
    }
    Ok(coerced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::ast::{Definition, Selection};
    use crate::graphql::parser::parse;
    use serde_json::json;

    const MUTATION: &str = "mutation ($input: ExchangeExternalCustomerTokenInput!) {\n  exchangeExternalCustomerToken(input: $input) { token }\n}";

    fn variables(query: &str, raw: Value) -> Result<Value, Vec<(String, usize, usize)>> {
        let document = parse(query).unwrap();
        let Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        let Value::Object(raw) = raw else { panic!() };
        coerce_variable_values(operation, &raw, &LineIndex::new(query))
            .map(Value::Object)
            .map_err(|errors| {
                errors
                    .into_iter()
                    .map(|error| {
                        (
                            error.message,
                            error.locations[0].line,
                            error.locations[0].column,
                        )
                    })
                    .collect()
            })
    }

    fn messages(result: Result<Value, Vec<(String, usize, usize)>>) -> Vec<String> {
        result
            .unwrap_err()
            .into_iter()
            .map(|error| error.0)
            .collect()
    }

    #[test]
    fn coerces_a_valid_input_in_field_order() {
        let raw = json!({"input": {"customer": {
            "is_subscribed": false, "email": "a@b.c", "firstname": "A", "lastname": "B",
            "gender": 2.0, "custom_attributes": [{"attribute_code": "x"}]
        }}});
        assert_eq!(
            variables(MUTATION, raw).unwrap(),
            json!({"input": {"customer": {
                "firstname": "A", "lastname": "B", "email": "a@b.c", "gender": 2,
                "is_subscribed": false, "custom_attributes": [{"attribute_code": "x"}]
            }}})
        );
    }

    #[test]
    fn a_missing_required_variable_is_reported_at_its_definition() {
        assert_eq!(
            variables(MUTATION, json!({})),
            Err(vec![(
                "Variable \"$input\" of required type \"ExchangeExternalCustomerTokenInput!\" was not provided.".into(),
                1,
                11
            )])
        );
        assert_eq!(
            messages(variables(MUTATION, json!({"input": null}))),
            vec![
                "Variable \"$input\" of non-null type \"ExchangeExternalCustomerTokenInput!\" must not be null."
            ]
        );
    }

    #[test]
    fn invalid_values_name_the_value_and_the_path() {
        let raw = json!({"input": {"customer": {"firstname": "A", "lastname": 5, "xyz": 1, "emial": "x/y"}}});
        assert_eq!(
            messages(variables(MUTATION, raw)),
            vec![
                // In the order of the type's fields: `email` before `lastname`.
                "Variable \"$input\" got invalid value {\"firstname\":\"A\",\"lastname\":5,\"xyz\":1,\"emial\":\"x\\/y\"} at \"input.customer\"; Field CustomerCreateInput.email of required type String! was not provided.",
                "Variable \"$input\" got invalid value 5 at \"input.customer.lastname\"; String cannot represent a non string value: 5",
                "Variable \"$input\" got invalid value {\"firstname\":\"A\",\"lastname\":5,\"xyz\":1,\"emial\":\"x\\/y\"} at \"input.customer\"; Field \"xyz\" is not defined by type CustomerCreateInput.",
                "Variable \"$input\" got invalid value {\"firstname\":\"A\",\"lastname\":5,\"xyz\":1,\"emial\":\"x\\/y\"} at \"input.customer\"; Field \"emial\" is not defined by type CustomerCreateInput. Did you mean \"email\"?",
            ]
        );
    }

    #[test]
    fn list_items_are_indexed_and_scalars_checked() {
        let raw = json!({"input": {"customer": {"firstname": "A", "lastname": "B", "email": "e",
            "gender": 1.5, "custom_attributes": [{"attribute_code": "a"}, {"value": "v"}]}}});
        assert_eq!(
            messages(variables(MUTATION, raw)),
            vec![
                // In the order of the type's fields: `custom_attributes` before `gender`.
                "Variable \"$input\" got invalid value {\"value\":\"v\"} at \"input.customer.custom_attributes[1]\"; Field AttributeValueInput.attribute_code of required type String! was not provided.",
                "Variable \"$input\" got invalid value 1.5 at \"input.customer.gender\"; Int cannot represent non-integer value: 1.5",
            ]
        );
    }

    #[test]
    fn an_object_for_a_list_is_iterated_like_a_php_array() {
        let raw = json!({"input": {"customer": {"firstname": "A", "lastname": "B", "email": "e",
            "custom_attributes": {"attribute_code": "x"}}}});
        assert_eq!(
            messages(variables(MUTATION, raw)),
            vec![
                "Variable \"$input\" got invalid value \"x\" at \"input.customer.custom_attributes.attribute_code\"; Expected type \"AttributeValueInput\" to be an object."
            ]
        );
    }

    #[test]
    fn a_non_object_for_an_input_object_is_refused_without_a_path() {
        assert_eq!(
            messages(variables(MUTATION, json!({"input": "text"}))),
            vec![
                "Variable \"$input\" got invalid value \"text\"; Expected type \"ExchangeExternalCustomerTokenInput\" to be an object."
            ]
        );
    }

    #[test]
    fn defaults_apply_only_when_the_variable_is_absent() {
        let query = "query ($s: Boolean = true, $t: Int) { customer @skip(if: $s) { email } }";
        assert_eq!(variables(query, json!({})).unwrap(), json!({"s": true}));
        assert_eq!(
            variables(query, json!({"s": null, "t": null})).unwrap(),
            json!({"s": null, "t": null})
        );
    }

    fn first_field_arguments(
        query: &str,
        variables: Value,
    ) -> Result<Map<String, Value>, (String, usize)> {
        let document = parse(query).unwrap();
        let Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        let Selection::Field(field) = &operation.selection_set.selections[0] else {
            panic!()
        };
        let Value::Object(variables) = variables else {
            panic!()
        };
        argument_values(
            crate::graphql::schema::mutation_type().fields()[0].args,
            &field.arguments,
            &variables,
            field.loc,
        )
    }

    #[test]
    fn literal_arguments_coerce_with_variables_inside() {
        let query = "mutation ($e: String!, $unused: Int) { exchangeExternalCustomerToken(input: {customer: {firstname: \"A\", lastname: \"B\", email: $e, gender: $unused}}) { token } }";
        let arguments = first_field_arguments(query, json!({"e": "x@y.z"})).unwrap();
        assert_eq!(
            Value::Object(arguments),
            json!({"input": {"customer": {"firstname": "A", "lastname": "B", "email": "x@y.z"}}})
        );
    }

    #[test]
    fn a_null_variable_for_a_non_null_argument_is_a_field_error() {
        let query = "query ($b: Boolean = true) { customer @include(if: $b) { email } }";
        let document = parse(query).unwrap();
        let Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        let Selection::Field(field) = &operation.selection_set.selections[0] else {
            panic!()
        };
        let directive = &field.directives[0];
        let Value::Object(variables) = json!({"b": null}) else {
            panic!()
        };
        assert_eq!(
            argument_values(
                crate::graphql::schema::directive("include").unwrap().args,
                &directive.arguments,
                &variables,
                directive.loc,
            ),
            Err((
                "Argument \"if\" of non-null type \"Boolean!\" must not be null.".into(),
                38
            ))
        );
    }

    #[test]
    fn a_null_input_is_an_argument_like_any_other() {
        let query = "mutation ($i: ExchangeExternalCustomerTokenInput) { exchangeExternalCustomerToken(input: $i) { token } }";
        assert_eq!(
            Value::Object(first_field_arguments(query, json!({"i": null})).unwrap()),
            json!({"input": null})
        );
        assert_eq!(
            Value::Object(first_field_arguments(query, json!({})).unwrap()),
            json!({})
        );
    }
}
