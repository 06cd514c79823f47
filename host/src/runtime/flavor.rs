//! Which host the runtime imitates.

use crate::backend::{CounterFormat, MemoryStore, Now};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The environment variable that chooses the default flavor ([`Flavor::from_env`]).
pub const FLAVOR_ENV_VAR: &str = "CUSTOMER_TOKEN_FLAVOR";

/// Which host the runtime imitates, and so what the component is linked against.
///
/// Everything else (the pooling allocator, the call timeout, log capture, the test clock, and the
/// `handle`/`exchange`/`verify_token` calls) is the same for every flavor, so a test suite runs
/// against each by changing only [`RuntimeBuilder::flavor`](super::RuntimeBuilder::flavor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flavor {
    /// The component alone, with its own `commerce:customer-token/customer-store` and
    /// `commerce:customer-token/secrets` imports hosted directly over the backend and secrets.
    #[default]
    Bare,
    /// The component composed with the Spin adapter, with Spin 4's
    /// `wasi:keyvalue/{store,atomics}@0.2.0-draft2` (its default SQLite store's behaviour: store
    /// `default` only, counters as 8 bytes little-endian, a trap on incrementing any other value)
    /// and `wasi:config/store@0.2.0-draft-2024-09-27` hosted over the backend and secrets.
    Spin,
    /// The component composed with the wasmtime/wasmCloud adapter, with
    /// `wasi:keyvalue/{store,atomics}@0.2.0-draft` (`wasmtime serve -Skeyvalue`: bucket `""`,
    /// counters as decimal text) and `wasi:config/store@0.2.0-rc.1` hosted over the backend and
    /// secrets. Unlike `wasmtime serve`, writes persist across requests in the backend.
    Wasi,
}

impl Flavor {
    /// Every flavor, bare first.
    pub const ALL: [Flavor; 3] = [Flavor::Bare, Flavor::Spin, Flavor::Wasi];

    /// The flavor's name: `bare`, `spin` or `wasi`.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Bare => "bare",
            Flavor::Spin => "spin",
            Flavor::Wasi => "wasi",
        }
    }

    /// How the flavor's host keeps counters, and so the default in-memory store under it:
    /// Spin's SQLite store 8 bytes little-endian, the others decimal text.
    pub fn counters(self) -> CounterFormat {
        match self {
            Flavor::Spin => CounterFormat::LittleEndian64,
            Flavor::Bare | Flavor::Wasi => CounterFormat::Decimal,
        }
    }

    /// An empty in-memory store as the flavor's host keeps one: its [counters](Self::counters),
    /// keys given a ttl expiring by `now`.
    pub fn memory_store(self, now: Now) -> MemoryStore {
        MemoryStore::new()
            .with_counters(self.counters())
            .expiring(now)
    }

    /// The flavor named by the `CUSTOMER_TOKEN_FLAVOR` environment variable (`bare`, `spin` or
    /// `wasi`, any case), [`Flavor::Bare`] if it is unset or empty. This is the default of
    /// [`RuntimeBuilder::flavor`](super::RuntimeBuilder::flavor), so that a suite written
    /// against the default runs under another host with `CUSTOMER_TOKEN_FLAVOR=spin cargo test`.
    pub fn from_env() -> Result<Flavor, UnknownFlavor> {
        match std::env::var(FLAVOR_ENV_VAR) {
            Ok(name) if !name.trim().is_empty() => name.trim().parse(),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(Flavor::Bare),
            Err(std::env::VarError::NotUnicode(name)) => {
                Err(UnknownFlavor(name.to_string_lossy().into_owned()))
            }
        }
    }

    /// The adapter component the flavor composes with the product component: the one the build
    /// produced, unless the variable named by [`Flavor::adapter_env_var`] names another file at
    /// run time. `None` for [`Flavor::Bare`].
    pub fn adapter_path(self) -> Option<PathBuf> {
        let var = self.adapter_env_var()?;
        let built = match self {
            Flavor::Bare => return None,
            Flavor::Spin => env!("CUSTOMER_TOKEN_SPIN_ADAPTER_WASM"),
            Flavor::Wasi => env!("CUSTOMER_TOKEN_WASI_ADAPTER_WASM"),
        };
        Some(match std::env::var_os(var) {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => PathBuf::from(built),
        })
    }

    /// The environment variable that overrides the flavor's adapter, at build time and at run
    /// time (`None` for [`Flavor::Bare`]).
    pub fn adapter_env_var(self) -> Option<&'static str> {
        match self {
            Flavor::Bare => None,
            Flavor::Spin => Some("CUSTOMER_TOKEN_SPIN_ADAPTER_WASM"),
            Flavor::Wasi => Some("CUSTOMER_TOKEN_WASI_ADAPTER_WASM"),
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A flavor name that is not `bare`, `spin` or `wasi`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFlavor(pub String);

impl fmt::Display for UnknownFlavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown host flavor {:?}: use bare, spin or wasi",
            self.0
        )
    }
}

impl std::error::Error for UnknownFlavor {}

impl FromStr for Flavor {
    type Err = UnknownFlavor;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Flavor::ALL
            .into_iter()
            .find(|flavor| flavor.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownFlavor(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for flavor in Flavor::ALL {
            assert_eq!(flavor.name().parse::<Flavor>(), Ok(flavor));
            assert_eq!(flavor.to_string(), flavor.name());
        }
        assert_eq!("SPIN".parse::<Flavor>(), Ok(Flavor::Spin));
        assert!("fermyon".parse::<Flavor>().is_err());
        assert_eq!(Flavor::default(), Flavor::Bare);
    }

    #[test]
    fn adapters_exist_for_the_composed_flavors() {
        assert_eq!(Flavor::Bare.adapter_path(), None);
        for flavor in [Flavor::Spin, Flavor::Wasi] {
            let path = flavor.adapter_path().unwrap();
            assert!(path.is_file(), "{flavor}: {}", path.display());
        }
    }
}
