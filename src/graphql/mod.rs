//! The GraphQL engine: parse, validate, coerce, execute and introspect, behaving like Magento's
//! webonyx/graphql-php v15 (same error messages, locations and response shape), over the
//! contract's schema (`schema.rs`).
//!
//! A request goes through, in order:
//! 1. `depth_guard`: a linear scan that refuses over-nested documents before anything recurses;
//! 2. `parser` (with `lexer`): syntax errors are HTTP 400;
//! 3. over GET, a mutation is refused with HTTP 405;
//! 4. `validation`: our size limits, then graphql-php's rules, then ours; errors are HTTP 200
//!    with no `data`;
//! 5. `operation` and `coerce`: choosing the operation and coercing its variables; errors as in 4;
//! 6. `execute` (with `introspection`): the two root fields call the [`Resolver`].
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
use error::{CATEGORY_INTERNAL, GraphQLError, INTERNAL_ERROR_MESSAGE, errors_body};
use execute::Outcome;
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
    /// e.g. "graphql-input", "graphql-authorization"
    pub category: &'static str,
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

/// The two root fields that do real work; everything else (typename, introspection, field
/// selection, fragments, directives) is the engine's.
pub trait Resolver {
    /// Mutation.exchangeExternalCustomerToken. `input` is the fully coerced `input` argument
    /// (an object `{"customer": {...}}` holding only the fields that were provided, values
    /// already coerced: Int as JSON integer, Boolean, String, lists, null where given as null).
    /// Returns `{"customer": <Customer object>, "token": "..."}`.
    fn exchange_external_customer_token(
        &mut self,
        input: &Map<String, Value>,
    ) -> Result<Value, ResolveError>;
    /// Query.customer. Returns a Customer object (or Value::Null).
    fn customer(&mut self) -> Result<Value, ResolveError>;
}

/// A Customer object is a JSON object holding EVERY field of the schema's `Customer` type by
/// its schema name (id, email, firstname, ..., custom_attributes as [{"code","value"}],
/// confirmation_status as the enum name string). The engine selects from it.
pub struct Response {
    pub status: u16,
    pub body: Value,
}

/// The message for a mutation sent over GET (GraphQL over HTTP: 405).
const MUTATION_OVER_GET: &str = "Can only perform a mutation operation from a POST request.";

pub fn execute(request: &Request, transport: Transport, resolver: &mut dyn Resolver) -> Response {
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
            return errors_response(400, &[error]);
        }
    };

    let (operation, selection_error) =
        operation::select_operation(&document, request.operation_name.as_deref());
    if transport == Transport::Get
        && selection_error.is_none()
        && operation.is_some_and(|operation| operation.kind == OperationKind::Mutation)
    {
        return errors_response(405, &[GraphQLError::new(MUTATION_OVER_GET, Vec::new())]);
    }

    let validation_errors = validation::validate(&document, &lines);
    if !validation_errors.is_empty() {
        return errors_response(200, &validation_errors);
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
        return errors_response(200, &errors);
    };

    match execute::execute_operation(&document, operation, &variables, &lines, resolver) {
        Outcome::Internal => internal_error_response(),
        Outcome::Completed { data, errors } => {
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
            Response {
                status: 200,
                body: Value::Object(body),
            }
        }
    }
}

fn errors_response(status: u16, errors: &[GraphQLError]) -> Response {
    Response {
        status,
        body: errors_body(errors),
    }
}

fn internal_error_response() -> Response {
    let mut error = GraphQLError::new(INTERNAL_ERROR_MESSAGE, Vec::new());
    error.category = CATEGORY_INTERNAL;
    errors_response(500, &[error])
}
