//! Restarts: services, generations, routing and keys come back from the data directory; the
//! examples are deployed on the first run only.

mod support;

use serde_json::json;
use support::*;

#[test]
fn a_restart_restores_services_generations_routing_and_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Plinth::start(&data);
    server.deploy(&lookup_bundle(
        &tmp.path().join("b1"),
        "shop",
        false,
        &[(1, "one-v1")],
    ));
    server.deploy(&lookup_bundle(
        &tmp.path().join("b2"),
        "shop",
        false,
        &[(1, "one-v2")],
    ));
    assert_eq!(
        server
            .admin_post("services/shop/actions/switchTo/v1", &json!({}))
            .status,
        200
    );
    assert_eq!(
        server
            .admin_post("services/shop/actions/disable", &json!({}))
            .status,
        200
    );
    assert_eq!(
        server
            .admin_post("services/shop/actions/enable", &json!({}))
            .status,
        200
    );
    let key = server.admin_post("services/shop/keys", &json!({})).json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"data": {"id": 1}}).to_string();
    let call = |s: &Plinth| {
        s.call(
            "POST",
            "/public/api/v1/shop/items/lookup",
            Some(&basic(&key)),
            Some(body.as_bytes()),
            None,
        )
    };
    assert_eq!(generation_of(&call(&server)), "v1");
    server.kill();

    let server = Plinth::start(&data);
    let answer = call(&server);
    assert_eq!(generation_of(&answer), "v1");
    assert_eq!(answer.json()["results"][0]["data"]["label"], "one-v1");
    let generations = server.admin_get("services/shop/generations").json();
    let ids: Vec<&str> = generations["generations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["v1", "v2"]);
    // The next deploy continues the numbering.
    assert_eq!(
        server.deploy(&lookup_bundle(
            &tmp.path().join("b3"),
            "shop",
            false,
            &[(1, "one-v3")]
        ))["generation"],
        "v3"
    );
    assert_eq!(generation_of(&call(&server)), "v3");
}

#[test]
fn examples_are_deployed_on_the_first_run_only() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Plinth::start_with(
        &data,
        Options {
            examples: true,
            ..Default::default()
        },
    );
    let answer = server.post(
        "/public/api/v1/lookup_svc/passenger_info/lookup",
        &json!({"data": {"PassengerId": 42}}),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json()["results"][0]["data"]["Name"],
        "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)"
    );
    assert_eq!(
        server
            .admin_post("services/lookup_svc/actions/disable", &json!({}))
            .status,
        200
    );
    server.kill();
    // Second start: the example is restored as it was (disabled), not redeployed.
    let server = Plinth::start_with(
        &data,
        Options {
            examples: true,
            ..Default::default()
        },
    );
    let generations = server.admin_get("services/lookup_svc/generations").json();
    assert_eq!(generations["generations"].as_array().unwrap().len(), 1);
    assert_eq!(
        server
            .post(
                "/public/api/v1/lookup_svc/passenger_info/lookup",
                &json!({"data": {"PassengerId": 42}})
            )
            .status,
        503
    );
}
