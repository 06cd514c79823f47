//! Our introspection held against Adobe Commerce 2.4.9's published types
//! (`tests/adobe/adobe-schema.graphql`, a copy of the contract's `adobe-schema.graphql`), type
//! by type: every type we serve is Adobe's, with the same kind, fields, argument and field
//! types, nullability, defaults, interfaces, implementations, enum values and deprecations;
//! nothing of ours is added. Clients generated from Adobe's schema then validate against ours.
//!
//! The introspection is the one GraphiQL sends, answered by the component's own request path
//! (`http::handle`) natively.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::answer_natively;
use graphql_parser::schema::{Definition, Directive, Document, TypeDefinition, Value as Gql};
use serde_json::Value;

const ADOBE_SCHEMA: &str = include_str!("adobe/adobe-schema.graphql");

/// The fields of `Customer` docs/contract.md §3 serves; the rest of Adobe's `Customer` is
/// Commerce-only. More may be served (each is held against Adobe's below).
const SERVED_CUSTOMER_FIELDS: [&str; 18] = [
    "allow_remote_shopping_assistance",
    "confirmation_status",
    "created_at",
    "custom_attributes",
    "date_of_birth",
    "dob",
    "email",
    "firstname",
    "gender",
    "group",
    "group_id",
    "id",
    "is_subscribed",
    "lastname",
    "middlename",
    "prefix",
    "suffix",
    "taxvat",
];

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// A field, argument or input field, in a form both sides can be brought to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    ty: String,
    /// The default as a GraphQL literal.
    default: Option<String>,
    deprecation: Option<String>,
    args: BTreeMap<String, Member>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Type {
    kind: &'static str,
    fields: BTreeMap<String, Member>,
    interfaces: BTreeSet<String>,
    possible_types: BTreeSet<String>,
    enum_values: BTreeMap<String, Option<String>>,
}

impl Type {
    fn new(kind: &'static str) -> Type {
        Type {
            kind,
            fields: BTreeMap::new(),
            interfaces: BTreeSet::new(),
            possible_types: BTreeSet::new(),
            enum_values: BTreeMap::new(),
        }
    }
}

fn deprecation(directives: &[Directive<'_, String>]) -> Option<String> {
    let directive = directives.iter().find(|d| d.name == "deprecated")?;
    Some(
        directive
            .arguments
            .iter()
            .find(|(name, _)| name == "reason")
            .map(|(_, value)| match value {
                Gql::String(reason) => reason.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "No longer supported".to_owned()),
    )
}

fn adobe_types() -> BTreeMap<String, Type> {
    let document: Document<'_, String> =
        graphql_parser::parse_schema(ADOBE_SCHEMA).expect("Adobe's schema parses");
    let mut types = BTreeMap::new();
    let mut implementations: Vec<(String, String)> = Vec::new();
    for definition in document.definitions {
        let Definition::TypeDefinition(definition) = definition else {
            continue;
        };
        let field_members = |fields: &[graphql_parser::schema::Field<'_, String>]| {
            fields
                .iter()
                .map(|field| {
                    let args = field
                        .arguments
                        .iter()
                        .map(|arg| {
                            (
                                arg.name.clone(),
                                Member {
                                    ty: arg.value_type.to_string(),
                                    default: arg.default_value.as_ref().map(ToString::to_string),
                                    deprecation: deprecation(&arg.directives),
                                    args: BTreeMap::new(),
                                },
                            )
                        })
                        .collect();
                    (
                        field.name.clone(),
                        Member {
                            ty: field.field_type.to_string(),
                            default: None,
                            deprecation: deprecation(&field.directives),
                            args,
                        },
                    )
                })
                .collect()
        };
        let (name, ty) = match definition {
            TypeDefinition::Object(object) => {
                let mut ty = Type::new("OBJECT");
                ty.fields = field_members(&object.fields);
                ty.interfaces = object.implements_interfaces.iter().cloned().collect();
                for interface in &object.implements_interfaces {
                    implementations.push((interface.clone(), object.name.clone()));
                }
                (object.name, ty)
            }
            TypeDefinition::Interface(interface) => {
                let mut ty = Type::new("INTERFACE");
                ty.fields = field_members(&interface.fields);
                ty.interfaces = interface.implements_interfaces.iter().cloned().collect();
                (interface.name, ty)
            }
            TypeDefinition::InputObject(input) => {
                let mut ty = Type::new("INPUT_OBJECT");
                ty.fields = input
                    .fields
                    .iter()
                    .map(|field| {
                        (
                            field.name.clone(),
                            Member {
                                ty: field.value_type.to_string(),
                                default: field.default_value.as_ref().map(ToString::to_string),
                                deprecation: deprecation(&field.directives),
                                args: BTreeMap::new(),
                            },
                        )
                    })
                    .collect();
                (input.name, ty)
            }
            TypeDefinition::Enum(enumeration) => {
                let mut ty = Type::new("ENUM");
                ty.enum_values = enumeration
                    .values
                    .iter()
                    .map(|value| (value.name.clone(), deprecation(&value.directives)))
                    .collect();
                (enumeration.name, ty)
            }
            TypeDefinition::Scalar(scalar) => (scalar.name, Type::new("SCALAR")),
            TypeDefinition::Union(union) => (union.name, Type::new("UNION")),
        };
        types.insert(name, ty);
    }
    for (interface, object) in implementations {
        if let Some(ty) = types.get_mut(&interface) {
            ty.possible_types.insert(object);
        }
    }
    types
}

/// `[String!]!` from an introspection type reference.
fn type_string(reference: &Value) -> String {
    match reference["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_string(&reference["ofType"])),
        Some("LIST") => format!("[{}]", type_string(&reference["ofType"])),
        _ => reference["name"].as_str().unwrap_or("?").to_owned(),
    }
}

fn members(list: &Value) -> BTreeMap<String, Member> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let args = members(&item["args"]);
                    (
                        item["name"].as_str().unwrap().to_owned(),
                        Member {
                            ty: type_string(&item["type"]),
                            default: item["defaultValue"].as_str().map(str::to_owned),
                            deprecation: item["deprecationReason"].as_str().map(str::to_owned),
                            args,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| item["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    types {
      kind name
      fields(includeDeprecated: true) {
        name
        args(includeDeprecated: true) { name type { ...TypeRef } defaultValue deprecationReason }
        type { ...TypeRef }
        deprecationReason
      }
      inputFields(includeDeprecated: true) { name type { ...TypeRef } defaultValue deprecationReason }
      interfaces { name }
      enumValues(includeDeprecated: true) { name deprecationReason }
      possibleTypes { name }
    }
  }
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
}"#;

fn our_types() -> BTreeMap<String, Type> {
    let body = answer_natively(INTROSPECTION);
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ty| !ty["name"].as_str().unwrap().starts_with("__"))
        .map(|ty| {
            let kind = match ty["kind"].as_str().unwrap() {
                "OBJECT" => "OBJECT",
                "INTERFACE" => "INTERFACE",
                "INPUT_OBJECT" => "INPUT_OBJECT",
                "ENUM" => "ENUM",
                "SCALAR" => "SCALAR",
                other => panic!("unexpected kind {other}"),
            };
            let mut fields = members(&ty["fields"]);
            fields.extend(members(&ty["inputFields"]));
            let enum_values = ty["enumValues"]
                .as_array()
                .map(|values| {
                    values
                        .iter()
                        .map(|value| {
                            (
                                value["name"].as_str().unwrap().to_owned(),
                                value["deprecationReason"].as_str().map(str::to_owned),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                ty["name"].as_str().unwrap().to_owned(),
                Type {
                    kind,
                    fields,
                    interfaces: names(&ty["interfaces"]),
                    possible_types: names(&ty["possibleTypes"]),
                    enum_values,
                },
            )
        })
        .collect()
}

#[test]
fn every_type_we_serve_is_adobes_exactly() {
    let adobe = adobe_types();
    let ours = our_types();
    for (name, our) in &ours {
        if BUILT_IN_SCALARS.contains(&name.as_str()) {
            continue;
        }
        let theirs = adobe
            .get(name)
            .unwrap_or_else(|| panic!("`{name}` is ours, not Adobe's"));
        assert_eq!(our.kind, theirs.kind, "kind of {name}");
        assert_eq!(our.interfaces, theirs.interfaces, "interfaces of {name}");
        assert_eq!(
            our.possible_types, theirs.possible_types,
            "implementations of {name}"
        );
        assert_eq!(our.enum_values, theirs.enum_values, "values of {name}");
        let served: BTreeSet<&str> = our.fields.keys().map(String::as_str).collect();
        if name == "Customer" {
            let required: BTreeSet<&str> = SERVED_CUSTOMER_FIELDS.into_iter().collect();
            assert!(
                served.is_superset(&required),
                "Customer's served fields: {:?} missing",
                required.difference(&served).collect::<Vec<_>>()
            );
        } else {
            let published: BTreeSet<&str> = theirs.fields.keys().map(String::as_str).collect();
            assert_eq!(served, published, "fields of {name}");
        }
        for (field, member) in &our.fields {
            assert_eq!(
                Some(member),
                theirs.fields.get(field),
                "{name}.{field}: type, arguments, default or deprecation"
            );
        }
    }
}

#[test]
fn every_type_of_adobes_file_is_served() {
    let ours = our_types();
    for name in adobe_types().keys() {
        assert!(ours.contains_key(name), "Adobe's `{name}` is not served");
    }
}

#[test]
fn the_comparison_sees_a_difference() {
    // A negative control: the same comparison on a changed copy must fail.
    let mut adobe = adobe_types();
    let customer = adobe.get_mut("Customer").unwrap();
    customer.fields.get_mut("id").unwrap().ty = "Int".into();
    let ours = our_types();
    assert_ne!(ours["Customer"].fields.get("id"), customer.fields.get("id"));
    let input = adobe.get_mut("ExchangeExternalCustomerTokenInput").unwrap();
    assert_eq!(input.fields["customer"].ty, "CustomerCreateInput!");
}
