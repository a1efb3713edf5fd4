//! The user API: `/public/api/v1/{service}/{endpoint}/{action}`.
//!
//! Path of a call: parse the action → find the service → authenticate → read the body →
//! dispatch to a generation → find the endpoint and check the action → wait for a slot →
//! engine → envelope (`timing`, `apiContext`) → metrics and audit event.

use super::body::{parse_object, read_limited};
use super::error::{HttpError, method_not_allowed};
use super::query::parse_pairs;
use crate::calls::{CallRecord, context_of, received_at_ms};
use crate::dispatch::DispatchRequest;
use crate::events::CallOrigin;
use crate::rate_limit::{Caller, EffectiveLimit};
use crate::runtime::{Host, unknown_service};
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderValue, Method, Request, header};
use axum::response::{IntoResponse, Response};
use plinth_engine_api::{Action, ApiError, Input};
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// `DSS-API-Version` header value.
pub const DSS_API_VERSION: &str = "1";
/// `DSS-Version` header value.
pub const DSS_VERSION: &str = concat!("plinth-", env!("CARGO_PKG_VERSION"));

/// Which HTTP methods an action accepts, as the original's reference has them.
fn allowed_methods(action: Action) -> &'static [&'static str] {
    match action {
        Action::Predict | Action::PredictMulti | Action::Lookup | Action::LookupMulti => &["POST"],
        Action::PredictSimple | Action::LookupSimple => &["GET"],
        Action::Run | Action::Query => &["GET", "POST"],
    }
}

/// The user API's one route, documented (it is mounted with `any`: the handler itself answers
/// a method an action does not take with the Dataiku 405).
#[derive(utoipa::OpenApi)]
#[openapi(paths(user_call))]
pub struct UserApiDoc;

/// Handles one user call.
#[utoipa::path(
    method(get, post),
    path = "/public/api/v1/{service}/{endpoint}/{action}",
    tag = "user",
    summary = "Calls an endpoint (each service also has its own document, with the endpoints' real request schemas, at /public/api/v1/{service}/openapi.json)",
    security((), ("serviceKey" = [])),
    params(
        ("service" = String, Path, description = "The service id"),
        ("endpoint" = String, Path, description = "The endpoint id"),
        ("action" = String, Path, description = "predict, predict-multi, predict-simple (prediction); lookup, lookup-multi, lookup-simple (lookup); query (SQL); run (function)"),
    ),
    request_body(content = serde_json::Value, description = "The action's JSON body (POST)", content_type = "application/json"),
    responses(
        (status = 200, description = "The answer", body = serde_json::Value),
        (status = 400, response = crate::http::openapi::BadRequest),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 405, description = "The action does not take this method", body = crate::http::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = crate::http::openapi::ErrorBody),
        (status = 429, description = "Rate limited", body = crate::http::openapi::ErrorBody),
        (status = 503, description = "The service is disabled or overloaded", body = crate::http::openapi::ErrorBody),
        (status = 504, description = "The endpoint's deadline passed", body = crate::http::openapi::ErrorBody),
    )
)]
pub async fn user_call(
    State(host): State<Arc<Host>>,
    Path((service_id, endpoint_id, action_name)): Path<(String, String, String)>,
    request: Request<Body>,
) -> Response {
    let started = Instant::now();
    let mut record = CallRecord::default();
    let action = Action::parse(&action_name);
    let (response, error_type) = match serve(
        &host,
        &service_id,
        &endpoint_id,
        &action_name,
        action,
        request,
        started,
        &mut record,
    )
    .await
    {
        Ok(response) => (response, None),
        Err(e) => {
            let error_type = e.error_type.to_string();
            (HttpError(e).into_response(), Some(error_type))
        }
    };
    let status = response.status().as_u16();
    let duration_us = started.elapsed().as_micros() as u64;
    host.account_call(
        &service_id,
        &endpoint_id,
        &action_name,
        status,
        error_type,
        duration_us,
        received_at_ms(started),
        record,
        CallOrigin::User,
    );
    response
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    host: &Host,
    service_id: &str,
    endpoint_id: &str,
    action_name: &str,
    action: Option<Action>,
    request: Request<Body>,
    started: Instant,
    record: &mut CallRecord,
) -> Result<Response, ApiError> {
    let service = host
        .service(service_id)
        .ok_or_else(|| unknown_service(service_id))?;
    let state = service.state();
    // Until the call's generation is known: an endpoint exists when a generation in memory
    // (every routed one) declares it.
    record.known = action.is_some()
        && state
            .loaded
            .values()
            .any(|g| g.endpoint(endpoint_id).is_some());
    let (parts, body) = request.into_parts();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    record.key_id = host
        .keys
        .authorize_call(service_id, state.public, authorization)?;
    let limit = EffectiveLimit::of(state.rate_limit.as_ref(), &host.config.rate_limit);
    let remote = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    record.remote = remote;
    let caller = match (&record.key_id, remote) {
        (Some(key), _) => Some(Caller::Key(key)),
        (None, Some(ip)) => Some(Caller::Address(ip)),
        (None, None) => None,
    };
    if let Some(caller) = caller {
        host.rate_limits.check(service_id, limit, caller)?;
    }

    let Some(action) = action else {
        return Err(ApiError::not_found(
            "UnknownAction",
            format!(
                "\"{action_name}\" is not a user-API action: expected one of {}",
                Action::ALL.map(Action::as_str).join(", ")
            ),
        ));
    };
    let allowed = allowed_methods(action);
    if !allowed.contains(&parts.method.as_str()) {
        return Ok(method_not_allowed(
            parts.method.as_str(),
            &format!("/{action}"),
            allowed,
        ));
    }
    if !state.enabled {
        return Err(ApiError::new(
            503,
            "ServiceDisabled",
            format!("service \"{service_id}\" is disabled"),
        ));
    }

    let (input, dispatch) = if parts.method == Method::GET {
        (
            Input::Query(parse_pairs(parts.uri.query().unwrap_or(""))),
            DispatchRequest::default(),
        )
    } else {
        let bytes = read_limited(&parts.headers, body, host.config.max_body_bytes).await?;
        let mut object = parse_object(&bytes)?;
        let dispatch = take_dispatch(&mut object, action)?;
        record.context = context_of(&object, action);
        (Input::Json(object), dispatch)
    };

    let served = host
        .serve_endpoint(
            &service,
            state,
            endpoint_id,
            action,
            input,
            &dispatch,
            started,
            record,
        )
        .await?;
    let bytes = envelope(
        &served.reply,
        served.pre_processing,
        served.wait,
        served.execution,
        service_id,
        endpoint_id,
        &served.generation_id,
    )?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response())
}

/// Serialises the engine's members followed by `timing` and `apiContext`, straight into the
/// output buffer (no intermediate `Value` tree for the envelope).
fn envelope(
    reply: &plinth_engine_api::Reply,
    pre_processing: std::time::Duration,
    wait: std::time::Duration,
    execution: std::time::Duration,
    service_id: &str,
    endpoint_id: &str,
    generation_id: &str,
) -> Result<Vec<u8>, ApiError> {
    use std::io::Write as _;
    let fail = |e: &dyn std::fmt::Display| ApiError::internal("Internal", e.to_string());
    let mut out = serde_json::to_vec(&reply.body).map_err(|e| fail(&e))?;
    out.pop(); // the closing '}' of the engine's object
    if !reply.body.is_empty() {
        out.push(b',');
    }
    write!(
        out,
        "\"timing\":{{\"preProcessing\":{},\"wait\":{},\"execution\":{}",
        pre_processing.as_micros(),
        wait.as_micros(),
        execution.as_micros()
    )
    .map_err(|e| fail(&e))?;
    for (name, micros) in &reply.timing {
        out.push(b',');
        serde_json::to_writer(&mut out, name).map_err(|e| fail(&e))?;
        write!(out, ":{micros}").map_err(|e| fail(&e))?;
    }
    out.extend_from_slice(b"},\"apiContext\":{\"serviceId\":");
    serde_json::to_writer(&mut out, service_id).map_err(|e| fail(&e))?;
    out.extend_from_slice(b",\"endpointId\":");
    serde_json::to_writer(&mut out, endpoint_id).map_err(|e| fail(&e))?;
    out.extend_from_slice(b",\"serviceGeneration\":");
    serde_json::to_writer(&mut out, generation_id).map_err(|e| fail(&e))?;
    out.extend_from_slice(b"}}");
    Ok(out)
}

/// Removes and parses the `dispatch` member. For `run` and `query`, whose bodies are the
/// caller's own parameters, only an object made of dispatch fields counts as dispatch.
pub(crate) fn take_dispatch(
    object: &mut Map<String, Value>,
    action: Action,
) -> Result<DispatchRequest, ApiError> {
    let is_dispatch = match object.get("dispatch") {
        None => false,
        Some(Value::Object(fields)) if matches!(action, Action::Run | Action::Query) => fields
            .keys()
            .all(|k| k == "forcedGeneration" || k == "dispatchKey"),
        Some(Value::Null) if matches!(action, Action::Run | Action::Query) => false,
        Some(_) => !matches!(action, Action::Run | Action::Query),
    };
    if !is_dispatch {
        return Ok(DispatchRequest::default());
    }
    match object.remove("dispatch") {
        Some(Value::Null) | None => Ok(DispatchRequest::default()),
        Some(value) => serde_json::from_value(value).map_err(|e| {
            ApiError::invalid_input(
                "dispatch",
                format!(
                    "expected {{\"forcedGeneration\"?: string, \"dispatchKey\"?: string}}: {e}"
                ),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_envelope_follows_the_engine_members() {
        let reply = plinth_engine_api::Reply::member("results", json!([1, "a\"b"]))
            .with_timing("lookup", 7);
        let us = std::time::Duration::from_micros;
        let bytes = envelope(&reply, us(1), us(2), us(3), "s\"1", "e", "v1").unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            r#"{"results":[1,"a\"b"],"timing":{"preProcessing":1,"wait":2,"execution":3,"lookup":7},"apiContext":{"serviceId":"s\"1","endpointId":"e","serviceGeneration":"v1"}}"#
        );
        let empty = plinth_engine_api::Reply::default();
        let bytes = envelope(&empty, us(0), us(0), us(0), "s", "e", "v").unwrap();
        assert!(serde_json::from_slice::<Value>(&bytes).unwrap()["timing"].is_object());
    }

    #[test]
    fn dispatch_is_taken_from_predict_bodies() {
        let mut o = obj(
            json!({"features": {}, "dispatch": {"forcedGeneration": "v2", "dispatchKey": "k"}}),
        );
        let d = take_dispatch(&mut o, Action::Predict).unwrap();
        assert_eq!(d.forced_generation.as_deref(), Some("v2"));
        assert!(!o.contains_key("dispatch"));
        let mut nulls = obj(json!({"dispatch": null}));
        assert_eq!(
            take_dispatch(&mut nulls, Action::Predict).unwrap(),
            DispatchRequest::default()
        );
        let mut bad = obj(json!({"dispatch": 3}));
        assert_eq!(
            take_dispatch(&mut bad, Action::Lookup).unwrap_err().status,
            400
        );
    }

    #[test]
    fn a_function_parameter_named_dispatch_is_left_alone() {
        let mut o = obj(json!({"dispatch": "fast", "x": 1}));
        assert_eq!(
            take_dispatch(&mut o, Action::Run).unwrap(),
            DispatchRequest::default()
        );
        assert_eq!(o["dispatch"], "fast");
        let mut o = obj(json!({"dispatch": {"mode": "x"}}));
        take_dispatch(&mut o, Action::Run).unwrap();
        assert!(o.contains_key("dispatch"));
        let mut o = obj(json!({"dispatch": {"forcedGeneration": "v1"}, "x": 1}));
        assert_eq!(
            take_dispatch(&mut o, Action::Query)
                .unwrap()
                .forced_generation
                .as_deref(),
            Some("v1")
        );
    }
}
