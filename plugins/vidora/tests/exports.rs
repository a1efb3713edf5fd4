//! Prediction exports over HTTP: a multipart CSV upload (plain and gzipped) and a JSON body
//! run to `complete`, with `total`, `columns` and a `download_url` whose file holds what the
//! endpoint answers for each row; every way a multipart export is refused (400 naming the
//! problem, 413 beyond the limits), with no job started.

mod common;

use common::*;
use serde_json::{Value, json};

const CSV: &str = "id,x,colour\r\nr1,0.5,red\r\nr2,-1,\r\nr3,2,blue\r\nr4,0,green\r\n";

fn exports_path(endpoint: &str) -> String {
    format!(
        "/v1/api/pipelines/{}/prediction_exports",
        pipeline_id(endpoint)
    )
}

/// A multipart body with these fields and `file` as its `data` part.
fn data(fields: &[(&str, &str)], filename: &str, file_type: &str, file: &[u8]) -> Vec<u8> {
    multipart_file(fields, "data", filename, file_type, file)
}

/// A multipart body of one text field.
fn fields_only(name: &str, value: &str) -> Vec<u8> {
    format!(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n--BOUNDARY--\r\n"
    )
    .into_bytes()
}

/// Posts a multipart export.
async fn post_form(
    env: &Env,
    c: &Client,
    endpoint: &str,
    query: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, Value) {
    c.call(
        env,
        "POST",
        &exports_path(endpoint),
        query,
        Some(MULTIPART),
        body,
    )
    .await
}

/// Waits for an export to end; answers its V9 detail.
async fn finished(env: &Env, c: &Client, endpoint: &str, export: &Value) -> Value {
    let id = export["id"].as_str().unwrap();
    let path = format!("{}/{id}", exports_path(endpoint));
    wait_for(env, c, &path, "status", "exporting").await
}

/// The rows of a downloaded CSV, after its header.
fn rows(csv: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().from_reader(csv);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn close(cell: &str, expected: f64) -> bool {
    cell.parse::<f64>()
        .is_ok_and(|v| (v - expected).abs() < 1e-12)
}

/// Checks the downloaded file against what the fake endpoint answers for `xs`.
async fn check_download(env: &Env, detail: &Value, ids_and_xs: &[(&str, f64)]) {
    let url = detail["download_url"].as_str().expect("download_url");
    let (status, content_type, bytes) = download(env, url).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let (header, rows) = rows(&bytes);
    assert_eq!(header, ["id", "prediction", "proba_no", "proba_yes"]);
    assert_eq!(json!(header), detail["columns"]);
    assert_eq!(rows.len(), ids_and_xs.len());
    for (row, (id, x)) in rows.iter().zip(ids_and_xs) {
        let expected = predict(CLF, json!({ "x": x }).as_object().unwrap()).unwrap();
        assert_eq!(row[0], *id);
        assert_eq!(row[1], expected["prediction"].as_str().unwrap(), "{row:?}");
        assert!(
            close(&row[2], expected["probas"]["no"].as_f64().unwrap()),
            "{row:?}"
        );
        assert!(
            close(&row[3], expected["probas"]["yes"].as_f64().unwrap()),
            "{row:?}"
        );
    }
}

#[tokio::test]
async fn multipart_exports_run_to_complete_and_download() {
    on_both("vidora_export_multipart", |env| async move {
        let c = client(&env).await;
        // Plain, named in the form.
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(
                &[("name", "weekly scores")],
                "rows.csv",
                "text/csv",
                CSV.as_bytes(),
            ),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["status"], "exporting");
        assert_eq!(v["name"], "weekly scores");
        assert_eq!(v["total"], 4);
        let job = v["id"].as_str().unwrap().to_owned();
        let detail = finished(&env, &c, CLF, &v).await;
        assert_eq!(detail["status"], "complete", "{detail}");
        assert_eq!(detail["total"], 4);
        assert_eq!(detail["failed"], 0);
        assert!(detail["last_exported"].is_string(), "{detail}");
        let rows = [("r1", 0.5), ("r2", -1.0), ("r3", 2.0), ("r4", 0.0)];
        check_download(&env, &detail, &rows).await;
        // The items: ids as text, cells typed, an empty cell null.
        let items: Vec<Value> = env
            .jobs
            .items(&job, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            items[..2],
            [
                json!({"id": "r1", "features": {"x": 0.5, "colour": "red"}}),
                json!({"id": "r2", "features": {"x": -1, "colour": null}}),
            ]
        );
        // Each row was scored with its Vidora id as the call's context.
        let contexts = env.invoker.contexts.lock().unwrap().clone();
        for (id, _) in rows {
            assert!(
                contexts.contains(&json!({"vidora_id": id})),
                "{id}: {contexts:?}"
            );
        }

        // Gzipped, named in the URL query (signed with it), detected by its name and type.
        let gz = gzip(b"ID,x\n7,3\n8,-2\n");
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[("name", "from gzip")],
            data(&[], "rows.csv.gz", "application/gzip", &gz),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["name"], "from gzip");
        let detail = finished(&env, &c, CLF, &v).await;
        assert_eq!(detail["status"], "complete", "{detail}");
        assert_eq!(detail["total"], 2);
        check_download(&env, &detail, &[("7", 3.0), ("8", -2.0)]).await;

        // Without a name: the default one. V8 lists all three, newest state shown.
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[], "r.csv", "text/csv", b"id,x\nq,1\n"),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["name"], "export of svc/clf");
        finished(&env, &c, CLF, &v).await;
        let (status, list) = c.get(&env, &exports_path(CLF), &[]).await;
        assert_eq!(status, 200, "{list}");
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 3, "{list:?}");
        assert!(list.iter().all(|e| e["status"] == "complete"), "{list:?}");
    })
    .await;
}

#[tokio::test]
async fn json_exports_still_work_and_list_failed_rows() {
    on_both("vidora_export_json", |env| async move {
        let c = client(&env).await;
        let body = json!({"name": "json", "records": [
            {"id": "a", "x": 1.5}, {"id": 2, "x": "oops"}, {"id": "c", "x": -0.5},
        ]});
        let (status, v) = c.json(&env, "POST", &exports_path(CLF), body).await;
        assert_eq!(status, 200, "{v}");
        let detail = finished(&env, &c, CLF, &v).await;
        assert_eq!(detail["status"], "complete", "{detail}");
        assert_eq!(
            (detail["total"].clone(), detail["failed"].clone()),
            (json!(3), json!(1))
        );
        assert_eq!(
            detail["columns"],
            json!(["id", "prediction", "proba_no", "proba_yes", "error"])
        );
        let (status, _, bytes) = download(&env, detail["download_url"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        let (_, rows) = rows(&bytes);
        assert_eq!(rows[1][0], "2");
        assert_eq!(rows[1][1], "");
        assert!(
            rows[1][4].contains("feature x must be a number"),
            "{rows:?}"
        );
        assert_eq!(rows[0][4], "");

        // A regression pipeline's file has no class columns.
        let body = json!({"records": [{"id": "r", "x": 2}]});
        let (status, v) = c.json(&env, "POST", &exports_path(REG), body).await;
        assert_eq!(status, 200, "{v}");
        let detail = finished(&env, &c, REG, &v).await;
        assert_eq!(detail["columns"], json!(["id", "prediction"]), "{detail}");
        let (_, _, bytes) = download(&env, detail["download_url"].as_str().unwrap()).await;
        assert_eq!(String::from_utf8(bytes).unwrap(), "id,prediction\nr,5.0\n");

        // A download link that was tampered with is refused.
        let url = detail["download_url"]
            .as_str()
            .unwrap()
            .replace("signature=", "signature=0");
        assert_eq!(download(&env, &url).await.0, 403);
    })
    .await;
}

#[tokio::test]
async fn bad_multipart_exports_are_400s_naming_the_problem() {
    on_both("vidora_export_refused", |env| async move {
        let c = client(&env).await;
        const CSV_FILE: (&str, &str) = ("text/csv", "data.csv");
        let cases: [(&[u8], (&str, &str), &str); 7] = [
            (b"user,x\nA,1\n", CSV_FILE, "line 1: missing column \"id\""),
            (b"id,x\nA,1\n,2\n", CSV_FILE, "line 3: empty id"),
            (
                b"id,x\nA,1\nB,2,3\n",
                CSV_FILE,
                "line 3: expected 2 fields as in the header, found 3",
            ),
            (
                b"id,x\nA,1\nB,2\nA,3\n",
                CSV_FILE,
                "line 4: duplicated id \"A\" (first on line 2)",
            ),
            (b"id,x\n", CSV_FILE, "the file has no rows after the header"),
            (b"", CSV_FILE, "the file has no rows"),
            (
                b"not gzip at all",
                ("application/gzip", "data.csv.gz"),
                "file \"data.csv.gz\" is not a valid gzip file",
            ),
        ];
        for (bytes, (file_type, filename), reason) in cases {
            let (status, v) =
                post_form(&env, &c, CLF, &[], data(&[], filename, file_type, bytes)).await;
            assert_eq!(status, 400, "{reason}: {v}");
            let message = v["error"].as_str().unwrap();
            assert!(message.contains(reason), "{reason}: {message}");
            assert!(
                v["errors"].as_array().unwrap()[0]
                    .as_str()
                    .unwrap()
                    .contains(reason),
                "{v}"
            );
        }
        // Several problems: the first in error, all in errors.
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[], "d.csv", "text/csv", b"id,x\n,1\nB\nC,3\nC,4\n"),
        )
        .await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(
            v["error"],
            "the data file is invalid: line 2: empty id (and 2 more)"
        );
        assert_eq!(
            v["errors"],
            json!([
                "line 2: empty id",
                "line 3: expected 2 fields as in the header, found 1",
                "line 5: duplicated id \"C\" (first on line 4)"
            ])
        );

        // No data part at all; a blank name; a body without a boundary.
        let (status, v) = c
            .call(
                &env,
                "POST",
                &exports_path(CLF),
                &[],
                Some(MULTIPART),
                fields_only("name", "x"),
            )
            .await;
        refused(status, &v, 400, "data file part is required");
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[("name", "  ")], "d.csv", "text/csv", b"id,x\nA,1\n"),
        )
        .await;
        refused(status, &v, 400, "name");
        let body = multipart_file(&[], "data", "d.csv", "text/csv", b"id,x\nA,1\n");
        let (status, v) = c
            .call(
                &env,
                "POST",
                &exports_path(CLF),
                &[],
                Some("multipart/form-data"),
                body,
            )
            .await;
        refused(status, &v, 400, "boundary");
        // A JSON body that is neither.
        let (status, v) = c
            .call(
                &env,
                "POST",
                &exports_path(CLF),
                &[],
                Some("text/csv"),
                b"id,x\n".to_vec(),
            )
            .await;
        refused(status, &v, 400, "multipart/form-data");
        // An unknown pipeline is a 404 before anything is read.
        let (status, _) = c
            .call(
                &env,
                "POST",
                "/v1/api/pipelines/0000000000000000/prediction_exports",
                &[],
                Some(MULTIPART),
                Vec::new(),
            )
            .await;
        assert_eq!(status, 404);

        // A CSV sent as a plain form field is read as the file.
        let body = fields_only("data", "id,x\nA,1");
        let (status, v) = c
            .call(&env, "POST", &exports_path(CLF), &[], Some(MULTIPART), body)
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["total"], 1);

        // Only that last export was started.
        let (_, list) = c.get(&env, &exports_path(CLF), &[]).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    })
    .await;
}

#[tokio::test]
async fn oversized_and_bomb_exports_are_413s() {
    let config = json!({"max_file_bytes": 1000, "max_body_bytes": 8000});
    on_both_with("vidora_export_limits", config, |env| async move {
        let c = client(&env).await;
        // 2000 bytes of CSV, gzipped to a few dozen: refused once inflated past 1000.
        let mut big = String::from("id,x\n");
        while big.len() <= 2000 {
            big.push_str(&format!("{},0\n", big.len()));
        }
        let gz = gzip(big.as_bytes());
        assert!(gz.len() < 8000);
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[], "d.csv.gz", "application/gzip", &gz),
        )
        .await;
        refused(status, &v, 413, "1000 bytes once decompressed");
        // The same, plain: past max_file_bytes too.
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[], "d.csv", "text/csv", big.as_bytes()),
        )
        .await;
        assert_eq!(status, 413, "{v}");
        // Past max_body_bytes, before anything is parsed.
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[], "d.csv", "text/csv", &vec![b'a'; 9000]),
        )
        .await;
        refused(status, &v, 413, "max_body_bytes");
        // Within the limits, it runs.
        let (status, v) = post_form(
            &env,
            &c,
            CLF,
            &[],
            data(&[], "d.csv", "text/csv", b"id,x\nA,1\n"),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        let (_, list) = c.get(&env, &exports_path(CLF), &[]).await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    })
    .await;
}

/// A refusal: this status, and an `error` naming the problem.
fn refused(status: u16, v: &Value, code: u16, fragment: &str) {
    assert_eq!(status, code, "{v}");
    let error = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {v}"));
    assert!(error.contains(fragment), "{fragment:?} not in {v}");
}
