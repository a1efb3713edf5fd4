//! The guest's stdout and stderr: kept in memory, only the last few KiB, so that a trap can be
//! answered with the guest's own message (a Python traceback) and a chatty guest never fails.

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Bytes kept per stream.
const KEEP: usize = 16 * 1024;

/// An output stream that keeps the tail of what was written. Clones share the buffer.
#[derive(Clone, Default)]
pub struct Tail {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl Tail {
    /// A new, empty tail.
    pub fn new() -> Self {
        Tail::default()
    }

    fn push(&self, bytes: &[u8]) {
        if let Ok(mut buffer) = self.buffer.lock() {
            buffer.extend_from_slice(bytes);
            if buffer.len() > 2 * KEEP {
                let cut = buffer.len() - KEEP;
                buffer.drain(..cut);
            }
        }
    }

    /// Takes what was written since the last call (at most the last 16 KiB), lossily decoded.
    pub fn take(&self) -> String {
        let mut buffer = match self.buffer.lock() {
            Ok(b) => b,
            Err(_) => return String::new(),
        };
        let start = buffer.len().saturating_sub(KEEP);
        let text = String::from_utf8_lossy(&buffer[start..]).into_owned();
        buffer.clear();
        text
    }
}

impl IsTerminal for Tail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Tail {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl OutputStream for Tail {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(KEEP)
    }
}

#[async_trait::async_trait]
impl Pollable for Tail {
    async fn ready(&mut self) {}
}

impl AsyncWrite for Tail {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
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
    fn keeps_the_tail_and_clears_on_take() {
        let tail = Tail::new();
        tail.push(b"hello ");
        tail.push(b"world");
        assert_eq!(tail.take(), "hello world");
        assert_eq!(tail.take(), "");
        tail.push(&vec![b'a'; 3 * KEEP]);
        tail.push(b"end");
        let text = tail.take();
        assert_eq!(text.len(), KEEP);
        assert!(text.ends_with("aend"));
    }
}
