//! The exported function an endpoint serves: where it is in the component, its parameters
//! (names and types) and its result type.

use crate::config::CallStyle;
use crate::convert;
use crate::wit_type::{api_name, check_supported, describe, name_matches, plain};
use plinth_engine_api::{ApiError, Input};
use plinth_wit_json::{ConvertError, WitType};
use serde_json::{Map, Value};
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::{Component, ComponentExportIndex, Val};

/// One parameter of the served function.
pub struct Param {
    /// The WIT name (`param-one`).
    pub wit_name: String,
    /// The API name (`param_one`); the WIT name is accepted too.
    pub api_name: String,
    /// The declared type.
    pub ty: Type,
    /// The same as plain data, for converting arguments.
    pub plain: WitType,
}

/// The served function.
pub struct Signature {
    /// Its name as written in the manifest's terms (`simple-sum`, `iface#func`).
    pub name: String,
    /// Where to find it in an instance.
    pub index: ComponentExportIndex,
    /// Parameters in declaration order.
    pub params: Vec<Param>,
    /// The result type, if any.
    pub result: Option<Type>,
}

/// Every exported function of `component`, as `(name, type)`: top-level exports by name,
/// exports of exported interfaces as `interface#function`.
pub fn exported_functions(engine: &Engine, component: &Component) -> Vec<(String, ComponentFunc)> {
    let mut out = Vec::new();
    for (name, export) in component.component_type().exports(engine) {
        match export.ty {
            ComponentItem::ComponentFunc(f) => out.push((name.to_owned(), f)),
            ComponentItem::ComponentInstance(instance) => {
                for (inner, item) in instance.exports(engine) {
                    if let ComponentItem::ComponentFunc(f) = item.ty {
                        out.push((format!("{name}#{inner}"), f));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

impl Signature {
    /// Finds the function to serve: `wanted` if given, else the only export, else the export
    /// named after the endpoint. Checks that its types can cross a JSON API and, for
    /// `call = "json"`, that it is `func(input: string) -> result<string, string>`.
    pub fn find(
        engine: &Engine,
        component: &Component,
        wanted: Option<&str>,
        endpoint_id: &str,
        style: CallStyle,
    ) -> Result<Signature, (Option<&'static str>, String)> {
        let functions = exported_functions(engine, component);
        let names: Vec<&str> = functions.iter().map(|(n, _)| n.as_str()).collect();
        let listing = if names.is_empty() {
            "the component exports no function".to_owned()
        } else {
            format!("exported functions: {}", names.join(", "))
        };
        let chosen = match wanted {
            Some(w) => functions
                .iter()
                .find(|(n, _)| name_matches(w, n))
                .ok_or_else(|| {
                    (
                        Some("function"),
                        format!("no exported function '{w}' ({listing})"),
                    )
                })?,
            // Language runtimes export helpers of their own in interfaces (componentize-py's
            // `exports#init`): the only top-level function is the default.
            None if functions.iter().filter(|(n, _)| !n.contains('#')).count() == 1 => functions
                .iter()
                .find(|(n, _)| !n.contains('#'))
                .expect("counted above"),
            None if functions.len() == 1 => &functions[0],
            None => functions
                .iter()
                .find(|(n, _)| name_matches(endpoint_id, n))
                .ok_or_else(|| {
                    (
                        Some("function"),
                        format!("name the function to serve: {listing}"),
                    )
                })?,
        };
        let (name, func) = chosen;
        let index = match name.split_once('#') {
            Some((instance, inner)) => component
                .get_export_index(None, instance)
                .and_then(|i| component.get_export_index(Some(&i), inner)),
            None => component.get_export_index(None, name.as_str()),
        }
        .ok_or_else(|| (Some("function"), format!("export '{name}' not found")))?;
        let mut params = Vec::new();
        for (wit_name, ty) in func.params() {
            check_supported(&ty).map_err(|e| {
                (
                    Some("function"),
                    format!("parameter '{wit_name}' of '{name}': {e}"),
                )
            })?;
            params.push(Param {
                wit_name: wit_name.to_owned(),
                api_name: api_name(wit_name),
                plain: plain(&ty),
                ty,
            });
        }
        let results: Vec<Type> = func.results().collect();
        if results.len() > 1 {
            return Err((Some("function"), format!("'{name}' returns several values")));
        }
        let result = results.into_iter().next();
        if let Some(ty) = &result {
            check_supported(ty)
                .map_err(|e| (Some("function"), format!("result of '{name}': {e}")))?;
        }
        if func.async_() {
            return Err((
                Some("function"),
                format!("'{name}' is an async function; this host serves synchronous exports"),
            ));
        }
        let signature = Signature {
            name: name.clone(),
            index,
            params,
            result,
        };
        if style == CallStyle::Json && !signature.is_json_shaped() {
            return Err((
                Some("call"),
                format!(
                    "call = \"json\" needs '{name}' to be func(input: string) -> result<string, string>, \
                     found {}",
                    signature.describe()
                ),
            ));
        }
        Ok(signature)
    }

    fn is_json_shaped(&self) -> bool {
        let string_result = match &self.result {
            Some(Type::String) => true,
            Some(Type::Result(r)) => {
                matches!(r.ok(), Some(Type::String)) && matches!(r.err(), Some(Type::String) | None)
            }
            _ => false,
        };
        self.params.len() == 1 && self.params[0].ty == Type::String && string_result
    }

    /// `simple-sum(param1: s64, param2: s64) -> s64`.
    pub fn describe(&self) -> String {
        let params = self
            .params
            .iter()
            .map(|p| format!("{}: {}", p.api_name, p.plain.describe()))
            .collect::<Vec<_>>()
            .join(", ");
        match &self.result {
            Some(r) => format!("{}({params}) -> {}", self.name, describe(r)),
            None => format!("{}({params})", self.name),
        }
    }

    /// The argument values of a typed call. A missing parameter (other than an `option`),
    /// an unknown one, or a value of the wrong type is a 400 naming it and the expected type.
    pub fn arguments(&self, input: &Input) -> Result<Vec<Val>, ApiError> {
        let given: Vec<&str> = match input {
            Input::Json(map) => map.keys().map(String::as_str).collect(),
            Input::Query(pairs) => pairs.iter().map(|(k, _)| k.as_str()).collect(),
        };
        for (i, name) in given.iter().enumerate() {
            if !self.params.iter().any(|p| name_matches(name, &p.wit_name)) {
                return Err(ApiError::invalid_input(
                    name,
                    format!("unknown parameter; the function is {}", self.describe()),
                ));
            }
            if given[..i].iter().any(|earlier| {
                self.params
                    .iter()
                    .any(|p| name_matches(earlier, &p.wit_name) && name_matches(name, &p.wit_name))
            }) {
                return Err(ApiError::invalid_input(name, "given more than once"));
            }
        }
        let mut args = Vec::with_capacity(self.params.len());
        for param in &self.params {
            let value = match input {
                Input::Json(map) => map
                    .iter()
                    .find(|(k, _)| name_matches(k, &param.wit_name))
                    .map(|(_, v)| plinth_wit_json::from_json(&param.api_name, &param.plain, v)),
                Input::Query(pairs) => pairs
                    .iter()
                    .find(|(k, _)| name_matches(k, &param.wit_name))
                    .map(|(_, v)| plinth_wit_json::from_text(&param.api_name, &param.plain, v)),
            };
            let val = match value {
                Some(v) => convert::to_val(v.map_err(convert_error)?),
                None if matches!(param.ty, Type::Option(_)) => Val::Option(None),
                None => {
                    return Err(ApiError::invalid_input(
                        &param.api_name,
                        format!("missing parameter of type {}", param.plain.describe()),
                    ));
                }
            };
            args.push(val);
        }
        Ok(args)
    }
}

fn convert_error(e: ConvertError) -> ApiError {
    ApiError::invalid_input(&e.path, e.problem)
}

/// The JSON text passed to a `call = "json"` function: the POST object, or the query pairs as
/// an object of strings.
pub fn json_input(input: &Input) -> Result<String, ApiError> {
    let object = match input {
        Input::Json(map) => map.clone(),
        Input::Query(pairs) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                if map.insert(k.clone(), Value::String(v.clone())).is_some() {
                    return Err(ApiError::invalid_input(k, "given more than once"));
                }
            }
            map
        }
    };
    Ok(Value::Object(object).to_string())
}
