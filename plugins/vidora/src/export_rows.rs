//! The rows of a multipart prediction export: the `data` CSV (already gunzipped) with an `id`
//! column and the feature columns, read into the export job's items
//! `{"id": "<id>", "features": {"<column>": <value>}}`. Each cell is typed by
//! [`plinth_jobs::cells::value`] (numbers as JSON numbers, an empty cell as `null`, anything
//! else as the string written).
//!
//! The header is line 1, read as a label set's is (the `id` column found in any case, a UTF-8
//! BOM and curly quotes dropped). Errors name their 1-based line: a missing `id` column, an
//! empty id, a row whose width differs from the header's, an id seen before, a file with no
//! rows. At most [`crate::labels::MAX_ERRORS`] are listed, then one `… and N more errors`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::labels::{MAX_ERRORS, all_utf8, checked_id, header_name};

/// The items of an export CSV, in file order, or every problem found (never empty).
pub fn items(csv: &[u8]) -> Result<Vec<Value>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(vec!["the file has no rows".to_owned()]),
        Err(e) => return Err(vec![format!("line 1: could not read the file: {e}")]),
    }
    let header = Header::read(&record)?;
    let mut rows = Rows::default();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                rows.row(&header, &record, line);
            }
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.error(format!("line {line}: could not read the file: {e}"));
                break;
            }
        }
    }
    rows.finish()
}

/// The header's column names and where the `id` column is.
struct Header {
    names: Vec<String>,
    id: usize,
}

impl Header {
    fn read(record: &csv::ByteRecord) -> Result<Header, Vec<String>> {
        if !all_utf8(record) {
            return Err(vec![
                "line 1: the file is not UTF-8 text (save it as UTF-8)".to_owned(),
            ]);
        }
        let names: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, raw)| header_name(std::str::from_utf8(raw).unwrap_or_default(), i == 0))
            .collect();
        let is_id = |n: &str| n.eq_ignore_ascii_case("id");
        let mut errors = Vec::new();
        let Some(id) = names.iter().position(|n| is_id(n)) else {
            let listed = names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(vec![format!(
                "line 1: missing column \"id\" (the header has: {listed})"
            )]);
        };
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                errors.push(format!("line 1: column {} has no name", i + 1));
            } else if names[..i]
                .iter()
                .any(|earlier| earlier == name || (is_id(earlier) && is_id(name)))
            {
                errors.push(format!(
                    "line 1: column \"{name}\" appears more than once in the header"
                ));
            }
        }
        if errors.is_empty() {
            Ok(Header { names, id })
        } else {
            Err(errors)
        }
    }
}

/// The rows read so far, the line each id was first seen on, and the problems found.
#[derive(Default)]
struct Rows {
    items: Vec<Value>,
    first_line: HashMap<String, u64>,
    errors: Vec<String>,
    more_errors: usize,
    any_row: bool,
    not_utf8_reported: bool,
}

impl Rows {
    fn error(&mut self, message: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(message);
        } else {
            self.more_errors += 1;
        }
    }

    fn row(&mut self, header: &Header, record: &csv::ByteRecord, line: u64) {
        self.any_row = true;
        let width = header.names.len();
        let id = match checked_id(record, width, header.id, line, &mut self.not_utf8_reported) {
            Ok(id) => id,
            Err(problem) => {
                if let Some(message) = problem {
                    self.error(message);
                }
                return;
            }
        };
        let cell = |i: usize| std::str::from_utf8(&record[i]).unwrap_or_default();
        if let Some(first) = self.first_line.get(id) {
            let message = format!("line {line}: duplicated id \"{id}\" (first on line {first})");
            self.error(message);
            return;
        }
        self.first_line.insert(id.to_owned(), line);
        if !self.errors.is_empty() {
            // The export is refused: the items are not needed any more.
            return;
        }
        let mut features = Map::with_capacity(header.names.len() - 1);
        for (i, name) in header.names.iter().enumerate() {
            if i != header.id {
                features.insert(name.clone(), plinth_jobs::cells::value(cell(i)));
            }
        }
        self.items.push(json!({"id": id, "features": features}));
    }

    fn finish(mut self) -> Result<Vec<Value>, Vec<String>> {
        if !self.any_row {
            self.error("the file has no rows after the header".to_owned());
        }
        if self.more_errors > 0 {
            let more = self.more_errors;
            self.errors.push(format!("… and {more} more errors"));
        }
        if self.errors.is_empty() {
            Ok(self.items)
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(csv: &str) -> Vec<String> {
        items(csv.as_bytes()).unwrap_err()
    }

    #[test]
    fn rows_become_items_with_typed_features() {
        let got =
            items(b"id,x,colour,n\r\nr1,0.5,red,3\r\nr2,-1,,\r\n\"r,3\",2e3,\"a, b\",007\r\n")
                .unwrap();
        assert_eq!(
            got,
            vec![
                json!({"id": "r1", "features": {"x": 0.5, "colour": "red", "n": 3}}),
                json!({"id": "r2", "features": {"x": -1, "colour": null, "n": null}}),
                json!({"id": "r,3", "features": {"x": 2000.0, "colour": "a, b", "n": 7}}),
            ]
        );
        assert!(got[1]["features"]["x"].is_i64());
    }

    #[test]
    fn the_id_column_is_found_anywhere_in_any_case() {
        let got = items("\u{feff}x,“ID”\n1, a \n".as_bytes()).unwrap();
        assert_eq!(got, vec![json!({"id": "a", "features": {"x": 1}})]);
        // An id that looks like a number stays text.
        let got = items(b"Id\n0042\n").unwrap();
        assert_eq!(got, vec![json!({"id": "0042", "features": {}})]);
    }

    #[test]
    fn a_missing_id_column_names_the_header() {
        assert_eq!(
            errors("user,x\nA,1\n"),
            ["line 1: missing column \"id\" (the header has: \"user\", \"x\")"]
        );
    }

    #[test]
    fn nameless_and_repeated_columns_are_refused() {
        assert_eq!(
            errors("id,x,,x,ID\nA,1,2,3,4\n"),
            [
                "line 1: column 3 has no name",
                "line 1: column \"x\" appears more than once in the header",
                "line 1: column \"ID\" appears more than once in the header",
            ]
        );
    }

    #[test]
    fn row_errors_name_their_lines() {
        assert_eq!(errors("id,x\nA,1\n ,2\n"), ["line 3: empty id"]);
        assert_eq!(
            errors("id,x\nA,1\nB,2,3\nC\n"),
            [
                "line 3: expected 2 fields as in the header, found 3",
                "line 4: expected 2 fields as in the header, found 1",
            ]
        );
        assert_eq!(
            errors("id,x\nA,1\nB,2\nA,3\n"),
            ["line 4: duplicated id \"A\" (first on line 2)"]
        );
        // Ids are compared trimmed, as they are sent.
        assert_eq!(
            errors("id,x\nA,1\n A ,2\n"),
            ["line 3: duplicated id \"A\" (first on line 2)"]
        );
    }

    #[test]
    fn multiline_cells_keep_line_numbers() {
        assert_eq!(
            errors("id,note\nA,\"two\nlines\"\n,x\n"),
            ["line 4: empty id"]
        );
    }

    #[test]
    fn files_without_rows_are_refused() {
        assert_eq!(errors(""), ["the file has no rows"]);
        assert_eq!(errors("id,x\n"), ["the file has no rows after the header"]);
        assert_eq!(
            errors("id,x\r\n\r\n"),
            ["the file has no rows after the header"]
        );
    }

    #[test]
    fn non_utf8_is_reported_once() {
        assert_eq!(
            items(b"id,x\xff\nA,1\n").unwrap_err(),
            ["line 1: the file is not UTF-8 text (save it as UTF-8)"]
        );
        assert_eq!(
            items(b"id,x\nA,\xff\nB,\xfe\n").unwrap_err(),
            ["line 2: the file is not UTF-8 text (save it as UTF-8)"]
        );
    }

    #[test]
    fn errors_are_capped() {
        let mut csv = String::from("id,x\n");
        for _ in 0..25 {
            csv.push_str(",1\n");
        }
        let e = errors(&csv);
        assert_eq!(e.len(), MAX_ERRORS + 1);
        assert_eq!(e[0], "line 2: empty id");
        assert_eq!(e[MAX_ERRORS], "… and 5 more errors");
    }
}
