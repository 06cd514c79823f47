//! `spin.toml` holds what Spin needs to run the component as docs/hosts.md describes; Spin itself
//! cannot be installed here, so its manifest rules are checked one by one.

use customer_token::config::ALL_KEYS;
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
    let secrets = [
        "oauth_consumer_secret",
        "oauth_access_token_secret",
        "customer_token_secret",
    ];
    let required = ["oauth_consumer_key", "oauth_access_token"];
    for key in ALL_KEYS {
        let variable = variables
            .get(key)
            .and_then(Value::as_table)
            .unwrap_or_else(|| panic!("{key} missing"));
        let is_required = variable.get("required").and_then(Value::as_bool) == Some(true);
        let has_default = variable.contains_key("default");
        assert!(
            is_required != has_default,
            "{key}: required or a default, not both"
        );
        if secrets.contains(&key) || required.contains(&key) {
            assert!(is_required, "{key} is required");
        }
        assert_eq!(
            variable.get("secret").and_then(Value::as_bool) == Some(true),
            secrets.contains(&key),
            "{key}: secret flag"
        );
        assert_eq!(
            component_variables.get(key).and_then(Value::as_str),
            Some(format!("{{{{ {key} }}}}").as_str()),
            "{key} is mapped to the component variable of the same name"
        );
    }
    assert_eq!(
        variables.len(),
        ALL_KEYS.len(),
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
