//! The SQL engine on SQLite: the example bundle `examples/sql_svc`, and scratch databases.

mod common;

use common::{INJECTIONS, SEED_QUERY, examples_dir, get, load, post, seed_answer};
use serde_json::json;
use std::path::Path;

fn seed_endpoint_toml() -> String {
    format!(
        "database = \"data/titanic.db\"\nparameters = [\"param1\", \"param2\"]\nquery = '''{SEED_QUERY}'''\n"
    )
}

#[tokio::test]
async fn the_seed_query_answers_in_the_seed_shape_by_get_and_post() {
    let endpoint = load(&examples_dir().join("sql_svc"), &seed_endpoint_toml(), "")
        .await
        .unwrap();
    let by_get = get(&endpoint, &[("param1", "60"), ("param2", "female")])
        .await
        .unwrap();
    assert_eq!(by_get, seed_answer());
    let by_post = post(&endpoint, json!({"param1": 60, "param2": "female"}))
        .await
        .unwrap();
    assert_eq!(by_post, seed_answer());
}

#[tokio::test]
async fn the_example_manifest_loads_as_written() {
    let root = examples_dir().join("sql_svc");
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("plinth.toml")).unwrap()).unwrap();
    let mut config = manifest["endpoint"].as_array().unwrap()[0]
        .as_table()
        .unwrap()
        .clone();
    assert_eq!(config["kind"].as_str(), Some("sql-query"));
    for host_key in [
        "id",
        "kind",
        "description",
        "max_concurrency",
        "queue_timeout_ms",
    ] {
        config.remove(host_key);
    }
    let endpoint = load(&root, &toml::to_string(&config).unwrap(), "")
        .await
        .unwrap();
    assert_eq!(
        get(&endpoint, &[("param1", "60"), ("param2", "female")])
            .await
            .unwrap(),
        seed_answer()
    );
}

#[tokio::test]
async fn injection_attempts_return_only_what_the_bound_query_returns() {
    let endpoint = load(&examples_dir().join("sql_svc"), &seed_endpoint_toml(), "")
        .await
        .unwrap();
    for attack in INJECTIONS {
        // As param2 (text): no passenger has such a sex.
        let answer = get(&endpoint, &[("param1", "0"), ("param2", attack)])
            .await
            .unwrap();
        assert_eq!(answer["results"][0]["rows"], json!([]), "param2 = {attack}");
        // As param1 (compared with a REAL column): a text never matches a number in SQLite.
        match get(&endpoint, &[("param1", attack), ("param2", "female")]).await {
            Ok(answer) => assert_eq!(answer["results"][0]["rows"], json!([]), "param1 = {attack}"),
            Err(e) => assert_eq!(e.status, 400, "param1 = {attack}: {e}"),
        }
    }
    // The table is intact.
    assert_eq!(
        get(&endpoint, &[("param1", "60"), ("param2", "female")])
            .await
            .unwrap(),
        seed_answer()
    );
}

#[tokio::test]
async fn wrong_parameters_are_400s_naming_them() {
    let endpoint = load(&examples_dir().join("sql_svc"), &seed_endpoint_toml(), "")
        .await
        .unwrap();
    let e = get(&endpoint, &[("param1", "60")]).await.unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "MissingParameter"));
    assert!(e.message.contains("'param2'"), "{}", e.message);
    let e = post(&endpoint, json!({})).await.unwrap_err();
    assert!(e.message.contains("'param1', 'param2'"), "{}", e.message);
    let e = get(
        &endpoint,
        &[("param1", "60"), ("param2", "female"), ("param3", "x")],
    )
    .await
    .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "UnknownParameter"));
    assert!(e.message.contains("'param3'"), "{}", e.message);
    let e = post(&endpoint, json!({"param1": [60], "param2": "female"}))
        .await
        .unwrap_err();
    assert!(e.message.contains("'param1'"), "{}", e.message);
}

#[tokio::test]
async fn declared_parameter_types_convert_or_name_the_parameter() {
    let config = format!(
        "{}parameter_types = {{ param1 = \"float\" }}\n",
        seed_endpoint_toml()
    );
    let endpoint = load(&examples_dir().join("sql_svc"), &config, "")
        .await
        .unwrap();
    assert_eq!(
        get(&endpoint, &[("param1", " 60 "), ("param2", "female")])
            .await
            .unwrap(),
        seed_answer()
    );
    let e = get(&endpoint, &[("param1", "sixty"), ("param2", "female")])
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    assert!(
        e.message.contains("'param1'") && e.message.contains("number"),
        "{}",
        e.message
    );
}

fn scratch_db(dir: &Path) {
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, score REAL, flag BOOLEAN, blob BLOB)'); \
             c.executemany('INSERT INTO t VALUES (?,?,?,?,?)', [(i, 'row%d' % i, i / 4, i % 2, None) for i in range(1, 51)]); \
             c.commit()",
        )
        .arg(dir.join("scratch.db"))
        .status()
        .expect("python3 runs");
    assert!(status.success());
}

#[tokio::test]
async fn a_bundled_database_is_read_only_unless_writes_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    scratch_db(dir.path());
    let update = "database = \"scratch.db\"\nquery = \"UPDATE t SET label = ? WHERE id <= 3\"\nparameters = [\"label\"]\n";
    let endpoint = load(dir.path(), update, "").await.unwrap();
    let e = get(&endpoint, &[("label", "x")]).await.unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (403, "ReadOnlyDatabase"));
    assert!(e.message.contains("allow_writes"), "{}", e.message);

    let writable = load(dir.path(), &format!("{update}allow_writes = true\n"), "")
        .await
        .unwrap();
    let answer = get(&writable, &[("label", "changed")]).await.unwrap();
    assert_eq!(
        answer,
        json!({"results": [{"columns": [], "rows": [], "updatedRows": 3}]})
    );
}

#[tokio::test]
async fn scripts_run_in_one_transaction_and_commit_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    scratch_db(dir.path());
    let script = "database = \"scratch.db\"\nallow_writes = true\nparameters = [\"min\"]\nquery = '''\n\
                  UPDATE t SET label = 'seen' WHERE id <= 5;\n\
                  DELETE FROM t WHERE id > 45;\n\
                  SELECT id, label, score, flag FROM t WHERE id >= ? ORDER BY id;\n'''\n";
    let rolled_back = load(dir.path(), script, "").await.unwrap();
    let answer = get(&rolled_back, &[("min", "44")]).await.unwrap();
    assert_eq!(answer["results"][0]["updatedRows"], 10);
    assert_eq!(
        answer["results"][0]["columns"],
        json!([{"name": "id", "type": "int8"}, {"name": "label", "type": "text"}, {"name": "score", "type": "float8"}, {"name": "flag", "type": "bool"}])
    );
    assert_eq!(
        answer["results"][0]["rows"],
        json!([
            ["44", "row44", "11.0", "false"],
            ["45", "row45", "11.25", "true"]
        ])
    );
    // Rolled back: the rows are still there on the next call.
    let again = get(&rolled_back, &[("min", "44")]).await.unwrap();
    assert_eq!(again["results"][0]["rows"], answer["results"][0]["rows"]);
    let select_all = "database = \"scratch.db\"\nquery = \"SELECT count(*) AS n FROM t\"\n";
    let count = load(dir.path(), select_all, "").await.unwrap();
    assert_eq!(
        get(&count, &[]).await.unwrap()["results"][0]["rows"],
        json!([["50"]])
    );

    let committing = load(dir.path(), &format!("{script}commit = true\n"), "")
        .await
        .unwrap();
    get(&committing, &[("min", "1")]).await.unwrap();
    assert_eq!(
        get(&count, &[]).await.unwrap()["results"][0]["rows"],
        json!([["45"]])
    );
    // An expression column takes the type of its values.
    assert_eq!(
        get(&count, &[]).await.unwrap()["results"][0]["columns"],
        json!([{"name": "n", "type": "int8"}])
    );
}

#[tokio::test]
async fn the_row_cap_fails_or_truncates() {
    let dir = tempfile::tempdir().unwrap();
    scratch_db(dir.path());
    let query =
        "database = \"scratch.db\"\nquery = \"SELECT id FROM t ORDER BY id\"\nmax_rows = 10\n";
    let strict = load(dir.path(), query, "").await.unwrap();
    let e = get(&strict, &[]).await.unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "TooManyRows"));
    assert!(e.message.contains("10"), "{}", e.message);
    let lenient = load(
        dir.path(),
        &format!("{query}on_too_many_rows = \"truncate\"\n"),
        "",
    )
    .await
    .unwrap();
    let answer = get(&lenient, &[]).await.unwrap();
    assert_eq!(answer["results"][0]["rows"].as_array().unwrap().len(), 10);
    assert_eq!(answer["results"][0]["truncated"], true);
}

#[tokio::test]
async fn a_query_past_its_time_limit_is_a_504_and_the_endpoint_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    scratch_db(dir.path());
    let slow = "database = \"scratch.db\"\ntimeout_ms = 300\nquery = '''\n\
                WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) FROM c'''\n\
                parameters = [\"n\"]\nparameter_types = { n = \"integer\" }\nmax_connections = 1\n";
    let endpoint = load(dir.path(), slow, "").await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        get(&endpoint, &[("n", "10")])
            .await
            .unwrap_or_else(|e| panic!("before: {e}"))["results"][0]["rows"],
        json!([["10"]])
    );
    let e = get(&endpoint, &[("n", "10000000000")]).await.unwrap_err();
    assert_eq!(e.status, 504, "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // The single pooled connection was interrupted and serves again.
    let answer = get(&endpoint, &[("n", "10")])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer["results"][0]["rows"], json!([["10"]]));
}

#[tokio::test]
async fn a_missing_database_is_a_503_until_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let server = format!(
        "[connections.later]\nurl = \"sqlite://{}?mode=ro\"\nacquire_timeout_ms = 500\n",
        dir.path().join("later.db").display()
    );
    let config = "connection = \"later\"\nquery = \"SELECT count(*) AS n FROM t\"\n";
    let endpoint = load(dir.path(), config, &server).await.unwrap();
    let e = get(&endpoint, &[]).await.unwrap_err();
    assert_eq!(
        (e.status, e.error_type.as_ref()),
        (503, "ServiceUnavailable"),
        "{e}"
    );
    assert_eq!(e.retry_after, Some(1));
    std::fs::rename(
        {
            scratch_db(dir.path());
            dir.path().join("scratch.db")
        },
        dir.path().join("later.db"),
    )
    .unwrap();
    let answer = get(&endpoint, &[]).await.unwrap();
    assert_eq!(answer["results"][0]["rows"], json!([["50"]]));
}

#[tokio::test]
async fn manifest_mistakes_name_their_field() {
    let root = examples_dir().join("sql_svc");
    let cases = [
        ("query = \"SELECT 1\"", "database"),
        ("database = \"data/titanic.db\"", "query"),
        (
            "database = \"data/titanic.db\"\nquery = \"SELECT ? , ?\"\nparameters = [\"a\"]",
            "parameters",
        ),
        (
            "database = \"data/titanic.db\"\nquery = \"SELECT ?\"\nparameters = [\"a\"]\nparameter_types = { b = \"int\" }",
            "parameter_types.b",
        ),
        (
            "database = \"data/titanic.db\"\nquery = \"SELECT ?\"\nparameters = [\"a\"]\nparameter_types = { a = \"date\" }",
            "parameter_types.a",
        ),
        (
            "database = \"data/titanic.db\"\nquery = \"DELETE FROM t WHERE id = ?; SELECT 1\"\nparameters = [\"a\"]",
            "query",
        ),
        (
            "database = \"data/titanic.db\"\nquery = \"SELECT 1\"\ntimeout_ms = 0",
            "timeout_ms",
        ),
        (
            "database = \"data/titanic.db\"\nquery = \"SELECT 1\"\non_too_many_rows = \"drop\"",
            "on_too_many_rows",
        ),
        ("connection = \"nope\"\nquery = \"SELECT 1\"", "connection"),
        ("database = \"../x.db\"\nquery = \"SELECT 1\"", "database"),
    ];
    for (config, field) in cases {
        let e = load(&root, config, "")
            .await
            .err()
            .unwrap_or_else(|| panic!("{config} should not load"));
        assert_eq!(e.field.as_deref(), Some(field), "{config}: {e}");
    }
    let e = load(
        &root,
        "database = \"data/titanic.db\"\nquery = \"SELECT 1\"\nparams = []",
        "",
    )
    .await
    .err()
    .unwrap();
    assert!(e.to_string().contains("params"), "{e}");
}
