//! What can go wrong loading the configuration, worded for the person running the host.

use std::fmt;
use std::path::PathBuf;

use super::required_names;

/// Why the host's configuration could not be loaded. No variant holds a value, only names.
#[derive(Debug)]
pub enum ConfigError {
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
    /// The local development credentials file could have been written by someone else.
    Untrusted { path: PathBuf, why: &'static str },
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

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Io { path, error } => {
                write!(f, "cannot read env file {}: {error}", path.display())
            }
            ConfigError::Syntax { path, line } => write!(
                f,
                "{}:{line}: expected KEY=VALUE (the value is not shown)",
                path.display()
            ),
            ConfigError::Incomplete {
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
            ConfigError::IncompleteDevFile { path, missing } => write!(
                f,
                "{} lacks {}: add them, or delete the file to have new local development \
                 credentials created",
                path.display(),
                env_names(missing)
            ),
            ConfigError::NoConfiguration { path } => write!(
                f,
                "no configuration: none of {} is set, no --env-file was given, and {} does not \
                 exist yet; start the server once (`cargo run -p customer-token-host`), which \
                 creates it, or pass --data with the server's data directory",
                env_names(&required_names()),
                path.display()
            ),
            ConfigError::Create { path, error } => {
                write!(f, "cannot create {}: {error}", path.display())
            }
            ConfigError::Untrusted { path, why } => write!(
                f,
                "refusing the local development credentials in {}: {why}; make it a plain \
                 file of your own with mode 0600 (chmod 600), or delete it to have new ones \
                 created",
                path.display()
            ),
            ConfigError::Random(error) => write!(f, "no random source: {error}"),
        }
    }
}

impl std::error::Error for ConfigError {}
