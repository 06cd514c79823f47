//! A recursive-descent parser that follows graphql-php's `Language/Parser.php` rule by rule, so
//! that every syntax error has graphql-php's wording and position.
//!
//! Recursion is bounded because [`super::depth_guard`] has refused any document whose brackets
//! nest deeper than [`super::limits::MAX_NESTING`] before this parser runs.

use super::ast::*;
use super::lexer::{Lexer, SyntaxError, Token, TokenKind};

/// Parses an executable document (type-system definitions are parsed and kept only by name,
/// for the `ExecutableDefinitions` rule to reject).
pub fn parse(source: &str) -> Result<Document, SyntaxError> {
    let mut parser = Parser {
        lexer: Lexer::new(source),
        token: Token {
            kind: TokenKind::Sof,
            start: 0,
            value: String::new(),
        },
        lookahead: None,
    };
    parser.parse_document()
}

/// The directive locations graphql-php knows (`DirectiveLocation::has`).
const DIRECTIVE_LOCATIONS: [&str; 19] = [
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
];

type Parsed<T> = Result<T, SyntaxError>;

struct Parser<'a> {
    lexer: Lexer<'a>,
    token: Token,
    lookahead: Option<Token>,
}

impl Parser<'_> {
    // ----- token plumbing (graphql-php's peek / skip / expect / unexpected) -----

    fn advance(&mut self) -> Parsed<()> {
        self.token = match self.lookahead.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(())
    }

    /// The token after the current one, without consuming anything.
    fn lookahead(&mut self) -> Parsed<Token> {
        if self.token.kind == TokenKind::Eof {
            return Ok(self.token.clone());
        }
        if self.lookahead.is_none() {
            self.lookahead = Some(self.lexer.next_token()?);
        }
        Ok(self.lookahead.clone().unwrap_or_else(|| self.token.clone()))
    }

    fn peek(&self, kind: TokenKind) -> bool {
        self.token.kind == kind
    }

    fn skip(&mut self, kind: TokenKind) -> Parsed<bool> {
        let matched = self.peek(kind);
        if matched {
            self.advance()?;
        }
        Ok(matched)
    }

    fn expect_token(&mut self, kind: TokenKind) -> Parsed<Token> {
        if self.peek(kind) {
            let token = self.token.clone();
            self.advance()?;
            return Ok(token);
        }
        Err(SyntaxError::new(
            format!(
                "Expected {}, found {}",
                kind.as_str(),
                self.token.description()
            ),
            self.token.start,
        ))
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        self.token.kind == TokenKind::Name && self.token.value == keyword
    }

    fn expect_keyword(&mut self, keyword: &str) -> Parsed<()> {
        if !self.is_keyword(keyword) {
            return Err(SyntaxError::new(
                format!("Expected \"{keyword}\", found {}", self.token.description()),
                self.token.start,
            ));
        }
        self.advance()
    }

    fn expect_optional_keyword(&mut self, keyword: &str) -> Parsed<bool> {
        if self.is_keyword(keyword) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn unexpected(&self) -> SyntaxError {
        unexpected_at(&self.token)
    }

    /// `many`: an opening token, one or more items, a closing token.
    fn many<T>(
        &mut self,
        open: TokenKind,
        mut item: impl FnMut(&mut Self) -> Parsed<T>,
        close: TokenKind,
    ) -> Parsed<Vec<T>> {
        self.expect_token(open)?;
        let mut items = vec![item(self)?];
        while !self.skip(close)? {
            items.push(item(self)?);
        }
        Ok(items)
    }

    // ----- document -----

    fn parse_document(&mut self) -> Parsed<Document> {
        let definitions = self.many(TokenKind::Sof, Self::parse_definition, TokenKind::Eof)?;
        Ok(Document { definitions })
    }

    fn parse_definition(&mut self) -> Parsed<Definition> {
        if self.peek(TokenKind::Name) {
            match self.token.value.as_str() {
                "query" | "mutation" | "subscription" | "fragment" => {
                    return self.parse_executable_definition();
                }
                "schema" | "scalar" | "type" | "interface" | "union" | "enum" | "input"
                | "directive" => {
                    return self
                        .parse_type_system_definition()
                        .map(Definition::TypeSystem);
                }
                "extend" => {
                    return self
                        .parse_type_system_extension()
                        .map(Definition::TypeSystem);
                }
                _ => {}
            }
        } else if self.peek(TokenKind::BraceL) {
            return self.parse_executable_definition();
        } else if self.peek_description() {
            return self
                .parse_type_system_definition()
                .map(Definition::TypeSystem);
        }
        Err(self.unexpected())
    }

    fn parse_executable_definition(&mut self) -> Parsed<Definition> {
        if self.peek(TokenKind::Name) {
            match self.token.value.as_str() {
                "query" | "mutation" | "subscription" => {
                    return self.parse_operation_definition().map(Definition::Operation);
                }
                "fragment" => {
                    return self.parse_fragment_definition().map(Definition::Fragment);
                }
                _ => {}
            }
        } else if self.peek(TokenKind::BraceL) {
            return self.parse_operation_definition().map(Definition::Operation);
        }
        Err(self.unexpected())
    }

    // ----- operations -----

    fn parse_operation_definition(&mut self) -> Parsed<OperationDefinition> {
        let loc = self.token.start;
        if self.peek(TokenKind::BraceL) {
            return Ok(OperationDefinition {
                loc,
                kind: OperationKind::Query,
                name: None,
                variable_definitions: Vec::new(),
                directives: Vec::new(),
                selection_set: self.parse_selection_set()?,
            });
        }
        let kind = self.parse_operation_type()?;
        let name = if self.peek(TokenKind::Name) {
            Some(self.parse_name()?)
        } else {
            None
        };
        Ok(OperationDefinition {
            loc,
            kind,
            name,
            variable_definitions: self.parse_variable_definitions()?,
            directives: self.parse_directives(false)?,
            selection_set: self.parse_selection_set()?,
        })
    }

    fn parse_operation_type(&mut self) -> Parsed<OperationKind> {
        let token = self.expect_token(TokenKind::Name)?;
        match token.value.as_str() {
            "query" => Ok(OperationKind::Query),
            "mutation" => Ok(OperationKind::Mutation),
            "subscription" => Ok(OperationKind::Subscription),
            _ => Err(unexpected_at(&token)),
        }
    }

    fn parse_variable_definitions(&mut self) -> Parsed<Vec<VariableDefinition>> {
        if !self.peek(TokenKind::ParenL) {
            return Ok(Vec::new());
        }
        self.many(
            TokenKind::ParenL,
            Self::parse_variable_definition,
            TokenKind::ParenR,
        )
    }

    fn parse_variable_definition(&mut self) -> Parsed<VariableDefinition> {
        let loc = self.token.start;
        let variable = self.parse_variable()?;
        self.expect_token(TokenKind::Colon)?;
        let ty = self.parse_type_reference()?;
        let default_value = if self.skip(TokenKind::Equals)? {
            Some(self.parse_value_literal(true)?)
        } else {
            None
        };
        Ok(VariableDefinition {
            loc,
            variable,
            ty,
            default_value,
            directives: self.parse_directives(true)?,
        })
    }

    fn parse_variable(&mut self) -> Parsed<Variable> {
        let loc = self.token.start;
        self.expect_token(TokenKind::Dollar)?;
        let name = self.parse_name()?;
        Ok(Variable { loc, name })
    }

    fn parse_selection_set(&mut self) -> Parsed<SelectionSet> {
        let loc = self.token.start;
        let selections = self.many(TokenKind::BraceL, Self::parse_selection, TokenKind::BraceR)?;
        Ok(SelectionSet { loc, selections })
    }

    fn parse_selection(&mut self) -> Parsed<Selection> {
        if self.peek(TokenKind::Spread) {
            self.parse_fragment()
        } else {
            self.parse_field().map(Selection::Field)
        }
    }

    fn parse_field(&mut self) -> Parsed<Field> {
        let loc = self.token.start;
        let name_or_alias = self.parse_name()?;
        let (alias, name) = if self.skip(TokenKind::Colon)? {
            (Some(name_or_alias), self.parse_name()?)
        } else {
            (None, name_or_alias)
        };
        let arguments = self.parse_arguments(false)?;
        let directives = self.parse_directives(false)?;
        let selection_set = if self.peek(TokenKind::BraceL) {
            Some(self.parse_selection_set()?)
        } else {
            None
        };
        Ok(Field {
            loc,
            alias,
            name,
            arguments,
            directives,
            selection_set,
        })
    }

    fn parse_arguments(&mut self, is_const: bool) -> Parsed<Vec<Argument>> {
        if !self.peek(TokenKind::ParenL) {
            return Ok(Vec::new());
        }
        self.many(
            TokenKind::ParenL,
            |parser| parser.parse_argument(is_const),
            TokenKind::ParenR,
        )
    }

    fn parse_argument(&mut self, is_const: bool) -> Parsed<Argument> {
        let loc = self.token.start;
        let name = self.parse_name()?;
        self.expect_token(TokenKind::Colon)?;
        let value = self.parse_value_literal(is_const)?;
        Ok(Argument { loc, name, value })
    }

    // ----- fragments -----

    fn parse_fragment(&mut self) -> Parsed<Selection> {
        let loc = self.token.start;
        self.expect_token(TokenKind::Spread)?;
        let has_type_condition = self.expect_optional_keyword("on")?;
        if !has_type_condition && self.peek(TokenKind::Name) {
            return Ok(Selection::FragmentSpread(FragmentSpread {
                loc,
                name: self.parse_fragment_name()?,
                directives: self.parse_directives(false)?,
            }));
        }
        let type_condition = if has_type_condition {
            Some(self.parse_name()?)
        } else {
            None
        };
        Ok(Selection::InlineFragment(InlineFragment {
            loc,
            type_condition,
            directives: self.parse_directives(false)?,
            selection_set: self.parse_selection_set()?,
        }))
    }

    fn parse_fragment_definition(&mut self) -> Parsed<FragmentDefinition> {
        let loc = self.token.start;
        self.expect_keyword("fragment")?;
        let name = self.parse_fragment_name()?;
        self.expect_keyword("on")?;
        let type_condition = self.parse_name()?;
        Ok(FragmentDefinition {
            loc,
            name,
            type_condition,
            directives: self.parse_directives(false)?,
            selection_set: self.parse_selection_set()?,
        })
    }

    fn parse_fragment_name(&mut self) -> Parsed<Name> {
        // graphql-php compares the token's value whatever its kind.
        if self.token.value == "on" {
            return Err(self.unexpected());
        }
        self.parse_name()
    }

    fn parse_name(&mut self) -> Parsed<Name> {
        let token = self.expect_token(TokenKind::Name)?;
        Ok(Name {
            value: token.value,
            loc: token.start,
        })
    }

    // ----- values -----

    fn parse_value_literal(&mut self, is_const: bool) -> Parsed<ValueNode> {
        let loc = self.token.start;
        let kind = match self.token.kind {
            TokenKind::BracketL => {
                self.advance()?;
                let mut items = Vec::new();
                while !self.skip(TokenKind::BracketR)? {
                    items.push(self.parse_value_literal(is_const)?);
                }
                ValueKind::List(items)
            }
            TokenKind::BraceL => {
                self.advance()?;
                let mut fields = Vec::new();
                while !self.skip(TokenKind::BraceR)? {
                    fields.push(self.parse_object_field(is_const)?);
                }
                ValueKind::Object(fields)
            }
            TokenKind::Int => ValueKind::Int(self.take_value()?),
            TokenKind::Float => ValueKind::Float(self.take_value()?),
            TokenKind::String => ValueKind::String {
                value: self.take_value()?,
                block: false,
            },
            TokenKind::BlockString => ValueKind::String {
                value: self.take_value()?,
                block: true,
            },
            TokenKind::Name => {
                let name = self.take_value()?;
                match name.as_str() {
                    "true" => ValueKind::Boolean(true),
                    "false" => ValueKind::Boolean(false),
                    "null" => ValueKind::Null,
                    _ => ValueKind::Enum(name),
                }
            }
            TokenKind::Dollar if !is_const => {
                let variable = self.parse_variable()?;
                ValueKind::Variable(variable)
            }
            _ => return Err(self.unexpected()),
        };
        Ok(ValueNode { loc, kind })
    }

    fn take_value(&mut self) -> Parsed<String> {
        let value = std::mem::take(&mut self.token.value);
        self.advance()?;
        Ok(value)
    }

    fn parse_object_field(&mut self, is_const: bool) -> Parsed<ObjectField> {
        let loc = self.token.start;
        let name = self.parse_name()?;
        self.expect_token(TokenKind::Colon)?;
        let value = self.parse_value_literal(is_const)?;
        Ok(ObjectField { loc, name, value })
    }

    // ----- directives and types -----

    fn parse_directives(&mut self, is_const: bool) -> Parsed<Vec<Directive>> {
        let mut directives = Vec::new();
        while self.peek(TokenKind::At) {
            let loc = self.token.start;
            self.advance()?;
            let name = self.parse_name()?;
            let arguments = self.parse_arguments(is_const)?;
            directives.push(Directive {
                loc,
                name,
                arguments,
            });
        }
        Ok(directives)
    }

    fn parse_type_reference(&mut self) -> Parsed<TypeNode> {
        let loc = self.token.start;
        let ty = if self.skip(TokenKind::BracketL)? {
            let item = self.parse_type_reference()?;
            self.expect_token(TokenKind::BracketR)?;
            TypeNode::List {
                loc,
                item: Box::new(item),
            }
        } else {
            TypeNode::Named(self.parse_name()?)
        };
        if self.skip(TokenKind::Bang)? {
            return Ok(TypeNode::NonNull {
                loc,
                inner: Box::new(ty),
            });
        }
        Ok(ty)
    }

    // ----- type system (parsed for syntax only) -----

    fn peek_description(&self) -> bool {
        self.peek(TokenKind::String) || self.peek(TokenKind::BlockString)
    }

    fn skip_description(&mut self) -> Parsed<()> {
        if self.peek_description() {
            self.advance()?;
        }
        Ok(())
    }

    fn parse_type_system_definition(&mut self) -> Parsed<TypeSystemDefinition> {
        let loc = self.token.start;
        let keyword = if self.peek_description() {
            self.lookahead()?
        } else {
            self.token.clone()
        };
        if keyword.kind == TokenKind::Name {
            let name = match keyword.value.as_str() {
                "schema" => Some(self.parse_schema_definition().map(|()| None)?),
                "scalar" => {
                    Some(self.parse_named_definition("scalar", |p| p.parse_const_directives())?)
                }
                "type" => Some(self.parse_named_definition("type", Self::parse_object_like_body)?),
                "interface" => {
                    Some(self.parse_named_definition("interface", Self::parse_object_like_body)?)
                }
                "union" => Some(self.parse_named_definition("union", Self::parse_union_body)?),
                "enum" => Some(self.parse_named_definition("enum", Self::parse_enum_body)?),
                "input" => Some(self.parse_named_definition("input", Self::parse_input_body)?),
                "directive" => Some(self.parse_directive_definition()?),
                _ => None,
            };
            if let Some(name) = name {
                let defines_type = !matches!(keyword.value.as_str(), "schema" | "directive");
                return Ok(TypeSystemDefinition {
                    loc,
                    defines_type,
                    name,
                });
            }
        }
        Err(unexpected_at(&keyword))
    }

    fn parse_schema_definition(&mut self) -> Parsed<()> {
        self.skip_description()?;
        self.expect_keyword("schema")?;
        self.parse_directives(true)?;
        self.many(
            TokenKind::BraceL,
            Self::parse_operation_type_definition,
            TokenKind::BraceR,
        )?;
        Ok(())
    }

    fn parse_operation_type_definition(&mut self) -> Parsed<()> {
        self.parse_operation_type()?;
        self.expect_token(TokenKind::Colon)?;
        self.parse_name()?;
        Ok(())
    }

    /// `description? keyword Name body`, returning the name.
    fn parse_named_definition(
        &mut self,
        keyword: &str,
        body: impl FnOnce(&mut Self) -> Parsed<bool>,
    ) -> Parsed<Option<String>> {
        self.skip_description()?;
        self.expect_keyword(keyword)?;
        let name = self.parse_name()?;
        body(self)?;
        Ok(Some(name.value))
    }

    /// The parts after the name of a `type` or `interface`; true when any was present.
    fn parse_object_like_body(&mut self) -> Parsed<bool> {
        let interfaces = self.parse_implements_interfaces()?;
        let directives = self.parse_const_directives()?;
        let fields = self.parse_fields_definition()?;
        Ok(interfaces || directives || fields)
    }

    fn parse_const_directives(&mut self) -> Parsed<bool> {
        Ok(!self.parse_directives(true)?.is_empty())
    }

    fn parse_implements_interfaces(&mut self) -> Parsed<bool> {
        if !self.expect_optional_keyword("implements")? {
            return Ok(false);
        }
        self.skip(TokenKind::Amp)?;
        loop {
            self.parse_name()?;
            if !self.skip(TokenKind::Amp)? {
                return Ok(true);
            }
        }
    }

    fn parse_fields_definition(&mut self) -> Parsed<bool> {
        if !self.peek(TokenKind::BraceL) {
            return Ok(false);
        }
        self.many(
            TokenKind::BraceL,
            Self::parse_field_definition,
            TokenKind::BraceR,
        )?;
        Ok(true)
    }

    fn parse_field_definition(&mut self) -> Parsed<()> {
        self.skip_description()?;
        self.parse_name()?;
        self.parse_arguments_definition()?;
        self.expect_token(TokenKind::Colon)?;
        self.parse_type_reference()?;
        self.parse_directives(true)?;
        Ok(())
    }

    fn parse_arguments_definition(&mut self) -> Parsed<()> {
        if self.peek(TokenKind::ParenL) {
            self.many(
                TokenKind::ParenL,
                Self::parse_input_value_definition,
                TokenKind::ParenR,
            )?;
        }
        Ok(())
    }

    fn parse_input_value_definition(&mut self) -> Parsed<()> {
        self.skip_description()?;
        self.parse_name()?;
        self.expect_token(TokenKind::Colon)?;
        self.parse_type_reference()?;
        if self.skip(TokenKind::Equals)? {
            self.parse_value_literal(true)?;
        }
        self.parse_directives(true)?;
        Ok(())
    }

    fn parse_union_body(&mut self) -> Parsed<bool> {
        let directives = self.parse_const_directives()?;
        let mut members = false;
        if self.skip(TokenKind::Equals)? {
            self.skip(TokenKind::Pipe)?;
            loop {
                self.parse_name()?;
                members = true;
                if !self.skip(TokenKind::Pipe)? {
                    break;
                }
            }
        }
        Ok(directives || members)
    }

    fn parse_enum_body(&mut self) -> Parsed<bool> {
        let directives = self.parse_const_directives()?;
        let mut values = false;
        if self.peek(TokenKind::BraceL) {
            self.many(
                TokenKind::BraceL,
                |parser| {
                    parser.skip_description()?;
                    parser.parse_name()?;
                    parser.parse_directives(true)?;
                    Ok(())
                },
                TokenKind::BraceR,
            )?;
            values = true;
        }
        Ok(directives || values)
    }

    fn parse_input_body(&mut self) -> Parsed<bool> {
        let directives = self.parse_const_directives()?;
        let mut fields = false;
        if self.peek(TokenKind::BraceL) {
            self.many(
                TokenKind::BraceL,
                Self::parse_input_value_definition,
                TokenKind::BraceR,
            )?;
            fields = true;
        }
        Ok(directives || fields)
    }

    fn parse_directive_definition(&mut self) -> Parsed<Option<String>> {
        self.skip_description()?;
        self.expect_keyword("directive")?;
        self.expect_token(TokenKind::At)?;
        let name = self.parse_name()?;
        self.parse_arguments_definition()?;
        self.expect_optional_keyword("repeatable")?;
        self.expect_keyword("on")?;
        self.skip(TokenKind::Pipe)?;
        loop {
            let start = self.token.clone();
            let location = self.parse_name()?;
            if !DIRECTIVE_LOCATIONS.contains(&location.value.as_str()) {
                return Err(unexpected_at(&start));
            }
            if !self.skip(TokenKind::Pipe)? {
                break;
            }
        }
        Ok(Some(name.value))
    }

    fn parse_type_system_extension(&mut self) -> Parsed<TypeSystemDefinition> {
        let loc = self.token.start;
        let keyword = self.lookahead()?;
        if keyword.kind == TokenKind::Name {
            let kind = keyword.value.as_str();
            if kind == "schema" {
                self.expect_keyword("extend")?;
                self.expect_keyword("schema")?;
                self.parse_directives(true)?;
                if self.peek(TokenKind::BraceL) {
                    self.many(
                        TokenKind::BraceL,
                        Self::parse_operation_type_definition,
                        TokenKind::BraceR,
                    )?;
                }
                // graphql-php builds, but forgets to throw, the error for an empty extension.
                return Ok(TypeSystemDefinition {
                    loc,
                    defines_type: false,
                    name: None,
                });
            }
            let body: Option<fn(&mut Self) -> Parsed<bool>> = match kind {
                "scalar" => Some(Self::parse_const_directives),
                "type" | "interface" => Some(Self::parse_object_like_body),
                "union" => Some(Self::parse_union_body),
                "enum" => Some(Self::parse_enum_body),
                "input" => Some(Self::parse_input_body),
                _ => None,
            };
            if let Some(body) = body {
                let kind = kind.to_owned();
                self.expect_keyword("extend")?;
                self.expect_keyword(&kind)?;
                let name = self.parse_name()?;
                if !body(self)? {
                    return Err(self.unexpected());
                }
                return Ok(TypeSystemDefinition {
                    loc,
                    defines_type: false,
                    name: Some(name.value),
                });
            }
        }
        Err(unexpected_at(&keyword))
    }
}

fn unexpected_at(token: &Token) -> SyntaxError {
    SyntaxError::new(format!("Unexpected {}", token.description()), token.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(source: &str) -> (String, usize) {
        let error = parse(source).unwrap_err();
        (error.message(), error.offset)
    }

    #[test]
    fn parses_operations_fragments_and_values() {
        let document = parse(
            r#"
            mutation Exchange($input: ExchangeExternalCustomerTokenInput! = {customer: {email: "a"}}) {
              result: exchangeExternalCustomerToken(input: $input) @include(if: true) {
                ...Parts
                ... on ExchangeExternalCustomerTokenOutput { token }
              }
            }
            fragment Parts on ExchangeExternalCustomerTokenOutput { customer { email } }
            "#,
        )
        .unwrap();
        assert_eq!(document.definitions.len(), 2);
        let Definition::Operation(operation) = &document.definitions[0] else {
            panic!("operation expected");
        };
        assert_eq!(operation.kind, OperationKind::Mutation);
        assert_eq!(
            operation.variable_definitions[0].variable.name.value,
            "input"
        );
        let Selection::Field(field) = &operation.selection_set.selections[0] else {
            panic!("field expected");
        };
        assert_eq!(field.response_key(), "result");
        assert_eq!(field.name.value, "exchangeExternalCustomerToken");
        assert_eq!(field.directives[0].name.value, "include");
    }

    #[test]
    fn keeps_repeated_object_fields_in_order() {
        let document = parse("{ a(x: {b: 1, b: 2}) }").unwrap();
        let Definition::Operation(operation) = &document.definitions[0] else {
            panic!()
        };
        let Selection::Field(field) = &operation.selection_set.selections[0] else {
            panic!()
        };
        let ValueKind::Object(fields) = &field.arguments[0].value.kind else {
            panic!()
        };
        let names: Vec<&str> = fields.iter().map(|f| f.name.value.as_str()).collect();
        assert_eq!(names, vec!["b", "b"]);
    }

    #[test]
    fn syntax_errors_match_graphql_php() {
        assert_eq!(error(""), ("Syntax Error: Unexpected <EOF>".into(), 0));
        assert_eq!(
            error("{"),
            ("Syntax Error: Expected Name, found <EOF>".into(), 1)
        );
        assert_eq!(
            error("{}"),
            ("Syntax Error: Expected Name, found }".into(), 1)
        );
        assert_eq!(
            error("xyz"),
            ("Syntax Error: Unexpected Name \"xyz\"".into(), 0)
        );
        assert_eq!(
            error("query Q($a Int) { a }"),
            ("Syntax Error: Expected :, found Name \"Int\"".into(), 11)
        );
        assert_eq!(
            error("{ a(x: $y) } query ($v: Int = $w) { a }"),
            ("Syntax Error: Unexpected $".into(), 30)
        );
        assert_eq!(
            error("fragment on on T { a }"),
            ("Syntax Error: Unexpected Name \"on\"".into(), 9)
        );
        assert_eq!(
            error("fragment F T { a }"),
            ("Syntax Error: Expected \"on\", found Name \"T\"".into(), 11)
        );
        assert_eq!(
            error("notanoperation Foo { a }"),
            ("Syntax Error: Unexpected Name \"notanoperation\"".into(), 0)
        );
        assert_eq!(
            error("{ ...on }"),
            ("Syntax Error: Expected Name, found }".into(), 8)
        );
        assert_eq!(error("{ a }}"), ("Syntax Error: Unexpected }".into(), 5));
    }

    #[test]
    fn lexer_errors_surface_when_the_token_is_reached() {
        // The parser fails at "}" before the lexer reaches the bad character.
        assert_eq!(
            error("{ } ?"),
            ("Syntax Error: Expected Name, found }".into(), 2)
        );
        assert_eq!(
            error("{ a ? }"),
            (
                "Syntax Error: Cannot parse the unexpected character \"?\".".into(),
                4
            )
        );
    }

    #[test]
    fn type_system_definitions_are_kept_by_name() {
        let document = parse(
            "\"described\" type Foo implements & A & B @d { f(a: Int = 1): [String!]! }\n\
             schema { query: Q }\n\
             extend input In { x: Int }\n\
             directive @dir(a: Int) repeatable on FIELD | QUERY\n\
             union U = | A | B\n\
             enum E { A B }\n\
             scalar S",
        )
        .unwrap();
        let names: Vec<Option<String>> = document
            .definitions
            .iter()
            .map(|definition| match definition {
                Definition::TypeSystem(def) => def.name.clone(),
                _ => Some("executable".into()),
            })
            .collect();
        assert_eq!(
            names,
            vec![
                Some("Foo".into()),
                None,
                Some("In".into()),
                Some("dir".into()),
                Some("U".into()),
                Some("E".into()),
                Some("S".into())
            ]
        );
    }

    #[test]
    fn type_system_syntax_errors_match_graphql_php() {
        assert_eq!(
            error("directive @d on NOWHERE"),
            ("Syntax Error: Unexpected Name \"NOWHERE\"".into(), 16)
        );
        assert_eq!(
            error("extend type T"),
            ("Syntax Error: Unexpected <EOF>".into(), 13)
        );
        assert_eq!(
            error("\"doc\" query { a }"),
            ("Syntax Error: Unexpected Name \"query\"".into(), 6)
        );
    }
}
