//! The executable document, as graphql-php's parser builds it. Every node keeps the byte
//! offset where it starts (`loc`), which is what graphql-php reports as an error's location.
//! Lists keep source order and duplicates (an object value with a repeated field is kept as
//! written, so `UniqueInputFieldNames` can see it).

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub value: String,
    pub loc: usize,
}

/// `$name`: `loc` is the `$`, `name.loc` the name after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub loc: usize,
    pub name: Name,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub definitions: Vec<Definition>,
}

impl Document {
    /// The fragment definitions by name; a repeated name keeps the last one, as graphql-php's
    /// `getFragment` does.
    pub fn fragments_by_name(&self) -> HashMap<&str, &FragmentDefinition> {
        let mut fragments = HashMap::new();
        for definition in &self.definitions {
            if let Definition::Fragment(fragment) = definition {
                fragments.insert(fragment.name.value.as_str(), fragment);
            }
        }
        fragments
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    Operation(OperationDefinition),
    Fragment(FragmentDefinition),
    /// A type-system definition or extension: syntactically valid SDL, never executable.
    TypeSystem(TypeSystemDefinition),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OperationDefinition {
    pub loc: usize,
    pub kind: OperationKind,
    pub name: Option<Name>,
    pub variable_definitions: Vec<VariableDefinition>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariableDefinition {
    pub loc: usize,
    pub variable: Variable,
    pub ty: TypeNode,
    pub default_value: Option<ValueNode>,
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeNode {
    Named(Name),
    List { loc: usize, item: Box<TypeNode> },
    NonNull { loc: usize, inner: Box<TypeNode> },
}

impl TypeNode {
    pub fn loc(&self) -> usize {
        match self {
            TypeNode::Named(name) => name.loc,
            TypeNode::List { loc, .. } | TypeNode::NonNull { loc, .. } => *loc,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectionSet {
    pub loc: usize,
    pub selections: Vec<Selection>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Field(Field),
    FragmentSpread(FragmentSpread),
    InlineFragment(InlineFragment),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub loc: usize,
    pub alias: Option<Name>,
    pub name: Name,
    pub arguments: Vec<Argument>,
    pub directives: Vec<Directive>,
    pub selection_set: Option<SelectionSet>,
}

impl Field {
    /// The key of this field in the response: the alias if there is one.
    pub fn response_key(&self) -> &str {
        self.alias
            .as_ref()
            .map_or(&self.name.value, |alias| &alias.value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    pub loc: usize,
    pub name: Name,
    pub value: ValueNode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FragmentSpread {
    /// The `...`.
    pub loc: usize,
    pub name: Name,
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InlineFragment {
    /// The `...`.
    pub loc: usize,
    pub type_condition: Option<Name>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FragmentDefinition {
    pub loc: usize,
    pub name: Name,
    pub type_condition: Name,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// The `@`.
    pub loc: usize,
    pub name: Name,
    pub arguments: Vec<Argument>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueNode {
    pub loc: usize,
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Variable(Variable),
    /// The digits as written.
    Int(String),
    Float(String),
    String {
        value: String,
        block: bool,
    },
    Boolean(bool),
    Null,
    Enum(String),
    List(Vec<ValueNode>),
    Object(Vec<ObjectField>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectField {
    pub loc: usize,
    pub name: Name,
    pub value: ValueNode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeSystemDefinition {
    pub loc: usize,
    /// A type definition (not an extension, a directive or a schema), whose name counts as a
    /// known type for `KnownTypeNames`.
    pub defines_type: bool,
    /// `None` for `schema` definitions and extensions, else the defined type's or directive's name.
    pub name: Option<String>,
}
