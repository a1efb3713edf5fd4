//! Stored files and pre-signed download URLs.
//!
//! Uploads a plugin keeps (a label set's original file) live in `job_files` (the database,
//! so every replica has them); a job's output files live in the data directory, written
//! atomically (temporary file, fsync, rename). Both are served at `/downloads/...` to anyone
//! holding a URL whose `signature` is the HMAC of its path and `expires` under the
//! installation's key: a forged or expired link is refused (403).

use crate::jobs::Jobs;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use sqlx::Row;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

impl Jobs {
    /// Stores a file in the database (committed when this returns); answers its id.
    pub async fn store_file(
        &self,
        owner: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<String, sqlx::Error> {
        let id = random_token(16);
        sqlx::query(
            "INSERT INTO job_files (id, owner, name, content_type, bytes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(owner)
        .bind(name)
        .bind(content_type)
        .bind(bytes.to_vec())
        .bind(self.now_ms())
        .execute(self.db.pool())
        .await?;
        Ok(id)
    }

    /// A stored file's name, content type and bytes.
    pub async fn file(&self, id: &str) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
        let row = sqlx::query("SELECT name, content_type, bytes FROM job_files WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }

    /// Writes a job's output file durably: into the database (for every replica), then
    /// atomically into this replica's data directory.
    pub async fn write_output(&self, job: &str, name: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        sqlx::query(
            "INSERT INTO job_output_files (job_id, name, bytes) VALUES ($1, $2, $3)
             ON CONFLICT (job_id, name) DO UPDATE SET bytes = excluded.bytes",
        )
        .bind(job)
        .bind(safe(name))
        .bind(bytes.clone())
        .execute(self.db.pool())
        .await
        .map_err(std::io::Error::other)?;
        let dir = self.output_dir().join(safe(job));
        let name = safe(name);
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{name}.tmp"));
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, dir.join(&name))?;
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
        .map_err(std::io::Error::other)?
    }

    /// The absolute, pre-signed URL of a stored file.
    pub fn file_url(&self, base: &str, id: &str, name: &str) -> String {
        self.signed(
            base,
            &format!("/downloads/files/{}/{}", safe(id), escape(name)),
        )
    }

    /// The absolute, pre-signed URL of a job's output file.
    pub fn output_url(&self, base: &str, job: &str, name: &str) -> String {
        self.signed(
            base,
            &format!("/downloads/outputs/{}/{}", safe(job), escape(name)),
        )
    }

    fn signed(&self, base: &str, path: &str) -> String {
        let expires = self.now_ms() / 1000 + self.config.download_ttl_s;
        format!(
            "{}{path}?expires={expires}&signature={}",
            base.trim_end_matches('/'),
            self.url_signature(path, expires)
        )
    }

    /// HMAC-SHA256 (hex) of `<path>\n<expires>` under the installation's key.
    pub fn url_signature(&self, path: &str, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.url_key).expect("HMAC takes any key");
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Why a link is refused (always a 403), or `Ok` when it is signed and current.
    fn check_link(&self, path: &str, query: &HashMap<String, String>) -> Result<(), &'static str> {
        let expires = query.get("expires").and_then(|e| e.parse::<i64>().ok());
        let (Some(expires), Some(signature)) = (expires, query.get("signature")) else {
            return Err("this download link is not signed (expires and signature are required)");
        };
        let expected = self.url_signature(path, expires);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err("this download link's signature is wrong");
        }
        if expires < self.now_ms() / 1000 {
            return Err("this download link has expired");
        }
        Ok(())
    }
}

/// `http(s)://<Host>` of a request (`X-Forwarded-Proto` honoured), for absolute links.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// Random `[0-9a-z]` characters.
pub fn random_token(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned()
}

fn escape(name: &str) -> String {
    safe(name)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refused(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// `GET /downloads/files/{id}/{name}` and `GET /downloads/outputs/{job}/{name}`.
pub fn router(jobs: Arc<Jobs>) -> axum::Router {
    axum::Router::new()
        .route("/downloads/files/{id}/{name}", axum::routing::get(get_file))
        .route(
            "/downloads/outputs/{job}/{name}",
            axum::routing::get(get_output),
        )
        .with_state(jobs)
}

async fn get_file(
    State(jobs): State<Arc<Jobs>>,
    Path((id, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let path = format!("/downloads/files/{}/{}", safe(&id), escape(&name));
    if let Err(why) = jobs.check_link(&path, &query) {
        return refused(StatusCode::FORBIDDEN, why);
    }
    match jobs.file(&id).await {
        Ok(Some((name, content_type, bytes))) => download(&name, &content_type, bytes),
        Ok(None) => refused(StatusCode::NOT_FOUND, "this file no longer exists"),
        Err(e) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the file store is unavailable: {e}"),
        ),
    }
}

async fn get_output(
    State(jobs): State<Arc<Jobs>>,
    Path((job, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let path = format!("/downloads/outputs/{}/{}", safe(&job), escape(&name));
    if let Err(why) = jobs.check_link(&path, &query) {
        return refused(StatusCode::FORBIDDEN, why);
    }
    let file = jobs.output_dir().join(safe(&job)).join(safe(&name));
    let bytes = match tokio::fs::read(&file).await {
        Ok(bytes) => Some(bytes),
        // Written by another replica: the database has it.
        Err(_) => match sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT bytes FROM job_output_files WHERE job_id = $1 AND name = $2",
        )
        .bind(&job)
        .bind(safe(&name))
        .fetch_optional(jobs.db.pool())
        .await
        {
            Ok(found) => found,
            Err(e) => {
                tracing::error!("reading output {job}/{name}: {e}");
                return refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the state database is unavailable; try again",
                );
            }
        },
    };
    match bytes {
        Some(bytes) => {
            let content_type = if name.ends_with(".csv") {
                "text/csv; charset=utf-8"
            } else {
                "application/octet-stream"
            };
            download(&name, content_type, bytes)
        }
        None => refused(
            StatusCode::NOT_FOUND,
            "this output file does not exist (yet)",
        ),
    }
}

fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", safe(name)),
            ),
        ],
        bytes,
    )
        .into_response()
}
