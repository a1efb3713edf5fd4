//! Server-side sessions: a random 256-bit id in the `plinth_session` cookie maps to the admin
//! key the user logged in with, a CSRF token and a pending flash message. Sessions end after
//! an idle time and after an absolute lifetime, whichever comes first.

use crate::clock::Clock;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An admin key. It stays server-side: `Debug` hides it and there is no `Display`, so it cannot
/// slip into a page or a log line by formatting.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminKey(String);

impl AdminKey {
    /// Wraps a key the user typed.
    pub fn new(key: impl Into<String>) -> Self {
        AdminKey(key.into())
    }

    /// The secret itself, for the `Authorization` header of an internal call only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// A one-shot message shown on the next page of the session (the outcome of an action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    /// Whether the action succeeded.
    pub ok: bool,
    /// What to tell the user.
    pub message: String,
}

/// What a request learns about its live session.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// The session id (the cookie's value).
    pub id: String,
    /// The admin key the session calls the API with.
    pub key: AdminKey,
    /// The token every POST form of this session must carry.
    pub csrf: String,
}

struct Session {
    key: AdminKey,
    csrf: String,
    created: Instant,
    last_seen: Instant,
    flash: Option<Flash>,
}

/// The in-memory session table.
pub struct SessionStore {
    sessions: Mutex<HashMap<String, Session>>,
    clock: Arc<dyn Clock>,
    idle: Duration,
    absolute: Duration,
}

/// 32 random bytes from the thread's CSPRNG, as 64 hex characters.
pub fn random_token() -> String {
    use rand::Rng as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

impl SessionStore {
    /// An empty store whose sessions end after `idle` without a request or `absolute` after
    /// login.
    pub fn new(clock: Arc<dyn Clock>, idle: Duration, absolute: Duration) -> Self {
        SessionStore {
            sessions: Mutex::new(HashMap::new()),
            clock,
            idle,
            absolute,
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn live(&self, session: &Session, now: Instant) -> bool {
        now.duration_since(session.last_seen) < self.idle
            && now.duration_since(session.created) < self.absolute
    }

    /// Opens a session for `key` (already validated) with fresh random id and CSRF token.
    /// Expired sessions are dropped on the way, so the table cannot grow without bound.
    pub fn create(&self, key: AdminKey) -> SessionView {
        let now = self.clock.now();
        let id = random_token();
        let csrf = random_token();
        let mut table = self.table();
        table.retain(|_, s| self.live(s, now));
        table.insert(
            id.clone(),
            Session {
                key: key.clone(),
                csrf: csrf.clone(),
                created: now,
                last_seen: now,
                flash: None,
            },
        );
        SessionView { id, key, csrf }
    }

    /// The live session with this id, its idle timer restarted; an expired one is removed.
    pub fn get(&self, id: &str) -> Option<SessionView> {
        let now = self.clock.now();
        let mut table = self.table();
        let live = self.live(table.get(id)?, now);
        if !live {
            table.remove(id);
            return None;
        }
        let session = table.get_mut(id)?;
        session.last_seen = now;
        Some(SessionView {
            id: id.to_owned(),
            key: session.key.clone(),
            csrf: session.csrf.clone(),
        })
    }

    /// Ends a session (logout, or the API no longer accepts its key).
    pub fn remove(&self, id: &str) {
        self.table().remove(id);
    }

    /// Leaves a message for the session's next page.
    pub fn set_flash(&self, id: &str, flash: Flash) {
        if let Some(session) = self.table().get_mut(id) {
            session.flash = Some(flash);
        }
    }

    /// Takes the pending message, if any.
    pub fn take_flash(&self, id: &str) -> Option<Flash> {
        self.table().get_mut(id).and_then(|s| s.flash.take())
    }

    /// How many sessions the table holds (live or not yet pruned).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// Whether the table is empty.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    const MIN: Duration = Duration::from_secs(60);

    fn store() -> (Arc<ManualClock>, SessionStore) {
        let clock = Arc::new(ManualClock::default());
        let store = SessionStore::new(clock.clone(), 30 * MIN, 12 * 60 * MIN);
        (clock, store)
    }

    #[test]
    fn ids_and_tokens_are_256_bit_hex_and_distinct() {
        let (_, store) = store();
        let a = store.create(AdminKey::new("k"));
        let b = store.create(AdminKey::new("k"));
        for t in [&a.id, &a.csrf, &b.id, &b.csrf] {
            assert_eq!(t.len(), 64);
            assert!(t.bytes().all(|c| c.is_ascii_hexdigit()));
        }
        assert_ne!(a.id, b.id);
        assert_ne!(a.csrf, b.csrf);
        assert_ne!(a.id, a.csrf);
    }

    #[test]
    fn idle_expiry_is_30_minutes_and_each_request_restarts_it() {
        let (clock, store) = store();
        let s = store.create(AdminKey::new("k"));
        clock.advance(29 * MIN);
        assert!(store.get(&s.id).is_some(), "29 idle minutes: still live");
        clock.advance(29 * MIN);
        assert!(
            store.get(&s.id).is_some(),
            "the last request restarted the timer"
        );
        clock.advance(30 * MIN);
        assert!(store.get(&s.id).is_none(), "30 idle minutes: expired");
        assert!(store.is_empty(), "an expired session is removed");
    }

    #[test]
    fn absolute_expiry_is_12_hours_even_when_busy() {
        let (clock, store) = store();
        let s = store.create(AdminKey::new("k"));
        for _ in 0..(12 * 60 / 20 - 1) {
            clock.advance(20 * MIN);
            assert!(store.get(&s.id).is_some());
        }
        clock.advance(20 * MIN);
        assert!(store.get(&s.id).is_none(), "12 h after login: expired");
    }

    #[test]
    fn remove_ends_the_session_and_unknown_ids_find_nothing() {
        let (_, store) = store();
        let s = store.create(AdminKey::new("k"));
        assert_eq!(store.get(&s.id).unwrap().key, AdminKey::new("k"));
        store.remove(&s.id);
        assert!(store.get(&s.id).is_none());
        assert!(store.get("nope").is_none());
    }

    #[test]
    fn expired_sessions_are_pruned_on_create() {
        let (clock, store) = store();
        store.create(AdminKey::new("a"));
        clock.advance(31 * MIN);
        store.create(AdminKey::new("b"));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn flash_is_shown_once() {
        let (_, store) = store();
        let s = store.create(AdminKey::new("k"));
        let flash = Flash {
            ok: true,
            message: "done".into(),
        };
        store.set_flash(&s.id, flash.clone());
        assert_eq!(store.take_flash(&s.id), Some(flash));
        assert_eq!(store.take_flash(&s.id), None);
    }

    #[test]
    fn the_key_is_redacted_in_debug_output() {
        let (_, store) = store();
        let s = store.create(AdminKey::new("super-secret-key"));
        assert!(!format!("{s:?}").contains("super-secret-key"));
    }
}
