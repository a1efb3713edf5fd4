//! Archives that tried to leave their destination, or to grow past the limits, through links.
//! Each was unpacked wrongly before the fix named in its test.

use plinth_bundle::archive::{UnpackError, UnpackLimits, unpack};
use std::fs;
use std::path::Path;

enum Entry<'a> {
    File(&'a str, usize),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
}

/// A plain tar with the names written raw, as a hostile archive would.
fn tar(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        let (name, target, size, kind) = match entry {
            Entry::File(name, size) => (name, "", *size, tar::EntryType::Regular),
            Entry::Symlink(name, target) => (name, *target, 0, tar::EntryType::Symlink),
            Entry::HardLink(name, target) => (name, *target, 0, tar::EntryType::Link),
        };
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
        header.set_entry_type(kind);
        header.set_size(size as u64);
        header.set_cksum();
        builder
            .append(&header, vec![b'x'; size].as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// Unpacks into `<tmp>/1/2/3/dest`; returns the result and the temporary directory.
fn unpack_deep(
    entries: &[Entry],
    limits: UnpackLimits,
) -> (Result<(), UnpackError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.tar");
    fs::write(&file, tar(entries)).unwrap();
    let dest = dir.path().join("1/2/3/dest");
    fs::create_dir_all(&dest).unwrap();
    (unpack(&file, &dest, limits), dir)
}

fn nothing_outside(dir: &Path) {
    let entries: Vec<_> = fs::read_dir(dir.join("1/2/3"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries,
        ["dest"],
        "the unpacker wrote beside its destination"
    );
}

/// A link under a link: `a/b/l1 -> ../..` is the bundle root, so `a/b/l1/c/l2 -> ../..`
/// sits at `c/l2` and points at the root's parent. Writing under it escaped.
/// Fixed: no entry may go through a link.
#[test]
fn entries_under_a_link_are_refused() {
    let (result, dir) = unpack_deep(
        &[
            Entry::Symlink("a/b/l1", "../.."),
            Entry::Symlink("a/b/l1/c/l2", "../.."),
            Entry::File("a/b/l1/c/l2/evil", 3),
        ],
        UnpackLimits::default(),
    );
    let e = result.unwrap_err().to_string();
    assert!(
        e.contains("'a/b/l1/c/l2'") && e.contains("goes through the link 'a/b/l1'"),
        "{e}"
    );
    nothing_outside(dir.path());
}

/// A link whose target climbs out of a link: `d/l1 -> ..` is the root, so `l2 -> d/l1/..`
/// is the root's parent, though it looks like `d`. Fixed: `..` only at a target's start.
#[test]
fn link_targets_climb_only_at_their_start() {
    for order in [
        [
            Entry::Symlink("d/l1", ".."),
            Entry::Symlink("l2", "d/l1/.."),
        ],
        [
            Entry::Symlink("l2", "d/l1/.."),
            Entry::Symlink("d/l1", ".."),
        ],
    ] {
        let (result, _dir) = unpack_deep(&order, UnpackLimits::default());
        let e = result.unwrap_err().to_string();
        assert!(
            e.contains("'l2'") && e.contains("'..' only at the start"),
            "{e}"
        );
    }
}

/// Hard links were copied without counting their bytes: one file and many links to it
/// unpacked to many times the limit. Fixed: copies count like files.
#[test]
fn hard_link_copies_count_against_the_size_limit() {
    let limits = UnpackLimits {
        max_total_bytes: 1000,
        max_entries: 100,
    };
    let mut entries = vec![Entry::File("big", 600)];
    entries.extend(["h1", "h2", "h3"].map(|h| Entry::HardLink(h, "big")));
    let (result, _dir) = unpack_deep(&entries, limits);
    assert!(
        matches!(result, Err(UnpackError::TooLarge(_))),
        "{result:?}"
    );
}

/// What the fixes must not refuse: links to siblings and parents, and links through links
/// that only go down.
#[test]
fn ordinary_links_still_unpack() {
    let (result, dir) = unpack_deep(
        &[
            Entry::File("data/a.csv", 2),
            Entry::Symlink("data/b.csv", "a.csv"),
            Entry::Symlink("models/up", "../data"),
            Entry::Symlink("c", "models/up/a.csv"),
            Entry::HardLink("data/h.csv", "data/a.csv"),
        ],
        UnpackLimits::default(),
    );
    result.unwrap();
    assert_eq!(fs::read(dir.path().join("1/2/3/dest/c")).unwrap(), b"xx");
}
