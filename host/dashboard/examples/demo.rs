//! Serves the dashboard over the tests' fake admin API on 127.0.0.1, to look at the pages in a
//! browser: `cargo run -p plinth-dashboard --example demo -- 8099`, then log in with the
//! `ADMIN_KEY` of `tests/support/fake_api.rs`. The wiring is the server's: the JSON
//! application is handed to [`plinth_dashboard::router`] and the two are merged.

#[allow(dead_code)]
#[path = "../tests/support/fake_api.rs"]
mod fake_api;

use fake_api::{Fake, Svc};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8099);
    let mut services: Vec<Svc> = ["churn", "fraud-score", "<script>alert(1)</script>"]
        .into_iter()
        .map(Svc::new)
        .collect();
    services[1].enabled = false;
    services[1].generations.push("v3".into());
    let api = Fake::with(services).router();
    let app = api
        .clone()
        .merge(plinth_dashboard::router(api, Default::default()));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("dashboard demo on http://127.0.0.1:{port}/");
    axum::serve(listener, app).await
}
