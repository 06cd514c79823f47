//! Captures the component's stderr (its log) in memory so tests can read it.

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// The most a buffer keeps; later output is dropped (after a one-line note) instead of trapping
/// the guest, so a chatty component cannot exhaust the host's memory.
pub const DEFAULT_LOG_CAPACITY: usize = 8 * 1024 * 1024;

const TRUNCATED: &[u8] = b"\n[customer-token-host: log buffer full, further output dropped]\n";

/// A shared, append-only byte buffer that every instance's stderr writes into.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    bytes: Vec<u8>,
    capacity: usize,
    truncated: bool,
}

impl Default for LogBuffer {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_LOG_CAPACITY)
    }
}

impl LogBuffer {
    /// An empty buffer holding at most `DEFAULT_LOG_CAPACITY` bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty buffer holding at most `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        LogBuffer {
            inner: Arc::new(Mutex::new(Inner {
                bytes: Vec::new(),
                capacity,
                truncated: false,
            })),
        }
    }

    /// Everything written so far, as (lossy) UTF-8.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.lock().bytes).into_owned()
    }

    /// Empties the buffer.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.bytes.clear();
        inner.truncated = false;
    }

    /// Appends `data`, dropping what does not fit.
    pub fn append(&self, data: &[u8]) {
        let mut inner = self.lock();
        let room = inner.capacity.saturating_sub(inner.bytes.len());
        if data.len() <= room {
            inner.bytes.extend_from_slice(data);
        } else if !inner.truncated {
            inner.truncated = true;
            inner.bytes.extend_from_slice(&data[..room]);
            inner.bytes.extend_from_slice(TRUNCATED);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl IsTerminal for LogBuffer {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogBuffer {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for LogBuffer {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogBuffer {
    async fn ready(&mut self) {}
}

impl AsyncWrite for LogBuffer {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_truncates_once() {
        let log = LogBuffer::with_capacity(8);
        let clone = log.clone();
        log.append(b"hello ");
        clone.append(b"world");
        clone.append(b"more");
        let text = log.contents();
        assert!(text.starts_with("hello wo"));
        assert!(text.contains("log buffer full"));
        assert_eq!(text.matches("log buffer full").count(), 1);
        log.clear();
        assert_eq!(clone.contents(), "");
    }
}
