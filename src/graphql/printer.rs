//! graphql-php's `Printer::doPrint` for the nodes that appear in error messages: values and
//! type references.

use super::ast::{TypeNode, ValueKind, ValueNode};
use super::lexer::split_lines;

pub fn print_value(value: &ValueNode) -> String {
    match &value.kind {
        ValueKind::Variable(variable) => format!("${}", variable.name.value),
        ValueKind::Int(raw) | ValueKind::Float(raw) | ValueKind::Enum(raw) => raw.clone(),
        ValueKind::String { value, block } => {
            if *block {
                print_block_string(value)
            } else {
                print_string(value)
            }
        }
        ValueKind::Boolean(true) => "true".to_owned(),
        ValueKind::Boolean(false) => "false".to_owned(),
        ValueKind::Null => "null".to_owned(),
        ValueKind::List(items) => {
            let items: Vec<String> = items.iter().map(print_value).collect();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|field| format!("{}: {}", field.name.value, print_value(&field.value)))
                .collect();
            // graphql-php prints "{ " + fields + " }", so an empty object is "{  }".
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

pub fn print_type(ty: &TypeNode) -> String {
    match ty {
        TypeNode::Named(name) => name.value.clone(),
        TypeNode::List { item, .. } => format!("[{}]", print_type(item)),
        TypeNode::NonNull { inner, .. } => format!("{}!", print_type(inner)),
    }
}

/// A string literal as PHP's `json_encode` with `JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES`
/// writes it (graphql-php's printer): only quotes, backslashes, control characters and the
/// Unicode line terminators are escaped.
pub fn print_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `BlockString::print`.
fn print_block_string(value: &str) -> String {
    let escaped = value.replace("\"\"\"", "\\\"\"\"");
    let lines = split_lines(&escaped);
    let is_single_line = lines.len() == 1;
    let starts_with_whitespace = |line: &str| line.chars().next().is_some_and(char::is_whitespace);
    let force_leading_new_line = lines.len() > 1
        && lines
            .iter()
            .skip(1)
            .all(|line| line.is_empty() || starts_with_whitespace(line));
    let has_trailing_triple_quotes = escaped.ends_with("\\\"\"\"");
    let has_trailing_quote = value.ends_with('"') && !has_trailing_triple_quotes;
    let has_trailing_slash = value.ends_with('\\');
    let force_trailing_new_line = has_trailing_quote || has_trailing_slash;
    let print_as_multiple_lines = !is_single_line
        || value.chars().count() > 70
        || force_trailing_new_line
        || force_leading_new_line
        || has_trailing_triple_quotes;
    let mut result = String::from("\"\"\"");
    let skip_leading_new_line = is_single_line && starts_with_whitespace(value);
    if (print_as_multiple_lines && !skip_leading_new_line) || force_leading_new_line {
        result.push('\n');
    }
    result.push_str(&escaped);
    if print_as_multiple_lines {
        result.push('\n');
    }
    result.push_str("\"\"\"");
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::parser::parse;

    /// Prints the value of the first argument of the first field of `{ f(a: <value>) }`.
    fn printed(value: &str) -> String {
        let document = parse(&format!("{{ f(a: {value}) }}")).unwrap();
        let crate::graphql::ast::Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        let crate::graphql::ast::Selection::Field(field) = &operation.selection_set.selections[0]
        else {
            panic!()
        };
        print_value(&field.arguments[0].value)
    }

    #[test]
    fn prints_values_like_graphql_php() {
        assert_eq!(printed("5"), "5");
        assert_eq!(printed("-1.5e3"), "-1.5e3");
        assert_eq!(printed("$var"), "$var");
        assert_eq!(printed("ENUM"), "ENUM");
        assert_eq!(printed("null"), "null");
        assert_eq!(printed("[1,2 3]"), "[1, 2, 3]");
        assert_eq!(printed("{a:1 b:{c:true}}"), "{ a: 1, b: { c: true } }");
        assert_eq!(printed("{}"), "{  }");
    }

    #[test]
    fn prints_strings_without_escaping_slashes_or_unicode() {
        assert_eq!(printed(r#""a/é\"\n""#), r#""a/é\"\n""#);
    }

    #[test]
    fn prints_block_strings() {
        assert_eq!(printed(r#""""short""""#), r#""""short""""#);
        // The lexer dedents " lines" to "lines".
        assert_eq!(
            printed("\"\"\"two\n lines\"\"\""),
            "\"\"\"\ntwo\nlines\n\"\"\""
        );
    }

    #[test]
    fn prints_type_references() {
        let document = parse("query ($a: [String!]!) { f }").unwrap();
        let crate::graphql::ast::Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        assert_eq!(
            print_type(&operation.variable_definitions[0].ty),
            "[String!]!"
        );
    }
}
