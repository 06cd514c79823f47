//! Configuration and secrets for the component's `secrets` import (docs/contract.md §8).
//!
//! The component looks values up by the lower-case contract names (`oauth_consumer_key`, ...).
//! The host reads them from environment variables named as the keys in upper case
//! (`OAUTH_CONSUMER_KEY`, ...) and from an optional env file of `KEY=VALUE` lines.
//!
//! [`load_configuration`] is the one way the server, `sign` and `post` get theirs: what the
//! environment and `--env-file` give always wins, and must then hold every required key; when
//! they give none of the required keys, the local development credentials in
//! `<data dir>/dev-credentials.env` are used, created on the server's first run (random, mode
//! 0600, never overwritten).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use customer_token::config::KEYS;

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
    /// The environment or the env file set some of the required keys but not all.
    Incomplete {
        /// The required keys not set (contract names).
        missing: Vec<&'static str>,
        /// The required keys that are set.
        set: Vec<&'static str>,
        /// The env file given, if any.
        env_file: Option<PathBuf>,
    },
    /// The local development credentials file lacks required keys.
    IncompleteDevFile {
        path: PathBuf,
        missing: Vec<&'static str>,
    },
    /// Nothing is configured and the local development credentials file does not exist (and
    /// this command does not create it).
    NoConfiguration { path: PathBuf },
    /// The local development credentials file could not be written.
    Create {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The operating system's random source failed.
    Random(String),
}

/// `OAUTH_CONSUMER_KEY, OAUTH_CONSUMER_SECRET`: contract names as environment variables.
fn env_names(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| name.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
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
            SecretsError::Incomplete {
                missing,
                set,
                env_file,
            } => {
                let from = match env_file {
                    Some(path) => format!("the environment and {}", path.display()),
                    None => "the environment".to_string(),
                };
                write!(
                    f,
                    "incomplete configuration: {} not set, while {} set (from {from}); set all \
                     of {}, or none of them to use the local development credentials",
                    env_names(missing),
                    env_names(set),
                    env_names(&required_names())
                )
            }
            SecretsError::IncompleteDevFile { path, missing } => write!(
                f,
                "{} lacks {}: add them, or delete the file to have new local development \
                 credentials created",
                path.display(),
                env_names(missing)
            ),
            SecretsError::NoConfiguration { path } => write!(
                f,
                "no configuration: none of {} is set, no --env-file was given, and {} does not \
                 exist yet; start the server once (`cargo run -p customer-token-host`), which \
                 creates it, or pass --data with the server's data directory",
                env_names(&required_names()),
                path.display()
            ),
            SecretsError::Create { path, error } => {
                write!(f, "cannot create {}: {error}", path.display())
            }
            SecretsError::Random(error) => write!(f, "no random source: {error}"),
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
        for key in KEYS {
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
            if let Some(config) = KEYS.iter().find(|c| c.name == lower) {
                map.insert(config.name, value);
            }
        }
        Ok(map)
    }

    /// Adds every value of `other`, replacing values of the same name.
    pub fn extend(&mut self, other: SecretMap) {
        self.values.extend(other.values);
    }

    /// The required keys that are missing or empty (names only).
    pub fn missing_required(&self) -> Vec<&'static str> {
        KEYS.iter()
            .filter(|key| key.required && self.get(key.name).is_none_or(str::is_empty))
            .map(|key| key.name)
            .collect()
    }

    /// The required keys that are set to a non-empty value (names only).
    pub fn set_required(&self) -> Vec<&'static str> {
        KEYS.iter()
            .filter(|key| key.required && self.get(key.name).is_some_and(|v| !v.is_empty()))
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

/// The contract names of the required keys, in the contract's order.
pub fn required_names() -> Vec<&'static str> {
    KEYS.iter()
        .filter(|key| key.required)
        .map(|key| key.name)
        .collect()
}

/// The file inside the data directory that holds the local development credentials.
pub const DEV_CREDENTIALS_FILE: &str = "dev-credentials.env";

/// Where [`load_configuration`] found the required keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The environment and/or the env file.
    Given,
    /// The local development credentials file; `created` when this call wrote it.
    DevFile { path: PathBuf, created: bool },
}

/// What [`load_configuration`] does when it needs the local development credentials file and
/// the file does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenNoDevFile {
    /// Create it (the server).
    Create,
    /// Fail with [`SecretsError::NoConfiguration`] (`sign`, `post`).
    Fail,
}

/// The configuration a command runs with, and where it came from.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// Every key, by contract name; the required ones are all set.
    pub secrets: SecretMap,
    /// Where the required keys came from.
    pub source: Source,
}

/// The host's configuration, read from the process environment, `env_file` and, when those set
/// none of the required keys (and no `env_file` is given), the local development credentials in
/// `data_dir` (see [`load_configuration_with`]).
pub fn load_configuration(
    env_file: Option<&Path>,
    data_dir: &Path,
    when_no_dev_file: WhenNoDevFile,
) -> Result<Configuration, SecretsError> {
    load_configuration_with(
        env_file,
        |name| std::env::var(name).ok(),
        data_dir,
        when_no_dev_file,
    )
}

/// [`load_configuration`] with the environment read through `lookup` (asked for upper-case
/// names):
///
/// - the env file (if given), overridden key by key by the environment, always wins: if it sets
///   any required key, or an env file is given, every required key must be set, or the result is
///   [`SecretsError::Incomplete`] naming the missing ones (never a mix with the development
///   credentials);
/// - otherwise the required keys come from `<data_dir>/dev-credentials.env`, created with random
///   values (mode 0600) if it does not exist and `when_no_dev_file` says so; an existing file is
///   never overwritten. Optional keys from the environment still apply on top.
///
/// A key set to the empty string counts as not set.
pub fn load_configuration_with(
    env_file: Option<&Path>,
    lookup: impl FnMut(&str) -> Option<String>,
    data_dir: &Path,
    when_no_dev_file: WhenNoDevFile,
) -> Result<Configuration, SecretsError> {
    let mut given = match env_file {
        Some(path) => SecretMap::from_env_file(path)?,
        None => SecretMap::new(),
    };
    given.extend(SecretMap::from_lookup(lookup));
    let set = given.set_required();
    if env_file.is_some() || !set.is_empty() {
        let missing = given.missing_required();
        if !missing.is_empty() {
            return Err(SecretsError::Incomplete {
                missing,
                set,
                env_file: env_file.map(Path::to_path_buf),
            });
        }
        return Ok(Configuration {
            secrets: given,
            source: Source::Given,
        });
    }

    let path = data_dir.join(DEV_CREDENTIALS_FILE);
    let (mut secrets, created) = match SecretMap::from_env_file(&path) {
        Ok(map) => (map, false),
        Err(SecretsError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
            match when_no_dev_file {
                WhenNoDevFile::Fail => return Err(SecretsError::NoConfiguration { path }),
                WhenNoDevFile::Create => create_dev_credentials(&path)?,
            }
        }
        Err(e) => return Err(e),
    };
    let missing = secrets.missing_required();
    if !missing.is_empty() {
        return Err(SecretsError::IncompleteDevFile { path, missing });
    }
    for (name, value) in given.values {
        if !value.is_empty() {
            secrets.insert(name, value);
        }
    }
    Ok(Configuration {
        secrets,
        source: Source::DevFile { path, created },
    })
}

/// `bytes` random bytes from the operating system, as lowercase hex.
fn random_hex(bytes: usize) -> Result<String, SecretsError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| SecretsError::Random(e.to_string()))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// The text of a new development credentials file: random values for every required key (the
/// two identifiers 16 bytes, the three secrets 32 bytes, as hex).
fn new_dev_credentials() -> Result<String, SecretsError> {
    let mut text = String::from(
        "# Local development credentials for customer-token-host, created by its first run with \
         no configuration.\n\
         # serve, sign and post use them when neither the environment nor --env-file sets any \
         of these keys.\n\
         # Keep this file private; delete it to have new ones created.\n",
    );
    for key in KEYS.iter().filter(|key| key.required) {
        // Secrets get 32 random bytes; the identifiers a shorter value that reads as one.
        let value = if key.secret {
            random_hex(32)?
        } else {
            let prefix: String = key
                .name
                .split('_')
                .skip(1)
                .filter_map(|w| w.chars().next())
                .collect();
            format!("{prefix}-{}", random_hex(16)?)
        };
        text.push_str(&format!("{}={value}\n", key.env_name()));
    }
    Ok(text)
}

/// Writes a new development credentials file at `path` unless one is there (a file another
/// process created first is kept), and reads back what `path` holds. `true` if this call wrote
/// it. The file is written under a temporary name (mode 0600) and linked into place, so `path`
/// never holds a partial file and an existing one is never replaced.
fn create_dev_credentials(path: &Path) -> Result<(SecretMap, bool), SecretsError> {
    let create_error = |error: std::io::Error| SecretsError::Create {
        path: path.to_path_buf(),
        error,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(create_error)?;
    let text = new_dev_credentials()?;
    let temp = dir.join(format!(
        ".{DEV_CREDENTIALS_FILE}.{}.{}.tmp",
        std::process::id(),
        random_hex(4)?
    ));
    write_private(&temp, &text).map_err(create_error)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    let created = match linked {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        // A file system without hard links: create the file in place, still never replacing one.
        Err(_) => match write_private(path, &text) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(create_error(e)),
        },
    };
    Ok((SecretMap::from_env_file(path)?, created))
}

/// Creates `path` (failing if it exists), readable and writable by its owner only, with `text`.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // The umask can only clear bits; set exactly 0600 whatever it is.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()
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

    /// The five required keys as environment variables, with values of this test's own.
    const FULL_ENV: [(&str, &str); 5] = [
        ("OAUTH_CONSUMER_KEY", "env-ck"),
        ("OAUTH_CONSUMER_SECRET", "env-cs"),
        ("OAUTH_ACCESS_TOKEN", "env-at"),
        ("OAUTH_ACCESS_TOKEN_SECRET", "env-ats"),
        (
            "CUSTOMER_TOKEN_SECRET",
            "env-customer-token-secret-of-32-bytes-or-more",
        ),
    ];

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// `KEY=VALUE` lines of a file, read without the parser under test.
    fn plain_pairs(path: &Path) -> Vec<(String, String)> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| {
                let (key, value) = line.split_once('=').expect("KEY=VALUE");
                (key.to_string(), value.to_string())
            })
            .collect()
    }

    #[test]
    fn no_configuration_creates_private_random_dev_credentials_once() {
        let dir = TempDir::new("dev-create");
        let data = dir.path().join("data");
        let path = data.join("dev-credentials.env");
        let first = load_configuration_with(None, no_env, &data, WhenNoDevFile::Create).unwrap();
        assert_eq!(
            first.source,
            Source::DevFile {
                path: path.clone(),
                created: true
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        let pairs = plain_pairs(&path);
        let keys: Vec<&str> = pairs.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "OAUTH_CONSUMER_KEY",
                "OAUTH_CONSUMER_SECRET",
                "OAUTH_ACCESS_TOKEN",
                "OAUTH_ACCESS_TOKEN_SECRET",
                "CUSTOMER_TOKEN_SECRET"
            ]
        );
        for (key, value) in &pairs {
            assert!(value.len() >= 32, "{key} is {} characters", value.len());
            let lower = key.to_ascii_lowercase();
            assert_eq!(first.secrets.get(&lower), Some(value.as_str()), "{key}");
        }
        // 32 random bytes as hex: 64 hex digits.
        let token_secret = &pairs[4].1;
        assert_eq!(token_secret.len(), 64);
        assert!(token_secret.bytes().all(|b| b.is_ascii_hexdigit()));
        // No two values alike, and no leftover temporary file.
        let mut values: Vec<&str> = pairs.iter().map(|(_, v)| v.as_str()).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 5);
        assert_eq!(std::fs::read_dir(&data).unwrap().count(), 1);

        // The second run reads the same file and does not rewrite it.
        let bytes = std::fs::read(&path).unwrap();
        let second = load_configuration_with(None, no_env, &data, WhenNoDevFile::Create).unwrap();
        assert_eq!(
            second.source,
            Source::DevFile {
                path: path.clone(),
                created: false
            }
        );
        assert_eq!(second.secrets, first.secrets);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);

        // Another data directory gets other values.
        let other = load_configuration_with(
            None,
            no_env,
            &dir.path().join("other"),
            WhenNoDevFile::Create,
        )
        .unwrap();
        assert_ne!(
            other.secrets.get("customer_token_secret"),
            first.secrets.get("customer_token_secret")
        );
    }

    #[test]
    fn an_existing_dev_file_is_used_and_never_overwritten() {
        let dir = TempDir::new("dev-existing");
        let path = dir.path().join("dev-credentials.env");
        let text = "OAUTH_CONSUMER_KEY=mine\nOAUTH_CONSUMER_SECRET=my-cs\nOAUTH_ACCESS_TOKEN=my-at\n\
                    OAUTH_ACCESS_TOKEN_SECRET=my-ats\nCUSTOMER_TOKEN_SECRET=my-own-token-secret-of-at-least-32-bytes\n";
        std::fs::write(&path, text).unwrap();
        for when in [WhenNoDevFile::Create, WhenNoDevFile::Fail] {
            let loaded = load_configuration_with(None, no_env, dir.path(), when).unwrap();
            assert_eq!(loaded.secrets.get("oauth_consumer_key"), Some("mine"));
            assert_eq!(
                loaded.secrets.get("oauth_access_token_secret"),
                Some("my-ats")
            );
            assert_eq!(
                loaded.source,
                Source::DevFile {
                    path: path.clone(),
                    created: false
                }
            );
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn an_incomplete_dev_file_is_an_error_naming_the_missing_keys() {
        let dir = TempDir::new("dev-incomplete");
        let path = dir.path().join("dev-credentials.env");
        std::fs::write(
            &path,
            "OAUTH_CONSUMER_KEY=mine\nOAUTH_CONSUMER_SECRET=my-cs\n",
        )
        .unwrap();
        let err = load_configuration_with(None, no_env, dir.path(), WhenNoDevFile::Create)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("OAUTH_ACCESS_TOKEN, OAUTH_ACCESS_TOKEN_SECRET, CUSTOMER_TOKEN_SECRET"),
            "{err}"
        );
        assert!(!err.contains("my-cs"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "OAUTH_CONSUMER_KEY=mine\nOAUTH_CONSUMER_SECRET=my-cs\n"
        );
    }

    #[test]
    fn sign_and_post_do_not_create_the_dev_file() {
        let dir = TempDir::new("dev-fail");
        let err = load_configuration_with(None, no_env, dir.path(), WhenNoDevFile::Fail)
            .unwrap_err()
            .to_string();
        assert!(err.contains("dev-credentials.env"), "{err}");
        assert!(err.contains("cargo run -p customer-token-host"), "{err}");
        assert!(!dir.path().join("dev-credentials.env").exists());
    }

    #[test]
    fn a_partial_environment_is_an_error_naming_the_missing_keys() {
        let dir = TempDir::new("partial-env");
        // Even with a dev file present, a partial environment is not mixed with it.
        load_configuration_with(None, no_env, dir.path(), WhenNoDevFile::Create).unwrap();
        let env = [
            ("OAUTH_CONSUMER_KEY", "env-ck"),
            ("OAUTH_ACCESS_TOKEN", "env-at"),
            ("OAUTH_CONSUMER_SECRET", ""),
        ];
        let err = load_configuration_with(None, lookup(&env), dir.path(), WhenNoDevFile::Create)
            .unwrap_err();
        let SecretsError::Incomplete { missing, set, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(
            missing,
            &[
                "oauth_consumer_secret",
                "oauth_access_token_secret",
                "customer_token_secret"
            ]
        );
        assert_eq!(set, &["oauth_consumer_key", "oauth_access_token"]);
        let shown = err.to_string();
        assert!(
            shown.starts_with(
                "incomplete configuration: OAUTH_CONSUMER_SECRET, OAUTH_ACCESS_TOKEN_SECRET, \
                 CUSTOMER_TOKEN_SECRET not set"
            ),
            "{shown}"
        );
        assert!(!shown.contains("env-ck"), "{shown}");
    }

    #[test]
    fn an_env_file_without_every_required_key_is_an_error() {
        let dir = TempDir::new("partial-file");
        let env_file = dir.path().join(".env");
        std::fs::write(&env_file, "PUBLIC_BASE_URL=https://shop.example\n").unwrap();
        let err =
            load_configuration_with(Some(&env_file), no_env, dir.path(), WhenNoDevFile::Create)
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("OAUTH_CONSUMER_KEY, OAUTH_CONSUMER_SECRET"),
            "{err}"
        );
        assert!(err.contains(".env"), "{err}");
        assert!(!dir.path().join("dev-credentials.env").exists());
    }

    #[test]
    fn the_environment_wins_over_the_dev_file_and_the_env_file() {
        let dir = TempDir::new("env-wins");
        load_configuration_with(None, no_env, dir.path(), WhenNoDevFile::Create).unwrap();
        let loaded =
            load_configuration_with(None, lookup(&FULL_ENV), dir.path(), WhenNoDevFile::Fail)
                .unwrap();
        assert_eq!(loaded.source, Source::Given);
        for (name, value) in FULL_ENV {
            assert_eq!(loaded.secrets.get(&name.to_ascii_lowercase()), Some(value));
        }

        // The env file alone is complete; the environment overrides one key of it.
        let env_file = dir.path().join("complete.env");
        std::fs::write(
            &env_file,
            "OAUTH_CONSUMER_KEY=file-ck\nOAUTH_CONSUMER_SECRET=file-cs\nOAUTH_ACCESS_TOKEN=file-at\n\
             OAUTH_ACCESS_TOKEN_SECRET=file-ats\nCUSTOMER_TOKEN_SECRET=file-secret-0123456789abcdef0123456789\n",
        )
        .unwrap();
        let env = [("OAUTH_ACCESS_TOKEN", "env-at")];
        let loaded = load_configuration_with(
            Some(&env_file),
            lookup(&env),
            dir.path(),
            WhenNoDevFile::Fail,
        )
        .unwrap();
        assert_eq!(loaded.source, Source::Given);
        assert_eq!(loaded.secrets.get("oauth_consumer_key"), Some("file-ck"));
        assert_eq!(loaded.secrets.get("oauth_access_token"), Some("env-at"));
    }

    #[test]
    fn optional_keys_from_the_environment_apply_to_the_dev_credentials() {
        let dir = TempDir::new("dev-optional");
        let env = [
            ("PUBLIC_BASE_URL", "https://shop.example"),
            ("OAUTH_CONSUMER_KEY", ""),
        ];
        let loaded =
            load_configuration_with(None, lookup(&env), dir.path(), WhenNoDevFile::Create).unwrap();
        assert!(matches!(
            loaded.source,
            Source::DevFile { created: true, .. }
        ));
        assert_eq!(
            loaded.secrets.get("public_base_url"),
            Some("https://shop.example")
        );
        // The empty variable counts as unset: the file's key stays.
        assert!(
            loaded
                .secrets
                .get("oauth_consumer_key")
                .unwrap()
                .starts_with("ck-")
        );
    }
}
