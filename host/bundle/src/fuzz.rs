//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay tests, so that the
//! two cannot drift apart. Each takes arbitrary bytes, must never panic, and asserts the
//! property its target checks.

use crate::archive::{self, UnpackLimits};
use crate::manifest::Manifest;
use std::fs;
use std::path::{Path, PathBuf};

/// The endpoint kinds the fuzzed parser knows.
pub const KINDS: &[&str] = &["prediction", "function", "sql-query", "lookup"];

/// `plinth.toml` text: a manifest that parses writes back as TOML that parses to the same
/// manifest; an error always renders.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let manifest = match Manifest::parse(text, KINDS) {
        Ok(m) => m,
        Err(e) => {
            assert!(e.to_string().starts_with("plinth.toml: "));
            return;
        }
    };
    let again = Manifest::parse(&to_toml(&manifest), KINDS)
        .unwrap_or_else(|e| panic!("re-serialised manifest does not parse: {e}"));
    assert_eq!(
        format!("{:?}", (&manifest.service, &manifest.endpoints)),
        format!("{:?}", (&again.service, &again.endpoints)),
        "a manifest changed on a round trip"
    );
}

/// The manifest as TOML text (host fields back in each endpoint table).
pub fn to_toml(manifest: &Manifest) -> String {
    let mut service = toml::Table::new();
    service.insert("id".into(), manifest.service.id.clone().into());
    if let Some(d) = &manifest.service.description {
        service.insert("description".into(), d.clone().into());
    }
    service.insert("public".into(), manifest.service.public.into());
    let endpoints = manifest
        .endpoints
        .iter()
        .map(|e| {
            let mut table = e.engine_config.clone();
            table.insert("id".into(), e.id.clone().into());
            table.insert("kind".into(), e.kind.clone().into());
            if let Some(d) = &e.description {
                table.insert("description".into(), d.clone().into());
            }
            if let Some(n) = e.max_concurrency {
                table.insert("max_concurrency".into(), (n as i64).into());
            }
            if let Some(n) = e.queue_timeout_ms {
                table.insert("queue_timeout_ms".into(), (n as i64).into());
            }
            toml::Value::Table(table)
        })
        .collect();
    let mut doc = toml::Table::new();
    doc.insert("service".into(), service.into());
    doc.insert("endpoint".into(), toml::Value::Array(endpoints));
    toml::to_string(&doc).expect("a TOML table serialises")
}

/// Limits of the fuzzed unpacker: small, so that bombs hit them fast.
pub const ARCHIVE_LIMITS: UnpackLimits = UnpackLimits {
    max_total_bytes: 8192,
    max_entries: 12,
};

/// An archive: the first byte chooses raw bytes (odd: the file as given, any format) or a tar
/// built from a short program of entries (even, see [`tar_of`]). Whatever the unpacker does,
/// nothing lands outside the destination, every link it left resolves inside it, and the
/// unpacked bytes stay within the limit (one byte over on refusal).
pub fn archive(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (bytes, entries) = if mode % 2 == 1 {
        (rest.to_vec(), None)
    } else {
        let (tar, n) = tar_of(rest);
        (tar, Some(n))
    };
    let sandbox = tempfile::tempdir().expect("a temporary directory");
    let file = sandbox.path().join("bundle.tar");
    fs::write(&file, &bytes).expect("write the archive");
    // Deep, so that an escape of a few levels still lands inside the sandbox and is seen.
    let dest = sandbox.path().join("1/2/3/4/5/6/7/8/dest");
    fs::create_dir_all(&dest).expect("create the destination");
    let result = archive::unpack(&file, &dest, ARCHIVE_LIMITS);
    let _ = result.as_ref().map_err(|e| e.to_string());
    check_sandbox(sandbox.path(), &file, &dest);
    let total = tree_bytes(&dest);
    let allowed = ARCHIVE_LIMITS.max_total_bytes + u64::from(result.is_err());
    assert!(
        total <= allowed,
        "{total} bytes unpacked, limit {}",
        ARCHIVE_LIMITS.max_total_bytes
    );
    if let (Ok(()), Some(n)) = (&result, entries) {
        assert!(n <= ARCHIVE_LIMITS.max_entries, "{n} entries accepted");
    }
    if result.is_ok() {
        check_links(&dest);
    }
}

/// Everything in the sandbox is the archive, a directory on the way to `dest`, or inside it.
fn check_sandbox(root: &Path, file: &Path, dest: &Path) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read the sandbox") {
            let path = entry.expect("a sandbox entry").path();
            if path == file || path.starts_with(dest) {
                continue;
            }
            assert!(
                dest.starts_with(&path),
                "the unpacker wrote outside its destination: {}",
                path.display()
            );
            stack.push(path);
        }
    }
}

/// Bytes of the regular files under `dir` (links not followed).
fn tree_bytes(dir: &Path) -> u64 {
    walk(dir)
        .iter()
        .filter_map(|p| fs::symlink_metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Every link under `dest` that resolves, resolves inside it.
fn check_links(dest: &Path) {
    let top = fs::canonicalize(dest).expect("the destination resolves");
    for path in walk(dest) {
        let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if let (true, Ok(target)) = (is_link, fs::canonicalize(&path)) {
            assert!(
                target.starts_with(&top),
                "link {} resolves outside the bundle: {}",
                path.display(),
                target.display()
            );
        }
    }
}

/// Every path under `dir`, depth first, links not followed.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// A plain tar built from a program of entries, and its entry count. Each entry is a kind byte
/// (file, directory, symbolic link, hard link, FIFO), a path and for links a target written raw
/// from a small alphabet (`a`, `b`, `..`, `.`, `/`, ...), and for files a size.
pub fn tar_of(program: &[u8]) -> (Vec<u8>, usize) {
    let mut bytes = program.iter().copied();
    let mut builder = tar::Builder::new(Vec::new());
    let mut count = 0;
    while let Some(kind) = bytes.next() {
        let name = path_of(&mut bytes);
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.as_old_mut().name[..name.len()].copy_from_slice(&name);
        let data = match kind % 5 {
            0 => {
                header.set_entry_type(tar::EntryType::Regular);
                vec![b'x'; usize::from(bytes.next().unwrap_or(0)) * 48]
            }
            1 => {
                header.set_entry_type(tar::EntryType::Directory);
                Vec::new()
            }
            k => {
                header.set_entry_type(match k {
                    2 => tar::EntryType::Symlink,
                    3 => tar::EntryType::Link,
                    _ => tar::EntryType::Fifo,
                });
                let target = path_of(&mut bytes);
                header.as_old_mut().linkname[..target.len()].copy_from_slice(&target);
                Vec::new()
            }
        };
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder
            .append(&header, data.as_slice())
            .expect("append to a tar in memory");
        count += 1;
    }
    (builder.into_inner().expect("finish the tar"), count)
}

/// A path of at most 100 bytes: a length byte, then one token per byte.
fn path_of(bytes: &mut impl Iterator<Item = u8>) -> Vec<u8> {
    const TOKENS: [&[u8]; 8] = [b"a", b"b", b"..", b".", b"/", b"c/", b"../", b"plinth.toml"];
    let len = bytes.next().unwrap_or(0) % 12;
    let mut out = Vec::new();
    for _ in 0..len {
        let token = TOKENS[usize::from(bytes.next().unwrap_or(0) % 8)];
        if out.len() + token.len() > 100 {
            break;
        }
        out.extend_from_slice(token);
    }
    out
}
