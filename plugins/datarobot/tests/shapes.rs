//! Response bodies in the shape every client 3.0.3–3.20.0 accepts (DATAROBOT.md §3.3).

use chrono::{TimeZone, Utc};
use plinth_datarobot::params::*;
use plinth_datarobot::shapes::*;
use serde_json::{Value, json};

fn ms(y: i32, mo: u32, d: u32, h: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

fn week() -> Period {
    Period::new(ms(2024, 1, 1, 0), ms(2024, 1, 8, 0))
}

fn day(d: u32) -> Period {
    Period::new(ms(2024, 1, d, 0), ms(2024, 1, d + 1, 0))
}

/// The keys of an object, in order.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

fn consumer(value: Option<&str>) -> Segment {
    Segment {
        attribute: SegmentAttribute::Consumer,
        value: value.map(str::to_string),
    }
}

/// No `segmentAttribute: null` anywhere in the body.
fn assert_no_null_segment_attribute(v: &Value) {
    match v {
        Value::Object(m) => {
            if let Some(a) = m.get("segmentAttribute") {
                assert!(a.is_string(), "segmentAttribute must be a string: {v}");
            }
            m.values().for_each(assert_no_null_segment_attribute);
        }
        Value::Array(a) => a.iter().for_each(assert_no_null_segment_attribute),
        _ => {}
    }
}

#[test]
fn period_json() {
    assert_eq!(
        week().to_json(),
        json!({"start": "2024-01-01T00:00:00Z", "end": "2024-01-08T00:00:00Z"})
    );
}

// ---- service stats --------------------------------------------------------------------------

fn stats() -> ServiceStats {
    ServiceStats {
        period: week(),
        model_id: Some("gen-1".into()),
        metrics: ServiceStatsMetrics {
            total_predictions: 10,
            total_requests: 4,
            slow_requests: 0,
            execution_time_ms: Some(1.5),
            response_time_ms: Some(2.5),
            user_error_rate: 0.0,
            server_error_rate: 0.0,
            num_consumers: 1,
            cache_hit_ratio: 0.0,
            median_load: 0.0,
            peak_load: 1.0,
        },
        segment: None,
    }
}

#[test]
fn service_stats_golden() {
    let body = service_stats(&stats());
    assert_eq!(
        body,
        json!({"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-08T00:00:00Z"},
               "modelId":"gen-1",
               "metrics":{"totalPredictions":10,"totalRequests":4,"slowRequests":0,
                          "executionTime":1.5,"responseTime":2.5,"userErrorRate":0.0,
                          "serverErrorRate":0.0,"numConsumers":1,"cacheHitRatio":0.0,
                          "medianLoad":0.0,"peakLoad":1.0}})
    );
    assert_eq!(keys(&body), ["period", "modelId", "metrics"]);
    assert_eq!(keys(&body["metrics"]).len(), 11);
    assert!(body["metrics"]["totalPredictions"].is_u64());
}

#[test]
fn service_stats_empty_window_and_segments() {
    let mut s = stats();
    s.model_id = None;
    s.metrics = ServiceStatsMetrics {
        execution_time_ms: None,
        response_time_ms: Some(f64::NAN),
        user_error_rate: f64::NAN,
        peak_load: f64::INFINITY,
        ..Default::default()
    };
    let body = service_stats(&s);
    // The modelId key is always present, null allowed.
    assert_eq!(body["modelId"], Value::Null);
    assert!(body.as_object().unwrap().contains_key("modelId"));
    assert_eq!(body["metrics"]["executionTime"], Value::Null);
    assert_eq!(body["metrics"]["responseTime"], Value::Null);
    // The rates are never null.
    for k in [
        "userErrorRate",
        "serverErrorRate",
        "cacheHitRatio",
        "medianLoad",
        "peakLoad",
    ] {
        assert!(body["metrics"][k].is_f64(), "{k}: {}", body["metrics"][k]);
    }
    assert!(!body.as_object().unwrap().contains_key("segmentAttribute"));
    assert!(!body.as_object().unwrap().contains_key("segmentValue"));

    s.segment = Some(consumer(Some("")));
    let body = service_stats(&s);
    assert_eq!(body["segmentAttribute"], "DataRobot-Consumer");
    assert_eq!(body["segmentValue"], "");
    s.segment = Some(consumer(None));
    let body = service_stats(&s);
    assert_eq!(body["segmentAttribute"], "DataRobot-Consumer");
    assert_eq!(body["segmentValue"], Value::Null);
    assert_no_null_segment_attribute(&body);
}

#[test]
fn service_stats_over_time_golden() {
    let body = service_stats_over_time(&ServiceStatsOverTime {
        period: Period::new(ms(2024, 1, 1, 0), ms(2024, 1, 3, 0)),
        metric: ServiceStatsMetric::TotalPredictions,
        model_id: Some("gen-1".into()),
        buckets: vec![
            ValueBucket {
                period: day(1),
                value: Some(3.0),
            },
            ValueBucket {
                period: day(2),
                value: None,
            },
        ],
        summary_value: Some(3.0),
        segment: None,
    });
    assert_eq!(
        body,
        json!({"metric":"totalPredictions","modelId":"gen-1",
               "buckets":[
                 {"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-02T00:00:00Z"},
                  "value":3,"modelId":"gen-1"},
                 {"period":{"start":"2024-01-02T00:00:00Z","end":"2024-01-03T00:00:00Z"},
                  "value":null,"modelId":"gen-1"}],
               "summary":{"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-03T00:00:00Z"},
                          "value":3}})
    );
    // A count is an integer; a time stays a float.
    assert!(body["buckets"][0]["value"].is_u64());
    let body = service_stats_over_time(&ServiceStatsOverTime {
        period: day(1),
        metric: ServiceStatsMetric::ResponseTime,
        model_id: None,
        buckets: vec![ValueBucket {
            period: day(1),
            value: Some(2.0),
        }],
        summary_value: Some(2.0),
        segment: Some(consumer(Some("k"))),
    });
    assert!(body["buckets"][0]["value"].is_f64());
    assert!(
        body["buckets"][0]
            .as_object()
            .unwrap()
            .contains_key("modelId")
    );
    assert_eq!(body["modelId"], Value::Null);
    assert_eq!(
        keys(&body),
        [
            "metric",
            "modelId",
            "buckets",
            "summary",
            "segmentAttribute",
            "segmentValue"
        ]
    );
}

// ---- drift ----------------------------------------------------------------------------------

#[test]
fn target_drift_golden() {
    let t = TargetDrift {
        period: week(),
        metric: DriftMetric::KlDivergence,
        model_id: Some("gen-1".into()),
        target_name: Some("y".into()),
        drift_score: Some(0.1),
        sample_size: Some(10),
        baseline_sample_size: Some(100),
        segment: None,
    };
    let body = target_drift(&t);
    assert_eq!(
        body,
        json!({"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-08T00:00:00Z"},
               "metric":"kl_divergence","modelId":"gen-1","targetName":"y","driftScore":0.1,
               "sampleSize":10,"baselineSampleSize":100,"segmentValue":null})
    );
    // No baseline: the keys stay, null.
    let body = target_drift(&TargetDrift {
        drift_score: None,
        sample_size: None,
        baseline_sample_size: None,
        segment: Some(consumer(Some("k1"))),
        ..t
    });
    assert_eq!(body["driftScore"], Value::Null);
    assert_eq!(body["baselineSampleSize"], Value::Null);
    assert_eq!(body["segmentValue"], "k1");
    assert_eq!(body["segmentAttribute"], "DataRobot-Consumer");
    assert_eq!(
        keys(&body),
        [
            "period",
            "metric",
            "modelId",
            "targetName",
            "driftScore",
            "sampleSize",
            "baselineSampleSize",
            "segmentValue",
            "segmentAttribute"
        ]
    );
}

#[test]
fn feature_drift_page_golden() {
    let base = "http://127.0.0.1:8080/api/v2/deployments/d1/featureDrift/";
    let q = DriftQuery::parse(
        "start=2024-01-01T00%3A00%3A00%2B00%3A00&end=2024-01-08T00%3A00%3A00%2B00%3A00&limit=1",
        0,
    )
    .unwrap();
    let links = page_links(base, &q.link_params(), q.offset, q.limit, 2);
    let body = feature_drift_page(&FeatureDriftPage {
        period: q.period,
        metric: q.metric,
        model_id: Some("gen-1".into()),
        items: vec![FeatureDriftItem {
            name: "x".into(),
            drift_score: Some(0.2),
            feature_impact: None,
            sample_size: Some(10),
            baseline_sample_size: Some(100),
        }],
        links,
        segment: None,
    });
    assert_eq!(
        body,
        json!({"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-08T00:00:00Z"},
               "metric":"psi","modelId":"gen-1","count":1,
               "next":"http://127.0.0.1:8080/api/v2/deployments/d1/featureDrift/?start=2024-01-01T00%3A00%3A00Z&end=2024-01-08T00%3A00%3A00Z&metric=psi&offset=1&limit=1",
               "previous":null,
               "data":[{"name":"x","driftScore":0.2,"featureImpact":null,"sampleSize":10,
                        "baselineSampleSize":100}]})
    );
    // featureImpact: the key is present even when null.
    assert!(
        body["data"][0]
            .as_object()
            .unwrap()
            .contains_key("featureImpact")
    );
    assert!(body["next"].as_str().unwrap().starts_with("http://"));
}

#[test]
fn page_links_first_middle_last() {
    let base = "http://h/api/v2/deployments/";
    let l = page_links(base, &[], 0, 20, 20);
    assert_eq!(
        l,
        PageLinks {
            next: None,
            previous: None
        }
    );
    let l = page_links(base, &[], 0, 20, 21);
    assert_eq!(
        l.next.as_deref(),
        Some("http://h/api/v2/deployments/?offset=20&limit=20")
    );
    assert_eq!(l.previous, None);
    let l = page_links(base, &[("search".into(), "a b".into())], 40, 20, 100);
    assert_eq!(
        l.next.as_deref(),
        Some("http://h/api/v2/deployments/?search=a%20b&offset=60&limit=20")
    );
    assert_eq!(
        l.previous.as_deref(),
        Some("http://h/api/v2/deployments/?search=a%20b&offset=20&limit=20")
    );
    let l = page_links(base, &[], 5, 20, 10);
    assert_eq!(
        l.previous.as_deref(),
        Some("http://h/api/v2/deployments/?offset=0&limit=20")
    );
    assert_eq!(l.next, None);
}

// ---- predictions over time ------------------------------------------------------------------

fn stats_for(model: &str, rows: u64) -> PredictionStats {
    PredictionStats {
        model_id: model.into(),
        row_count: rows,
        mean_predicted_value: Some(1.0),
        mean_probabilities: vec![ClassValue {
            class_name: "yes".into(),
            value: Some(0.25),
        }],
        class_distribution: vec![ClassCount {
            class_name: "yes".into(),
            count: 1,
            percent: 25.0,
        }],
        percentiles: None,
    }
}

#[test]
fn predictions_over_time_has_exactly_two_keys() {
    let body = predictions_over_time(&PredictionsOverTime {
        baselines: vec![stats_for("gen-1", 100)],
        buckets: vec![PredictionsBucket {
            period: day(1),
            stats: PredictionStats {
                percentiles: Some(vec![Percentile {
                    percent: 10.0,
                    value: Some(0.5),
                }]),
                ..stats_for("gen-1", 4)
            },
        }],
    });
    assert_eq!(keys(&body), ["baselines", "buckets"]);
    assert_eq!(
        body,
        json!({"baselines":[{"modelId":"gen-1","rowCount":100,"meanPredictedValue":1.0,
                             "meanProbabilities":[{"className":"yes","value":0.25}],
                             "classDistribution":[{"className":"yes","count":1,"percent":25.0}]}],
               "buckets":[{"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-02T00:00:00Z"},
                           "modelId":"gen-1","rowCount":4,"meanPredictedValue":1.0,
                           "meanProbabilities":[{"className":"yes","value":0.25}],
                           "classDistribution":[{"className":"yes","count":1,"percent":25.0}],
                           "percentiles":[{"percent":10.0,"value":0.5}]}]})
    );
    let empty = predictions_over_time(&PredictionsOverTime::default());
    assert_eq!(empty, json!({"baselines": [], "buckets": []}));
}

#[test]
fn predictions_vs_actuals_over_time_keys() {
    let st = PredictionsVsActualsStats {
        model_id: "gen-1".into(),
        row_count_total: 3,
        row_count_with_actual: 1,
        mean_predicted_value: Some(1.0),
        mean_actual_value: Some(1.2),
        ..Default::default()
    };
    let mut p = PredictionsVsActualsOverTime {
        row_count_total: 3,
        row_count_with_actual: 1,
        baselines: vec![PredictionsVsActualsStats {
            row_count_total: 100,
            row_count_with_actual: 100,
            mean_predicted_value: None,
            mean_actual_value: None,
            ..st.clone()
        }],
        buckets: vec![PredictionsVsActualsBucket {
            period: day(1),
            stats: st,
        }],
        segment: None,
    };
    let body = predictions_vs_actuals_over_time(&p);
    assert_eq!(keys(&body), ["summary", "baselines", "buckets"]);
    assert_eq!(
        body,
        json!({"summary":{"rowCountTotal":3,"rowCountWithActual":1},
               "baselines":[{"modelId":"gen-1","rowCountTotal":100,"rowCountWithActual":100,
                             "meanPredictedValue":null,"meanActualValue":null}],
               "buckets":[{"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-02T00:00:00Z"},
                           "modelId":"gen-1","rowCountTotal":3,"rowCountWithActual":1,
                           "meanPredictedValue":1.0,"meanActualValue":1.2}]})
    );
    p.segment = Some(consumer(Some("k")));
    let body = predictions_vs_actuals_over_time(&p);
    assert_eq!(
        keys(&body),
        [
            "summary",
            "baselines",
            "buckets",
            "segmentAttribute",
            "segmentValue"
        ]
    );
}

// ---- accuracy -------------------------------------------------------------------------------

fn acc(metric: AccuracyMetric, model: &str, value: f64, baseline: Option<f64>) -> AccuracyValue {
    AccuracyValue {
        metric,
        model_id: model.into(),
        value: Some(value),
        sample_size: Some(5),
        baseline_value: baseline,
        baseline_sample_size: Some(50),
    }
}

#[test]
fn accuracy_golden() {
    let body = accuracy(&Accuracy {
        period: week(),
        model_id: "gen-1".into(),
        values: vec![acc(AccuracyMetric::Rmse, "gen-1", 1.5, Some(1.0))],
        segment: None,
    });
    assert_eq!(
        body,
        json!({"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-08T00:00:00Z"},
               "modelId":"gen-1",
               "metrics":{"RMSE":{"value":1.5,"baselineValue":1.0,"percentChange":50.0}},
               "data":[{"metricName":"RMSE","modelId":"gen-1","value":1.5,"sampleSize":5,
                        "baselineValue":1.0,"baselineSampleSize":50,"percentChange":50.0}]})
    );
}

#[test]
fn accuracy_metrics_never_null_and_restricted_to_the_25_names() {
    // No actuals: metrics is {}, data is [].
    let body = accuracy(&Accuracy {
        period: week(),
        model_id: "gen-1".into(),
        values: vec![],
        segment: None,
    });
    assert_eq!(body["metrics"], json!({}));
    assert_eq!(body["data"], json!([]));
    assert_eq!(keys(&body), ["period", "modelId", "metrics", "data"]);

    // Every one of the 29 names, for two models.
    let mut values = Vec::new();
    for m in AccuracyMetric::ALL {
        values.push(acc(*m, "gen-1", 2.0, Some(0.0)));
        values.push(acc(*m, "gen-2", 3.0, Some(-4.0)));
    }
    let body = accuracy(&Accuracy {
        period: week(),
        model_id: "gen-1".into(),
        values,
        segment: None,
    });
    let metrics = body["metrics"].as_object().unwrap();
    assert_eq!(metrics.len(), 25);
    for name in ["FPR", "NPV", "TNR", "FVE Multinomial"] {
        assert!(!metrics.contains_key(name), "{name}");
    }
    for (name, v) in metrics {
        assert!(
            AccuracyMetric::from_wire(name)
                .unwrap()
                .in_client_metrics_map()
        );
        // gen-1's values only; baseline 0 gives a null percentChange.
        assert_eq!(
            v,
            &json!({"value": 2.0, "baselineValue": 0.0, "percentChange": null})
        );
    }
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 58);
    assert_eq!(data[1]["modelId"], "gen-2");
    assert_eq!(data[1]["percentChange"], 175.0);
    for d in data {
        assert_eq!(
            keys(d),
            [
                "metricName",
                "modelId",
                "value",
                "sampleSize",
                "baselineValue",
                "baselineSampleSize",
                "percentChange"
            ]
        );
    }
}

#[test]
fn percent_change_rule() {
    assert_eq!(
        percent_change(Some(1.1), Some(1.0)).map(|x| (x * 1e9).round()),
        Some(10e9)
    );
    assert_eq!(percent_change(Some(0.5), Some(-1.0)), Some(150.0));
    assert_eq!(percent_change(Some(-1.5), Some(-1.0)), Some(-50.0));
    assert_eq!(percent_change(Some(1.0), Some(0.0)), None);
    assert_eq!(percent_change(None, Some(1.0)), None);
    assert_eq!(percent_change(Some(1.0), None), None);
    assert_eq!(percent_change(Some(f64::NAN), Some(1.0)), None);
}

#[test]
fn accuracy_over_time_golden() {
    let body = accuracy_over_time(&AccuracyOverTime {
        period: Period::new(ms(2024, 1, 1, 0), ms(2024, 1, 3, 0)),
        metric: AccuracyMetric::Rmse,
        model_id: Some("gen-1".into()),
        buckets: vec![
            AccuracyBucket {
                period: day(1),
                model_id: "gen-1".into(),
                value: Some(1.0),
                sample_size: Some(5),
            },
            AccuracyBucket {
                period: day(2),
                model_id: "gen-1".into(),
                value: None,
                sample_size: None,
            },
        ],
        summary_value: Some(1.0),
        summary_sample_size: Some(5),
        baseline: Some(AccuracyBaseline {
            model_id: "gen-1".into(),
            value: Some(0.9),
            sample_size: Some(50),
        }),
        baseline_period: None,
        baselines: vec![AccuracyBaseline {
            model_id: "gen-1".into(),
            value: Some(0.9),
            sample_size: Some(50),
        }],
        segment: None,
    });
    assert_eq!(
        body,
        json!({"metric":"RMSE","modelId":"gen-1",
               "buckets":[
                 {"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-02T00:00:00Z"},
                  "value":1.0,"sampleSize":5,"modelId":"gen-1"},
                 {"period":{"start":"2024-01-02T00:00:00Z","end":"2024-01-03T00:00:00Z"},
                  "value":null,"sampleSize":null,"modelId":"gen-1"}],
               "summary":{"period":{"start":"2024-01-01T00:00:00Z","end":"2024-01-03T00:00:00Z"},
                          "value":1.0,"sampleSize":5},
               "baseline":{"period":null,"value":0.9,"sampleSize":50},
               "baselines":[{"modelId":"gen-1","value":0.9,"sampleSize":50}]})
    );
    assert_no_null_segment_attribute(&body);
}

// ---- deployments ----------------------------------------------------------------------------

fn a_deployment() -> Deployment {
    Deployment {
        id: "svc-a".into(),
        label: "Churn".into(),
        description: None,
        status: DeploymentStatus::Active,
        importance: Importance::Moderate,
        model: DeploymentModel {
            id: "gen-3".into(),
            model_type: Some("onnx".into()),
            target_name: Some("churned".into()),
            target_type: Some("Binary".into()),
            project_id: None,
            deployed_at_ms: Some(ms(2024, 1, 2, 0)),
        },
        capabilities: Capability::plinth_list(true, true, false),
        daily_rates: vec![1.0, 2.0],
        last_prediction_ms: None,
        service_health: Health {
            status: HealthStatus::Passing,
            message: None,
            period: Some(week()),
        },
        model_health: Health::unknown(),
        accuracy_health: Health {
            status: HealthStatus::Unavailable,
            message: Some("no actuals".into()),
            period: None,
        },
        default_prediction_server: Some(PredictionServer {
            id: "plinth".into(),
            url: "http://127.0.0.1:8080".into(),
            datarobot_key: None,
        }),
        created_at_ms: ms(2024, 1, 1, 0),
        tags: vec![Tag {
            id: "t1".into(),
            name: "team".into(),
            value: "ml".into(),
        }],
        permissions: vec!["CAN_VIEW".into()],
    }
}

/// No null anywhere (the client drops nulls, but Plinth omits them).
fn assert_no_nulls(v: &Value) {
    match v {
        Value::Null => panic!("a null in the deployment object"),
        Value::Object(m) => m.values().for_each(assert_no_nulls),
        Value::Array(a) => a.iter().for_each(assert_no_nulls),
        _ => {}
    }
}

#[test]
fn deployment_object() {
    let body = deployment(&a_deployment());
    assert_no_nulls(&body);
    assert_eq!(
        keys(&body),
        [
            "id",
            "label",
            "status",
            "importance",
            "model",
            "capabilities",
            "predictionUsage",
            "serviceHealth",
            "modelHealth",
            "accuracyHealth",
            "defaultPredictionServer",
            "createdAt",
            "tags",
            "settings",
            "permissions"
        ]
    );
    assert_eq!(body["status"], "active");
    assert_eq!(body["importance"], "MODERATE");
    assert_eq!(
        body["model"],
        json!({"id":"gen-3","type":"onnx","targetName":"churned","targetType":"Binary",
               "deployedAt":"2024-01-02T00:00:00Z"})
    );
    assert_eq!(body["capabilities"].as_object().unwrap().len(), 17);
    assert_eq!(body["capabilities"]["supportsTargetDriftTracking"], true);
    assert_eq!(
        body["capabilities"]["supportsSegmentedAnalysisDriftAndAccuracy"],
        false
    );
    assert_eq!(body["predictionUsage"], json!({"dailyRates": [1.0, 2.0]}));
    assert_eq!(
        body["serviceHealth"],
        json!({"status":"passing","startDate":"2024-01-01T00:00:00Z",
               "endDate":"2024-01-08T00:00:00Z"})
    );
    assert_eq!(body["modelHealth"], json!({"status": "unknown"}));
    assert_eq!(
        body["accuracyHealth"],
        json!({"status": "unavailable", "message": "no actuals"})
    );
    assert_eq!(
        body["defaultPredictionServer"],
        json!({"id": "plinth", "url": "http://127.0.0.1:8080"})
    );
    assert_eq!(body["createdAt"], "2024-01-01T00:00:00Z");
    assert_eq!(
        body["tags"],
        json!([{"id": "t1", "name": "team", "value": "ml"}])
    );
    assert_eq!(body["permissions"], json!(["CAN_VIEW"]));

    let mut d = a_deployment();
    d.description = Some("".into());
    d.last_prediction_ms = Some(ms(2024, 1, 7, 5));
    d.status = DeploymentStatus::Inactive;
    d.default_prediction_server = None;
    let body = deployment(&d);
    assert_eq!(body["description"], "");
    assert_eq!(body["status"], "inactive");
    assert_eq!(
        body["predictionUsage"]["lastTimestamp"],
        "2024-01-07T05:00:00Z"
    );
    assert!(
        !body
            .as_object()
            .unwrap()
            .contains_key("defaultPredictionServer")
    );
}

#[test]
fn deployment_list_page() {
    let links = PageLinks {
        next: Some("http://h/api/v2/deployments/?offset=1&limit=1".into()),
        previous: None,
    };
    let body = deployment_list(&[a_deployment()], &links, 2);
    assert_eq!(
        keys(&body),
        ["count", "next", "previous", "data", "totalCount"]
    );
    assert_eq!(body["count"], 1);
    assert_eq!(body["totalCount"], 2);
    assert_eq!(body["previous"], Value::Null);
    assert_eq!(body["data"][0]["id"], "svc-a");
}

#[test]
fn settings_shape() {
    let body = settings(&DeploymentSettings {
        association_id_columns: vec!["id".into()],
        association_id_required: false,
        target_drift_enabled: true,
        feature_drift_enabled: false,
        predictions_data_collection_enabled: true,
        segment_analysis_enabled: false,
        segment_attributes: vec![],
    });
    assert_eq!(
        body["associationId"],
        json!({"columnNames": ["id"], "requiredInPredictionRequests": false})
    );
    assert_eq!(body["targetDrift"], json!({"enabled": true}));
    assert_eq!(body["featureDrift"], json!({"enabled": false}));
    assert_eq!(body["predictionsDataCollection"], json!({"enabled": true}));
    assert_eq!(body["processingLimits"], json!({"interval": "hour"}));
    for k in [
        "automaticActuals",
        "challengerModels",
        "humility",
        "predictionIntervals",
        "predictionWarning",
        "predictionsByForecastDate",
        "segmentAnalysis",
    ] {
        assert_eq!(body[k]["enabled"], false, "{k}");
    }
}

#[test]
fn health_settings_defaults_and_patch() {
    let d = default_health_settings(Some(AccuracyMetric::LogLoss));
    assert_eq!(keys(&d), HEALTH_SETTINGS_SECTIONS);
    assert_eq!(d["accuracy"]["metric"], "LogLoss");
    assert_eq!(d["dataDrift"]["driftThreshold"], 0.15);
    assert!(
        !default_health_settings(None)["accuracy"]
            .as_object()
            .unwrap()
            .contains_key("metric")
    );

    let patched =
        merge_health_settings(&d, &json!({"dataDrift": {"driftThreshold": 0.2}})).unwrap();
    assert_eq!(patched["dataDrift"]["driftThreshold"], 0.2);
    assert_eq!(patched["dataDrift"]["importanceThreshold"], 0.5);
    assert_eq!(patched["service"], d["service"]);
    assert!(merge_health_settings(&d, &json!({"bogus": {}})).is_err());
    assert!(merge_health_settings(&d, &json!({"service": 5})).is_err());
    assert!(merge_health_settings(&d, &json!([1])).is_err());
}

#[test]
fn capabilities_features_version_servers() {
    let caps = capabilities_list(&Capability::plinth_list(true, false, false));
    assert_eq!(keys(&caps), ["data"]);
    let data = caps["data"].as_array().unwrap();
    assert_eq!(data.len(), 17);
    for c in data {
        assert_eq!(keys(c), ["name", "supported", "messages"]);
    }
    let t = data
        .iter()
        .find(|c| c["name"] == "supportsTargetDriftTracking")
        .unwrap();
    assert_eq!(t["supported"], true);
    assert_eq!(t["messages"], json!([]));

    let f = features_list(&[Feature {
        name: "age".into(),
        feature_type: "Numeric".into(),
        importance: Some(0.3),
        date_format: None,
        known_in_advance: false,
    }]);
    assert_eq!(
        f,
        json!({"count":1,"next":null,"previous":null,
               "data":[{"name":"age","featureType":"Numeric","importance":0.3,
                        "dateFormat":null,"knownInAdvance":false}],
               "totalCount":1})
    );

    assert_eq!(
        version(),
        json!({"versionString": "2.49.0", "major": 2, "minor": 49})
    );
    assert_eq!(keys(&version()), ["versionString", "major", "minor"]);

    let s = prediction_servers(&[PredictionServer {
        id: "plinth".into(),
        url: "http://127.0.0.1:8080".into(),
        datarobot_key: Some("k".into()),
    }]);
    assert_eq!(
        s["data"],
        json!([{"id": "plinth", "url": "http://127.0.0.1:8080", "datarobot-key": "k"}])
    );
    assert_eq!(s["next"], Value::Null);
}
