//! A guest that loops, traps or runs out of memory gets a clear error for its own call, and the
//! endpoint goes on serving.

mod common;

use common::guests::{FAULTS_WIT, faults_wat};
use common::{Bundle, post, response};
use serde_json::json;
use std::time::{Duration, Instant};

fn bundle() -> Bundle {
    Bundle::new(&common::component(FAULTS_WIT, "faults", &faults_wat()))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_infinite_loop_is_a_504_at_the_deadline_and_the_next_call_works() {
    let b = bundle();
    for isolation in ["per-request", "pooled"] {
        let spin = b
            .load(
                "spin",
                &format!("timeout_ms = 300\nisolation = \"{isolation}\""),
            )
            .await
            .unwrap();
        let started = Instant::now();
        let e = post(&spin, json!({})).await.unwrap_err();
        let took = started.elapsed();
        assert_eq!((e.status, e.error_type.as_ref()), (504, "DeadlineExceeded"));
        assert!(e.message.contains("300 ms"), "{}", e.message);
        // Bounded by the deadline plus the host's grace, not by the loop.
        assert!(
            took < Duration::from_secs(2) + Duration::from_millis(300),
            "{took:?}"
        );
        let fine = b
            .load(
                "fine",
                &format!("timeout_ms = 300\nisolation = \"{isolation}\""),
            )
            .await
            .unwrap();
        assert_eq!(
            response(&post(&fine, json!({"x": 1})).await.unwrap()),
            &json!(2)
        );
        let e = post(&spin, json!({})).await.unwrap_err();
        assert_eq!(e.status, 504, "a second loop is caught too");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trap_is_a_500_naming_it() {
    let b = bundle();
    let crash = b.load("crash", "isolation = \"pooled\"").await.unwrap();
    for _ in 0..3 {
        let e = post(&crash, json!({})).await.unwrap_err();
        assert_eq!((e.status, e.error_type.as_ref()), (500, "FunctionFailed"));
        assert!(e.message.contains("unreachable"), "{}", e.message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_beyond_the_cap_is_refused_and_reported() {
    let b = bundle();
    let hog = b.load("hog", "memory_mib = 16").await.unwrap();
    let e = post(&hog, json!({})).await.unwrap_err();
    assert_eq!((e.status, e.error_type.as_ref()), (500, "OutOfMemory"));
    assert!(e.message.contains("16 MiB"), "{}", e.message);
    let fine = b.load("fine", "memory_mib = 16").await.unwrap();
    assert_eq!(
        response(&post(&fine, json!({"x": 41})).await.unwrap()),
        &json!(42)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_mixed_concurrent_calls_answer_every_good_one() {
    let b = bundle();
    let fine = b.load("fine", "timeout_ms = 500").await.unwrap();
    let spin = b.load("spin", "timeout_ms = 500").await.unwrap();
    let crash = b.load("crash", "").await.unwrap();
    let hog = b.load("hog", "memory_mib = 8").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let (fine, spin, crash, hog) = (fine.clone(), spin.clone(), crash.clone(), hog.clone());
        tasks.push(tokio::spawn(async move {
            match i % 10 {
                0 => (i, post(&spin, json!({})).await.map_err(|e| e.status)),
                1 => (i, post(&crash, json!({})).await.map_err(|e| e.status)),
                2 => (i, post(&hog, json!({})).await.map_err(|e| e.status)),
                _ => (i, post(&fine, json!({"x": i})).await.map_err(|e| e.status)),
            }
        }));
    }
    for task in tasks {
        let (i, outcome) = task.await.unwrap();
        match i % 10 {
            0 => assert_eq!(outcome.unwrap_err(), 504),
            1 | 2 => assert_eq!(outcome.unwrap_err(), 500),
            _ => assert_eq!(response(&outcome.unwrap()), &json!(i + 1), "call {i}"),
        }
    }
}
