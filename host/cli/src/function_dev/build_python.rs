//! The `[python]` table of `plinth-build.toml`: componentize-py from a venv in the user's
//! cache (`$PLINTH_CACHE/function-venv`, the one the examples' set-up makes).

use super::COMPONENTIZE_PY_VERSION;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How to build a Python component.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonBuild {
    /// The Python module (file name without `.py`).
    module: String,
    /// The WIT world in `wit/`.
    world: String,
    /// Where the component goes, relative to the project.
    pub output: String,
}

/// Builds the component; returns its path.
pub fn build(dir: &Path, python: &PythonBuild) -> anyhow::Result<PathBuf> {
    let venv = ensure_venv()?;
    let output = super::build::output_path(dir, &python.output)?;
    println!(
        "building {} from {}.py (componentize-py, ~20 s)",
        python.output, python.module
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
        .arg(&output)
        .status()
        .context("running componentize-py")?;
    if !status.success() {
        bail!("componentize-py failed ({status})");
    }
    Ok(output)
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
