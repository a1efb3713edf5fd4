//! Typed calls by parameter name: JSON and query strings converted by the declared types,
//! answers converted back, and a 400 naming the parameter for every caller mistake.

mod common;

use common::guests::{TYPES_WIT, types_wat};
use common::{Bundle, get, post, response};
use serde_json::json;

fn bundle() -> Bundle {
    Bundle::new(&common::component(TYPES_WIT, "types", &types_wat()))
}

#[tokio::test(flavor = "multi_thread")]
async fn simple_sum_answers_42_by_get_and_post() {
    let b = bundle();
    let ep = b
        .load("simple_sum", "function = \"simple-sum\"")
        .await
        .unwrap();
    let reply = get(&ep, &[("param1", "30"), ("param2", "12")])
        .await
        .unwrap();
    assert_eq!(response(&reply), &json!(42));
    assert_eq!(reply.timing[0].0, "functionInternal");
    let reply = post(&ep, json!({"param1": 30, "param2": 12}))
        .await
        .unwrap();
    assert_eq!(response(&reply), &json!(42));
    // A whole float is an integer; order of parameters does not matter.
    let reply = post(&ep, json!({"param2": 12.0, "param1": -30}))
        .await
        .unwrap();
    assert_eq!(response(&reply), &json!(-18));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_endpoint_id_picks_the_export_when_no_function_is_named() {
    let b = bundle();
    let ep = b.load("simple_sum", "").await.unwrap();
    assert_eq!(
        response(&post(&ep, json!({"param1": 1, "param2": 2})).await.unwrap()),
        &json!(3)
    );
    let err = b.load("other", "").await.err().unwrap();
    assert_eq!(err.field.as_deref(), Some("function"));
    assert!(
        err.message.contains("simple-sum") && err.message.contains("halve"),
        "{err}"
    );
    let err = b.load("x", "function = \"nope\"").await.err().unwrap();
    assert!(err.message.contains("no exported function 'nope'"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn caller_mistakes_are_400s_naming_the_parameter_and_type() {
    let b = bundle();
    let ep = b
        .load("simple_sum", "function = \"simple-sum\"")
        .await
        .unwrap();
    let e = post(&ep, json!({"param1": 30})).await.unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "InvalidInput"));
    assert!(
        e.message.contains("'param2'") && e.message.contains("s64"),
        "{}",
        e.message
    );
    let e = post(&ep, json!({"param1": 30, "param2": 12, "param3": 1}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    assert!(
        e.message.contains("'param3'") && e.message.contains("unknown parameter"),
        "{}",
        e.message
    );
    let e = post(&ep, json!({"param1": "30", "param2": 12}))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("'param1'") && e.message.contains("expected s64, found \"30\""),
        "{}",
        e.message
    );
    let e = get(&ep, &[("param1", "thirty"), ("param2", "12")])
        .await
        .unwrap_err();
    assert!(
        e.message.contains("'param1'") && e.message.contains("s64"),
        "{}",
        e.message
    );
    let e = get(&ep, &[("param1", "1.5"), ("param2", "12")])
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    let e = get(&ep, &[("param1", "1"), ("param1", "2"), ("param2", "12")])
        .await
        .unwrap_err();
    assert!(e.message.contains("more than once"), "{}", e.message);
    let e = post(&ep, json!({"param1": 1e30, "param2": 1}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_records_options_enums_variants_and_bools_reach_the_guest() {
    let b = bundle();
    let ep = b.load("count", "function = \"count\"").await.unwrap();
    // len 3 + x 5 + green(1)*100 + dot(1)*1000 + true*10000
    let body = json!({"items": [1, 2, 3], "at": {"x": 5, "y": 9}, "tint": "green", "form": "dot", "flag": true});
    assert_eq!(response(&post(&ep, body).await.unwrap()), &json!(11108));
    // `at` is an option: absent is none; a variant with a payload is {"case": payload}.
    let body = json!({"items": [], "tint": "red", "form": {"circle": 2.5}, "flag": false});
    assert_eq!(response(&post(&ep, body).await.unwrap()), &json!(0));
    // From a query string: composite values are written as JSON, bools as true/false.
    let reply = get(
        &ep,
        &[
            ("items", "[4,5]"),
            ("at", ""),
            ("tint", "green"),
            ("form", "\"dot\""),
            ("flag", "true"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(response(&reply), &json!(11102));
    let e = post(
        &ep,
        json!({"items": [1, "x"], "tint": "red", "form": "dot", "flag": true}),
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains("'items[1]'") && e.message.contains("s32"),
        "{}",
        e.message
    );
    let e = post(
        &ep,
        json!({"items": [], "at": {"x": 1}, "tint": "red", "form": "dot", "flag": true}),
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains("'at.y'") && e.message.contains("missing"),
        "{}",
        e.message
    );
    let e = post(
        &ep,
        json!({"items": [], "tint": "blue", "form": "dot", "flag": true}),
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains("'tint'") && e.message.contains("enum { red, green }"),
        "{}",
        e.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_are_converted_back_to_json() {
    let b = bundle();
    let mirror = b.load("mirror", "").await.unwrap();
    assert_eq!(
        response(
            &post(&mirror, json!({"p": {"x": 1, "y": -2}}))
                .await
                .unwrap()
        ),
        &json!({"x": -2, "y": 1})
    );
    let maybe = b.load("maybe", "").await.unwrap();
    assert_eq!(
        response(&get(&maybe, &[("x", "7")]).await.unwrap()),
        &json!(7)
    );
    assert_eq!(
        response(&get(&maybe, &[("x", "0")]).await.unwrap()),
        &json!(null)
    );
    let say = b.load("say", "").await.unwrap();
    // Kebab-case WIT names are also accepted in snake case.
    assert_eq!(
        response(&post(&say, json!({"first_name": "Ada"})).await.unwrap()),
        &json!("Ada")
    );
    assert_eq!(
        response(&get(&say, &[("first-name", "Grace")]).await.unwrap()),
        &json!("Grace")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_answers_its_ok_value_or_a_500_with_the_error() {
    let b = bundle();
    let halve = b.load("halve", "").await.unwrap();
    assert_eq!(
        response(&post(&halve, json!({"x": 5})).await.unwrap()),
        &json!(2.5)
    );
    let e = post(&halve, json!({"x": -1})).await.unwrap_err();
    assert_eq!(
        (e.status, e.error_type.as_ref(), e.message.as_str()),
        (500, "FunctionError", "negative")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pooled_instances_answer_the_same() {
    let b = bundle();
    let ep = b
        .load(
            "simple_sum",
            "isolation = \"pooled\"\npool_size = 2\nmax_calls_per_instance = 3",
        )
        .await
        .unwrap();
    for i in 0..20 {
        let reply = post(&ep, json!({"param1": i, "param2": 1})).await.unwrap();
        assert_eq!(response(&reply), &json!(i + 1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_shows_the_signature() {
    let b = bundle();
    let ep = b.load("simple_sum", "").await.unwrap();
    let d = ep.describe();
    assert_eq!(
        d["function"],
        json!("simple-sum(param1: s64, param2: s64) -> s64")
    );
    assert_eq!(d["parameters"][1], json!({"name": "param2", "type": "s64"}));
    assert_eq!(d["isolation"], json!("per-request"));
}
