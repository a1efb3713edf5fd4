//! Shared helpers: load a SQL endpoint through `LoadContext`, as the host does, and call it.

#![allow(dead_code)]

use plinth_engine_api::{
    Action, ApiError, Endpoint, EngineFactory, Input, LoadContext, LoadError, Request,
    ServerResources,
};
use plinth_engine_sql::SqlFactory;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The repository's `examples/` directory.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples")
}

/// The seed's query.
pub const SEED_QUERY: &str = r#"
SELECT
  "PassengerId",
  "Name",
  "Age",
  "Survived"
FROM "DB_titanic_table" AS "t"
WHERE "t"."Age" > ? AND "t"."Sex" = ?
"#;

/// A load context for an endpoint table in TOML, with `server_toml` as the server settings.
pub fn context(root: &Path, endpoint_toml: &str, server_toml: &str) -> LoadContext {
    LoadContext {
        service_id: "sql_svc".into(),
        endpoint_id: "simple_filter".into(),
        server: Arc::new(ServerResources {
            settings: toml::from_str(server_toml).expect("valid server TOML"),
            ..Default::default()
        }),
        ..plinth_engine_api::testing::context(root, endpoint_toml)
    }
}

/// Loads an endpoint with a fresh factory.
pub async fn load(
    root: &Path,
    endpoint_toml: &str,
    server_toml: &str,
) -> Result<Arc<dyn Endpoint>, LoadError> {
    SqlFactory::default()
        .load(context(root, endpoint_toml, server_toml))
        .await
}

/// A GET call.
pub async fn get(endpoint: &Arc<dyn Endpoint>, pairs: &[(&str, &str)]) -> Result<Value, ApiError> {
    let pairs = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let reply = endpoint
        .serve(Request {
            observe: false,
            action: Action::Query,
            input: Input::Query(pairs),
        })
        .await?;
    Ok(Value::Object(reply.body))
}

/// A POST call.
pub async fn post(endpoint: &Arc<dyn Endpoint>, body: Value) -> Result<Value, ApiError> {
    let Value::Object(map) = body else {
        panic!("bodies are objects")
    };
    let reply = endpoint
        .serve(Request {
            observe: false,
            action: Action::Query,
            input: Input::Json(map),
        })
        .await?;
    Ok(Value::Object(reply.body))
}

/// The seed's answer to `param1=60, param2=female`.
pub fn seed_answer() -> Value {
    serde_json::json!({
      "results": [{
        "columns": [
          {"name": "PassengerId", "type": "int8"},
          {"name": "Name", "type": "text"},
          {"name": "Age", "type": "float8"},
          {"name": "Survived", "type": "int8"}
        ],
        "rows": [
          ["276", "Andrews, Miss. Kornelia Theodosia", "63.0", "1"],
          ["484", "Turkula, Mrs. (Hedwig)", "63.0", "1"],
          ["830", "Stone, Mrs. George Nelson (Martha Evelyn)", "62.0", "1"]
        ],
        "updatedRows": 0
      }]
    })
}

/// SQL injection attempts, each sent in every parameter.
pub const INJECTIONS: &[&str] = &[
    "female' OR '1'='1",
    "60 OR 1=1",
    "0; DROP TABLE \"DB_titanic_table\"; --",
    "female\" OR \"1\"=\"1",
    "' UNION SELECT 1, name, 1.0, 1 FROM sqlite_master --",
    "60) OR (1=1",
    "?",
    "$1",
];

/// An env var or a loud skip.
pub fn env_or_skip(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            eprintln!(
                "SKIPPED: {test}: {var} is not set (run scripts/start-databases.sh and source its env file); CI sets it"
            );
            println!("SKIPPED: {test}: {var} is not set");
            None
        }
    }
}
