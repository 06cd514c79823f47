//! The schema of docs/contract.md §3 plus graphql-php's introspection types and built-in directives,
//! as static tables: the component starts fresh for every request, so nothing is built or
//! parsed at run time.

use std::fmt;

use serde_json::{Map, Value};

pub use super::commerce::*;

// ----- definitions -----

/// A type reference inside the static schema.
#[derive(Debug)]
pub enum TypeRef {
    Named(&'static NamedType),
    List(&'static TypeRef),
    NonNull(&'static TypeRef),
}

/// A default value of an argument (only the built-in directives and introspection have any).
#[derive(Debug, Clone, Copy)]
pub enum DefaultValue {
    Boolean(bool),
    String(&'static str),
}

impl DefaultValue {
    pub fn to_json(self) -> Value {
        match self {
            DefaultValue::Boolean(flag) => Value::Bool(flag),
            DefaultValue::String(text) => Value::String(text.to_owned()),
        }
    }

    /// As `__InputValue.defaultValue` prints it (a GraphQL literal).
    pub fn to_graphql(self) -> String {
        match self {
            DefaultValue::Boolean(flag) => flag.to_string(),
            DefaultValue::String(text) => super::printer::print_string(text),
        }
    }
}

/// An argument or an input object field.
#[derive(Debug)]
pub struct InputValueDef {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub ty: TypeRef,
    pub default_value: Option<DefaultValue>,
    pub deprecation_reason: Option<&'static str>,
}

impl InputValueDef {
    /// Non-null without a default (`isRequired`).
    pub fn is_required(&self) -> bool {
        matches!(self.ty, TypeRef::NonNull(_)) && self.default_value.is_none()
    }
}

#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub args: &'static [InputValueDef],
    pub ty: TypeRef,
    pub deprecation_reason: Option<&'static str>,
    /// For a field whose value depends on its arguments: computes it from the parent object
    /// and the coerced arguments. Other fields are read from the parent object by name.
    pub compute: Option<ComputeField>,
}

/// See [`FieldDef::compute`].
pub type ComputeField = fn(&Map<String, Value>, &Map<String, Value>) -> Value;

#[derive(Debug)]
pub struct EnumValueDef {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub deprecation_reason: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    String,
    Int,
    Float,
    Boolean,
    Id,
}

#[derive(Debug)]
pub enum TypeKind {
    Scalar(ScalarKind),
    /// Its fields and the interfaces it implements.
    Object(&'static [FieldDef], &'static [&'static NamedType]),
    /// Its fields and the object types that implement it.
    Interface(&'static [FieldDef], &'static [&'static NamedType]),
    Enum(&'static [EnumValueDef]),
    InputObject(&'static [InputValueDef]),
}

#[derive(Debug)]
pub struct NamedType {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub kind: TypeKind,
}

impl NamedType {
    pub fn fields(&self) -> &'static [FieldDef] {
        match self.kind {
            TypeKind::Object(fields, _) | TypeKind::Interface(fields, _) => fields,
            _ => &[],
        }
    }

    /// The interfaces an object type implements.
    pub fn interfaces(&self) -> &'static [&'static NamedType] {
        match self.kind {
            TypeKind::Object(_, interfaces) => interfaces,
            _ => &[],
        }
    }

    /// The object types an interface stands for.
    pub fn possible_types(&self) -> &'static [&'static NamedType] {
        match self.kind {
            TypeKind::Interface(_, possible) => possible,
            _ => &[],
        }
    }

    /// `Schema::isSubType`: `object` is one of this abstract type's possible types.
    pub fn is_possible_type(&self, object: &NamedType) -> bool {
        self.possible_types()
            .iter()
            .any(|possible| possible.same(object))
    }

    /// `TypeComparators::doTypesOverlap`: some object could be of both composite types.
    pub fn overlaps(&self, other: &NamedType) -> bool {
        if self.same(other) {
            return true;
        }
        match (self.is_abstract(), other.is_abstract()) {
            (true, true) => self
                .possible_types()
                .iter()
                .any(|possible| other.is_possible_type(possible)),
            (true, false) => self.is_possible_type(other),
            (false, true) => other.is_possible_type(self),
            (false, false) => false,
        }
    }

    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|field| field.name == name)
    }

    pub fn input_fields(&self) -> &'static [InputValueDef] {
        match self.kind {
            TypeKind::InputObject(fields) => fields,
            _ => &[],
        }
    }

    pub fn enum_values(&self) -> &'static [EnumValueDef] {
        match self.kind {
            TypeKind::Enum(values) => values,
            _ => &[],
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.kind, TypeKind::Object(..))
    }

    /// Interfaces (the schema has no unions).
    pub fn is_abstract(&self) -> bool {
        matches!(self.kind, TypeKind::Interface(..))
    }

    pub fn is_input_object(&self) -> bool {
        matches!(self.kind, TypeKind::InputObject(_))
    }

    /// Scalars and enums.
    pub fn is_leaf(&self) -> bool {
        matches!(self.kind, TypeKind::Scalar(_) | TypeKind::Enum(_))
    }

    /// Objects and interfaces.
    pub fn is_composite(&self) -> bool {
        self.is_object() || self.is_abstract()
    }

    pub fn is_input_type(&self) -> bool {
        !self.is_composite()
    }

    pub fn is_output_type(&self) -> bool {
        !self.is_input_object()
    }

    pub fn same(&self, other: &NamedType) -> bool {
        self.name == other.name
    }
}

#[derive(Debug)]
pub struct DirectiveDef {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub locations: &'static [&'static str],
    pub args: &'static [InputValueDef],
    pub is_repeatable: bool,
}

// ----- runtime type references -----

/// A type reference built at run time (from a variable definition, or from a [`TypeRef`]).
#[derive(Debug, Clone)]
pub enum Ty {
    Named(&'static NamedType),
    List(Box<Ty>),
    NonNull(Box<Ty>),
}

impl PartialEq for Ty {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Ty::Named(a), Ty::Named(b)) => a.same(b),
            (Ty::List(a), Ty::List(b)) | (Ty::NonNull(a), Ty::NonNull(b)) => a == b,
            _ => false,
        }
    }
}

impl Ty {
    pub fn of(reference: &'static TypeRef) -> Ty {
        match reference {
            TypeRef::Named(named) => Ty::Named(named),
            TypeRef::List(item) => Ty::List(Box::new(Ty::of(item))),
            TypeRef::NonNull(inner) => Ty::NonNull(Box::new(Ty::of(inner))),
        }
    }

    pub fn named(&self) -> &'static NamedType {
        match self {
            Ty::Named(named) => named,
            Ty::List(inner) | Ty::NonNull(inner) => inner.named(),
        }
    }

    pub fn is_non_null(&self) -> bool {
        matches!(self, Ty::NonNull(_))
    }

    /// The type without its outer `!`.
    pub fn nullable(&self) -> &Ty {
        match self {
            Ty::NonNull(inner) => inner,
            other => other,
        }
    }

    pub fn is_input_type(&self) -> bool {
        self.named().is_input_type()
    }

    /// `TypeComparators::isTypeSubTypeOf`.
    pub fn is_sub_type_of(&self, super_type: &Ty) -> bool {
        if self == super_type {
            return true;
        }
        match (self, super_type) {
            (Ty::NonNull(sub), Ty::NonNull(sup)) => sub.is_sub_type_of(sup),
            (_, Ty::NonNull(_)) => false,
            (Ty::NonNull(sub), sup) => sub.is_sub_type_of(sup),
            (Ty::List(sub), Ty::List(sup)) => sub.is_sub_type_of(sup),
            (Ty::Named(sub), Ty::Named(sup)) => sup.is_abstract() && sup.is_possible_type(sub),
            _ => false,
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Named(named) => f.write_str(named.name),
            Ty::List(item) => write!(f, "[{item}]"),
            Ty::NonNull(inner) => write!(f, "{inner}!"),
        }
    }
}

// ----- lookups -----

pub fn named_type(name: &str) -> Option<&'static NamedType> {
    TYPES.iter().copied().find(|named| named.name == name)
}

pub fn directive(name: &str) -> Option<&'static DirectiveDef> {
    DIRECTIVES.iter().find(|directive| directive.name == name)
}

pub fn query_type() -> &'static NamedType {
    &QUERY
}

pub fn mutation_type() -> &'static NamedType {
    &MUTATION
}

/// The field `name` of `parent` as `TypeInfo::getFieldDefinition` finds it: `__schema` and
/// `__type` only on the query type, `__typename` on every object.
pub fn field_definition(parent: &NamedType, name: &str) -> Option<&'static FieldDef> {
    match name {
        "__schema" if parent.same(&QUERY) => Some(&SCHEMA_META_FIELD),
        "__type" if parent.same(&QUERY) => Some(&TYPE_META_FIELD),
        "__typename" if parent.is_composite() => Some(&TYPENAME_META_FIELD),
        _ => parent.field(name),
    }
}

// ----- shorthands for the tables -----

pub(super) const fn named(ty: &'static NamedType) -> TypeRef {
    TypeRef::Named(ty)
}

pub(super) const fn field(name: &'static str, description: &'static str, ty: TypeRef) -> FieldDef {
    FieldDef {
        name,
        description: Some(description),
        args: &[],
        ty,
        deprecation_reason: None,
        compute: None,
    }
}

pub(super) const fn bare_field(name: &'static str, ty: TypeRef) -> FieldDef {
    FieldDef {
        name,
        description: None,
        args: &[],
        ty,
        deprecation_reason: None,
        compute: None,
    }
}

pub(super) const fn input(
    name: &'static str,
    description: &'static str,
    ty: TypeRef,
) -> InputValueDef {
    InputValueDef {
        name,
        description: Some(description),
        ty,
        default_value: None,
        deprecation_reason: None,
    }
}

/// `includeDeprecated: Boolean! = false` of the introspection fields.
const INCLUDE_DEPRECATED: [InputValueDef; 1] = [InputValueDef {
    name: "includeDeprecated",
    description: None,
    ty: TypeRef::NonNull(&TypeRef::Named(&BOOLEAN)),
    default_value: Some(DefaultValue::Boolean(false)),
    deprecation_reason: None,
}];

// ----- built-in scalars (descriptions as graphql-php has them) -----

pub static STRING: NamedType = NamedType {
    name: "String",
    description: Some(
        "The `String` scalar type represents textual data, represented as UTF-8\n\
         character sequences. The String type is most often used by GraphQL to\n\
         represent free-form human-readable text.",
    ),
    kind: TypeKind::Scalar(ScalarKind::String),
};

pub static INT: NamedType = NamedType {
    name: "Int",
    description: Some(
        "The `Int` scalar type represents non-fractional signed whole numeric\n\
         values. Int can represent values between -(2^31) and 2^31 - 1. ",
    ),
    kind: TypeKind::Scalar(ScalarKind::Int),
};

pub static FLOAT: NamedType = NamedType {
    name: "Float",
    description: Some(
        "The `Float` scalar type represents signed double-precision fractional\n\
         values as specified by\n\
         [IEEE 754](http://en.wikipedia.org/wiki/IEEE_floating_point). ",
    ),
    kind: TypeKind::Scalar(ScalarKind::Float),
};

pub static BOOLEAN: NamedType = NamedType {
    name: "Boolean",
    description: Some("The `Boolean` scalar type represents `true` or `false`."),
    kind: TypeKind::Scalar(ScalarKind::Boolean),
};

pub static ID: NamedType = NamedType {
    name: "ID",
    description: Some(
        "The `ID` scalar type represents a unique identifier, often used to\n\
         refetch an object or as key for a cache. The ID type appears in a JSON\n\
         response as a String; however, it is not intended to be human-readable.\n\
         When expected as an input type, any string (such as `\"4\"`) or integer\n\
         (such as `4`) input value will be accepted as an ID.",
    ),
    kind: TypeKind::Scalar(ScalarKind::Id),
};

// ----- introspection (graphql-php's `Type/Introspection.php`) -----

pub static SCHEMA_TYPE: NamedType = NamedType {
    name: "__Schema",
    description: Some(
        "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available \
         types and directives on the server, as well as the entry points for query, mutation, \
         and subscription operations.",
    ),
    kind: TypeKind::Object(
        &[
            bare_field("description", named(&STRING)),
            field(
                "types",
                "A list of all types supported by this server.",
                TypeRef::NonNull(&TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(
                    &TYPE_TYPE,
                )))),
            ),
            field(
                "queryType",
                "The type that query operations will be rooted at.",
                TypeRef::NonNull(&TypeRef::Named(&TYPE_TYPE)),
            ),
            field(
                "mutationType",
                "If this server supports mutation, the type that mutation operations will be rooted at.",
                named(&TYPE_TYPE),
            ),
            field(
                "subscriptionType",
                "If this server support subscription, the type that subscription operations will be rooted at.",
                named(&TYPE_TYPE),
            ),
            field(
                "directives",
                "A list of all directives supported by this server.",
                TypeRef::NonNull(&TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(
                    &DIRECTIVE_TYPE,
                )))),
            ),
        ],
        &[],
    ),
};

pub static TYPE_TYPE: NamedType = NamedType {
    name: "__Type",
    description: Some(
        "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in \
         GraphQL as represented by the `__TypeKind` enum.\n\n\
         Depending on the kind of a type, certain fields describe information about that type. \
         Scalar types provide no information beyond a name and description, while Enum types \
         provide their values. Object and Interface types provide the fields they describe. \
         Abstract types, Union and Interface, provide the Object types possible at runtime. List \
         and NonNull types compose other types.",
    ),
    kind: TypeKind::Object(
        &[
            bare_field("kind", TypeRef::NonNull(&TypeRef::Named(&TYPE_KIND_ENUM))),
            bare_field("name", named(&STRING)),
            bare_field("description", named(&STRING)),
            bare_field("specifiedByURL", named(&STRING)),
            FieldDef {
                name: "fields",
                description: None,
                args: &INCLUDE_DEPRECATED,
                ty: TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(&FIELD_TYPE))),
                deprecation_reason: None,
                compute: None,
            },
            bare_field(
                "interfaces",
                TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(&TYPE_TYPE))),
            ),
            bare_field(
                "possibleTypes",
                TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(&TYPE_TYPE))),
            ),
            FieldDef {
                name: "enumValues",
                description: None,
                args: &INCLUDE_DEPRECATED,
                ty: TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(&ENUM_VALUE_TYPE))),
                deprecation_reason: None,
                compute: None,
            },
            FieldDef {
                name: "inputFields",
                description: None,
                args: &INCLUDE_DEPRECATED,
                ty: TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(&INPUT_VALUE_TYPE))),
                deprecation_reason: None,
                compute: None,
            },
            bare_field("ofType", named(&TYPE_TYPE)),
            bare_field("isOneOf", named(&BOOLEAN)),
        ],
        &[],
    ),
};

pub static TYPE_KIND_ENUM: NamedType = NamedType {
    name: "__TypeKind",
    description: Some("An enum describing what kind of type a given `__Type` is."),
    kind: TypeKind::Enum(&[
        EnumValueDef {
            name: "SCALAR",
            description: Some("Indicates this type is a scalar."),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "OBJECT",
            description: Some(
                "Indicates this type is an object. `fields` and `interfaces` are valid fields.",
            ),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "INTERFACE",
            description: Some(
                "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields.",
            ),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "UNION",
            description: Some("Indicates this type is a union. `possibleTypes` is a valid field."),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "ENUM",
            description: Some("Indicates this type is an enum. `enumValues` is a valid field."),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "INPUT_OBJECT",
            description: Some(
                "Indicates this type is an input object. `inputFields` is a valid field.",
            ),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "LIST",
            description: Some("Indicates this type is a list. `ofType` is a valid field."),
            deprecation_reason: None,
        },
        EnumValueDef {
            name: "NON_NULL",
            description: Some("Indicates this type is a non-null. `ofType` is a valid field."),
            deprecation_reason: None,
        },
    ]),
};

pub static FIELD_TYPE: NamedType = NamedType {
    name: "__Field",
    description: Some(
        "Object and Interface types are described by a list of Fields, each of which has a name, \
         potentially a list of arguments, and a return type.",
    ),
    kind: TypeKind::Object(
        &[
            bare_field("name", TypeRef::NonNull(&TypeRef::Named(&STRING))),
            bare_field("description", named(&STRING)),
            FieldDef {
                name: "args",
                description: None,
                args: &INCLUDE_DEPRECATED,
                ty: TypeRef::NonNull(&TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(
                    &INPUT_VALUE_TYPE,
                )))),
                deprecation_reason: None,
                compute: None,
            },
            bare_field("type", TypeRef::NonNull(&TypeRef::Named(&TYPE_TYPE))),
            bare_field("isDeprecated", TypeRef::NonNull(&TypeRef::Named(&BOOLEAN))),
            bare_field("deprecationReason", named(&STRING)),
        ],
        &[],
    ),
};

pub static INPUT_VALUE_TYPE: NamedType = NamedType {
    name: "__InputValue",
    description: Some(
        "Arguments provided to Fields or Directives and the input fields of an InputObject are \
         represented as Input Values which describe their type and optionally a default value.",
    ),
    kind: TypeKind::Object(
        &[
            bare_field("name", TypeRef::NonNull(&TypeRef::Named(&STRING))),
            bare_field("description", named(&STRING)),
            bare_field("type", TypeRef::NonNull(&TypeRef::Named(&TYPE_TYPE))),
            field(
                "defaultValue",
                "A GraphQL-formatted string representing the default value for this input value.",
                named(&STRING),
            ),
            bare_field("isDeprecated", TypeRef::NonNull(&TypeRef::Named(&BOOLEAN))),
            bare_field("deprecationReason", named(&STRING)),
        ],
        &[],
    ),
};

pub static ENUM_VALUE_TYPE: NamedType = NamedType {
    name: "__EnumValue",
    description: Some(
        "One possible value for a given Enum. Enum values are unique values, not a placeholder \
         for a string or numeric value. However an Enum value is returned in a JSON response as \
         a string.",
    ),
    kind: TypeKind::Object(
        &[
            bare_field("name", TypeRef::NonNull(&TypeRef::Named(&STRING))),
            bare_field("description", named(&STRING)),
            bare_field("isDeprecated", TypeRef::NonNull(&TypeRef::Named(&BOOLEAN))),
            bare_field("deprecationReason", named(&STRING)),
        ],
        &[],
    ),
};

pub static DIRECTIVE_TYPE: NamedType = NamedType {
    name: "__Directive",
    description: Some(
        "A Directive provides a way to describe alternate runtime execution and type validation \
         behavior in a GraphQL document.\n\n\
         In some cases, you need to provide options to alter GraphQL's execution behavior in \
         ways field arguments will not suffice, such as conditionally including or skipping a \
         field. Directives provide this by describing additional information to the executor.",
    ),
    kind: TypeKind::Object(
        &[
            bare_field("name", TypeRef::NonNull(&TypeRef::Named(&STRING))),
            bare_field("description", named(&STRING)),
            bare_field("isRepeatable", TypeRef::NonNull(&TypeRef::Named(&BOOLEAN))),
            bare_field(
                "locations",
                TypeRef::NonNull(&TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(
                    &DIRECTIVE_LOCATION_ENUM,
                )))),
            ),
            FieldDef {
                name: "args",
                description: None,
                args: &INCLUDE_DEPRECATED,
                ty: TypeRef::NonNull(&TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(
                    &INPUT_VALUE_TYPE,
                )))),
                deprecation_reason: None,
                compute: None,
            },
        ],
        &[],
    ),
};

const fn location(name: &'static str, description: &'static str) -> EnumValueDef {
    EnumValueDef {
        name,
        description: Some(description),
        deprecation_reason: None,
    }
}

pub static DIRECTIVE_LOCATION_ENUM: NamedType = NamedType {
    name: "__DirectiveLocation",
    description: Some(
        "A Directive can be adjacent to many parts of the GraphQL language, a \
         __DirectiveLocation describes one such possible adjacencies.",
    ),
    kind: TypeKind::Enum(&[
        location("QUERY", "Location adjacent to a query operation."),
        location("MUTATION", "Location adjacent to a mutation operation."),
        location(
            "SUBSCRIPTION",
            "Location adjacent to a subscription operation.",
        ),
        location("FIELD", "Location adjacent to a field."),
        location(
            "FRAGMENT_DEFINITION",
            "Location adjacent to a fragment definition.",
        ),
        location("FRAGMENT_SPREAD", "Location adjacent to a fragment spread."),
        location(
            "INLINE_FRAGMENT",
            "Location adjacent to an inline fragment.",
        ),
        location(
            "VARIABLE_DEFINITION",
            "Location adjacent to a variable definition.",
        ),
        location("SCHEMA", "Location adjacent to a schema definition."),
        location("SCALAR", "Location adjacent to a scalar definition."),
        location("OBJECT", "Location adjacent to an object type definition."),
        location(
            "FIELD_DEFINITION",
            "Location adjacent to a field definition.",
        ),
        location(
            "ARGUMENT_DEFINITION",
            "Location adjacent to an argument definition.",
        ),
        location("INTERFACE", "Location adjacent to an interface definition."),
        location("UNION", "Location adjacent to a union definition."),
        location("ENUM", "Location adjacent to an enum definition."),
        location(
            "ENUM_VALUE",
            "Location adjacent to an enum value definition.",
        ),
        location(
            "INPUT_OBJECT",
            "Location adjacent to an input object type definition.",
        ),
        location(
            "INPUT_FIELD_DEFINITION",
            "Location adjacent to an input object field definition.",
        ),
    ]),
};

pub static SCHEMA_META_FIELD: FieldDef = FieldDef {
    name: "__schema",
    description: Some("Access the current type schema of this server."),
    args: &[],
    ty: TypeRef::NonNull(&TypeRef::Named(&SCHEMA_TYPE)),
    deprecation_reason: None,
    compute: None,
};

pub static TYPE_META_FIELD: FieldDef = FieldDef {
    name: "__type",
    description: Some("Request the type information of a single type."),
    args: &[InputValueDef {
        name: "name",
        description: None,
        ty: TypeRef::NonNull(&TypeRef::Named(&STRING)),
        default_value: None,
        deprecation_reason: None,
    }],
    ty: TypeRef::Named(&TYPE_TYPE),
    deprecation_reason: None,
    compute: None,
};

pub static TYPENAME_META_FIELD: FieldDef = FieldDef {
    name: "__typename",
    description: Some("The name of the current Object type at runtime."),
    args: &[],
    ty: TypeRef::NonNull(&TypeRef::Named(&STRING)),
    deprecation_reason: None,
    compute: None,
};

/// Every named type, in the order graphql-php's type map lists them (`Schema::getTypeMap`:
/// depth first from the root types, then the implementations of interfaces that the roots do
/// not reach, then the introspection types).
pub static TYPES: [&NamedType; 29] = [
    &QUERY,
    &CUSTOMER,
    &BOOLEAN,
    &CONFIRMATION_STATUS_ENUM,
    &STRING,
    &ID,
    &ATTRIBUTE_VALUE_INTERFACE,
    &INT,
    &CUSTOMER_GROUP_STOREFRONT,
    &MUTATION,
    &EXCHANGE_INPUT,
    &CUSTOMER_CREATE_INPUT,
    &ATTRIBUTE_VALUE_INPUT,
    &ATTRIBUTE_INPUT_SELECTED_OPTION,
    &EXCHANGE_OUTPUT,
    &REVOKE_OUTPUT,
    &ATTRIBUTE_VALUE,
    &ATTRIBUTE_SELECTED_OPTIONS,
    &ATTRIBUTE_SELECTED_OPTION_INTERFACE,
    &ATTRIBUTE_SELECTED_OPTION,
    &FLOAT,
    &SCHEMA_TYPE,
    &TYPE_TYPE,
    &TYPE_KIND_ENUM,
    &FIELD_TYPE,
    &INPUT_VALUE_TYPE,
    &ENUM_VALUE_TYPE,
    &DIRECTIVE_TYPE,
    &DIRECTIVE_LOCATION_ENUM,
];

/// graphql-php's built-in directives (`Directive::builtInDirectives`).
pub static DIRECTIVES: [DirectiveDef; 5] = [
    DirectiveDef {
        name: "include",
        description: Some(
            "Directs the executor to include this field or fragment only when the `if` argument is true.",
        ),
        locations: &["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
        args: &[InputValueDef {
            name: "if",
            description: Some("Included when true."),
            ty: TypeRef::NonNull(&TypeRef::Named(&BOOLEAN)),
            default_value: None,
            deprecation_reason: None,
        }],
        is_repeatable: false,
    },
    DirectiveDef {
        name: "skip",
        description: Some(
            "Directs the executor to skip this field or fragment when the `if` argument is true.",
        ),
        locations: &["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"],
        args: &[InputValueDef {
            name: "if",
            description: Some("Skipped when true."),
            ty: TypeRef::NonNull(&TypeRef::Named(&BOOLEAN)),
            default_value: None,
            deprecation_reason: None,
        }],
        is_repeatable: false,
    },
    DirectiveDef {
        name: "deprecated",
        description: Some("Marks an element of a GraphQL schema as no longer supported."),
        locations: &[
            "FIELD_DEFINITION",
            "ENUM_VALUE",
            "ARGUMENT_DEFINITION",
            "INPUT_FIELD_DEFINITION",
        ],
        args: &[InputValueDef {
            name: "reason",
            description: Some(
                "Explains why this element was deprecated, usually also including a suggestion \
                 for how to access supported similar data. Formatted using the Markdown syntax, \
                 as specified by [CommonMark](https://commonmark.org/).",
            ),
            ty: TypeRef::Named(&STRING),
            default_value: Some(DefaultValue::String("No longer supported")),
            deprecation_reason: None,
        }],
        is_repeatable: false,
    },
    DirectiveDef {
        name: "specifiedBy",
        description: Some("Exposes a URL that specifies the behavior of this scalar."),
        locations: &["SCALAR"],
        args: &[InputValueDef {
            name: "url",
            description: Some("The URL that specifies the behavior of this scalar."),
            ty: TypeRef::NonNull(&TypeRef::Named(&STRING)),
            default_value: None,
            deprecation_reason: None,
        }],
        is_repeatable: false,
    },
    DirectiveDef {
        name: "oneOf",
        description: Some(
            "Indicates that an Input Object is a OneOf Input Object (and thus requires exactly one of its fields be provided).",
        ),
        locations: &["INPUT_OBJECT"],
        args: &[],
        is_repeatable: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_unique_and_found() {
        for named in TYPES {
            assert!(std::ptr::eq(named_type(named.name).unwrap(), named));
        }
        assert!(named_type("Nope").is_none());
    }

    #[test]
    fn every_referenced_type_is_in_the_type_map() {
        fn check(reference: &'static TypeRef) {
            let named = Ty::of(reference).named();
            assert!(named_type(named.name).is_some(), "{} missing", named.name);
        }
        for named in TYPES {
            for field in named.fields() {
                check(&field.ty);
                field.args.iter().for_each(|arg| check(&arg.ty));
            }
            named
                .input_fields()
                .iter()
                .for_each(|field| check(&field.ty));
        }
    }

    #[test]
    fn prints_types_like_graphql_php() {
        static REFERENCE: TypeRef =
            TypeRef::NonNull(&TypeRef::List(&TypeRef::NonNull(&TypeRef::Named(&STRING))));
        let ty = Ty::of(&REFERENCE);
        assert_eq!(ty.to_string(), "[String!]!");
    }

    #[test]
    fn meta_fields_follow_graphql_php_rules() {
        assert!(field_definition(&QUERY, "__schema").is_some());
        assert!(field_definition(&CUSTOMER, "__schema").is_none());
        assert!(field_definition(&CUSTOMER, "__typename").is_some());
        assert!(field_definition(&CUSTOMER, "email").is_some());
    }

    #[test]
    fn sub_types_follow_type_comparators() {
        let string = Ty::Named(&STRING);
        let non_null = Ty::NonNull(Box::new(string.clone()));
        assert!(non_null.is_sub_type_of(&string));
        assert!(!string.is_sub_type_of(&non_null));
        let list = Ty::List(Box::new(non_null.clone()));
        assert!(list.is_sub_type_of(&Ty::List(Box::new(string.clone()))));
        assert!(!list.is_sub_type_of(&string));
    }
}
