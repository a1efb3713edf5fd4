//! Deploy-time errors name the manifest field at fault and what was expected.

mod common;

use common::{bundle_with_csv, load};

const CSV: &str = "id,name,age\n1,Ada,36\n2,Bob,x\n";

async fn error_of(config: &str) -> plinth_engine_api::LoadError {
    let dir = bundle_with_csv(CSV);
    match load(dir.path(), config).await {
        Ok(_) => panic!("expected a load error for {config}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn unknown_columns_name_their_field_and_the_available_columns() {
    let e = error_of("dataset = \"data.csv\"\nkeys = [\"id\", \"ID\"]").await;
    assert_eq!(e.field.as_deref(), Some("keys[1]"));
    assert!(
        e.message.contains("\"ID\"") && e.message.contains("id, name, age"),
        "{e}"
    );
    let e =
        error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\ncolumns = [\"name\", \"Age\"]").await;
    assert_eq!(e.field.as_deref(), Some("columns[1]"));
    let e = error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\ncolumns = [\"id\"]").await;
    assert_eq!(e.field.as_deref(), Some("columns[0]"));
    assert!(e.message.contains("twice"), "{e}");
}

#[tokio::test]
async fn fields_are_checked() {
    let e = error_of("dataset = \"data.csv\"\nkeys = []").await;
    assert_eq!(e.field.as_deref(), Some("keys"));
    let e = error_of("dataset = \"data.csv\"\nkey = [\"id\"]").await;
    assert!(e.to_string().contains("key"), "{e}");
    let e = error_of("dataset = \"missing.csv\"\nkeys = [\"id\"]").await;
    assert_eq!(e.field.as_deref(), Some("dataset"));
    let e = error_of("dataset = \"../data.csv\"\nkeys = [\"id\"]").await;
    assert_eq!(e.field.as_deref(), Some("dataset"));
    let e = error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\non_no_match = \"SKIP\"").await;
    assert_eq!(e.field.as_deref(), Some("on_no_match"));
    assert!(e.message.contains("DROP_ROW"), "{e}");
    let e =
        error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\non_multiple_matches = \"LAST\"").await;
    assert_eq!(e.field.as_deref(), Some("on_multiple_matches"));
    let e =
        error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\ncolumn_types = { id = \"date\" }").await;
    assert_eq!(e.field.as_deref(), Some("column_types.id"));
    let e =
        error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\ncolumn_types = { nope = \"string\" }")
            .await;
    assert_eq!(e.field.as_deref(), Some("column_types.nope"));
    let e = error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\ndelimiter = \";;\"").await;
    assert_eq!(e.field.as_deref(), Some("delimiter"));
}

#[tokio::test]
async fn a_value_that_breaks_a_declared_type_names_its_line() {
    let e =
        error_of("dataset = \"data.csv\"\nkeys = [\"id\"]\ncolumn_types = { age = \"integer\" }")
            .await;
    assert_eq!(e.field.as_deref(), Some("column_types.age"));
    assert!(
        e.message.contains("line 3") && e.message.contains("\"x\""),
        "{e}"
    );
}

#[tokio::test]
async fn a_ragged_csv_is_reported() {
    let dir = bundle_with_csv("id,name\n1,Ada\n2,Bob,extra\n");
    let e = load(dir.path(), "dataset = \"data.csv\"\nkeys = [\"id\"]")
        .await
        .err()
        .expect("ragged CSV");
    assert_eq!(e.field.as_deref(), Some("dataset"));
    assert!(e.message.contains("CSV"), "{e}");
}

#[tokio::test]
async fn a_truncated_parquet_file_is_refused_naming_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.parquet"), b"PAR1").unwrap();
    let e = load(dir.path(), "dataset = \"data.parquet\"\nkeys = [\"id\"]")
        .await
        .err()
        .expect("a 4-byte parquet file must not load");
    assert_eq!(e.field.as_deref(), Some("dataset"));
    assert!(e.message.contains("Parquet file too small"), "{e}");
}
