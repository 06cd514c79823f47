//! graphql-js reads our introspection with `buildClientSchema` (as GraphiQL, Apollo and
//! codegen do) and validates the drop-ins' documents and Adobe's reference mutation against
//! the schema it built: an independent GraphQL implementation agreeing with ours.
//!
//! graphql-js is installed from npm on first use into the target directory (pinned). Without
//! Node.js the test is skipped with a reason, except under CI, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::answer_natively;
use serde_json::Value;

const GRAPHQL_JS: &str = "graphql@16.11.0";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory with graphql-js installed, or why there is none.
fn graphql_js() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(GRAPHQL_JS.replace('@', "-"));
    if dir.join("node_modules/graphql/package.json").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&dir)
        .arg(GRAPHQL_JS)
        .status()
        .map_err(|e| format!("npm does not run ({e})"))?;
    if !status.success() {
        return Err(format!("`npm install {GRAPHQL_JS}` failed ({status})"));
    }
    Ok(dir)
}

fn node(dir: &Path, args: &[&str]) -> std::process::Output {
    // ES modules resolve `graphql` from the script's own directory (not NODE_PATH), so the
    // script runs from a copy beside the install's node_modules.
    let script = dir.join("check.mjs");
    std::fs::copy(manifest_dir().join("tests/graphql_js/check.mjs"), &script)
        .expect("the script copies");
    Command::new("node")
        .arg(&script)
        .args(args)
        .output()
        .expect("node runs")
}

#[test]
fn graphql_js_builds_our_schema_and_accepts_the_storefront_documents() {
    let Some(dir) = customer_token_testkit::tool_or_skip(
        graphql_js().map_err(|reason| format!("graphql-js is not available here: {reason}")),
    ) else {
        return;
    };
    let output = node(&dir, &["query"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let query = String::from_utf8(output.stdout).unwrap();
    let introspection = answer_natively(&query);
    assert!(introspection.get("errors").is_none(), "{introspection}");
    let schema_path = dir.join("introspection.json");
    std::fs::write(&schema_path, introspection.to_string()).unwrap();

    let mut args = vec!["check".to_owned(), schema_path.display().to_string()];
    let dropins = manifest_dir().join("tests/dropins");
    for name in [
        "VALIDATE_TOKEN",
        "VALIDATE_TOKEN_WITH_GROUP",
        "GET_CUSTOMER_DATA",
        "REVOKE_CUSTOMER_TOKEN",
        "GET_CUSTOMER",
    ] {
        args.push(
            dropins
                .join(format!("{name}.graphql"))
                .display()
                .to_string(),
        );
    }
    // Adobe's reference mutation with the fragment it leaves undefined.
    let reference = std::fs::read_to_string(dropins.join("ADOBE_REFERENCE_EXCHANGE.graphql"))
        .unwrap()
        + "\nfragment CustomerFragment on Customer { id email firstname lastname group { uid } }\n";
    let reference_path = dir.join("ADOBE_REFERENCE_EXCHANGE_WITH_FRAGMENT.graphql");
    std::fs::write(&reference_path, reference).unwrap();
    args.push(reference_path.display().to_string());
    // And a document graphql-js must refuse, so the check can fail.
    let wrong_path = dir.join("NEGATIVE_CONTROL.graphql");
    std::fs::write(&wrong_path, "{ customer { addresses { city } } }").unwrap();

    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = node(&dir, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "graphql-js refused something: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["report"].as_object().unwrap().len(), 6, "{report}");

    let negative = node(
        &dir,
        &[
            "check",
            &schema_path.display().to_string(),
            &wrong_path.display().to_string(),
        ],
    );
    assert!(
        !negative.status.success(),
        "graphql-js accepted a Commerce-only field"
    );
    assert!(
        String::from_utf8_lossy(&negative.stdout)
            .contains("Cannot query field \\\"addresses\\\" on type \\\"Customer\\\"."),
        "{}",
        String::from_utf8_lossy(&negative.stdout)
    );
}
