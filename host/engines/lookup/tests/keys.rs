//! Key matching across JSON types, composite keys, and the caller's mistakes.

mod common;

use common::{bundle_with_csv, get, load, post};
use plinth_engine_api::Action;
use serde_json::json;

const PEOPLE: &str = "id,country,zip,name,score,active\n\
                      42,FR,75001,Ada,1.25,true\n\
                      7,FR,69001,Bob,-3,false\n\
                      7,DE,10115,Carl,,TRUE\n\
                      ,FR,00000,Nobody,0,false\n";

#[tokio::test]
async fn integer_keys_match_numbers_strings_and_integral_floats() {
    let dir = bundle_with_csv(PEOPLE);
    let endpoint = load(
        dir.path(),
        "dataset = \"data.csv\"\nkeys = [\"id\"]\ncolumns = [\"name\"]",
    )
    .await
    .unwrap();
    for key in [
        json!(42),
        json!("42"),
        json!(42.0),
        json!("42.0"),
        json!(" 42 "),
    ] {
        let answer = post(&endpoint, Action::Lookup, json!({"data": {"id": key}}))
            .await
            .unwrap();
        assert_eq!(
            answer["results"][0]["data"],
            json!({"id": "42", "name": "Ada"}),
            "key {key}"
        );
    }
    for key in [json!(42.5), json!("forty-two"), json!(true), json!([42])] {
        let answer = post(&endpoint, Action::Lookup, json!({"data": {"id": key}}))
            .await
            .unwrap();
        assert_eq!(
            answer["results"][0]["ignoreReason"], "NO_LOOKUP_MATCH",
            "key {key}"
        );
    }
}

#[tokio::test]
async fn string_keys_match_numbers_by_their_text() {
    let dir = bundle_with_csv(PEOPLE);
    // zip is declared a string so its leading zeros are kept.
    let config = "dataset = \"data.csv\"\nkeys = [\"zip\"]\ncolumns = [\"name\"]\ncolumn_types = { zip = \"string\" }";
    let endpoint = load(dir.path(), config).await.unwrap();
    let by_number = post(&endpoint, Action::Lookup, json!({"data": {"zip": 75001}}))
        .await
        .unwrap();
    assert_eq!(
        by_number["results"][0]["data"],
        json!({"zip": "75001", "name": "Ada"})
    );
    let zeros = post(&endpoint, Action::Lookup, json!({"data": {"zip": "00000"}}))
        .await
        .unwrap();
    assert_eq!(zeros["results"][0]["data"]["name"], "Nobody");
}

#[tokio::test]
async fn composite_keys_need_every_component() {
    let dir = bundle_with_csv(PEOPLE);
    let config = "dataset = \"data.csv\"\nkeys = [\"id\", \"country\"]\ncolumns = [\"name\", \"score\", \"active\"]";
    let endpoint = load(dir.path(), config).await.unwrap();
    let de = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"country": "DE", "id": "7"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        de,
        json!({"results": [{"data": {"id": "7", "country": "DE", "name": "Carl", "score": null, "active": true}, "ignored": false}]})
    );
    let fr = get(
        &endpoint,
        Action::LookupSimple,
        &[("country", "FR"), ("id", "7")],
    )
    .await
    .unwrap();
    assert_eq!(fr["results"][0]["data"]["name"], "Bob");
    assert_eq!(fr["results"][0]["data"]["score"], json!(-3));
    assert_eq!(fr["results"][0]["data"]["active"], json!(false));
    let half = post(&endpoint, Action::Lookup, json!({"data": {"id": 7}}))
        .await
        .unwrap();
    assert_eq!(half["results"][0]["ignoreReason"], "MISSING_LOOKUP_KEY");
}

#[tokio::test]
async fn rows_with_a_null_key_are_never_found() {
    let dir = bundle_with_csv(PEOPLE);
    let endpoint = load(dir.path(), "dataset = \"data.csv\"\nkeys = [\"id\"]")
        .await
        .unwrap();
    let answer = post(&endpoint, Action::Lookup, json!({"data": {"id": 0}}))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["ignoreReason"], "NO_LOOKUP_MATCH");
}

#[tokio::test]
async fn an_unknown_key_column_is_a_400_naming_it() {
    let dir = bundle_with_csv(PEOPLE);
    let endpoint = load(dir.path(), "dataset = \"data.csv\"\nkeys = [\"id\"]")
        .await
        .unwrap();
    let e = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"id": 42, "nmae": "Ada"}}),
    )
    .await
    .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "UnknownLookupKey"));
    assert!(
        e.message.contains("'data.nmae'") && e.message.contains("id"),
        "{}",
        e.message
    );

    let e = post(
        &endpoint,
        Action::LookupMulti,
        json!({"items": [{"data": {"id": 1}}, {"data": {"ID": 1}}]}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.message.contains("items[1].data.ID"), "{}", e.message);
}

#[tokio::test]
async fn lookup_simple_needs_one_parameter_per_key() {
    let dir = bundle_with_csv(PEOPLE);
    let config = "dataset = \"data.csv\"\nkeys = [\"id\", \"country\"]";
    let endpoint = load(dir.path(), config).await.unwrap();
    let e = get(&endpoint, Action::LookupSimple, &[("id", "7")])
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.error_type.as_ref()),
        (400, "WrongParameterCount")
    );
    assert!(e.message.contains("missing: country"), "{}", e.message);
    let e = get(
        &endpoint,
        Action::LookupSimple,
        &[("id", "7"), ("country", "FR"), ("x", "1")],
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, 400);
    assert!(e.message.contains("found 3"), "{}", e.message);
    let e = get(
        &endpoint,
        Action::LookupSimple,
        &[("id", "7"), ("land", "FR")],
    )
    .await
    .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "UnknownLookupKey"));
    assert!(e.message.contains("'land'"), "{}", e.message);
    let e = get(&endpoint, Action::LookupSimple, &[("id", "7"), ("id", "8")])
        .await
        .unwrap_err();
    assert!(
        e.message.contains("'id'") && e.message.contains("twice"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn malformed_bodies_are_400s_naming_the_member() {
    let dir = bundle_with_csv(PEOPLE);
    let endpoint = load(dir.path(), "dataset = \"data.csv\"\nkeys = [\"id\"]")
        .await
        .unwrap();
    let cases = [
        (Action::Lookup, json!({}), "'data'"),
        (Action::Lookup, json!({"data": [42]}), "'data'"),
        (Action::LookupMulti, json!({"data": {"id": 1}}), "'items'"),
        (
            Action::LookupMulti,
            json!({"items": {"data": {}}}),
            "'items'",
        ),
        (Action::LookupMulti, json!({"items": [42]}), "'items[0]'"),
        (
            Action::LookupMulti,
            json!({"items": [{"data": {"id": 42}}, {}]}),
            "'items[1].data'",
        ),
    ];
    for (action, body, named) in cases {
        let e = post(&endpoint, action, body.clone()).await.unwrap_err();
        assert_eq!(e.status, 400, "{body}");
        assert!(e.message.contains(named), "{body}: {}", e.message);
    }
    let empty = post(&endpoint, Action::LookupMulti, json!({"items": []}))
        .await
        .unwrap();
    assert_eq!(empty, json!({"results": []}));
}
