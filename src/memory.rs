//! In-memory implementations of the ports, for native tests, fuzzing and benchmarks: the store
//! crate's [`MemoryStore`] and [`Faulty`] (native only), and secrets from a list.

use std::collections::HashMap;

use crate::ports::{SecretError, Secrets};

#[cfg(not(target_arch = "wasm32"))]
pub use customer_token_store::{CallPhase, Faulty, MemoryStore};

/// Secrets from a fixed list of pairs.
#[derive(Debug, Clone, Default)]
pub struct MemorySecrets(pub HashMap<String, String>);

impl Secrets for MemorySecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        Ok(self.0.get(name).cloned())
    }
}
