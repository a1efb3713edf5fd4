//! Errors while building a dataset index, each tied to the manifest field at fault.

use crate::types::ColumnType;
use plinth_engine_api::LoadError;

/// Why a dataset could not be loaded into an index.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read or is not valid CSV.
    #[error("cannot read the CSV file: {0}")]
    Csv(String),
    /// The file could not be read as Parquet, or its schema is not a flat table.
    #[error("cannot read the Parquet file: {0}")]
    Parquet(String),
    /// No key column was given.
    #[error("expected at least one key column, found an empty list")]
    NoKeys,
    /// A column named in the options is not in the file's header.
    #[error("column \"{name}\" not found in the dataset; its columns are: {}", available.join(", "))]
    UnknownColumn {
        /// The manifest field naming the column, e.g. `keys[0]`.
        field: String,
        /// The missing column.
        name: String,
        /// The columns the file has.
        available: Vec<String>,
    },
    /// A column is named twice (or a returned column is also a key).
    #[error(
        "column \"{name}\" is listed twice (a key column is always returned; do not list it in columns)"
    )]
    Duplicate {
        /// The manifest field naming it the second time.
        field: String,
        /// The column.
        name: String,
    },
    /// A value does not fit the column's declared type.
    #[error("column \"{column}\" is declared {expected}, but line {line} holds \"{value}\"")]
    BadValue {
        /// The column.
        column: String,
        /// The line of the CSV file (1 is the header).
        line: usize,
        /// The offending text (truncated).
        value: String,
        /// The declared type.
        expected: ColumnType,
    },
    /// More rows than the index addresses.
    #[error("the dataset has {rows} rows; at most 4294967294 are supported")]
    TooLarge {
        /// Rows found.
        rows: usize,
    },
}

impl DatasetError {
    /// The manifest field at fault.
    pub fn field(&self) -> String {
        match self {
            DatasetError::Csv(_) | DatasetError::Parquet(_) | DatasetError::TooLarge { .. } => {
                "dataset".into()
            }
            DatasetError::NoKeys => "keys".into(),
            DatasetError::UnknownColumn { field, .. } | DatasetError::Duplicate { field, .. } => {
                field.clone()
            }
            DatasetError::BadValue { column, .. } => format!("column_types.{column}"),
        }
    }

    /// The error as a deploy-time [`LoadError`] naming the field.
    pub fn into_load_error(self) -> LoadError {
        LoadError::field(self.field(), self.to_string())
    }
}
