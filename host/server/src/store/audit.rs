use super::Store;
use serde::Serialize;
use sqlx::Row;

/// One audit record: a user call or an admin action.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    /// Time, ms since the epoch.
    pub at: i64,
    /// `call` for user calls, `admin` for admin actions.
    pub kind: String,
    /// Service concerned.
    pub service_id: Option<String>,
    /// Endpoint concerned (calls).
    pub endpoint_id: Option<String>,
    /// Generation that served (calls) or was affected (admin).
    pub generation: Option<String>,
    /// The user-API action or the admin operation.
    pub action: Option<String>,
    /// HTTP status answered.
    pub status: Option<i64>,
    /// Time spent, microseconds.
    pub duration_us: Option<i64>,
    /// The id (never the secret) of the key used.
    pub key_id: Option<String>,
    /// Free text: the error type, the admin operation's details.
    pub detail: Option<String>,
}

impl Store {
    /// Appends audit rows in one transaction. One constant single-row `INSERT`, so every
    /// execution reuses the connection's cached prepared statement.
    pub async fn append_audit(&self, rows: &[&AuditRow]) -> sqlx::Result<()> {
        let mut tx = self.pool().begin().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO audit (at, kind, service_id, endpoint_id, generation, action, status, duration_us, key_id, detail)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(r.at)
            .bind(&r.kind)
            .bind(&r.service_id)
            .bind(&r.endpoint_id)
            .bind(&r.generation)
            .bind(&r.action)
            .bind(r.status)
            .bind(r.duration_us)
            .bind(&r.key_id)
            .bind(&r.detail)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// The newest `limit` audit rows, newest first, optionally for one service.
    pub async fn recent_audit(
        &self,
        service_id: Option<&str>,
        limit: i64,
    ) -> sqlx::Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT at, kind, service_id, endpoint_id, generation, action, status, duration_us, key_id, detail
             FROM audit WHERE (?1 IS NULL OR service_id = ?1) ORDER BY seq DESC LIMIT ?2",
        )
        .bind(service_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRow {
                at: r.get("at"),
                kind: r.get("kind"),
                service_id: r.get("service_id"),
                endpoint_id: r.get("endpoint_id"),
                generation: r.get("generation"),
                action: r.get("action"),
                status: r.get("status"),
                duration_us: r.get("duration_us"),
                key_id: r.get("key_id"),
                detail: r.get("detail"),
            })
            .collect())
    }
}
