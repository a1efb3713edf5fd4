//! The developer loop for function endpoints: `plinth new function`, `plinth build`,
//! `plinth run` (deploying is the ordinary `plinth deploy`).

mod build;
mod build_javascript;
mod build_python;
mod build_rust;
mod run;
mod scaffold;
mod templates;

pub use build::{BuildArgs, build, build_outputs, build_project};
pub use run::{RunArgs, run};
pub use scaffold::{NewArgs, new};

/// The componentize-py version `plinth build` installs (the one the examples are built with).
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The file that tells `plinth build` how to make a bundle's component.
pub const BUILD_FILE: &str = "plinth-build.toml";

/// The user's Plinth cache: `$PLINTH_CACHE`, else `$XDG_CACHE_HOME/plinth`, else
/// `~/.cache/plinth` (the same place `scripts/lib/functions.sh` uses).
pub fn cache_dir() -> std::path::PathBuf {
    use std::path::PathBuf;
    std::env::var_os("PLINTH_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("plinth")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/plinth")))
        .unwrap_or_else(|| std::env::temp_dir().join("plinth"))
}
