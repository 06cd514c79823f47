//! The component's wall clock: real time, or a `TestClock` that tests set and advance.

use customer_token_runtime::HostWallClock;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A shared, settable wall clock. Clones share the same time, so a test keeps one clone and
/// moves the time that every instance created from the `Runtime` sees through
/// `wasi:clocks/wall-clock`. Monotonic time stays real.
#[derive(Debug, Clone)]
pub struct TestClock {
    nanos: Arc<AtomicU64>,
}

const NANOS_PER_SEC: u64 = 1_000_000_000;

impl TestClock {
    /// A clock standing at `unix_seconds`.
    pub fn at(unix_seconds: u64) -> Self {
        TestClock {
            nanos: Arc::new(AtomicU64::new(unix_seconds.saturating_mul(NANOS_PER_SEC))),
        }
    }

    /// A clock standing at the current real time (whole seconds).
    pub fn now() -> Self {
        Self::at(real_unix_seconds())
    }

    /// The clock's time in whole Unix seconds.
    pub fn unix_seconds(&self) -> u64 {
        self.nanos.load(Ordering::SeqCst) / NANOS_PER_SEC
    }

    /// Sets the time to `unix_seconds`.
    pub fn set(&self, unix_seconds: u64) {
        self.nanos
            .store(unix_seconds.saturating_mul(NANOS_PER_SEC), Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds`.
    pub fn advance(&self, seconds: u64) {
        self.advance_by(Duration::from_secs(seconds));
    }

    /// Moves the time forward by `by`.
    pub fn advance_by(&self, by: Duration) {
        let delta = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(delta))
            });
    }

    /// The clock as a store's expiry clock (whole Unix seconds), so that an embedded store
    /// expires keys by the time the test sets.
    pub fn as_now(&self) -> customer_token_runtime::Now {
        let clock = self.clone();
        Arc::new(move || i64::try_from(clock.unix_seconds()).unwrap_or(i64::MAX))
    }

    /// Moves the time back by `seconds` (not below the epoch).
    pub fn rewind(&self, seconds: u64) {
        let delta = seconds.saturating_mul(NANOS_PER_SEC);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_sub(delta))
            });
    }
}

impl HostWallClock for TestClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

/// The real time in whole Unix seconds (0 if the system clock is before 1970).
pub fn real_unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_time() {
        let clock = TestClock::at(1_748_499_421);
        let other = clock.clone();
        other.advance(60);
        assert_eq!(clock.unix_seconds(), 1_748_499_481);
        clock.set(10);
        assert_eq!(other.unix_seconds(), 10);
        clock.rewind(20);
        assert_eq!(other.unix_seconds(), 0);
        clock.advance_by(Duration::from_millis(1500));
        assert_eq!(HostWallClock::now(&other), Duration::from_millis(1500));
        assert_eq!(other.unix_seconds(), 1);
    }

    #[test]
    fn now_is_close_to_real_time() {
        let clock = TestClock::now();
        assert!(real_unix_seconds().abs_diff(clock.unix_seconds()) <= 1);
        assert!(clock.unix_seconds() > 1_700_000_000);
    }
}
