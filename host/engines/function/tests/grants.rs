//! Host interfaces: an ungranted import fails the deploy; granted ones reach the sibling
//! endpoints (a real lookup endpoint here), and only those named in the grant.

mod common;

use common::guests::{LOG_WIT, LOOKUP_WIT, TYPES_WIT, log_wat, lookup_wat, types_wat};
use common::{Bundle, post, response};
use plinth_engine_api::{Endpoint, EngineFactory};
use plinth_engine_function::FunctionFactory;
use plinth_engine_lookup::LookupFactory;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread")]
async fn an_ungranted_import_fails_the_deploy() {
    let b = Bundle::new(&common::component(LOG_WIT, "logs", &log_wat()));
    let err = b.load("hello", "").await.err().unwrap();
    assert_eq!(err.field.as_deref(), Some("grants"));
    assert!(
        err.message.contains("plinth:host/log@0.1.0") && err.message.contains("grants.log = true"),
        "{err}"
    );
    let ep = b.load("hello", "grants.log = true").await.unwrap();
    assert_eq!(response(&post(&ep, json!({})).await.unwrap()), &json!(7));
}

async fn with_lookup_sibling(b: &Bundle) -> HashMap<String, Arc<dyn Endpoint>> {
    std::fs::create_dir_all(b.root().join("data")).unwrap();
    std::fs::write(
        b.root().join("data/people.csv"),
        "id,name\n1,Ada\n2,Grace\n",
    )
    .unwrap();
    let ctx = b.ctx(
        "people",
        "dataset = \"data/people.csv\"\nkeys = [\"id\"]",
        HashMap::new(),
    );
    let mut ctx = ctx;
    ctx.config.remove("component");
    let people = LookupFactory::default().load(ctx).await.unwrap();
    HashMap::from([("people".to_owned(), people)])
}

#[tokio::test(flavor = "multi_thread")]
async fn lookup_reaches_the_granted_sibling_only() {
    let b = Bundle::new(&common::component(LOOKUP_WIT, "lookups", &lookup_wat()));
    let siblings = with_lookup_sibling(&b).await;
    let ctx = b.ctx("fetch", "grants.lookup = [\"people\"]", siblings.clone());
    let ep = FunctionFactory.load(ctx).await.unwrap();
    let reply = post(&ep, json!({"endpoint": "people", "keys": "{\"id\": 2}"}))
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(response(&reply).as_str().unwrap()).unwrap();
    assert_eq!(answer["results"][0]["data"]["name"], json!("Grace"));
    // Not granted: an error for the guest (here answered as the function's error).
    let e = post(&ep, json!({"endpoint": "other", "keys": "{}"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 500);
    assert!(
        e.message.contains("'other' is not granted"),
        "{}",
        e.message
    );
    let e = post(&ep, json!({"endpoint": "people", "keys": "[1]"}))
        .await
        .unwrap_err();
    assert!(e.message.contains("must be a JSON object"), "{}", e.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn grants_must_name_earlier_endpoints_of_the_right_kind() {
    let b = Bundle::new(&common::component(LOOKUP_WIT, "lookups", &lookup_wat()));
    let siblings = with_lookup_sibling(&b).await;
    let err = FunctionFactory
        .load(b.ctx("fetch", "grants.lookup = [\"nobody\"]", siblings.clone()))
        .await
        .err()
        .unwrap();
    assert_eq!(err.field.as_deref(), Some("grants.lookup[0]"));
    assert!(err.message.contains("earlier endpoints: people"), "{err}");
    let err = FunctionFactory
        .load(b.ctx("fetch", "grants.predict = [\"people\"]", siblings.clone()))
        .await
        .err()
        .unwrap();
    assert!(
        err.message.contains("'lookup' endpoint") && err.message.contains("predict"),
        "{err}"
    );
    let err = FunctionFactory
        .load(b.ctx("fetch", "", siblings))
        .await
        .err()
        .unwrap();
    assert!(err.message.contains("plinth:host/lookup"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn manifest_mistakes_name_their_field() {
    let b = Bundle::new(&common::component(TYPES_WIT, "types", &types_wat()));
    let err = b.load("simple_sum", "timeout_ms = 0").await.err().unwrap();
    assert_eq!(err.field.as_deref(), Some("timeout_ms"));
    let err = b
        .load("simple_sum", "memory_mib = 999999")
        .await
        .err()
        .unwrap();
    assert_eq!(err.field.as_deref(), Some("memory_mib"));
    let err = b
        .load("simple_sum", "isolation = \"shared\"")
        .await
        .err()
        .unwrap();
    assert!(err.message.contains("shared"), "{err}");
    let err = b.load("simple_sum", "colour = 1").await.err().unwrap();
    assert!(err.message.contains("colour"), "{err}");
    let err = b
        .load("simple_sum", "component = \"../x.wasm\"")
        .await
        .err()
        .unwrap();
    assert_eq!(err.field.as_deref(), Some("component"));
    std::fs::write(b.root().join("bad.wasm"), b"not wasm").unwrap();
    let err = b
        .load("simple_sum", "component = \"bad.wasm\"")
        .await
        .err()
        .unwrap();
    assert!(
        err.message.contains("not a valid WebAssembly component"),
        "{err}"
    );
    let err = b
        .load("simple_sum", "resources = \"fn.wasm\"")
        .await
        .err()
        .unwrap();
    assert_eq!(err.field.as_deref(), Some("resources"));
}
