//! What an endpoint tells its service's OpenAPI document
//! (`GET /public/api/v1/{service}/openapi.json`): the named inputs of its calls and the shape
//! of what it answers, as JSON Schemas built with utoipa's types. The host wraps them in the
//! user API's request and answer envelopes for each of the endpoint's actions.

pub use utoipa::openapi::schema::Schema;

/// One named input of a call: a function parameter, a query parameter, a lookup key, a model
/// feature.
#[derive(Clone)]
pub struct InputDoc {
    /// The name the caller writes (JSON member or query-string parameter).
    pub name: String,
    /// The JSON values the endpoint accepts for it.
    pub schema: Schema,
    /// Whether a call without it is refused.
    pub required: bool,
    /// What it is, for a person.
    pub description: Option<String>,
}

impl InputDoc {
    /// An input named `name` whose values match `schema`.
    pub fn new(name: impl Into<String>, schema: impl Into<Schema>, required: bool) -> Self {
        InputDoc {
            name: name.into(),
            schema: schema.into(),
            required,
            description: None,
        }
    }

    /// The same input with a description.
    pub fn described(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// The inputs and the answer of an endpoint's calls.
#[derive(Clone, Default)]
pub struct CallDoc {
    /// The named inputs; `None` when any JSON object is passed on as it is (a function that
    /// takes its input as one JSON text).
    pub inputs: Option<Vec<InputDoc>>,
    /// The schema of one answer item: a function's `response`, a query's or a lookup's
    /// `results[i]`, a prediction's `result` (and `results[i]` of `predict-multi`). `None`:
    /// any JSON value.
    pub result: Option<Schema>,
    /// Whether a call naming anything other than `inputs` is refused (a typed function, a
    /// query, a lookup); the document then says `additionalProperties: false`.
    pub closed: bool,
}
