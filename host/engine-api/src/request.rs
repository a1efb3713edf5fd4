use crate::Action;
use serde_json::{Map, Value};

/// What the caller sent, before any engine-specific interpretation.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A POST body: always a JSON object (an empty body is `{}`).
    Json(Map<String, Value>),
    /// A GET query string, as ordered `(name, value)` pairs, percent-decoded. Engines convert
    /// the string values by their declared types (a function's parameter types, a model's
    /// feature schema, a lookup's key columns).
    Query(Vec<(String, String)>),
}

impl Input {
    /// The JSON object, or `None` for a query string.
    pub fn as_json(&self) -> Option<&Map<String, Value>> {
        match self {
            Input::Json(map) => Some(map),
            Input::Query(_) => None,
        }
    }
}

/// One user-API call routed to an endpoint.
#[derive(Clone, Debug)]
pub struct Request {
    /// The action from the path; always one the endpoint declared.
    pub action: Action,
    /// The caller's parameters.
    pub input: Input,
    /// Whether the host wants the scored rows back in [`Reply::scored`] (a plugin monitors
    /// them). Engines without rows ignore it.
    pub observe: bool,
}

impl Request {
    /// A request that asks for no scored rows.
    pub fn new(action: Action, input: Input) -> Request {
        Request {
            action,
            input,
            observe: false,
        }
    }
}

/// An engine's answer: the top-level members of the JSON response plus the engine's own timing.
///
/// The host adds `timing` (with `preProcessing`, `wait`, `execution` and the entries of
/// [`Reply::timing`]) and `apiContext`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    /// Top-level members, e.g. `{"result": {...}}`, `{"results": [...]}`, `{"response": 42}`.
    pub body: Map<String, Value>,
    /// Engine timings in microseconds, e.g. `("functionInternal", 185)`.
    pub timing: Vec<(&'static str, u64)>,
    /// The rows scored, when the request asked for them ([`Request::observe`]). Not part of
    /// the answer: the host moves it into the call's event.
    pub scored: Option<Box<crate::ScoredRows>>,
}

impl Reply {
    /// A reply with one top-level member.
    pub fn member(name: &str, value: Value) -> Self {
        let mut body = Map::new();
        body.insert(name.to_owned(), value);
        Reply {
            body,
            timing: Vec::new(),
            scored: None,
        }
    }

    /// Adds an engine timing entry in microseconds.
    pub fn with_timing(mut self, name: &'static str, micros: u64) -> Self {
        self.timing.push((name, micros));
        self
    }
}
