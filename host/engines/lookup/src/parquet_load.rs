//! Reading a Parquet file into typed columns. Column types come from the file's schema
//! (booleans, 32/64-bit integers, floats and doubles, strings; anything else, such as dates or
//! decimals, is kept as its text), unless the manifest declares them. Only flat tables are
//! read: a nested or repeated column is refused with its name.

use crate::column::Column;
use crate::csv_load::{CsvOptions, LoadedColumns, select};
use crate::error::DatasetError;
use crate::types::ColumnType;
use parquet::basic::Type as PhysicalType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::path::Path;

pub(crate) fn load(path: &Path, options: &CsvOptions) -> Result<LoadedColumns, DatasetError> {
    let error = |e: parquet::errors::ParquetError| DatasetError::Parquet(e.to_string());
    let file = std::fs::File::open(path).map_err(|e| DatasetError::Parquet(e.to_string()))?;
    let reader = SerializedFileReader::new(file).map_err(error)?;
    let metadata = reader.metadata().file_metadata();
    let schema = metadata.schema_descr();
    let mut headers = Vec::with_capacity(schema.num_columns());
    let mut physical = Vec::with_capacity(schema.num_columns());
    for column in schema.columns() {
        if column.max_rep_level() > 0 || column.path().parts().len() != 1 {
            return Err(DatasetError::Parquet(format!(
                "column \"{}\" is nested or repeated; lookups read flat tables only",
                column.path().string()
            )));
        }
        headers.push(column.name().to_owned());
        physical.push(column.physical_type());
    }
    for name in options.column_types.keys() {
        if !headers.iter().any(|h| h == name) {
            return Err(DatasetError::UnknownColumn {
                field: format!("column_types.{name}"),
                name: name.clone(),
                available: headers.clone(),
            });
        }
    }
    let selected = select(&headers, options)?;
    let rows = usize::try_from(metadata.num_rows()).unwrap_or(0);
    if rows >= u32::MAX as usize {
        return Err(DatasetError::TooLarge { rows });
    }
    let mut columns: Vec<Column> = selected
        .iter()
        .map(|s| {
            let column_type = s.declared.unwrap_or(match physical[s.source] {
                PhysicalType::BOOLEAN => ColumnType::Boolean,
                PhysicalType::INT32 | PhysicalType::INT64
                    if !is_temporal_or_decimal(schema, s.source) =>
                {
                    ColumnType::Integer
                }
                PhysicalType::FLOAT | PhysicalType::DOUBLE => ColumnType::Float,
                _ => ColumnType::String,
            });
            Column::with_capacity(s.name.clone(), column_type, rows, 0)
        })
        .collect();

    let mut row_count = 0usize;
    for row in reader.get_row_iter(None).map_err(error)? {
        let fields = row.map_err(error)?.into_columns();
        row_count += 1;
        for (column, s) in columns.iter_mut().zip(&selected) {
            match &fields[s.source].1 {
                Field::Null => column.push_null(),
                Field::Str(text) => push(column, text, row_count)?,
                other => push(column, &other.to_string(), row_count)?,
            }
        }
    }
    if row_count != rows {
        return Err(DatasetError::Parquet(format!(
            "the file declares {rows} rows but holds {row_count}"
        )));
    }
    columns.iter_mut().for_each(Column::shrink);
    Ok(LoadedColumns {
        columns,
        key_count: options.keys.len(),
        rows,
    })
}

fn push(column: &mut Column, text: &str, row: usize) -> Result<(), DatasetError> {
    if column.push_text(text) {
        return Ok(());
    }
    Err(DatasetError::Parquet(format!(
        "column \"{}\" is declared {}, but row {row} holds \"{}\"",
        column.name,
        column.column_type(),
        text.chars().take(80).collect::<String>()
    )))
}

/// Integers that stand for dates, times or decimals are kept as their text.
fn is_temporal_or_decimal(schema: &parquet::schema::types::SchemaDescriptor, index: usize) -> bool {
    use parquet::basic::LogicalType;
    matches!(
        schema.column(index).logical_type_ref(),
        Some(
            LogicalType::Date
                | LogicalType::Time { .. }
                | LogicalType::Timestamp { .. }
                | LogicalType::Decimal { .. }
        )
    )
}
