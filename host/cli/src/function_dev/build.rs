//! `plinth build [DIR]`: builds the bundle's components as its `plinth-build.toml` says. Each
//! table builds one component: `[python]` with componentize-py, `[javascript]` with
//! componentize-qjs, `[rust]` with cargo for `wasm32-wasip2`. The tools live in the user's
//! cache (installed on first use, shared with the examples' set-up), never in the project, so
//! that `plinth deploy .` uploads only the bundle.

use super::BUILD_FILE;
use super::{build_javascript, build_python, build_rust};
use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `plinth build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project (bundle) directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// `plinth-build.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildFile {
    python: Option<build_python::PythonBuild>,
    javascript: Option<build_javascript::JavascriptBuild>,
    rust: Option<build_rust::RustBuild>,
}

impl BuildFile {
    /// Each component's output, relative to the project.
    fn outputs(&self) -> Vec<&str> {
        let python = self.python.as_ref().map(|b| b.output.as_str());
        let javascript = self.javascript.as_ref().map(|b| b.output.as_str());
        let rust = self.rust.as_ref().map(|b| b.output.as_str());
        [python, javascript, rust].into_iter().flatten().collect()
    }
}

/// Builds the components.
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

/// Where the project's build puts its components (`plinth dev` leaves those files out of what
/// it watches); empty without a build file.
pub fn build_outputs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(match read_build_file(dir)? {
        Some(spec) => spec.outputs().iter().map(|o| dir.join(o)).collect(),
        None => Vec::new(),
    })
}

fn read_build_file(dir: &Path) -> anyhow::Result<Option<BuildFile>> {
    let file = dir.join(BUILD_FILE);
    if !file.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let spec: BuildFile = toml::from_str(&text).with_context(|| format!("{}", file.display()))?;
    if spec.outputs().is_empty() {
        bail!(
            "{}: nothing to build (expected a [python], [javascript] or [rust] table)",
            file.display()
        );
    }
    Ok(Some(spec))
}

/// Builds the project's components as its `plinth-build.toml` says and returns their paths;
/// empty when it has no build file (a bundle deployed as it is). The compilers' errors go to
/// stderr as they print them.
pub fn build_project(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Some(spec) = read_build_file(dir)? else {
        return Ok(Vec::new());
    };
    let mut built = Vec::new();
    if let Some(python) = &spec.python {
        built.push(build_python::build(dir, python)?);
    }
    if let Some(javascript) = &spec.javascript {
        built.push(build_javascript::build(dir, javascript)?);
    }
    if let Some(rust) = &spec.rust {
        built.push(build_rust::build(dir, rust)?);
    }
    for output in &built {
        let size = std::fs::metadata(output)?.len();
        println!("built {} ({:.1} MB)", output.display(), size as f64 / 1e6);
    }
    Ok(built)
}

/// `dir/relative`, with its parent directory created, as an absolute path (the compilers run
/// in other directories).
pub(super) fn output_path(dir: &Path, relative: &str) -> anyhow::Result<PathBuf> {
    let output = std::path::absolute(dir.join(relative))?;
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    Ok(output)
}
