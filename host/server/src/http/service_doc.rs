//! `GET /public/api/v1/{service}/openapi.json`: the OpenAPI 3.1 document of one service, built
//! from what its routed generations' endpoints say of their calls ([`Endpoint::call_doc`]):
//! a model's features, a function's WIT parameter types, a query's parameters, a lookup's
//! keys, each wrapped in the user API's request and answer envelopes of every action the
//! endpoint answers. Same authentication as calling the service.

use super::error::HttpError;
use super::openapi::{ErrorBody, finish_service};
use crate::generation::LoadedEndpoint;
use crate::runtime::{Host, unknown_service};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use plinth_engine_api::{Action, CallDoc, InputDoc};
use std::collections::HashSet;
use std::sync::Arc;
use utoipa::PartialSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ArrayItems, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, OpenApi, OpenApiBuilder, Paths, RefOr, Required, ResponseBuilder,
};

/// The most records a `-multi` call takes (the engines' own limit).
const MAX_ITEMS: usize = 100_000;

/// The service's document.
#[utoipa::path(
    get,
    path = "/public/api/v1/{service}/openapi.json",
    tag = "user",
    summary = "The OpenAPI document of one service: its endpoints with their real request schemas",
    security((), ("serviceKey" = [])),
    params(("service" = String, Path, description = "The service id")),
    responses(
        (status = 200, description = "An OpenAPI 3.1 document", body = serde_json::Value),
        (status = 401, response = crate::http::openapi::Unauthorized),
        (status = 404, response = crate::http::openapi::NotFound),
    )
)]
pub async fn service_openapi(
    State(host): State<Arc<Host>>,
    Path(service_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(service) = host.service(&service_id) else {
        return HttpError(unknown_service(&service_id)).into_response();
    };
    let state = service.state();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Err(e) = host
        .keys
        .authorize_call(&service_id, state.public, authorization)
    {
        return HttpError(e).into_response();
    }
    // Each endpoint as the first routed generation that has it declares it.
    let mut seen = HashSet::new();
    let mut endpoints: Vec<(&LoadedEndpoint, &str)> = Vec::new();
    let routed = state
        .routing
        .as_ref()
        .map(|r| r.generations())
        .unwrap_or_default();
    for generation_id in &routed {
        if let Some(generation) = state.loaded.get(*generation_id) {
            for endpoint in &generation.endpoints {
                if seen.insert(endpoint.id.as_str()) {
                    endpoints.push((endpoint, generation_id));
                }
            }
        }
    }
    let doc = document(
        &service_id,
        state.description.as_deref(),
        state.public,
        &endpoints,
    );
    Json(doc).into_response()
}

/// The document of `endpoints` (each with the generation it comes from) of one service.
fn document(
    service_id: &str,
    description: Option<&str>,
    public: bool,
    endpoints: &[(&LoadedEndpoint, &str)],
) -> OpenApi {
    let mut paths = Paths::new();
    for (endpoint, generation) in endpoints {
        let call = endpoint.handle.call_doc();
        for &action in endpoint.handle.actions() {
            for method in methods(action) {
                let operation = operation(service_id, endpoint, generation, action, method, &call)
                    .securities(Some(if public {
                        vec![SecurityRequirement::default()]
                    } else {
                        vec![SecurityRequirement::new::<_, _, &str>("serviceKey", [])]
                    }))
                    .build();
                paths.add_path_operation(
                    format!(
                        "/public/api/v1/{service_id}/{}/{}",
                        endpoint.id,
                        action.as_str()
                    ),
                    vec![method.clone()],
                    operation,
                );
            }
        }
    }
    let mut api = OpenApiBuilder::new().paths(paths).build();
    api.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert("ErrorBody".into(), ErrorBody::schema());
    finish_service(api, service_id, description)
}

fn methods(action: Action) -> &'static [HttpMethod] {
    match action {
        Action::Predict | Action::PredictMulti | Action::Lookup | Action::LookupMulti => {
            &[HttpMethod::Post]
        }
        Action::PredictSimple | Action::LookupSimple => &[HttpMethod::Get],
        Action::Run | Action::Query => &[HttpMethod::Get, HttpMethod::Post],
    }
}

fn operation(
    service_id: &str,
    endpoint: &LoadedEndpoint,
    generation: &str,
    action: Action,
    method: &HttpMethod,
    call: &CallDoc,
) -> OperationBuilder {
    let suffix = if matches!(action, Action::Run | Action::Query) {
        match method {
            HttpMethod::Get => "_get",
            _ => "_post",
        }
    } else {
        ""
    };
    let mut op = OperationBuilder::new()
        .tag(endpoint.id.clone())
        .operation_id(Some(format!(
            "{}_{}{suffix}",
            endpoint.id,
            action.as_str().replace('-', "_")
        )))
        .summary(Some(format!(
            "{} {} ({} endpoint, generation {generation})",
            action.as_str(),
            endpoint.id,
            endpoint.kind
        )))
        .description(endpoint.description.clone());
    if *method == HttpMethod::Get {
        for input in call.inputs.iter().flatten() {
            op = op.parameter(query_parameter(input));
        }
    } else {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(request_body(action, call)))
                        .build(),
                )
                .build(),
        ));
    }
    let answer = answer(action, call);
    op = op.response(
        "200",
        ResponseBuilder::new()
            .description(format!(
                "The answer of {service_id}/{}/{}",
                endpoint.id,
                action.as_str()
            ))
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(answer)).build(),
            )
            .build(),
    );
    let mut errors = vec![
        ("400", "Bad input: the message names the field"),
        ("401", "No key, or a key that may not call this service"),
        (
            "404",
            "No such service or endpoint in the routed generation",
        ),
        ("405", "The action does not take this method"),
        ("429", "Rate limited"),
        (
            "503",
            "The service or endpoint is switched off, or its slots are busy",
        ),
        ("504", "The endpoint's deadline passed"),
    ];
    if endpoint.handle.kind() == "function" {
        errors.push(("500", "The function failed or returned an error"));
    }
    for (status, description) in errors {
        op = op.response(
            status,
            ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    ))))
                    .build(),
            ),
        );
    }
    op
}

/// A GET input: scalars as themselves, anything else as JSON text.
fn query_parameter(input: &InputDoc) -> utoipa::openapi::path::Parameter {
    let scalar = is_scalar(&input.schema);
    let builder = ParameterBuilder::new()
        .name(&input.name)
        .parameter_in(ParameterIn::Query)
        .required(if input.required {
            Required::True
        } else {
            Required::False
        })
        .description(input.description.clone());
    if scalar {
        builder.schema(Some(input.schema.clone())).build()
    } else {
        builder
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(input.schema.clone()))
                    .build(),
            )
            .build()
    }
}

fn is_scalar(schema: &Schema) -> bool {
    match schema {
        Schema::Object(o) => {
            !o.schema_type.is_any_value()
                && !matches!(
                    o.schema_type,
                    utoipa::openapi::schema::SchemaType::Type(Type::Object | Type::Array)
                )
        }
        _ => false,
    }
}

/// An object whose members are `inputs` (any object when they are unknown).
fn inputs_object(call: &CallDoc) -> ObjectBuilder {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    for input in call.inputs.iter().flatten() {
        let mut schema = input.schema.clone();
        if let (Some(text), Schema::Object(o)) = (&input.description, &mut schema)
            && o.description.is_none()
        {
            o.description = Some(text.clone());
        }
        object = object.property(&input.name, schema);
        if input.required {
            object = object.required(&input.name);
        }
    }
    if call.closed && call.inputs.is_some() {
        object = object.additional_properties(Some(AdditionalProperties::FreeForm(false)));
    }
    object
}

fn request_body(action: Action, call: &CallDoc) -> Schema {
    let explanations = || {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "`{\"enabled\": true, \"method\": \"ICE\"|\"SHAPLEY\", \"nExplanations\": 3, \"nMonteCarloSteps\": 100}`",
            ))
            .property("enabled", ObjectBuilder::new().schema_type(Type::Boolean))
            .property(
                "method",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["ICE", "SHAPLEY"])),
            )
            .property(
                "nExplanations",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .property(
                "nMonteCarloSteps",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1)),
            )
    };
    let context = || ObjectBuilder::new().schema_type(Type::Object);
    let items = |member: &str, inner: ObjectBuilder| {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property(member, inner)
                    .required(member)
                    .property("context", context()),
            )
            .max_items(Some(MAX_ITEMS))
    };
    let body = match action {
        Action::Predict => ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("features", inputs_object(call))
            .required("features")
            .property("explanations", explanations())
            .property("context", context()),
        Action::PredictMulti => ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("items", items("features", inputs_object(call)))
            .required("items")
            .property("explanations", explanations()),
        Action::Lookup => ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("data", inputs_object(call))
            .required("data"),
        Action::LookupMulti => ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("items", items("data", inputs_object(call)))
            .required("items"),
        // `run` and `query` take the inputs as the body's members.
        Action::Run | Action::Query | Action::PredictSimple | Action::LookupSimple => {
            inputs_object(call)
        }
    };
    body.build().into()
}

/// The 200 answer: the engine's member, `timing` and `apiContext`.
fn answer(action: Action, call: &CallDoc) -> Schema {
    let item = call
        .result
        .clone()
        .unwrap_or_else(|| ObjectBuilder::new().build().into());
    let (member, value): (&str, Schema) = match action {
        Action::Predict | Action::PredictSimple => ("result", item),
        Action::Run => ("response", item),
        Action::PredictMulti
        | Action::Lookup
        | Action::LookupMulti
        | Action::LookupSimple
        | Action::Query => (
            "results",
            ArrayBuilder::new()
                .items(ArrayItems::RefOrSchema(Box::new(item.into())))
                .build()
                .into(),
        ),
    };
    envelope(member, value)
}

fn envelope(member: &str, value: Schema) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(member, value)
        .required(member)
        .property("timing", ObjectBuilder::new().schema_type(Type::Object))
        .property(
            "apiContext",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("serviceId", ObjectBuilder::new().schema_type(Type::String))
                .property("endpointId", ObjectBuilder::new().schema_type(Type::String))
                .property(
                    "serviceGeneration",
                    ObjectBuilder::new().schema_type(Type::String),
                ),
        )
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use utoipa::openapi::schema::SchemaType;

    fn integer_input(name: &str, required: bool) -> InputDoc {
        InputDoc::new(
            name,
            Schema::from(ObjectBuilder::new().schema_type(Type::Integer).build()),
            required,
        )
    }

    fn call() -> CallDoc {
        CallDoc {
            inputs: Some(vec![
                integer_input("param1", true),
                InputDoc::new(
                    "person",
                    Schema::from(
                        ObjectBuilder::new()
                            .schema_type(Type::Object)
                            .property(
                                "age",
                                ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)),
                            )
                            .build(),
                    ),
                    false,
                ),
            ]),
            result: Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .build()
                    .into(),
            ),
            closed: true,
        }
    }

    fn json_of(schema: Schema) -> Value {
        serde_json::to_value(schema).unwrap()
    }

    #[test]
    fn bodies_wrap_the_inputs_in_each_actions_envelope() {
        let predict = json_of(request_body(Action::Predict, &call()));
        assert_eq!(predict["required"], json!(["features"]));
        assert_eq!(
            predict["properties"]["features"]["required"],
            json!(["param1"])
        );
        let multi = json_of(request_body(Action::LookupMulti, &call()));
        assert_eq!(
            multi["properties"]["items"]["items"]["required"],
            json!(["data"])
        );
        let run = json_of(request_body(Action::Run, &call()));
        assert_eq!(run["properties"]["param1"]["type"], "integer");
    }

    #[test]
    fn a_closed_call_refuses_other_members_and_an_open_one_does_not() {
        let closed = json_of(request_body(Action::Run, &call()));
        assert_eq!(closed["additionalProperties"], json!(false));
        let open = CallDoc {
            closed: false,
            ..call()
        };
        let open = json_of(request_body(Action::Predict, &open));
        assert!(
            open["properties"]["features"]
                .get("additionalProperties")
                .is_none()
        );
    }

    #[test]
    fn answers_name_the_engines_member() {
        let run = json_of(answer(Action::Run, &call()));
        assert_eq!(run["required"], json!(["response"]));
        assert_eq!(run["properties"]["response"]["type"], "integer");
        let query = json_of(answer(Action::Query, &call()));
        assert_eq!(query["properties"]["results"]["type"], "array");
        let simple = json_of(answer(Action::PredictSimple, &call()));
        assert_eq!(simple["required"], json!(["result"]));
    }

    #[test]
    fn query_parameters_of_composite_types_are_json_text() {
        let inputs = call().inputs.unwrap();
        let scalar = serde_json::to_value(query_parameter(&inputs[0])).unwrap();
        assert_eq!(scalar["schema"]["type"], "integer");
        assert_eq!(scalar["required"], true);
        let composite = serde_json::to_value(query_parameter(&inputs[1])).unwrap();
        assert!(composite["content"]["application/json"]["schema"].is_object());
        assert!(composite.get("schema").is_none());
    }
}
