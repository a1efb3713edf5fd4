//! Rust functions for Plinth: the fast path for hot functions (a ~100 KB component that
//! instantiates in microseconds).

wit_bindgen::generate!({
    path: ["../../../wit/host", "wit"],
    world: "rust-fns:functions/functions",
    generate_all,
});

use plinth::host::log::{Level, log};

struct Functions;

impl Guest for Functions {
    fn simple_sum(param1: i64, param2: i64) -> i64 {
        param1.wrapping_add(param2)
    }

    fn summarize(values: Vec<f64>) -> Result<Summary, String> {
        if values.is_empty() {
            return Err("values must not be empty".into());
        }
        log(Level::Debug, &format!("summarizing {} values", values.len()));
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        Ok(Summary {
            count: values.len() as u32,
            mean,
            min,
            max,
        })
    }
}

export!(Functions);
