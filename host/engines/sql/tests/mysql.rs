//! The SQL engine on a real MariaDB/MySQL server (`PLINTH_TEST_MYSQL_URL`, set by
//! `scripts/start-databases.sh`; these tests print `SKIPPED` without it).

mod common;

use common::{INJECTIONS, env_or_skip, get, load, post};
use serde_json::json;

const SERVER: &str =
    "[connections.maria]\nurl_env = \"PLINTH_TEST_MYSQL_URL\"\nacquire_timeout_ms = 1000\n";

/// The seed's query with MySQL's identifier quotes.
const QUERY: &str = "SELECT `PassengerId`, `Name`, `Age`, `Survived` FROM `DB_titanic_table` AS `t` WHERE `t`.`Age` > ? AND `t`.`Sex` = ? ORDER BY `PassengerId`";

fn seed_toml() -> String {
    format!(
        "connection = \"maria\"\nparameters = [\"param1\", \"param2\"]\nquery = '''{QUERY}'''\n"
    )
}

fn expected() -> serde_json::Value {
    json!({"results": [{
        "columns": [
            {"name": "PassengerId", "type": "BIGINT"},
            {"name": "Name", "type": "VARCHAR"},
            {"name": "Age", "type": "DOUBLE"},
            {"name": "Survived", "type": "BIGINT"}
        ],
        "rows": [
            ["276", "Andrews, Miss. Kornelia Theodosia", "63.0", "1"],
            ["484", "Turkula, Mrs. (Hedwig)", "63.0", "1"],
            ["830", "Stone, Mrs. George Nelson (Martha Evelyn)", "62.0", "1"]
        ],
        "updatedRows": 0
    }]})
}

#[tokio::test]
async fn the_seed_query_answers_in_the_seed_shape() {
    if env_or_skip("PLINTH_TEST_MYSQL_URL", "mariadb seed shape").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let endpoint = load(dir.path(), &seed_toml(), SERVER).await.unwrap();
    assert_eq!(
        get(&endpoint, &[("param1", "60"), ("param2", "female")])
            .await
            .unwrap(),
        expected()
    );
    assert_eq!(
        post(&endpoint, json!({"param1": 60, "param2": "female"}))
            .await
            .unwrap(),
        expected()
    );
}

#[tokio::test]
async fn injection_attempts_return_only_what_the_bound_query_returns() {
    if env_or_skip("PLINTH_TEST_MYSQL_URL", "mariadb injection").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}parameter_types = {{ param1 = \"float\" }}\n",
        seed_toml()
    );
    let endpoint = load(dir.path(), &config, SERVER).await.unwrap();
    for attack in INJECTIONS {
        let answer = get(&endpoint, &[("param1", "0"), ("param2", attack)])
            .await
            .unwrap();
        assert_eq!(answer["results"][0]["rows"], json!([]), "param2 = {attack}");
        let e = get(&endpoint, &[("param1", attack), ("param2", "female")])
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "param1 = {attack}: {e}");
    }
    assert_eq!(
        get(&endpoint, &[("param1", "60"), ("param2", "female")])
            .await
            .unwrap(),
        expected()
    );
}

#[tokio::test]
async fn timeout_and_missing_parameters() {
    if env_or_skip("PLINTH_TEST_MYSQL_URL", "mariadb timeout").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = "connection = \"maria\"\ntimeout_ms = 300\nquery = \"SELECT SLEEP(?) AS slept\"\nparameters = [\"s\"]\n";
    let endpoint = load(dir.path(), config, SERVER).await.unwrap();
    let e = get(&endpoint, &[("s", "5")]).await.unwrap_err();
    assert_eq!(e.status, 504, "{e}");
    let ok = get(&endpoint, &[("s", "0")]).await.unwrap();
    assert_eq!(ok["results"][0]["rows"], json!([["0"]]));
    let e = get(&endpoint, &[]).await.unwrap_err();
    assert!(e.message.contains("'s'"), "{e}");
}
