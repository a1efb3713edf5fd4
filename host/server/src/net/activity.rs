//! What one connection is doing, shared by its socket wrapper ([`TrackedIo`]), the service that
//! answers its requests, and its watchdog: when it last moved bytes, whether a request head has
//! started arriving, how many requests are being answered, and since when a write is stuck.

use std::io;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Milliseconds since the process's first call, plus one (0 stands for "not set").
pub fn now_ms() -> u64 {
    origin().elapsed().as_millis() as u64 + 1
}

/// The [`Instant`] of a [`now_ms`] reading.
pub fn instant_of(ms: u64) -> tokio::time::Instant {
    tokio::time::Instant::from_std(origin() + Duration::from_millis(ms.saturating_sub(1)))
}

/// Shared state of one connection.
#[derive(Default)]
pub struct Activity {
    /// Last time bytes were read or written.
    last_io: AtomicU64,
    /// When the first byte of the next request head arrived (0: none since the last answer).
    head_started: AtomicU64,
    /// Requests received and not yet fully answered.
    in_flight: AtomicUsize,
    /// Since when a write has been waiting for the client to read (0: no stuck write).
    write_blocked: AtomicU64,
}

/// Where the connection stands, for the watchdog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a request; nothing received since `since`.
    Idle { since: u64 },
    /// A request head started arriving at `since`.
    ReadingHead { since: u64 },
    /// A request is being answered; a write has been stuck since `write_blocked` (0: not).
    Busy { write_blocked: u64 },
}

impl Activity {
    /// A connection that was just accepted.
    pub fn new() -> Activity {
        let a = Activity::default();
        a.last_io.store(now_ms(), Ordering::Relaxed);
        a
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Phase::Busy {
                write_blocked: self.write_blocked.load(Ordering::Relaxed),
            };
        }
        match self.head_started.load(Ordering::Acquire) {
            0 => Phase::Idle {
                since: self.last_io.load(Ordering::Relaxed),
            },
            since => Phase::ReadingHead { since },
        }
    }

    /// A request head was parsed and handed to the service.
    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(0, Ordering::Release);
    }

    /// A response was fully written (or abandoned): the connection is idle from now.
    pub fn request_finished(&self) {
        self.last_io.store(now_ms(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    fn bytes_read(&self) {
        let now = now_ms();
        self.last_io.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let _ = self
                .head_started
                .compare_exchange(0, now, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    // Writes need no clock while they go through: the idle time starts when the answer is
    // finished (`request_finished`), and only a stuck write is timed.
    fn write_progress(&self, blocked: bool) {
        if blocked {
            if self.write_blocked.load(Ordering::Relaxed) == 0 {
                self.write_blocked.store(now_ms(), Ordering::Relaxed);
            }
        } else if self.write_blocked.load(Ordering::Relaxed) != 0 {
            self.write_blocked.store(0, Ordering::Relaxed);
        }
    }
}

/// A socket that reports its reads and writes to an [`Activity`].
pub struct TrackedIo<T> {
    inner: T,
    activity: std::sync::Arc<Activity>,
}

impl<T> TrackedIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, activity: std::sync::Arc<Activity>) -> Self {
        TrackedIo { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TrackedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TrackedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.activity.write_progress(polled.is_pending());
        polled
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_reads_requests_and_answers() {
        let a = Activity::new();
        assert!(matches!(a.phase(), Phase::Idle { .. }));
        a.bytes_read();
        let Phase::ReadingHead { since } = a.phase() else {
            panic!("{:?}", a.phase())
        };
        assert!(since > 0);
        a.request_started();
        assert_eq!(a.phase(), Phase::Busy { write_blocked: 0 });
        // Body bytes while busy do not start a head.
        a.bytes_read();
        a.write_progress(true);
        assert!(matches!(a.phase(), Phase::Busy { write_blocked } if write_blocked > 0));
        a.write_progress(false);
        a.request_finished();
        assert!(matches!(a.phase(), Phase::Idle { .. }));
    }

    #[test]
    fn instants_round_trip() {
        let ms = now_ms();
        let at = instant_of(ms + 1000);
        let delta = at - tokio::time::Instant::now();
        assert!(delta <= Duration::from_millis(1001) && delta >= Duration::from_millis(990));
    }
}
