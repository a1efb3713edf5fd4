use super::Store;
use sqlx::Row;

/// A generation as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationRow {
    /// Owning service.
    pub service_id: String,
    /// Generation id, e.g. `v3`.
    pub id: String,
    /// Deploy order within the service, from 1.
    pub seq: i64,
    /// Where the unpacked bundle lives, relative to the data directory.
    pub bundle_dir: String,
    /// SHA-256 of the bundle's files (see `crate::bundle::digest`).
    pub sha256: String,
    /// The manifest text as deployed.
    pub manifest: String,
    /// Deploy time, ms since the epoch.
    pub created_at: i64,
}

impl Store {
    /// Records a new generation and the service's public flag and description from its
    /// manifest, in one transaction.
    pub async fn insert_generation(
        &self,
        row: &GenerationRow,
        public: bool,
        description: Option<&str>,
    ) -> sqlx::Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO generations (service_id, id, seq, bundle_dir, sha256, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.service_id)
        .bind(&row.id)
        .bind(row.seq)
        .bind(&row.bundle_dir)
        .bind(&row.sha256)
        .bind(&row.manifest)
        .bind(row.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE services SET public = ?, description = ? WHERE id = ?")
            .bind(public)
            .bind(description)
            .bind(&row.service_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The generations of a service, oldest first.
    pub async fn list_generations(&self, service_id: &str) -> sqlx::Result<Vec<GenerationRow>> {
        let rows = sqlx::query(
            "SELECT service_id, id, seq, bundle_dir, sha256, manifest, created_at FROM generations WHERE service_id = ? ORDER BY seq",
        )
        .bind(service_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| GenerationRow {
                service_id: r.get("service_id"),
                id: r.get("id"),
                seq: r.get("seq"),
                bundle_dir: r.get("bundle_dir"),
                sha256: r.get("sha256"),
                manifest: r.get("manifest"),
                created_at: r.get("created_at"),
            })
            .collect())
    }

    /// Deletes one generation record.
    pub async fn delete_generation(&self, service_id: &str, id: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM generations WHERE service_id = ? AND id = ?")
            .bind(service_id)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
