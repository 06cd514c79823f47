//! Which host the runtime imitates: one module per host ([`bare`], [`spin`], [`wasi`]), each
//! implementing [`Host`], and the [`Flavor`] that names one of them.

mod bare;
mod keyvalue;
pub(crate) mod spin;
mod wasi;

pub use self::spin::{SPIN_ROUTE, UNKNOWN_CLIENT_ADDR, spin_trigger_request};

use crate::state::State;
use crate::stores::{CounterFormat, MemoryStore, Now};
use bytes::Bytes;
use std::fmt;
use std::str::FromStr;
use wasmtime::component::Linker;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

/// What one host gives the component (its imports) and how it hands over a request.
pub(crate) trait Host: Sync {
    /// `bare`, `spin` or `wasi`.
    fn name(&self) -> &'static str;
    /// How the host's default store keeps counters.
    fn counters(&self) -> CounterFormat;
    /// Whether a component importing `import` is built for this host.
    fn marks(&self, import: &str) -> bool;
    /// Adds the host's own interfaces (beyond WASI and wasi:http) to `linker`.
    fn add_to_linker(&self, linker: &mut Linker<State>) -> wasmtime::Result<()>;
    /// The request as the host's trigger hands it to the component, and the scheme it reports.
    fn incoming(&self, request: http::Request<Bytes>) -> (Scheme, http::Request<Bytes>) {
        match request.uri().scheme_str() {
            Some("https") => (Scheme::Https, request),
            _ => (Scheme::Http, request),
        }
    }
}

/// The environment variable that chooses the default flavor ([`Flavor::from_env`]).
pub const FLAVOR_ENV_VAR: &str = "CUSTOMER_TOKEN_FLAVOR";

/// Which host the runtime imitates, and so what the component is linked against.
///
/// Everything else (the pooling allocator, the call timeout, log capture, the clock, and the
/// `handle`/`exchange`/`verify_token` calls) is the same for every flavor, so a test suite runs
/// against each by changing only the component it is given.
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

    /// The host the flavor names: the one place that maps one to the other.
    pub(crate) fn host(self) -> &'static dyn Host {
        match self {
            Flavor::Bare => &bare::Bare,
            Flavor::Spin => &spin::Spin,
            Flavor::Wasi => &wasi::Wasi,
        }
    }

    /// The flavor's name: `bare`, `spin` or `wasi`.
    pub fn name(self) -> &'static str {
        self.host().name()
    }

    /// How the flavor's host keeps counters, and so the default in-memory store under it:
    /// Spin's SQLite store 8 bytes little-endian, the others decimal text.
    pub fn counters(self) -> CounterFormat {
        self.host().counters()
    }

    /// The flavor a component is built for, told by its imports: `None` if it imports none of
    /// any host's own interfaces (a plain `wasi:http` component runs under every flavor).
    pub fn of_imports<'a>(imports: impl IntoIterator<Item = &'a str>) -> Option<(Flavor, String)> {
        imports.into_iter().find_map(|import| {
            Flavor::ALL
                .into_iter()
                .find(|flavor| flavor.host().marks(import))
                .map(|flavor| (flavor, import.to_owned()))
        })
    }

    /// An empty in-memory store as the flavor's host keeps one: its [counters](Self::counters),
    /// keys given a ttl expiring by `now`.
    pub fn memory_store(self, now: Now) -> MemoryStore {
        MemoryStore::new()
            .with_counters(self.counters())
            .expiring(now)
    }

    /// The flavor named by the `CUSTOMER_TOKEN_FLAVOR` environment variable (`bare`, `spin` or
    /// `wasi`, any case), [`Flavor::Bare`] if it is unset or empty: the server's default, and
    /// the test kit's, so that a suite runs under another host with
    /// `CUSTOMER_TOKEN_FLAVOR=spin cargo test`.
    pub fn from_env() -> Result<Flavor, UnknownFlavor> {
        match std::env::var(FLAVOR_ENV_VAR) {
            Ok(name) if !name.trim().is_empty() => name.trim().parse(),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(Flavor::Bare),
            Err(std::env::VarError::NotUnicode(name)) => {
                Err(UnknownFlavor(name.to_string_lossy().into_owned()))
            }
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
    fn imports_tell_the_flavor() {
        let of = |imports: &[&str]| Flavor::of_imports(imports.iter().copied()).map(|(f, _)| f);
        assert_eq!(
            of(&[
                "wasi:io/streams@0.2.6",
                "commerce:customer-token/customer-store@0.3.0"
            ]),
            Some(Flavor::Bare)
        );
        assert_eq!(
            of(&["wasi:keyvalue/store@0.2.0-draft2"]),
            Some(Flavor::Spin)
        );
        assert_eq!(
            of(&["wasi:keyvalue/atomics@0.2.0-draft"]),
            Some(Flavor::Wasi)
        );
        assert_eq!(of(&["wasi:http/types@0.2.6"]), None);
    }
}
