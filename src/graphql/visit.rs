//! Depth-first traversal of a document in graphql-php's order (`Visitor::VISITOR_KEYS`),
//! keeping a [`TypeInfo`] up to date (`Visitor::visitWithTypeInfo`).
//!
//! The recursion follows the document's own nesting, which the depth guard has bounded.

use super::ast::*;
use super::type_info::TypeInfo;

/// A node of the document, as the visitor sees it.
#[derive(Clone, Copy, Debug)]
pub enum NodeRef<'a> {
    Document(&'a Document),
    OperationDefinition(&'a OperationDefinition),
    VariableDefinition(&'a VariableDefinition),
    SelectionSet(&'a SelectionSet),
    Field(&'a Field),
    Argument(&'a Argument),
    FragmentSpread(&'a FragmentSpread),
    InlineFragment(&'a InlineFragment),
    FragmentDefinition(&'a FragmentDefinition),
    Value(&'a ValueNode),
    ObjectField(&'a ObjectField),
    Directive(&'a Directive),
    NamedType(&'a Name),
    ListType(&'a TypeNode),
    NonNullType(&'a TypeNode),
    TypeSystemDefinition(&'a TypeSystemDefinition),
}

/// Identifies a node during one traversal (a struct and its first member can share an address,
/// so the kind is part of the identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(u8, usize);

impl NodeRef<'_> {
    pub fn id(&self) -> NodeId {
        fn address<T>(node: &T) -> usize {
            node as *const T as usize
        }
        match self {
            NodeRef::Document(node) => NodeId(0, address(*node)),
            NodeRef::OperationDefinition(node) => NodeId(1, address(*node)),
            NodeRef::VariableDefinition(node) => NodeId(2, address(*node)),
            NodeRef::SelectionSet(node) => NodeId(3, address(*node)),
            NodeRef::Field(node) => NodeId(4, address(*node)),
            NodeRef::Argument(node) => NodeId(5, address(*node)),
            NodeRef::FragmentSpread(node) => NodeId(6, address(*node)),
            NodeRef::InlineFragment(node) => NodeId(7, address(*node)),
            NodeRef::FragmentDefinition(node) => NodeId(8, address(*node)),
            NodeRef::Value(node) => NodeId(9, address(*node)),
            NodeRef::ObjectField(node) => NodeId(10, address(*node)),
            NodeRef::Directive(node) => NodeId(11, address(*node)),
            NodeRef::NamedType(node) => NodeId(12, address(*node)),
            NodeRef::ListType(node) => NodeId(13, address(*node)),
            NodeRef::NonNullType(node) => NodeId(14, address(*node)),
            NodeRef::TypeSystemDefinition(node) => NodeId(15, address(*node)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Do not visit this node's children (nor call `leave` for it).
    Skip,
}

pub trait Visitor<'a> {
    fn enter(&mut self, info: &TypeInfo, node: NodeRef<'a>) -> Flow;
    fn leave(&mut self, info: &TypeInfo, node: NodeRef<'a>);
}

pub fn walk<'a>(node: NodeRef<'a>, info: &mut TypeInfo, visitor: &mut dyn Visitor<'a>) {
    info.enter(node);
    if visitor.enter(info, node) == Flow::Skip {
        info.leave(node);
        return;
    }
    let mut visit = |child: NodeRef<'a>, info: &mut TypeInfo| walk(child, info, visitor);
    match node {
        NodeRef::Document(document) => {
            for definition in &document.definitions {
                let child = match definition {
                    Definition::Operation(operation) => NodeRef::OperationDefinition(operation),
                    Definition::Fragment(fragment) => NodeRef::FragmentDefinition(fragment),
                    Definition::TypeSystem(definition) => NodeRef::TypeSystemDefinition(definition),
                };
                visit(child, info);
            }
        }
        NodeRef::OperationDefinition(operation) => {
            for definition in &operation.variable_definitions {
                visit(NodeRef::VariableDefinition(definition), info);
            }
            for directive in &operation.directives {
                visit(NodeRef::Directive(directive), info);
            }
            visit(NodeRef::SelectionSet(&operation.selection_set), info);
        }
        NodeRef::VariableDefinition(definition) => {
            visit(type_node(&definition.ty), info);
            if let Some(default) = &definition.default_value {
                visit(NodeRef::Value(default), info);
            }
            for directive in &definition.directives {
                visit(NodeRef::Directive(directive), info);
            }
        }
        NodeRef::SelectionSet(selection_set) => {
            for selection in &selection_set.selections {
                let child = match selection {
                    Selection::Field(field) => NodeRef::Field(field),
                    Selection::FragmentSpread(spread) => NodeRef::FragmentSpread(spread),
                    Selection::InlineFragment(inline) => NodeRef::InlineFragment(inline),
                };
                visit(child, info);
            }
        }
        NodeRef::Field(field) => {
            for argument in &field.arguments {
                visit(NodeRef::Argument(argument), info);
            }
            for directive in &field.directives {
                visit(NodeRef::Directive(directive), info);
            }
            if let Some(selection_set) = &field.selection_set {
                visit(NodeRef::SelectionSet(selection_set), info);
            }
        }
        NodeRef::Argument(argument) => visit(NodeRef::Value(&argument.value), info),
        NodeRef::FragmentSpread(spread) => {
            for directive in &spread.directives {
                visit(NodeRef::Directive(directive), info);
            }
        }
        NodeRef::InlineFragment(inline) => {
            if let Some(condition) = &inline.type_condition {
                visit(NodeRef::NamedType(condition), info);
            }
            for directive in &inline.directives {
                visit(NodeRef::Directive(directive), info);
            }
            visit(NodeRef::SelectionSet(&inline.selection_set), info);
        }
        NodeRef::FragmentDefinition(fragment) => {
            visit(NodeRef::NamedType(&fragment.type_condition), info);
            for directive in &fragment.directives {
                visit(NodeRef::Directive(directive), info);
            }
            visit(NodeRef::SelectionSet(&fragment.selection_set), info);
        }
        NodeRef::Value(value) => match &value.kind {
            ValueKind::List(items) => {
                for item in items {
                    visit(NodeRef::Value(item), info);
                }
            }
            ValueKind::Object(fields) => {
                for field in fields {
                    visit(NodeRef::ObjectField(field), info);
                }
            }
            _ => {}
        },
        NodeRef::ObjectField(field) => visit(NodeRef::Value(&field.value), info),
        NodeRef::Directive(directive) => {
            for argument in &directive.arguments {
                visit(NodeRef::Argument(argument), info);
            }
        }
        NodeRef::ListType(TypeNode::List { item, .. }) => visit(type_node(item), info),
        NodeRef::NonNullType(TypeNode::NonNull { inner, .. }) => visit(type_node(inner), info),
        NodeRef::ListType(_)
        | NodeRef::NonNullType(_)
        | NodeRef::NamedType(_)
        | NodeRef::TypeSystemDefinition(_) => {}
    }
    visitor.leave(info, node);
    info.leave(node);
}

fn type_node(ty: &TypeNode) -> NodeRef<'_> {
    match ty {
        TypeNode::Named(name) => NodeRef::NamedType(name),
        TypeNode::List { .. } => NodeRef::ListType(ty),
        TypeNode::NonNull { .. } => NodeRef::NonNullType(ty),
    }
}
