//! Packing a bundle directory into one tar archive, so that replicas sharing a state database
//! can store a deployed bundle there and unpack it again where it is missing. The archive is
//! read back by [`crate::archive::unpack`] with the same safety rules as any upload.

use crate::HashWriter;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// What [`pack_dir`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packed {
    /// SHA-256 of the archive's bytes, hex.
    pub sha256: String,
    /// The archive's length in bytes.
    pub size: u64,
}

/// Writes the bundle at `root` as a plain tar archive to `out`: entries in sorted order,
/// regular files with mode 0644, directories, and links as links (the digest of
/// [`crate::digest`] is the same before and after a round trip). The archive is hashed as it
/// is written, so it need not be read again to be checked later.
pub fn pack_dir(root: &Path, out: impl Write) -> io::Result<Packed> {
    let mut hasher = Sha256::new();
    let mut builder = tar::Builder::new(HashWriter::new(&mut hasher, out));
    builder.follow_symlinks(false);
    append_dir(&mut builder, root, root)?;
    let mut written = builder.into_inner()?;
    written.flush()?;
    let size = written.written;
    drop(written);
    Ok(Packed {
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

fn append_dir<W: Write>(builder: &mut tar::Builder<W>, root: &Path, dir: &Path) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            builder.append_dir(rel, &path)?;
            append_dir(builder, root, &path)?;
        } else if kind.is_symlink() {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            header.set_mode(0o777);
            builder.append_link(&mut header, rel, fs::read_link(&path)?)?;
        } else if kind.is_file() {
            let mut file = fs::File::open(&path)?;
            let mut header = tar::Header::new_gnu();
            header.set_size(file.metadata()?.len());
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, rel, &mut file)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{UnpackLimits, unpack};

    #[test]
    fn a_packed_bundle_unpacks_to_the_same_digest() {
        let src = tempfile::tempdir().unwrap();
        fs::write(src.path().join("plinth.toml"), "[service]\nid = \"s\"\n").unwrap();
        fs::create_dir_all(src.path().join("model/deep")).unwrap();
        fs::write(
            src.path().join("model/deep/weights.bin"),
            vec![7u8; 100_000],
        )
        .unwrap();
        fs::write(src.path().join("model/a name.json"), b"{}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("deep/weights.bin", src.path().join("model/link")).unwrap();
        let work = tempfile::tempdir().unwrap();
        let archive = work.path().join("b.tar");
        let packed = pack_dir(src.path(), fs::File::create(&archive).unwrap()).unwrap();
        let bytes = fs::read(&archive).unwrap();
        assert_eq!(packed.size, bytes.len() as u64);
        assert_eq!(packed.sha256, hex::encode(Sha256::digest(&bytes)));
        let dest = work.path().join("out");
        fs::create_dir(&dest).unwrap();
        unpack(&archive, &dest, UnpackLimits::default()).unwrap();
        assert_eq!(
            crate::digest(src.path()).unwrap(),
            crate::digest(&dest).unwrap()
        );
        assert_eq!(
            fs::read(dest.join("model/deep/weights.bin")).unwrap().len(),
            100_000
        );
    }
}
