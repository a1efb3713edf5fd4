//! The fuzz targets' inputs as tests: every file of `fuzz/corpus/<target>/` and of
//! `fuzz/regressions/<target>/` (fixed crashes) through the entry function the target calls,
//! and generated manifests and archives through the same checks.

use plinth_bundle::fuzz;
use plinth_fuzz_support::replay;
use proptest::prelude::*;

#[test]
fn manifest_corpus_replays() {
    assert!(replay("manifest", fuzz::manifest) > 0);
}

#[test]
fn archive_corpus_replays() {
    assert!(replay("archive", fuzz::archive) > 0);
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"
}

fn engine_value() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        any::<i64>().prop_map(toml::Value::from),
        any::<bool>().prop_map(toml::Value::from),
        "[ -~]{0,12}".prop_map(toml::Value::from),
        prop::collection::vec("[a-z]{0,5}", 0..3).prop_map(toml::Value::from),
    ]
}

fn endpoint() -> impl Strategy<Value = String> {
    (
        id(),
        prop::sample::select(fuzz::KINDS),
        prop::option::of(1..1000i64),
        prop::option::of("[ -~]{0,20}"),
        prop::collection::btree_map("[a-z_]{1,8}", engine_value(), 0..4),
    )
        .prop_map(|(id, kind, limit, description, extra)| {
            let mut table = toml::Table::new();
            for (k, v) in extra {
                table.insert(k, v);
            }
            table.insert("id".into(), id.into());
            table.insert("kind".into(), kind.into());
            if let Some(n) = limit {
                table.insert("max_concurrency".into(), n.into());
            }
            if let Some(d) = description {
                table.insert("description".into(), d.into());
            }
            toml::to_string(&table).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Generated manifests, valid or not, go through the target's round trip.
    #[test]
    fn generated_manifests_round_trip(
        service in id(),
        public in any::<bool>(),
        endpoints in prop::collection::vec(endpoint(), 0..4),
    ) {
        let mut text = format!("[service]\nid = {service:?}\npublic = {public}\n");
        for e in endpoints {
            text.push_str(&format!("\n[[endpoint]]\n{e}"));
        }
        fuzz::manifest(text.as_bytes());
    }

    /// Arbitrary text never panics the parser.
    #[test]
    fn arbitrary_text_is_refused_cleanly(text in "\\PC{0,200}") {
        fuzz::manifest(text.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Generated entry programs (the target's even mode) stay inside and within the limits.
    #[test]
    fn generated_archives_stay_inside(program in prop::collection::vec(any::<u8>(), 0..48)) {
        let mut data = vec![0];
        data.extend(program);
        fuzz::archive(&data);
    }
}
