//! The GraphQL engine: parse, validate, coerce, execute and introspect, behaving like Magento's
//! webonyx/graphql-php v15 (same error messages, locations and response shape), over the
//! contract's schema (`schema.rs`).
//!
//! A request goes through, in order:
//! 1. `depth_guard`: a linear scan that refuses over-nested documents before anything recurses;
//! 2. `parser` (with `lexer`): a syntax error ends the request;
//! 3. over GET, a mutation is refused;
//! 4. `validation`: our size limits, then graphql-php's rules, then ours; errors mean no `data`;
//! 5. `operation` and `coerce`: choosing the operation and coercing its variables; errors as in 4;
//! 6. `execute` (with `introspection`): the root fields call the [`Resolver`].
//!
//! The engine answers with an [`Outcome`]; the HTTP status is the transport's decision.
//! The schema is `schema.rs` (the type system, built-ins and introspection types) and
//! `commerce.rs` (the product's types).
//!
//! Nothing here panics on input, and every recursion is bounded by the limits in `limits.rs`.
//!
//! The lexer and parser are a port of graphql-php's rather than the `graphql-parser` crate,
//! which cannot give graphql-php's syntax messages, keeps object values in a `BTreeMap` (losing
//! a repeated input field, and the order), counts a tab as 8 columns, refuses exponents that
//! start with 0 or 9 (`1e9`), and cannot read type-system definitions in a query document.

use serde_json::{Map, Value};

mod ast;
mod coerce;
mod commerce;
mod depth_guard;
mod error;
mod execute;
mod introspection;
mod lexer;
mod limits;
mod operation;
mod parser;
mod php_values;
mod printer;
mod scalars;
mod schema;
mod source;
mod suggest;
mod type_info;
mod validation;
mod visit;

#[cfg(test)]
mod tests;

use ast::OperationKind;
pub use error::Category;
use error::{GraphQLError, INTERNAL_ERROR_MESSAGE, errors_body};
use source::LineIndex;

/// One GraphQL request as received over HTTP.
pub struct Request {
    pub query: String,
    pub variables: Option<Map<String, Value>>,
    pub operation_name: Option<String>,
}

/// How the request arrived: over GET only query operations may run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    Post,
    Get,
}

/// An error a resolver raises for its field; becomes one entry of `errors` with the field's
/// locations and path, and the field becomes null.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub message: String,
    pub category: Category,
    /// Extra extension members, emitted after "category".
    pub extensions: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResolveError {
    Field(FieldError),
    /// Storage/config failure: the whole response becomes HTTP 500
    /// {"errors":[{"message":"Internal server error","extensions":{"category":"internal"}}]}
    Internal,
}

/// The root fields: everything else (typename, introspection, field selection, fragments,
/// directives) is the engine's.
pub trait Resolver {
    /// The root field `field` of the query or mutation type with its coerced arguments (only
    /// those provided, values coerced: Int as a JSON integer, lists, null where given as null).
    /// Called at most once per field per request: every alias shares the outcome.
    ///
    /// Objects are returned as JSON with every field by its schema name; an object of an
    /// interface type names its type in `__typename`. Fields with a `compute` function in the
    /// schema are computed from the object.
    fn resolve_root(
        &mut self,
        field: &str,
        args: &Map<String, Value>,
    ) -> Result<Value, ResolveError>;
}

/// How a request ended, for the transport to answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The document is not GraphQL (GraphQL over HTTP: 400).
    SyntaxError(Value),
    /// A mutation sent over GET (GraphQL over HTTP: 405).
    MutationOverGet(Value),
    /// Validated and (unless validation failed) executed: `{"data"?, "errors"?}`, with the
    /// category of the first error, if any.
    Result {
        body: Value,
        first_category: Option<Category>,
    },
    /// A storage or configuration failure; details went to the log.
    Internal(Value),
}

impl Outcome {
    pub fn body(&self) -> &Value {
        match self {
            Outcome::SyntaxError(body)
            | Outcome::MutationOverGet(body)
            | Outcome::Internal(body)
            | Outcome::Result { body, .. } => body,
        }
    }
}

/// The message for a mutation sent over GET (GraphQL over HTTP: 405).
const MUTATION_OVER_GET: &str = "Can only perform a mutation operation from a POST request.";

pub fn execute(request: &Request, transport: Transport, resolver: &mut dyn Resolver) -> Outcome {
    let source = request.query.as_str();
    let lines = LineIndex::new(source);

    let parsed = depth_guard::check_nesting(source).and_then(|()| parser::parse(source));
    let document = match parsed {
        Ok(document) => document,
        Err(syntax_error) => {
            let error = GraphQLError::new(
                syntax_error.message(),
                vec![lines.location(syntax_error.offset)],
            );
            return Outcome::SyntaxError(errors_body(&[error]));
        }
    };

    let (operation, selection_error) =
        operation::select_operation(&document, request.operation_name.as_deref());
    if transport == Transport::Get
        && selection_error.is_none()
        && operation.is_some_and(|operation| operation.kind == OperationKind::Mutation)
    {
        return Outcome::MutationOverGet(errors_body(&[GraphQLError::new(
            MUTATION_OVER_GET,
            Vec::new(),
        )]));
    }

    let validation_errors = validation::validate(&document, &lines);
    if !validation_errors.is_empty() {
        return result_with_errors(&validation_errors);
    }

    let mut errors: Vec<GraphQLError> = selection_error
        .into_iter()
        .map(|message| GraphQLError::new(message, Vec::new()))
        .collect();
    let no_variables = Map::new();
    let raw_variables = request.variables.as_ref().unwrap_or(&no_variables);
    let variables = operation.and_then(|operation| {
        match coerce::coerce_variable_values(operation, raw_variables, &lines) {
            Ok(variables) => Some(variables),
            Err(variable_errors) => {
                errors.extend(variable_errors);
                None
            }
        }
    });
    let (Some(operation), Some(variables), true) = (operation, variables, errors.is_empty()) else {
        return result_with_errors(&errors);
    };

    match execute::execute_operation(&document, operation, &variables, &lines, resolver) {
        execute::Outcome::Internal => internal_error(),
        execute::Outcome::Completed { data, errors } => {
            let mut body = Map::new();
            if !errors.is_empty() {
                body.insert(
                    "errors".to_owned(),
                    Value::Array(errors.iter().map(GraphQLError::to_json).collect()),
                );
            }
            if let Some(data) = data {
                body.insert("data".to_owned(), Value::Object(data));
            }
            Outcome::Result {
                body: Value::Object(body),
                first_category: errors.first().map(|error| error.category),
            }
        }
    }
}

fn result_with_errors(errors: &[GraphQLError]) -> Outcome {
    Outcome::Result {
        body: errors_body(errors),
        first_category: errors.first().map(|error| error.category),
    }
}

/// `{"errors":[{"message":"Internal server error","extensions":{"category":"internal"}}]}`
pub fn internal_error() -> Outcome {
    let mut error = GraphQLError::new(INTERNAL_ERROR_MESSAGE, Vec::new());
    error.category = Category::Internal;
    Outcome::Internal(errors_body(&[error]))
}

/// A whole-request error outside execution (e.g. a refused Bearer token): one error with
/// `category` and no `data`.
pub fn request_error(message: &str, category: Category) -> Outcome {
    let mut error = GraphQLError::new(message, Vec::new());
    error.category = category;
    result_with_errors(&[error])
}
