//! The load_batch CSV: a header with `Input`, `Type` and `Output` (any case, any order, other
//! columns ignored) and at least one row.

use super::GoldenRow;
use crate::csv_text;
use crate::error::ApresError;

/// The required columns, as the seed spells them.
const COLUMNS: [&str; 3] = ["Input", "Type", "Output"];

/// Reads and checks the rows; `label` names the file in messages.
pub(super) fn rows(
    label: &str,
    bytes: &[u8],
    choices: &[String],
) -> Result<Vec<GoldenRow>, ApresError> {
    let mut reader = csv_text::reader(csv_text::text(label, bytes)?);
    let header = reader
        .headers()
        .map_err(|e| csv_text::malformed(label, &e))?
        .clone();
    let find = |column: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(column))
    };
    let positions = COLUMNS.map(find);
    let [Some(input), Some(kind), Some(output)] = positions else {
        let missing: Vec<&str> = COLUMNS
            .iter()
            .zip(positions)
            .filter_map(|(column, at)| at.is_none().then_some(*column))
            .collect();
        return Err(ApresError::unprocessable(format!(
            "{label} needs the columns Input, Type and Output in its header line; missing: {}",
            missing.join(", ")
        )));
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_text::malformed(label, &e))?;
        let line = record.position().map_or(0, csv::Position::line);
        csv_text::width(label, line, record.len(), header.len())?;
        let row = GoldenRow {
            input: record[input].trim().to_owned(),
            input_type: record[kind].trim().to_owned(),
            output: record[output].trim().to_owned(),
        };
        check(label, line, &row, choices)?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ApresError::unprocessable(format!(
            "{label} has a header but no rows"
        )));
    }
    Ok(rows)
}

/// A row needs an Input and an Output, and the Output must be a choice when there are any.
fn check(label: &str, line: u64, row: &GoldenRow, choices: &[String]) -> Result<(), ApresError> {
    if row.input.is_empty() {
        return Err(ApresError::unprocessable(format!(
            "{label} line {line}: Input is empty"
        )));
    }
    if row.output.is_empty() {
        return Err(ApresError::unprocessable(format!(
            "{label} line {line}: Output is empty"
        )));
    }
    if !choices.is_empty() && !choices.contains(&row.output) {
        let listed: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
        return Err(ApresError::unprocessable(format!(
            "{label} line {line}: Output {:?} is not one of the recipe's choices: {}",
            row.output,
            listed.join(", ")
        )));
    }
    Ok(())
}
