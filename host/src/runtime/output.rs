//! A plugin's stdout/stderr: kept in memory up to the output cap, then stopped.
//!
//! Unlike wasmtime's `MemoryOutputPipe`, which refuses a whole write that would not fit,
//! this keeps the prefix that fits and remembers that more was written, so a sandboxed
//! program that floods its output still shows the first `cap` bytes and is reported as
//! truncated. The write that crosses the cap traps the call: a flood ends at once instead
//! of running on to its deadline.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// The largest write permit handed to a guest at once (what WASI streams typically give).
const PERMIT: usize = 64 << 10;

/// One captured output stream; clones share the same buffer.
#[derive(Debug, Clone)]
pub struct CappedPipe {
    cap: usize,
    inner: Arc<Mutex<Captured>>,
}

#[derive(Debug, Default)]
struct Captured {
    kept: BytesMut,
    written: u64,
}

impl CappedPipe {
    /// A pipe keeping at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            inner: Arc::default(),
        }
    }

    /// The bytes kept (at most the cap) and how many the plugin wrote in total.
    pub fn contents(&self) -> (Bytes, u64) {
        let c = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (c.kept.clone().freeze(), c.written)
    }

    /// Keeps what fits; `false` when the write went past the cap.
    fn push(&self, bytes: &[u8]) -> bool {
        let mut c = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        c.written = c.written.saturating_add(bytes.len() as u64);
        let room = self.cap.saturating_sub(c.kept.len());
        let fits = bytes.len() <= room;
        c.kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        fits
    }
}

#[async_trait::async_trait]
impl OutputStream for CappedPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        if self.push(&bytes) {
            Ok(())
        } else {
            Err(StreamError::Trap(wasmtime::format_err!(
                "output limit of {} bytes exceeded",
                self.cap
            )))
        }
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Permit writes past the cap, so the crossing write is seen (and kept in part)
        // rather than refused before it happens.
        Ok(PERMIT)
    }
}

#[async_trait::async_trait]
impl Pollable for CappedPipe {
    async fn ready(&mut self) {}
}

impl AsyncWrite for CappedPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.push(buf) {
            Poll::Ready(Ok(buf.len()))
        } else {
            Poll::Ready(Err(io::Error::other("output limit exceeded")))
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for CappedPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_prefix_that_fits_and_counts_the_rest() {
        let mut pipe = CappedPipe::new(5);
        assert!(pipe.write(Bytes::from_static(b"abc")).is_ok());
        assert!(pipe.write(Bytes::from_static(b"defgh")).is_err());
        let (kept, written) = pipe.contents();
        assert_eq!(&kept[..], b"abcde");
        assert_eq!(written, 8);
    }

    #[test]
    fn exactly_the_cap_is_not_an_overflow() {
        let mut pipe = CappedPipe::new(3);
        assert!(pipe.write(Bytes::from_static(b"abc")).is_ok());
        assert_eq!(pipe.contents(), (Bytes::from_static(b"abc"), 3));
    }
}
