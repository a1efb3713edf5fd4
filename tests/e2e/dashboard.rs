//! The web dashboard served by the real server: `/` sends a browser to the login form, a login
//! with the admin key opens a session (cookie only; the key is in no page), the overview lists
//! the services, a generation switch made through the page changes what the user API answers,
//! POSTs without the session's CSRF token or from another origin are refused, and the JSON
//! routes beside it are unchanged. (The page in a real browser: tests/clients/dashboard.)

mod support;

use std::time::Duration;
use support::{ADMIN_KEY, Plinth, lookup_bundle};

/// A browser without redirects, holding one session cookie.
struct Browser {
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
}

struct Page {
    status: u16,
    headers: http::HeaderMap,
    text: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of the hidden CSRF field of the page's forms.
    fn csrf(&self) -> String {
        let at = self
            .text
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("no CSRF field in {}", self.text));
        let rest = &self.text[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

impl Browser {
    fn new(server: &Plinth) -> Browser {
        Browser {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into(),
            base: format!("http://{}", server.addr()),
            cookie: None,
        }
    }

    fn request(
        &mut self,
        method: &str,
        path: &str,
        form: Option<&str>,
        origin: Option<&str>,
    ) -> Page {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            builder = builder.header("Cookie", cookie);
        }
        if let Some(origin) = origin {
            builder = builder.header("Origin", origin);
        }
        let response = match form {
            Some(form) => self.agent.run(
                builder
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(form.as_bytes().to_vec())
                    .unwrap(),
            ),
            None => self.agent.run(builder.body(()).unwrap()),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if let Some(set) = headers.get("set-cookie").and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or_default().to_owned();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        let text = response.into_body().read_to_string().unwrap_or_default();
        Page {
            status,
            headers,
            text,
        }
    }

    fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None, None)
    }

    fn post(&mut self, path: &str, form: &str) -> Page {
        let origin = self.base.clone();
        self.request("POST", path, Some(form), Some(&origin))
    }
}

fn form_value(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn dashboard_login_overview_switch_and_refusals() {
    let data = tempfile::tempdir().unwrap();
    let server = Plinth::start(data.path());
    let bundles = tempfile::tempdir().unwrap();
    let one = lookup_bundle(
        &bundles.path().join("one"),
        "dash_svc",
        true,
        &[(1, "first")],
    );
    let two = lookup_bundle(
        &bundles.path().join("two"),
        "dash_svc",
        true,
        &[(1, "second")],
    );
    let first = server.deploy(&one)["generation"]
        .as_str()
        .unwrap()
        .to_owned();
    server.deploy(&two);
    assert!(server.lookup("dash_svc", 1).text.contains("second"));

    let mut browser = Browser::new(&server);
    let root = browser.get("/");
    assert_eq!(
        (root.status, root.location()),
        (303, "/ui/login"),
        "{}",
        root.text
    );
    let overview = browser.get("/ui/");
    assert_eq!((overview.status, overview.location()), (303, "/ui/login"));

    let form = browser.get("/ui/login");
    assert_eq!(form.status, 200);
    assert!(
        form.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = form.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );

    let refused = browser.post("/ui/login", "key=not-a-key");
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert!(browser.cookie.is_none());
    let foreign = browser.request(
        "POST",
        "/ui/login",
        Some(&format!("key={ADMIN_KEY}")),
        Some("http://evil.example"),
    );
    assert_eq!(foreign.status, 403, "{}", foreign.text);
    assert!(browser.cookie.is_none());

    let login = browser.post("/ui/login", &format!("key={}", form_value(ADMIN_KEY)));
    assert_eq!(
        (login.status, login.location()),
        (303, "/ui/"),
        "{}",
        login.text
    );
    let set_cookie = login.headers["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );

    // The trailing slash and the one without both reach the overview.
    for path in ["/ui/", "/ui"] {
        let overview = browser.get(path);
        assert_eq!(overview.status, 200, "{path}: {}", overview.text);
        assert!(overview.text.contains("dash_svc"), "{}", overview.text);
        assert!(!overview.text.contains(ADMIN_KEY), "the key is in the page");
    }

    let page = browser.get("/ui/services/dash_svc");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(&first), "{}", page.text);
    let token = page.csrf();

    // Without the token, with a wrong one, or from another origin: refused, nothing changes.
    let generation = format!("generation={}", form_value(&first));
    for form in [generation.clone(), format!("{generation}&csrf=wrong")] {
        let refused = browser.post("/ui/services/dash_svc/switch", &form);
        assert_eq!(refused.status, 403, "{form}: {}", refused.text);
    }
    let cross = browser.request(
        "POST",
        "/ui/services/dash_svc/switch",
        Some(&format!("{generation}&csrf={token}")),
        Some("http://evil.example"),
    );
    assert_eq!(cross.status, 403);
    assert!(server.lookup("dash_svc", 1).text.contains("second"));

    let switched = browser.post(
        "/ui/services/dash_svc/switch",
        &format!("{generation}&csrf={token}"),
    );
    assert_eq!(switched.status, 303, "{}", switched.text);
    let answer = server.lookup("dash_svc", 1);
    assert!(answer.text.contains("first"), "{}", answer.text);
    let after = browser.get("/ui/services/dash_svc");
    assert!(
        after.text.contains("now sends every call to generation"),
        "{}",
        after.text
    );

    // The JSON routes are as before: an unknown path is still the JSON 404.
    let unknown = server.get("/no/such/path");
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );

    let logout = browser.post("/ui/logout", &format!("csrf={token}"));
    assert_eq!((logout.status, logout.location()), (303, "/ui/login"));
    assert!(browser.cookie.is_none());
    assert_eq!(browser.get("/ui/").location(), "/ui/login");
}

/// The number in `data-points="N"` of the chart `data-chart="<id>"`, if the page has it.
fn chart_points(page: &str, id: &str) -> Option<u64> {
    let at = page.find(&format!(r#"data-chart="{id}" data-points=""#))?;
    let rest = &page[at + format!(r#"data-chart="{id}" data-points=""#).len()..];
    rest[..rest.find('"')?].parse().ok()
}

/// The pages over the real plugins' routes (the crate's own tests use a stand-in): after
/// traffic to a prediction endpoint its charts have points, and the monitors, jobs and keys
/// pages read the real answers without an error.
#[test]
fn dashboard_pages_read_the_real_monitoring_and_plugin_routes() {
    let data = tempfile::tempdir().unwrap();
    let server = Plinth::start(data.path());
    server.deploy(&support::repo_root().join("examples/diabetes_svc"));
    for i in 0..30 {
        let features = serde_json::json!({"age": 40 + i % 20, "sex": 1 + i % 2, "bmi": 25.0 + (i % 7) as f64,
            "bp": 90.0, "s1": 190.0, "s2": 110.0, "s3": 48.0, "s4": 4.0, "s5": 4.6, "s6": 90.0});
        let answer = server.post(
            "/public/api/v1/diabetes_svc/diabetes/predict",
            &serde_json::json!({"features": features}),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    // The monitoring rollups are written once a second.
    std::thread::sleep(Duration::from_millis(1600));

    let mut browser = Browser::new(&server);
    let login = browser.post("/ui/login", &format!("key={}", form_value(ADMIN_KEY)));
    assert_eq!(login.status, 303, "{}", login.text);
    let page = browser.get("/ui/services/diabetes_svc");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        !page.text.contains(r#"data-error="true""#),
        "a chart failed: {}",
        page.text
    );
    for chart in ["requests", "latency"] {
        let points = chart_points(&page.text, chart)
            .unwrap_or_else(|| panic!("no {chart} chart in {}", page.text));
        assert!(points > 0, "{chart}: no points after traffic");
    }
    for path in ["/ui/monitors", "/ui/jobs", "/ui/keys"] {
        let page = browser.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert!(!page.text.contains("flash error"), "{path}: {}", page.text);
        assert!(
            !page.text.contains(ADMIN_KEY),
            "{path}: the key is in the page"
        );
    }
    let jobs = browser.get("/ui/jobs");
    assert!(
        jobs.text.contains("No batch job has been submitted."),
        "{}",
        jobs.text
    );
}
