//! Deploying a bundle as a new generation of its service.
//!
//! Stage (unpack, validate the manifest) → take the service's admin lock → pick the generation
//! id → move the bundle durably to `bundles/<service>/<generation>` → load every endpoint →
//! record it in the store, in one transaction → swap the new state in. Any failure removes what
//! this deploy wrote and leaves the service as it was.
//!
//! Crash safety: until the transaction commits, nothing in the store refers to the new bundle
//! directory, and the next start removes it; once it commits, the bundle is complete on disk and
//! the restart restores the generation (and its routing). So a `kill -9` at any point leaves the
//! service exactly as before or exactly as after the deploy. The pause points of
//! [`super::test_hook`] let `tests/e2e/deploy_crash.rs` kill the server at each step.

use super::test_hook::pause_at;
use super::{Host, ServiceRuntime, ServiceState, durable, store_error, unknown_service};
use crate::bundle::{self, BundleSource, UnpackLimits, is_valid_id};
use crate::dispatch::Routing;
use crate::generation;
use crate::store::{ArchiveError, Change, GenerationRow, now_millis};
use plinth_engine_api::ApiError;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// What to deploy and how.
#[derive(Clone, Debug)]
pub struct DeployRequest {
    /// The bundle.
    pub source: BundleSource,
    /// The service named by the request path, if any; it must match the manifest's.
    pub service_id: Option<String>,
    /// The generation id to give; default `v<N>`.
    pub generation: Option<String>,
    /// Route all calls to the new generation once loaded.
    pub activate: bool,
    /// Create the service if it does not exist.
    pub create_service: bool,
}

/// A successful deploy.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployOutcome {
    /// The service.
    pub service_id: String,
    /// The new generation's id.
    pub generation: String,
    /// Bundle fingerprint.
    pub sha256: String,
    /// Whether calls now go to it.
    pub activated: bool,
    /// Whether the service was created by this deploy.
    pub created_service: bool,
    /// Endpoint ids and kinds.
    pub endpoints: Vec<serde_json::Value>,
    /// Time spent loading, ms.
    pub load_ms: u64,
}

fn bad_bundle(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "BadBundle", message)
}

impl Host {
    /// Deploys a bundle. See the module documentation for the steps.
    pub async fn deploy(&self, request: DeployRequest) -> Result<DeployOutcome, ApiError> {
        let staging_parent = self.config.data_dir.join("staging");
        // `'static` names: they move into the blocking task as they are.
        let kinds = self.engines.kinds();
        let source = request.source.clone();
        let staged = tokio::task::spawn_blocking(move || {
            bundle::stage(&source, &staging_parent, &kinds, UnpackLimits::default())
        })
        .await
        .map_err(|e| ApiError::internal("Internal", format!("bundle staging task failed: {e}")))?
        .map_err(|e| bad_bundle(e.to_string()))?;
        pause_at("deploy-staged").await;

        let service_id = staged.manifest.service.id.clone();
        if let Some(path_id) = &request.service_id
            && path_id != &service_id
        {
            return Err(bad_bundle(format!(
                "this bundle's manifest is for service \"{service_id}\" but it was sent to service \"{path_id}\""
            )));
        }
        if let Some(name) = &request.generation
            && !is_valid_id(name)
        {
            return Err(ApiError::bad_request(format!(
                "generation name \"{name}\" is not valid: expected 1 to 64 letters, digits, '_', '-' or '.'"
            )));
        }

        let (service, created_service) = match self.service(&service_id) {
            Some(s) => (s, false),
            None if request.create_service => {
                (Arc::new(ServiceRuntime::new(service_id.clone(), ServiceState { enabled: true, created_at: crate::store::now_millis(), ..Default::default() })), true)
            }
            None => return Err(unknown_service(&service_id).with_detail(format!(
                "create service \"{service_id}\" first (POST /admin/api/services/ {{\"serviceId\": \"{service_id}\"}}) or deploy with createService=true"
            ))),
        };
        let _guard = service.admin_lock.lock().await;
        let state = service.state();

        let generation_id = match &request.generation {
            Some(name) if state.has_generation(name) => {
                return Err(ApiError::conflict(format!(
                    "service \"{service_id}\" already has a generation \"{name}\""
                )));
            }
            Some(name) => name.clone(),
            None => next_generation_id(&state),
        };
        let seq = state.generations.iter().map(|g| g.seq).max().unwrap_or(0) + 1;

        let relative_dir = PathBuf::from("bundles")
            .join(&service_id)
            .join(&generation_id);
        let final_dir = self.config.data_dir.join(&relative_dir);
        let (from, to, data_dir) = (
            staged.root.clone(),
            final_dir.clone(),
            self.config.data_dir.clone(),
        );
        tokio::task::spawn_blocking(move || durable::move_into_place(&from, &to, &data_dir))
            .await
            .map_err(|e| ApiError::internal("Internal", format!("bundle move task failed: {e}")))?
            .map_err(|e| match e.kind() {
                // Another deploy of this generation id got there first (two first deploys of a
                // new service race: each has its own admin lock until one is recorded).
                std::io::ErrorKind::DirectoryNotEmpty | std::io::ErrorKind::AlreadyExists => {
                    ApiError::conflict(format!(
                        "service \"{service_id}\" is being deployed concurrently; deploy again"
                    ))
                }
                _ => ApiError::internal("DeployFailed", format!("could not store the bundle: {e}")),
            })?;
        // From here on a failure removes the bundle directory again. A crash leaves it behind
        // unrecorded, and the next start removes it (see `restore`).
        let cleanup = DirGuard(Some(final_dir.clone()));
        pause_at("deploy-moved").await;

        let started = std::time::Instant::now();
        let manifest = staged.manifest.clone();
        let loaded = generation::load(
            &self.engines,
            &self.resources,
            self.admission(),
            &generation_id,
            manifest,
            final_dir.clone(),
        )
        .await
        .map_err(bad_bundle)?;
        let load_ms = started.elapsed().as_millis() as u64;
        // On shared state the bundle goes into the store with the generation, for the other
        // replicas (and this one's cache, if it is ever wiped).
        let packed = match self.store.is_shared() {
            true => Some(
                super::fetch::pack(&final_dir, &self.config.data_dir.join("staging"))
                    .await
                    .map_err(|e| {
                        ApiError::internal(
                            "DeployFailed",
                            format!("could not pack the bundle: {e}"),
                        )
                    })?,
            ),
            false => None,
        };
        let archive = packed.as_ref().map(super::fetch::PackedBundle::archive);
        pause_at("deploy-loaded").await;

        // One transaction: the service (when created), the generation and the routing (when
        // activating). The bundle is durably in place before; the new state is swapped in after.
        let row = GenerationRow {
            service_id: service_id.clone(),
            id: generation_id.clone(),
            seq,
            bundle_dir: relative_dir.to_string_lossy().into_owned(),
            sha256: staged.sha256.clone(),
            manifest: staged.manifest.text.clone(),
            created_at: now_millis(),
        };
        let public = staged.manifest.service.public;
        let description = staged.manifest.service.description.clone();
        let routing = request.activate.then(|| Routing::single(&generation_id));
        let routing_json = routing
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| ApiError::internal("Internal", e.to_string()))?;
        let recorded = self
            .store
            .record_deploy(
                &row,
                created_service,
                public,
                description.as_deref(),
                routing_json.as_deref(),
                archive.as_ref(),
            )
            .await
            .map_err(|e| match e {
                ArchiveError::Db(e) => store_error(e),
                other => ApiError::internal(
                    "DeployFailed",
                    format!("could not store the bundle: {other}"),
                ),
            })?;
        drop(packed);
        if !recorded {
            return Err(ApiError::conflict(format!(
                "service \"{service_id}\" was created concurrently; deploy again"
            )));
        }
        cleanup.keep();
        pause_at("deploy-recorded").await;

        let endpoints = loaded
            .endpoints
            .iter()
            .map(|e| serde_json::json!({"id": e.id, "kind": e.kind, "actions": e.actions()}))
            .collect();
        let mut next = (*state).clone();
        next.public = public;
        next.description = description;
        next.rate_limit = staged.manifest.service.rate_limit;
        next.generations.push(row);
        next.loaded.insert(generation_id.clone(), Arc::new(loaded));
        next.pinned.insert(generation_id.clone());
        if let Some(routing) = routing {
            next.routing = Some(routing);
            next.retain_needed();
        }
        service.state.store(Arc::new(next));
        if created_service {
            self.insert_service(service.clone());
        }
        tracing::info!(service = %service_id, generation = %generation_id, activated = request.activate, load_ms, "deployed");
        self.store
            .announce(&Change::Service(service_id.clone()))
            .await;
        self.audit_admin(
            Some(&service_id),
            Some(&generation_id),
            "deploy",
            Some(format!("sha256={}", staged.sha256)),
        );
        Ok(DeployOutcome {
            service_id,
            generation: generation_id,
            sha256: staged.sha256,
            activated: request.activate,
            created_service,
            endpoints,
            load_ms,
        })
    }
}

/// `v<N>` with N one more than the largest `v<number>` in use (and never a taken id).
fn next_generation_id(state: &ServiceState) -> String {
    let mut n = state
        .generations
        .iter()
        .filter_map(|g| g.id.strip_prefix('v').and_then(|d| d.parse::<u64>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    loop {
        let id = format!("v{n}");
        if !state.has_generation(&id) {
            return id;
        }
        n += 1;
    }
}

/// Removes a directory on drop unless kept.
struct DirGuard(Option<PathBuf>);

impl DirGuard {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for DirGuard {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take()
            && let Err(e) = std::fs::remove_dir_all(&dir)
        {
            tracing::warn!(
                "could not remove {} after a failed deploy: {e}",
                dir.display()
            );
        }
    }
}
