//! The user API's HTTP contract: bodies, routes, statuses, error shape, headers.

mod support;

use serde_json::json;
use support::*;

fn server_with_shop(tmp: &std::path::Path) -> Plinth {
    let server = Plinth::start(&tmp.join("data"));
    server.deploy(&lookup_bundle(
        &tmp.join("b"),
        "shop",
        true,
        &[(1, "one"), (2, "two")],
    ));
    server
}

#[test]
fn bodies_are_json_whatever_the_content_type_and_empty_means_empty_object() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_shop(tmp.path());
    let body = br#"{"data":{"id":2}}"#;
    for content_type in [
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let answer = server.call(
            "POST",
            "/public/api/v1/shop/items/lookup",
            None,
            Some(body),
            content_type,
        );
        assert_eq!(answer.status, 200, "{content_type:?}: {}", answer.text);
        assert_eq!(answer.json()["results"][0]["data"]["label"], "two");
    }
    // An empty body is {}: the call reaches the engine, which says what it misses.
    let empty = server.call(
        "POST",
        "/public/api/v1/shop/items/lookup",
        None,
        Some(b""),
        None,
    );
    assert_eq!(empty.status, 400, "{}", empty.text);
    assert!(empty.text.contains("data"), "{}", empty.text);
    assert_ne!(empty.error_type(), "InvalidJson");
}

#[test]
fn every_error_has_the_json_shape_and_an_honest_status() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_shop(tmp.path());
    // (method, path, body, status, errorType, text in the message)
    type Case<'a> = (&'a str, &'a str, Option<&'a [u8]>, u16, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/public/api/v1/nope/items/lookup",
            Some(b"{}"),
            404,
            "UnknownService",
            "no service \"nope\"",
        ),
        (
            "POST",
            "/public/api/v1/shop/nope/lookup",
            Some(b"{}"),
            404,
            "UnknownEndpoint",
            "has no endpoint \"nope\"",
        ),
        (
            "POST",
            "/public/api/v1/shop/items/predict",
            Some(b"{}"),
            404,
            "UnsupportedAction",
            "it answers lookup, lookup-multi, lookup-simple, not predict",
        ),
        (
            "POST",
            "/public/api/v1/shop/items/run",
            Some(b"{}"),
            404,
            "UnsupportedAction",
            "is a lookup endpoint",
        ),
        (
            "POST",
            "/public/api/v1/shop/items/forecast",
            Some(b"{}"),
            404,
            "UnknownAction",
            "\"forecast\" is not a user-API action",
        ),
        (
            "POST",
            "/public/api/v1/shop/items/lookup",
            Some(b"{\"data\":"),
            400,
            "InvalidJson",
            "not valid JSON",
        ),
        (
            "POST",
            "/public/api/v1/shop/items/lookup",
            Some(b"[1,2]"),
            400,
            "InvalidJson",
            "found an array",
        ),
        (
            "GET",
            "/public/api/v1/shop/items/lookup",
            None,
            405,
            "MethodNotAllowed",
            "use POST",
        ),
        (
            "POST",
            "/public/api/v1/shop/items/lookup-simple",
            Some(b"{}"),
            405,
            "MethodNotAllowed",
            "use GET",
        ),
        (
            "PUT",
            "/public/api/v1/shop/items/run",
            Some(b"{}"),
            405,
            "MethodNotAllowed",
            "use GET or POST",
        ),
        (
            "GET",
            "/no/such/route",
            None,
            404,
            "NoSuchRoute",
            "no route for GET /no/such/route",
        ),
    ];
    for (method, path, body, status, error_type, text) in cases {
        let answer = server.call(method, path, None, body, None);
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text);
        let json = answer.json();
        assert_eq!(json["errorType"], error_type, "{method} {path}");
        assert!(
            json["message"].as_str().unwrap().contains(text)
                || json["detailedMessage"].as_str().unwrap().contains(text),
            "{method} {path}: {json}"
        );
        assert!(json["detailedMessage"].is_string());
        assert_eq!(
            answer.headers.get("content-type").unwrap(),
            "application/json"
        );
    }
    let not_allowed = server.call("GET", "/public/api/v1/shop/items/lookup", None, None, None);
    assert_eq!(not_allowed.headers.get("allow").unwrap(), "POST");
}

#[test]
fn a_huge_body_is_a_413_and_the_server_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_shop(tmp.path());
    let mut huge = br#"{"data":{"id":1},"padding":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 17 << 20));
    huge.extend(br#""}"#);
    let answer = server.call(
        "POST",
        "/public/api/v1/shop/items/lookup",
        None,
        Some(&huge),
        None,
    );
    assert_eq!(
        (answer.status, answer.error_type().as_str()),
        (413, "PayloadTooLarge")
    );
    assert_eq!(server.lookup("shop", 1).status, 200);
}

#[test]
fn envelope_headers_and_tolerated_url_forms() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_shop(tmp.path());
    let answer = server.lookup("shop", 1);
    let versioned = |answer: &support::Answer, what: &str| {
        assert_eq!(
            answer
                .headers
                .get("dss-api-version")
                .map(|v| v.to_str().unwrap()),
            Some("1"),
            "{what}"
        );
        let version = answer
            .headers
            .get("dss-version")
            .map(|v| v.to_str().unwrap());
        assert!(version.is_some_and(|v| v.starts_with("plinth-")), "{what}");
    };
    versioned(&answer, "a user call");
    // The host's other answers carry them too: health, the admin API, a malformed path's 404.
    versioned(
        &server.call("GET", "/isAlive", None, None, None),
        "/isAlive",
    );
    versioned(&server.admin_get("services"), "the admin API");
    let malformed = server.call("GET", "/public/api/v1/shop", None, None, None);
    assert_eq!(malformed.status, 404);
    versioned(&malformed, "a malformed user path");
    let body = answer.json();
    assert_eq!(
        body["apiContext"],
        json!({"serviceId": "shop", "endpointId": "items", "serviceGeneration": "v1"})
    );
    for field in ["preProcessing", "wait", "execution"] {
        assert!(
            body["timing"][field].is_u64(),
            "timing.{field} missing: {body}"
        );
    }
    // A client base URL with a trailing slash, a trailing slash before the query, the
    // reference's `?a=1?b=2` form.
    assert_eq!(
        server
            .post(
                "//public/api/v1/shop/items/lookup",
                &json!({"data": {"id": 1}})
            )
            .status,
        200
    );
    let simple = server.get("/public/api/v1/shop/items/lookup-simple/?id=2");
    assert_eq!(
        simple.json()["results"][0]["data"]["label"],
        "two",
        "{}",
        simple.text
    );
    assert_eq!(server.get("/public/api/v1/ping").status, 200);
    assert_eq!(server.get("/isAlive").status, 200);
}

#[test]
fn metrics_count_calls_and_the_audit_trail_records_them() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_shop(tmp.path());
    for _ in 0..3 {
        assert_eq!(server.lookup("shop", 1).status, 200);
    }
    assert_eq!(
        server
            .post("/public/api/v1/shop/items/lookup", &json!({"data": "x"}))
            .status,
        400
    );
    let text = server.get("/metrics").text;
    assert!(
        text.contains("plinth_calls_total{service=\"shop\",endpoint=\"items\",outcome=\"ok\"} 3"),
        "{text}"
    );
    assert!(
        text.contains(
            "plinth_calls_total{service=\"shop\",endpoint=\"items\",outcome=\"client_error\"} 1"
        ),
        "{text}"
    );
    assert_eq!(
        server.admin_get("metrics").json()["endpoints"][0]["calls"],
        4
    );
    // The audit writer batches; give it a moment (bounded) before reading.
    let mut calls = 0;
    for _ in 0..50 {
        let audit = server.admin_get("audit?service=shop&limit=50").json();
        calls = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "call")
            .count();
        if calls == 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(calls, 4);
    // A service's own trail takes the same `limit`, and refuses one that is not a number.
    let two = server.admin_get("services/shop/audit?limit=2").json();
    assert_eq!(two["entries"].as_array().unwrap().len(), 2, "{two}");
    let all = server.admin_get("services/shop/audit").json();
    assert!(all["entries"].as_array().unwrap().len() >= 4, "{all}");
    let bad = server.admin_get("services/shop/audit?limit=lots");
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("limit"), "{}", bad.text);
}

#[test]
fn disabled_services_answer_503_until_enabled() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server_with_shop(tmp.path());
    assert_eq!(
        server
            .admin_post("services/shop/actions/disable", &json!({}))
            .status,
        200
    );
    let answer = server.lookup("shop", 1);
    assert_eq!(
        (answer.status, answer.error_type().as_str()),
        (503, "ServiceDisabled")
    );
    assert_eq!(
        server
            .admin_post("services/shop/actions/enable", &json!({}))
            .status,
        200
    );
    assert_eq!(server.lookup("shop", 1).status, 200);
}
