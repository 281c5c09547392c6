//! A component's stdout and stderr, as lines in the host's log (target `edge::guest`,
//! with the component's id and the stream), instead of the host's own stdio: Spin writes
//! them to the terminal and to log files; here they join the structured log the operator
//! already collects.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// A partial line longer than this is logged as it is rather than held.
const MAX_LINE: usize = 16 << 10;
/// The largest write permit handed to a guest at once.
const PERMIT: usize = 64 << 10;

/// Which stream.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// stdout.
    Stdout,
    /// stderr.
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// One instance's stream; clones share the pending partial line, which is logged when the
/// last clone (the instance) is dropped.
#[derive(Debug, Clone)]
pub struct GuestLog {
    inner: Arc<Mutex<Pending>>,
}

#[derive(Debug)]
struct Pending {
    component: Arc<str>,
    stream: Stream,
    partial: Vec<u8>,
}

impl Pending {
    fn emit(&self, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        tracing::info!(
            target: "edge::guest",
            component = %self.component,
            stream = self.stream.name(),
            "{line}"
        );
    }

    fn push(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            if self.partial.is_empty() {
                self.emit(&rest[..end]);
            } else {
                self.partial.extend_from_slice(&rest[..end]);
                let line = std::mem::take(&mut self.partial);
                self.emit(&line);
            }
            rest = &rest[end + 1..];
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > MAX_LINE {
            let line = std::mem::take(&mut self.partial);
            self.emit(&line);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.partial.is_empty() {
            self.emit(&self.partial);
        }
    }
}

impl GuestLog {
    /// `component`'s `stream`.
    pub fn new(component: Arc<str>, stream: Stream) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Pending {
                component,
                stream,
                partial: Vec::new(),
            })),
        }
    }

    fn push(&self, bytes: &[u8]) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(bytes);
    }
}

#[async_trait::async_trait]
impl OutputStream for GuestLog {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(PERMIT)
    }
}

#[async_trait::async_trait]
impl Pollable for GuestLog {
    async fn ready(&mut self) {}
}

impl AsyncWrite for GuestLog {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for GuestLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestLog {
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
    fn lines_are_split_and_the_rest_kept_until_the_end() {
        let log = GuestLog::new("c".into(), Stream::Stdout);
        log.push(b"one\ntw");
        log.push(b"o\nthree");
        let pending = log.inner.lock().unwrap().partial.clone();
        assert_eq!(pending, b"three");
        log.push(&vec![b'x'; MAX_LINE + 1]);
        assert!(log.inner.lock().unwrap().partial.is_empty());
    }
}
