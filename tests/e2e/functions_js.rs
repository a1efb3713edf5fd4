//! A JavaScript function end to end: the example `js_svc` (QuickJS through componentize-qjs,
//! built from source by `scripts/lib/functions.sh`, which `scripts/test.sh` runs first) answers
//! the reference's `simple_sum` by GET and POST, maps a record, a list, an option, an enum and
//! a `result` to and from JSON, and turns a JavaScript exception into a clear 500.

mod support;

use serde_json::json;
use support::*;

fn server() -> (tempfile::TempDir, Plinth) {
    let bundle = repo_root().join("examples/js_svc");
    assert!(
        bundle.join("build/js_fns.wasm").is_file(),
        "examples/js_svc/build/js_fns.wasm is missing: run \
         `bash -c 'source scripts/lib/setup.sh && setup_examples'` (scripts/test.sh does; needs npm)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let server = Plinth::start(&tmp.path().join("data"));
    let deployed = server.upload(&tar_gz_dir(&bundle), "activate=true");
    assert_eq!(deployed.status, 200, "{}", deployed.text);
    (tmp, server)
}

const BASE: &str = "/public/api/v1/js_svc";

#[test]
fn the_reference_example_answers_by_get_and_post() {
    let (_tmp, server) = server();
    let get = server.get(&format!("{BASE}/simple_sum/run?param1=30&param2=12"));
    assert_eq!(get.status, 200, "{}", get.text);
    assert_eq!(get.json()["response"], json!(42));
    let post = server.post(
        &format!("{BASE}/simple_sum/run"),
        &json!({"param1": 30, "param2": 12}),
    );
    assert_eq!(post.json()["response"], json!(42));
    let pooled = server.get(&format!("{BASE}/simple_sum_pooled/run?param1=-2&param2=44"));
    assert_eq!(pooled.json()["response"], json!(42), "{}", pooled.text);
    assert_eq!(
        post.json()["apiContext"],
        json!({"serviceId": "js_svc", "endpointId": "simple_sum", "serviceGeneration": "v1"})
    );
    // A parameter of the wrong type is the caller's mistake, named.
    let bad = server.get(&format!("{BASE}/simple_sum/run?param1=thirty&param2=12"));
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("param1"), "{}", bad.text);
}

#[test]
fn records_lists_options_enums_and_results_map_to_json() {
    let (_tmp, server) = server();
    let order = json!({"order": {"amount": 1250.5, "country": "xx", "items": ["a", "b"], "coupon": "FREESHIP"}});
    let answer = server.post(&format!("{BASE}/score_order/run"), &order);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json()["response"],
        json!({"score": 0.9, "level": "high", "reasons": ["amount over 1000", "country xx", "coupon FREESHIP"]})
    );
    // The option left out: null or absent.
    let plain = json!({"order": {"amount": 20.0, "country": "FR", "items": [], "coupon": null}});
    let answer = server.post(&format!("{BASE}/score_order/run"), &plain);
    assert_eq!(
        answer.json()["response"],
        json!({"score": 0.05, "level": "low", "reasons": []})
    );
    // The error case of the result: 500 with the function's own message.
    let negative = json!({"order": {"amount": -1.0, "country": "FR", "items": []}});
    let answer = server.post(&format!("{BASE}/score_order/run"), &negative);
    assert_eq!(answer.status, 500, "{}", answer.text);
    assert_eq!(answer.error_type(), "FunctionError");
    assert!(
        answer.text.contains("amount must be zero or more, got -1"),
        "{}",
        answer.text
    );
    // An enum answers its case name.
    let level = server.get(&format!("{BASE}/level_of/run?score=0.3"));
    assert_eq!(level.json()["response"], json!("medium"));
}

#[test]
fn a_javascript_exception_is_a_500_with_its_message_and_the_server_goes_on() {
    let (_tmp, server) = server();
    let answer = server.get(&format!("{BASE}/fail/run?message=no%20such%20customer"));
    assert_eq!(answer.status, 500, "{}", answer.text);
    assert_eq!(answer.error_type(), "FunctionFailed");
    assert!(answer.text.contains("no such customer"), "{}", answer.text);
    let after = server.get(&format!("{BASE}/simple_sum/run?param1=1&param2=2"));
    assert_eq!(after.json()["response"], json!(3));
}
