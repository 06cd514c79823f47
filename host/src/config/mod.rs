//! The host's configuration: the values behind the component's `secrets` import
//! (docs/contract.md §8), and where they come from.
//!
//! The component looks values up by the lower-case contract names (`oauth_consumer_key`, ...).
//! The host reads them from environment variables named as the keys in upper case
//! (`OAUTH_CONSUMER_KEY`, ...) and from an optional env file of `KEY=VALUE` lines.
//!
//! [`load_configuration`] is the one way the server, `sign` and `post` get theirs: what the
//! environment and `--env-file` give always wins, and must then hold every required key; when
//! they give none of the required keys, the local development credentials in
//! `<data dir>/dev-credentials.env` ([`dev_credentials`]) are used, created on the server's first run (random, mode
//! 0600, never overwritten).

mod dev_credentials;
mod env_file;
mod error;

pub use self::dev_credentials::FILE as DEV_CREDENTIALS_FILE;
pub use self::env_file::{parse as parse_env_file, read as read_env_file};
pub use self::error::ConfigError;

use std::path::{Path, PathBuf};

use customer_token::config::KEYS;
use customer_token_runtime::SecretMap;

/// The contract names of the required keys, in the contract's order.
pub fn required_names() -> Vec<&'static str> {
    KEYS.iter()
        .filter(|key| key.required)
        .map(|key| key.name)
        .collect()
}

/// The configuration keys found through `lookup`, which is asked for the upper-case names
/// (`OAUTH_CONSUMER_KEY`, ...).
pub fn from_lookup(mut lookup: impl FnMut(&str) -> Option<String>) -> SecretMap {
    let mut map = SecretMap::new();
    for key in KEYS {
        if let Some(value) = lookup(&key.env_name()) {
            map.insert(key.name, value);
        }
    }
    map
}

/// The required keys that are missing or empty in `map` (names only).
pub fn missing_required(map: &SecretMap) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|key| key.required && map.get(key.name).is_none_or(str::is_empty))
        .map(|key| key.name)
        .collect()
}

/// The required keys that `map` sets to a non-empty value (names only).
fn set_required(map: &SecretMap) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|key| key.required && map.get(key.name).is_some_and(|v| !v.is_empty()))
        .map(|key| key.name)
        .collect()
}

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
    /// Fail with [`ConfigError::NoConfiguration`] (`sign`, `post`).
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
) -> Result<Configuration, ConfigError> {
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
///   [`ConfigError::Incomplete`] naming the missing ones (never a mix with the development
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
) -> Result<Configuration, ConfigError> {
    let mut given = match env_file {
        Some(path) => env_file::read(path)?,
        None => SecretMap::new(),
    };
    given.extend(from_lookup(lookup));
    let set = set_required(&given);
    if env_file.is_some() || !set.is_empty() {
        let missing = missing_required(&given);
        if !missing.is_empty() {
            return Err(ConfigError::Incomplete {
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

    let path = data_dir.join(dev_credentials::FILE);
    let (mut secrets, created) = match dev_credentials::read(&path) {
        Ok(map) => (map, false),
        Err(ConfigError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
            match when_no_dev_file {
                WhenNoDevFile::Fail => return Err(ConfigError::NoConfiguration { path }),
                WhenNoDevFile::Create => dev_credentials::create(&path)?,
            }
        }
        Err(e) => return Err(e),
    };
    let missing = missing_required(&secrets);
    if !missing.is_empty() {
        return Err(ConfigError::IncompleteDevFile { path, missing });
    }
    for name in given.names() {
        if let Some(value) = given.get(name).filter(|value| !value.is_empty()) {
            secrets.insert(name, value);
        }
    }
    Ok(Configuration {
        secrets,
        source: Source::DevFile { path, created },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use customer_token_testkit::TempDir;

    #[test]
    fn empty_counts_as_missing() {
        let map = SecretMap::new().with("oauth_consumer_key", "");
        assert!(missing_required(&map).contains(&"oauth_consumer_key"));
    }

    #[test]
    fn lookup_uses_upper_case_names() {
        let map = from_lookup(|name| match name {
            "OAUTH_ACCESS_TOKEN" => Some("at".into()),
            "PUBLIC_BASE_URL" => Some("https://shop.example".into()),
            _ => None,
        });
        assert_eq!(map.get("oauth_access_token"), Some("at"));
        assert_eq!(map.get("public_base_url"), Some("https://shop.example"));
        assert_eq!(map.get("OAUTH_ACCESS_TOKEN"), None);
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

    #[cfg(unix)]
    #[test]
    fn a_dev_file_someone_else_could_have_written_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let text = "OAUTH_CONSUMER_KEY=planted\nOAUTH_CONSUMER_SECRET=p\nOAUTH_ACCESS_TOKEN=p\n\
                    OAUTH_ACCESS_TOKEN_SECRET=p\nCUSTOMER_TOKEN_SECRET=planted-token-secret-of-at-least-32-bytes\n";
        let refused = |dir: &TempDir| {
            let error = load_configuration_with(None, no_env, dir.path(), WhenNoDevFile::Create)
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with("refusing the local development credentials"),
                "{error}"
            );
            // Nothing was created in its place, and nothing of it is shown.
            assert!(!error.contains("planted"), "{error}");
            error
        };

        let dir = TempDir::new("dev-group-writable");
        let path = dir.path().join("dev-credentials.env");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).unwrap();
        assert!(refused(&dir).contains("group or others may write it"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let loaded = load_configuration_with(None, no_env, dir.path(), WhenNoDevFile::Fail);
        assert_eq!(
            loaded.unwrap().secrets.get("oauth_consumer_key"),
            Some("planted")
        );

        let dir = TempDir::new("dev-symlink");
        let elsewhere = dir.path().join("elsewhere.env");
        std::fs::write(&elsewhere, text).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("dev-credentials.env")).unwrap();
        assert!(refused(&dir).contains("symbolic link"));

        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let dir = TempDir::new("dev-other-owner");
            let path = dir.path().join("dev-credentials.env");
            std::fs::write(&path, text).unwrap();
            std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
            assert!(refused(&dir).contains("another user owns it"));
        }
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
        let ConfigError::Incomplete { missing, set, .. } = &err else {
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
