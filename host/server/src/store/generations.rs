use super::archives::{ArchiveError, ArchiveFile};
use super::{Store, now_millis};
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
    /// Records a deploy in one transaction, so that a crash leaves either all of it or none:
    /// the service when the deploy creates it, the generation, the service's public flag and
    /// description from the manifest, and the routing when the deploy activates the
    /// generation, and (on shared state) the bundle's archive. `Ok(false)`, with nothing
    /// written, when the service was to be created but already exists.
    pub async fn record_deploy(
        &self,
        row: &GenerationRow,
        create_service: bool,
        public: bool,
        description: Option<&str>,
        routing: Option<&str>,
        archive: Option<&ArchiveFile<'_>>,
    ) -> Result<bool, ArchiveError> {
        let mut tx = self.pool().begin().await?;
        if create_service {
            let created = sqlx::query(
                "INSERT INTO services (id, enabled, public, created_at) VALUES ($1, 1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&row.service_id)
            .bind(public as i64)
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
            if created.rows_affected() != 1 {
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO generations (service_id, id, seq, bundle_dir, sha256, manifest, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
        sqlx::query(
            "UPDATE services SET public = $1, description = $2, routing = COALESCE($3, routing) WHERE id = $4",
        )
        .bind(public as i64)
        .bind(description)
        .bind(routing)
        .bind(&row.service_id)
        .execute(&mut *tx)
        .await?;
        if let Some(archive) = archive {
            Store::insert_archive(&mut tx, &row.service_id, &row.id, archive).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The generations of a service, oldest first.
    pub async fn list_generations(&self, service_id: &str) -> sqlx::Result<Vec<GenerationRow>> {
        let rows = sqlx::query(
            "SELECT service_id, id, seq, bundle_dir, sha256, manifest, created_at FROM generations WHERE service_id = $1 ORDER BY seq",
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
        sqlx::query("DELETE FROM generations WHERE service_id = $1 AND id = $2")
            .bind(service_id)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
