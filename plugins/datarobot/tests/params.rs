//! Query strings as the `datarobot` client sends them (DATAROBOT.md §0.9, §2.1, §3.2).

use chrono::{TimeZone, Utc};
use plinth_datarobot::params::*;

fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .unwrap()
        .timestamp_millis()
}

fn err_param<T: std::fmt::Debug>(r: Result<T, ParamError>) -> ParamError {
    r.expect_err("expected a ParamError")
}

// ---- raw query strings ----------------------------------------------------------------------

#[test]
fn decodes_percent_escapes_and_plus() {
    assert_eq!(
        decode_component("2024-01-01T00%3A00%3A00%2B00%3A00"),
        "2024-01-01T00:00:00+00:00"
    );
    assert_eq!(decode_component("R+Squared"), "R Squared");
    assert_eq!(decode_component("R%20Squared"), "R Squared");
    assert_eq!(decode_component("Rate%40Top10%25"), "Rate@Top10%");
    assert_eq!(decode_component("100%"), "100%");
    assert_eq!(decode_component("%zz%4"), "%zz%4");
    assert_eq!(decode_component("caf%C3%A9"), "café");
}

#[test]
fn encode_then_decode_round_trips() {
    for s in [
        "2024-01-01T00:00:00+02:00",
        "Rate@Top10%",
        "a b&c=d",
        "café",
        "-label",
    ] {
        let e = encode_component(s);
        assert!(
            !e.contains('+') && !e.contains(' ') && !e.contains('&'),
            "{e}"
        );
        assert_eq!(decode_component(&e), s);
    }
}

#[test]
fn query_keeps_order_and_repeats() {
    let q = Query::parse("?modelId=a&&modelId=b&flag&x=1=2");
    assert_eq!(
        q.pairs(),
        &[
            ("modelId".to_string(), "a".to_string()),
            ("modelId".to_string(), "b".to_string()),
            ("flag".to_string(), String::new()),
            ("x".to_string(), "1=2".to_string()),
        ]
    );
    assert_eq!(q.first("modelId"), Some("a"));
    assert_eq!(q.all("modelId"), vec!["a", "b"]);
    assert_eq!(q.first("missing"), None);
    let q = Query::parse("serviceHealth=warning,failing&serviceHealth=passing");
    assert_eq!(
        q.comma_list("serviceHealth"),
        vec!["warning", "failing", "passing"]
    );
}

// ---- timestamps -----------------------------------------------------------------------------

#[test]
fn timestamps_in_every_spelling_the_client_sends() {
    let jan1 = ms(2024, 1, 1, 0, 0, 0);
    for v in [
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00.000000+00:00",
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00",
        "2024-01-01T00:00:00.000000",
        "2024-01-01 00:00:00+00:00",
        "2024-01-01",
        "2024-01-01T02:00:00+02:00",
        "2023-12-31T19:00:00-05:00",
        // a '+' sent unencoded arrives as a space
        "2024-01-01T00:00:00 00:00",
        "2024-01-01T02:00:00 02:00",
    ] {
        assert_eq!(parse_timestamp("start", v), Ok(jan1), "{v}");
    }
}

#[test]
fn encoded_offsets_convert_to_utc() {
    let q = ServiceStatsQuery::parse(
        "start=2024-01-01T00%3A00%3A00%2B02%3A00&end=2024-01-02T00%3A00%3A00%2B02%3A00",
        0,
    )
    .unwrap();
    assert_eq!(q.period.start_ms, ms(2023, 12, 31, 22, 0, 0));
    assert_eq!(q.period.end_ms, ms(2024, 1, 1, 22, 0, 0));
    assert_eq!(
        q.period.to_json(),
        serde_json::json!({"start": "2023-12-31T22:00:00Z", "end": "2024-01-01T22:00:00Z"})
    );
}

#[test]
fn off_hour_start_is_rejected_naming_start() {
    let e = err_param(Period::parse(
        &Query::parse("start=2024-01-01T00:30:00Z"),
        0,
    ));
    assert_eq!(e.parameter, "start");
    assert_eq!(
        e.to_string(),
        "start: 2024-01-01T00:30:00Z is not on the hour: monitoring periods start and end on \
         the hour (UTC)"
    );
    // On the hour locally, but not in UTC.
    let e = err_param(Period::parse(
        &Query::parse("end=2024-01-01T00%3A00%3A00%2B05%3A30"),
        0,
    ));
    assert_eq!(e.parameter, "end");
    assert!(e.message.contains("2023-12-31T18:30:00Z"), "{}", e.message);
    // Sub-second.
    let e = err_param(parse_hour_timestamp("end", "2024-01-01T00:00:00.5Z"));
    assert_eq!(e.parameter, "end");
    assert!(e.message.contains("00:00:00.500Z"), "{}", e.message);
}

#[test]
fn garbage_timestamps_name_their_parameter() {
    for v in [
        "",
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2024-01-01T25:00:00Z",
        "1704067200",
    ] {
        let e = err_param(parse_timestamp("end", v));
        assert_eq!(e.parameter, "end", "{v}");
    }
    let e = err_param(ServiceStatsQuery::parse("end=nope", 0));
    assert_eq!(e.parameter, "end");
}

#[test]
fn default_period_is_seven_days_to_the_next_top_of_the_hour() {
    let now = ms(2024, 3, 10, 10, 15, 42);
    let p = Period::parse(&Query::parse(""), now).unwrap();
    assert_eq!(p.end_ms, ms(2024, 3, 10, 11, 0, 0));
    assert_eq!(p.start_ms, ms(2024, 3, 3, 11, 0, 0));
    // Exactly on the hour: still the next one, so the current hour is included.
    let p = Period::parse(&Query::parse(""), ms(2024, 3, 10, 10, 0, 0)).unwrap();
    assert_eq!(p.end_ms, ms(2024, 3, 10, 11, 0, 0));
    assert_eq!(
        next_top_of_hour(ms(2024, 3, 10, 10, 59, 59) + 999),
        ms(2024, 3, 10, 11, 0, 0)
    );
    // Only end given: start is end - 7 days.
    let p = Period::parse(&Query::parse("end=2024-01-08T00:00:00Z"), now).unwrap();
    assert_eq!(p.start_ms, ms(2024, 1, 1, 0, 0, 0));
    // Only start given: end is the default.
    let p = Period::parse(&Query::parse("start=2024-03-01T00:00:00Z"), now).unwrap();
    assert_eq!(
        (p.start_ms, p.end_ms),
        (ms(2024, 3, 1, 0, 0, 0), ms(2024, 3, 10, 11, 0, 0))
    );
}

#[test]
fn start_must_be_before_end() {
    for q in [
        "start=2024-01-02T00:00:00Z&end=2024-01-01T00:00:00Z",
        "start=2024-01-01T00:00:00Z&end=2024-01-01T00:00:00Z",
    ] {
        let e = err_param(Period::parse(&Query::parse(q), 0));
        assert_eq!(e.parameter, "start", "{q}");
    }
    // A start after the default end.
    let now = ms(2024, 1, 1, 0, 10, 0);
    let e = err_param(Period::parse(
        &Query::parse("start=2024-02-01T00:00:00Z"),
        now,
    ));
    assert_eq!(e.parameter, "start");
}

#[test]
fn formats_timestamps_with_z_to_the_second() {
    assert_eq!(
        format_timestamp(ms(2024, 1, 1, 0, 0, 0)),
        "2024-01-01T00:00:00Z"
    );
    assert_eq!(
        format_timestamp(ms(1999, 12, 31, 23, 59, 59) + 999),
        "1999-12-31T23:59:59Z"
    );
}

// ---- bucket sizes ---------------------------------------------------------------------------

fn week() -> Period {
    Period::new(ms(2024, 1, 1, 0, 0, 0), ms(2024, 1, 8, 0, 0, 0))
}

#[test]
fn bucket_sizes_that_are_multiples_of_an_hour() {
    for (v, hours) in [
        ("PT1H", 1),
        ("PT2H", 2),
        ("P1D", 24),
        ("P7D", 168),
        ("P1DT12H", 36),
        ("PT24H", 24),
        ("PT60M", 1),
        ("PT7200S", 2),
        ("P1W", 168),
    ] {
        assert_eq!(
            parse_bucket_size_hours_multiple(v, &week()),
            Ok(BucketSize::Hours(hours)),
            "{v}"
        );
    }
}

#[test]
fn bad_bucket_sizes_are_rejected_naming_bucket_size() {
    for v in [
        "PT30M",
        "PT90M",
        "P1DT0H30M",
        "PT0H",
        "P0D",
        "P1M",
        "P1Y",
        "1H",
        "P",
        "PT",
        "P1H",
        "PT1D",
        "pt1h",
        "PT1.5H",
        "PT-1H",
        "",
        "P1DT",
        "PT1H1H",
        "PT1M1H",
        "P1DT0H30M30S",
    ] {
        let e = err_param(parse_bucket_size_hours_multiple(v, &week()));
        assert_eq!(e.parameter, "bucketSize", "{v}");
    }
    // Longer than the period.
    let day = Period::new(ms(2024, 1, 1, 0, 0, 0), ms(2024, 1, 2, 0, 0, 0));
    assert!(parse_bucket_size_hours_multiple("P1D", &day).is_ok());
    let e = err_param(parse_bucket_size_hours_multiple("PT25H", &day));
    assert_eq!(e.parameter, "bucketSize");
    assert!(
        e.message.contains("longer than the period"),
        "{}",
        e.message
    );
    // Through a route.
    let e = err_param(ServiceStatsOverTimeQuery::parse(
        "start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z&bucketSize=P7D",
        0,
    ));
    assert_eq!(e.parameter, "bucketSize");
}

#[test]
fn too_many_buckets_are_rejected() {
    let q = "start=2000-01-01T00:00:00Z&end=2024-01-01T00:00:00Z&bucketSize=PT1H";
    let e = err_param(ServiceStatsOverTimeQuery::parse(q, 0));
    assert_eq!(e.parameter, "bucketSize");
    let q = "start=2000-01-01T00:00:00Z&end=2024-01-01T00:00:00Z&bucketSize=P7D";
    assert!(ServiceStatsOverTimeQuery::parse(q, 0).is_ok());
}

#[test]
fn bucket_enum_takes_exactly_four_values() {
    assert_eq!(parse_bucket_enum("PT1H"), Ok(BucketSize::Hours(1)));
    assert_eq!(parse_bucket_enum("P1D"), Ok(BucketSize::Hours(24)));
    assert_eq!(parse_bucket_enum("P7D"), Ok(BucketSize::Hours(168)));
    assert_eq!(parse_bucket_enum("P1M"), Ok(BucketSize::Month));
    for v in ["PT2H", "PT24H", "P1W", "P2M", "p1d", ""] {
        assert_eq!(
            err_param(parse_bucket_enum(v)).parameter,
            "bucketSize",
            "{v}"
        );
    }
    let e = err_param(PredictionsOverTimeQuery::parse("bucketSize=PT2H", 0));
    assert_eq!(e.parameter, "bucketSize");
}

#[test]
fn default_bucket_follows_the_period_length() {
    let from = ms(2024, 1, 1, 0, 0, 0);
    let p = |hours: i64| Period::new(from, from + hours * HOUR_MS);
    assert_eq!(BucketSize::default_for(&p(1)), BucketSize::Hours(1));
    assert_eq!(BucketSize::default_for(&p(48)), BucketSize::Hours(1));
    assert_eq!(BucketSize::default_for(&p(49)), BucketSize::Hours(24));
    assert_eq!(BucketSize::default_for(&p(90 * 24)), BucketSize::Hours(24));
    assert_eq!(
        BucketSize::default_for(&p(90 * 24 + 1)),
        BucketSize::Hours(168)
    );
    // Through a route: the default 7-day period gets P1D.
    let q = ServiceStatsOverTimeQuery::parse("", ms(2024, 3, 1, 12, 0, 0)).unwrap();
    assert_eq!(q.bucket_size, BucketSize::Hours(24));
    let q = AccuracyOverTimeQuery::parse("start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z", 0)
        .unwrap();
    assert_eq!(q.bucket_size, BucketSize::Hours(1));
}

#[test]
fn iso_spelling_of_bucket_sizes() {
    assert_eq!(BucketSize::Hours(1).to_iso8601(), "PT1H");
    assert_eq!(BucketSize::Hours(24).to_iso8601(), "P1D");
    assert_eq!(BucketSize::Hours(168).to_iso8601(), "P7D");
    assert_eq!(BucketSize::Hours(36).to_iso8601(), "P1DT12H");
    assert_eq!(BucketSize::Month.to_iso8601(), "P1M");
}

#[test]
fn fixed_buckets_tile_the_period_and_clip_the_last() {
    let b = week().buckets(BucketSize::Hours(24));
    assert_eq!(b.len(), 7);
    assert_eq!(
        b[0],
        Period::new(ms(2024, 1, 1, 0, 0, 0), ms(2024, 1, 2, 0, 0, 0))
    );
    assert_eq!(b[6].end_ms, week().end_ms);
    let p = Period::new(ms(2024, 1, 1, 0, 0, 0), ms(2024, 1, 2, 1, 0, 0));
    let b = p.buckets(BucketSize::Hours(2));
    assert_eq!(b.len(), 13);
    assert_eq!(
        b[12],
        Period::new(ms(2024, 1, 2, 0, 0, 0), ms(2024, 1, 2, 1, 0, 0))
    );
    for w in b.windows(2) {
        assert_eq!(w[0].end_ms, w[1].start_ms);
    }
    assert_eq!(p.bucket_count(BucketSize::Hours(2)), 13);
}

#[test]
fn monthly_buckets_follow_calendar_months() {
    let year = Period::new(ms(2024, 1, 1, 0, 0, 0), ms(2025, 1, 1, 0, 0, 0));
    let b = year.buckets(BucketSize::Month);
    let days: Vec<i64> = b.iter().map(|p| p.duration_ms() / DAY_MS).collect();
    assert_eq!(days, vec![31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    assert_eq!(b.last().unwrap().end_ms, year.end_ms);

    // From the 31st: clamped to each month's length, never drifting.
    let p = Period::new(ms(2023, 1, 31, 0, 0, 0), ms(2023, 5, 1, 0, 0, 0));
    let starts: Vec<String> = p
        .buckets(BucketSize::Month)
        .iter()
        .map(|b| format_timestamp(b.start_ms))
        .collect();
    assert_eq!(
        starts,
        vec![
            "2023-01-31T00:00:00Z",
            "2023-02-28T00:00:00Z",
            "2023-03-31T00:00:00Z",
            "2023-04-30T00:00:00Z",
        ]
    );
    assert_eq!(
        p.buckets(BucketSize::Month).last().unwrap().end_ms,
        p.end_ms
    );

    // A period shorter than a month is one clipped bucket.
    let b = week().buckets(BucketSize::Month);
    assert_eq!(b, vec![week()]);
}

// ---- scalars and enums ------------------------------------------------------------------------

#[test]
fn booleans() {
    assert_eq!(parse_bool("includePercentiles", "True"), Ok(true));
    assert_eq!(parse_bool("includePercentiles", "true"), Ok(true));
    assert_eq!(parse_bool("includePercentiles", "False"), Ok(false));
    assert_eq!(parse_bool("includePercentiles", "false"), Ok(false));
    let e = err_param(PredictionsOverTimeQuery::parse("includePercentiles=yes", 0));
    assert_eq!(e.parameter, "includePercentiles");
}

#[test]
fn service_stats_numbers_and_defaults() {
    let now = ms(2024, 1, 1, 0, 0, 0);
    let q = ServiceStatsQuery::parse("", now).unwrap();
    assert_eq!(q.execution_time_quantile, 0.5);
    assert_eq!(q.response_time_quantile, 0.5);
    assert_eq!(q.slow_requests_threshold_ms, 1000);
    assert_eq!(q.model_id, None);
    assert_eq!(q.segment, None);

    // As 3.20.0 sends it.
    let q = ServiceStatsQuery::parse(
        "modelId=gen-3&executionTimeQuantile=0.9&responseTimeQuantile=0.95&\
         slowRequestsThreshold=500&start=2024-01-01T00%3A00%3A00%2B00%3A00&\
         end=2024-01-08T00%3A00%3A00%2B00%3A00",
        now,
    )
    .unwrap();
    assert_eq!(q.model_id.as_deref(), Some("gen-3"));
    assert_eq!(q.execution_time_quantile, 0.9);
    assert_eq!(q.response_time_quantile, 0.95);
    assert_eq!(q.slow_requests_threshold_ms, 500);
    assert_eq!(q.period, week());

    assert!(ServiceStatsQuery::parse("executionTimeQuantile=1", now).is_ok());
    assert!(ServiceStatsQuery::parse("slowRequestsThreshold=10.0", now).is_ok());
    for (q, name) in [
        ("executionTimeQuantile=0", "executionTimeQuantile"),
        ("executionTimeQuantile=1.5", "executionTimeQuantile"),
        ("responseTimeQuantile=nan", "responseTimeQuantile"),
        ("responseTimeQuantile=abc", "responseTimeQuantile"),
        ("slowRequestsThreshold=0", "slowRequestsThreshold"),
        ("slowRequestsThreshold=10.5", "slowRequestsThreshold"),
        ("slowRequestsThreshold=-3", "slowRequestsThreshold"),
        ("modelId=", "modelId"),
    ] {
        assert_eq!(
            err_param(ServiceStatsQuery::parse(q, now)).parameter,
            name,
            "{q}"
        );
    }
}

#[test]
fn unknown_parameters_are_ignored() {
    let q = DriftQuery::parse("batchId=b1&batchId=b2&foo=bar&metric=hellinger", 0).unwrap();
    assert_eq!(q.metric, DriftMetric::Hellinger);
}

#[test]
fn service_stats_metrics() {
    let names = [
        "totalPredictions",
        "totalRequests",
        "slowRequests",
        "executionTime",
        "responseTime",
        "userErrorRate",
        "serverErrorRate",
        "numConsumers",
        "cacheHitRatio",
        "medianLoad",
        "peakLoad",
    ];
    assert_eq!(ServiceStatsMetric::ALL.len(), 11);
    for n in names {
        let q = ServiceStatsOverTimeQuery::parse(&format!("metric={n}"), 0).unwrap();
        assert_eq!(q.metric.as_str(), n);
    }
    let q = ServiceStatsOverTimeQuery::parse(
        "metric=executionTime&bucketSize=P1D&quantile=0.75&threshold=2000&modelId=a&modelId=b",
        0,
    )
    .unwrap();
    assert_eq!(q.metric, ServiceStatsMetric::ExecutionTime);
    assert_eq!(q.quantile, 0.75);
    assert_eq!(q.threshold_ms, 2000);
    assert_eq!(q.model_ids, vec!["a", "b"]);
    assert_eq!(
        ServiceStatsOverTimeQuery::parse("", 0).unwrap().metric,
        ServiceStatsMetric::TotalPredictions
    );
    for q in [
        "metric=slowQueries",
        "metric=TotalPredictions",
        "quantile=2",
        "threshold=x",
    ] {
        let e = err_param(ServiceStatsOverTimeQuery::parse(q, 0));
        assert_eq!(e.parameter, q.split('=').next().unwrap(), "{q}");
    }
}

#[test]
fn drift_metrics_and_paging() {
    for n in [
        "psi",
        "kl_divergence",
        "hellinger",
        "dissimilarity",
        "js_divergence",
    ] {
        assert_eq!(
            DriftQuery::parse(&format!("metric={n}"), 0)
                .unwrap()
                .metric
                .as_str(),
            n
        );
    }
    let q = DriftQuery::parse("", 0).unwrap();
    assert_eq!((q.metric, q.offset, q.limit), (DriftMetric::Psi, 0, 25));
    for q in ["metric=klDivergence", "metric=PSI"] {
        assert_eq!(err_param(DriftQuery::parse(q, 0)).parameter, "metric");
    }
    // targetDrift has no paging: offset/limit are not its parameters.
    let q = DriftQuery::parse_target("limit=500&offset=x&metric=dissimilarity", 0).unwrap();
    assert_eq!(
        (q.metric, q.offset, q.limit),
        (DriftMetric::Dissimilarity, 0, 25)
    );
    assert_eq!(
        err_param(DriftQuery::parse_target("metric=x", 0)).parameter,
        "metric"
    );
    let q = DriftQuery::parse("offset=50&limit=100", 0).unwrap();
    assert_eq!((q.offset, q.limit), (50, 100));
    for (q, name) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ] {
        assert_eq!(err_param(DriftQuery::parse(q, 0)).parameter, name, "{q}");
    }
}

#[test]
fn accuracy_metric_names() {
    assert_eq!(AccuracyMetric::ALL.len(), 29);
    let legacy: Vec<&str> = AccuracyMetric::ALL
        .iter()
        .filter(|m| m.in_client_metrics_map())
        .map(|m| m.as_str())
        .collect();
    assert_eq!(legacy.len(), 25);
    for excluded in ["FPR", "NPV", "TNR", "FVE Multinomial"] {
        assert!(!legacy.contains(&excluded));
        assert!(AccuracyMetric::from_wire(excluded).is_some());
    }
    // Encoded as the client encodes them.
    for (raw, name) in [
        ("R+Squared", "R Squared"),
        ("R%20Squared", "R Squared"),
        ("Rate%40Top10%25", "Rate@Top10%"),
        ("Rate@Top5%25", "Rate@Top5%"),
        ("Kolmogorov-Smirnov", "Kolmogorov-Smirnov"),
        ("LogLoss", "LogLoss"),
    ] {
        let q = AccuracyOverTimeQuery::parse(&format!("metric={raw}"), 0).unwrap();
        assert_eq!(q.metric.unwrap().as_str(), name);
    }
    for bad in ["rmse", "R-Squared", "Logloss", "AUC "] {
        let e = err_param(AccuracyQuery::parse(
            &format!("metric={}", encode_component(bad)),
            0,
        ));
        assert_eq!(e.parameter, "metric", "{bad}");
    }
    assert_eq!(AccuracyQuery::parse("", 0).unwrap().metric, None);
}

#[test]
fn accuracy_target_classes_merge() {
    let q = AccuracyQuery::parse(
        "modelId=m1&modelId=m2&targetClass=c&targetClasses=a,b,c&baselineModelId=m0",
        0,
    )
    .unwrap();
    assert_eq!(q.model_ids, vec!["m1", "m2"]);
    assert_eq!(q.target_classes, vec!["c", "a", "b"]);
    assert_eq!(q.baseline_model_id.as_deref(), Some("m0"));
    let q =
        AccuracyOverTimeQuery::parse("targetClasses=x%2Cy&metric=AUC&bucketSize=P1D", 0).unwrap();
    assert_eq!(q.target_classes, vec!["x", "y"]);
}

#[test]
fn predictions_over_time_as_sent() {
    let q = PredictionsOverTimeQuery::parse(
        "bucketSize=PT1H&includePercentiles=False&start=2024-01-01T00%3A00%3A00%2B00%3A00&\
         end=2024-01-02T00%3A00%3A00%2B00%3A00&modelId=m1&modelId=m2&targetClass=a&targetClass=b",
        0,
    )
    .unwrap();
    assert_eq!(q.bucket_size, BucketSize::Hours(1));
    assert!(!q.include_percentiles);
    assert_eq!(q.model_ids, vec!["m1", "m2"]);
    assert_eq!(q.target_classes, vec!["a", "b"]);
    let q = PredictionsOverTimeQuery::parse("bucketSize=P1M&includePercentiles=True", 0).unwrap();
    assert_eq!(q.bucket_size, BucketSize::Month);
    assert!(q.include_percentiles);
    let q = PredictionsVsActualsOverTimeQuery::parse("bucketSize=P7D", 0).unwrap();
    assert_eq!(q.bucket_size, BucketSize::Hours(168));
}

#[test]
fn segments() {
    let q = ServiceStatsQuery::parse("segmentAttribute=DataRobot-Consumer&segmentValue=key-1", 0)
        .unwrap();
    assert_eq!(
        q.segment,
        Some(Segment {
            attribute: SegmentAttribute::Consumer,
            value: Some("key-1".into())
        })
    );
    let q =
        ServiceStatsQuery::parse("segmentAttribute=DataRobot-Remote-IP&segmentValue=", 0).unwrap();
    assert_eq!(q.segment.unwrap().value.as_deref(), Some(""));
    let q = DriftQuery::parse("segmentAttribute=DataRobot-Host-IP", 0).unwrap();
    assert_eq!(q.segment.unwrap().value, None);
    assert_eq!(
        err_param(ServiceStatsQuery::parse(
            "segmentAttribute=DataRobot-Host",
            0
        ))
        .parameter,
        "segmentAttribute"
    );
    assert_eq!(
        err_param(ServiceStatsQuery::parse("segmentValue=x", 0)).parameter,
        "segmentValue"
    );
}

#[test]
fn deployment_list_query() {
    let q = ListQuery::parse("").unwrap();
    assert_eq!((q.offset, q.limit), (0, 20));
    assert_eq!(q.order_by, None);
    let q = ListQuery::parse(
        "orderBy=-label&search=x&limit=5&offset=0&role=OWNER&serviceHealth=warning,failing&\
         importance=HIGH&tagKeys=team&tagKeys=env&tagValues=ml&isA2AAgent=false",
    )
    .unwrap();
    assert_eq!(
        q.order_by,
        Some(OrderBy {
            field: OrderField::Label,
            descending: true
        })
    );
    assert_eq!(q.search.as_deref(), Some("x"));
    assert_eq!((q.offset, q.limit), (0, 5));
    assert_eq!(
        q.service_health,
        vec![HealthStatus::Warning, HealthStatus::Failing]
    );
    assert_eq!(q.importance, vec![Importance::High]);
    assert_eq!(q.tag_keys, vec!["team", "env"]);
    assert_eq!(q.tag_values, vec!["ml"]);
    let q = ListQuery::parse("orderBy=createdAtTimestamp&status=active,inactive").unwrap();
    assert!(!q.order_by.unwrap().descending);
    assert_eq!(
        q.status,
        vec![DeploymentStatus::Active, DeploymentStatus::Inactive]
    );
    for (q, name) in [
        ("orderBy=-nope", "orderBy"),
        ("orderBy=--label", "orderBy"),
        ("serviceHealth=warning,bad", "serviceHealth"),
        ("modelHealth=PASSING", "modelHealth"),
        ("importance=high", "importance"),
        ("status=deleted", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
    ] {
        assert_eq!(err_param(ListQuery::parse(q)).parameter, name, "{q}");
    }
}

#[test]
fn list_link_params_round_trip() {
    let q = ListQuery::parse(
        "orderBy=-importance&search=a%20b%2Bc&serviceHealth=warning,failing&tagKeys=t&limit=7",
    )
    .unwrap();
    let raw = encode_query(&q.link_params());
    let back = ListQuery::parse(&format!("{raw}&offset=0&limit=7")).unwrap();
    assert_eq!(back, q);
}

#[test]
fn drift_link_params_round_trip() {
    let now = ms(2024, 1, 10, 3, 0, 0);
    let q = DriftQuery::parse(
        "start=2024-01-01T00%3A00%3A00%2B02%3A00&metric=js_divergence&modelId=g%2F1&\
         segmentAttribute=DataRobot-Consumer&segmentValue=a%2Bb&limit=10",
        now,
    )
    .unwrap();
    let links = plinth_datarobot::shapes::page_links(
        "http://h:1/api/v2/deployments/d/featureDrift/",
        &q.link_params(),
        q.offset,
        q.limit,
        35,
    );
    let next = links.next.expect("a next page");
    let (base, raw) = next.split_once('?').unwrap();
    assert_eq!(base, "http://h:1/api/v2/deployments/d/featureDrift/");
    assert!(!raw.contains('+'), "{raw}");
    // Parsed later, at another now: the same period, metric, model and segment.
    let back = DriftQuery::parse(raw, now + 5 * HOUR_MS).unwrap();
    assert_eq!(back.period, q.period);
    assert_eq!(back.metric, q.metric);
    assert_eq!(back.model_id.as_deref(), Some("g/1"));
    assert_eq!(back.segment, q.segment);
    assert_eq!((back.offset, back.limit), (10, 10));
}

#[test]
fn feature_drift_over_time_takes_one_or_two_feature_names() {
    let now = ms(2024, 1, 10, 12, 30, 0);
    let q = FeatureDriftOverTimeQuery::parse(
        "featureNames=a&featureNames=b&metric=hellinger&bucketSize=P1D&modelId=v2",
        now,
    )
    .unwrap();
    assert_eq!(q.feature_names, ["a", "b"]);
    assert_eq!(q.metric, DriftMetric::Hellinger);
    assert_eq!(q.bucket_size, BucketSize::Hours(24));
    assert_eq!(q.model_id.as_deref(), Some("v2"));
    let q = FeatureDriftOverTimeQuery::parse("featureNames=a,%20c", now).unwrap();
    assert_eq!(q.feature_names, ["a", "c"]);
    assert_eq!(q.metric, DriftMetric::Psi);
    assert_eq!(q.bucket_size, BucketSize::default_for(&q.period));
    for bad in ["", "featureNames=", "featureNames=a,b,c"] {
        assert_eq!(
            err_param(FeatureDriftOverTimeQuery::parse(bad, now)).parameter,
            "featureNames",
            "{bad}"
        );
    }
    assert_eq!(
        err_param(FeatureDriftOverTimeQuery::parse(
            "featureNames=a&bucketSize=PT90M",
            now
        ))
        .parameter,
        "bucketSize"
    );
}

#[test]
fn prediction_results_page_within_bounds() {
    let now = ms(2024, 1, 10, 12, 30, 0);
    let q = PredictionResultsQuery::parse("", now).unwrap();
    assert_eq!((q.offset, q.limit, q.actuals_present), (0, 100, None));
    let q = PredictionResultsQuery::parse(
        "offset=20&limit=50000&actualsPresent=False&modelId=v1&modelId=v2",
        now,
    )
    .unwrap();
    assert_eq!(
        (q.offset, q.limit, q.actuals_present),
        (20, 10_000, Some(false))
    );
    assert_eq!(q.model_ids, ["v1", "v2"]);
    assert_eq!(
        PredictionResultsQuery::parse("limit=0", now).unwrap().limit,
        1
    );
    assert_eq!(
        err_param(PredictionResultsQuery::parse("limit=ten", now)).parameter,
        "limit"
    );
    assert_eq!(
        err_param(PredictionResultsQuery::parse("actualsPresent=maybe", now)).parameter,
        "actualsPresent"
    );
}
