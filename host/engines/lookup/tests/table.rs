//! Lookups on a database table: the reference's `passenger_info` example answered live from
//! the example SQLite database (`examples/sql_svc/data/titanic.db`) and from PostgreSQL
//! (`PLINTH_TEST_PG_URL`, set by `scripts/start-databases.sh`, which loads the same table;
//! those tests print `SKIPPED` without it), in the same shapes as the in-memory lookups.

mod common;

use common::{examples_dir, get, post};
use plinth_engine_api::{
    Action, ApiError, Endpoint, EngineFactory, LoadContext, LoadError, ServerResources,
};
use plinth_engine_lookup::LookupFactory;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

const SQLITE: &str = r#"
table = "DB_titanic_table"
database = "data/titanic.db"
keys = ["PassengerId"]
columns = ["Name", "Age", "Fare"]
"#;

const POSTGRES: &str = r#"
table = "DB_titanic_table"
connection = "pg"
keys = ["PassengerId"]
columns = ["Name", "Age", "Fare"]
"#;

const PG_SERVER: &str =
    "[connections.pg]\nurl_env = \"PLINTH_TEST_PG_URL\"\nacquire_timeout_ms = 1000\n";

async fn load(root: &Path, endpoint: &str, server: &str) -> Result<Arc<dyn Endpoint>, LoadError> {
    LookupFactory::default()
        .load(LoadContext {
            service_id: "lookup_svc".into(),
            endpoint_id: "passenger_info".into(),
            server: Arc::new(ServerResources {
                settings: toml::from_str(server).expect("valid server TOML"),
                ..Default::default()
            }),
            ..plinth_engine_api::testing::context(root, endpoint)
        })
        .await
}

async fn sqlite(endpoint: &str) -> Result<Arc<dyn Endpoint>, LoadError> {
    load(&examples_dir().join("sql_svc"), endpoint, "").await
}

async fn postgres() -> Option<Arc<dyn Endpoint>> {
    if std::env::var("PLINTH_TEST_PG_URL").map_or(true, |v| v.is_empty()) {
        eprintln!(
            "SKIPPED: lookups on a PostgreSQL table: PLINTH_TEST_PG_URL is not set (run scripts/start-databases.sh); CI sets it"
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    Some(load(dir.path(), POSTGRES, PG_SERVER).await.unwrap())
}

fn passenger_42() -> Value {
    json!({
        "data": {
            "PassengerId": "42",
            "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
            "Age": 27,
            "Fare": 21
        },
        "ignored": false
    })
}

/// The reference's three calls, and what the in-memory lookups answer for them.
async fn answers_the_reference_examples(endpoint: &Arc<dyn Endpoint>) {
    let answer = post(
        endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 42}}),
    )
    .await
    .unwrap();
    assert_eq!(answer, json!({"results": [passenger_42()]}));
    let data = answer["results"][0]["data"].as_object().unwrap();
    assert_eq!(
        data.keys().collect::<Vec<_>>(),
        ["PassengerId", "Name", "Age", "Fare"]
    );
    let multi = post(
        endpoint,
        Action::LookupMulti,
        json!({"items": [{"data": {"PassengerId": 42}}, {"data": {"PassengerId": "24"}}, {"data": {"PassengerId": 100000}}]}),
    )
    .await
    .unwrap();
    assert_eq!(multi["results"][0], passenger_42());
    assert_eq!(multi["results"][1]["data"]["PassengerId"], "24");
    assert_eq!(
        multi["results"][1]["data"]["Name"],
        "Sloper, Mr. William Thompson"
    );
    assert_eq!(
        multi["results"][2],
        json!({"data": {}, "ignored": true, "ignoreReason": "NO_LOOKUP_MATCH"})
    );
    // `?id_key=42`: one parameter for one key, as the reference calls it.
    let simple = get(endpoint, Action::LookupSimple, &[("id_key", "42")])
        .await
        .unwrap();
    assert_eq!(simple, json!({"results": [passenger_42()]}));
    // 42.0 and " 42" find the integer key too; a missing key is dropped with its reason.
    for key in [json!(42.0), json!(" 42")] {
        let a = post(
            endpoint,
            Action::Lookup,
            json!({"data": {"PassengerId": key}}),
        )
        .await
        .unwrap();
        assert_eq!(a["results"][0], passenger_42(), "{key}");
    }
    let missing = post(endpoint, Action::Lookup, json!({"data": {}}))
        .await
        .unwrap();
    assert_eq!(missing["results"][0]["ignoreReason"], "MISSING_LOOKUP_KEY");
}

/// Injection attempts in the key only ever find what the bound query finds: nothing.
async fn injections_find_nothing(endpoint: &Arc<dyn Endpoint>) {
    for attack in [
        "42 OR 1=1",
        "42; DROP TABLE \"DB_titanic_table\"; --",
        "42' OR '1'='1",
        "0 UNION SELECT 1, name, 1.0, 1.0 FROM sqlite_master",
    ] {
        let a = post(
            endpoint,
            Action::Lookup,
            json!({"data": {"PassengerId": attack}}),
        )
        .await
        .unwrap();
        assert_eq!(
            a["results"][0],
            json!({"data": {}, "ignored": true, "ignoreReason": "NO_LOOKUP_MATCH"}),
            "{attack}"
        );
    }
    // The table is still there.
    let a = post(
        endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 42}}),
    )
    .await
    .unwrap();
    assert_eq!(a["results"][0], passenger_42());
}

#[tokio::test]
async fn a_sqlite_table_answers_the_reference_examples() {
    let endpoint = sqlite(SQLITE).await.unwrap();
    answers_the_reference_examples(&endpoint).await;
}

#[tokio::test]
async fn a_postgres_table_answers_the_reference_examples() {
    let Some(endpoint) = postgres().await else {
        return;
    };
    answers_the_reference_examples(&endpoint).await;
}

#[tokio::test]
async fn injection_attempts_find_nothing_on_sqlite_and_postgres() {
    injections_find_nothing(&sqlite(SQLITE).await.unwrap()).await;
    // A text key column: the attack is a name like any other.
    let by_name = sqlite(
        "table = \"DB_titanic_table\"\ndatabase = \"data/titanic.db\"\nkeys = [\"Name\"]\ncolumns = [\"PassengerId\"]\n",
    )
    .await
    .unwrap();
    let a = post(
        &by_name,
        Action::Lookup,
        json!({"data": {"Name": "x' OR '1'='1"}}),
    )
    .await
    .unwrap();
    assert_eq!(a["results"][0]["ignoreReason"], "NO_LOOKUP_MATCH");
    if let Some(endpoint) = postgres().await {
        injections_find_nothing(&endpoint).await;
    }
}

#[tokio::test]
async fn several_matches_follow_the_policy() {
    // Sex is not unique: KEEP_FIRST answers one row, ERROR a 409, DROP_ROW drops the record.
    let config = |policy: &str| {
        format!(
            "table = \"DB_titanic_table\"\ndatabase = \"data/titanic.db\"\nkeys = [\"Sex\"]\ncolumns = [\"Name\"]\non_multiple_matches = \"{policy}\"\n"
        )
    };
    let first = sqlite(&config("KEEP_FIRST")).await.unwrap();
    let a = post(&first, Action::Lookup, json!({"data": {"Sex": "male"}}))
        .await
        .unwrap();
    assert_eq!(a["results"][0]["ignored"], false);
    let error = sqlite(&config("ERROR")).await.unwrap();
    let e = post(&error, Action::Lookup, json!({"data": {"Sex": "male"}}))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.error_type.as_ref()),
        (409, "MultipleLookupMatches")
    );
    let drop = sqlite(&config("DROP_ROW")).await.unwrap();
    let a = post(&drop, Action::Lookup, json!({"data": {"Sex": "male"}}))
        .await
        .unwrap();
    assert_eq!(a["results"][0]["ignoreReason"], "MULTIPLE_LOOKUP_MATCHES");
}

#[tokio::test]
async fn unknown_columns_and_tables_are_refused_at_deploy_and_unknown_keys_at_call_time() {
    let e = sqlite(&SQLITE.replace("\"Fare\"", "\"Fair\""))
        .await
        .err()
        .unwrap();
    let text = e.to_string();
    assert!(
        text.contains("columns[2]") && text.contains("Fair") && text.contains("Fare"),
        "{text}"
    );
    let e = sqlite(&SQLITE.replace("DB_titanic_table", "nowhere"))
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("nowhere"), "{e}");
    let e = sqlite(&format!("{SQLITE}connection = \"pg\"\n"))
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("not both"), "{e}");
    let e = sqlite(&format!("{SQLITE}delimiter = \";\"\n"))
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("delimiter"), "{e}");
    let endpoint = sqlite(SQLITE).await.unwrap();
    let e: ApiError = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerID": 42}}),
    )
    .await
    .unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (400, "UnknownLookupKey"));
    assert!(e.message.contains("PassengerId"), "{e}");
    let e = get(&endpoint, Action::LookupSimple, &[("a", "1"), ("b", "2")])
        .await
        .unwrap_err();
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
async fn database_down_at_deploy_and_at_call_time_is_a_503_until_it_returns() {
    let Ok(url) = std::env::var("PLINTH_TEST_PG_URL") else {
        eprintln!("SKIPPED: postgres down and back: PLINTH_TEST_PG_URL is not set; CI sets it");
        return;
    };
    let (prefix, rest) = url.split_once('@').expect("URL with user@host");
    let (host_port, db) = rest.split_once('/').expect("URL with /database");
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!(
        "[connections.flaky]\nurl = \"{prefix}@127.0.0.1:{port}/{db}\"\nacquire_timeout_ms = 1000\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(
        dir.path(),
        &POSTGRES.replace("\"pg\"", "\"flaky\""),
        &server,
    )
    .await
    .expect("a deploy succeeds while the database is down");
    let e = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 42}}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, 503, "{e}");
    assert!(e.message.contains("unavailable"), "{e}");
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let proxy = tokio::spawn(forward(listener, host_port.to_owned()));
    let mut last = None;
    for _ in 0..20 {
        match post(
            &endpoint,
            Action::Lookup,
            json!({"data": {"PassengerId": 42}}),
        )
        .await
        {
            Ok(answer) => {
                assert_eq!(answer["results"][0], passenger_42());
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
async fn a_mariadb_table_answers_the_reference_examples() {
    if std::env::var("PLINTH_TEST_MYSQL_URL").map_or(true, |v| v.is_empty()) {
        eprintln!(
            "SKIPPED: lookups on a MariaDB table: PLINTH_TEST_MYSQL_URL is not set (run scripts/start-databases.sh); CI sets it"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(
        dir.path(),
        &POSTGRES.replace("\"pg\"", "\"my\""),
        "[connections.my]\nurl_env = \"PLINTH_TEST_MYSQL_URL\"\nacquire_timeout_ms = 1000\n",
    )
    .await
    .unwrap();
    answers_the_reference_examples(&endpoint).await;
    injections_find_nothing(&endpoint).await;
}

#[tokio::test]
async fn a_lookup_past_its_time_limit_is_a_504_and_the_next_call_is_fine() {
    let Some(url) = std::env::var("PLINTH_TEST_PG_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("SKIPPED: postgres lookup timeout: PLINTH_TEST_PG_URL is not set; CI sets it");
        return;
    };
    // A view whose rows each take 0.5 s to produce; WHERE 1 = 0 (the column probe) reads none.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::raw_sql(
        r#"CREATE OR REPLACE VIEW "slow_passengers" AS
           SELECT "PassengerId", "Name", pg_sleep(0.5)::text AS "slept" FROM "DB_titanic_table""#,
    )
    .execute(&pool)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let slow = load(
        dir.path(),
        "table = \"slow_passengers\"\nconnection = \"pg\"\nkeys = [\"PassengerId\"]\ncolumns = [\"Name\", \"slept\"]\ntimeout_ms = 100\n",
        PG_SERVER,
    )
    .await
    .unwrap();
    let e = post(&slow, Action::Lookup, json!({"data": {"PassengerId": 42}}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 504, "{e}");
    assert!(e.message.contains("100 ms"), "{e}");
    // The connection pool is not poisoned: a fast lookup on the same connection works.
    let fast = load(dir.path(), POSTGRES, PG_SERVER).await.unwrap();
    let a = post(&fast, Action::Lookup, json!({"data": {"PassengerId": 42}}))
        .await
        .unwrap();
    assert_eq!(a["results"][0], passenger_42());
    sqlx::raw_sql(r#"DROP VIEW IF EXISTS "slow_passengers""#)
        .execute(&pool)
        .await
        .unwrap();
}
