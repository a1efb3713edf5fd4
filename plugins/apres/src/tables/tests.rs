//! Tests of the batch CSV files.

use super::*;
use serde_json::json;

fn file(name: &str, text: &str) -> InputFile {
    InputFile {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

#[test]
fn counts_rows() {
    assert_eq!(count_rows(0, &file("a.csv", "x,y\n1,2\n3,4\n")).unwrap(), 2);
    assert_eq!(
        count_rows(0, &file("a.csv", "x,y\r\n1,2\r\n\r\n3,\"4\n5\"")).unwrap(),
        2
    );
}

#[test]
fn jpeg_is_not_csv() {
    let jpeg = InputFile {
        name: "file1.jpg".into(),
        bytes: b"\xFF\xD8\xFF\xE0\x00\x10JFIF".to_vec(),
    };
    let err = count_rows(3, &jpeg).unwrap_err();
    assert_eq!(err.status(), 422);
    assert_eq!(
        err.message(),
        "files[3] (\"file1.jpg\") is not a CSV file: it starts like a JPEG image"
    );
}

#[test]
fn header_and_rows_required() {
    let empty = count_rows(0, &file("e.csv", "")).unwrap_err();
    assert!(
        empty.message().starts_with("files[0] (\"e.csv\") is empty"),
        "{}",
        empty.message()
    );
    let header_only = count_rows(1, &file("h.csv", "x,y\n")).unwrap_err();
    assert_eq!(
        header_only.message(),
        "files[1] (\"h.csv\") has a header but no rows"
    );
    assert!(read_rows(1, &file("h.csv", "x,y\n")).is_err());
}

#[test]
fn ragged_rows_name_their_line() {
    let err = count_rows(0, &file("r.csv", "x,y\n1,2\n3\n")).unwrap_err();
    assert_eq!(
        err.message(),
        "files[0] (\"r.csv\") line 3 has 1 fields; the header has 2"
    );
    let err = read_rows(0, &file("r.csv", "x,y\n1,2\n3,4\n5,6,7\n")).unwrap_err();
    assert!(
        err.message().contains("line 4 has 3 fields"),
        "{}",
        err.message()
    );
}

#[test]
fn duplicate_header_is_refused() {
    let err = count_rows(0, &file("d.csv", "x,y,x\n1,2,3\n")).unwrap_err();
    assert_eq!(
        err.message(),
        "files[0] (\"d.csv\") header names the column \"x\" twice"
    );
}

#[test]
fn rows_become_records() {
    let rows = read_rows(
        0,
        &file("a.csv", "age,income,city,score\n42,,Paris,0.5\n7,100,,x\n"),
    )
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        Value::Object(rows[0].clone()),
        json!({"age": 42, "income": null, "city": "Paris", "score": 0.5})
    );
    assert_eq!(rows[1]["city"], Value::Null);
    assert_eq!(rows[1]["score"], json!("x"));
    // Column order is the header's.
    assert_eq!(
        rows[0].keys().collect::<Vec<_>>(),
        ["age", "income", "city", "score"]
    );
}

#[test]
fn total_over_files() {
    let files = [file("a.csv", "x\n1\n2\n"), file("b.csv", "y\n3\n")];
    assert_eq!(total_rows(&files).unwrap(), 3);
    assert_eq!(
        total_rows(&[]).unwrap_err().message(),
        "the batch has no rows"
    );
    let with_bad = [file("a.csv", "x\n1\n"), file("b.csv", "y\n")];
    assert!(
        total_rows(&with_bad)
            .unwrap_err()
            .message()
            .starts_with("files[1]")
    );
}

#[test]
fn counts_100k_rows_fast() {
    let mut text = String::from("a,b,c,d,e\n");
    for i in 0..100_000 {
        text.push_str(&format!("{i},{}.5,red,,\"q,{i}\"\n", i * 2));
    }
    let big = file("big.csv", &text);
    let started = std::time::Instant::now();
    assert_eq!(count_rows(0, &big).unwrap(), 100_000);
    // Debug build on a shared machine: generous, but a cell-decoding count would still fail.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
