//! Bundle archives in the state database, for replicas sharing it: a deploy stores the tar
//! of the generation's bundle directory in chunks (in its own transaction, see
//! [`Store::record_deploy`]); a replica that lacks the directory reads the chunks back in
//! order and checks the archive's SHA-256 before unpacking it.

use super::Store;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Size of one stored chunk (the last one may be shorter).
pub const ARCHIVE_CHUNK_BYTES: usize = 1 << 20;

/// A packed bundle waiting to be stored with its generation.
#[derive(Clone, Debug)]
pub struct ArchiveFile<'a> {
    /// The tar file.
    pub path: &'a Path,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its length in bytes.
    pub size: u64,
}

/// Why an archive could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The database failed.
    #[error("state database: {0}")]
    Db(#[from] sqlx::Error),
    /// Writing the local copy failed.
    #[error("writing the archive: {0}")]
    Io(#[from] std::io::Error),
    /// No archive is stored for the generation.
    #[error("no archive of this generation is stored (deployed by a server on its own state?)")]
    Missing,
    /// The chunks do not add up to what was stored.
    #[error("the stored archive is corrupt: {0}")]
    Corrupt(String),
}

impl Store {
    /// Writes `archive` as chunks of `ARCHIVE_CHUNK_BYTES` within `tx`.
    pub(super) async fn insert_archive(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        service_id: &str,
        generation_id: &str,
        archive: &ArchiveFile<'_>,
    ) -> Result<(), ArchiveError> {
        let chunks = archive.size.div_ceil(ARCHIVE_CHUNK_BYTES as u64) as i64;
        sqlx::query(
            "INSERT INTO bundle_archives (service_id, generation_id, sha256, size, chunks)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(service_id)
        .bind(generation_id)
        .bind(&archive.sha256)
        .bind(archive.size as i64)
        .bind(chunks)
        .execute(&mut **tx)
        .await?;
        let mut file = tokio::fs::File::open(archive.path).await?;
        for n in 0..chunks {
            let mut buf = Vec::with_capacity(ARCHIVE_CHUNK_BYTES);
            (&mut file)
                .take(ARCHIVE_CHUNK_BYTES as u64)
                .read_to_end(&mut buf)
                .await?;
            sqlx::query(
                "INSERT INTO bundle_chunks (service_id, generation_id, n, data) VALUES ($1, $2, $3, $4)",
            )
            .bind(service_id)
            .bind(generation_id)
            .bind(n)
            .bind(buf)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Reads the stored archive of a generation into the new file `dest`, checking its length
    /// and SHA-256 against what the deploy recorded.
    pub async fn fetch_archive(
        &self,
        service_id: &str,
        generation_id: &str,
        dest: &Path,
    ) -> Result<(), ArchiveError> {
        let head = sqlx::query(
            "SELECT sha256, size, chunks FROM bundle_archives WHERE service_id = $1 AND generation_id = $2",
        )
        .bind(service_id)
        .bind(generation_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(ArchiveError::Missing)?;
        let (sha256, size, chunks): (String, i64, i64) =
            (head.get("sha256"), head.get("size"), head.get("chunks"));
        let mut out = tokio::fs::File::create(dest).await?;
        let mut hasher = Sha256::new();
        let mut written = 0i64;
        // One chunk per query: memory stays at one chunk whatever the bundle's size.
        for n in 0..chunks {
            let row = sqlx::query(
                "SELECT data FROM bundle_chunks WHERE service_id = $1 AND generation_id = $2 AND n = $3",
            )
            .bind(service_id)
            .bind(generation_id)
            .bind(n)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| ArchiveError::Corrupt(format!("chunk {n} of {chunks} is missing")))?;
            let data: Vec<u8> = row.get("data");
            hasher.update(&data);
            written += data.len() as i64;
            out.write_all(&data).await?;
        }
        out.sync_all().await?;
        if written != size {
            return Err(ArchiveError::Corrupt(format!(
                "{written} bytes stored, {size} recorded"
            )));
        }
        let found = hex::encode(hasher.finalize());
        if found != sha256 {
            return Err(ArchiveError::Corrupt(format!(
                "SHA-256 {found}, {sha256} recorded"
            )));
        }
        Ok(())
    }
}
