//! `call = "json"`: the raw parameters as one JSON text in, a JSON text out.

mod common;

use common::guests::{JSON_WIT, TYPES_WIT, json_wat, types_wat};
use common::{Bundle, get, post, response};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_function_gets_the_raw_object_and_answers_json() {
    let b = Bundle::new(&common::component(JSON_WIT, "json", &json_wat()));
    let ep = b.load("raw", "call = \"json\"").await.unwrap();
    let body = json!({"a": [1, 2], "b": {"c": null}});
    assert_eq!(response(&post(&ep, body.clone()).await.unwrap()), &body);
    // GET parameters arrive as strings.
    assert_eq!(
        response(&get(&ep, &[("x", "1")]).await.unwrap()),
        &json!({"x": "1"})
    );
    let e = post(&ep, json!({})).await.unwrap_err();
    assert_eq!((e.status, e.message.as_str()), (500, "empty input"));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_style_needs_a_string_to_result_function() {
    let b = Bundle::new(&common::component(TYPES_WIT, "types", &types_wat()));
    let err = b.load("simple_sum", "call = \"json\"").await.err().unwrap();
    assert_eq!(err.field.as_deref(), Some("call"));
    assert!(err.message.contains("func(input: string)"), "{err}");
}
