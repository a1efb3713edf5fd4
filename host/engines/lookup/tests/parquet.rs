//! Parquet datasets: typed columns from the file's schema, nulls, snappy compression, the same
//! answers as CSV, and clear errors for what is not a flat table.

mod common;

use common::{load, post};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use plinth_engine_api::Action;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

/// Writes passengers (id, name, age with a null, vip) as a snappy-compressed Parquet file.
fn write_passengers(path: &Path) {
    let schema = Arc::new(
        parse_message_type(
            "message passengers {
                REQUIRED INT64 PassengerId;
                OPTIONAL BYTE_ARRAY Name (UTF8);
                OPTIONAL DOUBLE Age;
                REQUIRED BOOLEAN vip;
            }",
        )
        .unwrap(),
    );
    let properties = Arc::new(
        WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build(),
    );
    let mut writer =
        SerializedFileWriter::new(std::fs::File::create(path).unwrap(), schema, properties)
            .unwrap();
    let mut group = writer.next_row_group().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<Int64Type>()
        .write_batch(&[24, 42, 7], None, None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    let names: Vec<ByteArray> = [
        "Sloper, Mr. William Thompson",
        "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
        "Nobody",
    ]
    .iter()
    .map(|s| ByteArray::from(*s))
    .collect();
    column
        .typed::<ByteArrayType>()
        .write_batch(&names, Some(&[1, 1, 1]), None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    // Passenger 7 has no age: definition level 0.
    column
        .typed::<DoubleType>()
        .write_batch(&[28.0, 27.0], Some(&[1, 1, 0]), None)
        .unwrap();
    column.close().unwrap();
    let mut column = group.next_column().unwrap().unwrap();
    column
        .typed::<BoolType>()
        .write_batch(&[false, true, false], None, None)
        .unwrap();
    column.close().unwrap();
    group.close().unwrap();
    writer.close().unwrap();
}

#[tokio::test]
async fn parquet_datasets_answer_like_csv_with_types_from_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    write_passengers(&dir.path().join("passengers.parquet"));
    let endpoint = load(dir.path(), "dataset = \"passengers.parquet\"\nkeys = [\"PassengerId\"]\ncolumns = [\"Name\", \"Age\", \"vip\"]")
        .await
        .unwrap();
    let answer = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": "42"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        answer,
        json!({"results": [{"data": {
            "PassengerId": "42",
            "Name": "Turpin, Mrs. William John Robert (Dorothy Ann Wonnacott)",
            "Age": 27,
            "vip": true
        }, "ignored": false}]})
    );
    let answer = post(
        &endpoint,
        Action::Lookup,
        json!({"data": {"PassengerId": 7}}),
    )
    .await
    .unwrap();
    assert_eq!(answer["results"][0]["data"]["Age"], serde_json::Value::Null);
    let described = endpoint.describe();
    assert_eq!(described["rows"], 3, "{described}");
}

#[tokio::test]
async fn parquet_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    write_passengers(&dir.path().join("passengers.parquet"));
    let unknown = load(
        dir.path(),
        "dataset = \"passengers.parquet\"\nkeys = [\"id\"]",
    )
    .await
    .err()
    .unwrap();
    assert_eq!(unknown.field.as_deref(), Some("keys[0]"));
    assert!(
        unknown.message.contains("PassengerId, Name, Age, vip"),
        "{unknown}"
    );
    let declared = load(
        dir.path(),
        "dataset = \"passengers.parquet\"\nkeys = [\"PassengerId\"]\ncolumn_types = { Name = \"integer\" }",
    )
    .await
    .err()
    .unwrap();
    assert!(
        declared
            .message
            .contains("column \"Name\" is declared integer"),
        "{declared}"
    );
    std::fs::write(dir.path().join("broken.parquet"), b"PAR1 not really").unwrap();
    let broken = load(
        dir.path(),
        "dataset = \"broken.parquet\"\nkeys = [\"PassengerId\"]",
    )
    .await
    .err()
    .unwrap();
    assert_eq!(broken.field.as_deref(), Some("dataset"));
    assert!(
        broken.message.starts_with("cannot read the Parquet file"),
        "{broken}"
    );
}
