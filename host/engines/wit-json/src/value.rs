//! Component values as plain data, the result of converting a caller's JSON (the function
//! engine maps them one to one onto wasmtime's values).

use crate::ty::WitType;

/// A component model value.
#[derive(Clone, Debug, PartialEq)]
pub enum WitValue {
    /// `bool`.
    Bool(bool),
    /// `s8`.
    S8(i8),
    /// `u8`.
    U8(u8),
    /// `s16`.
    S16(i16),
    /// `u16`.
    U16(u16),
    /// `s32`.
    S32(i32),
    /// `u32`.
    U32(u32),
    /// `s64`.
    S64(i64),
    /// `u64`.
    U64(u64),
    /// `f32`.
    Float32(f32),
    /// `f64`.
    Float64(f64),
    /// `char`.
    Char(char),
    /// `string`.
    String(String),
    /// `list<T>`.
    List(Vec<WitValue>),
    /// `list<T, N>`.
    FixedLengthList(Vec<WitValue>),
    /// `map<K, V>` as key-value pairs.
    Map(Vec<(WitValue, WitValue)>),
    /// `record`: fields by WIT name, in declaration order.
    Record(Vec<(String, WitValue)>),
    /// `tuple`.
    Tuple(Vec<WitValue>),
    /// `variant`: the case's WIT name and its payload.
    Variant(String, Option<Box<WitValue>>),
    /// `enum`: the case's WIT name.
    Enum(String),
    /// `option`.
    Option(Option<Box<WitValue>>),
    /// `result`.
    Result(Result<Option<Box<WitValue>>, Option<Box<WitValue>>>),
    /// `flags`: the names set.
    Flags(Vec<String>),
}

impl WitValue {
    /// Whether the value is of type `ty`: the right shape all the way down, records with every
    /// field in order, cases and flags among the declared names, fixed lists of their length.
    pub fn conforms(&self, ty: &WitType) -> bool {
        let all = |items: &[WitValue], t: &WitType| items.iter().all(|v| v.conforms(t));
        let payload = |v: &Option<Box<WitValue>>, t: &Option<Box<WitType>>| match (v, t) {
            (None, None) => true,
            (Some(v), Some(t)) => v.conforms(t),
            _ => false,
        };
        match (self, ty) {
            (WitValue::Bool(_), WitType::Bool)
            | (WitValue::S8(_), WitType::S8)
            | (WitValue::U8(_), WitType::U8)
            | (WitValue::S16(_), WitType::S16)
            | (WitValue::U16(_), WitType::U16)
            | (WitValue::S32(_), WitType::S32)
            | (WitValue::U32(_), WitType::U32)
            | (WitValue::S64(_), WitType::S64)
            | (WitValue::U64(_), WitType::U64)
            | (WitValue::Float32(_), WitType::Float32)
            | (WitValue::Float64(_), WitType::Float64)
            | (WitValue::Char(_), WitType::Char)
            | (WitValue::String(_), WitType::String) => true,
            (WitValue::List(items), WitType::List(t)) => all(items, t),
            (WitValue::FixedLengthList(items), WitType::FixedLengthList(t, len)) => {
                items.len() == *len as usize && all(items, t)
            }
            (WitValue::Map(pairs), WitType::Map(k, v)) => {
                pairs.iter().all(|(a, b)| a.conforms(k) && b.conforms(v))
            }
            (WitValue::Record(values), WitType::Record(fields)) => {
                values.len() == fields.len()
                    && values
                        .iter()
                        .zip(fields)
                        .all(|((n, v), (name, t))| n == name && v.conforms(t))
            }
            (WitValue::Tuple(items), WitType::Tuple(types)) => {
                items.len() == types.len() && items.iter().zip(types).all(|(v, t)| v.conforms(t))
            }
            (WitValue::Variant(case, value), WitType::Variant(cases)) => {
                cases.iter().any(|(name, t)| {
                    name == case
                        && match (value, t) {
                            (None, None) => true,
                            (Some(v), Some(t)) => v.conforms(t),
                            _ => false,
                        }
                })
            }
            (WitValue::Enum(case), WitType::Enum(names)) => names.contains(case),
            (WitValue::Flags(set), WitType::Flags(names)) => set.iter().all(|s| names.contains(s)),
            (WitValue::Option(None), WitType::Option(_)) => true,
            (WitValue::Option(Some(v)), WitType::Option(t)) => v.conforms(t),
            (WitValue::Result(Ok(v)), WitType::Result(ok, _)) => payload(v, ok),
            (WitValue::Result(Err(v)), WitType::Result(_, err)) => payload(v, err),
            _ => false,
        }
    }
}
