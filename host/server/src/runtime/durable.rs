//! Making bundle files durable before the store refers to them, and removing what a crash left.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// `fsync`s a directory, so that entries created, renamed or removed in it are on disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// `fsync`s every regular file and directory under `root` (links are not followed; a link is
/// an entry of its directory), then `root` itself.
pub(crate) fn sync_tree(root: &Path) -> io::Result<()> {
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_tree(&entry.path())?;
        } else if kind.is_file() {
            fs::File::open(entry.path())?.sync_all()?;
        }
    }
    sync_dir(root)
}

/// Moves the staged bundle `from` to `to` (which must not exist or be empty) durably: its
/// files are synced first, then the rename and the new directory entries. On return the
/// bundle is complete at `to`, also after a crash.
pub(crate) fn move_into_place(from: &Path, to: &Path, data_dir: &Path) -> io::Result<()> {
    sync_tree(from)?;
    let parent = to.parent().unwrap_or(data_dir);
    fs::create_dir_all(parent)?;
    fs::rename(from, to)?;
    // The new entry, and the parents `create_dir_all` may have created, up to the data dir.
    let mut dir = Some(parent);
    while let Some(d) = dir {
        sync_dir(d)?;
        if d == data_dir {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// Removes what is under `bundles` (the data directory's `bundles/`) that no stored generation
/// uses: directories of deploys interrupted before they were recorded, of services or
/// generations deleted just before a crash. `referenced` holds the bundle directories of the
/// stored generations; `services` the stored service ids (their directory is kept even when
/// empty). Returns what was removed.
pub(crate) fn remove_orphans(
    bundles: &Path,
    referenced: &HashSet<PathBuf>,
    services: &HashSet<String>,
) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let used = |path: &Path| referenced.iter().any(|r| r.starts_with(path));
    let Ok(entries) = fs::read_dir(bundles) else {
        return removed;
    };
    for service in entries.filter_map(Result::ok) {
        let service_dir = service.path();
        let is_dir = service.file_type().is_ok_and(|t| t.is_dir());
        let stored = services.contains(&*service.file_name().to_string_lossy());
        if !is_dir || (!stored && !used(&service_dir)) {
            remove(&service_dir, &mut removed);
            continue;
        }
        let Ok(generations) = fs::read_dir(&service_dir) else {
            continue;
        };
        for generation in generations.filter_map(Result::ok) {
            let path = generation.path();
            if !used(&path) {
                remove(&path, &mut removed);
            }
        }
    }
    removed
}

fn remove(path: &Path, removed: &mut Vec<PathBuf>) {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => removed.push(path.to_owned()),
        Err(e) => tracing::warn!("could not remove {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphans_are_removed_and_stored_generations_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let bundles = tmp.path().join("bundles");
        for dir in ["shop/v1", "shop/v2", "gone/v1", "empty", "kept/v9"] {
            fs::create_dir_all(bundles.join(dir)).unwrap();
            fs::write(bundles.join(dir).join("plinth.toml"), "x").unwrap();
        }
        fs::write(bundles.join("stray-file"), "x").unwrap();
        let referenced: HashSet<PathBuf> = [bundles.join("shop/v1")].into_iter().collect();
        let services: HashSet<String> = ["shop", "kept"].map(str::to_owned).into_iter().collect();
        let mut removed = remove_orphans(&bundles, &referenced, &services);
        removed.sort();
        assert_eq!(
            removed,
            ["empty", "gone", "kept/v9", "shop/v2", "stray-file"].map(|d| bundles.join(d))
        );
        assert!(bundles.join("shop/v1/plinth.toml").is_file());
        assert!(bundles.join("kept").is_dir());
    }

    #[test]
    fn a_moved_bundle_is_complete_at_its_place() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("staging/stage-1/bundle");
        fs::create_dir_all(from.join("data")).unwrap();
        fs::write(from.join("plinth.toml"), "m").unwrap();
        fs::write(from.join("data/items.csv"), "id\n1\n").unwrap();
        let to = tmp.path().join("bundles/shop/v1");
        move_into_place(&from, &to, tmp.path()).unwrap();
        assert!(!from.exists());
        assert_eq!(
            fs::read_to_string(to.join("data/items.csv")).unwrap(),
            "id\n1\n"
        );
        // A second bundle cannot replace it.
        fs::create_dir_all(&from).unwrap();
        fs::write(from.join("plinth.toml"), "other").unwrap();
        assert!(move_into_place(&from, &to, tmp.path()).is_err());
        assert_eq!(fs::read_to_string(to.join("plinth.toml")).unwrap(), "m");
    }
}
