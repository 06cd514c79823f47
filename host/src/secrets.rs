//! Configuration and secrets for the component's `secrets` import (contract §8).
//!
//! The component looks values up by the lower-case contract names (`oauth_consumer_key`, ...).
//! The host reads them from environment variables named as the keys in upper case
//! (`OAUTH_CONSUMER_KEY`, ...) and from an optional env file of `KEY=VALUE` lines.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A configuration key of the product: its contract name and whether it is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKey {
    /// The lower-case name the component asks for.
    pub name: &'static str,
    /// Whether the component answers 500 without it.
    pub required: bool,
}

impl ConfigKey {
    /// The environment variable that holds the key: its name in upper case.
    pub fn env_name(&self) -> String {
        self.name.to_ascii_uppercase()
    }
}

/// Every configuration key, in the contract's order.
pub const CONFIG_KEYS: &[ConfigKey] = &[
    ConfigKey {
        name: "oauth_consumer_key",
        required: true,
    },
    ConfigKey {
        name: "oauth_consumer_secret",
        required: true,
    },
    ConfigKey {
        name: "oauth_access_token",
        required: true,
    },
    ConfigKey {
        name: "oauth_access_token_secret",
        required: true,
    },
    ConfigKey {
        name: "customer_token_secret",
        required: true,
    },
    ConfigKey {
        name: "customer_token_lifetime_minutes",
        required: false,
    },
    ConfigKey {
        name: "public_base_url",
        required: false,
    },
    ConfigKey {
        name: "customer_group_id",
        required: false,
    },
    ConfigKey {
        name: "customer_profile_on_login",
        required: false,
    },
    ConfigKey {
        name: "cors_allowed_origins",
        required: false,
    },
];

/// A failure to read an env file.
#[derive(Debug)]
pub enum SecretsError {
    /// The file could not be read.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A line is not `KEY=VALUE`, or its quotes are unbalanced.
    Syntax { path: PathBuf, line: usize },
}

impl fmt::Display for SecretsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretsError::Io { path, error } => {
                write!(f, "cannot read env file {}: {error}", path.display())
            }
            SecretsError::Syntax { path, line } => write!(
                f,
                "{}:{line}: expected KEY=VALUE (the value is not shown)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SecretsError {}

/// Secret values by contract name. `Debug` shows the names only, never the values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretMap {
    values: HashMap<String, String>,
}

impl fmt::Debug for SecretMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("SecretMap").field("names", &names).finish()
    }
}

impl SecretMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a map from `(name, value)` pairs; names are taken as given.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        SecretMap {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Adds or replaces one value, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds or replaces one value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), value.into());
    }

    /// Removes one value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.values.remove(name)
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The configuration keys found in the process environment (`OAUTH_CONSUMER_KEY`, ...).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The configuration keys found through `lookup`, which is asked for the upper-case names.
    pub fn from_lookup(mut lookup: impl FnMut(&str) -> Option<String>) -> Self {
        let mut map = SecretMap::new();
        for key in CONFIG_KEYS {
            if let Some(value) = lookup(&key.env_name()) {
                map.insert(key.name, value);
            }
        }
        map
    }

    /// The configuration keys in an env file. Keys may be written upper case (`OAUTH_CONSUMER_KEY`)
    /// or as the contract names; other keys are ignored.
    pub fn from_env_file(path: impl AsRef<Path>) -> Result<Self, SecretsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| SecretsError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let pairs = parse_env_file(&text).map_err(|line| SecretsError::Syntax {
            path: path.to_path_buf(),
            line,
        })?;
        let mut map = SecretMap::new();
        for (key, value) in pairs {
            let lower = key.to_ascii_lowercase();
            if let Some(config) = CONFIG_KEYS.iter().find(|c| c.name == lower) {
                map.insert(config.name, value);
            }
        }
        Ok(map)
    }

    /// The host's configuration: the env file (if given), overridden by the process environment.
    pub fn load(env_file: Option<&Path>) -> Result<Self, SecretsError> {
        let mut map = match env_file {
            Some(path) => Self::from_env_file(path)?,
            None => SecretMap::new(),
        };
        map.extend(Self::from_env());
        Ok(map)
    }

    /// Adds every value of `other`, replacing values of the same name.
    pub fn extend(&mut self, other: SecretMap) {
        self.values.extend(other.values);
    }

    /// The required keys that are missing or empty (names only).
    pub fn missing_required(&self) -> Vec<&'static str> {
        CONFIG_KEYS
            .iter()
            .filter(|key| key.required && self.get(key.name).is_none_or(str::is_empty))
            .map(|key| key.name)
            .collect()
    }

    /// Every `(name, value)` pair, sorted by name (what `wasi:config/store.get-all` returns).
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = self
            .values
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        pairs.sort_unstable();
        pairs
    }

    /// The names set, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// Parses `KEY=VALUE` lines: blank lines and `#` comments are skipped, an `export ` prefix is
/// allowed, and a value may be wrapped in single or double quotes (inside double quotes `\"`,
/// `\\` and `\n` are unescaped). An unquoted value ends at ` #`. On error, the 1-based line number.
pub fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut pairs = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let (key, value) = line.split_once('=').ok_or(line_no)?;
        let key = key.trim();
        let valid_key = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
        if !valid_key {
            return Err(line_no);
        }
        let value = parse_value(value.trim()).ok_or(line_no)?;
        pairs.push((key.to_string(), value));
    }
    Ok(pairs)
}

fn parse_value(value: &str) -> Option<String> {
    if let Some(rest) = value.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        trailing_is_comment(chars.as_str()).then_some(out)
    } else if let Some(rest) = value.strip_prefix('\'') {
        let end = rest.find('\'')?;
        trailing_is_comment(&rest[end + 1..]).then(|| rest[..end].to_string())
    } else {
        let value = match value.find(" #") {
            Some(at) => &value[..at],
            None => value,
        };
        Some(value.trim_end().to_string())
    }
}

fn trailing_is_comment(rest: &str) -> bool {
    let rest = rest.trim();
    rest.is_empty() || rest.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn env_file_syntax() {
        let text = "\
# a comment
OAUTH_CONSUMER_KEY=plain
export OAUTH_CONSUMER_SECRET = \"double \\\"quoted\\\" # not a comment\"
OAUTH_ACCESS_TOKEN='single # kept'   # trailing comment
EMPTY=
TRAILING=value # comment
";
        let pairs = parse_env_file(text).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("OAUTH_CONSUMER_KEY".into(), "plain".into()),
                (
                    "OAUTH_CONSUMER_SECRET".into(),
                    "double \"quoted\" # not a comment".into()
                ),
                ("OAUTH_ACCESS_TOKEN".into(), "single # kept".into()),
                ("EMPTY".into(), String::new()),
                ("TRAILING".into(), "value".into()),
            ]
        );
    }

    #[test]
    fn env_file_errors_name_the_line() {
        assert_eq!(parse_env_file("A=1\nno equals sign\n"), Err(2));
        assert_eq!(parse_env_file("A=\"unterminated\n"), Err(1));
        assert_eq!(parse_env_file("=value\n"), Err(1));
        assert_eq!(parse_env_file("A='x' junk\n"), Err(1));
    }

    #[test]
    fn env_file_maps_to_contract_names() {
        let dir = TempDir::new("secrets-file");
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "OAUTH_CONSUMER_KEY=ck\ncustomer_token_secret=s\nUNRELATED=x\n",
        )
        .unwrap();
        let map = SecretMap::from_env_file(&path).unwrap();
        assert_eq!(map.get("oauth_consumer_key"), Some("ck"));
        assert_eq!(map.get("customer_token_secret"), Some("s"));
        assert_eq!(
            map.names(),
            vec!["customer_token_secret", "oauth_consumer_key"]
        );
        assert_eq!(
            map.missing_required(),
            vec![
                "oauth_consumer_secret",
                "oauth_access_token",
                "oauth_access_token_secret"
            ]
        );
    }

    #[test]
    fn a_missing_env_file_is_an_error_without_values() {
        let err = SecretMap::from_env_file("/nonexistent/.env").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/.env"));
    }

    #[test]
    fn lookup_uses_upper_case_names() {
        let map = SecretMap::from_lookup(|name| match name {
            "OAUTH_ACCESS_TOKEN" => Some("at".into()),
            "PUBLIC_BASE_URL" => Some("https://shop.example".into()),
            _ => None,
        });
        assert_eq!(map.get("oauth_access_token"), Some("at"));
        assert_eq!(map.get("public_base_url"), Some("https://shop.example"));
        assert_eq!(map.get("OAUTH_ACCESS_TOKEN"), None);
    }

    #[test]
    fn debug_hides_values_and_empty_counts_as_missing() {
        let map = SecretMap::new()
            .with("oauth_consumer_secret", "hunter2")
            .with("oauth_consumer_key", "");
        let shown = format!("{map:?}");
        assert!(shown.contains("oauth_consumer_secret"));
        assert!(!shown.contains("hunter2"));
        assert!(map.missing_required().contains(&"oauth_consumer_key"));
    }
}
