//! One entry of a response's `errors` list, printed the way graphql-php's `FormattedError`
//! prints it (members in the order message, locations, path, extensions) with Magento's
//! `extensions.category`.

use serde_json::{Map, Value};

/// Magento's `extensions.category`: what kind of failure an error is. The first error's
/// category decides the HTTP status (`http.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Every error the GraphQL engine itself raises (syntax, validation, variables).
    Graphql,
    /// The input is well-typed but not acceptable (`GraphQlInputException`).
    Input,
    /// The caller may not do this (`GraphQlAuthorizationException`).
    Authorization,
    /// The caller's credentials are unusable (`GraphQlAuthenticationException`).
    Authentication,
    /// The cause must not be shown to the client.
    Internal,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Graphql => "graphql",
            Category::Input => "graphql-input",
            Category::Authorization => "graphql-authorization",
            Category::Authentication => "graphql-authentication",
            Category::Internal => "internal",
        }
    }
}
/// graphql-php's message for an error that is not safe to show (`FormattedError`).
pub const INTERNAL_ERROR_MESSAGE: &str = "Internal server error";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One step of a response path: a response key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphQLError {
    pub message: String,
    pub locations: Vec<Location>,
    pub path: Vec<PathSegment>,
    pub category: Category,
    /// Extension members emitted after `category`.
    pub extensions: Map<String, Value>,
}

impl GraphQLError {
    /// An error of the engine itself (category `graphql`).
    pub fn new(message: impl Into<String>, locations: Vec<Location>) -> Self {
        GraphQLError {
            message: message.into(),
            locations,
            path: Vec::new(),
            category: Category::Graphql,
            extensions: Map::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut entry = Map::new();
        entry.insert("message".to_owned(), Value::String(self.message.clone()));
        // graphql-php leaves out empty `locations` and `path`.
        if !self.locations.is_empty() {
            let locations = self
                .locations
                .iter()
                .map(|location| {
                    let mut pair = Map::new();
                    pair.insert("line".to_owned(), Value::from(location.line));
                    pair.insert("column".to_owned(), Value::from(location.column));
                    Value::Object(pair)
                })
                .collect();
            entry.insert("locations".to_owned(), Value::Array(locations));
        }
        if !self.path.is_empty() {
            let path = self
                .path
                .iter()
                .map(|segment| match segment {
                    PathSegment::Key(key) => Value::String(key.clone()),
                    PathSegment::Index(index) => Value::from(*index),
                })
                .collect();
            entry.insert("path".to_owned(), Value::Array(path));
        }
        let mut extensions = Map::new();
        extensions.insert(
            "category".to_owned(),
            Value::String(self.category.as_str().to_owned()),
        );
        for (key, value) in &self.extensions {
            if key != "category" {
                extensions.insert(key.clone(), value.clone());
            }
        }
        entry.insert("extensions".to_owned(), Value::Object(extensions));
        Value::Object(entry)
    }
}

/// `{"errors": [...]}` for a list of errors.
pub fn errors_body(errors: &[GraphQLError]) -> Value {
    let mut body = Map::new();
    body.insert(
        "errors".to_owned(),
        Value::Array(errors.iter().map(GraphQLError::to_json).collect()),
    );
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_members_in_graphql_php_order() {
        let mut error = GraphQLError::new("Boom.", vec![Location { line: 2, column: 3 }]);
        error.path = vec![PathSegment::Key("a".into()), PathSegment::Index(0)];
        error.extensions.insert("extra".into(), Value::from(1));
        assert_eq!(
            error.to_json().to_string(),
            r#"{"message":"Boom.","locations":[{"line":2,"column":3}],"path":["a",0],"extensions":{"category":"graphql","extra":1}}"#
        );
    }

    #[test]
    fn leaves_out_empty_locations_and_path() {
        let error = GraphQLError::new("No nodes.", vec![]);
        assert_eq!(
            error.to_json().to_string(),
            r#"{"message":"No nodes.","extensions":{"category":"graphql"}}"#
        );
    }

    #[test]
    fn an_extension_cannot_replace_the_category() {
        let mut error = GraphQLError::new("x", vec![]);
        error
            .extensions
            .insert("category".into(), Value::from("other"));
        assert_eq!(
            error.to_json().to_string(),
            r#"{"message":"x","extensions":{"category":"graphql"}}"#
        );
    }
}
