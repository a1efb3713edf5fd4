//! Bundles: a directory or archive with a `plinth.toml` manifest and its artifacts.
//!
//! [`stage`] unpacks (or copies) a bundle into a private staging directory inside the data
//! directory, finds its root, validates the manifest and fingerprints the content. Nothing is
//! visible to requests until the deploy that staged it commits.

pub mod archive;
#[doc(hidden)]
pub mod fuzz;
pub mod manifest;
pub mod pack;

pub use archive::{UnpackError, UnpackLimits};
pub use manifest::{
    EndpointSection, MANIFEST_FILE, Manifest, ManifestError, ServiceRateLimit, is_valid_id,
};
pub use pack::{Packed, pack_dir};

use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// Where a bundle comes from.
#[derive(Clone, Debug)]
pub enum BundleSource {
    /// A directory with `plinth.toml` at its root.
    Directory(PathBuf),
    /// An archive file (`.tar.gz`, `.tgz`, `.tar`, `.zip`).
    Archive(PathBuf),
}

impl BundleSource {
    /// A directory or an archive, depending on what `path` is.
    pub fn from_path(path: &Path) -> BundleSource {
        if path.is_dir() {
            BundleSource::Directory(path.to_owned())
        } else {
            BundleSource::Archive(path.to_owned())
        }
    }
}

/// Why a bundle was refused.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Unpacking or copying failed or was refused.
    #[error(transparent)]
    Unpack(#[from] UnpackError),
    /// The manifest is missing or invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The source does not exist or cannot be read.
    #[error("cannot read bundle {path}: {error}")]
    Source {
        /// The path given.
        path: String,
        /// The OS error.
        error: std::io::Error,
    },
}

/// A bundle unpacked into staging, validated, not yet committed.
#[derive(Debug)]
pub struct StagedBundle {
    /// Owns the staging directory; dropping it deletes everything not moved out.
    pub staging: tempfile::TempDir,
    /// The bundle root inside `staging` (the directory holding `plinth.toml`).
    pub root: PathBuf,
    /// The validated manifest.
    pub manifest: Manifest,
    /// SHA-256 over the bundle's relative paths and contents, hex.
    pub sha256: String,
}

/// Unpacks or copies `source` under `staging_parent`, finds the root and validates the manifest.
pub fn stage(
    source: &BundleSource,
    staging_parent: &Path,
    known_kinds: &[&str],
    limits: UnpackLimits,
) -> Result<StagedBundle, BundleError> {
    fs::create_dir_all(staging_parent).map_err(UnpackError::Io)?;
    let staging = tempfile::Builder::new()
        .prefix("stage-")
        .tempdir_in(staging_parent)
        .map_err(UnpackError::Io)?;
    let dest = staging.path().join("bundle");
    fs::create_dir(&dest).map_err(UnpackError::Io)?;
    match source {
        BundleSource::Directory(dir) => {
            fs::metadata(dir).map_err(|error| BundleError::Source {
                path: dir.display().to_string(),
                error,
            })?;
            archive::copy_dir(dir, &dest, limits)?;
        }
        BundleSource::Archive(file) => {
            fs::metadata(file).map_err(|error| BundleError::Source {
                path: file.display().to_string(),
                error,
            })?;
            archive::unpack(file, &dest, limits)?;
        }
    }
    let root = find_root(&dest)?;
    let text = fs::read_to_string(root.join(MANIFEST_FILE)).map_err(|e| ManifestError {
        field: None,
        message: format!("unreadable: {e}"),
    })?;
    let manifest = Manifest::parse(&text, known_kinds)?;
    let sha256 = digest(&root).map_err(UnpackError::Io)?;
    Ok(StagedBundle {
        staging,
        root,
        manifest,
        sha256,
    })
}

/// The directory holding `plinth.toml`: the top, or the single directory an archive of a
/// folder unpacks to.
fn find_root(top: &Path) -> Result<PathBuf, ManifestError> {
    if top.join(MANIFEST_FILE).is_file() {
        return Ok(top.to_owned());
    }
    let entries: Vec<_> = fs::read_dir(top)
        .map(|it| it.filter_map(Result::ok).collect())
        .unwrap_or_default();
    if let [only] = entries.as_slice()
        && only.file_type().is_ok_and(|t| t.is_dir())
        && only.path().join(MANIFEST_FILE).is_file()
    {
        return Ok(only.path());
    }
    Err(ManifestError {
        field: None,
        message: "not found at the root of the bundle (expected plinth.toml beside the artifacts, or in the one folder the archive holds)".into(),
    })
}

/// Fingerprint of a bundle directory: SHA-256 over each entry's relative path and content
/// (link target for links), in sorted order.
pub fn digest(root: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect(root, root, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for rel in files {
        let path = root.join(&rel);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        let meta = fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            hasher.update(b"link:");
            hasher.update(fs::read_link(&path)?.to_string_lossy().as_bytes());
        } else {
            let mut file = fs::File::open(&path)?;
            std::io::copy(
                &mut file,
                &mut HashWriter::new(&mut hasher, std::io::sink()),
            )?;
        }
        hasher.update([0]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// A writer that hashes and counts what it passes on to `out`.
struct HashWriter<'a, W> {
    hasher: &'a mut Sha256,
    out: W,
    written: u64,
}

impl<'a, W> HashWriter<'a, W> {
    fn new(hasher: &'a mut Sha256, out: W) -> Self {
        HashWriter {
            hasher,
            out,
            written: 0,
        }
    }
}

impl<W: std::io::Write> std::io::Write for HashWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(root, &entry.path(), out)?;
        } else {
            out.push(
                entry
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(&entry.path())
                    .to_owned(),
            );
        }
    }
    Ok(())
}
