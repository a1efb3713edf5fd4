//! Label sets and assignment over HTTP: an upload (plain and gzipped) validated by its job,
//! a failing set with its line-numbered errors, the ancestor-overlap rule, and a validated
//! set assigned to a pipeline: the evaluation job runs to `complete`, the labels land in the
//! monitoring store as actuals, and the set can no longer change.

mod common;

use common::*;
use serde_json::{Value, json};

async fn settled(env: &Env, c: &Client, id: &str) -> Value {
    wait_for(
        env,
        c,
        &format!("/v1/api/label_sets/{id}"),
        "status",
        "validating",
    )
    .await
}

#[tokio::test]
async fn uploads_validate_and_assignment_evaluates() {
    on_both("vidora_label_sets", |env| async move {
        let c = client(&env).await;
        let labels = b"id,label,x\nA,1,0.5\nB,0,-1\nC,true,2\n";
        let set = upload(&env, &c, "classification", labels).await;
        let v = settled(&env, &c, &set).await;
        assert_eq!(v["status"], "validated", "{v}");
        assert_eq!(
            (v["rows"].clone(), v["errors"].clone()),
            (json!(3), json!([]))
        );
        assert_eq!(v["type"], "classification");
        // The original file is downloadable as uploaded.
        let (status, _, bytes) = download(&env, v["download_url"].as_str().unwrap()).await;
        assert_eq!((status, bytes.as_slice()), (200, &labels[..]));

        // Gzipped, the type given in the URL query.
        let body = multipart(
            &[("name", "gz")],
            "labels.csv.gz",
            "application/gzip",
            &gzip(b"id,label\nA,1.5\nB,2\n"),
        );
        let (status, v) = c
            .call(
                &env,
                "POST",
                "/v1/api/label_sets",
                &[("label_type", "regression")],
                Some(MULTIPART),
                body,
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let regression = v["id"].as_str().unwrap().to_owned();
        let v = settled(&env, &c, &regression).await;
        assert_eq!(v["status"], "validated", "{v}");
        assert_eq!(v["label_type"], "regression");

        // A failing set names its lines.
        let bad = upload(&env, &c, "classification", b"id,label\nA,maybe\n,1\n").await;
        let v = settled(&env, &c, &bad).await;
        assert_eq!(v["status"], "failed", "{v}");
        assert_eq!(
            v["errors"],
            json!([
                concat!(
                    "line 2: label \"maybe\" is not a boolean (1, 0, true or false) ",
                    "as a classification label must be"
                ),
                "line 3: empty id"
            ])
        );
        assert_eq!(v["error"], v["errors"][0]);

        // Fewer than 80% of the ids in the ancestor: failed.
        let body = multipart(
            &[
                ("label_type", "classification"),
                ("name", "child"),
                ("ancestor_set_id", &set),
            ],
            "child.csv",
            "text/csv",
            b"id,label\nA,1\nB,0\nX,1\nY,0\n",
        );
        let (status, v) = c
            .call(
                &env,
                "POST",
                "/v1/api/label_sets",
                &[],
                Some(MULTIPART),
                body,
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let v = settled(&env, &c, v["id"].as_str().unwrap()).await;
        assert_eq!(v["status"], "failed", "{v}");
        assert_eq!(
            v["errors"][0],
            format!("only 50% of ids overlap ancestor set {set} (at least 80% required)")
        );

        // V6 filters.
        let (_, list) = c
            .get(&env, "/v1/api/label_sets", &[("status", "failed")])
            .await;
        assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

        // Assignment refusals: the wrong type, a failed set, a model-less pipeline.
        let clf = format!("/v1/api/pipelines/{}", pipeline_id(CLF));
        for (path, set_id, reason) in [
            (&clf, &regression, "takes classification labels"),
            (&clf, &bad, "only a validated set"),
            (
                &format!("/v1/api/pipelines/{}", pipeline_id(BARE)),
                &set,
                "takes no labels",
            ),
        ] {
            let (status, v) = c
                .json(&env, "PUT", path, json!({"active_label_set_id": set_id}))
                .await;
            assert_eq!(status, 400, "{v}");
            assert!(
                v["error"].as_str().unwrap().contains(reason),
                "{reason}: {v}"
            );
        }

        // Assignment: an evaluation job, the pipeline running then complete.
        let (status, v) = c
            .json(
                &env,
                "PUT",
                &clf,
                json!({"active_label_set_id": set, "name": "churn"}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["active_label_set_id"], set.as_str());
        assert_eq!(v["name"], "churn");
        let v = wait_for(&env, &c, &clf, "status", "running").await;
        assert_eq!(v["status"], "complete", "{v}");
        assert!(v["last_trained_at"].is_string(), "{v}");
        assert_eq!(v["evaluation"]["kind"], "evaluation");
        assert_eq!(v["evaluation"]["labels"], 3);
        assert_eq!(v["evaluation"]["label_set_id"], set.as_str());
        // The labels are the endpoint's actuals now.
        assert_eq!(env.monitoring.actual_count(SERVICE, CLF).await.unwrap(), 3);

        // An assigned set cannot change.
        let (status, v) = c
            .json(
                &env,
                "PUT",
                &format!("/v1/api/label_sets/{set}"),
                json!({"name": "renamed"}),
            )
            .await;
        assert_eq!(status, 400, "{v}");
        assert!(v["error"].as_str().unwrap().contains("assigned"), "{v}");

        // The regression set fits the regression pipeline.
        let reg = format!("/v1/api/pipelines/{}", pipeline_id(REG));
        let (status, v) = c
            .json(
                &env,
                "PUT",
                &reg,
                json!({"active_label_set_id": regression}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let v = wait_for(&env, &c, &reg, "status", "running").await;
        assert_eq!(v["status"], "complete", "{v}");
        assert_eq!(v["type"], "Regression");
        assert_eq!(env.monitoring.actual_count(SERVICE, REG).await.unwrap(), 2);
    })
    .await;
}
