//! Reading a request body with a deadline that grows with what arrives: after a grace period the
//! client must keep up a minimum rate, so a client that dribbles a body cannot hold a
//! connection (and up to the body limit of memory) indefinitely.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::time::Duration;
use tokio::time::Instant;

/// How fast a body must arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPace {
    /// Time allowed before the rate counts.
    pub grace: Duration,
    /// Bytes per second the client must average after the grace.
    pub min_bytes_per_second: u64,
}

impl Default for BodyPace {
    fn default() -> BodyPace {
        BodyPace {
            grace: Duration::from_secs(5),
            min_bytes_per_second: 16 * 1024,
        }
    }
}

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BodyError {
    TooLarge,
    TooSlow,
    Broken,
}

/// The whole body, at most `limit` bytes, arriving at `pace`.
pub(super) async fn read(
    mut body: Incoming,
    limit: usize,
    pace: BodyPace,
) -> Result<Bytes, BodyError> {
    let started = Instant::now();
    let mut collected = BytesMut::new();
    loop {
        let allowed = pace.grace
            + Duration::from_secs_f64(
                collected.len() as f64 / pace.min_bytes_per_second.max(1) as f64,
            );
        let frame = match tokio::time::timeout_at(started + allowed, body.frame()).await {
            Err(_) => return Err(BodyError::TooSlow),
            Ok(None) => return Ok(collected.freeze()),
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            collected.extend_from_slice(&data);
        }
    }
}
