//! The product's configuration (docs/contract.md §8), read through the `Secrets` port.

use std::fmt;

use crate::oauth::Credentials;
use crate::ports::{SecretError, Secrets};

pub const OAUTH_CONSUMER_KEY: &str = "oauth_consumer_key";
pub const OAUTH_CONSUMER_SECRET: &str = "oauth_consumer_secret";
pub const OAUTH_ACCESS_TOKEN: &str = "oauth_access_token";
pub const OAUTH_ACCESS_TOKEN_SECRET: &str = "oauth_access_token_secret";
pub const CUSTOMER_TOKEN_SECRET: &str = "customer_token_secret";
pub const CUSTOMER_TOKEN_LIFETIME_MINUTES: &str = "customer_token_lifetime_minutes";
pub const PUBLIC_BASE_URL: &str = "public_base_url";
pub const CUSTOMER_GROUP_ID: &str = "customer_group_id";
pub const CUSTOMER_PROFILE_ON_LOGIN: &str = "customer_profile_on_login";
pub const CORS_ALLOWED_ORIGINS: &str = "cors_allowed_origins";
pub const OAUTH_REQUIRE_BODY_HASH: &str = "oauth_require_body_hash";
pub const CUSTOMER_LINK_ATTRIBUTE: &str = "customer_link_attribute";

/// One configuration key: its name (the contract's, docs/contract.md §8), whether a request
/// that needs it fails without it, whether its value must never be shown, and the value it has
/// when it is not configured (empty: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub name: &'static str,
    pub required: bool,
    pub secret: bool,
    pub default: &'static str,
}

impl Key {
    const fn required(name: &'static str, secret: bool) -> Key {
        Key {
            name,
            required: true,
            secret,
            default: "",
        }
    }

    const fn optional(name: &'static str, default: &'static str) -> Key {
        Key {
            name,
            required: false,
            secret: false,
            default,
        }
    }

    /// The environment variable the native host reads it from: its name in upper case.
    pub fn env_name(&self) -> String {
        self.name.to_ascii_uppercase()
    }
}

/// Every configuration key, in the order the README's table lists them. Every place that names
/// the keys reads this table: the loading below, the native host's environment and files, the
/// tests of `spin.toml`.
pub const KEYS: [Key; 12] = [
    Key::required(OAUTH_CONSUMER_KEY, false),
    Key::required(OAUTH_CONSUMER_SECRET, true),
    Key::required(OAUTH_ACCESS_TOKEN, false),
    Key::required(OAUTH_ACCESS_TOKEN_SECRET, true),
    Key::required(CUSTOMER_TOKEN_SECRET, true),
    Key::optional(CUSTOMER_TOKEN_LIFETIME_MINUTES, "60"),
    Key::optional(PUBLIC_BASE_URL, ""),
    // Magento's "General" customer group.
    Key::optional(CUSTOMER_GROUP_ID, "1"),
    Key::optional(CUSTOMER_PROFILE_ON_LOGIN, "keep"),
    Key::optional(CORS_ALLOWED_ORIGINS, ""),
    Key::optional(OAUTH_REQUIRE_BODY_HASH, "false"),
    Key::optional(CUSTOMER_LINK_ATTRIBUTE, ""),
];

/// The entry of `name` in [`KEYS`].
pub fn key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.name == name)
}

/// What a repeat login does with the input's profile (docs/contract.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileOnLogin {
    /// The stored customer is returned as it is (Magento's flow).
    Keep,
    /// The input's profile fields are written to the stored customer.
    Update,
}

/// The origins CORS allows (docs/contract.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    Any,
    /// Exact origins (`scheme://host[:port]`, lower-cased); empty allows none.
    Listed(Vec<String>),
}

impl AllowedOrigins {
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            AllowedOrigins::Any => true,
            AllowedOrigins::Listed(origins) => origins
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin)),
        }
    }

    /// Reads `cors_allowed_origins` alone: a preflight needs nothing else.
    pub fn load(secrets: &dyn Secrets) -> Result<AllowedOrigins, ConfigError> {
        let Some(text) = optional(secrets, CORS_ALLOWED_ORIGINS)? else {
            return Ok(AllowedOrigins::Listed(Vec::new()));
        };
        if text.trim() == "*" {
            return Ok(AllowedOrigins::Any);
        }
        text.split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(parse_base_url)
            .collect::<Option<Vec<String>>>()
            .map(AllowedOrigins::Listed)
            .ok_or(ConfigError::Invalid {
                key: CORS_ALLOWED_ORIGINS,
                reason: "must be `*` or a comma-separated list of origins such as https://shop.example.com",
            })
    }
}

/// One year: a longer-lived login token is almost certainly a configuration mistake.
const MAX_LIFETIME_MINUTES: u32 = 525_600;
/// HS256 keys shorter than the hash output weaken the MAC (RFC 7518 §3.2).
pub const MIN_TOKEN_SECRET_BYTES: usize = 32;

#[derive(Clone)]
pub struct Config {
    pub credentials: Credentials,
    pub customer_token_secret: Vec<u8>,
    pub customer_token_lifetime_minutes: u32,
    /// `scheme://authority`, lower-cased, no trailing slash.
    pub public_base_url: Option<String>,
    pub customer_group_id: u32,
    pub profile_on_login: ProfileOnLogin,
    /// Refuse signed requests without `oauth_body_hash`.
    pub require_body_hash: bool,
    /// The custom attribute whose value is a login's `provider:subject`, when customers are
    /// linked by subject (docs/linking.md).
    pub link_attribute: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field(
                "customer_token_lifetime_minutes",
                &self.customer_token_lifetime_minutes,
            )
            .field("public_base_url", &self.public_base_url)
            .field("customer_group_id", &self.customer_group_id)
            .field("profile_on_login", &self.profile_on_login)
            .field("require_body_hash", &self.require_body_hash)
            .field("link_attribute", &self.link_attribute)
            .finish_non_exhaustive()
    }
}

/// Why the configuration is unusable. Names the key, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing(&'static str),
    Invalid {
        key: &'static str,
        reason: &'static str,
    },
    Lookup {
        key: &'static str,
        error: SecretError,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(key) => write!(f, "configuration key `{key}` is missing"),
            ConfigError::Invalid { key, reason } => {
                write!(f, "configuration key `{key}` is invalid: {reason}")
            }
            ConfigError::Lookup { key, error } => {
                write!(f, "configuration key `{key}` could not be read: {error}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn load(secrets: &dyn Secrets) -> Result<Config, ConfigError> {
        let credentials = Credentials {
            consumer_key: required(secrets, OAUTH_CONSUMER_KEY)?,
            consumer_secret: required(secrets, OAUTH_CONSUMER_SECRET)?,
            token: required(secrets, OAUTH_ACCESS_TOKEN)?,
            token_secret: required(secrets, OAUTH_ACCESS_TOKEN_SECRET)?,
        };
        let customer_token_secret = token_secret(secrets)?;
        let customer_token_lifetime_minutes =
            parse_lifetime(&or_default(secrets, CUSTOMER_TOKEN_LIFETIME_MINUTES)?).ok_or(
                ConfigError::Invalid {
                    key: CUSTOMER_TOKEN_LIFETIME_MINUTES,
                    reason: "must be a whole number of minutes from 1 to 525600",
                },
            )?;
        let public_base_url = match optional(secrets, PUBLIC_BASE_URL)? {
            None => None,
            Some(text) => Some(parse_base_url(&text).ok_or(ConfigError::Invalid {
                key: PUBLIC_BASE_URL,
                reason: "must be http:// or https:// followed by a host, an optional port and no path",
            })?),
        };
        let customer_group_id = customer_group_id(secrets)?;
        let profile_on_login = match or_default(secrets, CUSTOMER_PROFILE_ON_LOGIN)?.trim() {
            "keep" => ProfileOnLogin::Keep,
            "update" => ProfileOnLogin::Update,
            _ => {
                return Err(ConfigError::Invalid {
                    key: CUSTOMER_PROFILE_ON_LOGIN,
                    reason: "must be `keep` or `update`",
                });
            }
        };
        let require_body_hash = match or_default(secrets, OAUTH_REQUIRE_BODY_HASH)?.trim() {
            "false" => false,
            "true" => true,
            _ => {
                return Err(ConfigError::Invalid {
                    key: OAUTH_REQUIRE_BODY_HASH,
                    reason: "must be `true` or `false`",
                });
            }
        };
        let link_attribute = match optional(secrets, CUSTOMER_LINK_ATTRIBUTE)? {
            None => None,
            Some(text) => Some(parse_attribute_code(&text).ok_or(ConfigError::Invalid {
                key: CUSTOMER_LINK_ATTRIBUTE,
                reason: "must be a customer attribute code: a letter, then letters, digits or `_`, at most 60",
            })?),
        };
        Ok(Config {
            credentials,
            customer_token_secret,
            customer_token_lifetime_minutes,
            public_base_url,
            customer_group_id,
            profile_on_login,
            require_body_hash,
            link_attribute,
        })
    }

    pub fn token_lifetime_seconds(&self) -> i64 {
        i64::from(self.customer_token_lifetime_minutes) * 60
    }
}

/// `customer_token_secret` alone: checking a Bearer token needs nothing else.
pub fn token_secret(secrets: &dyn Secrets) -> Result<Vec<u8>, ConfigError> {
    let secret = required(secrets, CUSTOMER_TOKEN_SECRET)?.into_bytes();
    if secret.len() < MIN_TOKEN_SECRET_BYTES {
        return Err(ConfigError::Invalid {
            key: CUSTOMER_TOKEN_SECRET,
            reason: "must be at least 32 bytes",
        });
    }
    Ok(secret)
}

/// `customer_group_id` alone: the `Customer` object of a Bearer token needs nothing else.
pub fn customer_group_id(secrets: &dyn Secrets) -> Result<u32, ConfigError> {
    or_default(secrets, CUSTOMER_GROUP_ID)?
        .trim()
        .parse()
        .map_err(|_| ConfigError::Invalid {
            key: CUSTOMER_GROUP_ID,
            reason: "must be a whole number (a Commerce customer group id)",
        })
}

/// A value that is absent or blank counts as not configured: hosts often turn an unset
/// variable into an empty string.
fn optional(secrets: &dyn Secrets, key: &'static str) -> Result<Option<String>, ConfigError> {
    match secrets.get(key) {
        Ok(Some(value)) if !value.trim().is_empty() => Ok(Some(value)),
        Ok(_) => Ok(None),
        Err(error) => Err(ConfigError::Lookup { key, error }),
    }
}

/// The configured value of `key`, or its default in [`KEYS`].
fn or_default(secrets: &dyn Secrets, key: &'static str) -> Result<String, ConfigError> {
    let default = self::key(key).map_or("", |key| key.default);
    Ok(optional(secrets, key)?.unwrap_or_else(|| default.to_owned()))
}

fn required(secrets: &dyn Secrets, key: &'static str) -> Result<String, ConfigError> {
    optional(secrets, key)?.ok_or(ConfigError::Missing(key))
}

fn parse_lifetime(text: &str) -> Option<u32> {
    let minutes: u32 = text.trim().parse().ok()?;
    (1..=MAX_LIFETIME_MINUTES)
        .contains(&minutes)
        .then_some(minutes)
}

/// An attribute code as Commerce accepts one (`Magento\Eav\Model\Entity\Attribute`'s
/// validation): a letter, then letters, digits or underscores, 60 at most.
fn parse_attribute_code(text: &str) -> Option<String> {
    let code = text.trim();
    let valid = code.len() <= 60
        && code.starts_with(|c: char| c.is_ascii_alphabetic())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| code.to_owned())
}

/// Accepts `scheme://host[:port]` with an optional trailing `/`, and returns it lower-cased.
fn parse_base_url(text: &str) -> Option<String> {
    let text = text.trim();
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let valid_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if authority.is_empty() || !authority.chars().all(valid_char) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Map(HashMap<&'static str, &'static str>);

    impl Secrets for Map {
        fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
            Ok(self.0.get(name).map(|v| (*v).to_owned()))
        }
    }

    fn complete() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            (OAUTH_CONSUMER_KEY, "ck"),
            (OAUTH_CONSUMER_SECRET, "cs"),
            (OAUTH_ACCESS_TOKEN, "at"),
            (OAUTH_ACCESS_TOKEN_SECRET, "ats"),
            (CUSTOMER_TOKEN_SECRET, "0123456789abcdef0123456789abcdef"),
        ])
    }

    #[test]
    fn the_link_attribute_is_an_attribute_code_or_unset() {
        let load = |value: &'static str| {
            let mut map = complete();
            map.insert(CUSTOMER_LINK_ATTRIBUTE, value);
            Config::load(&Map(map)).map(|config| config.link_attribute)
        };
        assert_eq!(load(""), Ok(None));
        assert_eq!(load(" social_id "), Ok(Some("social_id".into())));
        assert_eq!(load("Social_ID2"), Ok(Some("Social_ID2".into())));
        for invalid in [
            "2fa",
            "social id",
            "social-id",
            "_x",
            Box::leak("a".repeat(61).into_boxed_str()),
        ] {
            assert!(
                matches!(
                    load(invalid),
                    Err(ConfigError::Invalid {
                        key: CUSTOMER_LINK_ATTRIBUTE,
                        ..
                    })
                ),
                "{invalid:?}"
            );
        }
    }

    #[test]
    fn defaults_apply_when_optional_keys_are_absent() {
        let config = Config::load(&Map(complete())).unwrap();
        assert_eq!(config.customer_token_lifetime_minutes, 60);
        assert_eq!(config.token_lifetime_seconds(), 3600);
        assert_eq!(config.public_base_url, None);
    }

    #[test]
    fn each_missing_required_key_is_named() {
        for key in [
            OAUTH_CONSUMER_KEY,
            OAUTH_CONSUMER_SECRET,
            OAUTH_ACCESS_TOKEN,
            OAUTH_ACCESS_TOKEN_SECRET,
            CUSTOMER_TOKEN_SECRET,
        ] {
            let mut values = complete();
            values.remove(key);
            assert_eq!(
                Config::load(&Map(values)).unwrap_err(),
                ConfigError::Missing(key)
            );
        }
    }

    #[test]
    fn blank_value_counts_as_missing() {
        let mut values = complete();
        values.insert(OAUTH_CONSUMER_KEY, "  ");
        assert_eq!(
            Config::load(&Map(values)).unwrap_err(),
            ConfigError::Missing(OAUTH_CONSUMER_KEY)
        );
    }

    #[test]
    fn short_token_secret_is_refused_without_echoing_it() {
        let mut values = complete();
        values.insert(CUSTOMER_TOKEN_SECRET, "short-secret-value");
        let error = Config::load(&Map(values)).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::Invalid {
                key: CUSTOMER_TOKEN_SECRET,
                ..
            }
        ));
        assert!(!error.to_string().contains("short-secret-value"));
    }

    #[test]
    fn lifetime_must_be_a_sane_number_of_minutes() {
        for (text, expected) in [
            ("15", Some(15)),
            (" 90 ", Some(90)),
            ("0", None),
            ("-5", None),
            ("1.5", None),
            ("525601", None),
        ] {
            let mut values = complete();
            values.insert(CUSTOMER_TOKEN_LIFETIME_MINUTES, text);
            let result = Config::load(&Map(values)).map(|c| c.customer_token_lifetime_minutes);
            match expected {
                Some(minutes) => assert_eq!(result.unwrap(), minutes, "{text}"),
                None => assert!(result.is_err(), "{text}"),
            }
        }
    }

    #[test]
    fn public_base_url_is_normalised_or_refused() {
        for (text, expected) in [
            ("https://Shop.Example.com", Some("https://shop.example.com")),
            (
                "HTTPS://shop.example.com:8443/",
                Some("https://shop.example.com:8443"),
            ),
            ("http://127.0.0.1:3000", Some("http://127.0.0.1:3000")),
            ("shop.example.com", None),
            ("ftp://shop.example.com", None),
            ("https://shop.example.com/graphql", None),
            ("https://", None),
        ] {
            let mut values = complete();
            values.insert(PUBLIC_BASE_URL, text);
            let result = Config::load(&Map(values)).map(|c| c.public_base_url);
            match expected {
                Some(url) => assert_eq!(result.unwrap().as_deref(), Some(url), "{text}"),
                None => assert!(result.is_err(), "{text}"),
            }
        }
    }

    #[test]
    fn group_and_profile_policy_have_defaults_and_are_checked() {
        let config = Config::load(&Map(complete())).unwrap();
        assert_eq!(config.customer_group_id, 1);
        assert_eq!(config.profile_on_login, ProfileOnLogin::Keep);
        assert!(!config.require_body_hash);
        let mut values = complete();
        values.insert(CUSTOMER_GROUP_ID, "4");
        values.insert(CUSTOMER_PROFILE_ON_LOGIN, "update");
        let config = Config::load(&Map(values)).unwrap();
        assert_eq!(config.customer_group_id, 4);
        assert_eq!(config.profile_on_login, ProfileOnLogin::Update);
        for (key, bad) in [
            (CUSTOMER_GROUP_ID, "-1"),
            (CUSTOMER_GROUP_ID, "general"),
            (CUSTOMER_PROFILE_ON_LOGIN, "overwrite"),
            (OAUTH_REQUIRE_BODY_HASH, "yes"),
        ] {
            let mut values = complete();
            values.insert(key, bad);
            assert!(
                matches!(Config::load(&Map(values)), Err(ConfigError::Invalid { key: k, .. }) if k == key),
                "{key}={bad}"
            );
        }
    }

    #[test]
    fn cors_origins_default_to_none_and_are_parsed() {
        let none = AllowedOrigins::load(&Map(HashMap::new())).unwrap();
        assert!(!none.allows("https://shop.example.com"));
        let any =
            AllowedOrigins::load(&Map(HashMap::from([(CORS_ALLOWED_ORIGINS, " * ")]))).unwrap();
        assert!(any.allows("https://anything.example"));
        let listed = AllowedOrigins::load(&Map(HashMap::from([(
            CORS_ALLOWED_ORIGINS,
            "https://Shop.example.com, http://localhost:3000",
        )])))
        .unwrap();
        assert!(listed.allows("https://shop.example.com"));
        assert!(listed.allows("http://localhost:3000"));
        assert!(!listed.allows("https://evil.example.com"));
        assert!(!listed.allows("http://shop.example.com"));
        assert!(
            AllowedOrigins::load(&Map(HashMap::from([(
                CORS_ALLOWED_ORIGINS,
                "shop.example.com"
            )])))
            .is_err()
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config::load(&Map(complete())).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("0123456789abcdef"));
        assert!(!shown.contains("\"cs\""));
    }
}
