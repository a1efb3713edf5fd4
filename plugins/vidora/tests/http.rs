//! Authentication at the HTTP layer: signed requests accepted, every kind of bad one refused
//! with a 401 and its reason, unsigned keys, the path as sent (before the host rewrote a
//! trailing slash), the body limit, the key admin routes, and the router merging with the
//! host's own `/admin/api` routes.

mod common;

use axum::body::Body;
use axum::http::{Request, Uri, header};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn signed_requests_are_verified_over_what_was_sent() {
    on_both("vidora_signing", |env| async move {
        let c = client(&env).await;
        let (status, v) = c.get(&env, "/v1/api/pipelines", &[]).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            v.as_array().unwrap().len(),
            3,
            "three prediction endpoints: {v}"
        );

        // Extra params are signed too; spaces travel as `+` and are signed raw.
        let (status, v) = c
            .get(&env, "/v1/api/label_sets", &[("label_type", "look alike")])
            .await;
        assert_eq!(status, 200, "{v}");

        // A bad signature, a wrong secret, a changed body, a missing signature.
        let q = signed_query(&c, "GET", "/v1/api/pipelines", &[], b"");
        let tampered = q.replace("api_key", "active=true&api_key");
        for (query, reason) in [
            (tampered.as_str(), "signature does not match"),
            (
                &q.replace("signature=", "signature=x")[..],
                "signature does not match",
            ),
            (
                &format!("api_key={}", c.api_key)[..],
                "expires parameter is missing",
            ),
            (
                &format!(
                    "api_key={}&expires=2020-01-01T00%3A00&signature=x",
                    c.api_key
                )[..],
                "expired",
            ),
            (
                &format!("api_key={}&expires=soon&signature=x", c.api_key)[..],
                "not a UTC time",
            ),
            (
                &format!(
                    "api_key={}&expires=2999-01-01T00%3A00&signature=x",
                    c.api_key
                )[..],
                "ahead",
            ),
            ("api_key=nobody", "unknown api_key"),
            ("", "api_key parameter is missing"),
        ] {
            let request = Request::get(format!("/v1/api/pipelines?{query}"))
                .body(Body::empty())
                .unwrap();
            let (status, v) = send(&env, request).await;
            assert_eq!(status, 401, "{query}: {v}");
            let message = v["error"].as_str().unwrap();
            assert!(message.contains(reason), "{query}: {message}");
            assert_eq!(v["errors"][0], v["error"]);
        }
        // A body different from the signed one.
        let body = json!({"name": "x"}).to_string();
        let path = format!("/v1/api/pipelines/{}", pipeline_id(CLF));
        let q = signed_query(&c, "PUT", &path, &[], body.as_bytes());
        let request = Request::put(format!("{path}?{q}"))
            .body(Body::from("{\"name\":\"y\"}"))
            .unwrap();
        assert_eq!(send(&env, request).await.0, 401);
        // The same signature with another method.
        let q = signed_query(&c, "GET", &path, &[], b"");
        let request = Request::put(format!("{path}?{q}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&env, request).await.0, 401);
        let request = Request::get(format!("{path}?{q}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&env, request).await.0, 200);
        // A deleted key is unknown at once.
        let (status, _) = admin(
            &env,
            "DELETE",
            &format!("/admin/api/vidora/keys/{}", c.api_key),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(c.get(&env, "/v1/api/pipelines", &[]).await.0, 401);
    })
    .await;
}

#[tokio::test]
async fn a_rewritten_uri_still_verifies_against_the_sent_path() {
    on_both("vidora_sent_path", |env| async move {
        let c = client(&env).await;
        // The client signed `/v1/api/pipelines/` and sent it; the host routed `/v1/api/pipelines`
        // and kept the original in the SentUri extension.
        let q = signed_query(&c, "GET", "/v1/api/pipelines/", &[], b"");
        let sent: Uri = format!("/v1/api/pipelines/?{q}").parse().unwrap();
        let mut request = Request::get(format!("/v1/api/pipelines?{q}"))
            .body(Body::empty())
            .unwrap();
        request
            .extensions_mut()
            .insert(plinth_plugin_api::SentUri(sent));
        let (status, v) = send(&env, request).await;
        assert_eq!(status, 200, "{v}");
        // Without the extension, the routed path is not what was signed.
        let request = Request::get(format!("/v1/api/pipelines?{q}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&env, request).await.0, 401);
    })
    .await;
}

#[tokio::test]
async fn keys_without_signatures_need_only_the_api_key() {
    on_both("vidora_unsigned", |env| async move {
        let (api_key, _) = key(&env, false).await;
        let request = Request::get(format!("/v1/api/pipelines?api_key={api_key}"))
            .body(Body::empty())
            .unwrap();
        let (status, v) = send(&env, request).await;
        assert_eq!(status, 200, "{v}");
        let (status, keys) = admin(&env, "GET", "/admin/api/vidora/keys", Value::Null).await;
        assert_eq!(status, 200);
        let listed = keys.as_array().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["api_key"], api_key.as_str());
        assert_eq!(listed[0]["signatures"], false);
        assert!(listed[0].get("secret").is_none(), "{keys}");
    })
    .await;
}

#[tokio::test]
async fn admin_routes_need_an_admin_key() {
    on_both("vidora_admin", |env| async move {
        let (status, v) = admin(&env, "POST", "/admin/api/vidora/keys", Value::Null).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["signatures"], true, "signatures default to on");
        assert_eq!(v["secret"].as_str().unwrap().len(), 43);
        let (status, _) = admin(&env, "DELETE", "/admin/api/vidora/keys/nope", Value::Null).await;
        assert_eq!(status, 404);
        let (status, _) = admin(
            &env,
            "POST",
            "/admin/api/vidora/keys",
            json!({"signatures": "yes"}),
        )
        .await;
        assert_eq!(status, 400);
        for (auth, expected) in [
            (None, 401),
            (Some("Bearer wrong"), 401),
            (Some("Bearer monitoring-token"), 403),
        ] {
            let mut b = Request::get("/admin/api/vidora/keys");
            if let Some(a) = auth {
                b = b.header(header::AUTHORIZATION, a);
            }
            let (status, v) = send(&env, b.body(Body::empty()).unwrap()).await;
            assert_eq!(status, expected, "{auth:?}: {v}");
            assert!(v["error"].is_string());
        }
    })
    .await;
}

#[tokio::test]
async fn limits_unknown_routes_and_methods() {
    let db = plinth_plugin_api::test_db::TestDatabase::sqlite();
    let env = start(&db.url, "sqlite", json!({"max_body_bytes": 1000})).await;
    let c = client(&env).await;
    let (status, v) = c
        .call(
            &env,
            "POST",
            "/v1/api/label_sets",
            &[],
            Some(MULTIPART),
            vec![b'a'; 2000],
        )
        .await;
    assert_eq!(status, 413, "{v}");
    assert!(v["error"].as_str().unwrap().contains("1000 bytes"));
    let (status, v) = c.get(&env, "/v1/api/nothing", &[]).await;
    assert_eq!((status, v["error"].is_string()), (404, true));
    let (status, _) = c
        .call(&env, "DELETE", "/v1/api/pipelines", &[], None, vec![])
        .await;
    assert_eq!(status, 405);
    let (status, v) = c
        .get(&env, "/v1/api/pipelines", &[("active", "maybe")])
        .await;
    assert_eq!(status, 400, "{v}");
}

/// The host nests its admin API at `/admin/api` and merges the plugins' routes: the plugin's
/// `/admin/api/vidora/...` routes must merge without a conflict and both must answer.
#[tokio::test]
async fn the_router_merges_with_the_hosts_admin_api() {
    use axum::routing::get;
    let db = plinth_plugin_api::test_db::TestDatabase::sqlite();
    let env = start(&db.url, "sqlite", json!({})).await;
    let host_admin = axum::Router::new()
        .route("/services", get(|| async { "services" }))
        .route(
            "/keys/{key}",
            axum::routing::delete(|| async { "host key" }),
        );
    let app = axum::Router::new()
        .route(
            "/public/api/v1/{service}/{endpoint}/{action}",
            get(|| async { "user" }),
        )
        .nest("/admin/api", host_admin)
        .fallback(|| async { "host fallback" })
        .merge(env.router.clone());
    let (status, v) = admin(
        &Env {
            router: app.clone(),
            ..env
        },
        "GET",
        "/admin/api/vidora/keys",
        Value::Null,
    )
    .await;
    assert_eq!((status, v), (200, json!([])));
    let response = tower::ServiceExt::oneshot(
        app,
        Request::get("/admin/api/services")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
}
