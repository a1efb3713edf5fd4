//! The `plinth` command line against a running server: deploy, services, switch, keys.

mod support;

use support::*;

/// Runs `plinth ARGS --server BASE --admin-key KEY`; returns (success, stdout, stderr).
fn plinth(server: &Plinth, key: &str, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_plinth"))
        .args(args)
        .args(["--server", &server.base, "--admin-key", key])
        .env_remove("PLINTH_ADMIN_KEY")
        .output()
        .expect("run plinth");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn deploy_switch_services_and_keys_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    let v1 = lookup_bundle(&tmp.path().join("b1"), "shop", false, &[(1, "one-v1")]);
    let v2 = lookup_bundle(&tmp.path().join("b2"), "shop", false, &[(1, "one-v2")]);

    let (ok, out, err) = plinth(&server, ADMIN_KEY, &["deploy", v1.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        out.contains("deployed shop generation v1 (1 endpoint(s)"),
        "{out}"
    );
    assert!(out.contains("now serving"), "{out}");

    // An archive, not activated.
    let archive = tmp.path().join("v2.tar.gz");
    std::fs::write(&archive, tar_gz_dir(&v2)).unwrap();
    let (ok, out, err) = plinth(
        &server,
        ADMIN_KEY,
        &[
            "deploy",
            archive.to_str().unwrap(),
            "--no-activate",
            "--generation",
            "canary",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("deployed shop generation canary") && out.contains("not activated"),
        "{out}"
    );

    let (ok, out, _) = plinth(
        &server,
        ADMIN_KEY,
        &["keys", "add", "--service", "shop", "--label", "app"],
    );
    assert!(ok);
    let key = out.trim().to_owned();
    assert_eq!(key.len(), 32, "{out}");
    let call = || {
        server.call(
            "POST",
            "/public/api/v1/shop/items/lookup",
            Some(&basic(&key)),
            Some(br#"{"data":{"id":1}}"#),
            None,
        )
    };
    assert_eq!(generation_of(&call()), "v1");

    let (ok, out, err) = plinth(&server, ADMIN_KEY, &["switch", "shop", "canary"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "shop now serves generation canary");
    assert_eq!(generation_of(&call()), "canary");
    let (ok, out, _) = plinth(&server, ADMIN_KEY, &["switch", "shop", "--newest"]);
    assert!(ok && out.contains("canary"), "{out}");

    let (ok, out, _) = plinth(&server, ADMIN_KEY, &["services"]);
    assert!(ok);
    let line = out
        .lines()
        .find(|l| l.starts_with("shop "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("canary:1.0") && line.contains("v1 canary"),
        "{line}"
    );

    let (ok, out, _) = plinth(&server, ADMIN_KEY, &["keys", "list", "--service", "shop"]);
    assert!(ok && out.contains("app") && !out.contains(&key), "{out}");
    let (ok, _, err) = plinth(
        &server,
        ADMIN_KEY,
        &["keys", "delete", "--service", "shop", &key],
    );
    assert!(ok, "{err}");
    assert_eq!(call().status, 401);

    // Errors are one readable line and a failing exit code.
    let (ok, _, err) = plinth(&server, "wrong-key", &["services"]);
    assert!(!ok);
    assert!(err.contains("Unauthorized (401)"), "{err}");
    let (ok, _, err) = plinth(&server, ADMIN_KEY, &["switch", "shop", "v9"]);
    assert!(!ok && err.contains("UnknownGeneration (404)"), "{err}");
    let (ok, _, err) = plinth(
        &server,
        ADMIN_KEY,
        &["deploy", tmp.path().join("nothing").to_str().unwrap()],
    );
    assert!(
        !ok && err.contains("neither a bundle directory nor an archive"),
        "{err}"
    );
}
