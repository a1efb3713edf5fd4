//! Service lifecycle operations of the admin API: create, delete, enable, disable, switch,
//! mapping, preload, clean-up.

use super::test_hook::pause_at;
use super::{Host, ServiceRuntime, ServiceState, store_error, unknown_generation};
use crate::bundle::is_valid_id;
use crate::dispatch::Routing;
use crate::store::Change;
use plinth_engine_api::ApiError;
use std::sync::Arc;

impl ServiceState {
    /// After a routing change: keep in memory only what the routing uses, and forget pins
    /// (a preload serves the switch that follows it).
    pub(crate) fn retain_needed(&mut self) {
        let routed: Vec<String> = self
            .routing
            .as_ref()
            .map(|r| r.generations().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        self.pinned.clear();
        self.loaded.retain(|id, _| routed.contains(id));
    }
}

impl Host {
    /// Creates an empty, enabled, non-public service.
    pub async fn create_service(&self, id: &str) -> Result<(), ApiError> {
        if !is_valid_id(id) {
            return Err(ApiError::bad_request(format!(
                "\"{id}\" is not a valid service id: expected 1 to 64 letters, digits, '_', '-' or '.'"
            )));
        }
        if self.service(id).is_some()
            || !self
                .store
                .insert_service(id, false)
                .await
                .map_err(store_error)?
        {
            return Err(ApiError::conflict(format!(
                "service \"{id}\" already exists"
            )));
        }
        self.insert_service(Arc::new(ServiceRuntime::new(
            id.to_owned(),
            ServiceState {
                enabled: true,
                created_at: crate::store::now_millis(),
                ..Default::default()
            },
        )));
        self.audit_admin(Some(id), None, "create-service", None);
        self.store.announce(&Change::Service(id.to_owned())).await;
        Ok(())
    }

    /// Switches one endpoint of a service off or on again (persisted first, then swapped in).
    pub async fn set_endpoint_active(
        &self,
        id: &str,
        endpoint: &str,
        active: bool,
    ) -> Result<(), ApiError> {
        let service = self.service_or_404(id)?;
        let _guard = service.admin_lock.lock().await;
        self.store
            .set_endpoint_active(id, endpoint, active, crate::store::now_millis())
            .await
            .map_err(super::store_error)?;
        let mut next = (*service.state()).clone();
        if active {
            next.inactive.remove(endpoint);
        } else {
            next.inactive.insert(endpoint.to_owned());
        }
        service.state.store(Arc::new(next));
        self.audit_admin(
            Some(id),
            None,
            if active {
                "activate-endpoint"
            } else {
                "deactivate-endpoint"
            },
            Some(format!("endpoint={endpoint}")),
        );
        self.store.announce(&Change::Service(id.to_owned())).await;
        Ok(())
    }

    /// Deletes a service, its generations, keys and bundle files. Calls in flight finish.
    pub async fn delete_service(&self, id: &str) -> Result<(), ApiError> {
        let service = self.service_or_404(id)?;
        let _guard = service.admin_lock.lock().await;
        self.store.delete_service(id).await.map_err(store_error)?;
        pause_at("delete-recorded").await;
        self.remove_service(id);
        self.reload_keys().await?;
        let dir = self.config.data_dir.join("bundles").join(id);
        if let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("could not remove {}: {e}", dir.display());
        }
        self.audit_admin(Some(id), None, "delete-service", None);
        self.store.announce(&Change::Service(id.to_owned())).await;
        Ok(())
    }

    /// Enables or disables user calls.
    pub async fn set_enabled(&self, id: &str, enabled: bool) -> Result<(), ApiError> {
        let service = self.service_or_404(id)?;
        let _guard = service.admin_lock.lock().await;
        self.store
            .set_service_enabled(id, enabled)
            .await
            .map_err(store_error)?;
        let mut next = (*service.state()).clone();
        next.enabled = enabled;
        service.state.store(Arc::new(next));
        self.audit_admin(
            Some(id),
            None,
            if enabled { "enable" } else { "disable" },
            None,
        );
        self.store.announce(&Change::Service(id.to_owned())).await;
        Ok(())
    }

    /// Routes calls as `routing` says, after loading every generation it names. Enables the
    /// service when `enable` is set (setting a mapping does, as in the original).
    pub async fn set_routing(
        &self,
        id: &str,
        routing: Routing,
        enable: bool,
    ) -> Result<(), ApiError> {
        routing.validate()?;
        let service = self.service_or_404(id)?;
        let _guard = service.admin_lock.lock().await;
        for generation in routing.generations() {
            if !service.state().has_generation(generation) {
                return Err(unknown_generation(id, generation));
            }
            self.load_generation_locked(&service, generation, true)
                .await?;
        }
        let json = serde_json::to_string(&routing)
            .map_err(|e| ApiError::internal("Internal", e.to_string()))?;
        pause_at("switch-loaded").await;
        self.store
            .set_service_routing(id, Some(&json), enable.then_some(true))
            .await
            .map_err(store_error)?;
        pause_at("switch-recorded").await;
        let mut next = (*service.state()).clone();
        next.routing = Some(routing);
        if enable {
            next.enabled = true;
        }
        next.retain_needed();
        service.state.store(Arc::new(next));
        self.audit_admin(Some(id), None, "set-routing", Some(json));
        self.store.announce(&Change::Service(id.to_owned())).await;
        Ok(())
    }

    /// Routes every call to the newest generation; returns its id.
    pub async fn switch_to_newest(&self, id: &str) -> Result<String, ApiError> {
        let service = self.service_or_404(id)?;
        let newest = service
            .state()
            .newest()
            .map(|g| g.id.clone())
            .ok_or_else(|| {
                ApiError::conflict(format!(
                    "service \"{id}\" has no generation yet: deploy a bundle first"
                ))
            })?;
        self.set_routing(id, Routing::single(&newest), false)
            .await?;
        Ok(newest)
    }

    /// Loads a generation into memory so that a later switch to it is instant.
    pub async fn preload(&self, id: &str, generation: &str) -> Result<(), ApiError> {
        let service = self.service_or_404(id)?;
        let _guard = service.admin_lock.lock().await;
        self.load_generation_locked(&service, generation, true)
            .await?;
        Ok(())
    }

    /// Deletes disabled services and the generations no routing uses. Returns what was deleted
    /// as `(services, [(service, generation)])`.
    pub async fn clean_unused(&self) -> Result<(Vec<String>, Vec<(String, String)>), ApiError> {
        let mut deleted_services = Vec::new();
        let mut deleted_generations = Vec::new();
        for service in self.services() {
            if !service.state().enabled {
                self.delete_service(&service.id).await?;
                deleted_services.push(service.id.clone());
                continue;
            }
            let _guard = service.admin_lock.lock().await;
            let state = service.state();
            let used: Vec<&str> = state
                .routing
                .as_ref()
                .map(Routing::generations)
                .unwrap_or_default();
            let unused: Vec<_> = state
                .generations
                .iter()
                .filter(|g| !used.contains(&g.id.as_str()))
                .cloned()
                .collect();
            if unused.is_empty() {
                continue;
            }
            for row in &unused {
                self.store
                    .delete_generation(&service.id, &row.id)
                    .await
                    .map_err(store_error)?;
                let _ = std::fs::remove_dir_all(self.config.data_dir.join(&row.bundle_dir));
                deleted_generations.push((service.id.clone(), row.id.clone()));
            }
            let mut next = (*state).clone();
            next.generations
                .retain(|g| !unused.iter().any(|u| u.id == g.id));
            next.loaded.retain(|g, _| used.contains(&g.as_str()));
            next.pinned.clear();
            service.state.store(Arc::new(next));
            self.store
                .announce(&Change::Service(service.id.clone()))
                .await;
        }
        self.audit_admin(
            None,
            None,
            "clean-unused",
            Some(format!("{deleted_services:?} {deleted_generations:?}")),
        );
        Ok((deleted_services, deleted_generations))
    }
}
