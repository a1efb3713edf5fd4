//! The dashboard end to end over a fake admin API: login, sessions, CSRF, headers, actions,
//! escaping and the overview's cost.

mod support;

use axum::http::{StatusCode, header};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use support::fake_api::{ADMIN_KEY, SERVICE_KEY, Svc};
use support::{Harness, ORIGIN, Reply};

/// What the issue demands, spelled out here rather than read from the crate's constant.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

fn assert_secure(what: &str, reply: &Reply) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            reply.headers.get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{what}: header {name}"
        );
    }
    assert!(!reply.body.contains("<script"), "{what}: no script");
    assert!(!reply.body.contains(" style="), "{what}: no inline style");
}

#[tokio::test]
async fn root_sends_to_login_without_a_session_and_home_with_one() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let reply = h.get("/", None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/ui/login");
    assert_eq!(h.get("/ui/", None).await.location(), "/ui/login");
    let browser = h.login().await;
    assert_eq!(h.get("/", Some(&browser.cookie)).await.location(), "/ui/");
    assert_eq!(
        h.get("/ui/login", Some(&browser.cookie)).await.location(),
        "/ui/"
    );
}

#[tokio::test]
async fn a_good_key_opens_a_session_with_a_strict_cookie() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let reply = h
        .post("/ui/login", None, &format!("key={ADMIN_KEY}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/ui/");
    let cookie = reply.set_cookie();
    let id = cookie
        .strip_prefix("plinth_session=")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    for attribute in ["; HttpOnly", "; SameSite=Strict", "; Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
}

#[tokio::test]
async fn a_bad_or_non_admin_key_shows_the_form_again_with_401() {
    let h = Harness::new(vec![Svc::new("svc")]);
    for (key, message) in [
        ("wrong-key", "unknown or expired API key"),
        (SERVICE_KEY, "this key is a service key"),
        ("", "Enter an admin API key"),
    ] {
        let reply = h
            .post("/ui/login", None, &format!("key={key}"), Some(ORIGIN))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{key}");
        assert!(reply.body.contains(message), "{key}: {}", reply.body);
        assert!(reply.body.contains("type=\"password\""));
        assert!(reply.headers.get(header::SET_COOKIE).is_none());
    }
    let foreign = h
        .post(
            "/ui/login",
            None,
            &format!("key={ADMIN_KEY}"),
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert!(foreign.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_no_inline_code() {
    let h = Harness::new(vec![Svc::new("svc")]);
    assert_secure("GET /", &h.get("/", None).await);
    assert_secure("login form", &h.get("/ui/login", None).await);
    assert_secure(
        "bad login",
        &h.post("/ui/login", None, "key=nope", None).await,
    );
    assert_secure("stylesheet", &h.get("/ui/style.css", None).await);
    let b = h.login().await;
    let cookie = Some(b.cookie.as_str());
    for path in [
        "/ui/",
        "/ui",
        "/ui/services/svc",
        "/ui/services/svc/disable",
        "/ui/services/svc/enable",
        "/ui/services/missing",
    ] {
        let reply = h.get(path, cookie).await;
        assert_secure(path, &reply);
        if path != "/ui/services/missing" {
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert!(reply.body.contains("href=\"/ui/style.css\""), "{path}");
        }
    }
    assert_secure(
        "403",
        &h.post("/ui/services/svc/disable", cookie, "csrf=bad", None)
            .await,
    );
    let action = h
        .post(
            "/ui/services/svc/switch-newest",
            cookie,
            &format!("csrf={}", b.csrf),
            None,
        )
        .await;
    assert_secure("action redirect", &action);
    assert_eq!(
        h.get("/ui/style.css", None).await.headers[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
}

#[tokio::test]
async fn posts_without_the_right_token_or_from_another_origin_are_403_and_change_nothing() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let cookie = Some(b.cookie.as_str());
    let wrong = "0".repeat(64);
    let attempts = [
        ("missing token", String::new(), None),
        ("wrong token", format!("csrf={wrong}"), None),
        (
            "foreign origin",
            format!("csrf={}", b.csrf),
            Some("https://evil.example"),
        ),
        ("null origin", format!("csrf={}", b.csrf), Some("null")),
    ];
    for (what, form, origin) in &attempts {
        for path in [
            "/ui/services/svc/disable",
            "/ui/services/svc/switch-newest",
            "/ui/logout",
        ] {
            let reply = h.post(path, cookie, form, *origin).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what} {path}");
            assert!(reply.body.contains("Nothing was changed"));
        }
    }
    assert_eq!(h.fake.service("svc").active, "v2");
    assert!(h.fake.service("svc").enabled, "not disabled");
    assert_eq!(
        h.get("/ui/", cookie).await.status,
        StatusCode::OK,
        "still logged in"
    );
    let ok = h
        .post(
            "/ui/services/svc/disable",
            cookie,
            &format!("csrf={}", b.csrf),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(
        !h.fake.service("svc").enabled,
        "the right token from this origin works"
    );
}

#[tokio::test]
async fn a_post_without_a_session_goes_to_login_and_changes_nothing() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let reply = h
        .post("/ui/services/svc/disable", None, "csrf=x", None)
        .await;
    assert_eq!(reply.location(), "/ui/login");
    assert!(h.fake.service("svc").enabled);
}

#[tokio::test]
async fn switching_a_generation_calls_the_api_and_flashes_the_outcome() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let cookie = Some(b.cookie.as_str());
    let page = h.get("/ui/services/svc", cookie).await;
    assert!(page.body.contains("action=\"/ui/services/svc/switch\""));
    assert!(
        page.body.contains("<option value=\"v2\" selected>"),
        "the active one is selected"
    );

    let reply = h
        .post(
            "/ui/services/svc/switch",
            cookie,
            &format!("csrf={}&generation=v1", b.csrf),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/ui/services/svc");
    assert_eq!(h.fake.service("svc").active, "v1");
    let page = h.get("/ui/services/svc", cookie).await;
    assert!(page.body.contains("flash ok"), "{}", page.body);
    assert!(page.body.contains("now sends every call to generation v1"));
    assert!(
        !h.get("/ui/services/svc", cookie)
            .await
            .body
            .contains("flash"),
        "shown once"
    );

    let reply = h
        .post(
            "/ui/services/svc/switch",
            cookie,
            &format!("csrf={}&generation=v9", b.csrf),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let page = h.get("/ui/services/svc", cookie).await;
    assert!(page.body.contains("flash error"));
    assert!(
        page.body.contains("has no generation &quot;v9&quot;"),
        "the API's message: {}",
        page.body
    );
    assert_eq!(h.fake.service("svc").active, "v1");

    h.post(
        "/ui/services/svc/switch-newest",
        cookie,
        &format!("csrf={}", b.csrf),
        None,
    )
    .await;
    assert_eq!(h.fake.service("svc").active, "v2");
    assert!(
        h.get("/ui/services/svc", cookie)
            .await
            .body
            .contains("its newest generation, v2")
    );
}

#[tokio::test]
async fn enable_and_disable_go_through_a_confirmation_form() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let cookie = Some(b.cookie.as_str());
    let page = h.get("/ui/services/svc", cookie).await;
    assert!(
        page.body.contains("href=\"/ui/services/svc/disable\""),
        "a link, not a button that acts"
    );
    let confirm = h.get("/ui/services/svc/disable", cookie).await;
    assert!(
        confirm
            .body
            .contains("method=\"post\" action=\"/ui/services/svc/disable\"")
    );
    assert!(confirm.body.contains(&b.csrf));
    assert!(
        h.fake.service("svc").enabled,
        "confirming page changes nothing"
    );
    h.post(
        "/ui/services/svc/disable",
        cookie,
        &format!("csrf={}", b.csrf),
        None,
    )
    .await;
    assert!(!h.fake.service("svc").enabled);
    assert!(
        h.get("/ui/services/svc", cookie)
            .await
            .body
            .contains("is disabled")
    );
    h.post(
        "/ui/services/svc/enable",
        cookie,
        &format!("csrf={}", b.csrf),
        None,
    )
    .await;
    assert!(h.fake.service("svc").enabled);
}

#[tokio::test]
async fn service_names_are_escaped() {
    let evil = "<script>alert(1)</script>";
    let h = Harness::new(vec![Svc::new(evil)]);
    let b = h.login().await;
    let overview = h.get("/ui/", Some(&b.cookie)).await;
    assert!(
        overview
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        overview.body
    );
    assert!(!overview.body.contains(evil));
    assert!(
        overview
            .body
            .contains("href=\"/ui/services/%3Cscript%3Ealert%281%29%3C%2Fscript%3E\"")
    );
    let page = h
        .get(
            "/ui/services/%3Cscript%3Ealert%281%29%3C%2Fscript%3E",
            Some(&b.cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains(evil));
    assert!(page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn the_service_page_shows_generations_and_endpoint_numbers() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let page = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    for expected in [
        "v1",
        "v2",
        "2023-11-14 22:13 UTC",
        "predict",
        "score",
        "<td class=\"num\">400</td>",
        "2.5 ms",
        "<td class=\"num\">2%</td>",
        "<td class=\"num\">1%</td>",
        "the svc service",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
}

#[tokio::test]
async fn the_overview_of_20_services_makes_21_calls_and_is_fast() {
    let services: Vec<Svc> = (0..20).map(|i| Svc::new(&format!("svc{i:02}"))).collect();
    let h = Harness::new(services);
    let b = h.login().await;
    let before = h.fake.calls.load(Ordering::SeqCst);
    let started = Instant::now();
    let reply = h.get("/ui/", Some(&b.cookie)).await;
    let elapsed = started.elapsed();
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        h.fake.calls.load(Ordering::SeqCst) - before,
        21,
        "one list call and one per service"
    );
    for i in 0..20 {
        assert!(
            reply
                .body
                .contains(&format!("href=\"/ui/services/svc{i:02}\""))
        );
    }
    assert_eq!(
        reply.body.matches("<td class=\"num\">2</td>").count(),
        40,
        "2 generations, 2 endpoints each"
    );
    assert!(
        elapsed < Duration::from_millis(500),
        "rendered 20 services in {elapsed:?}"
    );
}

#[tokio::test]
async fn the_admin_key_never_reaches_the_browser() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let login = h
        .post("/ui/login", None, &format!("key={ADMIN_KEY}"), None)
        .await;
    let cookie = login.set_cookie().split(';').next().unwrap().to_owned();
    let mut replies = vec![login];
    for path in ["/", "/ui/", "/ui/services/svc", "/ui/services/svc/disable"] {
        replies.push(h.get(path, Some(&cookie)).await);
    }
    for reply in &replies {
        assert!(!reply.body.contains(ADMIN_KEY));
        for value in reply.headers.values() {
            assert!(!value.to_str().unwrap_or_default().contains(ADMIN_KEY));
        }
    }
}

#[tokio::test]
async fn logout_deletes_the_session() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let reply = h
        .post(
            "/ui/logout",
            Some(&b.cookie),
            &format!("csrf={}", b.csrf),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), "/ui/login");
    assert!(reply.set_cookie().contains("Max-Age=0"));
    assert_eq!(
        h.get("/ui/", Some(&b.cookie)).await.location(),
        "/ui/login",
        "the old cookie is dead"
    );
}

#[tokio::test]
async fn sessions_expire_after_30_idle_minutes() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    h.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(h.get("/ui/", Some(&b.cookie)).await.status, StatusCode::OK);
    h.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(h.get("/ui/", Some(&b.cookie)).await.location(), "/ui/login");
}

#[tokio::test]
async fn a_key_revoked_meanwhile_ends_the_session() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    h.fake.revoked.store(true, Ordering::SeqCst);
    let reply = h.get("/ui/", Some(&b.cookie)).await;
    assert_eq!(reply.location(), "/ui/login");
    assert!(reply.set_cookie().contains("Max-Age=0"));
    h.fake.revoked.store(false, Ordering::SeqCst);
    assert_eq!(
        h.get("/ui/", Some(&b.cookie)).await.location(),
        "/ui/login",
        "the session is gone"
    );
}

#[tokio::test]
async fn a_browser_form_post_under_no_referrer_is_accepted() {
    // What Chromium sends for a same-origin form POST from a `Referrer-Policy: no-referrer`
    // page: `Origin: null` with `Sec-Fetch-Site: same-origin`.
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let post = |site: &'static str| {
        axum::http::Request::post("/ui/services/svc/disable")
            .header(header::HOST, support::HOST)
            .header(header::COOKIE, &b.cookie)
            .header(header::ORIGIN, "null")
            .header("sec-fetch-site", site)
            .body(axum::body::Body::from(format!("csrf={}", b.csrf)))
            .unwrap()
    };
    assert_eq!(
        h.send(post("cross-site")).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(h.fake.service("svc").enabled);
    assert_eq!(
        h.send(post("same-origin")).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(!h.fake.service("svc").enabled);
}
