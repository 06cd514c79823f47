//! `spin.toml` holds what Spin needs to run the component as docs/hosts.md describes; Spin itself
//! cannot be installed here, so its manifest rules are checked one by one.

use customer_token::config::KEYS;
use toml::{Table, Value};

fn manifest() -> Table {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spin.toml")).unwrap();
    text.parse().expect("spin.toml is valid TOML")
}

fn table<'a>(value: &'a Table, path: &[&str]) -> &'a Table {
    path.iter().fold(value, |table, key| {
        table
            .get(*key)
            .and_then(Value::as_table)
            .unwrap_or_else(|| panic!("missing [{}]", path.join(".")))
    })
}

#[test]
fn manifest_version_2_routes_graphql_to_the_component() {
    let manifest = manifest();
    assert_eq!(manifest["spin_manifest_version"].as_integer(), Some(2));
    let triggers = manifest["trigger"]["http"].as_array().unwrap();
    assert_eq!(triggers.len(), 1);
    assert_eq!(triggers[0]["route"].as_str(), Some("/graphql"));
    assert_eq!(triggers[0]["component"].as_str(), Some("customer-token"));
    let component = table(&manifest, &["component", "customer-token"]);
    assert!(
        component["source"]
            .as_str()
            .unwrap()
            .ends_with("/customer_token.wasm")
    );
    assert_eq!(
        component["key_value_stores"],
        Value::Array(vec![Value::from("default")])
    );
}

#[test]
fn every_configuration_key_is_a_variable_passed_to_the_component() {
    let manifest = manifest();
    let variables = table(&manifest, &["variables"]);
    let component_variables = table(&manifest, &["component", "customer-token", "variables"]);
    for key in KEYS {
        let name = key.name;
        let variable = variables
            .get(name)
            .and_then(Value::as_table)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            variable.get("required").and_then(Value::as_bool) == Some(true),
            key.required,
            "{name}: required as in config::KEYS"
        );
        if !key.required {
            assert_eq!(
                variable.get("default").and_then(Value::as_str),
                Some(key.default),
                "{name}: the default of config::KEYS"
            );
        }
        assert_eq!(
            variable.get("secret").and_then(Value::as_bool) == Some(true),
            key.secret,
            "{name}: secret as in config::KEYS"
        );
        assert_eq!(
            component_variables.get(name).and_then(Value::as_str),
            Some(format!("{{{{ {name} }}}}").as_str()),
            "{name} is mapped to the component variable of the same name"
        );
    }
    assert_eq!(
        variables.len(),
        KEYS.len(),
        "no variable outside the contract"
    );
}

#[test]
fn the_adapter_is_one_dependency_keyed_by_our_whole_package_with_inherited_configuration() {
    let manifest = manifest();
    let dependencies = table(&manifest, &["component", "customer-token", "dependencies"]);
    let world =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wit/world.wit")).unwrap();
    let package = world
        .lines()
        .find_map(|line| line.strip_prefix("package "))
        .and_then(|rest| rest.split('@').next())
        .unwrap();
    assert_eq!(
        dependencies.len(),
        1,
        "two entries naming one adapter fail at load"
    );
    let dependency = dependencies[package]
        .as_table()
        .expect("keyed by the package, not an interface");
    assert_eq!(dependency["inherit_configuration"].as_bool(), Some(true));
    assert!(
        dependency["path"]
            .as_str()
            .unwrap()
            .ends_with("/customer_token_spin_adapter.wasm")
    );
}

#[test]
fn spin_up_build_builds_the_component_and_the_adapter() {
    let manifest = manifest();
    let build = table(&manifest, &["component", "customer-token", "build"]);
    let command = build["command"].as_str().unwrap();
    for needed in [
        "--target wasm32-wasip2",
        "--release",
        "-p customer-token ",
        "-p customer-token-spin-adapter",
    ] {
        assert!(
            format!("{command} ").contains(needed),
            "{command} lacks {needed}"
        );
    }
}

#[test]
fn the_readme_documents_every_configuration_key_as_the_table_has_it() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for key in KEYS {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", key.name)))
            .unwrap_or_else(|| panic!("README's Configuration table has no row for {}", key.name));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let required = cells[2];
        assert_eq!(required.starts_with("yes"), key.required, "{row}");
        assert_eq!(required.contains("secret"), key.secret, "{row}");
        if !key.default.is_empty() {
            assert!(
                required.contains(&format!("default {}", key.default))
                    || required.contains(&format!("default `{}`", key.default)),
                "{row}: default {}",
                key.default
            );
        }
    }
}
