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
            "INSERT INTO services (id, enabled, public, created_at) VALUES ($1, 1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(public as i64)
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
        Ok(rows.iter().map(service_row).collect())
    }

    /// One service, `None` when it is not stored.
    pub async fn get_service(&self, id: &str) -> sqlx::Result<Option<ServiceRow>> {
        let row = sqlx::query(
            "SELECT id, enabled, public, description, routing, created_at FROM services WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(service_row))
    }

    /// Sets `enabled`.
    pub async fn set_service_enabled(&self, id: &str, enabled: bool) -> sqlx::Result<()> {
        sqlx::query("UPDATE services SET enabled = $1 WHERE id = $2")
            .bind(enabled as i64)
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
        sqlx::query(
            "UPDATE services SET routing = $1, enabled = COALESCE($2, enabled) WHERE id = $3",
        )
        .bind(routing)
        .bind(enabled.map(i64::from))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Deletes a service with its generations and keys.
    pub async fn delete_service(&self, id: &str) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM services WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// A `services` row as selected by the queries above.
fn service_row(r: &sqlx::any::AnyRow) -> ServiceRow {
    ServiceRow {
        id: r.get("id"),
        enabled: super::flag(r, "enabled"),
        public: super::flag(r, "public"),
        description: r.get("description"),
        routing: r.get("routing"),
        created_at: r.get("created_at"),
    }
}
