//! Component value types as plain data: what a function's parameters declare, as the caller
//! reads them in error messages, and which of them can cross a JSON API.

/// A component model value type (the function engine maps wasmtime's types onto it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitType {
    /// `bool`.
    Bool,
    /// `s8`.
    S8,
    /// `u8`.
    U8,
    /// `s16`.
    S16,
    /// `u16`.
    U16,
    /// `s32`.
    S32,
    /// `u32`.
    U32,
    /// `s64`.
    S64,
    /// `u64`.
    U64,
    /// `f32`.
    Float32,
    /// `f64`.
    Float64,
    /// `char`.
    Char,
    /// `string`.
    String,
    /// `list<T>`.
    List(Box<WitType>),
    /// `list<T, N>`.
    FixedLengthList(Box<WitType>, u32),
    /// `map<K, V>`.
    Map(Box<WitType>, Box<WitType>),
    /// `record { name: T, ... }`, fields by WIT name in declaration order.
    Record(Vec<(String, WitType)>),
    /// `tuple<T, ...>`.
    Tuple(Vec<WitType>),
    /// `variant { case(T), case, ... }`.
    Variant(Vec<(String, Option<WitType>)>),
    /// `enum { case, ... }`.
    Enum(Vec<String>),
    /// `flags { name, ... }`.
    Flags(Vec<String>),
    /// `option<T>`.
    Option(Box<WitType>),
    /// `result<T, E>`, either side possibly absent.
    Result(Option<Box<WitType>>, Option<Box<WitType>>),
    /// A type no JSON value converts to (resources, futures, streams, error contexts), by its
    /// WIT spelling.
    Unsupported(&'static str),
}

impl WitType {
    /// The WIT spelling, e.g. `s64`, `list<string>`, `record { name: string, age: u8 }`.
    pub fn describe(&self) -> String {
        match self {
            WitType::List(t) => format!("list<{}>", t.describe()),
            WitType::FixedLengthList(t, len) => format!("list<{}, {len}>", t.describe()),
            WitType::Map(k, v) => format!("map<{}, {}>", k.describe(), v.describe()),
            WitType::Option(t) => format!("option<{}>", t.describe()),
            WitType::Result(ok, err) => format!(
                "result<{}, {}>",
                ok.as_ref()
                    .map(|t| t.describe())
                    .unwrap_or_else(|| "_".into()),
                err.as_ref()
                    .map(|t| t.describe())
                    .unwrap_or_else(|| "_".into())
            ),
            WitType::Tuple(types) => format!(
                "tuple<{}>",
                types
                    .iter()
                    .map(WitType::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            WitType::Record(fields) => format!(
                "record {{ {} }}",
                fields
                    .iter()
                    .map(|(name, ty)| format!("{name}: {}", ty.describe()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            WitType::Enum(names) => format!("enum {{ {} }}", names.join(", ")),
            WitType::Flags(names) => format!("flags {{ {} }}", names.join(", ")),
            WitType::Variant(cases) => format!(
                "variant {{ {} }}",
                cases
                    .iter()
                    .map(|(name, ty)| match ty {
                        Some(t) => format!("{name}({})", t.describe()),
                        None => name.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.primitive_name().to_owned(),
        }
    }

    fn primitive_name(&self) -> &'static str {
        match self {
            WitType::Bool => "bool",
            WitType::S8 => "s8",
            WitType::U8 => "u8",
            WitType::S16 => "s16",
            WitType::U16 => "u16",
            WitType::S32 => "s32",
            WitType::U32 => "u32",
            WitType::S64 => "s64",
            WitType::U64 => "u64",
            WitType::Float32 => "f32",
            WitType::Float64 => "f64",
            WitType::Char => "char",
            WitType::String => "string",
            WitType::Unsupported(name) => name,
            _ => "value",
        }
    }

    /// Refuses types that cannot cross a JSON API: resources, futures, streams, error contexts.
    pub fn check_supported(&self) -> Result<(), String> {
        match self {
            WitType::Unsupported(name) => {
                Err(format!("{name} values cannot be passed through a JSON API"))
            }
            WitType::List(t) | WitType::FixedLengthList(t, _) | WitType::Option(t) => {
                t.check_supported()
            }
            WitType::Map(k, v) => k.check_supported().and(v.check_supported()),
            WitType::Result(ok, err) => {
                if let Some(t) = ok {
                    t.check_supported()?;
                }
                if let Some(t) = err {
                    t.check_supported()?;
                }
                Ok(())
            }
            WitType::Tuple(types) => types.iter().try_for_each(WitType::check_supported),
            WitType::Record(fields) => fields.iter().try_for_each(|(_, t)| t.check_supported()),
            WitType::Variant(cases) => cases
                .iter()
                .filter_map(|(_, t)| t.as_ref())
                .try_for_each(WitType::check_supported),
            _ => Ok(()),
        }
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
