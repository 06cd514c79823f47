//! Env files: `KEY=VALUE` lines, as `--env-file` and the development credentials file hold them.

use std::path::Path;

use customer_token::config::KEYS;
use customer_token_runtime::SecretMap;

use super::ConfigError;

/// The configuration keys in the env file at `path`. Keys may be written upper case
/// (`OAUTH_CONSUMER_KEY`) or as the contract names; other keys are ignored.
pub fn read(path: &Path) -> Result<SecretMap, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let pairs = parse(&text).map_err(|line| ConfigError::Syntax {
        path: path.to_path_buf(),
        line,
    })?;
    let mut map = SecretMap::new();
    for (key, value) in pairs {
        let lower = key.to_ascii_lowercase();
        if let Some(config) = KEYS.iter().find(|c| c.name == lower) {
            map.insert(config.name, value);
        }
    }
    Ok(map)
}

/// Parses `KEY=VALUE` lines: blank lines and `#` comments are skipped, an `export ` prefix is
/// allowed, and a value may be wrapped in single or double quotes (inside double quotes `\"`,
/// `\\` and `\n` are unescaped). An unquoted value ends at ` #`. On error, the 1-based line number.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, usize> {
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
    use customer_token_testkit::TempDir;

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
        let pairs = parse(text).unwrap();
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
        assert_eq!(parse("A=1\nno equals sign\n"), Err(2));
        assert_eq!(parse("A=\"unterminated\n"), Err(1));
        assert_eq!(parse("=value\n"), Err(1));
        assert_eq!(parse("A='x' junk\n"), Err(1));
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
        let map = read(&path).unwrap();
        assert_eq!(map.get("oauth_consumer_key"), Some("ck"));
        assert_eq!(map.get("customer_token_secret"), Some("s"));
        assert_eq!(
            map.names(),
            vec!["customer_token_secret", "oauth_consumer_key"]
        );
        assert_eq!(
            super::super::missing_required(&map),
            vec![
                "oauth_consumer_secret",
                "oauth_access_token",
                "oauth_access_token_secret"
            ]
        );
    }

    #[test]
    fn a_missing_env_file_is_an_error_without_values() {
        let err = read(Path::new("/nonexistent/.env")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/.env"));
    }
}
