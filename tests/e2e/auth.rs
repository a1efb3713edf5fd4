//! Authentication: public services, service keys (Basic and Bearer), admin keys.

mod support;

use serde_json::json;
use support::*;

#[test]
fn service_keys_admin_keys_and_public_services() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    server.deploy(&lookup_bundle(
        &tmp.path().join("a"),
        "private_a",
        false,
        &[(1, "a")],
    ));
    server.deploy(&lookup_bundle(
        &tmp.path().join("b"),
        "private_b",
        false,
        &[(1, "b")],
    ));
    server.deploy(&lookup_bundle(
        &tmp.path().join("p"),
        "open",
        true,
        &[(1, "p")],
    ));
    let key_a = server
        .admin_post("services/private_a/keys", &json!({"label": "app"}))
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_b = server
        .admin_post("services/private_b/keys", &json!({}))
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"data": {"id": 1}}).to_string();
    let call = |service: &str, authorization: Option<&str>| {
        server.call(
            "POST",
            &format!("/public/api/v1/{service}/items/lookup"),
            authorization,
            Some(body.as_bytes()),
            None,
        )
    };

    let no_key = call("private_a", None);
    assert_eq!(
        (no_key.status, no_key.error_type().as_str()),
        (401, "Unauthorized")
    );
    assert_eq!(
        no_key.headers.get("www-authenticate").unwrap(),
        "Basic realm=\"plinth\""
    );
    assert_eq!(call("private_a", Some(&basic(&key_a))).status, 200);
    assert_eq!(
        call("private_a", Some(&format!("Bearer {key_a}"))).status,
        200
    );
    let wrong_service = call("private_a", Some(&basic(&key_b)));
    assert_eq!(
        (wrong_service.status, wrong_service.error_type().as_str()),
        (403, "Forbidden")
    );
    assert!(
        wrong_service
            .text
            .contains("belongs to service \\\"private_b\\\""),
        "{}",
        wrong_service.text
    );
    assert_eq!(call("private_a", Some(&basic("not-a-key"))).status, 401);
    assert_eq!(
        call("private_a", Some(&basic(ADMIN_KEY))).status,
        403,
        "admin keys do not call user endpoints"
    );
    assert_eq!(call("open", None).status, 200);
    assert_eq!(call("open", Some(&basic(&key_b))).status, 200);

    // Admin routes need an admin key.
    assert_eq!(
        server
            .call("GET", "/admin/api/services", None, None, None)
            .status,
        401
    );
    assert_eq!(
        server
            .call(
                "GET",
                "/admin/api/services",
                Some(&basic(&key_a)),
                None,
                None
            )
            .status,
        403
    );
    assert_eq!(
        server
            .call(
                "GET",
                "/admin/api/services",
                Some(&basic("nope")),
                None,
                None
            )
            .status,
        401
    );
    assert_eq!(
        server
            .call(
                "GET",
                "/admin/api/services",
                Some(&format!("Bearer {ADMIN_KEY}")),
                None,
                None
            )
            .status,
        200
    );

    // Keys are stored hashed: the secret appears nowhere in the state database.
    let db = std::fs::read(server.data_dir.join("state.db")).unwrap();
    let wal = std::fs::read(server.data_dir.join("state.db-wal")).unwrap_or_default();
    for secret in [&key_a, &key_b, &ADMIN_KEY.to_owned()] {
        let needle = secret.as_bytes();
        assert!(
            !db.windows(needle.len()).any(|w| w == needle)
                && !wal.windows(needle.len()).any(|w| w == needle)
        );
    }

    // Deleting a key revokes it at once; listing never shows secrets.
    let listed = server.admin_get("services/private_a/keys").json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("key").is_none());
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        server
            .admin_delete(&format!("services/private_a/keys/{id}"))
            .status,
        200
    );
    assert_eq!(call("private_a", Some(&basic(&key_a))).status, 401);
}

#[test]
fn admin_keys_can_be_added_and_deleted_by_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    let created = server
        .admin_post(
            "keys",
            &json!({"label": "ci", "description": "d", "createdBy": "me", "expiry": null}),
        )
        .json();
    let secret = created["key"].as_str().unwrap().to_owned();
    assert_eq!(
        server
            .call(
                "GET",
                "/admin/api/services",
                Some(&basic(&secret)),
                None,
                None
            )
            .status,
        200
    );
    assert!(server.admin_get("keys").text.contains("\"label\":\"ci\""));
    assert!(!server.admin_get("keys").text.contains(&secret));
    assert_eq!(server.admin_delete(&format!("keys/{secret}")).status, 200);
    assert_eq!(
        server
            .call(
                "GET",
                "/admin/api/services",
                Some(&basic(&secret)),
                None,
                None
            )
            .status,
        401
    );
    assert_eq!(server.admin_delete("keys/unknown").status, 404);
}

#[test]
fn a_fresh_install_without_a_configured_key_prints_one_admin_key_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let run = |expect_key: bool| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plinth"))
            .args([
                "serve",
                "--no-examples",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(&data)
            .env_remove("PLINTH_ADMIN_KEY")
            .env("PLINTH_LOG", "error")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The key is printed before the server listens: wait for the listening line.
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        assert!(
            lines.any(|l| l.is_ok_and(|l| l.starts_with("plinth listening on"))),
            "server did not start"
        );
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            stderr.contains("Admin API key for this new install"),
            expect_key,
            "{stderr}"
        );
        stderr
    };
    let first = run(true);
    let key = first
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 32 && l.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap()
        .to_owned();
    run(false);
    // The printed key works.
    let server = Plinth::start_with(
        &data,
        Options {
            env: vec![("PLINTH_ADMIN_KEY".into(), String::new())],
            ..Default::default()
        },
    );
    assert_eq!(
        server
            .call("GET", "/admin/api/services", Some(&basic(&key)), None, None)
            .status,
        200
    );
}
