//! The loaded function endpoint: converts the request, runs the function on a blocking
//! thread, converts the answer.

use crate::cache::CompileSource;
use crate::config::{CallStyle, Isolation};
use crate::convert::to_json;
use crate::runner::{Returned, Runner};
use crate::signature::{Signature, json_input};
use async_trait::async_trait;
use plinth_engine_api::{Action, ApiError, CallDoc, Endpoint, InputDoc, Reply, Request};
use plinth_wit_json::{Side, WitType};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa::openapi::schema::ObjectBuilder;
use wasmtime::component::Val;
use wasmtime::component::types::Type;

/// The actions of a function endpoint.
pub const FUNCTION_ACTIONS: &[Action] = &[Action::Run];

/// Extra wait beyond the deadline before the host gives up on a blocking thread that has not
/// come back (the epoch trap normally ends the call within a tick or two).
const GRACE: Duration = Duration::from_secs(2);

/// A deployed function endpoint.
pub struct FunctionEndpoint {
    pub(crate) runner: Arc<Runner>,
    pub(crate) signature: Signature,
    pub(crate) style: CallStyle,
    pub(crate) compile_source: CompileSource,
    pub(crate) compile_millis: u128,
    /// Keeps the compiled component in the in-process cache while the endpoint lives.
    pub(crate) _component: Arc<wasmtime::component::Component>,
}

impl FunctionEndpoint {
    /// How the component became ready at load: compiled now, read from the disk cache, or
    /// shared with another endpoint of this process.
    pub fn compile_source(&self) -> CompileSource {
        self.compile_source
    }

    /// Milliseconds spent compiling or deserializing the component at load.
    pub fn compile_millis(&self) -> u128 {
        self.compile_millis
    }

    /// The served function, e.g. `simple-sum(param1: s64, param2: s64) -> s64`.
    pub fn signature(&self) -> String {
        self.signature.describe()
    }

    fn response(&self, returned: Returned) -> Result<Value, ApiError> {
        let Some(value) = returned.value else {
            return Ok(Value::Null);
        };
        match self.style {
            CallStyle::Json => {
                let text = match value {
                    Val::String(s) => s,
                    Val::Result(Ok(Some(v))) => match *v {
                        Val::String(s) => s,
                        other => to_json(&other).to_string(),
                    },
                    Val::Result(Err(e)) => return Err(guest_error(e.as_deref())),
                    other => to_json(&other).to_string(),
                };
                serde_json::from_str(&text).map_err(|e| {
                    ApiError::internal(
                        "FunctionFailed",
                        format!("the function answered text that is not JSON: {e}"),
                    )
                })
            }
            CallStyle::Typed => match (&self.signature.result, value) {
                (Some(Type::Result(_)), Val::Result(Ok(v))) => {
                    Ok(v.as_deref().map(to_json).unwrap_or(Value::Null))
                }
                (Some(Type::Result(_)), Val::Result(Err(e))) => Err(guest_error(e.as_deref())),
                (_, v) => Ok(to_json(&v)),
            },
        }
    }
}

/// The 500 for a function that returned `err(e)`.
fn guest_error(e: Option<&Val>) -> ApiError {
    let message = match e {
        Some(Val::String(s)) => s.clone(),
        Some(other) => to_json(other).to_string(),
        None => "the function returned an error".to_owned(),
    };
    ApiError::internal("FunctionError", message)
}

#[async_trait]
impl Endpoint for FunctionEndpoint {
    fn kind(&self) -> &'static str {
        crate::KIND
    }

    fn actions(&self) -> &'static [Action] {
        FUNCTION_ACTIONS
    }

    fn describe(&self) -> Value {
        let params: Vec<Value> = self
            .signature
            .params
            .iter()
            .map(|p| json!({"name": p.api_name, "type": crate::wit_type::describe(&p.ty)}))
            .collect();
        json!({
            "function": self.signature.describe(),
            "parameters": params,
            "call": match self.style { CallStyle::Typed => "typed", CallStyle::Json => "json" },
            "isolation": match self.runner.isolation {
                Isolation::PerRequest => "per-request",
                Isolation::Pooled => "pooled",
            },
            "timeoutMs": self.runner.timeout.as_millis() as u64,
            "memoryMib": (self.runner.memory_cap >> 20) as u64,
            "componentSource": match self.compile_source {
                CompileSource::Compiled => "compiled",
                CompileSource::Disk => "disk-cache",
                CompileSource::Memory => "shared",
            },
            "componentLoadMs": self.compile_millis as u64,
        })
    }

    fn call_doc(&self) -> CallDoc {
        if self.style == CallStyle::Json {
            return CallDoc::default();
        }
        let inputs = self
            .signature
            .params
            .iter()
            .map(|p| {
                let required = !matches!(p.plain, WitType::Option(_));
                InputDoc::new(&p.api_name, p.plain.json_schema(Side::Input), required)
                    .described(format!("`{}: {}`", p.wit_name, p.plain.describe()))
            })
            .collect();
        // A top-level `result<T, E>` answers T; its error is the call's 500.
        let null = || {
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Null)
                .build()
                .into()
        };
        let result = match self.signature.result.as_ref().map(crate::wit_type::plain) {
            Some(WitType::Result(Some(ok), _)) => ok.json_schema(Side::Output),
            Some(WitType::Result(None, _)) | None => null(),
            Some(other) => other.json_schema(Side::Output),
        };
        CallDoc {
            inputs: Some(inputs),
            result: Some(result),
            closed: true,
        }
    }

    async fn serve(&self, request: Request) -> Result<Reply, ApiError> {
        let args = match self.style {
            CallStyle::Typed => self.signature.arguments(&request.input)?,
            CallStyle::Json => vec![Val::String(json_input(&request.input)?)],
        };
        let runner = self.runner.clone();
        let handle = tokio::runtime::Handle::current();
        let started = Instant::now();
        let task = tokio::task::spawn_blocking(move || runner.call(&args, Some(handle)));
        let returned = match tokio::time::timeout(self.runner.timeout + GRACE, task).await {
            Err(_) => {
                return Err(ApiError::deadline(format!(
                    "the function did not finish within its deadline of {} ms",
                    self.runner.timeout.as_millis()
                )));
            }
            Ok(Err(join)) => {
                return Err(ApiError::internal(
                    "FunctionFailed",
                    format!("the function's host thread failed: {join}"),
                ));
            }
            Ok(Ok(outcome)) => outcome?,
        };
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let (service, endpoint) = (&self.runner.env.service_id, &self.runner.env.endpoint_id);
        if !returned.stdout.is_empty() {
            tracing::debug!(
                service,
                endpoint,
                "function stdout: {}",
                returned.stdout.trim_end()
            );
        }
        if !returned.stderr.is_empty() {
            tracing::debug!(
                service,
                endpoint,
                "function stderr: {}",
                returned.stderr.trim_end()
            );
        }
        let response = self.response(returned)?;
        Ok(Reply::member("response", response).with_timing("functionInternal", micros))
    }

    fn enforces_own_deadline(&self) -> bool {
        true
    }
}
