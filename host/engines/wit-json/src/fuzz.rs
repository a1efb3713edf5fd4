//! The entry point shared by the `wit_values` fuzz target (`fuzz/`) and the corpus replay
//! test, so that the two cannot drift apart.

use crate::convert::{ConvertError, from_json, from_text};
use crate::ty::WitType;
use crate::value::WitValue;
use serde_json::Value;

/// Field, case and flag names: with dashes, so that both spellings are tried.
const NAMES: [&str; 5] = ["a", "b-c", "d", "e-f-g", "h"];

/// The first byte chooses JSON (even) or query-string text (odd); then a type is read from the
/// next bytes (see [`type_of`]) and the rest is the value. A value that converts conforms to
/// the type; an error names a path under the parameter's.
pub fn wit_values(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut cursor = Cursor { data: rest, at: 0 };
    let ty = type_of(&mut cursor, 0);
    let _ = ty.describe();
    let _ = ty.check_supported();
    let Ok(text) = std::str::from_utf8(&rest[cursor.at.min(rest.len())..]) else {
        return;
    };
    if mode % 2 == 1 {
        check_text(&ty, text);
    } else if let Ok(value) = serde_json::from_str(text) {
        check_json(&ty, &value);
    }
}

/// Converts a JSON value to `ty`: it conforms, or the error names a path under `param`.
pub fn check_json(ty: &WitType, value: &Value) {
    check(ty, from_json("param", ty, value));
}

/// Converts query-string text to `ty`, with the same checks.
pub fn check_text(ty: &WitType, text: &str) {
    check(ty, from_text("param", ty, text));
}

fn check(ty: &WitType, result: Result<WitValue, ConvertError>) {
    match result {
        Ok(value) => assert!(value.conforms(ty), "{value:?} is not a {}", ty.describe()),
        Err(e) => assert!(e.path.starts_with("param"), "{e:?}"),
    }
}

/// Bytes read one at a time, zeros past the end.
pub struct Cursor<'a> {
    /// The bytes.
    pub data: &'a [u8],
    /// How many were read.
    pub at: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
}

/// A type from a byte program: one byte picks the kind, composite kinds read their parts
/// (at most four deep, at most three members).
pub fn type_of(cursor: &mut Cursor, depth: usize) -> WitType {
    let kind = cursor.next();
    let leaf = depth >= 4;
    let inner = |cursor: &mut Cursor| Box::new(type_of(cursor, depth + 1));
    let names = |cursor: &mut Cursor| {
        let start = usize::from(cursor.next());
        let n = usize::from(cursor.next() % 4);
        (0..n)
            .map(|i| NAMES[(start + i) % NAMES.len()].to_owned())
            .collect::<Vec<_>>()
    };
    match kind % 24 {
        13 if !leaf => WitType::List(inner(cursor)),
        14 if !leaf => {
            let len = u32::from(cursor.next() % 4);
            WitType::FixedLengthList(inner(cursor), len)
        }
        15 if !leaf => {
            let key = inner(cursor);
            WitType::Map(key, inner(cursor))
        }
        16 if !leaf => WitType::Record(
            names(cursor)
                .into_iter()
                .map(|n| (n, type_of(cursor, depth + 1)))
                .collect(),
        ),
        17 if !leaf => {
            let n = cursor.next() % 4;
            WitType::Tuple((0..n).map(|_| type_of(cursor, depth + 1)).collect())
        }
        18 if !leaf => WitType::Variant(
            names(cursor)
                .into_iter()
                .map(|n| {
                    let payload = (cursor.next() % 2 == 1).then(|| type_of(cursor, depth + 1));
                    (n, payload)
                })
                .collect(),
        ),
        19 => WitType::Enum(names(cursor)),
        20 => WitType::Flags(names(cursor)),
        21 if !leaf => WitType::Option(inner(cursor)),
        22 if !leaf => {
            let sides = cursor.next();
            let ok = (sides & 1 == 1).then(|| inner(cursor));
            let err = (sides & 2 == 2).then(|| inner(cursor));
            WitType::Result(ok, err)
        }
        23 => WitType::Unsupported("own<resource>"),
        k => [
            WitType::Bool,
            WitType::S8,
            WitType::U8,
            WitType::S16,
            WitType::U16,
            WitType::S32,
            WitType::U32,
            WitType::S64,
            WitType::U64,
            WitType::Float32,
            WitType::Float64,
            WitType::Char,
            WitType::String,
        ][usize::from(k % 13)]
        .clone(),
    }
}
