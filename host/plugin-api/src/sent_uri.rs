//! The request URI as the client sent it. The host normalises paths before routing (repeated
//! slashes collapsed, a trailing slash dropped); an API that signs the path as sent (Vidora)
//! verifies against the original, which the host keeps in a request extension.

use axum::http::{Extensions, Uri};

/// The URI before the host's path normalisation: a request extension, present only when the
/// normalisation changed the URI. Read it with [`sent_uri`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentUri(pub Uri);

/// The URI the client sent: the [`SentUri`] extension when the host rewrote the path, else the
/// request's own URI.
pub fn sent_uri<'a>(uri: &'a Uri, extensions: &'a Extensions) -> &'a Uri {
    extensions.get::<SentUri>().map_or(uri, |sent| &sent.0)
}
