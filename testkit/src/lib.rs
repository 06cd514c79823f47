//! What the workspace's tests and benchmarks share: the built components as the runtime takes
//! them, the end-to-end fixture, a clock the test moves, real services (a `redis-server` of the
//! test's own), temporary directories, and the one rule for a tool a test needs.

mod clock;
pub mod components;
pub mod fixture;
mod redis;
mod signal;
mod temp;
mod tools;

pub use self::clock::{TestClock, real_unix_seconds};
pub use self::redis::RedisServer;
pub use self::signal::{Signal, signal_group, signal_process};
pub use self::temp::{TempDir, free_port};
pub use self::tools::{python_venv, tool_or_skip};
pub use customer_token_runtime::{Call, CallHook, CallPhase, Faulty, FaultyStore};
