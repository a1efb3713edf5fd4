//! The Apres routes over the real job engine, on SQLite and PostgreSQL: recipes and their
//! keys, task batches from receipt to output, the statistics, bad input, the Golden Set,
//! idempotent retries.

mod common;

use common::*;
use serde_json::{Value, json};

const SEED_STATISTICS: [&str; 9] = [
    "Successful Tasks",
    "Failed Tasks",
    "Elapsed Time",
    "Elapsed Time (in words)",
    "Time to Start Processing Tasks",
    "Average Processing Time",
    "Tasks with Expert Consensus",
    "Tasks without Expert Consensus",
    "Time to First Results",
];

#[tokio::test]
async fn recipes_keys_and_their_messages() {
    on_both("apres_recipes", json!({}), |env| async move {
        let admin = |method: &'static str, body: Value| {
            let body = body.to_string().into_bytes();
            let env = &env;
            async move {
                call(
                    env,
                    method,
                    "/admin/api/apres/recipes",
                    Some(ADMIN),
                    Some(body),
                    &[],
                )
                .await
            }
        };
        let no_admin = call(
            &env,
            "GET",
            "/admin/api/apres/recipes",
            Some("Bearer shop-key"),
            None,
            &[],
        )
        .await;
        assert_eq!(no_admin.status, 403, "{}", no_admin.text);
        let anonymous = call(&env, "GET", "/admin/api/apres/recipes", None, None, &[]).await;
        assert_eq!(anonymous.status, 401);
        assert_eq!(
            admin("POST", json!({"service": "nope", "endpoint": "x"}))
                .await
                .status,
            404
        );
        assert_eq!(
            admin("POST", json!({"service": "shop", "endpoint": "x"}))
                .await
                .status,
            404
        );
        let function = admin("POST", json!({"service": "shop", "endpoint": "fn"})).await;
        assert_eq!(function.status, 422);
        assert!(
            function.body["message"]
                .as_str()
                .unwrap()
                .contains("prediction")
        );
        assert_eq!(
            admin("POST", json!({"endpoint": "species"})).await.status,
            422
        );

        let (id, key) = recipe(&env, "species").await;
        assert!(key.starts_with("apres_"));
        let listed = call(
            &env,
            "GET",
            "/admin/api/apres/recipes",
            Some(ADMIN),
            None,
            &[],
        )
        .await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        assert!(!listed.text.contains(&key), "keys are shown once");

        // The raw key, as the seed sends it, and Bearer.
        for auth in [key.clone(), format!("Bearer {key}")] {
            let r = get(&env, "/api/v1/recipe", &auth).await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(r.body["id"], id.as_str());
            assert_eq!(r.body["status"], "Enabled");
            let template = &r.body["processing_templates"][0];
            assert_eq!(template["type"], "CategorisationTemplate");
            assert_eq!(template["choices"], json!(CLASSES));
        }
        assert_eq!(
            get(&env, &format!("/api/v1/recipes/{id}"), &key)
                .await
                .status,
            200
        );
        let other = get(&env, "/api/v1/recipes/someone-else", &key).await;
        assert_eq!(other.status, 404);
        assert_eq!(
            other.body["message"],
            "There is no Recipe or Task Batch with the provided ID"
        );

        let wrong = get(&env, "/api/v1/recipe", "apres_wrong").await;
        assert_eq!(
            (wrong.status, wrong.body["message"].as_str()),
            (401, Some("Unauthorized request for recipe"))
        );
        let wrong = get(&env, "/api/v1/task_batches", "apres_wrong").await;
        assert_eq!(
            (wrong.status, wrong.body["message"].as_str()),
            (401, Some("Unauthorized request"))
        );
        let none = call(&env, "GET", "/api/v1/task_batches", None, None, &[]).await;
        assert_eq!(none.status, 401);

        let deleted = call(
            &env,
            "DELETE",
            &format!("/admin/api/apres/recipes/{id}"),
            Some(ADMIN),
            None,
            &[],
        )
        .await;
        assert_eq!(deleted.status, 200);
        assert_eq!(
            get(&env, "/api/v1/recipe", &key).await.status,
            401,
            "a deleted recipe's key stops working"
        );
        let again = call(
            &env,
            "DELETE",
            &format!("/admin/api/apres/recipes/{id}"),
            Some(ADMIN),
            None,
            &[],
        )
        .await;
        assert_eq!(again.status, 404);
    })
    .await;
}

/// `x` values of the rows of the two test files.
const FIRST: [f64; 4] = [-2.0, 0.25, 1.0, 3.5];
const SECOND: [f64; 3] = [0.75, 2.0, -0.5];

fn csv(xs: &[f64]) -> String {
    let mut text = "x,colour\n".to_owned();
    for x in xs {
        text.push_str(&format!("{x},red\n"));
    }
    text
}

#[tokio::test]
async fn a_batch_from_receipt_to_output() {
    on_both("apres_batch", json!({}), |env| async move {
        let (_, key) = recipe(&env, "species").await;
        let body = batch_body(&[("a.csv", &csv(&FIRST)), ("b.csv", &csv(&SECOND))]);
        let created = send(&env, "POST", "/api/v1/task_batches", &key, &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let b = &created.body;
        assert_eq!((b["size"].as_u64(), b["state"].as_str(), b["status"].as_str()), (Some(0), Some("confirmed"), Some("Pending")));
        assert_eq!(b["estimated_size"], 7);
        assert_eq!(b["estimated_data_points"], 7);
        assert_eq!(b["slug"].as_str().unwrap().split('-').count(), 3);
        let id = b["id"].as_str().unwrap().to_owned();

        let job = ended(&env, &id).await;
        assert_eq!(job.error, None);
        let shown = get(&env, &format!("/api/v1/task_batches/{id}"), &key).await;
        assert_eq!((shown.body["size"].as_u64(), shown.body["state"].as_str(), shown.body["status"].as_str()), (Some(7), Some("completed"), Some("Completed")));
        let listed = get(&env, "/api/v1/task_batches", &key).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);
        assert_eq!(listed.body[0]["id"], id.as_str());

        // The JSON output and the CSV equal what /predict answers, row for row.
        let output = get(&env, &format!("/api/v1/task_batches/{id}/output"), &key).await;
        assert_eq!(output.status, 200, "{}", output.text);
        assert_eq!(output.total.as_deref(), Some("7"));
        let entries = output.body["json"].as_array().unwrap();
        let xs: Vec<f64> = FIRST.iter().chain(&SECOND).copied().collect();
        assert_eq!(entries.len(), 7);
        for (entry, x) in entries.iter().zip(&xs) {
            let expected = predict("species", json!({"x": x}).as_object().unwrap()).unwrap();
            assert_eq!(entry["output"], json!([expected["prediction"]]));
            assert_eq!(entry["status"], "Completed");
            let label = expected["prediction"].as_str().unwrap();
            assert_eq!(entry["consensus_score"], expected["probas"][label]);
            assert_eq!(entry["input"]["x"].as_f64(), Some(*x));
            assert_eq!(entry["input"]["colour"], "red");
        }
        let names: Vec<&str> = output.body["statistics"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, SEED_STATISTICS);
        let stat = |name: &str| output.body["statistics"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["value"].clone();
        assert_eq!(stat("Successful Tasks"), 7);
        assert_eq!(stat("Failed Tasks"), 0);
        let with: u64 = xs.iter().filter(|x| {
            let p = predict("species", json!({"x": x}).as_object().unwrap()).unwrap();
            let label = p["prediction"].as_str().unwrap().to_owned();
            p["probas"][label].as_f64().unwrap() >= 0.8
        }).count() as u64;
        assert_eq!(stat("Tasks with Expert Consensus"), with);
        assert_eq!(stat("Tasks without Expert Consensus"), 7 - with);
        assert!(stat("Elapsed Time (in words)").is_string());

        let link = output.body["csv"].as_str().unwrap();
        let file = call(&env, "GET", &local(link), None, None, &[]).await;
        assert_eq!(file.status, 200, "{}", file.text);
        let mut lines = file.text.lines();
        assert_eq!(lines.next(), Some("task_id,file,row,status,output,consensus_score,proba_small,proba_medium,proba_large"));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 7);
        for (i, (row, x)) in rows.iter().zip(&xs).enumerate() {
            let expected = predict("species", json!({"x": x}).as_object().unwrap()).unwrap();
            assert_eq!(row[0], entries[i]["task_id"].as_str().unwrap());
            let (file, line) = if i < 4 { ("a.csv", i + 1) } else { ("b.csv", i - 3) };
            assert_eq!((row[1], row[2].parse::<usize>().unwrap()), (file, line));
            assert_eq!(row[4], expected["prediction"].as_str().unwrap());
            for (c, class) in CLASSES.iter().enumerate() {
                let p: f64 = row[6 + c].parse().unwrap();
                assert_eq!(Some(p), expected["probas"][class].as_f64(), "row {i} {class}");
            }
        }
        // A forged link is refused.
        let forged = local(link).replace("signature=", "signature=0");
        assert_eq!(call(&env, "GET", &forged, None, None, &[]).await.status / 100, 4);

        // Tasks, paged.
        let tasks = get(&env, &format!("/api/v1/task_batches/{id}/tasks"), &key).await;
        let all = tasks.body.as_array().unwrap();
        assert_eq!(all.len(), 7);
        assert_eq!(all[0]["id"], entries[0]["task_id"]);
        assert_eq!((all[0]["state"].as_str(), all[0]["input_type"].as_str()), (Some("completed"), Some("tabular")));
        assert!(all[0]["responses_with_confidence"]["small"].is_number());
        let page = get(&env, &format!("/api/v1/task_batches/{id}/tasks?page=2&per_page=5"), &key).await;
        let page = page.body.as_array().unwrap();
        assert_eq!(page.len(), 2);
        assert_eq!(page[0]["id"], all[5]["id"]);
        assert_eq!(get(&env, &format!("/api/v1/task_batches/{id}/tasks?per_page=0"), &key).await.status, 422);

        // Unknown ids, with each route's message; another recipe's batch is unknown too.
        let (_, other) = recipe(&env, "species").await;
        let p5 = get(&env, &format!("/api/v1/task_batches/{id}"), &other).await;
        assert_eq!((p5.status, p5.body["message"].as_str()), (404, Some("There is no Recipe or Task Batch with the provided ID")));
        let p6 = get(&env, "/api/v1/task_batches/nope/output", &key).await;
        assert_eq!((p6.status, p6.body["message"].as_str()), (404, Some("There is no Recipe or Task Batch with the provided ID")));
        let p7 = get(&env, "/api/v1/task_batches/nope/tasks", &key).await;
        assert_eq!((p7.status, p7.body["message"].as_str()), (404, Some("Task Batch not found")));
    })
    .await;
}

#[tokio::test]
async fn a_bad_row_fails_its_task_only() {
    on_both("apres_bad_row", json!({}), |env| async move {
        let (_, key) = recipe(&env, "species").await;
        let body = batch_body(&[("a.csv", "x\n1.5\nabc\n-1\n")]);
        let created = send(&env, "POST", "/api/v1/task_batches", &key, &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.body["id"].as_str().unwrap().to_owned();
        ended(&env, &id).await;
        let output = get(&env, &format!("/api/v1/task_batches/{id}/output"), &key).await;
        let statuses: Vec<&str> = output.body["json"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["Completed", "Failed", "Completed"]);
        let stats = output.body["statistics"].as_array().unwrap();
        assert_eq!(
            (stats[0]["value"].as_u64(), stats[1]["value"].as_u64()),
            (Some(2), Some(1))
        );
        let file = call(
            &env,
            "GET",
            &local(output.body["csv"].as_str().unwrap()),
            None,
            None,
            &[],
        )
        .await;
        let lines: Vec<&str> = file.text.lines().collect();
        assert!(lines[0].ends_with(",error"), "{}", lines[0]);
        assert!(
            lines[2].contains(",Failed,") && lines[2].contains("feature x must be a number"),
            "{}",
            lines[2]
        );
    })
    .await;
}

#[tokio::test]
async fn bad_batches_name_the_field_file_or_line() {
    let config = json!({"max_body_bytes": 4096, "max_files": 2});
    on_both("apres_bad_input", config, |env| async move {
        let (_, key) = recipe(&env, "species").await;
        let post = |body: Value| {
            let env = &env;
            let key = key.clone();
            async move { send(env, "POST", "/api/v1/task_batches", &key, &body).await }
        };
        let message = |a: &Answer| a.body["message"].as_str().unwrap_or_default().to_owned();

        let a = post(json!({"files": [{"file": "a.csv", "data": "%%%"}]})).await;
        assert_eq!(a.status, 422);
        assert!(message(&a).contains("files[0]"), "{}", message(&a));
        let a = post(batch_body(&[("a.csv", "x\n1\n"), ("wide.csv", "x,y\n1,2\n3\n")])).await;
        assert_eq!(a.status, 422);
        assert!(message(&a).contains("files[1]") && message(&a).contains("line 3"), "{}", message(&a));
        let a = post(batch_body(&[("h.csv", "x\n")])).await;
        assert_eq!(a.status, 422);
        assert!(message(&a).contains("no rows"), "{}", message(&a));
        let a = post(json!({"files": []})).await;
        assert_eq!(a.status, 422);
        let a = post(json!({"location": {"type": "s3", "bucket_name": "b", "region": "us-east-1"}})).await;
        assert_eq!(a.status, 422);
        assert!(message(&a).to_lowercase().contains("s3"), "{}", message(&a));
        let a = post(json!({"location": {"type": "azure-blob", "blob_endpoint": "e", "container": "c", "sas_token": "t"}})).await;
        assert_eq!(a.status, 422);
        assert!(message(&a).to_lowercase().contains("azure"), "{}", message(&a));
        let a = post(json!({"files": [{"file": "a.csv", "data": b64("x\n1\n")}], "delivery_timeframe": 3})).await;
        assert_eq!(a.status, 422);
        assert!(message(&a).contains("delivery_timeframe"), "{}", message(&a));
        let a = post(json!({"files": [{"file": "a.csv", "data": b64("x\n1\n")}], "webhook_url": "ftp://x"})).await;
        assert_eq!(a.status, 422);
        let a = post(batch_body(&[("a", "x\n1\n"), ("b", "x\n1\n"), ("c", "x\n1\n")])).await;
        assert_eq!(a.status, 413, "{}", a.text);
        let big = "x\n".to_owned() + &"1\n".repeat(4000);
        let a = post(batch_body(&[("big.csv", &big)])).await;
        assert_eq!(a.status, 413, "{}", a.text);
        assert_eq!(a.body["message"].as_str().map(|m| m.contains("max_body_bytes")), Some(true));
        let a = call(&env, "POST", "/api/v1/task_batches", Some(&key), Some(b"{\"files\": [".to_vec()), &[]).await;
        assert_eq!(a.status, 400);
        // Nothing was accepted.
        assert_eq!(get(&env, "/api/v1/task_batches", &key).await.body, json!([]));
        let unknown = get(&env, "/api/v1/nothing", &key).await;
        assert_eq!((unknown.status, unknown.body["message"].is_string()), (404, true));
    })
    .await;
}

#[tokio::test]
async fn one_golden_set_per_recipe() {
    on_both("apres_golden", json!({}), |env| async move {
        let (_, key) = recipe(&env, "species").await;
        let set = |golden: bool, output: &str| {
            json!({"file": "set1.csv", "data": b64(&format!("Input,Type,Output\n{{\"x\": 1}},tabular,{output}\n")), "golden_set": golden})
        };
        let path = "/api/v1/recipe/load_batch";
        let first = send(&env, "POST", path, &key, &set(true, "large")).await;
        assert_eq!(first.status, 200, "{}", first.text);
        assert_eq!(first.body["message"], "Your processed batch is being loaded");
        let second = send(&env, "POST", path, &key, &set(true, "small")).await;
        assert_eq!((second.status, second.body["message"].as_str()), (422, Some("A Golden Set already exists for this Recipe")));
        assert_eq!(send(&env, "POST", path, &key, &set(false, "small")).await.status, 200, "training data is not a golden set");
        let unknown = send(&env, "POST", path, &key, &set(false, "huge")).await;
        assert_eq!(unknown.status, 422);
        assert!(unknown.text.contains("huge"), "{}", unknown.text);
        let shown = get(&env, "/api/v1/recipe/golden_set", &key).await;
        assert_eq!((shown.status, shown.body["size"].as_u64()), (200, Some(1)));
        let deleted = call(&env, "DELETE", "/api/v1/recipe/golden_set", Some(&key), None, &[]).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(send(&env, "POST", path, &key, &set(true, "small")).await.status, 200, "replaced");
        // Another recipe has its own.
        let (_, other) = recipe(&env, "species").await;
        assert_eq!(send(&env, "POST", path, &other, &set(true, "small")).await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn an_idempotency_key_makes_one_batch() {
    on_both("apres_idempotency", json!({}), |env| async move {
        let (_, key) = recipe(&env, "price").await;
        let body = batch_body(&[("a.csv", "x\n1\n2\n")])
            .to_string()
            .into_bytes();
        let post = || {
            call(
                &env,
                "POST",
                "/api/v1/task_batches",
                Some(&key),
                Some(body.clone()),
                &[("idempotency-key", "order-17")],
            )
        };
        let first = post().await;
        let second = post().await;
        assert_eq!((first.status, second.status), (201, 201));
        assert_eq!(first.body["id"], second.body["id"]);
        assert_eq!(
            get(&env, "/api/v1/task_batches", &key)
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let id = first.body["id"].as_str().unwrap();
        ended(&env, id).await;
        // A regression recipe: the output is the number, no consensus score.
        let output = get(&env, &format!("/api/v1/task_batches/{id}/output"), &key).await;
        assert_eq!(output.body["json"][0]["output"], json!([2.0]));
        assert_eq!(output.body["json"][1]["consensus_score"], Value::Null);
        let recipe = get(&env, "/api/v1/recipe", &key).await;
        assert_eq!(recipe.body["processing_templates"][0]["choices"], json!([]));
    })
    .await;
}
