//! `plinth new function --lang python NAME`: a bundle with a WIT world, a Python function,
//! a manifest and a build file.

use super::BUILD_FILE;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// The host interfaces' WIT, copied into new projects as a WIT dependency.
const HOST_WIT: &str = include_str!("../../../../wit/host/host.wit");

/// `plinth new ...`.
#[derive(clap::Args)]
pub struct NewArgs {
    #[command(subcommand)]
    what: NewWhat,
}

#[derive(clap::Subcommand)]
enum NewWhat {
    /// A function endpoint: WIT world, source, plinth.toml and plinth-build.toml.
    Function {
        /// Name of the function, the endpoint and the service (lowercase letters, digits, `_`).
        name: String,
        /// Guest language.
        #[arg(long, value_parser = ["python"], default_value = "python")]
        lang: String,
        /// Parent directory of the new project.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// Creates the project and prints what to do next.
pub fn new(args: NewArgs) -> anyhow::Result<()> {
    let NewWhat::Function { name, lang: _, dir } = args.what;
    check_name(&name)?;
    let root = dir.join(&name);
    if root.exists() {
        bail!("{} already exists", root.display());
    }
    let wit_name = name.replace('_', "-");
    let files: [(&str, String); 6] = [
        ("plinth.toml", manifest(&name)),
        (BUILD_FILE, build_file(&name, &wit_name)),
        ("wit/world.wit", world(&wit_name)),
        ("wit/deps/plinth-host/host.wit", HOST_WIT.to_owned()),
        ("app.py", python(&name)),
        (".gitignore", "build/\n__pycache__/\n".to_owned()),
    ];
    for (path, text) in files {
        write(&root, path, &text)?;
    }
    println!("created {}", root.display());
    println!("next:");
    println!("  cd {}", root.display());
    println!("  plinth build                       # app.py -> build/{name}.wasm");
    println!("  plinth run . {name} --arg a=30 --arg b=12");
    println!("  plinth deploy .                    # to the server at $PLINTH_SERVER");
    Ok(())
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_');
    if !ok {
        bail!(
            "'{name}' is not a usable function name: use lowercase letters, digits and single \
             underscores, starting with a letter (e.g. add_numbers)"
        );
    }
    Ok(())
}

fn write(root: &Path, relative: &str, text: &str) -> anyhow::Result<()> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

fn manifest(name: &str) -> String {
    format!(
        r#"[service]
id = "{name}"
public = true

[[endpoint]]
id = "{name}"
kind = "function"
component = "build/{name}.wasm"
# Optional: isolation = "pooled", timeout_ms = 5000, memory_mib = 256,
# grants = {{ log = true, lookup = ["an_earlier_lookup_endpoint"] }}
grants = {{ log = true }}
"#
    )
}

fn build_file(name: &str, wit_name: &str) -> String {
    format!(
        r#"# How `plinth build` makes this bundle's component.
[python]
module = "app"              # app.py
world = "{wit_name}"         # in wit/world.wit
output = "build/{name}.wasm"
"#
    )
}

fn world(wit_name: &str) -> String {
    format!(
        r#"// The function's interface. Parameter names are the API's parameter names; the host
// converts JSON and query strings to these types. Import only the host interfaces the
// endpoint is granted in plinth.toml (plinth:host/log, lookup, query, predict: see
// wit/deps/plinth-host/host.wit).
package local:{wit_name};

world {wit_name} {{
    import plinth:host/log@0.1.0;

    export {wit_name}: func(a: s64, b: s64) -> s64;
}}
"#
    )
}

fn python(name: &str) -> String {
    format!(
        r#""""The {name} function. `plinth build` turns it into a WebAssembly component."""

import wit_world
from wit_world.imports import log


class WitWorld(wit_world.WitWorld):
    def {name}(self, a: int, b: int) -> int:
        log.log(log.Level.INFO, f"{name}: adding {{a}} and {{b}}")
        return a + b
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_usable_in_wit_python_and_urls() {
        assert!(check_name("add_numbers").is_ok());
        assert!(check_name("f2").is_ok());
        for bad in ["Add", "2f", "a-b", "a__b", "a_", "", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
