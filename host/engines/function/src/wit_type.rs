//! wasmtime's component value types as the plain [`WitType`]s of `plinth-wit-json`, which
//! describe them in error messages and say which can cross a JSON API.

use plinth_wit_json::WitType;
use wasmtime::component::types::Type;

pub use plinth_wit_json::{api_name, name_matches};

/// The plain type of `ty`.
pub fn plain(ty: &Type) -> WitType {
    let boxed = |t: Type| Box::new(plain(&t));
    match ty {
        Type::Bool => WitType::Bool,
        Type::S8 => WitType::S8,
        Type::U8 => WitType::U8,
        Type::S16 => WitType::S16,
        Type::U16 => WitType::U16,
        Type::S32 => WitType::S32,
        Type::U32 => WitType::U32,
        Type::S64 => WitType::S64,
        Type::U64 => WitType::U64,
        Type::Float32 => WitType::Float32,
        Type::Float64 => WitType::Float64,
        Type::Char => WitType::Char,
        Type::String => WitType::String,
        Type::List(l) => WitType::List(boxed(l.ty())),
        Type::FixedLengthList(l) => WitType::FixedLengthList(boxed(l.ty()), l.len()),
        Type::Map(m) => WitType::Map(boxed(m.key()), boxed(m.value())),
        Type::Record(r) => WitType::Record(
            r.fields()
                .map(|f| (f.name.to_owned(), plain(&f.ty)))
                .collect(),
        ),
        Type::Tuple(t) => WitType::Tuple(t.types().map(|t| plain(&t)).collect()),
        Type::Variant(v) => WitType::Variant(
            v.cases()
                .map(|c| (c.name.to_owned(), c.ty.map(|t| plain(&t))))
                .collect(),
        ),
        Type::Enum(e) => WitType::Enum(e.names().map(str::to_owned).collect()),
        Type::Flags(f) => WitType::Flags(f.names().map(str::to_owned).collect()),
        Type::Option(o) => WitType::Option(boxed(o.ty())),
        Type::Result(r) => WitType::Result(r.ok().map(boxed), r.err().map(boxed)),
        Type::Own(_) => WitType::Unsupported("own<resource>"),
        Type::Borrow(_) => WitType::Unsupported("borrow<resource>"),
        Type::Future(_) => WitType::Unsupported("future"),
        Type::Stream(_) => WitType::Unsupported("stream"),
        Type::ErrorContext => WitType::Unsupported("error-context"),
    }
}

/// The WIT spelling of `ty`, e.g. `s64`, `list<string>`, `record { name: string, age: u8 }`.
pub fn describe(ty: &Type) -> String {
    plain(ty).describe()
}

/// Refuses types that cannot cross a JSON API: resources, futures, streams, error contexts.
pub fn check_supported(ty: &Type) -> Result<(), String> {
    plain(ty).check_supported()
}
