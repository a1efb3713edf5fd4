//! Deploying generations, switching under load, and refusing broken bundles without touching
//! what serves.

mod support;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use support::*;

#[test]
fn switching_generations_under_a_loop_of_requests_fails_none() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Arc::new(Plinth::start(&tmp.path().join("data")));
    let v1 = lookup_bundle(&tmp.path().join("b1"), "shop", true, &[(1, "one-v1")]);
    let v2 = lookup_bundle(&tmp.path().join("b2"), "shop", true, &[(1, "one-v2")]);
    assert_eq!(server.deploy(&v1)["generation"], "v1");
    let outcome = server.upload(&tar_gz_dir(&v2), "activate=false");
    assert_eq!(outcome.status, 200, "{}", outcome.text);
    assert_eq!(outcome.json()["generation"], "v2");
    assert_eq!(
        generation_of(&server.lookup("shop", 1)),
        "v1",
        "an import without activate must not switch"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let seen_v2 = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (server, stop, ok, seen_v2, failures) = (
                server.clone(),
                stop.clone(),
                ok.clone(),
                seen_v2.clone(),
                failures.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    // The data must come from the generation the envelope names: no mixing.
                    match consistent_generation(&server.lookup("shop", 1)) {
                        Ok(generation) if generation == "v2" => {
                            seen_v2.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(failure) => {
                            failures.lock().unwrap().push(failure);
                            continue;
                        }
                    }
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for round in 0..10 {
        let target = if round % 2 == 0 { "v2" } else { "v1" };
        let answer = server.admin_post(
            &format!("services/shop/actions/switchTo/{target}"),
            &json!({}),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    assert_eq!(
        server
            .admin_post("services/shop/actions/switchToNewest", &json!({}))
            .json()["generation"],
        "v2"
    );
    std::thread::sleep(std::time::Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed requests, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert!(
        ok.load(Ordering::Relaxed) > 20,
        "the loop ran only {} requests",
        ok.load(Ordering::Relaxed)
    );
    assert!(seen_v2.load(Ordering::Relaxed) > 0);
    assert_eq!(generation_of(&server.lookup("shop", 1)), "v2");
}

/// Deploys each broken bundle and checks the error, then that v1 still serves and no
/// generation was added.
#[test]
fn broken_bundles_are_refused_and_the_old_generation_keeps_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    server.deploy(&lookup_bundle(
        &tmp.path().join("good"),
        "shop",
        true,
        &[(1, "one-v1")],
    ));

    let bad_manifest = lookup_bundle(&tmp.path().join("bad-manifest"), "shop", true, &[(1, "x")]);
    std::fs::write(
        bad_manifest.join("plinth.toml"),
        "[service]\nid = \"shop\"\n\n[[endpoint]]\nid = \"items\"\nkind = \"lookups\"\n",
    )
    .unwrap();

    let missing_artifact = lookup_bundle(&tmp.path().join("missing"), "shop", true, &[(1, "x")]);
    std::fs::remove_file(missing_artifact.join("data/items.csv")).unwrap();

    let bad_engine_field = lookup_bundle(&tmp.path().join("bad-field"), "shop", true, &[(1, "x")]);
    let manifest = std::fs::read_to_string(bad_engine_field.join("plinth.toml"))
        .unwrap()
        .replace("keys = [\"id\"]", "keys = [\"no_such_column\"]");
    std::fs::write(bad_engine_field.join("plinth.toml"), manifest).unwrap();

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown kind",
            tar_gz_dir(&bad_manifest),
            "plinth.toml: endpoint[0] \"items\".kind: unknown kind \"lookups\"",
        ),
        (
            "missing artifact",
            tar_gz_dir(&missing_artifact),
            "plinth.toml: endpoint[0] \"items\".dataset: file 'data/items.csv' not found in the bundle",
        ),
        (
            "engine field",
            tar_gz_dir(&bad_engine_field),
            "plinth.toml: endpoint[0] \"items\".keys",
        ),
        (
            "path traversal",
            raw_tar_gz(&[
                ("plinth.toml", b"[service]\nid='shop'\n"),
                ("../../escaped.txt", b"gotcha"),
            ]),
            "archive entry '../../escaped.txt' rejected",
        ),
        (
            "absolute path",
            raw_tar_gz(&[("/tmp/plinth-e2e-absolute.txt", b"x")]),
            "absolute paths are not allowed",
        ),
        (
            "not an archive",
            b"just some text".to_vec(),
            "not a readable bundle archive",
        ),
        (
            "no manifest",
            raw_tar_gz(&[("data/items.csv", b"id,label\n")]),
            "plinth.toml: not found at the root of the bundle",
        ),
    ];
    for (name, archive, expected) in cases {
        let answer = server.upload(&archive, "activate=true");
        assert_eq!(answer.status, 400, "{name}: {}", answer.text);
        assert_eq!(answer.error_type(), "BadBundle", "{name}");
        let message = answer.json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains(expected),
            "{name}: expected «{expected}» in «{message}»"
        );
        assert_eq!(
            generation_of(&server.lookup("shop", 1)),
            "v1",
            "{name}: the old generation must keep serving"
        );
    }
    assert!(
        !tmp.path().join("escaped.txt").exists()
            && !std::path::Path::new("/tmp/plinth-e2e-absolute.txt").exists()
    );
    let generations = server.admin_get("services/shop/generations").json();
    assert_eq!(
        generations["generations"].as_array().unwrap().len(),
        1,
        "{generations}"
    );
    // Nothing left behind in the data directory by the failed deploys.
    let bundles: Vec<_> = std::fs::read_dir(server.data_dir.join("bundles/shop"))
        .unwrap()
        .collect();
    assert_eq!(bundles.len(), 1);
}

#[test]
fn a_bundle_for_another_service_or_a_taken_generation_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    let bundle = lookup_bundle(&tmp.path().join("b"), "shop", true, &[(1, "x")]);
    server.deploy(&bundle);
    let into_other = server.call(
        "POST",
        "/admin/api/services/other/generations/actions/upload?createService=true",
        Some(&basic(ADMIN_KEY)),
        Some(&tar_gz_dir(&bundle)),
        None,
    );
    assert_eq!(into_other.status, 400, "{}", into_other.text);
    assert!(
        into_other
            .text
            .contains("for service \\\"shop\\\" but it was sent to service \\\"other\\\""),
        "{}",
        into_other.text
    );
    assert_eq!(
        server.upload(&tar_gz_dir(&bundle), "generation=v1").status,
        409
    );
    let named = server.upload(&tar_gz_dir(&bundle), "generation=canary-2&activate=true");
    assert_eq!(named.json()["generation"], "canary-2");
    assert_eq!(generation_of(&server.lookup("shop", 1)), "canary-2");
    assert_eq!(
        server
            .upload(&tar_gz_dir(&bundle), "generation=../x")
            .status,
        400
    );
}

#[test]
fn import_from_a_server_path_and_preload() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    assert_eq!(
        server
            .admin_post("services/", &json!({"serviceId": "shop"}))
            .status,
        200
    );
    assert_eq!(
        server
            .admin_post("services", &json!({"serviceId": "shop"}))
            .status,
        409
    );
    let archive = tmp.path().join("shop.tar.gz");
    std::fs::write(
        &archive,
        tar_gz_dir(&lookup_bundle(
            &tmp.path().join("b"),
            "shop",
            true,
            &[(1, "one-v1")],
        )),
    )
    .unwrap();
    let path = format!(
        "services/shop/generations/actions/importFromArchive?filePath={}",
        archive.display()
    );
    assert_eq!(server.admin_post(&path, &json!({})).status, 200);
    let no_routing = server.lookup("shop", 1);
    assert_eq!(
        (no_routing.status, no_routing.error_type().as_str()),
        (503, "NoActiveGeneration")
    );
    assert_eq!(
        server.admin_post(&path, &json!({})).json()["generation"],
        "v2"
    );
    assert_eq!(
        server
            .admin_post("services/shop/generations/v1/preload", &json!({}))
            .status,
        200
    );
    assert_eq!(
        server
            .admin_post("services/shop/generations/v9/preload", &json!({}))
            .status,
        404
    );
    assert_eq!(
        server
            .admin_post("services/shop/actions/switchTo/v1", &json!({}))
            .status,
        200
    );
    assert_eq!(generation_of(&server.lookup("shop", 1)), "v1");
    let missing = server.admin_post(
        "services/shop/generations/actions/importFromArchive?filePath=/nonexistent.tar.gz",
        &json!({}),
    );
    assert_eq!(missing.status, 404);
    let relative = server.admin_post(
        "services/shop/generations/actions/importFromArchive?filePath=x.tar.gz",
        &json!({}),
    );
    assert_eq!(relative.status, 400);
    // Clean-up deletes the unused generation v2 only.
    let cleaned = server.admin_delete("services-clean-unused").json();
    assert_eq!(
        cleaned["deletedGenerations"],
        json!([{"serviceId": "shop", "generation": "v2"}])
    );
    assert_eq!(generation_of(&server.lookup("shop", 1)), "v1");
    // Describing the service shows the active generation's endpoints with their actions.
    let described = server.admin_get("services/shop").json();
    assert_eq!(described["endpoints"][0]["id"], "items");
    assert_eq!(described["endpoints"][0]["kind"], "lookup");
    assert_eq!(
        described["endpoints"][0]["actions"],
        json!(["lookup", "lookup-multi", "lookup-simple"])
    );
    assert_eq!(server.admin_delete("services/shop").status, 200);
    assert_eq!(server.lookup("shop", 1).status, 404);
}
