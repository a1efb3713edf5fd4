//! The CSV files of a task batch: one task per row. [`count_rows`] checks a file and counts its
//! rows without decoding cells (the batch's `estimated_size`); [`read_rows`] turns rows into
//! JSON feature records for the model.

use serde_json::{Map, Value};

use crate::csv_text;
use crate::error::ApresError;
use crate::request::InputFile;

/// How messages name a file: `files[2] ("a.csv")`.
fn label(index: usize, file: &InputFile) -> String {
    format!("files[{index}] ({:?})", file.name)
}

/// The header names, refusing a file without a header line or with a name twice.
fn header(label: &str, reader: &mut csv::Reader<&[u8]>) -> Result<Vec<String>, ApresError> {
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| csv_text::malformed(label, &e))?
        .iter()
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(ApresError::unprocessable(format!(
            "{label} is empty: a CSV file needs a header line and at least one row"
        )));
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(ApresError::unprocessable(format!(
                "{label} header names the column {name:?} twice"
            )));
        }
    }
    Ok(names)
}

fn no_rows(label: &str) -> ApresError {
    ApresError::unprocessable(format!("{label} has a header but no rows"))
}

/// Checks file `index` of a batch (text, not binary, a header, at least one row, every row as
/// wide as the header) and counts its rows. Errors are 422s naming the file and the line.
pub fn count_rows(index: usize, file: &InputFile) -> Result<usize, ApresError> {
    let label = label(index, file);
    let mut reader = csv_text::reader(csv_text::text(&label, &file.bytes)?);
    let width = header(&label, &mut reader)?.len();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_text::malformed(&label, &e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        csv_text::width(&label, line, record.len(), width)?;
        rows += 1;
    }
    if rows == 0 {
        return Err(no_rows(&label));
    }
    Ok(rows)
}

/// The rows of file `index` as JSON objects, header name → cell (numbers, spaces trimmed,
/// become JSON numbers, integers staying integers; an empty cell is `null`; anything else a
/// string). Checks the file as [`count_rows`] does.
pub fn read_rows(index: usize, file: &InputFile) -> Result<Vec<Map<String, Value>>, ApresError> {
    let label = label(index, file);
    let mut reader = csv_text::reader(csv_text::text(&label, &file.bytes)?);
    let names = header(&label, &mut reader)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_text::malformed(&label, &e))?;
        let line = record.position().map_or(0, csv::Position::line);
        csv_text::width(&label, line, record.len(), names.len())?;
        let row = names
            .iter()
            .zip(record.iter())
            .map(|(n, c)| (n.clone(), plinth_jobs::cells::value(c)));
        rows.push(row.collect());
    }
    if rows.is_empty() {
        return Err(no_rows(&label));
    }
    Ok(rows)
}

/// The number of rows over all files (the batch's `estimated_size`), checking each file;
/// a batch with no rows at all is a 422 "the batch has no rows".
pub fn total_rows(files: &[InputFile]) -> Result<usize, ApresError> {
    let mut total = 0usize;
    for (index, file) in files.iter().enumerate() {
        total += count_rows(index, file)?;
    }
    if total == 0 {
        return Err(ApresError::unprocessable("the batch has no rows"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests;
