//! The reference's lookup examples, answered from the example bundle `examples/lookup_svc`
//! (the Titanic training set), in exactly the reference's shapes.

mod common;

use common::{examples_dir, get, load, post};
use plinth_engine_api::Action;
use serde_json::json;

const PASSENGER_INFO: &str = r#"
dataset = "data/titanic.csv"
keys = ["PassengerId"]
columns = ["Name", "Age", "Fare"]
"#;

#[tokio::test]
async fn lookup_answers_the_reference_example() {
    let endpoint = load(&examples_dir().join("lookup_svc"), PASSENGER_INFO)
        .await
        .unwrap();
    let answer = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 42}}),
    )
    .await
    .unwrap();
    let expected = json!({
        "results": [{
            "data": {
                "PassengerId": "42",
                "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
                "Age": 27,
                "Fare": 21
            },
            "ignored": false
        }]
    });
    assert_eq!(answer, expected);
    // Member order is part of the shape: keys first, then the returned columns as declared.
    let data = answer["results"][0]["data"].as_object().unwrap();
    assert_eq!(
        data.keys().collect::<Vec<_>>(),
        ["PassengerId", "Name", "Age", "Fare"]
    );
    assert_eq!(
        serde_json::to_string(&answer["results"][0]["data"]["Age"]).unwrap(),
        "27"
    );
}

#[tokio::test]
async fn lookup_multi_answers_each_item_in_order() {
    let endpoint = load(&examples_dir().join("lookup_svc"), PASSENGER_INFO)
        .await
        .unwrap();
    let answer = post(
        &endpoint,
        Action::LookupMulti,
        json!({"items": [{"data": {"PassengerId": 42}}, {"data": {"PassengerId": "24"}}]}),
    )
    .await
    .unwrap();
    assert_eq!(
        answer,
        json!({"results": [
            {"data": {"PassengerId": "42", "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)", "Age": 27, "Fare": 21}, "ignored": false},
            {"data": {"PassengerId": "24", "Name": "Sloper, Mr. William Thompson", "Age": 28, "Fare": 35.5}, "ignored": false}
        ]})
    );
}

#[tokio::test]
async fn lookup_simple_takes_the_key_from_the_query_string() {
    let endpoint = load(&examples_dir().join("lookup_svc"), PASSENGER_INFO)
        .await
        .unwrap();
    let by_name = get(&endpoint, Action::LookupSimple, &[("PassengerId", "42")])
        .await
        .unwrap();
    // The reference calls `?id_key=42` on a PassengerId endpoint: one parameter for one key.
    let positional = get(&endpoint, Action::LookupSimple, &[("id_key", "42")])
        .await
        .unwrap();
    assert_eq!(by_name, positional);
    assert_eq!(
        by_name["results"][0]["data"]["Name"],
        "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)"
    );
    assert_eq!(by_name["results"][0]["data"]["PassengerId"], "42");
}

#[tokio::test]
async fn missing_values_come_back_as_null_and_unknown_passengers_are_dropped() {
    let endpoint = load(&examples_dir().join("lookup_svc"), PASSENGER_INFO)
        .await
        .unwrap();
    // Passenger 6 (Moran, Mr. James) has no age in the dataset.
    let answer = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 6}}),
    )
    .await
    .unwrap();
    assert_eq!(answer["results"][0]["data"]["Age"], json!(null));
    assert_eq!(answer["results"][0]["data"]["Name"], "Moran, Mr. James");
    let none = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 100000}}),
    )
    .await
    .unwrap();
    assert_eq!(
        none,
        json!({"results": [{"data": {}, "ignored": true, "ignoreReason": "NO_LOOKUP_MATCH"}]})
    );
}

#[tokio::test]
async fn the_example_manifest_loads_as_written() {
    let root = examples_dir().join("lookup_svc");
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("plinth.toml")).unwrap()).unwrap();
    let endpoint = manifest["endpoint"].as_array().unwrap()[0]
        .as_table()
        .unwrap()
        .clone();
    assert_eq!(endpoint["kind"].as_str(), Some("lookup"));
    let mut config = endpoint.clone();
    for host_key in [
        "id",
        "kind",
        "description",
        "max_concurrency",
        "queue_timeout_ms",
    ] {
        config.remove(host_key);
    }
    let loaded = load(&root, &toml::to_string(&config).unwrap())
        .await
        .unwrap();
    let described = loaded.describe();
    assert_eq!(described["rows"], 891);
    assert_eq!(
        described["keys"],
        json!([{"name": "PassengerId", "type": "integer"}])
    );
    assert_eq!(
        described["columns"],
        json!([{"name": "Name", "type": "string"}, {"name": "Age", "type": "float"}, {"name": "Fare", "type": "float"}])
    );
}
