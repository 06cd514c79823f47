//! Byte offsets in the query text, turned into the `line`/`column` graphql-php reports.
//!
//! graphql-php counts columns in characters (not bytes) and treats `\r\n`, `\n`, `\r`, U+2028
//! and U+2029 as line breaks (`Source::getLocation`). The AST stores byte offsets; this index
//! converts them only when an error is reported.

use super::error::Location;

pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where each line starts; the first is always 0.
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        let mut chars = text.char_indices().peekable();
        while let Some((offset, ch)) = chars.next() {
            match ch {
                '\r' => {
                    if let Some(&(_, '\n')) = chars.peek() {
                        chars.next();
                        line_starts.push(offset + 2);
                    } else {
                        line_starts.push(offset + 1);
                    }
                }
                '\n' => line_starts.push(offset + 1),
                '\u{2028}' | '\u{2029}' => line_starts.push(offset + ch.len_utf8()),
                _ => {}
            }
        }
        LineIndex { text, line_starts }
    }

    /// The document's text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    pub fn location(&self, offset: usize) -> Location {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let line_start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = match self.text.get(line_start..offset) {
            Some(prefix) => prefix.chars().count() + 1,
            None => offset.saturating_sub(line_start) + 1,
        };
        Location { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: usize) -> (usize, usize) {
        let loc = LineIndex::new(text).location(offset);
        (loc.line, loc.column)
    }

    #[test]
    fn first_character_is_line_one_column_one() {
        assert_eq!(at("{ a }", 0), (1, 1));
        assert_eq!(at("{ a }", 2), (1, 3));
    }

    #[test]
    fn every_line_terminator_of_graphql_php_starts_a_line() {
        assert_eq!(at("\n{", 1), (2, 1));
        assert_eq!(at("\r\n{", 2), (2, 1));
        assert_eq!(at("\r{", 1), (2, 1));
        assert_eq!(at("#\u{2028}{", 4), (2, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // "é" is two bytes but one column.
        assert_eq!(at("\"é\" x", 5), (1, 5));
    }

    #[test]
    fn tab_is_one_column() {
        assert_eq!(at("\tx", 1), (1, 2));
    }

    #[test]
    fn end_of_input_is_a_valid_position() {
        assert_eq!(at("{\n", 2), (2, 1));
    }
}
