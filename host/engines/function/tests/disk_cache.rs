//! Compiled components are kept on disk by content hash: a later load (a restart) reads them
//! instead of compiling.

mod common;

use common::guests::{TYPES_WIT, types_wat};
use common::{Bundle, post, response};
use plinth_engine_function::{CompileSource, FunctionEndpoint};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_second_load_reads_the_compiled_component_from_disk() {
    // A component no other test builds, so the in-process cache cannot answer.
    let wat = types_wat().replace("(i32.const 4096)", "(i32.const 8192)");
    let b = Bundle::new(&common::component(TYPES_WIT, "types", &wat));
    let first = b.load("simple_sum", "").await.unwrap();
    let source = |ep: &std::sync::Arc<dyn plinth_engine_api::Endpoint>| {
        ep.downcast_ref::<FunctionEndpoint>()
            .unwrap()
            .compile_source()
    };
    assert_eq!(source(&first), CompileSource::Compiled);
    let cached: Vec<_> = std::fs::read_dir(b.cache().join("function"))
        .unwrap()
        .collect();
    assert_eq!(cached.len(), 1, "one compiled file");
    // While the first endpoint lives, a second one shares its compilation.
    let second = b.load("simple_sum", "").await.unwrap();
    assert_eq!(source(&second), CompileSource::Memory);
    drop((first, second));
    let third = b.load("simple_sum", "").await.unwrap();
    assert_eq!(source(&third), CompileSource::Disk);
    assert_eq!(
        response(
            &post(&third, json!({"param1": 40, "param2": 2}))
                .await
                .unwrap()
        ),
        &json!(42)
    );
}
