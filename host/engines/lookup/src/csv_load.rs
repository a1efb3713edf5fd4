//! Reading a CSV file into typed columns, in two streaming passes: the first infers types and
//! sizes, the second fills exactly-sized columns. Only the columns the index needs are kept.

use crate::column::Column;
use crate::error::DatasetError;
use crate::types::{ColumnType, TypeInference};
use std::collections::HashMap;
use std::path::Path;

/// How to read a CSV dataset and which of its columns to keep.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    /// Key columns, in the order callers' keys are matched.
    pub keys: Vec<String>,
    /// Columns returned by lookups; `None` keeps every non-key column.
    pub columns: Option<Vec<String>>,
    /// Declared types by column name; other columns are inferred.
    pub column_types: HashMap<String, ColumnType>,
    /// Cell texts read as null (default: the empty string).
    pub null_values: Vec<String>,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
}

impl CsvOptions {
    /// Options for the given key columns, returning every other column, types inferred.
    pub fn new(keys: Vec<String>) -> Self {
        CsvOptions {
            keys,
            columns: None,
            column_types: HashMap::new(),
            null_values: vec![String::new()],
            delimiter: b',',
        }
    }
}

/// Columns read from a file: keys first (in key order), then returned columns.
pub(crate) struct LoadedColumns {
    pub columns: Vec<Column>,
    pub key_count: usize,
    pub rows: usize,
}

pub(crate) struct Selected {
    /// Position in the CSV record (or the Parquet schema).
    pub(crate) source: usize,
    pub(crate) name: String,
    pub(crate) declared: Option<ColumnType>,
    inference: TypeInference,
    text_bytes: usize,
}

pub(crate) fn load(path: &Path, options: &CsvOptions) -> Result<LoadedColumns, DatasetError> {
    let headers = read_headers(path, options)?;
    for name in options.column_types.keys() {
        if !headers.iter().any(|h| h == name) {
            return Err(DatasetError::UnknownColumn {
                field: format!("column_types.{name}"),
                name: name.clone(),
                available: headers.clone(),
            });
        }
    }
    let mut selected = select(&headers, options)?;
    let rows = first_pass(path, options, &mut selected)?;
    if rows >= u32::MAX as usize {
        return Err(DatasetError::TooLarge { rows });
    }
    let columns = second_pass(path, options, &selected, rows)?;
    Ok(LoadedColumns {
        columns,
        key_count: options.keys.len(),
        rows,
    })
}

fn reader(path: &Path, options: &CsvOptions) -> Result<csv::Reader<std::fs::File>, DatasetError> {
    csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(true)
        .from_path(path)
        .map_err(|e| DatasetError::Csv(e.to_string()))
}

fn read_headers(path: &Path, options: &CsvOptions) -> Result<Vec<String>, DatasetError> {
    let mut reader = reader(path, options)?;
    let headers = reader
        .headers()
        .map_err(|e| DatasetError::Csv(e.to_string()))?;
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    if names.iter().all(String::is_empty) {
        return Err(DatasetError::Csv("the file has no header line".into()));
    }
    Ok(names)
}

pub(crate) fn select(
    headers: &[String],
    options: &CsvOptions,
) -> Result<Vec<Selected>, DatasetError> {
    if options.keys.is_empty() {
        return Err(DatasetError::NoKeys);
    }
    let find = |field: String, name: &str| -> Result<usize, DatasetError> {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| DatasetError::UnknownColumn {
                field,
                name: name.to_owned(),
                available: headers.to_vec(),
            })
    };
    let mut wanted: Vec<(usize, String)> = Vec::new();
    for (i, key) in options.keys.iter().enumerate() {
        let source = find(format!("keys[{i}]"), key)?;
        if wanted.iter().any(|(s, _)| *s == source) {
            return Err(DatasetError::Duplicate {
                field: format!("keys[{i}]"),
                name: key.clone(),
            });
        }
        wanted.push((source, key.clone()));
    }
    match &options.columns {
        Some(columns) => {
            for (i, column) in columns.iter().enumerate() {
                let source = find(format!("columns[{i}]"), column)?;
                if wanted.iter().any(|(s, _)| *s == source) {
                    return Err(DatasetError::Duplicate {
                        field: format!("columns[{i}]"),
                        name: column.clone(),
                    });
                }
                wanted.push((source, column.clone()));
            }
        }
        None => {
            for (source, name) in headers.iter().enumerate() {
                if !wanted.iter().any(|(s, _)| *s == source) {
                    if headers[..source].contains(name) {
                        return Err(DatasetError::Duplicate {
                            field: "dataset".into(),
                            name: name.clone(),
                        });
                    }
                    wanted.push((source, name.clone()));
                }
            }
        }
    }
    Ok(wanted
        .into_iter()
        .map(|(source, name)| Selected {
            source,
            declared: options.column_types.get(&name).copied(),
            name,
            inference: TypeInference::default(),
            text_bytes: 0,
        })
        .collect())
}

fn is_null(options: &CsvOptions, text: &str) -> bool {
    options.null_values.iter().any(|n| n == text)
}

fn first_pass(
    path: &Path,
    options: &CsvOptions,
    selected: &mut [Selected],
) -> Result<usize, DatasetError> {
    let mut reader = reader(path, options)?;
    let mut record = csv::StringRecord::new();
    let mut rows = 0usize;
    while reader
        .read_record(&mut record)
        .map_err(|e| DatasetError::Csv(e.to_string()))?
    {
        rows += 1;
        for column in selected.iter_mut() {
            let text = record.get(column.source).unwrap_or("");
            if is_null(options, text) {
                continue;
            }
            column.text_bytes += text.len();
            match column.declared {
                Some(declared) => {
                    if !declared.accepts(text) {
                        return Err(DatasetError::BadValue {
                            column: column.name.clone(),
                            line: record.position().map_or(rows + 1, |p| p.line() as usize),
                            value: text.chars().take(80).collect(),
                            expected: declared,
                        });
                    }
                }
                None => column.inference.observe(text),
            }
        }
    }
    Ok(rows)
}

fn second_pass(
    path: &Path,
    options: &CsvOptions,
    selected: &[Selected],
    rows: usize,
) -> Result<Vec<Column>, DatasetError> {
    let mut columns: Vec<Column> = selected
        .iter()
        .map(|s| {
            let column_type = s.declared.unwrap_or_else(|| s.inference.result());
            Column::with_capacity(s.name.clone(), column_type, rows, s.text_bytes)
        })
        .collect();
    let mut reader = reader(path, options)?;
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    while row < rows
        && reader
            .read_record(&mut record)
            .map_err(|e| DatasetError::Csv(e.to_string()))?
    {
        row += 1;
        for (column, s) in columns.iter_mut().zip(selected) {
            let text = record.get(s.source).unwrap_or("");
            if is_null(options, text) {
                column.push_null();
            } else if !column.push_text(text) {
                return Err(DatasetError::Csv(format!(
                    "the file changed while it was being read (column \"{}\", row {row})",
                    s.name
                )));
            }
        }
    }
    if row != rows {
        return Err(DatasetError::Csv(
            "the file changed while it was being read".into(),
        ));
    }
    columns.iter_mut().for_each(Column::shrink);
    Ok(columns)
}
