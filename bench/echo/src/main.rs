//! A bare axum JSON echo, the ceiling for any JSON-over-HTTP route on this machine.
//!
//! `POST /echo` parses the body as JSON and answers it back; `GET /echo?a=1&b=2` answers the
//! query pairs as a JSON object. Same axum and tokio versions and features as Plinth, no
//! middleware, no state. Usage: `plinth-bench-echo 127.0.0.1:18300`.

use axum::Router;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Map, Value};

/// Answers a JSON body back as JSON; anything that is not JSON gets a 400.
async fn echo_body(body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Value>(&body) {
        Ok(value) => Json(value).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("not JSON: {e}")).into_response(),
    }
}

/// Answers the query string's `name=value` pairs as a JSON object of strings.
async fn echo_query(RawQuery(query): RawQuery) -> Json<Value> {
    let mut object = Map::new();
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        object.insert(name.to_owned(), Value::String(value.to_owned()));
    }
    Json(Value::Object(object))
}

#[tokio::main]
async fn main() {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18300".to_owned());
    let app = Router::new().route("/echo", get(echo_query).post(echo_body));
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "echo listening on http://{}",
        listener
            .local_addr()
            .map_or(listen.clone(), |a| a.to_string())
    );
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}
