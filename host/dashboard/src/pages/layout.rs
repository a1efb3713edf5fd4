//! The page shell (head, top bar with the logout form, flash message) and HTML responses.

use crate::session::{Flash, SessionView};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// A whole page. With a session, the top bar links home and has the logout form.
pub fn page(
    title: &str,
    session: Option<&SessionView>,
    flash: Option<&Flash>,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Plinth" }
                link rel="stylesheet" href="/ui/style.css";
                // No icon to fetch: the browser would ask for /favicon.ico, a JSON 404.
                link rel="icon" href="data:,";
            }
            body {
                header.top {
                    a.brand href="/ui/" { "Plinth" }
                    @if let Some(session) = session {
                        nav {
                            a href="/ui/" { "Services" }
                            a href="/ui/monitors" { "Monitors" }
                            a href="/ui/jobs" { "Jobs" }
                            a href="/ui/keys" { "Keys" }
                            form.inline method="post" action="/ui/logout" {
                                (csrf_field(session))
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main {
                    @if let Some(flash) = flash {
                        p class=(if flash.ok { "flash ok" } else { "flash error" }) role="status" {
                            (flash.message)
                        }
                    }
                    (content)
                }
            }
        }
    }
}

/// The hidden field that carries the session's CSRF token in every POST form.
pub fn csrf_field(session: &SessionView) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// An HTML response.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}
