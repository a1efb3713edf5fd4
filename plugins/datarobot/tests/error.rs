//! DataRobot error bodies and statuses (DATAROBOT.md §0.4, §0.8, §3.1).

use plinth_datarobot::error::*;
use plinth_datarobot::params::{ParamError, ServiceStatsQuery};
use serde_json::json;

#[test]
fn param_errors_become_400_naming_the_parameter() {
    let pe = ServiceStatsQuery::parse("start=2024-01-01T00:30:00Z", 0).unwrap_err();
    let e = DrError::from(pe);
    assert_eq!(e.status, 400);
    let body = e.to_json();
    assert_eq!(
        body,
        json!({
            "message": "start: 2024-01-01T00:30:00Z is not on the hour: monitoring periods \
                        start and end on the hour (UTC)",
            "errors": {"start": "2024-01-01T00:30:00Z is not on the hour: monitoring periods \
                                 start and end on the hour (UTC)"}
        })
    );
    let e: DrError = ParamError::new("bucketSize", "bad").into();
    assert_eq!(e.message, "bucketSize: bad");
}

#[test]
fn constructors_and_their_statuses() {
    let cases = [
        (DrError::bad_request("x"), 400),
        (DrError::unauthorized(), 401),
        (DrError::forbidden("x"), 403),
        (DrError::not_found("x"), 404),
        (DrError::deployment_not_found("svc-a"), 404),
        (DrError::conflict("x"), 409),
        (DrError::unprocessable("x"), 422),
        (DrError::internal("x"), 500),
    ];
    for (e, status) in cases {
        assert_eq!(e.status, status);
        assert!(
            !is_retried_by_client(e.status),
            "{status} would be retried for ~100 s"
        );
        assert!(!e.message.is_empty());
    }
    assert_eq!(
        DrError::deployment_not_found("svc-a").to_json(),
        json!({"message": "deployment svc-a not found"})
    );
    for s in [413, 429, 502, 503, 504] {
        assert!(is_retried_by_client(s));
    }
    assert!(!is_retried_by_client(500));
    assert_eq!(CONTENT_TYPE, "application/json");
}

#[test]
fn error_name_only_when_set() {
    let e = DrError::conflict("already changing");
    assert!(!e.to_json().as_object().unwrap().contains_key("errorName"));
    let e = e.with_error_name("StatusChangeInProgress");
    assert_eq!(
        e.to_json(),
        json!({"message": "already changing", "errorName": "StatusChangeInProgress"})
    );
}

#[test]
fn body_is_ascii_and_still_the_same_json() {
    let e = DrError::not_found("déploiement «x» introuvable 🚀");
    let body = e.to_body();
    assert!(body.is_ascii(), "{body}");
    assert!(body.contains("\\u00e9"));
    assert!(body.contains("\\ud83d\\ude80"));
    let back: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(back, e.to_json());
    assert_eq!(
        DrError::bad_request("plain").to_body(),
        r#"{"message":"plain"}"#
    );
}
