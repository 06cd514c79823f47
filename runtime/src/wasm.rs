//! A component's bytes, as the runtime is given them: embedded in the binary (the components the
//! server was built with) or read from a file (`--wasm`, dist/).

use anyhow::{Context as _, Result};
use bytes::Bytes;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

/// A component to run, with a name for messages. Cheap to clone.
#[derive(Clone)]
pub struct Wasm {
    name: Arc<str>,
    bytes: Bytes,
}

impl std::fmt::Debug for Wasm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wasm")
            .field("name", &self.name)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Wasm {
    /// Bytes that live as long as the program (`include_bytes!`), not copied.
    pub fn from_static(name: &str, bytes: &'static [u8]) -> Wasm {
        Wasm {
            name: name.into(),
            bytes: Bytes::from_static(bytes),
        }
    }

    /// Bytes made at run time (a composite, say).
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Wasm {
        Wasm {
            name: name.into().into(),
            bytes: bytes.into(),
        }
    }

    /// The component in the file at `path`, named by its path.
    pub fn read(path: impl AsRef<Path>) -> Result<Wasm> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .with_context(|| format!("the component {} cannot be read", path.display()))?;
        Ok(Wasm::new(path.display().to_string(), bytes))
    }

    /// What the component is, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What the engine's caches know the bytes by.
    pub(crate) fn key(&self) -> WasmKey {
        WasmKey(self.bytes.clone())
    }
}

/// The bytes as a cache key: equal when the bytes are. Hashing reads only the length and the
/// first and last pages, as a component of the same length whose first and last 4 KiB agree is
/// rare enough that comparing the whole of it then costs nothing that matters.
#[derive(Clone)]
pub(crate) struct WasmKey(Bytes);

const HASHED_BYTES: usize = 4096;

impl Hash for WasmKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let bytes = &self.0[..];
        bytes.len().hash(state);
        bytes[..bytes.len().min(HASHED_BYTES)].hash(state);
        bytes[bytes.len().saturating_sub(HASHED_BYTES)..].hash(state);
    }
}

impl PartialEq for WasmKey {
    fn eq(&self, other: &WasmKey) -> bool {
        self.0.as_ptr() == other.0.as_ptr() && self.0.len() == other.0.len() || self.0 == other.0
    }
}

impl Eq for WasmKey {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_equal_when_the_bytes_are() {
        let mut long = vec![7u8; 3 * HASHED_BYTES];
        let a = Wasm::new("a", long.clone()).key();
        let b = Wasm::new("b", long.clone()).key();
        long[HASHED_BYTES + 1] = 8; // differs only where the hash does not look
        let c = Wasm::new("c", long).key();
        let keys: HashSet<WasmKey> = [a.clone(), b, c].into_iter().collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.contains(&a));
    }
}
