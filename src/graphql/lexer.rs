//! The lexer of graphql-php (`Language/Lexer.php`): the same tokens, the same error messages at
//! the same positions. Offsets are bytes; [`super::source::LineIndex`] turns them into the
//! character-based line/column graphql-php reports.
//!
//! Tokens are read on demand, as graphql-php does, so a parser error early in the document is
//! reported before a lexer error later on.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Sof,
    Eof,
    Bang,
    Dollar,
    Amp,
    ParenL,
    ParenR,
    Spread,
    Colon,
    Equals,
    At,
    BracketL,
    BracketR,
    BraceL,
    Pipe,
    BraceR,
    Name,
    Int,
    Float,
    String,
    BlockString,
}

impl TokenKind {
    /// graphql-php's name of the kind (`Token::*` constants), used in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Sof => "<SOF>",
            TokenKind::Eof => "<EOF>",
            TokenKind::Bang => "!",
            TokenKind::Dollar => "$",
            TokenKind::Amp => "&",
            TokenKind::ParenL => "(",
            TokenKind::ParenR => ")",
            TokenKind::Spread => "...",
            TokenKind::Colon => ":",
            TokenKind::Equals => "=",
            TokenKind::At => "@",
            TokenKind::BracketL => "[",
            TokenKind::BracketR => "]",
            TokenKind::BraceL => "{",
            TokenKind::Pipe => "|",
            TokenKind::BraceR => "}",
            TokenKind::Name => "Name",
            TokenKind::Int => "Int",
            TokenKind::Float => "Float",
            TokenKind::String => "String",
            TokenKind::BlockString => "BlockString",
        }
    }

    fn has_value(self) -> bool {
        matches!(
            self,
            TokenKind::Name
                | TokenKind::Int
                | TokenKind::Float
                | TokenKind::String
                | TokenKind::BlockString
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte offset of the first character.
    pub start: usize,
    /// The name, the number as written, or the string's value after escapes and dedent.
    pub value: String,
}

impl Token {
    /// `Token::getDescription()`: the kind, and the value in quotes when the kind has one.
    pub fn description(&self) -> String {
        if self.kind.has_value() {
            format!("{} \"{}\"", self.kind.as_str(), self.value)
        } else {
            self.kind.as_str().to_owned()
        }
    }
}

/// A lexer or parser error: graphql-php's description (without the `Syntax Error: ` prefix) and
/// the byte offset it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub description: String,
    pub offset: usize,
}

impl SyntaxError {
    pub fn new(description: impl Into<String>, offset: usize) -> Self {
        SyntaxError {
            description: description.into(),
            offset,
        }
    }

    /// The message graphql-php's `SyntaxError` carries.
    pub fn message(&self) -> String {
        format!("Syntax Error: {}", self.description)
    }
}

pub struct Lexer<'a> {
    source: &'a str,
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(source: &'a str) -> Self {
        Lexer {
            source,
            bytes: source.as_bytes(),
            position: 0,
        }
    }

    /// The next token that is not a comment.
    pub fn next_token(&mut self) -> Result<Token, SyntaxError> {
        loop {
            self.skip_ignored();
            if self.byte(self.position) == Some(b'#') {
                self.skip_comment();
            } else {
                break;
            }
        }
        let start = self.position;
        let Some(ch) = self.char_at(start) else {
            return Ok(self.token(TokenKind::Eof, start, String::new()));
        };
        let punctuator = match ch {
            '!' => Some(TokenKind::Bang),
            '$' => Some(TokenKind::Dollar),
            '&' => Some(TokenKind::Amp),
            '(' => Some(TokenKind::ParenL),
            ')' => Some(TokenKind::ParenR),
            ':' => Some(TokenKind::Colon),
            '=' => Some(TokenKind::Equals),
            '@' => Some(TokenKind::At),
            '[' => Some(TokenKind::BracketL),
            ']' => Some(TokenKind::BracketR),
            '{' => Some(TokenKind::BraceL),
            '|' => Some(TokenKind::Pipe),
            '}' => Some(TokenKind::BraceR),
            _ => None,
        };
        if let Some(kind) = punctuator {
            self.position = start + 1;
            return Ok(self.token(kind, start, String::new()));
        }
        match ch {
            '.' => {
                if self.byte(start + 1) == Some(b'.') && self.byte(start + 2) == Some(b'.') {
                    self.position = start + 3;
                    Ok(self.token(TokenKind::Spread, start, String::new()))
                } else {
                    Err(SyntaxError::new(
                        unexpected_character_message('.' as u32),
                        start,
                    ))
                }
            }
            'A'..='Z' | 'a'..='z' | '_' => Ok(self.read_name(start)),
            '-' | '0'..='9' => self.read_number(start),
            '"' => {
                if self.byte(start + 1) == Some(b'"') && self.byte(start + 2) == Some(b'"') {
                    self.read_block_string(start)
                } else {
                    self.read_string(start)
                }
            }
            other => Err(SyntaxError::new(
                unexpected_character_message(other as u32),
                start,
            )),
        }
    }

    fn token(&self, kind: TokenKind, start: usize, value: String) -> Token {
        Token { kind, start, value }
    }

    fn byte(&self, offset: usize) -> Option<u8> {
        self.bytes.get(offset).copied()
    }

    fn char_at(&self, offset: usize) -> Option<char> {
        self.source
            .get(offset..)
            .and_then(|rest| rest.chars().next())
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.source.get(start..end).unwrap_or("")
    }

    /// Whitespace, commas, line terminators and byte-order marks (`positionAfterWhitespace`).
    fn skip_ignored(&mut self) {
        loop {
            match self.byte(self.position) {
                Some(b'\t' | b' ' | b',' | b'\n' | b'\r') => self.position += 1,
                Some(0xEF)
                    if self.byte(self.position + 1) == Some(0xBB)
                        && self.byte(self.position + 2) == Some(0xBF) =>
                {
                    self.position += 3
                }
                _ => return,
            }
        }
    }

    /// A comment runs to the first control character other than tab (`readComment`).
    fn skip_comment(&mut self) {
        self.position += 1;
        while let Some(byte) = self.byte(self.position) {
            if byte < 0x20 && byte != b'\t' {
                return;
            }
            self.position += 1;
        }
    }

    fn read_name(&mut self, start: usize) -> Token {
        let length = self.bytes[start..]
            .iter()
            .take_while(|byte| byte.is_ascii_alphanumeric() || **byte == b'_')
            .count();
        self.position = start + length;
        let value = self.slice(start, self.position).to_owned();
        self.token(TokenKind::Name, start, value)
    }

    fn read_number(&mut self, start: usize) -> Result<Token, SyntaxError> {
        let mut position = start;
        let mut is_float = false;
        if self.byte(position) == Some(b'-') {
            position += 1;
        }
        if self.byte(position) == Some(b'0') {
            position += 1;
            if let Some(digit) = self.byte(position).filter(u8::is_ascii_digit) {
                return Err(SyntaxError::new(
                    format!(
                        "Invalid number, unexpected digit after 0: {}",
                        print_char_code(Some(u32::from(digit)))
                    ),
                    position,
                ));
            }
        } else {
            position = self.read_digits(position)?;
        }
        if self.byte(position) == Some(b'.') {
            is_float = true;
            position = self.read_digits(position + 1)?;
        }
        if matches!(self.byte(position), Some(b'e' | b'E')) {
            is_float = true;
            position += 1;
            if matches!(self.byte(position), Some(b'+' | b'-')) {
                position += 1;
            }
            position = self.read_digits(position)?;
        }
        self.position = position;
        let kind = if is_float {
            TokenKind::Float
        } else {
            TokenKind::Int
        };
        Ok(self.token(kind, start, self.slice(start, position).to_owned()))
    }

    fn read_digits(&self, start: usize) -> Result<usize, SyntaxError> {
        let count = self.bytes[start.min(self.bytes.len())..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if count == 0 {
            let found = self.char_at(start).map(u32::from);
            return Err(SyntaxError::new(
                format!(
                    "Invalid number, expected digit but got: {}",
                    print_char_code(found)
                ),
                start,
            ));
        }
        Ok(start + count)
    }

    fn read_string(&mut self, start: usize) -> Result<Token, SyntaxError> {
        let mut position = start + 1;
        let mut value = String::new();
        loop {
            let run_start = position;
            while let Some(byte) = self.byte(position) {
                if byte == b'"' || byte == b'\\' || (byte < 0x20 && byte != b'\t') {
                    break;
                }
                position += 1;
            }
            value.push_str(self.slice(run_start, position));
            let Some(byte) = self.byte(position) else {
                break;
            };
            if byte == b'"' {
                self.position = position + 1;
                return Ok(self.token(TokenKind::String, start, value));
            }
            if byte == b'\n' || byte == b'\r' {
                break;
            }
            if byte != b'\\' {
                return Err(invalid_string_character(u32::from(byte), position));
            }
            position += 1;
            let Some(escaped) = self.char_at(position) else {
                break;
            };
            position += escaped.len_utf8();
            match escaped {
                '"' => value.push('"'),
                '/' => value.push('/'),
                '\\' => value.push('\\'),
                'b' => value.push('\u{8}'),
                'f' => value.push('\u{c}'),
                'n' => value.push('\n'),
                'r' => value.push('\r'),
                't' => value.push('\t'),
                'u' => position = self.read_unicode_escape(position, &mut value)?,
                other => {
                    return Err(SyntaxError::new(
                        format!("Invalid character escape sequence: \\{other}"),
                        position - other.len_utf8(),
                    ));
                }
            }
        }
        Err(SyntaxError::new("Unterminated string.", position))
    }

    /// The part of `\uXXXX` after the `u` (which ends at `after_u`); returns the position after
    /// the escape. A UTF-16 surrogate is combined with the `\uXXXX` that must follow it.
    fn read_unicode_escape(
        &self,
        after_u: usize,
        value: &mut String,
    ) -> Result<usize, SyntaxError> {
        let (hex, after_hex) = self.take_chars(after_u, 4);
        if hex.chars().count() != 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(SyntaxError::new(
                format!("Invalid character escape sequence: \\u{hex}"),
                after_u - 1,
            ));
        }
        let code = u32::from_str_radix(&hex, 16).unwrap_or(0);
        if (0xD8..=0xDF).contains(&(code >> 8)) {
            let (continuation, after_continuation) = self.take_chars(after_hex, 6);
            let low = continuation
                .strip_prefix("\\u")
                .filter(|digits| digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit()))
                .and_then(|digits| u32::from_str_radix(digits, 16).ok());
            let Some(low) = low else {
                // graphql-php points one character into the continuation.
                let second = after_hex + self.char_at(after_hex).map_or(1, char::len_utf8);
                return Err(SyntaxError::new(
                    format!("Invalid UTF-16 trailing surrogate: {continuation}"),
                    second.min(self.bytes.len()),
                ));
            };
            let units = [code as u16, low as u16];
            // An ill-formed pair becomes "?" per unit, as PHP's mb_convert_encoding does.
            value.extend(char::decode_utf16(units).map(|unit| unit.unwrap_or('?')));
            return Ok(after_continuation);
        }
        if code < 0x20 && code != 0x09 {
            return Err(invalid_string_character(code, after_u - 2));
        }
        value.push(char::from_u32(code).unwrap_or('?'));
        Ok(after_hex)
    }

    /// Up to `count` characters from `start`, and the offset after them.
    fn take_chars(&self, start: usize, count: usize) -> (String, usize) {
        let rest = self.source.get(start..).unwrap_or("");
        let taken: String = rest.chars().take(count).collect();
        let end = start + taken.len();
        (taken, end)
    }

    fn read_block_string(&mut self, start: usize) -> Result<Token, SyntaxError> {
        let mut position = start + 3;
        let mut raw = String::new();
        loop {
            let Some(ch) = self.char_at(position) else {
                return Err(SyntaxError::new("Unterminated string.", position));
            };
            if ch == '"'
                && self.byte(position + 1) == Some(b'"')
                && self.byte(position + 2) == Some(b'"')
            {
                self.position = position + 3;
                return Ok(self.token(
                    TokenKind::BlockString,
                    start,
                    dedent_block_string_lines(&raw),
                ));
            }
            let code = ch as u32;
            if code < 0x20 && !matches!(ch, '\t' | '\n' | '\r') {
                return Err(invalid_string_character(code, position));
            }
            position += ch.len_utf8();
            if ch == '\\'
                && self.byte(position) == Some(b'"')
                && self.byte(position + 1) == Some(b'"')
                && self.byte(position + 2) == Some(b'"')
            {
                position += 3;
                raw.push_str("\"\"\"");
            } else {
                raw.push(ch);
            }
        }
    }
}

fn invalid_string_character(code: u32, offset: usize) -> SyntaxError {
    SyntaxError::new(
        format!(
            "Invalid character within String: {}",
            print_char_code(Some(code))
        ),
        offset,
    )
}

/// `Lexer::unexpectedCharacterMessage`.
fn unexpected_character_message(code: u32) -> String {
    if code < 0x20 && code != 0x09 && code != 0x0A && code != 0x0D {
        format!(
            "Cannot contain the invalid character {}",
            print_char_code(Some(code))
        )
    } else if code == u32::from(b'\'') {
        "Unexpected single quote character ('), did you mean to use a double quote (\")?".to_owned()
    } else {
        format!(
            "Cannot parse the unexpected character {}.",
            print_char_code(Some(code))
        )
    }
}

/// `Utils::printCharCode`: ASCII as PHP's `json_encode` writes it (so `/` is `"\/"`), anything
/// else as `"\u` + lower-case hex without padding + `"`, and `<EOF>` for the end of input.
pub fn print_char_code(code: Option<u32>) -> String {
    let Some(code) = code else {
        return "<EOF>".to_owned();
    };
    if code >= 0x7F {
        return format!("\"\\u{code:x}\"");
    }
    let escaped = match code {
        0x08 => "\\b".to_owned(),
        0x0C => "\\f".to_owned(),
        0x0A => "\\n".to_owned(),
        0x0D => "\\r".to_owned(),
        0x09 => "\\t".to_owned(),
        0x22 => "\\\"".to_owned(),
        0x5C => "\\\\".to_owned(),
        0x2F => "\\/".to_owned(),
        c if c < 0x20 => format!("\\u{c:04x}"),
        c => char::from_u32(c).map(String::from).unwrap_or_default(),
    };
    format!("\"{escaped}\"")
}

/// `BlockString::dedentBlockStringLines`, including graphql-php's notion of a blank line (only
/// spaces: its tab check never matches).
pub fn dedent_block_string_lines(raw: &str) -> String {
    let lines = split_lines(raw);
    let common_indent = block_string_indentation(raw);
    let lines: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            if index > 0 && common_indent > 0 {
                line.chars().skip(common_indent).collect()
            } else {
                (*line).to_owned()
            }
        })
        .collect();
    let is_blank = |line: &String| line.chars().all(|c| c == ' ');
    let first = lines.iter().position(|line| !is_blank(line));
    let Some(first) = first else {
        return String::new();
    };
    let last = lines
        .iter()
        .rposition(|line| !is_blank(line))
        .unwrap_or(first);
    lines
        .get(first..=last)
        .map(|kept| kept.join("\n"))
        .unwrap_or_default()
}

/// Splits on `\r\n`, `\r` and `\n` (`Utils::splitLines`).
pub fn split_lines(value: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut line_start = 0;
    let bytes = value.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\r' => {
                lines.push(&value[line_start..index]);
                index += if bytes.get(index + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                line_start = index;
            }
            b'\n' => {
                lines.push(&value[line_start..index]);
                index += 1;
                line_start = index;
            }
            _ => index += 1,
        }
    }
    lines.push(&value[line_start..]);
    lines
}

/// `BlockString::getIndentation`: the smallest indentation of the non-empty lines after the
/// first.
fn block_string_indentation(value: &str) -> usize {
    let mut is_first_line = true;
    let mut is_empty_line = true;
    let mut indent = 0;
    let mut common: Option<usize> = None;
    let mut chars = value.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\r' | '\n' => {
                if ch == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                is_first_line = false;
                is_empty_line = true;
                indent = 0;
            }
            '\t' | ' ' => indent += 1,
            _ => {
                if is_empty_line && !is_first_line && common.is_none_or(|c| indent < c) {
                    common = Some(indent);
                }
                is_empty_line = false;
            }
        }
    }
    common.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> Result<Vec<(TokenKind, String)>, SyntaxError> {
        let mut lexer = Lexer::new(source);
        let mut all = Vec::new();
        loop {
            let token = lexer.next_token()?;
            if token.kind == TokenKind::Eof {
                return Ok(all);
            }
            all.push((token.kind, token.value));
        }
    }

    fn error(source: &str) -> (String, usize) {
        let error = tokens(source).unwrap_err();
        (error.message(), error.offset)
    }

    #[test]
    fn reads_punctuators_names_and_numbers() {
        let all = tokens("{ a(x: -12.5e+3, y: 0) ... }").unwrap();
        let kinds: Vec<TokenKind> = all.iter().map(|t| t.0).collect();
        assert_eq!(
            kinds,
            vec![
                TokenKind::BraceL,
                TokenKind::Name,
                TokenKind::ParenL,
                TokenKind::Name,
                TokenKind::Colon,
                TokenKind::Float,
                TokenKind::Name,
                TokenKind::Colon,
                TokenKind::Int,
                TokenKind::ParenR,
                TokenKind::Spread,
                TokenKind::BraceR
            ]
        );
        assert_eq!(all[5].1, "-12.5e+3");
    }

    #[test]
    fn skips_comments_commas_and_byte_order_marks() {
        let all = tokens("\u{feff}# hi { \n a,,b # c").unwrap();
        assert_eq!(
            all,
            vec![(TokenKind::Name, "a".into()), (TokenKind::Name, "b".into())]
        );
    }

    #[test]
    fn unescapes_strings() {
        let all = tokens(r#""a\"b\\c\/d\n\u00e9\uD83D\uDE00""#).unwrap();
        assert_eq!(all[0].1, "a\"b\\c/d\né😀");
    }

    #[test]
    fn string_errors_match_graphql_php() {
        assert_eq!(
            error("\"abc"),
            ("Syntax Error: Unterminated string.".into(), 4)
        );
        assert_eq!(
            error("\"ab\ncd\""),
            ("Syntax Error: Unterminated string.".into(), 3)
        );
        assert_eq!(
            error("\"a\\qb\""),
            (
                "Syntax Error: Invalid character escape sequence: \\q".into(),
                3
            )
        );
        assert_eq!(
            error("\"\\u12G4\""),
            (
                "Syntax Error: Invalid character escape sequence: \\u12G4".into(),
                2
            )
        );
        assert_eq!(
            error("\"\\u0007\""),
            (
                "Syntax Error: Invalid character within String: \"\\u0007\"".into(),
                1
            )
        );
        assert_eq!(
            error("\"a\u{1}\""),
            (
                "Syntax Error: Invalid character within String: \"\\u0001\"".into(),
                2
            )
        );
        assert_eq!(
            error("\"\\uD800x\""),
            (
                "Syntax Error: Invalid UTF-16 trailing surrogate: x\"".into(),
                8
            )
        );
    }

    #[test]
    fn number_errors_match_graphql_php() {
        assert_eq!(
            error("01"),
            (
                "Syntax Error: Invalid number, unexpected digit after 0: \"1\"".into(),
                1
            )
        );
        assert_eq!(
            error("1."),
            (
                "Syntax Error: Invalid number, expected digit but got: <EOF>".into(),
                2
            )
        );
        assert_eq!(
            error("-x"),
            (
                "Syntax Error: Invalid number, expected digit but got: \"x\"".into(),
                1
            )
        );
        assert_eq!(
            error("1e}"),
            (
                "Syntax Error: Invalid number, expected digit but got: \"}\"".into(),
                2
            )
        );
    }

    #[test]
    fn character_errors_match_graphql_php() {
        assert_eq!(
            error("?"),
            (
                "Syntax Error: Cannot parse the unexpected character \"?\".".into(),
                0
            )
        );
        assert_eq!(
            error("'a'"),
            (
                "Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")?".into(),
                0
            )
        );
        assert_eq!(
            error("\u{7}"),
            (
                "Syntax Error: Cannot contain the invalid character \"\\u0007\"".into(),
                0
            )
        );
        assert_eq!(
            error("\u{e9}"),
            (
                "Syntax Error: Cannot parse the unexpected character \"\\ue9\".".into(),
                0
            )
        );
        assert_eq!(
            error(".."),
            (
                "Syntax Error: Cannot parse the unexpected character \".\".".into(),
                0
            )
        );
        assert_eq!(
            error("/"),
            (
                "Syntax Error: Cannot parse the unexpected character \"\\/\".".into(),
                0
            )
        );
    }

    #[test]
    fn block_strings_are_dedented() {
        let all = tokens("\"\"\"\n    Hello,\n      World!\n\n    Yours\n  \"\"\"").unwrap();
        assert_eq!(
            all[0],
            (TokenKind::BlockString, "Hello,\n  World!\n\nYours".into())
        );
        let escaped = tokens(r#""""a \""" b""""#).unwrap();
        assert_eq!(escaped[0].1, "a \"\"\" b");
        assert_eq!(
            error("\"\"\"abc"),
            ("Syntax Error: Unterminated string.".into(), 6)
        );
    }

    #[test]
    fn describes_tokens_like_graphql_php() {
        let mut lexer = Lexer::new("xyz 5 \"s\" {");
        let descriptions: Vec<String> = (0..5)
            .map(|_| lexer.next_token().unwrap().description())
            .collect();
        assert_eq!(
            descriptions,
            vec!["Name \"xyz\"", "Int \"5\"", "String \"s\"", "{", "<EOF>"]
        );
    }
}
