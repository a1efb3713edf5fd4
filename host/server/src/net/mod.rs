//! The HTTP/1.1 listener: Plinth's own accept loop over hyper, so that every connection has
//! limits on how long it may hold the server.
//!
//! - **Connection cap**: beyond `max_connections` a new connection gets a 503 (JSON, with
//!   `Retry-After`) and is closed at once.
//! - **Header read timeout**: from the end of the previous answer (or the accept) a request head
//!   must arrive within `idle_timeout`, and once its first byte is in, completely within
//!   `header_read_timeout`; otherwise the connection is closed.
//! - **Body pace** ([`timed_body`]): a request body may pause at most `body_read_timeout` and,
//!   after that, must average `body_min_bytes_per_second`; otherwise the call answers 408 and
//!   the connection is closed.
//! - **Stuck writes**: a client that stops reading its answer for `idle_timeout` is cut off.
//!
//! While a request is being answered nothing here limits it: the call's own deadline does.
//! A watchdog task per connection reads the connection's phase ([`activity::Phase`]) from the
//! timestamps its socket wrapper and service record, and sleeps until that phase's deadline but
//! never longer than half the shortest timeout (so a phase change it slept through is seen in
//! time: each limit holds within 1.5 times its value). Requests never wake it: the limits cost
//! the request path a few atomic stores and one clock reading.

pub mod activity;
pub mod timed_body;

use crate::config::Limits;
use activity::{Activity, Phase, TrackedIo, instant_of, now_ms};
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use timed_body::{BodyPace, TimedBody};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// Counters of the listener, exported at `/metrics`.
#[derive(Default)]
pub struct ConnectionStats {
    /// Connections open now.
    pub open: AtomicU64,
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Connections refused with a 503 because `max_connections` were open.
    pub refused: AtomicU64,
    /// Idle keep-alive connections closed.
    pub closed_idle: AtomicU64,
    /// Connections closed because a request head arrived too slowly.
    pub closed_slow_head: AtomicU64,
    /// Connections closed because the client stopped reading its answer.
    pub closed_stuck_write: AtomicU64,
}

impl ConnectionStats {
    /// `(name, help, value)` for the Prometheus exposition.
    pub fn gauges(&self) -> [(&'static str, &'static str, u64); 6] {
        let v = |c: &AtomicU64| c.load(Ordering::Relaxed);
        [
            (
                "plinth_connections_open",
                "HTTP connections open now.",
                v(&self.open),
            ),
            (
                "plinth_connections_accepted_total",
                "HTTP connections accepted.",
                v(&self.accepted),
            ),
            (
                "plinth_connections_refused_total",
                "Connections refused because max_connections were open.",
                v(&self.refused),
            ),
            (
                "plinth_connections_closed_idle_total",
                "Idle keep-alive connections closed after idle_timeout.",
                v(&self.closed_idle),
            ),
            (
                "plinth_connections_closed_slow_head_total",
                "Connections closed because a request head took longer than header_read_timeout.",
                v(&self.closed_slow_head),
            ),
            (
                "plinth_connections_closed_stuck_write_total",
                "Connections closed because the client stopped reading its answer.",
                v(&self.closed_stuck_write),
            ),
        ]
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their calls (idle ones are closed) and returns.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: Limits,
    stats: Arc<ConnectionStats>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(refuse(stream));
            continue;
        };
        let app = app.clone();
        let stats = stats.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            stats.open.fetch_add(1, Ordering::Relaxed);
            serve_connection(stream, remote, app, limits, &stats, stop).await;
            stats.open.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every open connection holds a slot: having them all back means all have finished.
    let _ = slots.acquire_many(limits.max_connections as u32).await;
    Ok(())
}

/// Answers a connection over the cap with a 503 and closes it.
async fn refuse(mut stream: tokio::net::TcpStream) {
    let body = br#"{"errorType":"TooManyConnections","message":"this server has as many connections open as it accepts: retry later","detailedMessage":"this server has as many connections open as it accepts: retry later"}"#;
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

async fn serve_connection<S>(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    app: S,
    limits: Limits,
    stats: &ConnectionStats,
    mut stop: watch::Receiver<bool>,
) where
    S: tower::Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let pace = BodyPace {
        max_pause: limits.body_read_timeout,
        min_bytes_per_second: limits.body_min_bytes_per_second,
    };
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            activity.request_started();
            let guard = InFlight(activity.clone());
            let mut request = request.map(|body| Body::new(TimedBody::new(body, pace)));
            request.extensions_mut().insert(ConnectInfo(remote));
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await?;
                // The call counts as in flight until hyper has written (or dropped) its body.
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Guarded {
                        body,
                        _guard: guard,
                    })
                }))
            }
        })
    };
    let io = TokioIo::new(TrackedIo::new(stream, activity.clone()));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Plinth's watchdog keeps the head and idle deadlines (hyper's one timer covers both).
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = false;
    let tick = ms(limits.header_read_timeout.min(limits.idle_timeout))
        .div_ceil(2)
        .max(1);
    loop {
        let deadline = match activity.phase() {
            Phase::Idle { since } => Some((since + ms(limits.idle_timeout), Closed::Idle)),
            Phase::ReadingHead { since } => {
                Some((since + ms(limits.header_read_timeout), Closed::SlowHead))
            }
            Phase::Busy { write_blocked } if write_blocked != 0 => {
                Some((write_blocked + ms(limits.idle_timeout), Closed::StuckWrite))
            }
            Phase::Busy { .. } => None,
        };
        let now = now_ms();
        if let Some((at, reason)) = deadline
            && now >= at
        {
            reason.count(stats);
            tracing::debug!(%remote, "connection closed: {reason:?}");
            return;
        }
        let wake_at = deadline.map_or(now + tick, |(at, _)| at.min(now + tick));
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%remote, "connection ended: {e}");
                }
                return;
            }
            // The next turn reads the phase again and closes the connection if it is due.
            () = tokio::time::sleep_until(instant_of(wake_at)) => {}
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Why the watchdog closed a connection.
#[derive(Clone, Copy, Debug)]
enum Closed {
    Idle,
    SlowHead,
    StuckWrite,
}

impl Closed {
    fn count(self, stats: &ConnectionStats) {
        let counter = match self {
            Closed::Idle => &stats.closed_idle,
            Closed::SlowHead => &stats.closed_slow_head,
            Closed::StuckWrite => &stats.closed_stuck_write,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Marks a request finished when dropped.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

pin_project_lite::pin_project! {
    /// A response body that keeps its request counted as in flight until it is dropped.
    struct Guarded {
        #[pin]
        body: Body,
        _guard: InFlight,
    }
}

impl http_body::Body for Guarded {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
