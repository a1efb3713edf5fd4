//! Tests of the load_batch body and CSV.

use super::*;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

fn body(file: &str, csv: &str, golden: &str) -> Vec<u8> {
    let data = STANDARD.encode(csv);
    format!(r#"{{"file": "{file}", "data": "{data}"{golden}}}"#).into_bytes()
}

fn choices() -> Vec<String> {
    vec!["Heron".into(), "Bird".into()]
}

const CSV: &str = "Input,Type,Output\nhttps://s3.us-west-2/a.jpg,image/jpeg,Heron\nhttps://s3.us-west-2/b.jpg,image/jpeg,Bird\n";

#[test]
fn reads_the_seed_example() {
    let batch = parse_load_batch(
        &body("set1.csv", CSV, r#", "golden_set": true"#),
        &choices(),
    )
    .unwrap();
    assert_eq!(batch.file, "set1.csv");
    assert!(batch.golden_set);
    assert_eq!(batch.rows.len(), 2);
    assert_eq!(
        batch.rows[0],
        GoldenRow {
            input: "https://s3.us-west-2/a.jpg".into(),
            input_type: "image/jpeg".into(),
            output: "Heron".into()
        }
    );
}

#[test]
fn golden_set_forms() {
    let read =
        |golden: &str| parse_load_batch(&body("s.csv", CSV, golden), &[]).map(|b| b.golden_set);
    assert!(!read("").unwrap());
    assert!(read(r#", "golden_set": "TRUE""#).unwrap());
    assert!(!read(r#", "golden_set": "false""#).unwrap());
    assert!(!read(r#", "golden_set": null"#).unwrap());
    assert_eq!(read(r#", "golden_set": 1"#).unwrap_err().status(), 422);
    assert_eq!(read(r#", "golden_set": "yes""#).unwrap_err().status(), 422);
}

#[test]
fn header_any_case_and_order() {
    let csv = "output,extra,INPUT,type\nNo,x,row1,text/csv\n";
    let batch = parse_load_batch(&body("s.csv", csv, ""), &[]).unwrap();
    assert_eq!(batch.rows[0].output, "No");
    assert_eq!(batch.rows[0].input, "row1");
    assert_eq!(batch.rows[0].input_type, "text/csv");
}

#[test]
fn required_members() {
    let missing_file = parse_load_batch(br#"{"data": "YQ=="}"#, &[]).unwrap_err();
    assert_eq!(
        (missing_file.status(), missing_file.message()),
        (422, "file is required")
    );
    let missing_data = parse_load_batch(br#"{"file": "a.csv"}"#, &[]).unwrap_err();
    assert_eq!(missing_data.message(), "data is required");
    assert_eq!(
        parse_load_batch(b"{file: 1}", &[]).unwrap_err().status(),
        400
    );
    let bad = parse_load_batch(br#"{"file": "a.csv", "data": "%%%"}"#, &[]).unwrap_err();
    assert!(
        bad.message().starts_with("data is not valid Base64: "),
        "{}",
        bad.message()
    );
}

#[test]
fn the_seeds_jpeg_is_refused() {
    let err = parse_load_batch(
        br#"{"file": "set1.csv", "data": "/9j/4AAQSkZJRgABAQEASABIAAD//gAjY21w"}"#,
        &[],
    )
    .unwrap_err();
    assert_eq!(err.status(), 422);
    assert_eq!(
        err.message(),
        "data (\"set1.csv\") is not a CSV file: it starts like a JPEG image"
    );
}

#[test]
fn missing_columns_and_rows() {
    let err = parse_load_batch(&body("s.csv", "Input,Label\na,b\n", ""), &[]).unwrap_err();
    assert!(
        err.message().ends_with("missing: Type, Output"),
        "{}",
        err.message()
    );
    let err = parse_load_batch(&body("s.csv", "Input,Type,Output\n", ""), &[]).unwrap_err();
    assert_eq!(err.message(), "data (\"s.csv\") has a header but no rows");
    let err = parse_load_batch(&body("s.csv", "Input,Type,Output\na,b\n", ""), &[]).unwrap_err();
    assert!(
        err.message().contains("line 2 has 2 fields"),
        "{}",
        err.message()
    );
}

#[test]
fn outputs_must_be_choices() {
    let csv = "Input,Type,Output\na,image/jpeg,Heron\nb,image/jpeg,Waterfowl\n";
    let err = parse_load_batch(&body("s.csv", csv, ""), &choices()).unwrap_err();
    assert_eq!(err.status(), 422);
    assert_eq!(
        err.message(),
        "data (\"s.csv\") line 3: Output \"Waterfowl\" is not one of the recipe's choices: \"Heron\", \"Bird\""
    );
    // Without choices any label is accepted, but never an empty one.
    assert!(parse_load_batch(&body("s.csv", csv, ""), &[]).is_ok());
    let empty = parse_load_batch(&body("s.csv", "Input,Type,Output\na,t,\n", ""), &[]).unwrap_err();
    assert_eq!(empty.message(), "data (\"s.csv\") line 2: Output is empty");
}
