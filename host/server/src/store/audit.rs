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
    /// The request's `context` member as JSON text (calls that sent one).
    pub context: Option<String>,
}

impl Store {
    /// Appends audit rows in one transaction. One constant single-row `INSERT`, so every
    /// execution reuses the connection's cached prepared statement.
    pub async fn append_audit(&self, rows: &[&AuditRow]) -> sqlx::Result<()> {
        let mut tx = self.pool().begin().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO audit (at, kind, service_id, endpoint_id, generation, action, status, duration_us, key_id, detail, context)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
            .bind(&r.context)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Audit retention: deletes rows older than `oldest_kept` (ms since the epoch) and all but
    /// the newest `max_rows`, in chunks so that writers are never blocked for long. Returns the
    /// number of rows deleted.
    pub async fn prune_audit(&self, oldest_kept: i64, max_rows: u64) -> sqlx::Result<u64> {
        let mut deleted = self
            .delete_audit_chunks(
                "SELECT seq FROM audit WHERE at < $1 ORDER BY at",
                oldest_kept,
            )
            .await?;
        // Sequence numbers only grow, so the newest `max_rows` rows all have
        // seq > MAX(seq) - max_rows.
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit")
            .fetch_one(self.pool())
            .await?;
        if let Some(newest) = newest {
            let cut = newest - max_rows.min(i64::MAX as u64) as i64;
            deleted += self
                .delete_audit_chunks("SELECT seq FROM audit WHERE seq <= $1 ORDER BY seq", cut)
                .await?;
        }
        Ok(deleted)
    }

    /// Deletes the rows that `select` (one `$1` bound to `bound`) picks, 10,000 at a time.
    async fn delete_audit_chunks(&self, select: &str, bound: i64) -> sqlx::Result<u64> {
        const CHUNK: i64 = 10_000;
        let statement = format!("DELETE FROM audit WHERE seq IN ({select} LIMIT $2)");
        let mut deleted = 0;
        loop {
            let n = sqlx::query(&statement)
                .bind(bound)
                .bind(CHUNK)
                .execute(self.pool())
                .await?
                .rows_affected();
            deleted += n;
            if n < CHUNK as u64 {
                return Ok(deleted);
            }
        }
    }

    /// The number of audit rows.
    pub async fn audit_count(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit")
            .fetch_one(self.pool())
            .await
    }

    /// The newest `limit` audit rows, newest first, optionally for one service.
    pub async fn recent_audit(
        &self,
        service_id: Option<&str>,
        limit: i64,
    ) -> sqlx::Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT at, kind, service_id, endpoint_id, generation, action, status, duration_us, key_id, detail, context
             FROM audit WHERE ($1 = '' OR service_id = $1) ORDER BY seq DESC LIMIT $2",
        )
        .bind(service_id.unwrap_or(""))
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
                context: r.get("context"),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(at: i64) -> AuditRow {
        AuditRow {
            at,
            kind: "call".into(),
            service_id: Some("s".into()),
            endpoint_id: Some("e".into()),
            generation: None,
            action: Some("lookup".into()),
            status: Some(200),
            duration_us: Some(1),
            key_id: None,
            detail: None,
            context: None,
        }
    }

    #[tokio::test]
    async fn retention_drops_old_rows_then_keeps_the_newest_max_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let rows: Vec<AuditRow> = (0..25_000).map(row).collect();
        store
            .append_audit(&rows.iter().collect::<Vec<_>>())
            .await
            .unwrap();
        // Older than 12,000: more than one chunk of 10,000.
        assert_eq!(store.prune_audit(12_000, 1_000_000).await.unwrap(), 12_000);
        assert_eq!(store.audit_count().await.unwrap(), 13_000);
        // Keep the newest 100.
        assert_eq!(store.prune_audit(0, 100).await.unwrap(), 12_900);
        assert_eq!(store.audit_count().await.unwrap(), 100);
        let newest = store.recent_audit(None, 1).await.unwrap();
        assert_eq!(newest[0].at, 24_999);
        let oldest = store.recent_audit(None, 100).await.unwrap();
        assert_eq!(oldest[99].at, 24_900);
        // Nothing to do: nothing deleted.
        assert_eq!(store.prune_audit(0, 100).await.unwrap(), 0);
    }
}
