//! The events the host publishes: one per call to an existing endpoint, one per admin action.

use plinth_engine_api::ScoredRows;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;

/// Something the host did.
#[derive(Clone, Debug)]
pub enum Event {
    /// A call to an endpoint that exists (a user call, a function's call to a sibling, or a
    /// plugin's invocation).
    Call(Arc<CallEvent>),
    /// An admin action (deploy, switch, key change...) or a summary of calls to unknown names.
    Admin(Arc<AdminEvent>),
}

/// Who made a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallOrigin {
    /// A user-API request.
    User,
    /// A function endpoint calling a sibling endpoint of its generation (`endpoint` is the
    /// calling function).
    Function {
        /// The calling function's endpoint id.
        endpoint: String,
    },
    /// A plugin through its [`crate::Invoker`].
    Plugin {
        /// The plugin's id.
        id: String,
    },
}

/// One call to an existing service, endpoint and action. The host never publishes one for a
/// made-up name, so a subscriber never creates state from a name the host did not give it.
#[derive(Clone, Debug)]
pub struct CallEvent {
    /// When the call was received, ms since the Unix epoch.
    pub at_ms: i64,
    /// Service id.
    pub service_id: String,
    /// Endpoint id.
    pub endpoint_id: String,
    /// The generation that served (or would have served) the call; `None` when the call was
    /// refused before dispatch (auth, rate limit, disabled service).
    pub generation: Option<String>,
    /// The action from the path, e.g. `predict`.
    pub action: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// `errorType` of an error answer.
    pub error_type: Option<String>,
    /// The API key's id (consumer); `None` for anonymous calls.
    pub key_id: Option<String>,
    /// The caller's address.
    pub remote: Option<IpAddr>,
    /// Total time in the server, µs.
    pub duration_us: u64,
    /// Time in the engine, µs (absent when the call never reached it).
    pub execution_us: Option<u64>,
    /// The generation was already in memory when the call arrived (a warm call).
    pub warm: bool,
    /// Who made the call.
    pub origin: CallOrigin,
    /// The request's `context` member (`predict`: the object; `predict-multi`: an array with
    /// one entry per item, `null` where an item had none).
    pub context: Option<Value>,
    /// The rows scored (prediction endpoints, when a subscriber asked for rows).
    pub rows: Option<Box<ScoredRows>>,
}

impl CallEvent {
    /// The status class: 2 for 2xx, 4 for 4xx, 5 for 5xx.
    pub fn status_class(&self) -> u16 {
        self.status / 100
    }
}

/// An admin action, or once a second at most a summary of calls to unknown names.
#[derive(Clone, Debug, PartialEq)]
pub struct AdminEvent {
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// `admin` or `unknown` (the audit trail's kinds).
    pub kind: String,
    /// The service concerned.
    pub service_id: Option<String>,
    /// The generation concerned.
    pub generation: Option<String>,
    /// What was done: `deploy`, `set-routing`, `delete-service`, `create-key`...
    pub action: String,
    /// Free text.
    pub detail: Option<String>,
}
