"""SQL query endpoints through the real dataikuapi client: the reference's `simple_filter`
example on the bundled SQLite file and on PostgreSQL, GET and POST, bound parameters."""

import io
import os
import tarfile

import pytest
import requests
from dataikuapi import APINodeClient
from dataikuapi.utils import DataikuException

# The reference's answer for param1=60, param2=female (real Titanic training data).
SEED_COLUMNS = [
    {"name": "PassengerId", "type": "int8"},
    {"name": "Name", "type": "text"},
    {"name": "Age", "type": "float8"},
    {"name": "Survived", "type": "int8"},
]
SEED_ROWS = [
    ["276", "Andrews, Miss. Kornelia Theodosia", "63.0", "1"],
    ["484", "Turkula, Mrs. (Hedwig)", "63.0", "1"],
    ["830", "Stone, Mrs. George Nelson (Martha Evelyn)", "62.0", "1"],
]
SEED_QUERY = '''SELECT
  "PassengerId",
  "Name",
  "Age",
  "Survived"
FROM "DB_titanic_table" AS "t"
WHERE "t"."Age" > ? AND "t"."Sex" = ?
ORDER BY "PassengerId"'''


def check_seed_answer(answer):
    assert list(answer) == ["results", "timing", "apiContext"], answer
    (result,) = answer["results"]
    assert result["columns"] == SEED_COLUMNS
    assert result["rows"] == SEED_ROWS
    assert result["updatedRows"] == 0


def test_sql_query_seed_example_post_and_get(plinth):
    client = APINodeClient(plinth.url, "sql_svc")
    answer = client.sql_query("simple_filter", {"param1": 60, "param2": "female"})
    check_seed_answer(answer)
    assert answer["apiContext"] == {"serviceId": "sql_svc", "endpointId": "simple_filter", "serviceGeneration": "v1"}
    # GET exactly as the reference prints it, and in the standard query-string form.
    for query in ("?param1=60?param2=female", "?param1=60&param2=female"):
        response = requests.get(plinth.url + "/public/api/v1/sql_svc/simple_filter/query/" + query, timeout=30)
        assert response.status_code == 200, response.text
        check_seed_answer(response.json())


@pytest.mark.parametrize(
    "params",
    [
        {"param1": 60, "param2": "female' OR '1'='1"},
        {"param1": 60, "param2": "female\"; DROP TABLE \"DB_titanic_table\"; --"},
        {"param1": "60 OR 1=1", "param2": "female"},
        {"param1": "0) OR (1=1", "param2": "male"},
    ],
)
def test_injection_attempts_only_bind_values(plinth, params):
    client = APINodeClient(plinth.url, "sql_svc")
    try:
        answer = client.sql_query("simple_filter", params)
    except DataikuException as e:
        # A value that is not a number for a numeric comparison may be refused: never executed.
        assert str(e).startswith("InvalidInput") or "param1" in str(e), str(e)
    else:
        assert answer["results"][0]["rows"] == [], answer
    # The table is intact and the seed query still answers.
    check_seed_answer(client.sql_query("simple_filter", {"param1": 60, "param2": "female"}))


def test_missing_and_unknown_parameters_are_400_naming_them(plinth):
    client = APINodeClient(plinth.url, "sql_svc")
    with pytest.raises(DataikuException) as missing:
        client.sql_query("simple_filter", {"param1": 60})
    assert "param2" in str(missing.value)
    response = requests.post(plinth.url + "/public/api/v1/sql_svc/simple_filter/query", data="{}", timeout=30)
    assert response.status_code == 400
    assert "param1" in response.json()["message"] + response.json()["detailedMessage"]
    extra = requests.post(
        plinth.url + "/public/api/v1/sql_svc/simple_filter/query",
        data='{"param1": 60, "param2": "female", "param3": 1}',
        timeout=30,
    )
    assert extra.status_code == 400
    assert "param3" in extra.json()["message"] + extra.json()["detailedMessage"]


def postgres_bundle(tmp_path):
    bundle = io.BytesIO()
    manifest = f'''[service]
id = "pg_svc"
public = true

[[endpoint]]
id = "simple_filter"
kind = "sql-query"
connection = "titanic_pg"
query = """{SEED_QUERY}"""
parameters = ["param1", "param2"]

[[endpoint]]
id = "passenger_info"
kind = "lookup"
connection = "titanic_pg"
table = "DB_titanic_table"
keys = ["PassengerId"]
columns = ["Name", "Age", "Fare"]
'''.encode()
    with tarfile.open(fileobj=bundle, mode="w:gz") as tar:
        info = tarfile.TarInfo("plinth.toml")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    path = tmp_path / "pg_svc.tar.gz"
    path.write_bytes(bundle.getvalue())
    return path


def test_sql_query_and_lookup_seed_examples_on_postgresql(start_plinth, tmp_path):
    if not os.environ.get("PLINTH_TEST_PG_URL"):
        print("SKIPPED: test_sql_query_and_lookup_seed_examples_on_postgresql: PLINTH_TEST_PG_URL is not set")
        pytest.skip("PLINTH_TEST_PG_URL is not set (scripts/start-databases.sh sets it; CI runs this)")
    config = tmp_path / "plinth-config.toml"
    config.write_text('[connections.titanic_pg]\nurl_env = "PLINTH_TEST_PG_URL"\n')
    server = start_plinth(examples=False, extra_args=("--config", str(config)))
    archive = postgres_bundle(tmp_path)
    deployed = server.admin().post(
        server.admin_url("deploy?activate=true"), data=archive.read_bytes(), timeout=60
    )
    assert deployed.status_code == 200, deployed.text
    client = APINodeClient(server.url, "pg_svc")
    check_seed_answer(client.sql_query("simple_filter", {"param1": 60, "param2": "female"}))
    # GET gives text; PostgreSQL is strict about types, the engine converts "60" for float8.
    response = requests.get(server.url + "/public/api/v1/pg_svc/simple_filter/query?param1=60&param2=female", timeout=30)
    assert response.status_code == 200, response.text
    check_seed_answer(response.json())
    answer = client.sql_query("simple_filter", {"param1": 60, "param2": "female' OR '1'='1"})
    assert answer["results"][0]["rows"] == []
    # The seed's lookup example, looked up live in the PostgreSQL table.
    turpin = {
        "PassengerId": "42",
        "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
        "Age": 27,
        "Fare": 21,
    }
    assert client.lookup_record("passenger_info", {"PassengerId": 42}) == {"data": turpin, "ignored": False}
    records = client.lookup_records("passenger_info", [{"data": {"PassengerId": p}} for p in (42, "42", 100000)])
    assert records["results"] == [
        {"data": turpin, "ignored": False},
        {"data": turpin, "ignored": False},
        {"data": {}, "ignored": True, "ignoreReason": "NO_LOOKUP_MATCH"},
    ]
