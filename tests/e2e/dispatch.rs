//! Dispatch among generations: mappings, hash-based keys across processes, forced generations.

mod support;

use serde_json::json;
use support::*;

/// Deploys v1 and v2 of service `shop` (label tells which answered).
fn two_generations(server: &Plinth, tmp: &std::path::Path) {
    server.deploy(&lookup_bundle(
        &tmp.join("b1"),
        "shop",
        true,
        &[(1, "one-v1")],
    ));
    server.deploy(&lookup_bundle(
        &tmp.join("b2"),
        "shop",
        true,
        &[(1, "one-v2")],
    ));
}

fn keyed_lookup(server: &Plinth, key: &str) -> Answer {
    server.post(
        "/public/api/v1/shop/items/lookup",
        &json!({"data": {"id": 1}, "dispatch": {"dispatchKey": key}}),
    )
}

#[test]
fn hash_based_dispatch_sends_a_key_to_the_same_generation_on_two_servers() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Plinth::start(&tmp.path().join("a"));
    let b = Plinth::start(&tmp.path().join("b"));
    let mapping = json!({"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.5}], "strategy": "HASH_BASED"});
    for server in [&a, &b] {
        two_generations(server, tmp.path());
        let set = server.admin_post("services/shop/actions/setMapping", &mapping);
        assert_eq!(set.status, 200, "{}", set.text);
    }
    let mut counts = [0usize; 2];
    for i in 0..200 {
        let key = format!("customer-{i}");
        let on_a = generation_of(&keyed_lookup(&a, &key));
        assert_eq!(
            on_a,
            generation_of(&keyed_lookup(&a, &key)),
            "same key, same server, different generation"
        );
        assert_eq!(
            on_a,
            generation_of(&keyed_lookup(&b, &key)),
            "key {key}: the two servers disagree"
        );
        counts[usize::from(on_a == "v2")] += 1;
    }
    assert!(
        counts[0] > 60 && counts[1] > 60,
        "a 50/50 mapping split 200 keys as {counts:?}"
    );
    // A restart keeps both the mapping and the key's generation.
    let before = generation_of(&keyed_lookup(&a, "customer-7"));
    let dir = a.data_dir.clone();
    a.kill();
    let a = Plinth::start(&dir);
    assert_eq!(generation_of(&keyed_lookup(&a, "customer-7")), before);
    assert_eq!(
        a.admin_get("services/shop/mapping").json(),
        json!({"strategy": "HASH_BASED", "entries": mapping["entries"]})
    );

    let missing = a.post(
        "/public/api/v1/shop/items/lookup",
        &json!({"data": {"id": 1}}),
    );
    assert_eq!(
        (missing.status, missing.error_type().as_str()),
        (400, "MissingDispatchKey")
    );
}

#[test]
fn random_mapping_splits_traffic_and_forced_generation_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    two_generations(&server, tmp.path());
    let set = server.admin_post(
        "services/shop/actions/setMapping",
        &json!({"entries": [{"generation": "v1", "proba": 0.3}, {"generation": "v2", "proba": 0.7}]}),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    let mut v1 = 0;
    for _ in 0..300 {
        if generation_of(&server.lookup("shop", 1)) == "v1" {
            v1 += 1;
        }
    }
    assert!(
        (50..130).contains(&v1),
        "v1 answered {v1} of 300 calls for a 30% share"
    );
    for _ in 0..20 {
        let forced = server.post(
            "/public/api/v1/shop/items/lookup",
            &json!({"data": {"id": 1}, "dispatch": {"forcedGeneration": "v1", "dispatchKey": "k"}}),
        );
        assert_eq!(generation_of(&forced), "v1");
        assert_eq!(forced.json()["results"][0]["data"]["label"], "one-v1");
    }
    let unknown = server.post(
        "/public/api/v1/shop/items/lookup",
        &json!({"data": {"id": 1}, "dispatch": {"forcedGeneration": "v9"}}),
    );
    assert_eq!(
        (unknown.status, unknown.error_type().as_str()),
        (404, "UnknownGeneration")
    );
}

#[test]
fn invalid_mappings_are_refused_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    two_generations(&server, tmp.path());
    for (mapping, expected) in [
        (
            json!({"entries": [{"generation": "v1", "proba": 0.5}, {"generation": "v2", "proba": 0.6}]}),
            "add up to",
        ),
        (json!({"entries": []}), "at least one entry"),
        (
            json!({"entries": [{"generation": "v7", "proba": 1.0}]}),
            "no generation \\\"v7\\\"",
        ),
        (
            json!({"entries": [{"generation": "v1", "proba": 1.0}], "strategy": "ROUND_ROBIN"}),
            "unknown variant",
        ),
    ] {
        let answer = server.admin_post("services/shop/actions/setMapping", &mapping);
        assert!(
            matches!(answer.status, 400 | 404),
            "{mapping}: {}",
            answer.text
        );
        assert!(answer.text.contains(expected), "{mapping}: {}", answer.text);
        assert_eq!(generation_of(&server.lookup("shop", 1)), "v2");
    }
}
