//! Bundles on shared state: a deploy packs the generation's bundle directory into a tar that
//! the store keeps with the generation row; a replica that lacks the directory (it did not
//! deploy it, or its cache was wiped) fetches the archive, checks it, and unpacks it into
//! place before loading.

use super::{Host, durable};
use crate::bundle::{self, BundleSource, UnpackLimits};
use crate::store::{ArchiveFile, GenerationRow};
use std::path::{Path, PathBuf};

/// A packed bundle in a private staging directory (removed on drop).
pub(super) struct PackedBundle {
    _dir: tempfile::TempDir,
    path: PathBuf,
    packed: bundle::Packed,
}

impl PackedBundle {
    /// The archive as the store takes it.
    pub fn archive(&self) -> ArchiveFile<'_> {
        ArchiveFile {
            path: &self.path,
            sha256: self.packed.sha256.clone(),
            size: self.packed.size,
        }
    }
}

/// Packs the bundle at `root` into a tar under `staging_parent`.
pub(super) async fn pack(root: &Path, staging_parent: &Path) -> std::io::Result<PackedBundle> {
    let (root, staging_parent) = (root.to_owned(), staging_parent.to_owned());
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&staging_parent)?;
        let dir = tempfile::Builder::new()
            .prefix("pack-")
            .tempdir_in(&staging_parent)?;
        let path = dir.path().join("bundle.tar");
        let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let packed = bundle::pack_dir(&root, file)?;
        Ok(PackedBundle {
            _dir: dir,
            path,
            packed,
        })
    })
    .await
    .map_err(std::io::Error::other)?
}

impl Host {
    /// Fetches a generation's stored archive and unpacks it into its bundle directory, after
    /// checking the archive's SHA-256 and that the unpacked files have the deploy's digest.
    pub(super) async fn fetch_bundle(&self, row: &GenerationRow) -> Result<(), String> {
        let started = std::time::Instant::now();
        let staging_parent = self.config.data_dir.join("staging");
        std::fs::create_dir_all(&staging_parent).map_err(|e| e.to_string())?;
        let work = tempfile::Builder::new()
            .prefix("fetch-")
            .tempdir_in(&staging_parent)
            .map_err(|e| e.to_string())?;
        let archive = work.path().join("bundle.tar");
        self.store
            .fetch_archive(&row.service_id, &row.id, &archive)
            .await
            .map_err(|e| e.to_string())?;
        // `'static` names: they move into the blocking task as they are.
        let kinds = self.engines.kinds();
        let final_dir = self.config.data_dir.join(&row.bundle_dir);
        let data_dir = self.config.data_dir.clone();
        let expected = row.sha256.clone();
        let parent = work.path().to_owned();
        tokio::task::spawn_blocking(move || {
            let staged = bundle::stage(
                &BundleSource::Archive(archive),
                &parent,
                &kinds,
                UnpackLimits::default(),
            )
            .map_err(|e| e.to_string())?;
            if staged.sha256 != expected {
                return Err(format!(
                    "the fetched bundle's files have digest {}, the deploy recorded {expected}",
                    staged.sha256
                ));
            }
            // What an interrupted fetch may have left (never a complete bundle: that has
            // its manifest, and the caller only fetches when it is missing).
            if final_dir.exists() {
                std::fs::remove_dir_all(&final_dir).map_err(|e| e.to_string())?;
            }
            durable::move_into_place(&staged.root, &final_dir, &data_dir).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        tracing::info!(service = %row.service_id, generation = %row.id, ms = started.elapsed().as_millis() as u64, "bundle fetched from the state database");
        Ok(())
    }
}
