//! The SQL engine on a real PostgreSQL server (`PLINTH_TEST_PG_URL`, set by
//! `scripts/start-databases.sh`; these tests print `SKIPPED` without it).

mod common;

use common::{INJECTIONS, SEED_QUERY, env_or_skip, get, load, post, seed_answer};
use serde_json::json;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

const SERVER: &str =
    "[connections.pg]\nurl_env = \"PLINTH_TEST_PG_URL\"\nacquire_timeout_ms = 1000\n";

fn seed_toml() -> String {
    format!(
        "connection = \"pg\"\nparameters = [\"param1\", \"param2\"]\nquery = '''{SEED_QUERY}'''\n"
    )
}

#[tokio::test]
async fn the_seed_query_answers_in_the_seed_shape() {
    if env_or_skip("PLINTH_TEST_PG_URL", "postgres seed shape").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(dir.path(), &seed_toml(), SERVER).await.unwrap();
    // GET sends "60" as text; PostgreSQL compares it with a float8 column only once converted.
    assert_eq!(
        get(&endpoint, &[("param1", "60"), ("param2", "female")])
            .await
            .unwrap(),
        seed_answer()
    );
    assert_eq!(
        post(&endpoint, json!({"param1": 60, "param2": "female"}))
            .await
            .unwrap(),
        seed_answer()
    );
    assert_eq!(
        post(&endpoint, json!({"param1": "60", "param2": "female"}))
            .await
            .unwrap(),
        seed_answer()
    );
}

#[tokio::test]
async fn injection_attempts_return_only_what_the_bound_query_returns() {
    if env_or_skip("PLINTH_TEST_PG_URL", "postgres injection").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(dir.path(), &seed_toml(), SERVER).await.unwrap();
    for attack in INJECTIONS {
        let answer = get(&endpoint, &[("param1", "0"), ("param2", attack)])
            .await
            .unwrap();
        assert_eq!(answer["results"][0]["rows"], json!([]), "param2 = {attack}");
        let e = get(&endpoint, &[("param1", attack), ("param2", "female")])
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "param1 = {attack}: {e}");
        assert!(e.message.contains("'param1'"), "{e}");
    }
    assert_eq!(
        get(&endpoint, &[("param1", "60"), ("param2", "female")])
            .await
            .unwrap(),
        seed_answer()
    );
}

#[tokio::test]
async fn wrong_parameter_count_is_a_400_naming_what_is_missing() {
    if env_or_skip("PLINTH_TEST_PG_URL", "postgres parameters").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(dir.path(), &seed_toml(), SERVER).await.unwrap();
    let e = get(&endpoint, &[("param2", "female")]).await.unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "MissingParameter"));
    assert!(e.message.contains("'param1'"), "{e}");
}

#[tokio::test]
async fn a_query_past_its_time_limit_is_a_504() {
    if env_or_skip("PLINTH_TEST_PG_URL", "postgres timeout").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = "connection = \"pg\"\ntimeout_ms = 300\nquery = \"SELECT pg_sleep(?) AS slept\"\nparameters = [\"s\"]\n";
    let endpoint = load(dir.path(), config, SERVER).await.unwrap();
    let started = std::time::Instant::now();
    let e = get(&endpoint, &[("s", "5")]).await.unwrap_err();
    assert_eq!(e.status, 504, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let ok = get(&endpoint, &[("s", "0")]).await.unwrap();
    assert_eq!(
        ok["results"][0]["columns"],
        json!([{"name": "slept", "type": "void"}])
    );
}

#[tokio::test]
async fn types_are_named_as_postgres_names_them() {
    if env_or_skip("PLINTH_TEST_PG_URL", "postgres types").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = "connection = \"pg\"\nquery = '''SELECT CAST(? AS numeric) * 2 AS n, true AS b, DATE '2024-02-29' AS d, NULL::text AS nothing'''\nparameters = [\"x\"]\n";
    let endpoint = load(dir.path(), config, SERVER).await.unwrap();
    let answer = get(&endpoint, &[("x", "1.25")]).await.unwrap();
    assert_eq!(
        answer["results"][0]["columns"],
        json!([{"name": "n", "type": "numeric"}, {"name": "b", "type": "bool"}, {"name": "d", "type": "date"}, {"name": "nothing", "type": "text"}])
    );
    assert_eq!(
        answer["results"][0]["rows"],
        json!([["2.50", "true", "2024-02-29", null]])
    );
    let e = get(&endpoint, &[("x", "abc")]).await.unwrap_err();
    assert_eq!(e.status, 400, "{e}");
}

/// Forwards one port to the database, so the test can take the database away and back.
async fn forward(listener: TcpListener, target: String) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        let target = target.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[tokio::test]
async fn database_down_is_a_503_and_calls_recover_when_it_returns() {
    let Some(url) = env_or_skip("PLINTH_TEST_PG_URL", "postgres down and back") else {
        return;
    };
    let (prefix, rest) = url.split_once('@').expect("URL with user@host");
    let (host_port, db) = rest.split_once('/').expect("URL with /database");
    // A port where nothing listens: the database is "down".
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxied = format!("{prefix}@127.0.0.1:{port}/{db}");
    let server = format!("[connections.flaky]\nurl = \"{proxied}\"\nacquire_timeout_ms = 1000\n");
    let config = seed_toml().replace("connection = \"pg\"", "connection = \"flaky\"");
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(dir.path(), &config, &server)
        .await
        .expect("a deploy succeeds while the database is down");
    let e = get(&endpoint, &[("param1", "60"), ("param2", "female")])
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.error_type.as_ref()),
        (503, "ServiceUnavailable"),
        "{e}"
    );
    assert!(e.message.contains("unavailable"), "{e}");
    // The database comes back.
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let proxy = tokio::spawn(forward(listener, host_port.to_owned()));
    let mut last = None;
    for _ in 0..20 {
        match get(&endpoint, &[("param1", "60"), ("param2", "female")]).await {
            Ok(answer) => {
                assert_eq!(answer, seed_answer());
                last = None;
                break;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(last.is_none(), "no recovery: {last:?}");
    proxy.abort();
}

#[tokio::test]
async fn the_target_statement_sees_what_earlier_statements_of_its_transaction_made() {
    if env_or_skip("PLINTH_TEST_PG_URL", "postgres script").is_none() {
        return;
    }
    // The target's parameter types are worked out inside the transaction, after the
    // statements before it: here it reads a temporary table that only exists there.
    let dir = tempfile::tempdir().unwrap();
    let script = "connection = \"pg\"\nparameters = [\"min\"]\nquery = '''\n\
                  CREATE TEMPORARY TABLE plinth_scratch ON COMMIT DROP AS SELECT g AS n, g * 0.5 AS half FROM generate_series(1, 10) g;\n\
                  SELECT n, half FROM plinth_scratch WHERE n >= ? ORDER BY n;\n'''\n";
    let endpoint = load(dir.path(), script, SERVER).await.unwrap();
    for _ in 0..2 {
        let answer = get(&endpoint, &[("min", "9")]).await.unwrap();
        assert_eq!(
            answer["results"][0]["columns"],
            json!([{"name": "n", "type": "int4"}, {"name": "half", "type": "numeric"}])
        );
        assert_eq!(
            answer["results"][0]["rows"],
            json!([["9", "4.5"], ["10", "5.0"]])
        );
        assert_eq!(answer["results"][0]["updatedRows"], 10);
    }
    let e = get(&endpoint, &[("min", "nine")]).await.unwrap_err();
    assert_eq!(e.status, 400, "{e}");
    assert!(e.message.contains("'min'"), "{e}");
}
