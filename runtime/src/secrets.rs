//! The values behind the component's configuration imports: its own `secrets`, and `wasi:config`
//! under the Spin and Wasi flavors.

use std::collections::HashMap;
use std::fmt;

/// Configuration and secret values by the contract's lower-case names (`oauth_consumer_key`,
/// ...). `Debug` shows the names only, never the values.
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

    /// Adds every value of `other`, replacing values of the same name.
    pub fn extend(&mut self, other: SecretMap) {
        self.values.extend(other.values);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values() {
        let map = SecretMap::new().with("oauth_consumer_secret", "hunter2");
        let shown = format!("{map:?}");
        assert!(shown.contains("oauth_consumer_secret"));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn later_values_replace_earlier_ones() {
        let mut map = SecretMap::from_pairs([("a", "1"), ("b", "2")]);
        map.extend(SecretMap::new().with("b", "3"));
        assert_eq!(map.get("b"), Some("3"));
        assert_eq!(map.names(), vec!["a", "b"]);
        assert_eq!(map.remove("a"), Some("1".into()));
        assert_eq!(map.get("a"), None);
    }
}
