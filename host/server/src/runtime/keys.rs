//! Key management: admin keys, service keys, and the admin key of a fresh install.

use super::{Host, store_error};
use crate::auth::{generate_key, hash_key, new_key_row};
use crate::store::{Change, KeyRow, KeyScope};
use plinth_engine_api::ApiError;

/// What a caller asks for when creating a key.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewKey {
    /// Free text.
    pub label: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Who asked.
    pub created_by: Option<String>,
    /// Expiry: ms since the epoch, or an ISO date is not accepted (send ms).
    pub expiry: Option<i64>,
}

impl Host {
    /// Reloads the in-memory key table from the store.
    pub async fn reload_keys(&self) -> Result<(), ApiError> {
        let rows = self.store.list_keys().await.map_err(store_error)?;
        self.keys.replace(rows);
        Ok(())
    }

    /// Creates a key; returns the stored row and the secret (shown once).
    pub async fn create_key(
        &self,
        scope: KeyScope,
        request: NewKey,
    ) -> Result<(KeyRow, String), ApiError> {
        if let KeyScope::Service(id) = &scope {
            self.service_or_404(id)?;
        }
        let secret = generate_key();
        let row = new_key_row(
            &secret,
            scope,
            request.label,
            request.description,
            request.created_by,
            request.expiry,
        );
        self.store.insert_key(&row).await.map_err(store_error)?;
        self.reload_keys().await?;
        self.audit_admin(None, None, "create-key", Some(format!("id={}", row.id)));
        self.store.announce(&Change::Keys).await;
        Ok((row, secret))
    }

    /// Deletes a key given its secret or its id; 404 when neither matches. `service` limits
    /// the deletion to that service's keys.
    pub async fn delete_key(
        &self,
        secret_or_id: &str,
        service: Option<&str>,
    ) -> Result<(), ApiError> {
        let rows = self.store.list_keys().await.map_err(store_error)?;
        let hash = hash_key(secret_or_id);
        let row = rows
            .iter()
            .find(|r| {
                (r.key_hash == hash || r.id == secret_or_id)
                    && service.is_none_or(|s| r.scope == KeyScope::Service(s.to_owned()))
            })
            .ok_or_else(|| ApiError::not_found("UnknownKey", "no such API key"))?;
        self.store.delete_key(&row.id).await.map_err(store_error)?;
        self.reload_keys().await?;
        self.audit_admin(None, None, "delete-key", Some(format!("id={}", row.id)));
        self.store.announce(&Change::Keys).await;
        Ok(())
    }

    /// Makes sure an admin key exists: installs the configured one (`PLINTH_ADMIN_KEY`) if it
    /// is not stored yet, or, on a fresh install without one, generates a key and returns it
    /// so that the caller prints it once.
    pub(crate) async fn bootstrap_admin_key(&self) -> anyhow::Result<Option<String>> {
        self.reload_keys()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(configured) = self.config.admin_key.clone() {
            if self.keys.find(&configured).is_none() {
                let row = new_key_row(
                    &configured,
                    KeyScope::Admin,
                    Some("configured".into()),
                    Some("from PLINTH_ADMIN_KEY or the config file".into()),
                    None,
                    None,
                );
                self.store.insert_key_unless_present(&row).await?;
                self.reload_keys()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            return Ok(None);
        }
        if self.keys.has_admin_key() {
            return Ok(None);
        }
        let secret = generate_key();
        let row = new_key_row(
            &secret,
            KeyScope::Admin,
            Some("initial".into()),
            Some("generated at first start".into()),
            None,
            None,
        );
        self.store.insert_key(&row).await?;
        self.reload_keys()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Some(secret))
    }
}
