//! `plinth new function --lang python|javascript|rust NAME`: a bundle with a WIT world, the
//! function's source, a manifest and a build file (the files' text is in `templates`).

use super::BUILD_FILE;
use super::templates::{self, Lang};
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
        #[arg(long, value_enum, default_value = "python")]
        lang: Lang,
        /// Parent directory of the new project.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// Creates the project and prints what to do next.
pub fn new(args: NewArgs) -> anyhow::Result<()> {
    let NewWhat::Function { name, lang, dir } = args.what;
    check_name(&name)?;
    let root = dir.join(&name);
    if root.exists() {
        bail!("{} already exists", root.display());
    }
    let wit_name = name.replace('_', "-");
    let mut files = vec![
        ("plinth.toml", templates::manifest(&name)),
        (BUILD_FILE, templates::build_file(lang, &name, &wit_name)),
        ("wit/world.wit", templates::world(&wit_name)),
        ("wit/deps/plinth-host/host.wit", HOST_WIT.to_owned()),
        (".gitignore", "build/\n__pycache__/\ntarget/\n".to_owned()),
    ];
    files.extend(templates::sources(lang, &name, &wit_name));
    for (path, text) in &files {
        write(&root, path, text)?;
    }
    println!("created {}", root.display());
    println!("next:");
    println!("  cd {}", root.display());
    println!(
        "  plinth build                       # {} -> build/{name}.wasm",
        templates::source_file(lang)
    );
    println!("  plinth run . {name} --arg a=30 --arg b=12");
    println!("  plinth deploy .                    # to the server at $PLINTH_SERVER");
    println!(
        "  plinth dev --call {name} --body '{{\"a\": 30, \"b\": 12}}'   # rebuild and redeploy on every save"
    );
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
