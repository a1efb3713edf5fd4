use serde::Serialize;
use std::fmt;

/// A user-API action: the last segment of `/public/api/v1/{service}/{endpoint}/{action}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    /// `predict`: one record.
    #[serde(rename = "predict")]
    Predict,
    /// `predict-multi`: `{"items": [...]}`.
    #[serde(rename = "predict-multi")]
    PredictMulti,
    /// `predict-simple`: features from the query string (GET).
    #[serde(rename = "predict-simple")]
    PredictSimple,
    /// `run`: call a function with named parameters (GET query string or POST JSON).
    #[serde(rename = "run")]
    Run,
    /// `query`: run a parameterized SQL query (GET query string or POST JSON).
    #[serde(rename = "query")]
    Query,
    /// `lookup`: `{"data": {keys}}`.
    #[serde(rename = "lookup")]
    Lookup,
    /// `lookup-multi`: `{"items": [{"data": {...}}]}`.
    #[serde(rename = "lookup-multi")]
    LookupMulti,
    /// `lookup-simple`: keys from the query string (GET).
    #[serde(rename = "lookup-simple")]
    LookupSimple,
}

impl Action {
    /// Every action, in the order of the user-API reference.
    pub const ALL: [Action; 8] = [
        Action::Predict,
        Action::PredictMulti,
        Action::PredictSimple,
        Action::Run,
        Action::Query,
        Action::Lookup,
        Action::LookupMulti,
        Action::LookupSimple,
    ];

    /// The path segment, e.g. `"predict-multi"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Predict => "predict",
            Action::PredictMulti => "predict-multi",
            Action::PredictSimple => "predict-simple",
            Action::Run => "run",
            Action::Query => "query",
            Action::Lookup => "lookup",
            Action::LookupMulti => "lookup-multi",
            Action::LookupSimple => "lookup-simple",
        }
    }

    /// Parses a path segment; `None` for anything that is not a user-API action.
    pub fn parse(segment: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == segment)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_path_segment() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("forecast"), None);
        assert_eq!(Action::parse(""), None);
    }
}
