//! Multiple matches, no match and missing keys under each policy.

mod common;

use common::{bundle_with_csv, get, load, post};
use plinth_engine_api::Action;
use serde_json::json;

const DUPLICATES: &str = "code,label,weight\nA,first,1.5\nB,only,2\nA,second,3\n";

async fn endpoint_with(
    policy_lines: &str,
) -> (
    tempfile::TempDir,
    std::sync::Arc<dyn plinth_engine_api::Endpoint>,
) {
    let dir = bundle_with_csv(DUPLICATES);
    let config = format!("dataset = \"data.csv\"\nkeys = [\"code\"]\n{policy_lines}");
    let endpoint = load(dir.path(), &config).await.unwrap();
    (dir, endpoint)
}

#[tokio::test]
async fn keep_first_returns_the_first_row_of_the_file() {
    let (_dir, endpoint) = endpoint_with("on_multiple_matches = \"KEEP_FIRST\"").await;
    let answer = post(&endpoint, Action::Lookup, json!({"data": {"code": "A"}}))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"results": [{"data": {"code": "A", "label": "first", "weight": 1.5}, "ignored": false}]})
    );
}

#[tokio::test]
async fn keep_first_is_the_default() {
    let (_dir, endpoint) = endpoint_with("").await;
    let answer = post(&endpoint, Action::Lookup, json!({"data": {"code": "A"}}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["data"]["label"], "first");
}

#[tokio::test]
async fn drop_row_answers_an_empty_payload_with_the_reason() {
    let (_dir, endpoint) = endpoint_with("on_multiple_matches = \"DROP_ROW\"").await;
    let answer = post(
        &endpoint,
        Action::LookupMulti,
        json!({"items": [{"data": {"code": "A"}}, {"data": {"code": "B"}}]}),
    )
    .await
    .unwrap();
    assert_eq!(
        answer,
        json!({"results": [
            {"data": {}, "ignored": true, "ignoreReason": "MULTIPLE_LOOKUP_MATCHES"},
            {"data": {"code": "B", "label": "only", "weight": 2}, "ignored": false}
        ]})
    );
}

#[tokio::test]
async fn error_policy_fails_the_call_naming_the_key() {
    let (_dir, endpoint) = endpoint_with("on_multiple_matches = \"ERROR\"").await;
    let error = post(&endpoint, Action::Lookup, json!({"data": {"code": "A"}}))
        .await
        .unwrap_err();
    assert_eq!(error.status, 409);
    assert_eq!(error.error_type, "MultipleLookupMatches");
    assert!(error.message.contains("code=A"), "{}", error.message);
    // A unique key still answers.
    let ok = post(&endpoint, Action::Lookup, json!({"data": {"code": "B"}}))
        .await
        .unwrap();
    assert_eq!(ok["results"][0]["ignored"], false);
}

#[tokio::test]
async fn no_match_policies() {
    let (_dir, drop) = endpoint_with("").await;
    let dropped = post(&drop, Action::Lookup, json!({"data": {"code": "Z"}}))
        .await
        .unwrap();
    assert_eq!(
        dropped,
        json!({"results": [{"data": {}, "ignored": true, "ignoreReason": "NO_LOOKUP_MATCH"}]})
    );

    let (_dir, ignore) = endpoint_with("on_no_match = \"IGNORE\"").await;
    let nulls = post(&ignore, Action::Lookup, json!({"data": {"code": "Z"}}))
        .await
        .unwrap();
    assert_eq!(
        nulls,
        json!({"results": [{"data": {"code": "Z", "label": null, "weight": null}, "ignored": false}]})
    );

    let (_dir, error) = endpoint_with("on_no_match = \"ERROR\"").await;
    let e = post(&error, Action::Lookup, json!({"data": {"code": "Z"}}))
        .await
        .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (404, "NoLookupMatch"));
    assert!(e.message.contains("code=Z"), "{}", e.message);
}

#[tokio::test]
async fn missing_key_policies() {
    let (_dir, drop) = endpoint_with("").await;
    for data in [json!({}), json!({"code": null}), json!({"code": ""})] {
        let dropped = post(&drop, Action::Lookup, json!({ "data": data }))
            .await
            .unwrap();
        assert_eq!(
            dropped,
            json!({"results": [{"data": {}, "ignored": true, "ignoreReason": "MISSING_LOOKUP_KEY"}]})
        );
    }
    let simple = get(&drop, Action::LookupSimple, &[("code", "")])
        .await
        .unwrap();
    assert_eq!(simple["results"][0]["ignoreReason"], "MISSING_LOOKUP_KEY");

    let (_dir, ignore) = endpoint_with("on_missing_key = \"IGNORE\"").await;
    let nulls = post(&ignore, Action::Lookup, json!({"data": {}}))
        .await
        .unwrap();
    assert_eq!(
        nulls,
        json!({"results": [{"data": {"code": null, "label": null, "weight": null}, "ignored": false}]})
    );

    let (_dir, error) = endpoint_with("on_missing_key = \"ERROR\"").await;
    let e = post(&error, Action::Lookup, json!({"data": {}}))
        .await
        .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "MissingLookupKey"));
    assert!(e.message.contains("'code'"), "{}", e.message);
}

#[tokio::test]
async fn one_failing_item_fails_a_multi_call_under_error() {
    let (_dir, endpoint) = endpoint_with("on_no_match = \"ERROR\"").await;
    let e = post(
        &endpoint,
        Action::LookupMulti,
        json!({"items": [{"data": {"code": "B"}}, {"data": {"code": "nope"}}]}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, 404);
    assert!(e.message.contains("code=nope"));
}
