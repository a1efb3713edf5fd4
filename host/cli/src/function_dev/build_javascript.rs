//! The `[javascript]` table of `plinth-build.toml`: componentize-qjs (QuickJS), at the version
//! that `examples/js_svc/package-lock.json` pins, installed with npm into the user's cache on
//! first use. The project itself needs no `package.json` and gets no `node_modules`.

use anyhow::{Context, bail};
use serde::Deserialize;
use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The npm packages of the build tools (componentize-qjs and its native bindings).
const PACKAGE_JSON: &str = include_str!("../../../../examples/js_svc/package.json");
const PACKAGE_LOCK: &str = include_str!("../../../../examples/js_svc/package-lock.json");

/// How to build a JavaScript component.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JavascriptBuild {
    /// The JavaScript module, relative to the project.
    source: String,
    /// The WIT world (its name in the WIT package).
    world: String,
    /// The WIT directory, with its dependencies under `deps/` (default `wit`).
    #[serde(default = "default_wit")]
    wit: String,
    /// Where the component goes, relative to the project.
    pub output: String,
}

fn default_wit() -> String {
    "wit".into()
}

/// Builds the component; returns its path.
pub fn build(dir: &Path, js: &JavascriptBuild) -> anyhow::Result<PathBuf> {
    let tools = ensure_tools()?;
    let output = super::build::output_path(dir, &js.output)?;
    println!(
        "building {} from {} (componentize-qjs, ~5 s)",
        js.output, js.source
    );
    let status = Command::new(tools.join("node_modules/.bin/componentize-qjs"))
        .current_dir(dir)
        .args([
            "--wit", &js.wit, "--js", &js.source, "-n", &js.world, "--sync", "-o",
        ])
        .arg(&output)
        .status()
        .context("running componentize-qjs")?;
    if !status.success() {
        bail!("componentize-qjs failed ({status})");
    }
    Ok(output)
}

/// The folder holding the installed npm packages. It is named by the digest that
/// `scripts/lib/functions.sh` gives `examples/js_svc`'s package files, so that a checkout whose
/// examples are built already has it.
fn ensure_tools() -> anyhow::Result<PathBuf> {
    let mut digest = sha2::Sha256::new();
    for (name, text) in [
        ("examples/js_svc/package.json", PACKAGE_JSON),
        ("examples/js_svc/package-lock.json", PACKAGE_LOCK),
    ] {
        digest.update(format!("{name}\n{text}"));
    }
    let tag = hex::encode(&digest.finalize()[..8]);
    let tools = super::cache_dir().join(format!("js-tools-{tag}"));
    if tools.join(".installed").is_file() {
        return Ok(tools);
    }
    println!(
        "installing componentize-qjs into {} (npm, once)",
        tools.display()
    );
    let _ = std::fs::remove_dir_all(&tools);
    std::fs::create_dir_all(&tools).with_context(|| format!("creating {}", tools.display()))?;
    std::fs::write(tools.join("package.json"), PACKAGE_JSON)?;
    std::fs::write(tools.join("package-lock.json"), PACKAGE_LOCK)?;
    // `npm install` with the lock rather than `npm ci`: the lock names optional platform
    // bindings that were never published, which `npm ci` takes for a lock out of sync.
    let status = Command::new("npm")
        .current_dir(&tools)
        .args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .status()
        .context("running npm (install Node.js 18+ with npm: apt-get install nodejs npm)")?;
    let runs = status.success()
        && Command::new(tools.join("node_modules/.bin/componentize-qjs"))
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success());
    if !runs {
        let _ = std::fs::remove_dir_all(&tools);
        bail!("npm could not install a componentize-qjs that runs here ({status})");
    }
    std::fs::write(tools.join(".installed"), "")?;
    Ok(tools)
}
