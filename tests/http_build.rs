//! The HTTP build, exactly as `spin build` makes it from `spin.toml`: it serves the API on every
//! host, and it has no typed `exchange` export, so nothing can mint a token without a signed
//! request (the composable build, which the other tests run, has one).

use std::path::PathBuf;
use std::process::Command;

use crate::support::*;
use customer_token_runtime::{Flavor, Runtime, exchange};

/// Runs spin.toml's build command in a target directory of its own (so it never replaces the
/// composable build that the components crate's build script made) and returns the component
/// it wrote.
fn http_build() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(root.join("spin.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let command = manifest["component"]["customer-token"]["build"]["command"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !command.contains("composable"),
        "spin build must make the HTTP build: {command}"
    );
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("http-build");
    let mut words = command.split_whitespace();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(words.by_ref().skip(1))
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "{command} failed ({status})");
    target.join("wasm32-wasip2/release/customer_token.wasm")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_http_build_serves_every_host_and_has_no_token_minting_export() {
    let wasm = customer_token_runtime::Wasm::read(http_build()).unwrap();
    for flavor in [Flavor::Bare, Flavor::Spin, Flavor::Wasi] {
        let runtime = Runtime::builder()
            .component(customer_token_testkit::components::for_flavor(
                &wasm, flavor,
            ))
            .secrets(secrets())
            .build()
            .expect("the HTTP build loads");
        let request = http::Request::post(URL)
            .header("content-type", "application/json")
            .header(
                "authorization",
                customer_token::oauth::authorization_header(
                    "POST",
                    URL,
                    &[],
                    &credentials(),
                    customer_token::oauth::SignatureMethod::HmacSha256,
                    customer_token_testkit::real_unix_seconds() as i64,
                    &format!("http-build-{flavor}"),
                )
                .unwrap(),
            )
            .body(bytes::Bytes::from(
                serde_json::json!({ "query": SEED_MUTATION }).to_string(),
            ))
            .unwrap();
        let response = runtime.handle(request).await.expect("it answers");
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(response.status(), 200, "{flavor}: {body}");
        assert_eq!(
            body["data"]["exchangeExternalCustomerToken"]["customer"]["email"],
            "roni_cost@example.com",
            "{flavor}"
        );

        let input = exchange::CustomerInput {
            firstname: "Mallory".into(),
            lastname: "Minter".into(),
            ..customer_input("roni_cost@example.com")
        };
        let refused = runtime
            .exchange(input)
            .await
            .expect_err("no typed exchange on an HTTP build");
        assert!(
            format!("{refused:#}").contains("no `exchange` export"),
            "{flavor}: {refused:#}"
        );
    }
}
