//! Request bodies with a minimum pace: a body that pauses longer than the body read timeout, or
//! whose average rate falls below the minimum once that timeout has passed, ends with a
//! [`BodyTimeout`] error, which the handlers answer with a 408 and a closed connection.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The error a [`TimedBody`] ends with when the client sends too slowly.
#[derive(Debug)]
pub struct BodyTimeout {
    /// Bytes received before giving up.
    pub received: u64,
    /// Time since the request head arrived.
    pub elapsed: Duration,
}

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body arrived too slowly ({} bytes in {} ms)",
            self.received,
            self.elapsed.as_millis()
        )
    }
}

impl std::error::Error for BodyTimeout {}

/// How fast a body must arrive.
#[derive(Clone, Copy, Debug)]
pub struct BodyPace {
    /// Longest pause between two pieces of the body (and before the first).
    pub max_pause: Duration,
    /// Slowest average rate, bytes per second, enforced after `max_pause` has passed.
    pub min_bytes_per_second: u64,
}

pin_project_lite::pin_project! {
    /// A body that must keep to a [`BodyPace`].
    pub struct TimedBody<B> {
        #[pin]
        inner: B,
        pace: BodyPace,
        started: Instant,
        received: u64,
        // Created on the first wait, so bodies that arrive at once (or are empty) cost no timer.
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<B> TimedBody<B> {
    /// Wraps a body whose request head arrived just now.
    pub fn new(inner: B, pace: BodyPace) -> Self {
        TimedBody {
            inner,
            pace,
            started: Instant::now(),
            received: 0,
            timer: None,
        }
    }
}

/// When a body that has received `received` bytes by `now` must have made progress.
fn next_deadline(pace: BodyPace, started: Instant, received: u64, now: Instant) -> Instant {
    let pause_deadline = now + pace.max_pause;
    if pace.min_bytes_per_second == 0 {
        return pause_deadline;
    }
    // The rate holds while received >= rate * (t - started - max_pause).
    let allowed = Duration::from_secs_f64(received as f64 / pace.min_bytes_per_second as f64);
    pause_deadline.min(started + pace.max_pause + allowed)
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.received += data.len() as u64;
                    if let Some(timer) = this.timer.as_mut() {
                        let now = Instant::now();
                        timer.as_mut().reset(next_deadline(
                            *this.pace,
                            *this.started,
                            *this.received,
                            now,
                        ));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let timer = this.timer.get_or_insert_with(|| {
                    let now = Instant::now();
                    Box::pin(tokio::time::sleep_until(next_deadline(
                        *this.pace,
                        *this.started,
                        *this.received,
                        now,
                    )))
                });
                ready!(timer.as_mut().poll(cx));
                Poll::Ready(Some(Err(Box::new(BodyTimeout {
                    received: *this.received,
                    elapsed: this.started.elapsed(),
                }))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether an error from reading a body is a [`BodyTimeout`].
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<BodyTimeout>() {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_sooner_of_the_pause_and_the_rate() {
        let pace = BodyPace {
            max_pause: Duration::from_secs(10),
            min_bytes_per_second: 100,
        };
        let t0 = Instant::now();
        // Nothing received: the first pause bounds it.
        assert_eq!(next_deadline(pace, t0, 0, t0), t0 + Duration::from_secs(10));
        // 500 bytes buy 5 s beyond the first pause, less than a fresh pause at t0 + 8 s.
        assert_eq!(
            next_deadline(pace, t0, 500, t0 + Duration::from_secs(8)),
            t0 + Duration::from_secs(15)
        );
        // Plenty received: only the pause counts.
        assert_eq!(
            next_deadline(pace, t0, 1 << 20, t0 + Duration::from_secs(1)),
            t0 + Duration::from_secs(11)
        );
    }
}
