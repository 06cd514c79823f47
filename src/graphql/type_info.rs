//! graphql-php's `Utils/TypeInfo`: while the document is walked, which type, field, argument,
//! directive and input type apply at the current node.

use super::ast::{OperationKind, TypeNode, ValueKind};
use super::schema::{
    self, DirectiveDef, FieldDef, InputValueDef, NamedType, Ty, mutation_type, named_type,
    query_type,
};
use super::visit::NodeRef;

#[derive(Default)]
pub struct TypeInfo {
    type_stack: Vec<Option<Ty>>,
    parent_type_stack: Vec<Option<&'static NamedType>>,
    input_type_stack: Vec<Option<Ty>>,
    field_def_stack: Vec<Option<&'static FieldDef>>,
    /// Whether the current input position has a default value (`defaultValueStack`).
    default_value_stack: Vec<bool>,
    directive: Option<&'static DirectiveDef>,
    argument: Option<&'static InputValueDef>,
}

/// `AST::typeFromAST`: the schema type a type reference names, if it exists.
pub fn type_from_ast(node: &TypeNode) -> Option<Ty> {
    Some(match node {
        TypeNode::Named(name) => Ty::Named(named_type(&name.value)?),
        TypeNode::List { item, .. } => Ty::List(Box::new(type_from_ast(item)?)),
        TypeNode::NonNull { inner, .. } => Ty::NonNull(Box::new(type_from_ast(inner)?)),
    })
}

impl TypeInfo {
    pub fn new() -> Self {
        TypeInfo::default()
    }

    /// The output type of the current field, operation or fragment.
    pub fn get_type(&self) -> Option<&Ty> {
        self.type_stack.last().and_then(Option::as_ref)
    }

    /// The composite type whose selection set is being visited.
    pub fn get_parent_type(&self) -> Option<&'static NamedType> {
        self.parent_type_stack.last().copied().flatten()
    }

    /// The input type expected at the current value.
    pub fn get_input_type(&self) -> Option<&Ty> {
        self.input_type_stack.last().and_then(Option::as_ref)
    }

    /// The input type of the position enclosing the current value.
    pub fn get_parent_input_type(&self) -> Option<&Ty> {
        let count = self.input_type_stack.len();
        if count < 2 {
            return None;
        }
        self.input_type_stack
            .get(count - 2)
            .and_then(Option::as_ref)
    }

    pub fn get_field_def(&self) -> Option<&'static FieldDef> {
        self.field_def_stack.last().copied().flatten()
    }

    pub fn get_directive(&self) -> Option<&'static DirectiveDef> {
        self.directive
    }

    pub fn get_argument(&self) -> Option<&'static InputValueDef> {
        self.argument
    }

    /// Whether the current input position has a default value. graphql-php's
    /// `getDefaultValue()` is `null` (which counts as "has one") outside any position.
    pub fn has_default_value(&self) -> bool {
        self.default_value_stack.last().copied().unwrap_or(true)
    }

    pub fn enter(&mut self, node: NodeRef<'_>) {
        match node {
            NodeRef::SelectionSet(_) => {
                let named = self.get_type().map(Ty::named);
                self.parent_type_stack
                    .push(named.filter(|named| named.is_composite()));
            }
            NodeRef::Field(field) => {
                let definition = self
                    .get_parent_type()
                    .and_then(|parent| schema::field_definition(parent, &field.name.value));
                self.field_def_stack.push(definition);
                self.type_stack.push(definition.map(|def| Ty::of(&def.ty)));
            }
            NodeRef::Directive(directive) => {
                self.directive = schema::directive(&directive.name.value);
            }
            NodeRef::OperationDefinition(operation) => {
                let root = match operation.kind {
                    OperationKind::Query => Some(query_type()),
                    OperationKind::Mutation => Some(mutation_type()),
                    OperationKind::Subscription => None,
                };
                self.type_stack.push(root.map(Ty::Named));
            }
            NodeRef::InlineFragment(inline) => {
                let ty = match &inline.type_condition {
                    Some(condition) => named_type(&condition.value),
                    None => self.get_type().map(Ty::named),
                };
                self.push_fragment_type(ty);
            }
            NodeRef::FragmentDefinition(fragment) => {
                self.push_fragment_type(named_type(&fragment.type_condition.value));
            }
            NodeRef::VariableDefinition(definition) => {
                let ty = type_from_ast(&definition.ty).filter(Ty::is_input_type);
                self.input_type_stack.push(ty);
            }
            NodeRef::Argument(argument) => {
                let candidates = match self.directive {
                    Some(directive) => Some(directive.args),
                    None => self.get_field_def().map(|field| field.args),
                };
                let definition = candidates
                    .and_then(|args| args.iter().find(|arg| arg.name == argument.name.value));
                self.argument = definition;
                self.default_value_stack
                    .push(definition.is_some_and(|def| def.default_value.is_some()));
                self.input_type_stack.push(
                    definition
                        .map(|def| Ty::of(&def.ty))
                        .filter(Ty::is_input_type),
                );
            }
            NodeRef::Value(value) if matches!(value.kind, ValueKind::List(_)) => {
                let item = self.get_input_type().map(|ty| match ty.nullable() {
                    Ty::List(item) => (**item).clone(),
                    other => other.clone(),
                });
                self.default_value_stack.push(false);
                self.input_type_stack.push(item.filter(Ty::is_input_type));
            }
            NodeRef::ObjectField(field) => {
                let definition = self.get_input_type().and_then(|ty| {
                    ty.named()
                        .input_fields()
                        .iter()
                        .find(|def| def.name == field.name.value)
                });
                self.default_value_stack
                    .push(definition.is_some_and(|def| def.default_value.is_some()));
                self.input_type_stack.push(
                    definition
                        .map(|def| Ty::of(&def.ty))
                        .filter(Ty::is_input_type),
                );
            }
            _ => {}
        }
    }

    fn push_fragment_type(&mut self, ty: Option<&'static NamedType>) {
        self.type_stack
            .push(ty.filter(|named| named.is_output_type()).map(Ty::Named));
    }

    pub fn leave(&mut self, node: NodeRef<'_>) {
        match node {
            NodeRef::SelectionSet(_) => {
                self.parent_type_stack.pop();
            }
            NodeRef::Field(_) => {
                self.field_def_stack.pop();
                self.type_stack.pop();
            }
            NodeRef::Directive(_) => self.directive = None,
            NodeRef::OperationDefinition(_)
            | NodeRef::InlineFragment(_)
            | NodeRef::FragmentDefinition(_) => {
                self.type_stack.pop();
            }
            NodeRef::VariableDefinition(_) => {
                self.input_type_stack.pop();
            }
            NodeRef::Argument(_) => {
                self.argument = None;
                self.default_value_stack.pop();
                self.input_type_stack.pop();
            }
            NodeRef::Value(value) if matches!(value.kind, ValueKind::List(_)) => {
                self.default_value_stack.pop();
                self.input_type_stack.pop();
            }
            NodeRef::ObjectField(_) => {
                self.default_value_stack.pop();
                self.input_type_stack.pop();
            }
            _ => {}
        }
    }
}
