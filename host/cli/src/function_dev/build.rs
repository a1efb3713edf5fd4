//! `plinth build [DIR]`: builds the bundle's component as its `plinth-build.toml` says, with
//! componentize-py from a venv in the user's cache (created on first use, shared with the
//! examples' set-up). The venv stays out of the project so that `plinth deploy .` uploads only
//! the bundle.

use super::{BUILD_FILE, COMPONENTIZE_PY_VERSION};
use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `plinth build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project (bundle) directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildFile {
    python: Option<PythonBuild>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PythonBuild {
    /// The Python module (file name without `.py`).
    module: String,
    /// The WIT world in `wit/`.
    world: String,
    /// Where the component goes, relative to the project.
    output: String,
}

/// Builds the component.
pub fn build(args: BuildArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    let file = dir.join(BUILD_FILE);
    if !file.is_file() {
        bail!(
            "reading {}: no such file (create a project with `plinth new function`)",
            file.display()
        );
    }
    build_project(dir).map(|_| ())
}

/// Where the project's build puts its component, if it has a build step (`plinth dev` leaves
/// that file out of what it watches).
pub fn build_output(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    Ok(read_build_file(dir)?.map(|python| dir.join(python.output)))
}

fn read_build_file(dir: &Path) -> anyhow::Result<Option<PythonBuild>> {
    let file = dir.join(BUILD_FILE);
    if !file.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let spec: BuildFile = toml::from_str(&text).with_context(|| format!("{}", file.display()))?;
    match spec.python {
        Some(python) => Ok(Some(python)),
        None => bail!(
            "{}: nothing to build (expected a [python] table)",
            file.display()
        ),
    }
}

/// Builds the project's component as its `plinth-build.toml` says; `Ok(None)` when it has no
/// build file (a bundle deployed as it is). componentize-py's errors go to stderr as it
/// prints them.
pub fn build_project(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let Some(python) = read_build_file(dir)? else {
        return Ok(None);
    };
    let venv = ensure_venv()?;
    let output = dir.join(&python.output);
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let absolute_output = std::path::absolute(&output)?;
    println!(
        "building {} from {}.py (componentize-py, ~20 s)",
        output.display(),
        python.module
    );
    let status = Command::new(venv.join("bin/componentize-py"))
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // The Python error is what the user needs, not componentize-py's Rust backtrace.
        .env("RUST_BACKTRACE", "0")
        .args([
            "-q",
            "-d",
            "wit",
            "-w",
            &python.world,
            "componentize",
            &python.module,
            "-o",
        ])
        .arg(&absolute_output)
        .status()
        .context("running componentize-py")?;
    if !status.success() {
        bail!("componentize-py failed ({status})");
    }
    let size = std::fs::metadata(&output)?.len();
    println!("built {} ({:.1} MB)", output.display(), size as f64 / 1e6);
    Ok(Some(output))
}

/// The venv with componentize-py (`$PLINTH_CACHE/function-venv`), created when missing.
fn ensure_venv() -> anyhow::Result<PathBuf> {
    let venv = super::cache_dir().join("function-venv");
    let tool = venv.join("bin/componentize-py");
    let version_ok = Command::new(&tool)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(COMPONENTIZE_PY_VERSION))
        .unwrap_or(false);
    if version_ok {
        return Ok(venv);
    }
    println!(
        "installing componentize-py {COMPONENTIZE_PY_VERSION} into {}",
        venv.display()
    );
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("running python3 -m venv (is Python 3 installed?)")?;
    if !status.success() {
        bail!("python3 -m venv failed ({status})");
    }
    let status = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "-q",
            &format!("componentize-py=={COMPONENTIZE_PY_VERSION}"),
        ])
        .status()
        .context("running pip")?;
    if !status.success() {
        bail!("pip install componentize-py failed ({status})");
    }
    Ok(venv)
}
