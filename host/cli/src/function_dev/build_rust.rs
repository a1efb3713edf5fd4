//! The `[rust]` table of `plinth-build.toml`: `cargo build --release --target wasm32-wasip2`
//! of the project's `cdylib` crate (wit-bindgen), with its target directory in the user's
//! cache (`$PLINTH_CACHE/guest-target`, shared with the examples), the target added with
//! rustup when missing.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

/// How to build a Rust component.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RustBuild {
    /// The crate's manifest, relative to the project (default `Cargo.toml`).
    #[serde(default = "default_manifest")]
    manifest: String,
    /// Where the component goes, relative to the project.
    pub output: String,
}

fn default_manifest() -> String {
    "Cargo.toml".into()
}

/// The parts of a `Cargo.toml` that name the library's file.
#[derive(Deserialize)]
struct Manifest {
    package: Option<Named>,
    lib: Option<Named>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

/// Builds the component; returns its path.
pub fn build(dir: &Path, rust: &RustBuild) -> anyhow::Result<PathBuf> {
    let manifest = std::path::absolute(dir.join(&rust.manifest))?;
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let parsed: Manifest =
        toml::from_str(&text).with_context(|| format!("{}", manifest.display()))?;
    let Some(name) = [parsed.lib, parsed.package]
        .into_iter()
        .flatten()
        .find_map(|n| n.name)
    else {
        bail!("{} names no package", manifest.display());
    };
    ensure_target()?;
    let output = super::build::output_path(dir, &rust.output)?;
    let target_dir = super::cache_dir().join("guest-target");
    println!(
        "building {} from {} (cargo, {TARGET})",
        rust.output, rust.manifest
    );
    let status = Command::new("cargo")
        .args([
            "build",
            "-q",
            "--release",
            "--target",
            TARGET,
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .context("running cargo (install Rust with rustup)")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    let artifact = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    std::fs::copy(&artifact, &output)
        .with_context(|| format!("copying {} (is the crate a cdylib?)", artifact.display()))?;
    Ok(output)
}

/// Adds the `wasm32-wasip2` target with rustup when it is not installed.
fn ensure_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (install Rust with rustup)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == TARGET)
    {
        return Ok(());
    }
    println!("adding the {TARGET} target (rustup, once)");
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .context("running rustup")?;
    if !status.success() {
        bail!("rustup target add {TARGET} failed ({status})");
    }
    Ok(())
}
