//! Tests of the batch statistics, with timings computed by hand.

use super::*;

const T0: i64 = 1_556_023_451_000; // 2019-04-23T14:44:11Z

fn task(
    started: Option<i64>,
    finished: Option<i64>,
    succeeded: bool,
    score: Option<f64>,
) -> TaskTiming {
    TaskTiming {
        started_ms: started.map(|s| T0 + s),
        finished_ms: finished.map(|f| T0 + f),
        succeeded,
        consensus_score: score,
    }
}

fn values(stats: &[Statistic]) -> Vec<Value> {
    stats.iter().map(|s| s.value.clone()).collect()
}

#[test]
fn names_in_the_seeds_order() {
    let stats = statistics(
        &BatchTimings {
            created_ms: T0,
            completed_ms: None,
            tasks: vec![],
        },
        0.5,
        T0,
    );
    let names: Vec<&str> = stats.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "Successful Tasks",
            "Failed Tasks",
            "Elapsed Time",
            "Elapsed Time (in words)",
            "Time to Start Processing Tasks",
            "Average Processing Time",
            "Tasks with Expert Consensus",
            "Tasks without Expert Consensus",
            "Time to First Results",
        ]
    );
    assert_eq!(
        values(&stats),
        [
            json!(0),
            json!(0),
            json!(0),
            json!("less than a minute"),
            json!(0),
            json!(0.0),
            json!(0),
            json!(0),
            json!(0)
        ]
    );
}

#[test]
fn the_seeds_example_by_hand() {
    // Created at T0, completed 180.4 s later. Task 1: 152.3 s → 174.9 s (22.6 s), p = 0.9.
    // Task 2: 160 s → 163.68 s (3.68 s), p = 0.4. Task 3: 170 s → 171 s, failed.
    // Task 4: started at 175 s, still running (counted in no outcome).
    let timings = BatchTimings {
        created_ms: T0,
        completed_ms: Some(T0 + 180_400),
        tasks: vec![
            task(Some(152_300), Some(174_900), true, Some(0.9)),
            task(Some(160_000), Some(163_680), true, Some(0.4)),
            task(Some(170_000), Some(171_000), false, None),
            task(Some(175_000), None, false, None),
        ],
    };
    let stats = statistics(&timings, 0.5, T0 + 999_999);
    // Average over the three finished tasks: (22.6 + 3.68 + 1.0) / 3 = 9.0933.. → 9.09.
    assert_eq!(
        values(&stats),
        [
            json!(2),
            json!(1),
            json!(180),
            json!("3 minutes"),
            json!(152),
            json!(9.09),
            json!(1),
            json!(1),
            json!(163)
        ]
    );
}

#[test]
fn running_batch_uses_now() {
    let timings = BatchTimings {
        created_ms: T0,
        completed_ms: None,
        tasks: vec![task(Some(1_500), None, false, None)],
    };
    let stats = statistics(&timings, 0.5, T0 + (2 * 3600 + 5 * 60 + 30) * 1000);
    assert_eq!(stats[2].value, json!(7530));
    assert_eq!(stats[3].value, json!("2 hours 5 minutes"));
    assert_eq!(stats[4].value, json!(1));
    assert_eq!(stats[5].value, json!(0.0));
    assert_eq!(stats[8].value, json!(0));
}

#[test]
fn consensus_threshold_is_inclusive_and_regression_counts_without() {
    let timings = BatchTimings {
        created_ms: T0,
        completed_ms: Some(T0 + 10_000),
        tasks: vec![
            task(Some(0), Some(1_000), true, Some(0.8)),
            task(Some(0), Some(1_000), true, Some(0.79)),
            task(Some(0), Some(1_000), true, None),
            task(Some(0), Some(1_000), false, Some(0.99)),
        ],
    };
    let stats = statistics(&timings, 0.8, T0);
    assert_eq!(stats[6].value, json!(1));
    assert_eq!(stats[7].value, json!(2));
    assert_eq!(stats[5].value, json!(1.0));
}

#[test]
fn json_is_name_value_pairs() {
    let stats = vec![
        stat("Successful Tasks", json!(2)),
        stat("Elapsed Time (in words)", json!("3 minutes")),
    ];
    assert_eq!(
        to_json(&stats),
        json!([{"name": "Successful Tasks", "value": 2}, {"name": "Elapsed Time (in words)", "value": "3 minutes"}])
    );
}
