//! Shared helpers of the prediction engine's tests.

#![allow(dead_code)]

pub mod linear;
pub mod models;

use plinth_engine_api::{Action, ApiError, Endpoint, Input, Request};
use serde_json::Value;

/// Engine timing entries.
pub type Timing = Vec<(&'static str, u64)>;

/// Calls an endpoint synchronously with a JSON body.
pub fn post_blocking(
    endpoint: &plinth_engine_prediction::PredictionEndpoint,
    action: Action,
    body: Value,
) -> Result<(Value, Timing), ApiError> {
    let Value::Object(map) = body else {
        panic!("test bodies are objects")
    };
    let reply = endpoint.serve_blocking(Request {
        observe: false,
        action,
        input: Input::Json(map),
    })?;
    Ok((Value::Object(reply.body), reply.timing))
}

/// Calls an endpoint through the async trait, as the host does.
pub async fn post(endpoint: &dyn Endpoint, action: Action, body: Value) -> Result<Value, ApiError> {
    let Value::Object(map) = body else {
        panic!("test bodies are objects")
    };
    let reply = endpoint
        .serve(Request {
            observe: false,
            action,
            input: Input::Json(map),
        })
        .await?;
    Ok(Value::Object(reply.body))
}
