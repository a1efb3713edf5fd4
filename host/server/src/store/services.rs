use super::{Store, now_millis};
use sqlx::Row;

/// A service as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    /// Service id.
    pub id: String,
    /// Whether user calls are served.
    pub enabled: bool,
    /// Whether user calls need no API key.
    pub public: bool,
    /// Free text from the newest manifest.
    pub description: Option<String>,
    /// The routing as JSON text (see `crate::dispatch::Routing`), `None` when nothing is active.
    pub routing: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

impl Store {
    /// Inserts a new service; `Ok(false)` when it already exists.
    pub async fn insert_service(&self, id: &str, public: bool) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO services (id, enabled, public, created_at) VALUES (?, 1, ?, ?)",
        )
        .bind(id)
        .bind(public)
        .bind(now_millis())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// All services, by id.
    pub async fn list_services(&self) -> sqlx::Result<Vec<ServiceRow>> {
        let rows = sqlx::query("SELECT id, enabled, public, description, routing, created_at FROM services ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ServiceRow {
                id: r.get("id"),
                enabled: r.get("enabled"),
                public: r.get("public"),
                description: r.get("description"),
                routing: r.get("routing"),
                created_at: r.get("created_at"),
            })
            .collect())
    }

    /// Sets `enabled`.
    pub async fn set_service_enabled(&self, id: &str, enabled: bool) -> sqlx::Result<()> {
        sqlx::query("UPDATE services SET enabled = ? WHERE id = ?")
            .bind(enabled)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores the routing JSON (and optionally `enabled`).
    pub async fn set_service_routing(
        &self,
        id: &str,
        routing: Option<&str>,
        enabled: Option<bool>,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE services SET routing = ?, enabled = COALESCE(?, enabled) WHERE id = ?")
            .bind(routing)
            .bind(enabled)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deletes a service with its generations and keys.
    pub async fn delete_service(&self, id: &str) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM services WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
