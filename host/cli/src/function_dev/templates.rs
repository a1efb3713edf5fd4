//! The files `plinth new function` writes, per guest language. Every language exports the same
//! function (`a + b`, logging through `plinth:host/log`), so that a new project of any language
//! builds, runs and deploys the same way.

/// A guest language of `plinth new function`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Lang {
    /// componentize-py.
    Python,
    /// componentize-qjs (QuickJS).
    Javascript,
    /// cargo for wasm32-wasip2 with wit-bindgen.
    Rust,
}

/// The wit-bindgen version of new Rust projects (the Rust example's).
const WIT_BINDGEN: &str = "0.63";

/// The file the user edits.
pub fn source_file(lang: Lang) -> &'static str {
    match lang {
        Lang::Python => "app.py",
        Lang::Javascript => "app.js",
        Lang::Rust => "src/lib.rs",
    }
}

/// `plinth.toml`.
pub fn manifest(name: &str) -> String {
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

/// `plinth-build.toml`.
pub fn build_file(lang: Lang, name: &str, wit_name: &str) -> String {
    let table = match lang {
        Lang::Python => format!(
            r#"[python]
module = "app"              # app.py
world = "{wit_name}"         # in wit/world.wit"#
        ),
        Lang::Javascript => format!(
            r#"[javascript]
source = "app.js"
world = "{wit_name}"         # in wit/world.wit
wit = "wit""#
        ),
        Lang::Rust => r#"[rust]
manifest = "Cargo.toml"     # a cdylib crate"#
            .to_owned(),
    };
    format!(
        "# How `plinth build` (and `plinth dev`) make this bundle's component.\n{table}\noutput = \"build/{name}.wasm\"\n"
    )
}

/// `wit/world.wit`.
pub fn world(wit_name: &str) -> String {
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

/// The language's source files.
pub fn sources(lang: Lang, name: &str, wit_name: &str) -> Vec<(&'static str, String)> {
    match lang {
        Lang::Python => vec![("app.py", python(name))],
        Lang::Javascript => vec![("app.js", javascript(name, wit_name))],
        Lang::Rust => vec![
            ("Cargo.toml", cargo_toml(name)),
            ("src/lib.rs", rust(name, wit_name)),
        ],
    }
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

/// WIT names arrive in JavaScript in camelCase (`add-numbers` is `addNumbers`).
fn javascript(name: &str, wit_name: &str) -> String {
    let mut js_name = String::new();
    let mut upper = false;
    for c in wit_name.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            js_name.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            js_name.push(c);
        }
    }
    format!(
        r#"// The {name} function. `plinth build` turns it into a WebAssembly component
// (componentize-qjs). s64 values arrive as BigInt.
import {{ log }} from "plinth:host/log@0.1.0";

export function {js_name}(a, b) {{
  log("info", `{name}: adding ${{a}} and ${{b}}`);
  return a + b;
}}
"#
    )
}

fn cargo_toml(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
wit-bindgen = "{WIT_BINDGEN}"

# A workspace of its own: `plinth build` builds it for wasm32-wasip2.
[workspace]

[profile.release]
opt-level = "s"
lto = true
strip = true
"#
    )
}

fn rust(name: &str, wit_name: &str) -> String {
    format!(
        r#"//! The {name} function. `plinth build` turns it into a WebAssembly component.

wit_bindgen::generate!({{
    path: "wit",
    world: "local:{wit_name}/{wit_name}",
    generate_all,
}});

use plinth::host::log::{{Level, log}};

struct Function;

impl Guest for Function {{
    fn {name}(a: i64, b: i64) -> i64 {{
        log(Level::Info, &format!("{name}: adding {{a}} and {{b}}"));
        a.wrapping_add(b)
    }}
}}

export!(Function);
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_exports_the_camel_case_name() {
        let js = javascript("add_two_numbers", "add-two-numbers");
        assert!(js.contains("export function addTwoNumbers(a, b)"), "{js}");
    }

    #[test]
    fn each_build_file_names_the_output_once_under_its_table() {
        for (lang, table) in [
            (Lang::Python, "[python]"),
            (Lang::Javascript, "[javascript]"),
            (Lang::Rust, "[rust]"),
        ] {
            let file = build_file(lang, "adder", "adder");
            assert!(file.contains(table), "{file}");
            assert_eq!(file.matches("output = \"build/adder.wasm\"").count(), 1);
            let parsed: toml::Table = toml::from_str(&file).unwrap();
            assert_eq!(parsed.len(), 1, "{file}");
        }
    }
}
