//! The event bus: the host publishes, each subscriber (the audit writer, plugins) reads its own
//! bounded queue. Publishing never blocks or fails a call: when a subscriber's queue is full
//! the event is dropped for that subscriber and counted (`plinth_events_dropped_total`).
//! At shutdown the host closes the bus; every subscriber then reads what is still queued and
//! sees the end of its stream, so nothing accepted is lost silently.

use crate::event::Event;
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::mpsc;

/// What a subscriber asks for.
#[derive(Clone, Copy, Debug)]
pub struct SubscribeOptions {
    /// Queue length; events beyond it are dropped and counted.
    pub capacity: usize,
    /// Whether prediction calls should carry their scored rows ([`crate::CallEvent::rows`]).
    /// Engines only collect rows when some subscriber asks.
    pub rows: bool,
    /// Whether call events are delivered; `false`: admin events only (a subscriber that
    /// watches deploys then costs the request path nothing).
    pub calls: bool,
}

impl Default for SubscribeOptions {
    fn default() -> Self {
        SubscribeOptions {
            capacity: 16_384,
            rows: false,
            calls: true,
        }
    }
}

/// Counters of one subscriber.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriberStats {
    /// The subscriber's name (`audit`, a plugin id).
    pub name: String,
    /// Events delivered to its queue.
    pub delivered: u64,
    /// Of those, call events.
    pub delivered_calls: u64,
    /// Events dropped because its queue was full.
    pub dropped: u64,
}

struct Subscriber {
    name: String,
    tx: mpsc::Sender<Event>,
    counters: Arc<Counters>,
    calls: bool,
}

#[derive(Default)]
struct Counters {
    delivered: AtomicU64,
    delivered_calls: AtomicU64,
    dropped: AtomicU64,
}

/// Fan-out of events to subscribers.
#[derive(Default)]
pub struct EventBus {
    /// Read on every publish without a lock; replaced when someone subscribes or at close.
    subscribers: ArcSwap<Vec<Subscriber>>,
    /// Every subscriber ever added, for the counters (kept after close).
    stats: std::sync::Mutex<Vec<(String, Arc<Counters>)>>,
    wants_rows: AtomicBool,
}

/// A subscriber's end: its queue, until the bus closes.
pub struct Subscription {
    rx: mpsc::Receiver<Event>,
}

impl Subscription {
    /// The next event; `None` once the bus is closed and the queue is drained.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// An event already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// Events queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no event is queued now.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> EventBus {
        EventBus::default()
    }

    /// A new subscription receiving every event published from now on.
    pub fn subscribe(&self, name: &str, options: SubscribeOptions) -> Subscription {
        let (tx, rx) = mpsc::channel(options.capacity.max(1));
        let counters = Arc::new(Counters::default());
        self.stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_owned(), counters.clone()));
        self.subscribers.rcu(|current| {
            let mut next: Vec<Subscriber> = current
                .iter()
                .map(|s| Subscriber {
                    name: s.name.clone(),
                    tx: s.tx.clone(),
                    counters: s.counters.clone(),
                    calls: s.calls,
                })
                .collect();
            next.push(Subscriber {
                name: name.to_owned(),
                tx: tx.clone(),
                counters: counters.clone(),
                calls: options.calls,
            });
            next
        });
        if options.rows {
            self.wants_rows.store(true, Ordering::Relaxed);
        }
        Subscription { rx }
    }

    /// Whether any subscriber wants the scored rows of prediction calls.
    pub fn wants_rows(&self) -> bool {
        self.wants_rows.load(Ordering::Relaxed)
    }

    /// Whether anyone listens (publishers may skip building an event otherwise).
    pub fn has_subscribers(&self) -> bool {
        !self.subscribers.load().is_empty()
    }

    /// Publishes an event to every subscriber without waiting.
    pub fn publish(&self, event: Event) {
        let call = matches!(event, Event::Call(_));
        for subscriber in self.subscribers.load().iter() {
            if call && !subscriber.calls {
                continue;
            }
            let counters = &subscriber.counters;
            match subscriber.tx.try_send(event.clone()) {
                Ok(()) => {
                    counters.delivered.fetch_add(1, Ordering::Relaxed);
                    if call {
                        counters.delivered_calls.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(_) => {
                    counters.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Events dropped for any subscriber since start.
    pub fn dropped(&self) -> u64 {
        self.stats().iter().map(|s| s.dropped).sum()
    }

    /// The counters of every subscriber, in subscription order.
    pub fn stats(&self) -> Vec<SubscriberStats> {
        self.stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(name, c)| SubscriberStats {
                name: name.clone(),
                delivered: c.delivered.load(Ordering::Relaxed),
                delivered_calls: c.delivered_calls.load(Ordering::Relaxed),
                dropped: c.dropped.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Stops delivery: every subscriber reads what is queued, then sees the end of its stream.
    /// Events published afterwards are not delivered (and not counted).
    pub fn close(&self) {
        self.subscribers.store(Arc::new(Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::AdminEvent;

    fn admin(n: i64) -> Event {
        Event::Admin(Arc::new(AdminEvent {
            at_ms: n,
            kind: "admin".into(),
            service_id: None,
            generation: None,
            action: "test".into(),
            detail: None,
        }))
    }

    #[tokio::test]
    async fn full_queues_drop_and_count_and_close_drains() {
        let bus = EventBus::new();
        let mut small = bus.subscribe(
            "small",
            SubscribeOptions {
                capacity: 2,
                ..Default::default()
            },
        );
        let mut big = bus.subscribe("big", SubscribeOptions::default());
        assert!(!bus.wants_rows());
        for n in 0..5 {
            bus.publish(admin(n));
        }
        let stats = bus.stats();
        assert_eq!(stats[0].delivered, 2);
        assert_eq!(stats[0].dropped, 3);
        assert_eq!(stats[1].delivered, 5);
        assert_eq!(bus.dropped(), 3);
        bus.close();
        let mut seen = 0;
        while let Some(event) = big.recv().await {
            let Event::Admin(a) = event else { panic!() };
            assert_eq!(a.at_ms, seen);
            seen += 1;
        }
        assert_eq!(seen, 5);
        assert!(small.recv().await.is_some());
        assert!(small.recv().await.is_some());
        assert!(small.recv().await.is_none());
    }

    #[test]
    fn rows_are_wanted_once_one_subscriber_asks() {
        let bus = EventBus::new();
        let _a = bus.subscribe("a", SubscribeOptions::default());
        assert!(!bus.wants_rows());
        let _b = bus.subscribe(
            "b",
            SubscribeOptions {
                rows: true,
                ..Default::default()
            },
        );
        assert!(bus.wants_rows());
    }

    #[tokio::test]
    async fn an_admin_only_subscriber_gets_no_call_events() {
        let bus = EventBus::new();
        let mut admin_only = bus.subscribe(
            "admin-only",
            SubscribeOptions {
                calls: false,
                ..Default::default()
            },
        );
        bus.publish(Event::Call(Arc::new(crate::CallEvent {
            at_ms: 1,
            service_id: "svc".into(),
            endpoint_id: "ep".into(),
            generation: None,
            action: "predict".into(),
            status: 200,
            error_type: None,
            key_id: None,
            remote: None,
            duration_us: 10,
            execution_us: None,
            warm: true,
            origin: crate::CallOrigin::User,
            context: None,
            rows: None,
        })));
        bus.publish(admin(7));
        assert_eq!(bus.stats()[0].delivered, 1);
        assert_eq!(bus.stats()[0].delivered_calls, 0);
        assert_eq!(bus.stats()[0].dropped, 0);
        bus.close();
        let Some(Event::Admin(a)) = admin_only.recv().await else {
            panic!("the admin event")
        };
        assert_eq!(a.at_ms, 7);
        assert!(admin_only.recv().await.is_none());
    }
}
