//! Component value types as the caller reads them in error messages, and which of them a
//! function endpoint can take or answer.

use wasmtime::component::types::Type;

/// The WIT spelling of `ty`, e.g. `s64`, `list<string>`, `record { name: string, age: u8 }`.
pub fn describe(ty: &Type) -> String {
    match ty {
        Type::List(l) => format!("list<{}>", describe(&l.ty())),
        Type::FixedLengthList(l) => format!("list<{}, {}>", describe(&l.ty()), l.len()),
        Type::Map(m) => format!("map<{}, {}>", describe(&m.key()), describe(&m.value())),
        Type::Option(o) => format!("option<{}>", describe(&o.ty())),
        Type::Result(r) => format!(
            "result<{}, {}>",
            r.ok().map(|t| describe(&t)).unwrap_or_else(|| "_".into()),
            r.err().map(|t| describe(&t)).unwrap_or_else(|| "_".into())
        ),
        Type::Tuple(t) => format!(
            "tuple<{}>",
            t.types()
                .map(|t| describe(&t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Record(r) => format!(
            "record {{ {} }}",
            r.fields()
                .map(|f| format!("{}: {}", f.name, describe(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
        Type::Variant(v) => format!(
            "variant {{ {} }}",
            v.cases()
                .map(|c| match c.ty {
                    Some(t) => format!("{}({})", c.name, describe(&t)),
                    None => c.name.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => primitive_name(other).to_owned(),
    }
}

fn primitive_name(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::S8 => "s8",
        Type::U8 => "u8",
        Type::S16 => "s16",
        Type::U16 => "u16",
        Type::S32 => "s32",
        Type::U32 => "u32",
        Type::S64 => "s64",
        Type::U64 => "u64",
        Type::Float32 => "f32",
        Type::Float64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::Own(_) => "own<resource>",
        Type::Borrow(_) => "borrow<resource>",
        Type::Future(_) => "future",
        Type::Stream(_) => "stream",
        Type::ErrorContext => "error-context",
        _ => "value",
    }
}

/// Refuses types that cannot cross a JSON API: resources, futures, streams, error contexts.
pub fn check_supported(ty: &Type) -> Result<(), String> {
    match ty {
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            Err(format!(
                "{} values cannot be passed through a JSON API",
                primitive_name(ty)
            ))
        }
        Type::List(l) => check_supported(&l.ty()),
        Type::FixedLengthList(l) => check_supported(&l.ty()),
        Type::Map(m) => check_supported(&m.key()).and(check_supported(&m.value())),
        Type::Option(o) => check_supported(&o.ty()),
        Type::Result(r) => {
            if let Some(t) = r.ok() {
                check_supported(&t)?;
            }
            if let Some(t) = r.err() {
                check_supported(&t)?;
            }
            Ok(())
        }
        Type::Tuple(t) => t.types().try_for_each(|t| check_supported(&t)),
        Type::Record(r) => r.fields().try_for_each(|f| check_supported(&f.ty)),
        Type::Variant(v) => v
            .cases()
            .filter_map(|c| c.ty)
            .try_for_each(|t| check_supported(&t)),
        _ => Ok(()),
    }
}

/// The API spelling of a WIT name: `param-one` → `param_one` (Python's spelling).
pub fn api_name(wit_name: &str) -> String {
    wit_name.replace('-', "_")
}

/// Whether a caller's `name` designates the WIT name `wit_name` (either spelling).
pub fn name_matches(name: &str, wit_name: &str) -> bool {
    name == wit_name || name == api_name(wit_name)
}
