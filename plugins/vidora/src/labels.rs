//! Label sets: their type ([`LabelType`]) and the validation of an uploaded CSV
//! ([`validate`]): the `id` and `label` columns, one label per id, the other columns kept as
//! features, and the ancestor-overlap rule. Errors and warnings name 1-based line numbers
//! (the header is line 1).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::io::Read;

use serde_json::{Map, Value};

/// At most this many error messages are listed; the rest are counted in one more line.
pub(crate) const MAX_ERRORS: usize = 20;
/// At least this share of a new set's ids must be in its ancestor set.
const MIN_OVERLAP_PERCENT: usize = 80;
/// How many duplicate ids a warning names.
const NAMED_DUPLICATES: usize = 5;

/// The pipeline type a label set is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelType {
    /// Boolean labels, both classes expected.
    Classification,
    /// Boolean labels, positive examples only.
    LookAlike,
    /// Float labels.
    Regression,
}

impl LabelType {
    /// Parses the API's `label_type`: exactly `classification`, `look alike` or `regression`.
    pub fn parse(s: &str) -> Result<LabelType, String> {
        match s {
            "classification" => Ok(LabelType::Classification),
            "look alike" => Ok(LabelType::LookAlike),
            "regression" => Ok(LabelType::Regression),
            other => Err(format!(
                "label_type must be one of \"classification\", \"look alike\" or \"regression\" \
                 (got \"{other}\")"
            )),
        }
    }

    /// The API's lower-case `label_type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelType::Classification => "classification",
            LabelType::LookAlike => "look alike",
            LabelType::Regression => "regression",
        }
    }

    /// The matching pipeline `type`: `Classification`, `Look Alike` or `Regression`.
    pub fn pipeline_type(self) -> &'static str {
        match self {
            LabelType::Classification => "Classification",
            LabelType::LookAlike => "Look Alike",
            LabelType::Regression => "Regression",
        }
    }

    fn is_boolean(self) -> bool {
        self != LabelType::Regression
    }
}

/// One row's label: a boolean for classification and look alike, a float for regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LabelValue {
    /// `1`/`true` or `0`/`false`.
    Bool(bool),
    /// A finite number.
    Float(f64),
}

impl LabelValue {
    /// The label as a number (`true` is 1, `false` is 0).
    pub fn as_f64(&self) -> f64 {
        match *self {
            LabelValue::Bool(b) => f64::from(u8::from(b)),
            LabelValue::Float(f) => f,
        }
    }
}

/// One valid row of a label set.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow {
    /// The `id` cell, trimmed.
    pub id: String,
    /// The parsed `label` cell.
    pub label: LabelValue,
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// The other columns by header name: numbers as JSON numbers, an empty cell as `null`,
    /// anything else as a string.
    pub features: Map<String, Value>,
}

/// The outcome of [`validate`]. The set is valid when `errors` is empty; `rows` holds the
/// valid rows in any case, one per id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validation {
    /// The valid rows, one per id: a duplicate id keeps the place of its first row and the
    /// content of its last.
    pub rows: Vec<LabelRow>,
    /// Error messages (at most 20, then one `… and N more errors`).
    pub errors: Vec<String>,
    /// Warnings, which do not fail the set.
    pub warnings: Vec<String>,
}

impl Validation {
    /// Whether the set passed (no errors).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Validates a label-set CSV held in memory. See [`validate_reader`].
pub fn validate(
    label_type: LabelType,
    csv: &[u8],
    ancestor: Option<(&str, &HashSet<String>)>,
) -> Validation {
    validate_reader(label_type, csv, ancestor)
}

/// Validates a label-set CSV read as a stream (e.g. through a gzip decoder).
///
/// `ancestor` is the ancestor set's id and its ids: at least 80% of this set's ids must be
/// among them.
pub fn validate_reader<R: Read>(
    label_type: LabelType,
    reader: R,
    ancestor: Option<(&str, &HashSet<String>)>,
) -> Validation {
    let mut v = Validator::new(label_type);
    v.run(reader);
    v.finish(ancestor)
}

/// Error messages, capped at [`MAX_ERRORS`].
#[derive(Default)]
struct Errors {
    listed: Vec<String>,
    more: usize,
}

impl Errors {
    fn push(&mut self, message: String) {
        if self.listed.len() < MAX_ERRORS {
            self.listed.push(message);
        } else {
            self.more += 1;
        }
    }

    fn into_vec(mut self) -> Vec<String> {
        if self.more > 0 {
            self.listed.push(format!("… and {} more errors", self.more));
        }
        self.listed
    }
}

struct Validator {
    label_type: LabelType,
    errors: Errors,
    rows: Vec<LabelRow>,
    index: IdIndex,
    /// Per row: whether its id has been seen more than once.
    repeated: Vec<bool>,
    duplicates: Vec<String>,
    /// Whether the not-UTF-8 error was given (it is given once).
    not_utf8_reported: bool,
}

/// Where the `id` and `label` columns are, and every column's name.
struct Header {
    names: Vec<String>,
    id: usize,
    label: usize,
}

impl Validator {
    fn new(label_type: LabelType) -> Validator {
        Validator {
            label_type,
            errors: Errors::default(),
            rows: Vec::new(),
            index: IdIndex::default(),
            repeated: Vec::new(),
            duplicates: Vec::new(),
            not_utf8_reported: false,
        }
    }

    fn run<R: Read>(&mut self, reader: R) {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut record = csv::ByteRecord::new();
        let header = match csv.read_byte_record(&mut record) {
            Ok(true) => self.header(&record),
            Ok(false) => {
                self.errors.push("the file has no rows".to_owned());
                return;
            }
            Err(e) => {
                self.errors
                    .push(format!("line 1: could not read the file: {e}"));
                return;
            }
        };
        let Some(header) = header else { return };
        let mut any_row = false;
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(true) => {
                    any_row = true;
                    let line = record.position().map_or(0, |p| p.line());
                    self.row(&header, &record, line);
                }
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.errors
                        .push(format!("line {line}: could not read the file: {e}"));
                    break;
                }
            }
        }
        if !any_row {
            self.errors
                .push("the file has no rows after the header".to_owned());
        }
    }

    /// Finds the `id` and `label` columns; `None` (with errors) when one is missing.
    fn header(&mut self, record: &csv::ByteRecord) -> Option<Header> {
        if !all_utf8(record) {
            self.not_utf8_reported = true;
            self.errors
                .push("line 1: the file is not UTF-8 text (save it as UTF-8)".to_owned());
            return None;
        }
        let names: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, raw)| header_name(std::str::from_utf8(raw).unwrap_or_default(), i == 0))
            .collect();
        let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
        let (id, label) = (find("id"), find("label"));
        let listed = names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        for (column, found) in [("id", id), ("label", label)] {
            if found.is_none() {
                self.errors.push(format!(
                    "line 1: missing column \"{column}\" (the header has: {listed})"
                ));
            }
        }
        Some(Header {
            id: id?,
            label: label?,
            names,
        })
    }

    fn row(&mut self, header: &Header, record: &csv::ByteRecord, line: u64) {
        let width = header.names.len();
        let id = match checked_id(record, width, header.id, line, &mut self.not_utf8_reported) {
            Ok(id) => id,
            Err(problem) => {
                if let Some(message) = problem {
                    self.errors.push(message);
                }
                return;
            }
        };
        let cell = |i: usize| std::str::from_utf8(&record[i]).unwrap_or_default();
        let label = match parse_label(self.label_type, cell(header.label)) {
            Ok(label) => label,
            Err(message) => {
                self.errors.push(format!("line {line}: {message}"));
                return;
            }
        };
        let mut features = Map::with_capacity(header.names.len() - 2);
        for (i, name) in header.names.iter().enumerate() {
            if i != header.id && i != header.label {
                features.insert(name.clone(), plinth_jobs::cells::value(cell(i)));
            }
        }
        let row = LabelRow {
            id: id.to_owned(),
            label,
            line,
            features,
        };
        match self.index.find_or_insert(id, &self.rows, self.rows.len()) {
            Some(at) => {
                if !self.repeated[at] {
                    self.repeated[at] = true;
                    self.duplicates.push(row.id.clone());
                }
                self.rows[at] = row;
            }
            None => {
                self.rows.push(row);
                self.repeated.push(false);
            }
        }
    }

    fn finish(self, ancestor: Option<(&str, &HashSet<String>)>) -> Validation {
        let mut warnings = Vec::new();
        if !self.duplicates.is_empty() {
            let named = self.duplicates[..self.duplicates.len().min(NAMED_DUPLICATES)]
                .iter()
                .map(|id| format!("\"{id}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let etc = if self.duplicates.len() > NAMED_DUPLICATES {
                ", …"
            } else {
                ""
            };
            warnings.push(format!(
                "{} duplicate ids; the last row of each wins (e.g. {named}{etc})",
                self.duplicates.len()
            ));
        }
        let trues = self
            .rows
            .iter()
            .filter(|r| r.label == LabelValue::Bool(true))
            .count();
        let falses = self
            .rows
            .iter()
            .filter(|r| r.label == LabelValue::Bool(false))
            .count();
        match self.label_type {
            LabelType::Classification if !self.rows.is_empty() && (trues == 0 || falses == 0) => {
                let only = if trues == 0 { "0" } else { "1" };
                warnings.push(format!(
                    "only one class present: every label is {only} (a classifier needs both 1 and 0)"
                ));
            }
            LabelType::LookAlike if falses > 0 => warnings.push(format!(
                "{falses} labels are 0/false; a look-alike set lists positive examples (1/true)"
            )),
            _ => {}
        }
        let mut errors = self.errors.into_vec();
        if let Some(message) = ancestor.and_then(|(id, ids)| overlap_error(&self.rows, id, ids)) {
            errors.insert(0, message);
        }
        Validation {
            rows: self.rows,
            errors,
            warnings,
        }
    }
}

/// Where each id's row is, keyed by a keyed 64-bit hash of the id, so that a lookup in a
/// million-row set does not chase every id's heap string (it compares one id, on a hit). An
/// id whose hash is already another id's is kept by name in `collided`.
#[derive(Default)]
struct IdIndex {
    hasher: RandomState,
    by_hash: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
    collided: HashMap<String, usize>,
}

impl IdIndex {
    /// The index of `id`'s row when the id was seen before; otherwise records it at `next`.
    fn find_or_insert(&mut self, id: &str, rows: &[LabelRow], next: usize) -> Option<usize> {
        match self.by_hash.entry(self.hasher.hash_one(id)) {
            Entry::Vacant(e) => {
                e.insert(next);
                None
            }
            Entry::Occupied(e) if rows[*e.get()].id == id => Some(*e.get()),
            Entry::Occupied(_) => match self.collided.entry(id.to_owned()) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(next);
                    None
                }
            },
        }
    }
}

/// The map's hasher for keys that already are keyed hashes: it passes the `u64` through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Whether every field of the record is UTF-8 (checked one by one: two invalid halves of a
/// character split across a comma would pass as a whole record).
pub(crate) fn all_utf8(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .all(|field| std::str::from_utf8(field).is_ok())
}

/// A header cell's column name: trimmed, without a UTF-8 BOM (first cell) and without the
/// seed's curly quotes (`“id”,”label”`).
pub(crate) fn header_name(raw: &str, first: bool) -> String {
    let raw = if first {
        raw.trim_start_matches('\u{feff}')
    } else {
        raw
    };
    raw.trim()
        .trim_matches(|c| c == '“' || c == '”' || c == '"')
        .trim()
        .to_owned()
}

fn parse_label(label_type: LabelType, cell: &str) -> Result<LabelValue, String> {
    let text = cell.trim();
    if text.is_empty() {
        return Err("empty label".to_owned());
    }
    if label_type.is_boolean() {
        if text == "1" || text.eq_ignore_ascii_case("true") {
            return Ok(LabelValue::Bool(true));
        }
        if text == "0" || text.eq_ignore_ascii_case("false") {
            return Ok(LabelValue::Bool(false));
        }
        return Err(format!(
            "label \"{text}\" is not a boolean (1, 0, true or false) as a {} label must be",
            label_type.as_str()
        ));
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(LabelValue::Float(f)),
        _ => Err(format!(
            "label \"{text}\" is not a finite number as a regression label must be"
        )),
    }
}

/// The checks every data row of a label set or an export passes first: UTF-8 text (reported
/// once per file, through `not_utf8_reported`), as many fields as the header, a non-empty id.
/// Answers the trimmed id, or the problem to report (`None`: already reported).
pub(crate) fn checked_id<'r>(
    record: &'r csv::ByteRecord,
    width: usize,
    id_column: usize,
    line: u64,
    not_utf8_reported: &mut bool,
) -> Result<&'r str, Option<String>> {
    if !all_utf8(record) {
        let first = !*not_utf8_reported;
        *not_utf8_reported = true;
        return Err(
            first.then(|| format!("line {line}: the file is not UTF-8 text (save it as UTF-8)"))
        );
    }
    if record.len() != width {
        return Err(Some(format!(
            "line {line}: expected {width} fields as in the header, found {}",
            record.len()
        )));
    }
    // Every field is UTF-8: each was checked above.
    let id = std::str::from_utf8(&record[id_column])
        .unwrap_or_default()
        .trim();
    if id.is_empty() {
        return Err(Some(format!("line {line}: empty id")));
    }
    Ok(id)
}

/// The ancestor rule's error, when fewer than 80% of `rows`' ids are in `ancestor_ids`.
fn overlap_error(
    rows: &[LabelRow],
    ancestor: &str,
    ancestor_ids: &HashSet<String>,
) -> Option<String> {
    let total = rows.len();
    if total == 0 {
        return None;
    }
    let shared = rows.iter().filter(|r| ancestor_ids.contains(&r.id)).count();
    if shared * 100 >= total * MIN_OVERLAP_PERCENT {
        return None;
    }
    // Truncated to one decimal, so a share just under 80% never reads as 80%.
    let tenths = shared * 1000 / total;
    let percent = match tenths % 10 {
        0 => format!("{}", tenths / 10),
        d => format!("{}.{d}", tenths / 10),
    };
    Some(format!(
        "only {percent}% of ids overlap ancestor set {ancestor} (at least {MIN_OVERLAP_PERCENT}% required)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(label_type: LabelType, csv: &str) -> Validation {
        validate(label_type, csv.as_bytes(), None)
    }

    fn ids(v: &Validation) -> Vec<&str> {
        v.rows.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn label_type_parses_exactly_the_three_names() {
        for (s, t, p) in [
            (
                "classification",
                LabelType::Classification,
                "Classification",
            ),
            ("look alike", LabelType::LookAlike, "Look Alike"),
            ("regression", LabelType::Regression, "Regression"),
        ] {
            assert_eq!(LabelType::parse(s), Ok(t));
            assert_eq!(t.as_str(), s);
            assert_eq!(t.pipeline_type(), p);
        }
        for bad in [
            "Classification",
            "look_alike",
            "lookalike",
            " regression",
            "",
        ] {
            let err = LabelType::parse(bad).unwrap_err();
            assert!(
                err.contains("\"classification\", \"look alike\" or \"regression\""),
                "{err}"
            );
        }
    }

    #[test]
    fn seed_samples_validate_with_curly_quoted_header() {
        let v = check(LabelType::Classification, "“id”,”label”\nA,1\nB,0\nC,1\n");
        assert!(v.is_valid(), "{:?}", v.errors);
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        assert_eq!(ids(&v), ["A", "B", "C"]);
        assert_eq!(v.rows[1].label, LabelValue::Bool(false));
        assert_eq!(v.rows[2].line, 4);

        let v = check(
            LabelType::Regression,
            "\u{feff} ID , Label \r\nA,15.3\r\nB,91.7\r\nC,54.8\r\n",
        );
        assert!(v.is_valid(), "{:?}", v.errors);
        let labels: Vec<f64> = v.rows.iter().map(|r| r.label.as_f64()).collect();
        assert_eq!(labels, [15.3, 91.7, 54.8]);
    }

    #[test]
    fn booleans_are_case_insensitive_and_as_f64_maps_them() {
        let v = check(LabelType::LookAlike, "id,label\na,TRUE\nb,True\nc, 1 \n");
        assert!(v.is_valid(), "{:?}", v.errors);
        assert!(v.rows.iter().all(|r| r.label == LabelValue::Bool(true)));
        assert_eq!(LabelValue::Bool(true).as_f64(), 1.0);
        assert_eq!(LabelValue::Bool(false).as_f64(), 0.0);
    }

    #[test]
    fn features_keep_numbers_strings_and_nulls() {
        let v = check(
            LabelType::Classification,
            "id,age,label,city,score\nA,42,1,Paris,0.5\nB,,0,,x\n",
        );
        assert!(v.is_valid(), "{:?}", v.errors);
        let a = &v.rows[0].features;
        assert_eq!(a.keys().collect::<Vec<_>>(), ["age", "city", "score"]);
        assert_eq!(a["age"], serde_json::json!(42));
        assert_eq!(a["city"], serde_json::json!("Paris"));
        assert_eq!(a["score"], serde_json::json!(0.5));
        let b = &v.rows[1].features;
        assert_eq!(b["age"], Value::Null);
        assert_eq!(b["city"], Value::Null);
        assert_eq!(b["score"], serde_json::json!("x"));
    }

    #[test]
    fn empty_file_and_header_only_have_no_rows() {
        let v = check(LabelType::Classification, "");
        assert_eq!(v.errors, ["the file has no rows"]);
        let v = check(LabelType::Classification, "id,label\n");
        assert_eq!(v.errors, ["the file has no rows after the header"]);
    }

    #[test]
    fn missing_columns_are_named_with_the_header() {
        let v = check(LabelType::Classification, "id,score\nA,1\n");
        assert_eq!(
            v.errors,
            ["line 1: missing column \"label\" (the header has: \"id\", \"score\")"]
        );
        let v = check(LabelType::Classification, "user,target\nA,1\n");
        assert_eq!(v.errors.len(), 2);
        assert!(v.errors[0].contains("\"id\""));
        assert!(v.rows.is_empty());
    }

    #[test]
    fn row_errors_name_their_lines() {
        let v = check(
            LabelType::Classification,
            "id,label\nA,1\n ,0\nC,yes\nD,1,extra\nE,\n",
        );
        assert_eq!(
            v.errors,
            [
                "line 3: empty id",
                "line 4: label \"yes\" is not a boolean (1, 0, true or false) as a classification label must be",
                "line 5: expected 2 fields as in the header, found 3",
                "line 6: empty label",
            ]
        );
        assert_eq!(ids(&v), ["A"]);
    }

    #[test]
    fn regression_labels_must_be_finite_numbers() {
        let v = check(
            LabelType::Regression,
            "id,label\nA,1e3\nB,NaN\nC,inf\nD,true\nE,-2\n",
        );
        assert_eq!(v.errors.len(), 3, "{:?}", v.errors);
        assert!(v.errors[0].starts_with("line 3: label \"NaN\" is not a finite number"));
        assert!(v.errors[1].starts_with("line 4: "));
        assert!(v.errors[2].starts_with("line 5: label \"true\""));
        assert_eq!(v.rows[0].label, LabelValue::Float(1000.0));
        assert_eq!(v.rows[1].label, LabelValue::Float(-2.0));
    }

    #[test]
    fn non_utf8_file_is_an_error() {
        let mut csv = b"id,label\nA,1\n".to_vec();
        csv.extend_from_slice(b"Jos\xe9,1\nK\xe9,0\n");
        let v = validate(LabelType::Classification, &csv, None);
        assert_eq!(
            v.errors,
            ["line 3: the file is not UTF-8 text (save it as UTF-8)"]
        );
        // A character split across the comma: valid as a whole record, not field by field.
        let v = validate(LabelType::Classification, b"id,label\nA\xc3,\xa91\n", None);
        assert_eq!(
            v.errors,
            ["line 2: the file is not UTF-8 text (save it as UTF-8)"]
        );
        assert!(v.rows.is_empty());
        let v = validate(LabelType::Classification, b"\xff\xfei\0d\0", None);
        assert_eq!(v.errors.len(), 1);
        assert!(v.errors[0].contains("not UTF-8"));
    }

    #[test]
    fn errors_are_capped_at_twenty() {
        let mut csv = String::from("id,label\n");
        for i in 0..25 {
            csv.push_str(&format!("r{i},maybe\n"));
        }
        let v = check(LabelType::Classification, &csv);
        assert_eq!(v.errors.len(), 21);
        assert!(v.errors[19].starts_with("line 21: "));
        assert_eq!(v.errors[20], "… and 5 more errors");
    }

    #[test]
    fn duplicate_ids_warn_and_the_last_row_wins() {
        let v = check(
            LabelType::Classification,
            "id,label\nA,1\nB,0\nA,0\nB,1\nA,1\nC,0\n",
        );
        assert!(v.is_valid());
        assert_eq!(ids(&v), ["A", "B", "C"]);
        assert_eq!(v.rows[0].line, 6);
        assert_eq!(v.rows[1].label, LabelValue::Bool(true));
        assert_eq!(
            v.warnings,
            ["2 duplicate ids; the last row of each wins (e.g. \"A\", \"B\")"]
        );
    }

    #[test]
    fn one_class_and_look_alike_zeros_warn() {
        let v = check(LabelType::Classification, "id,label\nA,1\nB,true\n");
        assert!(v.is_valid());
        assert_eq!(v.warnings.len(), 1);
        assert!(
            v.warnings[0].contains("only one class present: every label is 1"),
            "{:?}",
            v.warnings
        );
        let v = check(LabelType::LookAlike, "id,label\nA,1\nB,0\nC,false\n");
        assert!(v.is_valid());
        assert_eq!(
            v.warnings,
            ["2 labels are 0/false; a look-alike set lists positive examples (1/true)"]
        );
        // Look alike with every label 1 is the expected shape: no warning.
        assert!(
            check(LabelType::LookAlike, "id,label\nA,1\nB,1\n")
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn ancestor_overlap_below_eighty_percent_fails() {
        let ancestor: HashSet<String> = ["a", "b", "c", "d", "e", "x"].map(String::from).into();
        let csv = "id,label\na,1\nb,0\nc,1\nd,0\ne,1\nf,0\ng,1\nh,0\n";
        let v = validate(
            LabelType::Classification,
            csv.as_bytes(),
            Some(("anc1", &ancestor)),
        );
        assert_eq!(
            v.errors,
            ["only 62.5% of ids overlap ancestor set anc1 (at least 80% required)"]
        );
        // Exactly 80% passes; the percentage drops a trailing .0.
        let csv = "id,label\na,1\nb,0\nc,1\nd,0\nz,1\n";
        assert!(
            validate(
                LabelType::Classification,
                csv.as_bytes(),
                Some(("anc1", &ancestor))
            )
            .is_valid()
        );
        let csv = "id,label\na,1\nb,0\ny,1\nz,0\n";
        let v = validate(
            LabelType::Classification,
            csv.as_bytes(),
            Some(("anc1", &ancestor)),
        );
        assert_eq!(
            v.errors,
            ["only 50% of ids overlap ancestor set anc1 (at least 80% required)"]
        );
    }

    #[test]
    fn overlap_just_under_eighty_never_reads_eighty() {
        let ancestor: HashSet<String> = (0..7999).map(|i| i.to_string()).collect();
        let rows: Vec<LabelRow> = (0..10_000)
            .map(|i| LabelRow {
                id: i.to_string(),
                label: LabelValue::Bool(true),
                line: i + 2,
                features: Map::new(),
            })
            .collect();
        let err = overlap_error(&rows, "p", &ancestor).unwrap();
        assert!(err.starts_with("only 79.9% "), "{err}");
    }

    #[test]
    fn ids_whose_hashes_collide_stay_apart() {
        let row = |id: &str| LabelRow {
            id: id.into(),
            label: LabelValue::Bool(true),
            line: 2,
            features: Map::new(),
        };
        let mut index = IdIndex::default();
        let mut rows = Vec::new();
        assert_eq!(index.find_or_insert("y", &rows, 0), None);
        rows.push(row("y"));
        // Pretend "x" hashes like "y", which sits at row 0.
        index.by_hash.insert(index.hasher.hash_one("x"), 0);
        assert_eq!(index.find_or_insert("x", &rows, 1), None);
        rows.push(row("x"));
        assert_eq!(index.collided.len(), 1);
        assert_eq!(index.find_or_insert("x", &rows, 2), Some(1));
        assert_eq!(index.find_or_insert("y", &rows, 2), Some(0));
        assert_eq!(index.find_or_insert("z", &rows, 2), None);
    }

    #[test]
    fn quoted_fields_and_multiline_cells_keep_line_numbers() {
        let v = check(
            LabelType::Classification,
            "id,label,note\n\"A,1\",1,\"two\nlines\"\nB,0,x\n",
        );
        assert!(v.is_valid(), "{:?}", v.errors);
        assert_eq!(ids(&v), ["A,1", "B"]);
        assert_eq!(v.rows[1].line, 4);
    }

    #[test]
    fn a_million_rows_validate() {
        let mut csv = String::with_capacity(16 << 20);
        csv.push_str("id,label,f\n");
        for i in 0..1_000_000u32 {
            csv.push_str(&format!("u{i},{},{}\n", i % 2, i % 7));
        }
        let started = std::time::Instant::now();
        let v = validate_reader(LabelType::Classification, csv.as_bytes(), None);
        let took = started.elapsed();
        assert!(v.is_valid());
        assert_eq!(v.rows.len(), 1_000_000);
        assert_eq!(v.rows[999_999].line, 1_000_001);
        // Generous even for a debug build on a busy machine; release takes well under a second.
        assert!(took.as_secs() < 60, "took {took:?}");
    }
}
