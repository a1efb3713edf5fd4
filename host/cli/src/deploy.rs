//! `plinth deploy`: pack a bundle directory (or take an archive), upload it with a progress bar,
//! and wait for the server to load it.

use crate::Remote;
use crate::admin_client::AdminClient;
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

pub fn run(
    remote: &Remote,
    bundle: &Path,
    generation: Option<&str>,
    activate: bool,
) -> anyhow::Result<()> {
    let client = AdminClient::new(remote)?;
    let archive = if bundle.is_dir() {
        if !bundle.join("plinth.toml").is_file() {
            bail!(
                "{} has no plinth.toml: a bundle directory needs its manifest at the top",
                bundle.display()
            );
        }
        let file = tempfile::NamedTempFile::new()?;
        pack(bundle, file.as_file()).with_context(|| format!("packing {}", bundle.display()))?;
        Archive::Temp(file)
    } else if bundle.is_file() {
        Archive::Given(bundle.to_owned())
    } else {
        bail!(
            "{} is neither a bundle directory nor an archive",
            bundle.display()
        );
    };
    let path = archive.path();
    let size = std::fs::metadata(path)?.len();

    let upload = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("uploading {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let loading = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} loading on the server {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut reader = Progress {
        inner: File::open(path)?,
        upload: &upload,
        loading: &loading,
        size,
        sent: 0,
    };
    let mut query = format!("deploy?activate={activate}");
    if let Some(g) = generation {
        query.push_str(&format!("&generation={g}"));
    }
    let result = client.post_stream(&query, &mut reader);
    upload.finish_and_clear();
    loading.finish_and_clear();
    let outcome = result?;
    println!(
        "deployed {} generation {} ({} endpoint(s), loaded in {} ms){}",
        outcome["serviceId"].as_str().unwrap_or("?"),
        outcome["generation"].as_str().unwrap_or("?"),
        outcome["endpoints"].as_array().map(Vec::len).unwrap_or(0),
        outcome["loadMs"],
        if activate {
            ", now serving"
        } else {
            ", not activated: plinth switch to route calls to it"
        }
    );
    Ok(())
}

enum Archive {
    Temp(tempfile::NamedTempFile),
    Given(std::path::PathBuf),
}

impl Archive {
    fn path(&self) -> &Path {
        match self {
            Archive::Temp(f) => f.path(),
            Archive::Given(p) => p,
        }
    }
}

/// Writes `dir` as a .tar.gz whose entries are relative to `dir` (links kept as links).
pub(crate) fn pack(dir: &Path, out: &File) -> anyhow::Result<()> {
    let encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    builder.follow_symlinks(false);
    builder.append_dir_all(".", dir)?;
    builder.into_inner()?.finish()?;
    Ok(())
}

/// Counts bytes for the upload bar, then switches to the loading spinner.
struct Progress<'a> {
    inner: File,
    upload: &'a ProgressBar,
    loading: &'a ProgressBar,
    size: u64,
    sent: u64,
}

impl Read for Progress<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n as u64;
        self.upload.set_position(self.sent);
        if n == 0 || self.sent >= self.size {
            self.upload.finish_and_clear();
            self.loading.enable_steady_tick(Duration::from_millis(100));
        }
        Ok(n)
    }
}
