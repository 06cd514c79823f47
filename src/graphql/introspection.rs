//! The introspection objects (`__Schema`, `__Type`, `__Field`, `__InputValue`, `__EnumValue`,
//! `__Directive`) and their fields, answered from the static schema as graphql-php's
//! `Type/Introspection.php` answers them.

use serde_json::{Map, Value};

use super::execute::Resolved;
use super::schema::{
    self, DIRECTIVE_TYPE, DIRECTIVES, DirectiveDef, ENUM_VALUE_TYPE, EnumValueDef, FIELD_TYPE,
    FieldDef, INPUT_VALUE_TYPE, InputValueDef, NamedType, SCHEMA_TYPE, TYPE_TYPE, TYPES, Ty,
    TypeKind,
};

/// An object of one of the introspection types.
#[derive(Debug, Clone)]
pub enum Introspected {
    Schema,
    Type(Ty),
    Field(&'static FieldDef),
    InputValue(&'static InputValueDef),
    EnumValue(&'static EnumValueDef),
    Directive(&'static DirectiveDef),
}

impl Introspected {
    /// The introspection type this object is of.
    pub fn object_type(&self) -> &'static NamedType {
        match self {
            Introspected::Schema => &SCHEMA_TYPE,
            Introspected::Type(_) => &TYPE_TYPE,
            Introspected::Field(_) => &FIELD_TYPE,
            Introspected::InputValue(_) => &INPUT_VALUE_TYPE,
            Introspected::EnumValue(_) => &ENUM_VALUE_TYPE,
            Introspected::Directive(_) => &DIRECTIVE_TYPE,
        }
    }
}

fn text(value: Option<&str>) -> Resolved<'static> {
    match value {
        Some(text) => Resolved::Owned(Value::String(text.to_owned())),
        None => Resolved::Null,
    }
}

fn flag(value: bool) -> Resolved<'static> {
    Resolved::Owned(Value::Bool(value))
}

fn include_deprecated(args: &Map<String, Value>) -> bool {
    args.get("includeDeprecated") == Some(&Value::Bool(true))
}

fn list<T>(
    items: impl IntoIterator<Item = T>,
    wrap: impl Fn(T) -> Introspected,
) -> Resolved<'static> {
    Resolved::List(
        items
            .into_iter()
            .map(|item| Resolved::Intro(wrap(item)))
            .collect(),
    )
}

fn input_values(values: &'static [InputValueDef], args: &Map<String, Value>) -> Resolved<'static> {
    let include = include_deprecated(args);
    list(
        values
            .iter()
            .filter(move |value| include || value.deprecation_reason.is_none()),
        Introspected::InputValue,
    )
}

/// The value of `field` (with its coerced `args`) on an introspection object.
pub fn resolve(source: &Introspected, field: &str, args: &Map<String, Value>) -> Resolved<'static> {
    match source {
        Introspected::Schema => match field {
            "types" => list(TYPES.iter(), |named| Introspected::Type(Ty::Named(named))),
            "queryType" => Resolved::Intro(Introspected::Type(Ty::Named(schema::query_type()))),
            "mutationType" => {
                Resolved::Intro(Introspected::Type(Ty::Named(schema::mutation_type())))
            }
            "directives" => list(DIRECTIVES.iter(), Introspected::Directive),
            // description, subscriptionType
            _ => Resolved::Null,
        },
        Introspected::Type(ty) => resolve_type(ty, field, args),
        Introspected::Field(definition) => match field {
            "name" => text(Some(definition.name)),
            "description" => text(definition.description),
            "args" => input_values(definition.args, args),
            "type" => Resolved::Intro(Introspected::Type(Ty::of(&definition.ty))),
            "isDeprecated" => flag(definition.deprecation_reason.is_some()),
            "deprecationReason" => text(definition.deprecation_reason),
            _ => Resolved::Null,
        },
        Introspected::InputValue(definition) => match field {
            "name" => text(Some(definition.name)),
            "description" => text(definition.description),
            "type" => Resolved::Intro(Introspected::Type(Ty::of(&definition.ty))),
            "defaultValue" => match definition.default_value {
                Some(default) => Resolved::Owned(Value::String(default.to_graphql())),
                None => Resolved::Null,
            },
            "isDeprecated" => flag(definition.deprecation_reason.is_some()),
            "deprecationReason" => text(definition.deprecation_reason),
            _ => Resolved::Null,
        },
        Introspected::EnumValue(definition) => match field {
            "name" => text(Some(definition.name)),
            "description" => text(definition.description),
            "isDeprecated" => flag(definition.deprecation_reason.is_some()),
            "deprecationReason" => text(definition.deprecation_reason),
            _ => Resolved::Null,
        },
        Introspected::Directive(definition) => match field {
            "name" => text(Some(definition.name)),
            "description" => text(definition.description),
            "isRepeatable" => flag(definition.is_repeatable),
            "locations" => Resolved::List(
                definition
                    .locations
                    .iter()
                    .map(|location| Resolved::Owned(Value::String((*location).to_owned())))
                    .collect(),
            ),
            "args" => input_values(definition.args, args),
            _ => Resolved::Null,
        },
    }
}

fn resolve_type(ty: &Ty, field: &str, args: &Map<String, Value>) -> Resolved<'static> {
    let named = match ty {
        Ty::Named(named) => Some(*named),
        Ty::List(_) | Ty::NonNull(_) => None,
    };
    match field {
        "kind" => {
            let kind = match (ty, named.map(|named| &named.kind)) {
                (Ty::List(_), _) => "LIST",
                (Ty::NonNull(_), _) => "NON_NULL",
                (_, Some(TypeKind::Scalar(_))) => "SCALAR",
                (_, Some(TypeKind::Object(..))) => "OBJECT",
                (_, Some(TypeKind::Interface(..))) => "INTERFACE",
                (_, Some(TypeKind::Enum(_))) => "ENUM",
                (_, Some(TypeKind::InputObject(_))) => "INPUT_OBJECT",
                (_, None) => return Resolved::Null,
            };
            Resolved::Owned(Value::String(kind.to_owned()))
        }
        "name" => text(named.map(|named| named.name)),
        "description" => text(named.and_then(|named| named.description)),
        "fields" => match named {
            Some(named) if named.is_composite() => {
                let include = include_deprecated(args);
                list(
                    named
                        .fields()
                        .iter()
                        .filter(move |field| include || field.deprecation_reason.is_none()),
                    Introspected::Field,
                )
            }
            _ => Resolved::Null,
        },
        "interfaces" => match named {
            Some(named) if named.is_composite() => list(named.interfaces().iter(), |interface| {
                Introspected::Type(Ty::Named(interface))
            }),
            _ => Resolved::Null,
        },
        "possibleTypes" => match named {
            Some(named) if named.is_abstract() => list(named.possible_types().iter(), |possible| {
                Introspected::Type(Ty::Named(possible))
            }),
            _ => Resolved::Null,
        },
        "enumValues" => match named {
            Some(named) if matches!(named.kind, TypeKind::Enum(_)) => {
                let include = include_deprecated(args);
                list(
                    named
                        .enum_values()
                        .iter()
                        .filter(move |value| include || value.deprecation_reason.is_none()),
                    Introspected::EnumValue,
                )
            }
            _ => Resolved::Null,
        },
        "inputFields" => match named {
            Some(named) if named.is_input_object() => input_values(named.input_fields(), args),
            _ => Resolved::Null,
        },
        "ofType" => match ty {
            Ty::List(inner) | Ty::NonNull(inner) => {
                Resolved::Intro(Introspected::Type((**inner).clone()))
            }
            Ty::Named(_) => Resolved::Null,
        },
        "isOneOf" => match named {
            Some(named) if named.is_input_object() => flag(false),
            _ => Resolved::Null,
        },
        // specifiedByURL (no scalar has one)
        _ => Resolved::Null,
    }
}
