//! The test harness: the dashboard over the fake admin API, requests with cookies and forms.

pub mod fake_api;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use fake_api::{ADMIN_KEY, Fake, Svc};
use plinth_dashboard::DashboardConfig;
use plinth_dashboard::clock::ManualClock;
use std::sync::Arc;
use tower::ServiceExt as _;

/// The `Host` every test request names, and its origin.
pub const HOST: &str = "plinth.test:8080";
pub const ORIGIN: &str = "http://plinth.test:8080";

/// An answer, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookie(&self) -> &str {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A logged-in browser: its cookie and the CSRF token its pages carry.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub struct Harness {
    pub app: Router,
    pub fake: Fake,
    pub clock: Arc<ManualClock>,
}

impl Harness {
    pub fn new(services: Vec<Svc>) -> Self {
        let fake = Fake::with(services);
        let clock = Arc::new(ManualClock::default());
        let config = DashboardConfig {
            clock: clock.clone(),
            ..DashboardConfig::default()
        };
        let app = plinth_dashboard::router(fake.router(), config);
        Harness { app, fake, clock }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path).header(header::HOST, HOST);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A form POST; `origin` is sent as the `Origin` header when given.
    pub async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &str,
        origin: Option<&str>,
    ) -> Reply {
        let mut request = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Logs in with the fake's admin key and reads the CSRF token off the overview.
    pub async fn login(&self) -> Browser {
        let reply = self
            .post("/ui/login", None, &format!("key={ADMIN_KEY}"), Some(ORIGIN))
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let cookie = reply.set_cookie().split(';').next().unwrap().to_owned();
        let page = self.get("/ui/", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        Browser {
            csrf: csrf_of(&page.body),
            cookie,
        }
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}
