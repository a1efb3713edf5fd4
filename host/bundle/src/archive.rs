//! Safe unpacking of bundle archives (`.tar.gz`, `.tgz`, `.tar`, `.zip`) and safe copying of
//! bundle directories.
//!
//! Nothing may land outside the destination: absolute paths, `..` components, entries under a
//! link, links whose target leaves the bundle or climbs (`..`) after a name, and special files
//! (devices, FIFOs) are refused with an error naming the entry. Sizes, hard-link copies
//! included, are capped against archive bombs.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Limits applied while unpacking.
#[derive(Clone, Copy, Debug)]
pub struct UnpackLimits {
    /// Total bytes of all files once unpacked.
    pub max_total_bytes: u64,
    /// Number of entries.
    pub max_entries: usize,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        UnpackLimits {
            max_total_bytes: 4 << 30,
            max_entries: 100_000,
        }
    }
}

/// Why a bundle could not be unpacked or copied.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The archive holds something that would escape the bundle or is not a plain file.
    #[error("archive entry '{entry}' rejected: {reason}")]
    Unsafe {
        /// The entry's path as written in the archive.
        entry: String,
        /// Why it was refused.
        reason: String,
    },
    /// The archive is larger than allowed once unpacked.
    #[error("bundle too large: {0}")]
    TooLarge(String),
    /// The file is not an archive this server reads, or it is corrupt.
    #[error("not a readable bundle archive: {0}")]
    Format(String),
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Archive formats, told apart by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// gzip-compressed tar.
    TarGz,
    /// plain tar.
    Tar,
    /// zip.
    Zip,
}

/// Detects the archive format from its first bytes (at least 262 bytes for plain tar).
pub fn detect_format(head: &[u8]) -> Option<ArchiveFormat> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(ArchiveFormat::TarGz)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ArchiveFormat::Zip)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Some(ArchiveFormat::Tar)
    } else {
        None
    }
}

/// Unpacks the archive file `archive` into the existing empty directory `dest`.
pub fn unpack(archive: &Path, dest: &Path, limits: UnpackLimits) -> Result<(), UnpackError> {
    let mut head = [0u8; 512];
    let n = read_up_to(&mut fs::File::open(archive)?, &mut head)?;
    match detect_format(&head[..n]) {
        Some(ArchiveFormat::TarGz) => unpack_tar(
            flate2::read::GzDecoder::new(fs::File::open(archive)?),
            dest,
            limits,
        ),
        Some(ArchiveFormat::Tar) => unpack_tar(fs::File::open(archive)?, dest, limits),
        Some(ArchiveFormat::Zip) => unpack_zip(archive, dest, limits),
        None => Err(UnpackError::Format(
            "expected a .tar.gz, .tgz, .tar or .zip archive".into(),
        )),
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Checks that an archive path is relative and has no `..`; returns it normalised.
fn safe_relative(entry: &str) -> Result<PathBuf, UnpackError> {
    let unsafe_entry = |reason: &str| UnpackError::Unsafe {
        entry: entry.to_owned(),
        reason: reason.to_owned(),
    };
    let mut out = PathBuf::new();
    for component in Path::new(entry).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_entry("'..' components are not allowed")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_entry("absolute paths are not allowed"));
            }
        }
    }
    Ok(out)
}

/// Checks that a symbolic link at `link` (relative to the bundle root) pointing to `target`
/// stays inside the bundle.
fn check_link_target(entry: &str, link: &Path, target: &Path) -> Result<(), UnpackError> {
    let unsafe_entry = |reason: String| UnpackError::Unsafe {
        entry: entry.to_owned(),
        reason,
    };
    if target.is_absolute() {
        return Err(unsafe_entry(format!(
            "link to absolute path '{}' leaves the bundle",
            target.display()
        )));
    }
    let mut depth: Vec<&std::ffi::OsStr> = link
        .parent()
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    // A name may itself be a link (now or later in the archive), so `..` after one would climb
    // from wherever that link points, not from where the name seems to be.
    let mut named = false;
    for component in target.components() {
        match component {
            Component::Normal(part) => {
                depth.push(part);
                named = true;
            }
            Component::CurDir => {}
            Component::ParentDir if named => {
                return Err(unsafe_entry(format!(
                    "link to '{}' climbs after a name: '..' only at the start of a link target",
                    target.display()
                )));
            }
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return Err(unsafe_entry(format!(
                        "link to '{}' leaves the bundle",
                        target.display()
                    )));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_entry(format!(
                    "link to '{}' leaves the bundle",
                    target.display()
                )));
            }
        }
    }
    Ok(())
}

/// Checks that no directory on the way from `dest` to the entry at `rel` is a link: a link
/// there would make the entry land wherever the link points.
fn check_no_link_above(entry: &str, dest: &Path, rel: &Path) -> Result<(), UnpackError> {
    let mut above = PathBuf::new();
    for part in rel.parent().into_iter().flat_map(Path::iter) {
        above.push(part);
        if fs::symlink_metadata(dest.join(&above)).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(UnpackError::Unsafe {
                entry: entry.to_owned(),
                reason: format!("goes through the link '{}'", above.display()),
            });
        }
    }
    Ok(())
}

struct Budget {
    limits: UnpackLimits,
    bytes: u64,
    entries: usize,
}

impl Budget {
    fn new(limits: UnpackLimits) -> Self {
        Budget {
            limits,
            bytes: 0,
            entries: 0,
        }
    }

    fn entry(&mut self) -> Result<(), UnpackError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(UnpackError::TooLarge(format!(
                "more than {} entries",
                self.limits.max_entries
            )));
        }
        Ok(())
    }

    /// Copies `reader` into `path`, counting bytes against the budget.
    fn write_file(&mut self, reader: &mut impl Read, path: &Path) -> Result<(), UnpackError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let remaining = self.limits.max_total_bytes.saturating_sub(self.bytes);
        let mut file = fs::File::create(path)?;
        let written = io::copy(&mut reader.take(remaining + 1), &mut file)?;
        self.bytes += written;
        if written > remaining {
            return Err(UnpackError::TooLarge(format!(
                "more than {} bytes unpacked",
                self.limits.max_total_bytes
            )));
        }
        Ok(())
    }
}

fn unpack_tar(reader: impl Read, dest: &Path, limits: UnpackLimits) -> Result<(), UnpackError> {
    let mut archive = tar::Archive::new(reader);
    let mut budget = Budget::new(limits);
    let entries = archive
        .entries()
        .map_err(|e| UnpackError::Format(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| UnpackError::Format(e.to_string()))?;
        budget.entry()?;
        let raw = entry
            .path()
            .map_err(|e| UnpackError::Format(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let rel = safe_relative(&raw)?;
        check_no_link_above(&raw, dest, &rel)?;
        let out = dest.join(&rel);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            fs::create_dir_all(&out)?;
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            budget.write_file(&mut entry, &out)?;
        } else if kind.is_symlink() {
            let target = entry
                .link_name()
                .map_err(|e| UnpackError::Format(e.to_string()))?
                .ok_or_else(|| UnpackError::Format(format!("link '{raw}' without a target")))?
                .into_owned();
            check_link_target(&raw, &rel, &target)?;
            make_symlink(&target, &out)?;
        } else if kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| UnpackError::Format(e.to_string()))?
                .ok_or_else(|| UnpackError::Format(format!("link '{raw}' without a target")))?
                .to_string_lossy()
                .into_owned();
            let target_rel = safe_relative(&target)?;
            let source = dest.join(target_rel);
            if !source.is_file() {
                return Err(UnpackError::Unsafe {
                    entry: raw,
                    reason: format!("hard link to '{target}', which is not a file of the bundle"),
                });
            }
            budget.write_file(&mut fs::File::open(&source)?, &out)?;
        } else if matches!(
            kind,
            tar::EntryType::XGlobalHeader
                | tar::EntryType::XHeader
                | tar::EntryType::GNULongName
                | tar::EntryType::GNULongLink
        ) {
            // Metadata records, handled by the tar reader.
        } else {
            return Err(UnpackError::Unsafe {
                entry: raw,
                reason: format!(
                    "unsupported entry type {kind:?}: only files, directories and links"
                ),
            });
        }
    }
    Ok(())
}

fn unpack_zip(path: &Path, dest: &Path, limits: UnpackLimits) -> Result<(), UnpackError> {
    let mut archive = zip::ZipArchive::new(fs::File::open(path)?)
        .map_err(|e| UnpackError::Format(e.to_string()))?;
    let mut budget = Budget::new(limits);
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| UnpackError::Format(e.to_string()))?;
        budget.entry()?;
        let raw = file.name().to_owned();
        let rel = safe_relative(&raw)?;
        check_no_link_above(&raw, dest, &rel)?;
        let out = dest.join(&rel);
        let is_symlink = file
            .unix_mode()
            .is_some_and(|mode| mode & 0o170000 == 0o120000);
        if file.is_dir() {
            fs::create_dir_all(&out)?;
        } else if is_symlink {
            let mut target = String::new();
            file.by_ref().take(4096).read_to_string(&mut target)?;
            check_link_target(&raw, &rel, Path::new(&target))?;
            make_symlink(Path::new(&target), &out)?;
        } else {
            budget.write_file(&mut file, &out)?;
        }
    }
    Ok(())
}

fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    if let Some(parent) = link.parent() {
        fs::create_dir_all(parent)?;
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, link)
    }
    #[cfg(not(unix))]
    {
        let _ = (target, link);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "symbolic links in bundles need a Unix host",
        ))
    }
}

/// Copies a bundle directory into the empty directory `dest`, with the same rules as archives:
/// links must stay inside the bundle (they are copied as links), special files are refused.
pub fn copy_dir(src: &Path, dest: &Path, limits: UnpackLimits) -> Result<(), UnpackError> {
    let mut budget = Budget::new(limits);
    copy_dir_inner(src, src, dest, &mut budget)
}

fn copy_dir_inner(
    root: &Path,
    dir: &Path,
    dest: &Path,
    budget: &mut Budget,
) -> Result<(), UnpackError> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        budget.entry()?;
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let shown = rel.to_string_lossy().into_owned();
        let out = dest.join(&rel);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir_all(&out)?;
            copy_dir_inner(root, &path, dest, budget)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&path)?;
            check_link_target(&shown, &rel, &target)?;
            make_symlink(&target, &out)?;
        } else if kind.is_file() {
            budget.write_file(&mut fs::File::open(&path)?, &out)?;
        } else {
            return Err(UnpackError::Unsafe {
                entry: shown,
                reason: "special files are not allowed in bundles".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // set_path refuses '..'; write the raw name like a hostile archive would.
            let bytes = name.as_bytes();
            header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        for (name, target) in links {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            builder.append_link(&mut header, name, target).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn unpack_bytes(bytes: &[u8]) -> Result<tempfile::TempDir, UnpackError> {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("b.tar.gz");
        fs::write(&archive, bytes).unwrap();
        let dest = dir.path().join("out");
        fs::create_dir(&dest).unwrap();
        unpack(&archive, &dest, UnpackLimits::default()).map(|_| dir)
    }

    #[test]
    fn unpacks_plain_files_and_inner_links() {
        let dir = unpack_bytes(&tar_gz(
            &[("plinth.toml", b"x"), ("data/a.csv", b"1")],
            &[("data/b.csv", "a.csv")],
        ))
        .unwrap();
        assert_eq!(fs::read(dir.path().join("out/data/b.csv")).unwrap(), b"1");
    }

    #[test]
    fn refuses_traversal_absolute_paths_and_escaping_links() {
        let e = unpack_bytes(&tar_gz(&[("../evil", b"x")], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'../evil'") && e.contains(".."), "{e}");
        let e = unpack_bytes(&tar_gz(&[("/etc/evil", b"x")], &[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("absolute"), "{e}");
        let e = unpack_bytes(&tar_gz(&[], &[("data/up", "../../etc/passwd")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("leaves the bundle"), "{e}");
        let e = unpack_bytes(&tar_gz(&[], &[("abs", "/etc/passwd")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("leaves the bundle"), "{e}");
    }

    #[test]
    fn refuses_bombs_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("b.tar.gz");
        fs::write(&archive, tar_gz(&[("big", &vec![0u8; 10_000])], &[])).unwrap();
        let dest = dir.path().join("out");
        fs::create_dir(&dest).unwrap();
        let e = unpack(
            &archive,
            &dest,
            UnpackLimits {
                max_total_bytes: 1000,
                max_entries: 10,
            },
        )
        .unwrap_err();
        assert!(matches!(e, UnpackError::TooLarge(_)), "{e}");
        fs::write(&archive, b"hello, not an archive").unwrap();
        assert!(matches!(
            unpack(&archive, &dest, UnpackLimits::default()),
            Err(UnpackError::Format(_))
        ));
    }

    #[test]
    fn zip_entries_are_checked_too() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.zip");
        let mut writer = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        writer.start_file("plinth.toml", options).unwrap();
        writer.write_all(b"ok").unwrap();
        writer.start_file("../escape.txt", options).unwrap();
        writer.write_all(b"bad").unwrap();
        writer.finish().unwrap();
        let dest = dir.path().join("out");
        fs::create_dir(&dest).unwrap();
        let e = unpack(&path, &dest, UnpackLimits::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("../escape.txt"), "{e}");
        assert!(!dir.path().join("escape.txt").exists());
    }
}
