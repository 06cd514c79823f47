//! Choosing the operation to run (graphql-php's `buildExecutionContext`).

use super::ast::{Definition, Document, OperationDefinition};

/// The operation `operation_name` names (the last one of that name), or the document's only
/// operation; with graphql-php's messages when there is none or the choice is ambiguous. An
/// ambiguous document still yields its last operation, whose variables graphql-php coerces
/// (and reports) all the same.
pub fn select_operation<'a>(
    document: &'a Document,
    operation_name: Option<&str>,
) -> (Option<&'a OperationDefinition>, Option<String>) {
    let mut selected = None;
    let mut several_without_name = false;
    for definition in &document.definitions {
        let Definition::Operation(operation) = definition else {
            continue;
        };
        match operation_name {
            None => {
                if selected.is_some() {
                    several_without_name = true;
                }
                selected = Some(operation);
            }
            Some(wanted) => {
                if operation
                    .name
                    .as_ref()
                    .is_some_and(|name| name.value == wanted)
                {
                    selected = Some(operation);
                }
            }
        }
    }
    let error = match (selected, operation_name) {
        (None, None) => Some("Must provide an operation.".to_owned()),
        (None, Some(wanted)) => Some(format!("Unknown operation named \"{wanted}\".")),
        (Some(_), _) if several_without_name => {
            Some("Must provide operation name if query contains multiple operations.".to_owned())
        }
        _ => None,
    };
    (selected, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::parser::parse;

    fn chosen(query: &str, name: Option<&str>) -> (Option<String>, Option<String>) {
        let document = parse(query).unwrap();
        let (operation, error) = select_operation(&document, name);
        let operation = operation.map(|op| {
            op.name
                .as_ref()
                .map_or("<anonymous>".to_owned(), |n| n.value.clone())
        });
        (operation, error)
    }

    #[test]
    fn picks_the_only_or_the_named_operation() {
        assert_eq!(chosen("{ a }", None), (Some("<anonymous>".into()), None));
        assert_eq!(
            chosen("query A { a } query B { b }", Some("B")),
            (Some("B".into()), None)
        );
    }

    #[test]
    fn reports_what_graphql_php_reports() {
        assert_eq!(
            chosen("query A { a } query B { b }", None),
            (
                Some("B".into()),
                Some("Must provide operation name if query contains multiple operations.".into())
            )
        );
        assert_eq!(
            chosen("query A { a }", Some("C")),
            (None, Some("Unknown operation named \"C\".".into()))
        );
        assert_eq!(
            chosen("fragment F on Query { a }", None),
            (None, Some("Must provide an operation.".into()))
        );
    }
}
