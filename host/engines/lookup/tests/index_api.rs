//! The public index API other engines use (a prediction's enrichment), and a larger dataset.

mod common;

use common::{bundle_with_csv, load};
use plinth_engine_lookup::{
    Cell, CsvOptions, DatasetIndex, IgnoreReason, LookupEndpoint, LookupOutcome, MissingPolicy,
    MultiplePolicy, Policies, Resolution,
};
use serde_json::json;
use std::io::Write;

#[test]
fn an_index_loads_from_csv_and_looks_records_up() {
    let dir =
        bundle_with_csv("customer_id,segment,limit\n10,gold,5000\n11,silver,\n10,bronze,100\n");
    let mut options = CsvOptions::new(vec!["customer_id".into()]);
    options.columns = Some(vec!["segment".into(), "limit".into()]);
    let index = DatasetIndex::from_csv(&dir.path().join("data.csv"), &options).unwrap();
    assert_eq!(index.rows(), 3);

    let record = json!({"customer_id": "11", "amount": 12.5});
    let outcome = index.lookup_record(record.as_object().unwrap());
    assert_eq!(outcome, LookupOutcome::One(1));
    assert_eq!(index.value(1, 0), Cell::String("silver"));
    assert_eq!(index.value(1, 1), Cell::Null);

    let multiple = index.lookup_record(json!({"customer_id": 10}).as_object().unwrap());
    assert_eq!(multiple, LookupOutcome::Multiple { first: 0 });
    let missing = index.lookup_record(json!({"amount": 1}).as_object().unwrap());
    assert_eq!(missing, LookupOutcome::MissingKey(0));

    // Enrichment defaults: IGNORE, IGNORE, KEEP_FIRST.
    let defaults = Policies::default();
    let names = ["customer_id"];
    assert_eq!(
        defaults.resolve(&multiple, &names, String::new).unwrap(),
        Resolution::Row(0)
    );
    assert_eq!(
        defaults.resolve(&missing, &names, String::new).unwrap(),
        Resolution::Nulls
    );
    let strict = Policies {
        on_missing_key: MissingPolicy::DropRow,
        on_no_match: MissingPolicy::Error,
        on_multiple_matches: MultiplePolicy::DropRow,
    };
    assert_eq!(
        strict.resolve(&multiple, &names, String::new).unwrap(),
        Resolution::Drop(IgnoreReason::MultipleLookupMatches)
    );
    assert_eq!(
        strict.resolve(&missing, &names, String::new).unwrap(),
        Resolution::Drop(IgnoreReason::MissingLookupKey)
    );
    let e = strict
        .resolve(&LookupOutcome::NoMatch, &names, || "customer_id=99".into())
        .unwrap_err();
    assert!(e.message.contains("customer_id=99"));
}

#[tokio::test]
async fn a_sibling_reaches_the_index_through_a_downcast() {
    let dir = bundle_with_csv("k,v\n1,one\n");
    let endpoint = load(dir.path(), "dataset = \"data.csv\"\nkeys = [\"k\"]")
        .await
        .unwrap();
    let lookup = endpoint
        .downcast_ref::<LookupEndpoint>()
        .expect("a LookupEndpoint");
    let outcome = lookup
        .index()
        .lookup_record(json!({"k": "1"}).as_object().unwrap());
    assert_eq!(outcome, LookupOutcome::One(0));
    assert_eq!(lookup.policies().on_no_match, MissingPolicy::DropRow);
}

/// 300,000 rows with a composite key: every row is found, and memory stays columnar.
#[test]
fn a_larger_dataset_is_indexed_compactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let rows = 300_000usize;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(file, "store,day,label,amount").unwrap();
    for i in 0..rows {
        writeln!(file, "{},{},item-{i},{}.5", i % 1000, i / 1000, i).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let index = DatasetIndex::from_csv(&path, &CsvOptions::new(vec!["store".into(), "day".into()]))
        .unwrap();
    assert_eq!(index.rows(), rows);
    for i in (0..rows).step_by(997) {
        let record = json!({"store": i % 1000, "day": (i / 1000).to_string()});
        assert_eq!(
            index.lookup_record(record.as_object().unwrap()),
            LookupOutcome::One(i)
        );
        assert_eq!(index.value(i, 1).to_json(), json!(i as f64 + 0.5));
    }
    // Two integer keys (16 B), a float (8 B), a ~11-byte label (+8 B offset), ~24 B of index.
    let per_row = index.heap_bytes() / rows;
    assert!(per_row < 100, "{per_row} bytes per row");
}
