//! The wire layer without I/O: the seed's enumerations and limits, monitor configurations,
//! cron expressions, GraphQL root fields, webhook signatures, focal windows.

use plinth_aporia::graphql::root_field;
use plinth_aporia::monitors::config::{MonitorKind, parse, parse_cron, period_hours};
use plinth_aporia::monitors::evaluate::window;
use plinth_aporia::validate::{email, model_id, slug, tag_key, tag_value};
use plinth_aporia::webhooks::signature;
use serde_json::{Value, json};

#[test]
fn tag_keys_follow_the_seed() {
    assert_eq!(tag_key("My Tag-Key_1").unwrap(), "my tag-key_1");
    assert_eq!(tag_key("exactly15chars_").unwrap(), "exactly15chars_");
    let long = tag_key("sixteen_chars_xx").unwrap_err();
    assert!(long.contains("1 to 15"), "{long}");
    assert!(tag_key("").is_err());
    let bad = tag_key("a.b").unwrap_err();
    assert!(bad.contains("'.'"), "{bad}");
    assert!(tag_key("ünï").is_ok(), "letters are not only ASCII");
    assert!(tag_value("k", &"x".repeat(100)).is_ok());
    assert!(
        tag_value("k", &"x".repeat(101))
            .unwrap_err()
            .contains("100")
    );
    assert!(tag_value("k", "my-tag-value!").is_ok());
    assert!(tag_value("k", "two\nlines").is_err());
}

#[test]
fn ids_owners_and_slugs() {
    assert_eq!(slug("My Model"), "my-model");
    assert_eq!(slug("  Fraud  v2 (EU) "), "fraud-v2-eu");
    assert_eq!(slug("???"), "model");
    assert!(model_id("my-model.v2_x").is_ok());
    assert!(
        model_id("svc~ep").is_err(),
        "~ is kept for deployed endpoints"
    );
    assert!(model_id("a/b").is_err());
    assert!(email("owner@example.com").is_ok());
    for bad in [
        "owner",
        "a@b",
        "@example.com",
        "a b@example.com",
        "a@@example.com",
    ] {
        assert!(email(bad).is_err(), "{bad}");
    }
}

fn configuration(inner: Value) -> Value {
    json!({"configuration": inner, "identification": {"models": {"id": "m1"}, "segment": {"group": null}, "environment": null}})
}

#[test]
fn the_seed_example_monitor_parses() {
    let c = configuration(json!({
        "focal": {"source": "SERVING", "timePeriod": "1h"},
        "metric": {"type": "count", "field": "_id"},
        "actions": [{"type": "ALERT", "schema": "v1", "severity": "MEDIUM", "alertType": "model_activity_threshold",
                     "description": "{model} {focal_value}", "notification": [{"type": "EMAIL", "emails": []},
                     {"type": "WEBHOOK", "url": "http://127.0.0.1:9/hook", "secret": "s"}], "visualization": "value_over_time"}],
        "logicEvaluations": [{"max": null, "min": 100, "name": "RANGE"}]
    }));
    let spec = parse("model_activity", &c).unwrap();
    assert_eq!(spec.kind, MonitorKind::ModelActivity);
    assert_eq!(spec.model_id, "m1");
    assert_eq!((spec.focal_hours, spec.skip_hours), (1, 0));
    assert_eq!(spec.field, None, "_id means every row");
    assert_eq!((spec.range.min, spec.range.max), (Some(100.0), None));
    assert!(spec.range.breaks(99.0) && !spec.range.breaks(100.0) && !spec.range.breaks(1e9));
    assert_eq!(spec.webhooks.len(), 1, "e-mail is recorded, not sent");
    assert_eq!(spec.webhooks[0].secret.as_deref(), Some("s"));
}

#[test]
fn bad_configurations_name_their_member() {
    let ok = json!({"focal": {"timePeriod": "1d"}, "metric": {"type": "js_divergence"}, "logicEvaluations": [{"name": "THRESHOLD", "threshold": 0.1}]});
    let spec = parse("data_drift", &configuration(ok.clone())).unwrap();
    assert_eq!(spec.focal_hours, 24);
    assert_eq!(spec.range.max, Some(0.1));
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "nonsense",
            configuration(ok.clone()),
            "'type' must be one of",
        ),
        ("custom_metric", configuration(ok.clone()), "not supported"),
        (
            "data_drift",
            json!({"configuration": ok.clone()}),
            "identification",
        ),
        (
            "data_drift",
            configuration(
                json!({"focal": {"timePeriod": "30m"}, "logicEvaluations": [{"name": "RANGE", "max": 1}]}),
            ),
            "focal.timePeriod",
        ),
        (
            "data_drift",
            configuration(
                json!({"metric": {"type": "wasserstein"}, "logicEvaluations": [{"name": "RANGE", "max": 1}]}),
            ),
            "js_divergence",
        ),
        ("data_drift", configuration(json!({})), "logicEvaluations"),
        (
            "data_drift",
            configuration(json!({"logicEvaluations": [{"name": "RANGE"}]})),
            "min, max or both",
        ),
        (
            "data_drift",
            configuration(json!({"logicEvaluations": [{"name": "BETWEEN"}]})),
            "RANGE or THRESHOLD",
        ),
        (
            "performance_degradation",
            configuration(json!({"logicEvaluations": [{"name": "RANGE", "max": 1}]})),
            "accuracy metric",
        ),
        (
            "metric_change",
            configuration(
                json!({"metric": {"type": "p99"}, "logicEvaluations": [{"name": "RANGE", "max": 1}]}),
            ),
            "count, mean_prediction or missing_ratio",
        ),
        (
            "model_activity",
            configuration(
                json!({"logicEvaluations": [{"name": "RANGE", "min": 1}], "actions": [{"notification": [{"type": "WEBHOOK", "url": "ftp://x"}]}]}),
            ),
            "http:// or https://",
        ),
    ];
    for (kind, c, expected) in cases {
        let e = parse(kind, &c).unwrap_err();
        assert!(e.contains(expected), "{kind}: {e} (expected '{expected}')");
    }
    // Staleness takes its limit from the focal period.
    let stale = parse(
        "model_staleness",
        &configuration(json!({"focal": {"timePeriod": "2w"}})),
    )
    .unwrap();
    assert_eq!(stale.range.max, Some(336.0));
}

#[test]
fn cron_expressions_have_five_fields() {
    assert!(parse_cron("*/5 * * * *").is_ok());
    assert!(parse_cron("0 9 * * MON-FRI").is_ok());
    for bad in [
        "*/5 * *",
        "0 */5 * * * *",
        "61 * * * *",
        "* 25 * * *",
        "every minute",
    ] {
        let e = parse_cron(bad).unwrap_err();
        assert!(e.contains(bad), "{bad}: {e}");
    }
    assert_eq!(period_hours("p", "3d").unwrap(), 72);
    assert!(period_hours("p", "0h").is_err());
    assert_eq!(period_hours("p.skipPeriod", "0h").unwrap(), 0);
}

#[test]
fn graphql_root_fields() {
    let log = "\n        mutation LogPredict(\n            $modelId: String!,\n            $predictions: [Prediction]!\n        ) {\n            logPredictions(\n                modelId: $modelId,\n            ) {\n                warnings\n            }\n        }\n    ";
    assert_eq!(root_field(log), Some("logPredictions"));
    assert_eq!(
        root_field(
            "query($modelID: String!) { model_versions(where: { model_id: { _eq: $modelID } }) { id } }"
        ),
        Some("model_versions")
    );
    assert_eq!(root_field("{ }"), None);
    assert_eq!(root_field("no selection"), None);
}

#[test]
fn webhook_signatures_are_hmac_sha256_of_timestamp_and_body() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    let s = signature("Jefe", 0, "");
    assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
    let rfc = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        hex::encode(mac.finalize().into_bytes())
    };
    assert_eq!(
        rfc,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(signature("Jefe", 12, "{}"), {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"12.{}");
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    });
}

#[test]
fn focal_windows_end_with_the_current_hour() {
    let hour = 3_600_000;
    let now = 1_767_225_600_000 + 25 * 60_000; // 00:25
    let w = window(now, 1, 0);
    assert_eq!(
        (w.start_ms, w.end_ms),
        (1_767_225_600_000, 1_767_225_600_000 + hour)
    );
    let w = window(now, 24, 2);
    assert_eq!(w.end_ms, 1_767_225_600_000 - hour);
    assert_eq!(w.end_ms - w.start_ms, 24 * hour);
}

#[test]
fn a_logged_training_set_becomes_a_baseline_on_the_stores_bins() {
    use plinth_aporia::registry::Version;
    use plinth_monitoring::baseline::Bins;
    let v = Version {
        id: "v".into(),
        model_id: "m".into(),
        name: "v1".into(),
        model_type: "regression".into(),
        schema: json!({"features": {"x": "numeric", "c": "string", "gone": "numeric"}, "predictions": {"y": "numeric"}}),
        feature_importance: Some(json!({"x": 2.0})),
        feature_positions: None,
        request: None,
        created_at: 0,
    };
    // What numpy's 50-bin histogram of 0..=99 gives: two values a bin, edges 0, 1.98, ..., 99.
    let edges: Vec<f64> = (0..=50).map(|i| i as f64 * 99.0 / 50.0).collect();
    let vars = json!({
        "features": [
            {"fieldName": "x", "bins": edges, "counts": vec![2; 50], "min": 0.0, "max": 99.0, "numMissingValues": 3},
            {"fieldName": "c", "bins": ["a", "b", true], "counts": [5, 1, 2], "numMissingValues": 0}
        ],
        "predictions": [{"fieldName": "y", "bins": edges, "counts": vec![1; 50], "min": 0.0, "max": 99.0, "average": 49.5}]
    });
    let b = plinth_aporia::training::baseline_of(&v, vars.as_object().unwrap()).unwrap();
    assert_eq!(
        b.features.len(),
        2,
        "a feature without a summary has no baseline"
    );
    let x = b.feature("x").unwrap();
    assert_eq!(
        x.histogram.counts,
        vec![0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 0]
    );
    assert_eq!(x.histogram.missing, 3);
    assert_eq!(x.importance, Some(2.0));
    match &x.bins {
        Bins::Numeric(n) => {
            assert_eq!(n.bin_of(0.0), Some(1));
            assert_eq!(n.bin_of(99.0), Some(10));
            assert_eq!(n.bin_of(-1.0), Some(0));
        }
        other => panic!("{other:?}"),
    }
    let c = b.feature("c").unwrap();
    assert_eq!(c.bins.bin_of(&json!("a")), Some(0));
    assert_eq!(
        c.bins.bin_of(&json!(true)),
        Some(2),
        "booleans are categories"
    );
    assert_eq!(c.histogram.counts, vec![5, 1, 2, 0]);
    let target = b.target.unwrap();
    assert_eq!(target.rows, 50);
    assert_eq!(target.mean_value, Some(49.5));
}
