//! The real clock: `std` maps it to `wasi:clocks` inside the component.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ports::Clock;

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        }
    }

    fn pause(&self, millis: u64) {
        std::thread::sleep(Duration::from_millis(millis));
    }
}
