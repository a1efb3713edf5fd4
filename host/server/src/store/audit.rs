use super::Store;
use serde::Serialize;
use sqlx::{QueryBuilder, Row, Sqlite};

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
    /// Appends audit rows in one statement.
    pub async fn append_audit(&self, rows: &[AuditRow]) -> sqlx::Result<()> {
        for chunk in rows.chunks(400) {
            let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO audit (at, kind, service_id, endpoint_id, generation, action, status, duration_us, key_id, detail) ",
            );
            query.push_values(chunk, |mut b, r| {
                b.push_bind(r.at)
                    .push_bind(&r.kind)
                    .push_bind(&r.service_id)
                    .push_bind(&r.endpoint_id)
                    .push_bind(&r.generation)
                    .push_bind(&r.action)
                    .push_bind(r.status)
                    .push_bind(r.duration_us)
                    .push_bind(&r.key_id)
                    .push_bind(&r.detail);
            });
            query.build().execute(self.pool()).await?;
        }
        Ok(())
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
