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
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The download routes, `GET /downloads/files/{id}/{name}` and
/// `GET /downloads/outputs/{job}/{name}`, each registered with its OpenAPI documentation,
/// without their state (so that the document can be built without one).
pub fn api() -> OpenApiRouter<Arc<Jobs>> {
    OpenApiRouter::with_openapi(JobsApiDoc::openapi())
        .routes(routes!(get_file))
        .routes(routes!(get_output))
}

/// The download routes with their state, and their OpenAPI documentation (what the plugin
/// mounts).
pub fn openapi_router(jobs: Arc<Jobs>) -> OpenApiRouter {
    api().with_state(jobs)
}

/// The download routes as a plain [`axum::Router`], for a test or a plugin that mounts them
/// itself.
pub fn router(jobs: Arc<Jobs>) -> axum::Router {
    openapi_router(jobs).into()
}

/// The name of the download links' security scheme in the merged document.
pub const SECURITY_SCHEME: &str = "jobsSignedUrl";

/// The plugin's document before its paths: the `jobs` tag and the `jobsSignedUrl` security
/// scheme (no document-level security: the host merges this document with others).
#[derive(utoipa::OpenApi)]
#[openapi(
    modifiers(&JobsSecurity),
    tags((name = "jobs", description = "Pre-signed, expiring download links of the files and job outputs the batch plugins keep; the list of every batch job for admin keys."))
)]
pub struct JobsApiDoc;

/// Registers the `jobsSignedUrl` scheme (the `signature` query parameter of a link) and the
/// host's `adminKey`.
pub struct JobsSecurity;

impl utoipa::Modify for JobsSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        // The host's admin key, as the host defines it (its definition wins in the merged
        // document): `GET /admin/api/jobs` takes it.
        components.add_security_scheme(
            "adminKey",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
        components.add_security_scheme(
            SECURITY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "signature",
                "HMAC-SHA256 (hex) of `<path>\\n<expires>` under the installation's key, as \
                     the link was issued; it is valid until `expires`",
            ))),
        );
    }
}

/// The body of a refused download: `{"error": "..."}`.
#[derive(utoipa::ToSchema)]
pub struct JobsError {
    /// Why the download is refused.
    pub error: String,
}

#[utoipa::path(
    get,
    path = "/downloads/files/{id}/{name}",
    tag = "jobs",
    operation_id = "jobs_download_file",
    summary = "Downloads a stored file through a pre-signed link",
    params(
        ("id" = String, Path, description = "The file's id"),
        ("name" = String, Path, description = "The file's name, as in the link"),
        ("expires" = i64, Query, description = "When the link expires, seconds since the epoch (signed with it)")
    ),
    security(("jobsSignedUrl" = [])),
    responses(
        (status = 200, description = "The file, with the content type it was stored with, as an attachment", content((serde_json::Value = "*/*")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"<name>\"`"))),
        (status = 403, description = "The link is not signed, its signature is wrong, or it has expired", body = JobsError),
        (status = 404, description = "The file no longer exists", body = JobsError),
        (status = 503, description = "The file store is unavailable", body = JobsError)
    )
)]
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

#[utoipa::path(
    get,
    path = "/downloads/outputs/{job}/{name}",
    tag = "jobs",
    operation_id = "jobs_download_output",
    summary = "Downloads an output file of a job through a pre-signed link",
    params(
        ("job" = String, Path, description = "The job's id"),
        ("name" = String, Path, description = "The output file's name"),
        ("expires" = i64, Query, description = "When the link expires, seconds since the epoch (signed with it)")
    ),
    security(("jobsSignedUrl" = [])),
    responses(
        (status = 200, description = "The output file as an attachment: CSV for a `.csv` name, else bytes", content(
            (String = "text/csv"),
            (serde_json::Value = "application/octet-stream")
        ), headers(("Content-Disposition" = String, description = "`attachment; filename=\"<name>\"`"))),
        (status = 403, description = "The link is not signed, its signature is wrong, or it has expired", body = JobsError),
        (status = 404, description = "The output file does not exist (yet)", body = JobsError),
        (status = 503, description = "The state database is unavailable; try again", body = JobsError)
    )
)]
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

#[cfg(test)]
mod openapi_tests {
    use plinth_plugin_api::openapi_checks::{DocumentRules, check_plugin_document, routes};
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn document() -> Value {
        let (_router, api) = super::api().split_for_parts();
        serde_json::to_value(&api).expect("the document serializes")
    }

    #[test]
    fn both_download_routes_are_documented_completely() {
        // The rules every plugin document keeps (prefixed unique ids, tag, summary, declared
        // path parameters, registered security, prefixed schemas, resolving refs), then the
        // jobs plugin's.
        let (_router, api) = super::api().split_for_parts();
        let ops = check_plugin_document(
            &api,
            DocumentRules {
                tag: "jobs",
                operation_prefix: "jobs_",
                schema_prefix: "Jobs",
            },
        );
        let doc = document();
        for op in &ops {
            let path = &op.path;
            let operation = &doc["paths"][path][op.method.to_lowercase()];
            assert_eq!(
                operation["security"],
                serde_json::json!([{"jobsSignedUrl": []}])
            );
            let responses = operation["responses"].as_object().expect("responses");
            for status in ["200", "403", "404", "503"] {
                assert!(responses.contains_key(status), "{path} {status}");
            }
            for status in ["403", "404", "503"] {
                assert_eq!(
                    responses[status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/JobsError"
                );
            }
            let params = operation["parameters"].as_array().expect("parameters");
            let names: BTreeSet<(&str, &str)> = params
                .iter()
                .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
                .collect();
            let first = if path.starts_with("/downloads/files") {
                "id"
            } else {
                "job"
            };
            assert_eq!(
                names,
                BTreeSet::from([(first, "path"), ("name", "path"), ("expires", "query")]),
                "{path}"
            );
        }
        let served: Vec<_> = ops.into_iter().map(|o| (o.method, o.path)).collect();
        assert_eq!(
            served,
            routes(&[
                ("GET", "/downloads/files/{id}/{name}"),
                ("GET", "/downloads/outputs/{job}/{name}"),
            ])
        );
    }

    #[test]
    fn the_scheme_is_registered_not_global() {
        let doc = document();
        assert!(doc.get("security").is_none_or(Value::is_null));
        let scheme = &doc["components"]["securitySchemes"]["jobsSignedUrl"];
        assert_eq!(scheme["type"], "apiKey");
        assert_eq!(scheme["in"], "query");
        assert_eq!(scheme["name"], "signature");
    }

    #[test]
    #[ignore = "prints the document"]
    fn print_document() {
        println!("{}", serde_json::to_string_pretty(&document()).unwrap());
    }
}
