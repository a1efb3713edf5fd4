//! API keys (`vidora_keys`) and their admin routes under `/admin/api/vidora/keys`, behind the
//! host's admin keys (`Authorization` as for the rest of the admin API).

use crate::app::{Answer, Vid, db_error, ok};
use crate::error::VidoraError;
use crate::openapi::{
    VidoraDeletedKey, VidoraErrorBody, VidoraKey, VidoraKeyRequest, VidoraNewKey,
};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use plinth_plugin_api::PrincipalScope;
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Arc;

/// A stored key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The public `api_key`.
    pub api_key: String,
    /// The signing secret.
    pub secret: String,
    /// Whether requests must be signed.
    pub signatures: bool,
    /// When it was made, ms since the epoch.
    pub created_at_ms: i64,
}

/// The key with this `api_key`.
pub async fn find(vid: &Vid, api_key: &str) -> Result<Option<Key>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT api_key, secret, signatures, created_at FROM vidora_keys WHERE api_key = $1",
    )
    .bind(api_key)
    .fetch_optional(vid.db.pool())
    .await?;
    row.map(|r| {
        Ok(Key {
            api_key: r.try_get(0)?,
            secret: r.try_get(1)?,
            signatures: r.try_get::<i64, _>(2)? != 0,
            created_at_ms: r.try_get(3)?,
        })
    })
    .transpose()
}

/// Makes a key (a 16-character `api_key`, a 43-character secret).
pub async fn create(vid: &Vid, signatures: bool) -> Result<Key, sqlx::Error> {
    let key = Key {
        api_key: crate::ids::random_id(),
        secret: plinth_jobs::random_token(43),
        signatures,
        created_at_ms: vid.now_ms(),
    };
    sqlx::query(
        "INSERT INTO vidora_keys (api_key, secret, signatures, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&key.api_key)
    .bind(&key.secret)
    .bind(i64::from(key.signatures))
    .bind(key.created_at_ms)
    .execute(vid.db.pool())
    .await?;
    Ok(key)
}

fn shown(key: &Key) -> Value {
    json!({
        "api_key": key.api_key,
        "signatures": key.signatures,
        "created_at": crate::dates::timestamp(key.created_at_ms),
    })
}

/// Only the host's admin keys manage Vidora keys.
fn require_admin(vid: &Vid, headers: &HeaderMap) -> Result<(), VidoraError> {
    let principal = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| vid.host.authenticate(a))
        .ok_or_else(|| {
            VidoraError::unauthorized("an admin key is required (Authorization: Bearer <key>)")
        })?;
    match principal.scope {
        PrincipalScope::Admin => Ok(()),
        _ => Err(VidoraError::new(403, "only admin keys manage Vidora keys")),
    }
}

/// `POST /admin/api/vidora/keys` `{"signatures": bool}` (default true): the secret is shown
/// this once.
#[utoipa::path(
    post,
    path = "/admin/api/vidora/keys",
    tag = "vidora",
    operation_id = "vidora_create_key",
    summary = "Makes a Vidora key; its secret is shown this once",
    request_body(content = VidoraKeyRequest, content_type = "application/json", description = "Whether the key's requests must be signed (an empty body: yes)"),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The new key, with its secret", body = VidoraNewKey),
        (status = 400, description = "A malformed body", body = VidoraErrorBody),
        (status = 401, description = "No admin key", body = VidoraErrorBody),
        (status = 403, description = "The key is not an admin key", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn post(State(vid): State<Arc<Vid>>, headers: HeaderMap, body: Bytes) -> Answer {
    require_admin(&vid, &headers)?;
    let signatures = if body.iter().all(u8::is_ascii_whitespace) {
        true
    } else {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| VidoraError::bad_request(format!("the body is not JSON: {e}")))?;
        match v.get("signatures") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(VidoraError::bad_request("signatures must be true or false")),
        }
    };
    let key = create(&vid, signatures).await.map_err(db_error)?;
    let mut body = shown(&key);
    body["secret"] = json!(key.secret);
    ok(body)
}

/// `GET /admin/api/vidora/keys`: every key, without secrets.
#[utoipa::path(
    get,
    path = "/admin/api/vidora/keys",
    tag = "vidora",
    operation_id = "vidora_list_keys",
    summary = "Every Vidora key, without secrets",
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "The keys", body = [VidoraKey]),
        (status = 401, description = "No admin key", body = VidoraErrorBody),
        (status = 403, description = "The key is not an admin key", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn list(State(vid): State<Arc<Vid>>, headers: HeaderMap) -> Answer {
    require_admin(&vid, &headers)?;
    let rows = sqlx::query(
        "SELECT api_key, signatures, created_at FROM vidora_keys ORDER BY created_at, api_key",
    )
    .fetch_all(vid.db.pool())
    .await
    .map_err(db_error)?;
    let mut keys = Vec::with_capacity(rows.len());
    for r in rows {
        let key = Key {
            api_key: r.try_get(0).map_err(db_error)?,
            secret: String::new(),
            signatures: r.try_get::<i64, _>(1).map_err(db_error)? != 0,
            created_at_ms: r.try_get(2).map_err(db_error)?,
        };
        keys.push(shown(&key));
    }
    ok(Value::Array(keys))
}

/// `DELETE /admin/api/vidora/keys/{api_key}` (404 when unknown).
#[utoipa::path(
    delete,
    path = "/admin/api/vidora/keys/{api_key}",
    tag = "vidora",
    operation_id = "vidora_delete_key",
    summary = "Deletes a Vidora key",
    params(("api_key" = String, Path, description = "The key's api_key")),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "Deleted", body = VidoraDeletedKey),
        (status = 401, description = "No admin key", body = VidoraErrorBody),
        (status = 403, description = "The key is not an admin key", body = VidoraErrorBody),
        (status = 404, description = "No such key", body = VidoraErrorBody),
        (status = 500, description = "The state database failed", body = VidoraErrorBody),
    )
)]
pub async fn remove(
    State(vid): State<Arc<Vid>>,
    headers: HeaderMap,
    Path(api_key): Path<String>,
) -> Answer {
    require_admin(&vid, &headers)?;
    let done = sqlx::query("DELETE FROM vidora_keys WHERE api_key = $1")
        .bind(&api_key)
        .execute(vid.db.pool())
        .await
        .map_err(db_error)?;
    if done.rows_affected() == 0 {
        return Err(VidoraError::not_found(format!(
            "api key {api_key} not found"
        )));
    }
    ok(json!({ "deleted": api_key }))
}
