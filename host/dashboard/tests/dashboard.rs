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
        "/ui/monitors",
        "/ui/jobs",
        "/ui/keys",
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
    for path in [
        "/",
        "/ui/",
        "/ui/services/svc",
        "/ui/services/svc/disable",
        "/ui/monitors",
        "/ui/jobs",
        "/ui/keys",
    ] {
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

/// `data-points` of the chart `name`, when the page has it.
fn points_of(body: &str, name: &str) -> Option<usize> {
    let marker = format!("data-chart=\"{name}\" data-points=\"");
    let start = body.find(&marker)? + marker.len();
    body[start..].split('"').next()?.parse().ok()
}

/// The `<figure>` of the chart `name`.
fn figure_of<'a>(body: &'a str, name: &str) -> &'a str {
    let marker = format!("data-chart=\"{name}\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} chart"));
    let end = body[start..].find("</figure>").unwrap() + start;
    &body[start..end]
}

#[tokio::test]
async fn the_service_page_charts_every_bucket_of_the_period() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let cookie = Some(b.cookie.as_str());
    let page = h.get("/ui/services/svc", cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_secure("service page with charts", &page);
    let body = &page.body;
    // 24 h by default, hourly: 24 buckets.
    for (chart, points) in [
        ("requests", 24),
        ("errors", 48),
        ("latency", 72),
        ("predictions", 24),
        ("drift", 2),
        ("accuracy", 0),
    ] {
        assert_eq!(points_of(body, chart), Some(points), "{chart}: {body}");
        let figure = figure_of(body, chart);
        assert_eq!(
            figure.matches("<circle class=\"point\"").count(),
            if chart == "drift" { 0 } else { points },
            "{chart}: one circle per point"
        );
    }
    let latency = figure_of(body, "latency");
    for label in ["p50", "p90", "p99"] {
        assert!(
            latency.contains(&format!(">{label}</text>")),
            "legend {label}"
        );
    }
    assert!(
        latency.contains("<title>p99: 122 ms · "),
        "a tooltip with the value and the time: {latency}"
    );
    assert!(figure_of(body, "requests").contains("<title>requests: 33 · "));
    assert!(figure_of(body, "predictions").contains("baseline mean"));
    assert!(body.contains("Target drift of <code>churned</code>"));

    // What was asked: the trailing slash, the metrics and quantiles, 24 hours in 1 h buckets.
    let stats = h.fake.requests_to("/serviceStatsOverTime/?");
    assert_eq!(stats.len(), 6, "{stats:?}");
    for wanted in [
        "metric=totalRequests&bucketSize=PT1H&start=",
        "metric=userErrorRate&",
        "metric=serverErrorRate&",
        "metric=responseTime&bucketSize=PT1H&quantile=0.5&",
        "metric=responseTime&bucketSize=PT1H&quantile=0.9&",
        "metric=responseTime&bucketSize=PT1H&quantile=0.99&",
    ] {
        assert!(
            stats.iter().any(|r| r.contains(wanted)),
            "{wanted}: {stats:?}"
        );
    }
    let first = &stats[0];
    assert!(first.starts_with("/api/v2/deployments/svc~predict/serviceStatsOverTime/?"));
    let param = |name: &str| {
        let start = first.find(&format!("{name}=")).unwrap() + name.len() + 1;
        let value = first[start..]
            .split('&')
            .next()
            .unwrap()
            .replace("%3A", ":");
        support::fake_api::parse_ts(&value).unwrap()
    };
    assert_eq!(param("end") - param("start"), 24 * 3_600_000);
    assert_eq!(param("end") % 3_600_000, 0, "on the hour");
    for route in [
        "/featureDrift/?",
        "/healthSettings/",
        "/predictionsOverTime/?bucketSize=PT1H&",
        "/targetDrift/?",
        "/accuracyOverTime/?bucketSize=PT1H&",
    ] {
        assert_eq!(h.fake.requests_to(route).len(), 1, "{route}");
    }

    // The period links.
    assert!(body.contains("href=\"/ui/services/svc?endpoint=predict&amp;period=7d#monitoring\""));
    let week = h
        .get("/ui/services/svc?endpoint=predict&period=7d", cookie)
        .await;
    assert_eq!(
        points_of(&week.body, "requests"),
        Some(28),
        "6-hour buckets"
    );
    assert_eq!(
        points_of(&week.body, "predictions"),
        Some(7),
        "daily buckets"
    );
    let hour = h.get("/ui/services/svc?period=1h", cookie).await;
    assert_eq!(points_of(&hour.body, "requests"), Some(1));
    let score = h.get("/ui/services/svc?endpoint=score", cookie).await;
    assert!(score.body.contains("<code>svc~score</code>"));
    assert!(!h.fake.requests_to("/svc~score/").is_empty());
}

#[tokio::test]
async fn no_traffic_renders_the_empty_state() {
    let h = Harness::new(vec![Svc::new("svc")]);
    h.fake.monitoring.lock().unwrap().traffic = false;
    let b = h.login().await;
    let body = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    for chart in ["requests", "errors", "latency", "predictions"] {
        assert_eq!(points_of(&body, chart), Some(0), "{chart}");
        let figure = figure_of(&body, chart);
        assert!(
            figure.contains("no traffic in this period"),
            "{chart}: {figure}"
        );
        assert!(!figure.contains("<svg"), "{chart}");
    }
    assert!(body.contains("No target drift score for this period"));
}

#[tokio::test]
async fn a_failing_chart_call_shows_an_inline_error_and_the_rest_of_the_page() {
    let h = Harness::new(vec![Svc::new("svc")]);
    h.fake.monitoring.lock().unwrap().failing = vec![
        "serviceStatsOverTime:responseTime".into(),
        "featureDrift".into(),
    ];
    let b = h.login().await;
    let page = h.get("/ui/services/svc", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    for chart in ["latency", "drift"] {
        let figure = figure_of(&page.body, chart);
        assert!(figure.contains("data-error=\"true\""), "{chart}");
        assert!(
            figure.contains("Could not load this chart: the monitoring database failed"),
            "{chart}: {figure}"
        );
    }
    assert_eq!(
        points_of(&page.body, "requests"),
        Some(24),
        "the rest is shown"
    );
    assert_eq!(points_of(&page.body, "predictions"), Some(24));
    assert!(page.body.contains("Generations"));
}

#[tokio::test]
async fn the_drift_table_lists_each_feature_with_its_score_escaped() {
    let h = Harness::new(vec![Svc::new("svc")]);
    h.fake.monitoring.lock().unwrap().features = vec![
        ("age".into(), Some(0.31)),
        ("<script>alert(1)</script>".into(), Some(0.04)),
        ("zip".into(), None),
    ];
    let b = h.login().await;
    let body = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    assert!(!body.contains("<script>"), "{body}");
    let start = body.find("<table class=\"drift\">").expect("a drift table");
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    for row in [
        "<tr class=\"drifting\"><td>age</td><td class=\"num\">0.31</td>",
        "<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"num\">0.04</td>",
        "<tr><td>zip</td><td class=\"num\">—</td>",
    ] {
        assert!(table.contains(row), "{row}: {table}");
    }
    let drift = figure_of(&body, "drift");
    assert!(drift.contains("drift threshold: 0.15"));
    assert_eq!(drift.matches("class=\"bar over\"").count(), 1);
}

#[tokio::test]
async fn accuracy_is_charted_once_actuals_exist() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let body = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    assert!(figure_of(&body, "accuracy").contains("No actuals for this period"));
    h.fake.monitoring.lock().unwrap().actuals = true;
    let body = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    assert_eq!(points_of(&body, "accuracy"), Some(24));
    assert!(figure_of(&body, "accuracy").contains("Accuracy (RMSE) per bucket"));
}

#[tokio::test]
async fn only_prediction_endpoints_are_charted() {
    let mut svc = Svc::new("fn");
    svc.endpoints.clear();
    svc.functions = vec!["run".into()];
    let mut mixed = Svc::new("mixed");
    mixed.functions = vec!["helper".into()];
    let h = Harness::new(vec![svc, mixed]);
    let b = h.login().await;
    let page = h.get("/ui/services/fn", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No prediction endpoint"));
    assert!(!page.body.contains("data-chart="));
    assert!(h.fake.requests_to("/api/v2/").is_empty());
    let page = h
        .get("/ui/services/mixed?endpoint=helper", Some(&b.cookie))
        .await;
    assert!(page.body.contains("helper is not a prediction endpoint"));
    assert!(page.body.contains("<code>mixed~predict</code>"));
    assert!(
        h.fake.requests_to("helper").is_empty(),
        "a function endpoint is no deployment"
    );
}

#[tokio::test]
async fn the_monitors_page_lists_monitors_and_alerts_escaped() {
    let evil = "<script>alert(1)</script>";
    let h = Harness::new(vec![Svc::new("svc")]);
    *h.fake.monitors.lock().unwrap() = vec![
        support::fake_api::monitor(evil, true),
        support::fake_api::monitor("quiet", false),
    ];
    *h.fake.alerts.lock().unwrap() = vec![support::fake_api::alert(evil, "42 calls < 100")];
    assert_eq!(h.get("/ui/monitors", None).await.location(), "/ui/login");
    let b = h.login().await;
    let page = h.get("/ui/monitors", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_secure("monitors", &page);
    let body = &page.body;
    assert!(!body.contains(evil));
    assert_eq!(
        body.matches("&lt;script&gt;alert(1)&lt;/script&gt;")
            .count(),
        2
    );
    for expected in [
        "quiet",
        "model_activity",
        "<code>0 * * * *</code>",
        "2024-12-06T15:00:00.000Z: value 42",
        "2024-12-06T16:00:00.000Z",
        "HIGH",
        "model_activity_threshold",
        "42 calls &lt; 100",
        "min 100",
        "2024-12-06T15:00:01.000Z",
        "href=\"/ui/monitors\"",
    ] {
        assert!(body.contains(expected), "{expected}: {body}");
    }
    assert_eq!(body.matches("span class=\"badge on\">enabled").count(), 1);
    assert_eq!(body.matches("span class=\"badge off\">disabled").count(), 1);
    assert_eq!(h.fake.requests_to("/v1beta/alerts?limit=50").len(), 1);

    h.fake.monitors.lock().unwrap().clear();
    h.fake.alerts.lock().unwrap().clear();
    let body = h.get("/ui/monitors", Some(&b.cookie)).await.body;
    assert!(body.contains("No monitor is defined"));
    assert!(body.contains("No alert has been raised."));
}

#[tokio::test]
async fn the_jobs_page_shows_progress_and_errors_escaped() {
    use support::fake_api::job;
    let h = Harness::new(vec![Svc::new("svc")]);
    *h.fake.jobs.lock().unwrap() = Some(vec![
        job("j-running", "running", Some(1000), 400, None),
        job("j-queued", "queued", None, 0, None),
        job(
            "j-failed",
            "failed",
            Some(10),
            5,
            Some("<script>boom</script>"),
        ),
    ]);
    assert_eq!(h.get("/ui/jobs", None).await.location(), "/ui/login");
    let b = h.login().await;
    let page = h.get("/ui/jobs", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_secure("jobs", &page);
    let body = &page.body;
    assert!(body.contains("href=\"/ui/jobs\""), "in the navigation");
    assert!(!body.contains("<script>"));
    assert!(body.contains("&lt;script&gt;boom&lt;/script&gt;"));
    let rows: Vec<&str> = body.split("<tr class=\"job ").skip(1).collect();
    assert_eq!(rows.len(), 3, "newest first, as the API lists them");
    assert!(rows[0].starts_with("running\""));
    assert!(rows[0].contains("<rect class=\"done\" x=\"0\" y=\"0\" width=\"48.0\""));
    assert!(rows[0].contains("40%"));
    assert!(rows[0].contains("400 / 1000"));
    assert!(rows[0].contains("apres.batch"));
    assert!(rows[1].contains("not prepared yet"));
    assert!(rows[1].contains("0 / <span class=\"muted\">?</span>"));
    assert!(rows[2].contains("50%"));
    assert!(rows[2].contains("fill=\"#a3231b\""));
    assert!(rows[2].contains("2024-12-06 15:56 UTC"), "finished");
    assert_eq!(h.fake.requests_to("/admin/api/jobs?limit=100").len(), 1);

    *h.fake.jobs.lock().unwrap() = None;
    let page = h.get("/ui/jobs", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "an older server is no error");
    assert!(page.body.contains("does not list batch jobs"));
    *h.fake.jobs.lock().unwrap() = Some(Vec::new());
    let page = h.get("/ui/jobs", Some(&b.cookie)).await;
    assert!(page.body.contains("No batch job has been submitted."));
}

#[tokio::test]
async fn the_keys_pages_list_keys_and_never_a_secret() {
    use support::fake_api::key;
    let secrets = [
        "AdminSecretAAAAAAAAAAAAAAAAAAAAA",
        "MonitorSecretBBBBBBBBBBBBBBBBBBB",
        "ServiceSecretCCCCCCCCCCCCCCCCCCC",
    ];
    let h = Harness::new(vec![Svc::new("svc")]);
    *h.fake.admin_keys.lock().unwrap() = vec![
        key("k-admin", "<script>ops</script>", secrets[0], None),
        key(
            "k-old",
            "old",
            "OldSecretDDDDDDDDDDDDDDDDD",
            Some(1_700_000_000_000),
        ),
    ];
    *h.fake.monitoring_keys.lock().unwrap() =
        vec![key("k-mon", "grafana", secrets[1], Some(4_102_444_800_000))];
    h.fake
        .service_keys
        .lock()
        .unwrap()
        .insert("svc".into(), vec![key("k-svc", "app", secrets[2], None)]);
    assert_eq!(h.get("/ui/keys", None).await.location(), "/ui/login");
    let b = h.login().await;
    let page = h.get("/ui/keys", Some(&b.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_secure("keys", &page);
    let body = &page.body;
    for expected in [
        "<code>k-admin</code>",
        "<code>AdminS…</code>",
        "&lt;script&gt;ops&lt;/script&gt;",
        "2023-11-14 22:13 UTC",
        "never",
        "expired",
        "<code>k-mon</code>",
        "grafana",
        "2100-01-01 00:00 UTC",
        "href=\"/ui/keys\"",
    ] {
        assert!(body.contains(expected), "{expected}: {body}");
    }
    assert!(!body.contains("<script>"));
    assert_eq!(body.matches("expired").count(), 1);
    let service = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    assert!(service.contains("<code>k-svc</code>"), "{service}");
    assert!(service.contains("<code>Servic…</code>"));
    for page in [body, &service] {
        for secret in secrets {
            assert!(!page.contains(secret), "a secret was rendered");
        }
    }
    h.fake.service_keys.lock().unwrap().clear();
    let service = h.get("/ui/services/svc", Some(&b.cookie)).await.body;
    assert!(service.contains("No key may call this service"));
}

#[tokio::test]
async fn the_navigation_links_every_page_and_logs_out_by_post() {
    let h = Harness::new(vec![Svc::new("svc")]);
    let b = h.login().await;
    let body = h.get("/ui/", Some(&b.cookie)).await.body;
    let nav = &body[body.find("<nav>").unwrap()..body.find("</nav>").unwrap()];
    let order: Vec<usize> = [
        "href=\"/ui/\">Services",
        "href=\"/ui/monitors\">Monitors",
        "href=\"/ui/jobs\">Jobs",
        "href=\"/ui/keys\">Keys",
        "action=\"/ui/logout\"",
    ]
    .iter()
    .map(|item| nav.find(item).unwrap_or_else(|| panic!("{item}: {nav}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{nav}");
}
