//! Service health over a deterministic mix of calls, written in three flushes that overlap the
//! same hours (additive upserts, merged sketches), against the test's own counts.
//!
//! Quantiles: for `n` recorded values sorted ascending, the exact quantile `q` is the value of
//! rank `k = max(1, ceil(q·n))` (1-based), which is the value HDR's `value_at_quantile` finds
//! the bucket of; the sketch then answers that bucket's highest equivalent value, so the read is
//! in `[exact, exact·(1 + 0.001)]`.

mod common;

use common::*;
use plinth_monitoring::read::HealthQuery;
use plinth_plugin_api::CallEvent;
use std::collections::{BTreeMap, HashSet};

const THRESHOLD_US: u64 = 1_000_000;

fn traffic() -> Vec<CallEvent> {
    let mut rng = Lcg::new(7);
    let reference = reference();
    let mut calls = Vec::new();
    for i in 0..360 {
        let hour = (i % 3) as i64;
        // A few busy minutes and a spread of others.
        let minute = if rng.next_f64() < 0.5 {
            [3, 17, 42][rng.below(3)]
        } else {
            rng.below(60) as i64
        };
        let at = T0 + hour * HOUR + minute * MINUTE + rng.below(60_000) as i64;
        let endpoint = if i % 2 == 0 { REG } else { CLF };
        let mut c = call(endpoint, at);
        let u = rng.next_f64();
        (c.status, c.error_type) = if u < 0.1 {
            (500, Some("InternalError".to_string()))
        } else if u < 0.2 {
            (422, Some("ValidationError".to_string()))
        } else if u < 0.25 {
            (404, Some("NotFound".to_string()))
        } else if u < 0.27 {
            (503, Some("Overloaded".to_string()))
        } else {
            (200, None)
        };
        c.key_id = match rng.below(5) {
            0 => None,
            1 => Some("k1".into()),
            2 => Some("k2".into()),
            3 => Some("k3".into()),
            _ => Some(format!("h{hour}")),
        };
        // Log-uniform durations from 100 µs to 3 s, kept away from the slow threshold's
        // HDR bucket, plus a few exactly at it (not slow: "greater than" the threshold).
        let mut d = (100.0 * (30_000_f64).powf(rng.next_f64())) as u64;
        if d.abs_diff(THRESHOLD_US) < 3_000 {
            d += 6_000;
        }
        if i % 97 == 5 {
            d = THRESHOLD_US;
        }
        c.duration_us = d;
        c.execution_us = if c.status / 100 == 4 {
            None
        } else {
            Some(d * 3 / 5 + 1)
        };
        c.warm = rng.next_f64() < 0.8;
        if c.status == 200 {
            let n = 1 + rng.below(3);
            let rows: Vec<_> = (0..n).map(|_| reference[rng.below(200)].clone()).collect();
            c.action = if n > 1 { "predict-multi" } else { "predict" }.into();
            c.rows = scored(endpoint, &rows);
            // Now and then a record that was not scored.
            if i % 11 == 0
                && let Some(r) = c.rows.as_mut()
            {
                r.rows[0].output = None;
            }
        }
        calls.push(c);
    }
    calls
}

struct Expected {
    requests: u64,
    rows: u64,
    u4: u64,
    u5: u64,
    warm: u64,
    consumers: usize,
    loads: Vec<u64>,
    durations: Vec<u64>,
    executions: Vec<u64>,
    errors: BTreeMap<String, u64>,
}

fn expected(calls: &[CallEvent], endpoint: &str, from: i64, to: i64) -> Expected {
    let (start, end) = (T0 + from * HOUR, T0 + to * HOUR);
    let mine: Vec<&CallEvent> = calls
        .iter()
        .filter(|c| c.endpoint_id == endpoint && start <= c.at_ms && c.at_ms < end)
        .collect();
    let mut per_minute: BTreeMap<i64, u64> = BTreeMap::new();
    for c in &mine {
        *per_minute.entry(c.at_ms / MINUTE).or_default() += 1;
    }
    let mut loads: Vec<u64> = per_minute.values().copied().collect();
    loads.sort_unstable();
    let mut durations: Vec<u64> = mine.iter().map(|c| c.duration_us).collect();
    durations.sort_unstable();
    // Execution time is that of the calls the model answered (2xx).
    let mut executions: Vec<u64> = mine
        .iter()
        .filter(|c| c.status / 100 == 2)
        .filter_map(|c| c.execution_us)
        .collect();
    executions.sort_unstable();
    let mut errors = BTreeMap::new();
    for c in &mine {
        if let Some(e) = &c.error_type {
            *errors.entry(e.clone()).or_default() += 1;
        }
    }
    Expected {
        requests: mine.len() as u64,
        rows: mine
            .iter()
            .filter_map(|c| c.rows.as_ref())
            .flat_map(|r| r.rows.iter())
            .filter(|r| r.output.is_some())
            .count() as u64,
        u4: mine.iter().filter(|c| c.status / 100 == 4).count() as u64,
        u5: mine.iter().filter(|c| c.status / 100 == 5).count() as u64,
        warm: mine.iter().filter(|c| c.warm).count() as u64,
        consumers: mine
            .iter()
            .map(|c| c.key_id.clone().unwrap_or_default())
            .collect::<HashSet<_>>()
            .len(),
        loads,
        durations,
        executions,
        errors,
    }
}

fn exact_quantile(sorted: &[u64], q: f64) -> u64 {
    let k = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted[k - 1]
}

#[track_caller]
fn within_sketch_error(what: &str, got_ms: Option<f64>, exact_us: u64) {
    let got_us = got_ms.expect(what) * 1000.0;
    let exact = exact_us as f64;
    assert!(
        got_us >= exact - 1e-6 && got_us <= exact * 1.001 + 1e-6,
        "{what}: sketch says {got_us} µs, exact {exact} µs"
    );
}

fn median(sorted: &[u64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2] as f64,
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0,
    }
}

#[tokio::test]
async fn service_health_matches_the_calls() {
    on_both("service_health_matches_the_calls", |env| async move {
        let calls = traffic();
        let m = &env.monitoring;
        // Three flushes, each touching every hour.
        for chunk in calls.chunks(120) {
            ingest(m, chunk.to_vec()).await;
        }
        let spans = [(0, 3), (0, 1), (1, 3), (2, 3), (0, 24)];
        for q in [
            HealthQuery::default(),
            HealthQuery {
                response_quantile: 0.9,
                execution_quantile: 0.99,
                slow_threshold_ms: 1000,
            },
            HealthQuery {
                response_quantile: 0.25,
                execution_quantile: 1.0,
                slow_threshold_ms: 250,
            },
        ] {
            for endpoint in [REG, CLF] {
                let ranges: Vec<_> = spans.iter().map(|(a, b)| hours(*a, *b)).collect();
                let got = m
                    .service_health(&filter(endpoint), &ranges, q)
                    .await
                    .unwrap();
                for ((from, to), h) in spans.iter().zip(&got) {
                    let what = format!("{endpoint} hours {from}..{to} ({})", env.db.name);
                    let e = expected(&calls, endpoint, *from, *to);
                    assert!(e.requests > 0);
                    assert_eq!(h.total_requests, e.requests, "{what} totalRequests");
                    assert_eq!(h.total_predictions, e.rows, "{what} totalPredictions");
                    let n = e.requests as f64;
                    assert_eq!(h.user_error_rate, e.u4 as f64 / n, "{what} userErrorRate");
                    assert_eq!(
                        h.server_error_rate,
                        e.u5 as f64 / n,
                        "{what} serverErrorRate"
                    );
                    assert_eq!(h.cache_hit_ratio, e.warm as f64 / n, "{what} cacheHitRatio");
                    assert_eq!(h.num_consumers, e.consumers as u64, "{what} numConsumers");
                    assert_eq!(h.median_load, median(&e.loads), "{what} medianLoad");
                    assert_eq!(
                        h.peak_load,
                        *e.loads.last().unwrap() as f64,
                        "{what} peakLoad"
                    );
                    assert_eq!(h.errors, e.errors, "{what} errors");
                    let threshold = q.slow_threshold_ms * 1000;
                    assert_eq!(
                        h.slow_requests,
                        e.durations.iter().filter(|d| **d > threshold).count() as u64,
                        "{what} slowRequests > {threshold} µs"
                    );
                    within_sketch_error(
                        &format!("{what} responseTime q{}", q.response_quantile),
                        h.response_time_ms,
                        exact_quantile(&e.durations, q.response_quantile),
                    );
                    within_sketch_error(
                        &format!("{what} executionTime q{}", q.execution_quantile),
                        h.execution_time_ms,
                        exact_quantile(&e.executions, q.execution_quantile),
                    );
                }
            }
        }
        // Calls exactly at the threshold exist and are not slow.
        assert!(calls.iter().any(|c| c.duration_us == THRESHOLD_US));

        // An empty range and a generation that never served: zeros, no latency.
        let empty = m
            .service_health(&filter(REG), &[hours(5, 6)], HealthQuery::default())
            .await
            .unwrap();
        let mut other = filter(REG);
        other.generations = Some(vec!["g0".into()]);
        let none = m
            .service_health(&other, &[hours(0, 3)], HealthQuery::default())
            .await
            .unwrap();
        for h in [&empty[0], &none[0]] {
            assert_eq!(h.total_requests, 0);
            assert_eq!(h.total_predictions, 0);
            assert_eq!(h.user_error_rate, 0.0);
            assert_eq!(h.cache_hit_ratio, 0.0);
            assert_eq!(h.num_consumers, 0);
            assert_eq!(h.median_load, 0.0);
            assert_eq!(h.peak_load, 0.0);
            assert_eq!(h.response_time_ms, None);
            assert_eq!(h.execution_time_ms, None);
        }
        let mut only = filter(REG);
        only.generations = Some(vec![GEN.into()]);
        let all = m
            .service_health(&only, &[hours(0, 3)], HealthQuery::default())
            .await
            .unwrap();
        assert_eq!(all[0].total_requests, expected(&calls, REG, 0, 3).requests);

        // Usage: rows per day and the last call's minute.
        let (daily, last) = m.usage(SERVICE, REG, T0 + 2 * 86_400_000, 2).await.unwrap();
        assert_eq!(daily, vec![expected(&calls, REG, 0, 24).rows, 0]);
        let last_call = calls
            .iter()
            .filter(|c| c.endpoint_id == REG)
            .map(|c| c.at_ms)
            .max()
            .unwrap();
        assert_eq!(last, Some(last_call / MINUTE * MINUTE));
    })
    .await;
}

/// A single call, its sketch written, then more calls into the same hour in later flushes:
/// the stored sketch is merged, never replaced.
#[tokio::test]
async fn later_flushes_merge_into_the_same_hour() {
    on_both("later_flushes_merge_into_the_same_hour", |env| async move {
        let m = &env.monitoring;
        let mut all = Vec::new();
        for (i, d) in [5_000_u64, 80_000, 120_000, 7_000_000].iter().enumerate() {
            let mut c = call(BARE, T0 + i as i64 * MINUTE);
            c.duration_us = *d;
            c.execution_us = Some(*d / 2);
            all.push(*d);
            ingest(m, vec![c]).await;
        }
        let h = &m
            .service_health(
                &filter(BARE),
                &[hours(0, 1)],
                HealthQuery {
                    response_quantile: 1.0,
                    execution_quantile: 0.5,
                    slow_threshold_ms: 100,
                },
            )
            .await
            .unwrap()[0];
        assert_eq!(h.total_requests, 4);
        assert_eq!(h.slow_requests, 2);
        within_sketch_error("max", h.response_time_ms, 7_000_000);
        within_sketch_error("median exec", h.execution_time_ms, 40_000);
        assert_eq!(h.peak_load, 1.0);
        assert_eq!(h.median_load, 1.0);
        assert_eq!(h.num_consumers, 1);
    })
    .await;
}

/// A call longer than the sketch's range (1 h) still counts as slow and as the slowest call:
/// it is recorded at the sketch's top, not dropped.
#[tokio::test]
async fn calls_beyond_the_sketch_range_are_not_lost() {
    on_both("calls_beyond_the_sketch_range", |env| async move {
        let m = &env.monitoring;
        let mut quick = call(BARE, T0);
        quick.duration_us = 2_000;
        quick.execution_us = Some(1_000);
        let mut stuck = call(BARE, T0 + MINUTE);
        stuck.duration_us = 2 * 3_600_000_000;
        stuck.execution_us = Some(2 * 3_600_000_000 - 5);
        ingest(m, vec![quick, stuck]).await;
        let h = &m
            .service_health(
                &filter(BARE),
                &[hours(0, 1)],
                HealthQuery {
                    response_quantile: 1.0,
                    execution_quantile: 1.0,
                    slow_threshold_ms: 1000,
                },
            )
            .await
            .unwrap()[0];
        assert_eq!(h.total_requests, 2);
        assert_eq!(h.slow_requests, 1);
        within_sketch_error("max response", h.response_time_ms, 3_600_000_000);
        within_sketch_error("max execution", h.execution_time_ms, 3_600_000_000);
    })
    .await;
}

/// A flush that fails half-way writes nothing (one transaction) and hands its batch back;
/// flushing that batch later counts every call once.
#[tokio::test]
async fn a_failed_flush_writes_nothing_and_can_be_retried() {
    on_both("failed_flush_retried", |env| async move {
        let m = &env.monitoring;
        let pool = m.db().pool();
        let mut pending = Default::default();
        for i in 0..5 {
            let mut c = call(REG, T0 + i * MINUTE);
            c.status = 500;
            c.error_type = Some("InternalError".into());
            m.add(
                &mut pending,
                &plinth_plugin_api::Event::Call(std::sync::Arc::new(c)),
            )
            .await;
        }
        // The errors table is written after the hours: break it.
        sqlx::query("ALTER TABLE mon_errors RENAME TO mon_errors_away")
            .execute(pool)
            .await
            .unwrap();
        let Err((_, batch)) = m.flush(pending).await else {
            panic!("the flush should fail without mon_errors");
        };
        sqlx::query("ALTER TABLE mon_errors_away RENAME TO mon_errors")
            .execute(pool)
            .await
            .unwrap();
        let q = HealthQuery::default();
        let h = &m
            .service_health(&filter(REG), &[hours(0, 1)], q)
            .await
            .unwrap()[0];
        assert_eq!(
            h.total_requests, 0,
            "nothing of the failed flush is visible"
        );
        assert_eq!(h.peak_load, 0.0);
        let mut retry = batch;
        let mut more = Default::default();
        m.add(
            &mut more,
            &plinth_plugin_api::Event::Call(std::sync::Arc::new(call(REG, T0 + 30 * MINUTE))),
        )
        .await;
        retry.merge(more);
        m.flush(retry).await.map_err(|(e, _)| e).unwrap();
        let h = &m
            .service_health(&filter(REG), &[hours(0, 1)], q)
            .await
            .unwrap()[0];
        assert_eq!(h.total_requests, 6);
        assert_eq!(h.server_error_rate, 5.0 / 6.0);
        assert_eq!(h.errors.get("InternalError"), Some(&5));
        assert_eq!(h.peak_load, 1.0);
        assert!(h.response_time_ms.is_some());
    })
    .await;
}
