//! A linear scan that refuses documents whose brackets nest too deeply, before anything
//! recursive (the parser, the validator, the executor) sees them. Without it a 64 KiB document
//! of `{{{{...` or `[[[[...` would overflow the stack, which in Wasm is a trap.
//!
//! Strings, block strings and comments are skipped the way the lexer reads them, so brackets
//! inside them do not count.

use super::lexer::SyntaxError;
use super::limits::MAX_NESTING;

/// The error for a document nesting deeper than [`MAX_NESTING`], at the first bracket too many.
pub fn check_nesting(source: &str) -> Result<(), SyntaxError> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut index = 0usize;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SyntaxError::new(
                        format!("Document nesting exceeds {MAX_NESTING} levels."),
                        index,
                    ));
                }
                index += 1;
            }
            // Unbalanced closers are the parser's to report.
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                index += 1;
            }
            b'#' => index = skip_comment(bytes, index),
            b'"' if bytes.get(index + 1) == Some(&b'"') && bytes.get(index + 2) == Some(&b'"') => {
                index = skip_block_string(bytes, index)
            }
            b'"' => index = skip_string(bytes, index),
            _ => index += 1,
        }
    }
    Ok(())
}

/// A comment ends at the first control character other than tab.
fn skip_comment(bytes: &[u8], start: usize) -> usize {
    let mut index = start + 1;
    while let Some(&byte) = bytes.get(index) {
        if byte < 0x20 && byte != b'\t' {
            break;
        }
        index += 1;
    }
    index
}

/// A string ends at its closing quote, or (unterminated) at a line break or the end.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut index = start + 1;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'"' => return index + 1,
            b'\n' | b'\r' => return index,
            b'\\' => index += 2,
            _ => index += 1,
        }
    }
    index
}

/// A block string ends at `"""` not escaped as `\"""`.
fn skip_block_string(bytes: &[u8], start: usize) -> usize {
    let mut index = start + 3;
    while index < bytes.len() {
        if bytes[index..].starts_with(b"\\\"\"\"") {
            index += 4;
        } else if bytes[index..].starts_with(b"\"\"\"") {
            return index + 3;
        } else {
            index += 1;
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nesting_up_to_the_limit() {
        let source = format!("{}a{}", "{".repeat(MAX_NESTING), "}".repeat(MAX_NESTING));
        assert_eq!(check_nesting(&source), Ok(()));
    }

    #[test]
    fn refuses_the_first_bracket_over_the_limit() {
        let source = "[".repeat(MAX_NESTING + 10);
        assert_eq!(
            check_nesting(&source),
            Err(SyntaxError::new(
                "Document nesting exceeds 64 levels.",
                MAX_NESTING
            ))
        );
    }

    #[test]
    fn counts_every_kind_of_bracket_together() {
        let source = "{a(b:[".repeat(MAX_NESTING);
        assert!(check_nesting(&source).is_err());
    }

    #[test]
    fn ignores_brackets_in_strings_block_strings_and_comments() {
        let deep = "{".repeat(MAX_NESTING * 2);
        let source =
            format!("{{ a(s: \"{deep}\", b: \"\"\"{deep} \\\"\"\" {deep}\"\"\") # {deep}\n}}");
        assert_eq!(check_nesting(&source), Ok(()));
    }

    #[test]
    fn a_huge_flat_document_passes_in_one_pass() {
        let source = "{ a }".repeat(20_000);
        assert_eq!(check_nesting(&source), Ok(()));
    }
}
