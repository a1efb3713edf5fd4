//! The monitoring charts of the service page: one prediction endpoint (a DataRobot deployment,
//! `<service>~<endpoint>`) over a period chosen by plain links (`?period=1h|24h|7d`, default
//! 24h; `?endpoint=` picks the endpoint, default the first prediction endpoint).
//!
//! Eleven DataRobot routes are called at once (`futures::future::join_all`), each decoded on
//! its own, so a failed call shows an inline error in its chart and the rest of the page:
//!
//! - requests: `serviceStatsOverTime/?metric=totalRequests`
//! - errors: `metric=userErrorRate` and `metric=serverErrorRate` (shares of the requests)
//! - latency: `metric=responseTime` with `quantile=0.5`, `0.9` and `0.99`: the monitoring
//!   store answers any quantile of the server-side response time, so p50/p90/p99 are real
//!   quantiles, not a mean
//! - drift: `featureDrift/` (score per feature against the baseline) with the threshold of
//!   `healthSettings/` (`dataDrift.driftThreshold`)
//! - predictions: `predictionsOverTime/` (mean prediction per bucket against the baseline's
//!   mean; per-class mean probabilities for a multiclass model) and the `targetDrift/` score
//!   (`targetDrift/` returns one score, no histogram or bins)
//! - accuracy: `accuracyOverTime/`, hidden with a note while no prediction has an actual
//!
//! Periods end at the next top of the hour (the current hour included, as the API's default)
//! and start 1 h, 24 h or 7 days before; buckets are an hour at least (the API has no finer
//! ones), so the 1 h period is a single bucket.

use super::chart::{self, Bar, LineChart, Point, Reference, Series, Unit};
use super::format::utc;
use crate::api_client::{ApiClient, ApiFailure};
use crate::app::service_url;
use crate::datarobot::{
    self, AccuracyOverTime, DrPeriod, FeatureDrift, HealthSettings, PredictionsOverTime,
    ServiceStatsOverTime, TargetDrift, ValueBucket, deployment_id, format_utc,
};
use crate::model::ServiceDetail;
use crate::session::AdminKey;
use maud::{Markup, html};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const HOUR_MS: i64 = 3_600_000;
/// The empty state of the charts over time.
const NO_TRAFFIC: &str = "no traffic in this period";

/// The choices of the period selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// The last hour: one bucket.
    Hour,
    /// The last 24 hours, hourly.
    Day,
    /// The last 7 days: 6-hour buckets (daily for `predictionsOverTime`, whose bucket sizes
    /// are `PT1H`, `P1D`, `P7D` and `P1M` only).
    Week,
}

impl Span {
    const ALL: [Span; 3] = [Span::Hour, Span::Day, Span::Week];

    /// `1h`, `24h` or `7d`; anything else is the default, 24h.
    pub fn parse(s: Option<&str>) -> Span {
        match s {
            Some("1h") => Span::Hour,
            Some("7d") => Span::Week,
            _ => Span::Day,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Span::Hour => "1h",
            Span::Day => "24h",
            Span::Week => "7d",
        }
    }

    fn hours(self) -> i64 {
        match self {
            Span::Hour => 1,
            Span::Day => 24,
            Span::Week => 168,
        }
    }

    /// `bucketSize` of the routes that take any whole number of hours.
    fn bucket(self) -> &'static str {
        match self {
            Span::Hour | Span::Day => "PT1H",
            Span::Week => "PT6H",
        }
    }

    /// `bucketSize` of `predictionsOverTime` (an enumeration).
    fn prediction_bucket(self) -> &'static str {
        match self {
            Span::Hour | Span::Day => "PT1H",
            Span::Week => "P1D",
        }
    }
}

/// The service page's query: `?endpoint=&period=`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Selection {
    /// The endpoint whose charts are shown.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// `1h`, `24h` or `7d`.
    #[serde(default)]
    pub period: Option<String>,
}

impl Selection {
    /// From the raw query string; an unreadable one is the default.
    pub fn parse(raw: Option<&str>) -> Selection {
        raw.and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default()
    }
}

/// `[start, end)`: ending at the next top of the hour strictly after `now_ms`.
pub fn window(now_ms: i64, span: Span) -> (i64, i64) {
    let end = (now_ms.div_euclid(HOUR_MS) + 1) * HOUR_MS;
    (end - span.hours() * HOUR_MS, end)
}

/// The calls of one deployment, in this order.
const CALLS: usize = 11;

/// The monitoring section of a service page.
pub async fn section(
    api: &ApiClient,
    key: &AdminKey,
    detail: &ServiceDetail,
    selection: &Selection,
    now_ms: i64,
) -> Markup {
    let service = &detail.summary.id;
    let predictions: Vec<&str> = detail
        .endpoints
        .iter()
        .filter(|e| e.kind == "prediction")
        .map(|e| e.id.as_str())
        .collect();
    let Some(first) = predictions.first() else {
        return html! {
            h2 { "Monitoring" }
            p.muted {
                "No prediction endpoint in the active generation: only prediction endpoints are "
                "monitored (as DataRobot deployments), so there is nothing to chart."
            }
        };
    };
    let asked = selection.endpoint.as_deref();
    let endpoint = asked.filter(|a| predictions.contains(a)).unwrap_or(first);
    let span = Span::parse(selection.period.as_deref());
    let (start, end) = window(now_ms, span);
    let deployment = deployment_id(service, endpoint);
    let paths = paths(&deployment, span, start, end);
    let answers: Vec<Result<Value, ApiFailure>> =
        futures::future::join_all(paths.iter().map(|p| api.get::<Value>(key, p))).await;
    let answers: [Result<Value, ApiFailure>; CALLS] = answers
        .try_into()
        .unwrap_or_else(|_| unreachable!("one answer per call"));
    let link = |endpoint: &str, span: Span| {
        let query = serde_urlencoded::to_string([("endpoint", endpoint), ("period", span.name())])
            .unwrap_or_default();
        format!("{}?{query}#monitoring", service_url(service))
    };
    html! {
        h2 #monitoring { "Monitoring" }
        @if let Some(a) = asked.filter(|a| !predictions.contains(a)) {
            p.flash.error { (a) " is not a prediction endpoint of this service; showing " (endpoint) "." }
        }
        nav.selector aria-label="Endpoint" {
            "Endpoint: "
            @for e in &predictions {
                @if *e == endpoint { strong aria-current="page" { (e) } }
                @else { a href=(link(e, span)) { (e) } }
                " "
            }
        }
        nav.selector aria-label="Period" {
            "Period: "
            @for s in Span::ALL {
                @if s == span { strong aria-current="page" { (s.name()) } }
                @else { a href=(link(endpoint, s)) { (s.name()) } }
                " "
            }
        }
        p.muted {
            "Deployment " code { (deployment) } ", " (utc(start)) " – " (utc(end)) ", buckets of "
            (span.bucket())
            @if span.bucket() != span.prediction_bucket() {
                " (" (span.prediction_bucket()) " for the predictions)"
            }
            "."
        }
        div.charts {
            (service_charts(&answers[..6], (start, end)))
            (drift(&answers[6], &answers[7]))
            (predictions_chart(&answers[8], &answers[9], (start, end)))
            (accuracy(&answers[10], (start, end)))
        }
    }
}

fn paths(deployment: &str, span: Span, start: i64, end: i64) -> Vec<String> {
    let (start, end) = (format_utc(start), format_utc(end));
    let range = [("start", start.as_str()), ("end", end.as_str())];
    let stats = |metric: &str, quantile: Option<&str>| {
        let mut q = vec![("metric", metric), ("bucketSize", span.bucket())];
        q.extend(quantile.map(|v| ("quantile", v)));
        q.extend(range);
        datarobot::path(deployment, "serviceStatsOverTime", &q)
    };
    let with_range = |route: &str, extra: &[(&str, &str)]| {
        let mut q = extra.to_vec();
        q.extend(range);
        datarobot::path(deployment, route, &q)
    };
    let paths = vec![
        stats("totalRequests", None),
        stats("userErrorRate", None),
        stats("serverErrorRate", None),
        stats("responseTime", Some("0.5")),
        stats("responseTime", Some("0.9")),
        stats("responseTime", Some("0.99")),
        with_range("featureDrift", &[("limit", "100")]),
        datarobot::path(deployment, "healthSettings", &[]),
        with_range(
            "predictionsOverTime",
            &[("bucketSize", span.prediction_bucket())],
        ),
        with_range("targetDrift", &[]),
        with_range("accuracyOverTime", &[("bucketSize", span.bucket())]),
    ];
    debug_assert_eq!(paths.len(), CALLS);
    paths
}

fn decode<T: DeserializeOwned>(answer: &Result<Value, ApiFailure>) -> Result<T, String> {
    match answer {
        Ok(v) => serde_json::from_value(v.clone()).map_err(|e| format!("unexpected answer: {e}")),
        Err(e) => Err(e.message.clone()),
    }
}

fn point(period: &DrPeriod, value: Option<f64>) -> Option<Point> {
    let (start_ms, end_ms) = period.ms()?;
    Some(Point {
        start_ms,
        end_ms,
        value,
    })
}

fn points(buckets: &[ValueBucket]) -> Vec<Point> {
    buckets
        .iter()
        .filter_map(|b| point(&b.period, b.value))
        .collect()
}

/// Requests, errors and latency, from the six `serviceStatsOverTime/` answers.
fn service_charts(answers: &[Result<Value, ApiFailure>], period: (i64, i64)) -> Markup {
    let stats: Vec<Result<ServiceStatsOverTime, String>> = answers.iter().map(decode).collect();
    let requests = stats[0].as_ref().ok().map(|s| points(&s.buckets));
    // A period without a single request has no traffic: its zero counts are no data.
    let traffic = requests
        .as_ref()
        .map(|r| r.iter().any(|p| p.value.is_some_and(|v| v > 0.0)));
    let requests_chart = match &stats[0] {
        Err(e) => chart::failed("requests", "Requests", e),
        Ok(_) if traffic == Some(false) => chart::note("requests", "Requests", NO_TRAFFIC),
        Ok(_) => chart::line(&LineChart {
            id: "requests",
            title: "Requests per bucket",
            unit: Unit::Count,
            period,
            series: vec![Series {
                label: "requests".into(),
                points: requests.clone().unwrap_or_default(),
            }],
            reference: None,
            empty: NO_TRAFFIC,
        }),
    };
    // An error rate over a bucket without requests is no value, not 0 %.
    let masked = |s: &ServiceStatsOverTime| -> Vec<Point> {
        let mut ps = points(&s.buckets);
        if let Some(r) = &requests {
            for p in &mut ps {
                let served = r
                    .iter()
                    .find(|q| q.start_ms == p.start_ms)
                    .and_then(|q| q.value)
                    .unwrap_or(0.0);
                if served <= 0.0 {
                    p.value = None;
                }
            }
        }
        ps
    };
    let errors_chart = match (&stats[1], &stats[2]) {
        (Err(e), _) | (_, Err(e)) => chart::failed("errors", "Error rates", e),
        (Ok(user), Ok(server)) => chart::line(&LineChart {
            id: "errors",
            title: "Error rates (share of the requests)",
            unit: Unit::Ratio,
            period,
            series: vec![
                Series {
                    label: "user errors (4xx)".into(),
                    points: masked(user),
                },
                Series {
                    label: "server errors (5xx)".into(),
                    points: masked(server),
                },
            ],
            reference: None,
            empty: NO_TRAFFIC,
        }),
    };
    let latency_chart = match stats[3..6].iter().find_map(|s| s.as_ref().err()) {
        Some(e) => chart::failed("latency", "Response time", e),
        None => chart::line(&LineChart {
            id: "latency",
            title: "Response time (server side, quantiles per bucket)",
            unit: Unit::Millis,
            period,
            series: ["p50", "p90", "p99"]
                .iter()
                .zip(&stats[3..6])
                .map(|(label, s)| Series {
                    label: (*label).into(),
                    points: s.as_ref().map(&masked).unwrap_or_default(),
                })
                .collect(),
            reference: None,
            empty: NO_TRAFFIC,
        }),
    };
    html! { (requests_chart) (errors_chart) (latency_chart) }
}

/// Drift per feature against the baseline, as bars and as a table, with the threshold.
fn drift(answer: &Result<Value, ApiFailure>, settings: &Result<Value, ApiFailure>) -> Markup {
    let title = "Feature drift against the baseline";
    let drift: FeatureDrift = match decode(answer) {
        Ok(d) => d,
        Err(e) => return chart::failed("drift", title, &e),
    };
    let settings: Result<HealthSettings, String> = decode(settings);
    let threshold = settings.as_ref().ok().map(|s| Reference {
        label: "drift threshold".into(),
        value: s.data_drift.drift_threshold,
    });
    let bars: Vec<Bar> = drift
        .data
        .iter()
        .map(|f| Bar {
            label: f.name.clone(),
            value: f.drift_score,
        })
        .collect();
    let metric = if drift.metric.is_empty() {
        "score"
    } else {
        &drift.metric
    };
    let title = format!("{title} ({metric})");
    let figure = chart::bars(
        "drift",
        &title,
        &bars,
        threshold.as_ref(),
        "No feature drift scores for this period: no baseline, feature drift tracking \
         switched off, or no traffic.",
    );
    let score =
        |v: Option<f64>| v.map_or("—".to_owned(), |v| chart::value_label(v, Unit::Number));
    html! {
        (figure)
        @if let Err(e) = &settings {
            p.error { "The drift threshold could not be read: " (e) }
        }
        @if !drift.data.is_empty() {
            table.drift {
                thead { tr {
                    th { "Feature" } th.num { "Drift (" (metric) ")" } th.num { "Importance" }
                    th.num { "Rows" } th.num { "Baseline rows" } th { "State" }
                } }
                tbody {
                    @for f in &drift.data {
                        @let over = matches!((f.drift_score, &threshold), (Some(v), Some(t)) if v >= t.value);
                        tr class=[over.then_some("drifting")] {
                            td { (f.name) }
                            td.num { (score(f.drift_score)) }
                            td.num { (score(f.feature_impact)) }
                            td.num { (f.sample_size.map_or("—".into(), |n| n.to_string())) }
                            td.num { (f.baseline_sample_size.map_or("—".into(), |n| n.to_string())) }
                            td { @if over { span.badge.off { "drifting" } } }
                        }
                    }
                }
            }
            @if drift.next.is_some() { p.muted { "The 100 most important features are shown." } }
        }
    }
}

/// The mean prediction per bucket against the baseline, and the target drift score.
fn predictions_chart(
    answer: &Result<Value, ApiFailure>,
    target: &Result<Value, ApiFailure>,
    period: (i64, i64),
) -> Markup {
    let title = "Predictions against the baseline";
    let p: PredictionsOverTime = match decode(answer) {
        Ok(p) => p,
        Err(e) => return chart::failed("predictions", title, &e),
    };
    let regression = p
        .buckets
        .iter()
        .chain(&p.baselines)
        .any(|b| b.mean_predicted_value.is_some());
    let (series, reference, title) = if regression {
        let points = p
            .buckets
            .iter()
            .filter_map(|b| point(b.period.as_ref()?, b.mean_predicted_value))
            .collect();
        let reference = p
            .baselines
            .first()
            .and_then(|b| b.mean_predicted_value)
            .map(|value| Reference {
                label: "baseline mean".into(),
                value,
            });
        (
            vec![Series {
                label: "mean prediction".into(),
                points,
            }],
            reference,
            "Mean prediction per bucket, against the baseline",
        )
    } else {
        let mut classes: Vec<String> = Vec::new();
        for b in &p.buckets {
            for c in &b.mean_probabilities {
                if !classes.contains(&c.class_name) {
                    classes.push(c.class_name.clone());
                }
            }
        }
        let series = classes
            .iter()
            .map(|class| Series {
                label: class.clone(),
                points: p
                    .buckets
                    .iter()
                    .filter_map(|b| {
                        let v = b
                            .mean_probabilities
                            .iter()
                            .find(|c| &c.class_name == class)
                            .and_then(|c| c.value)
                            .filter(|_| b.row_count > 0);
                        point(b.period.as_ref()?, v)
                    })
                    .collect(),
            })
            .collect();
        (series, None, "Mean probability per class per bucket")
    };
    let target: Result<TargetDrift, String> = decode(target);
    html! {
        (chart::line(&LineChart {
            id: "predictions",
            title,
            unit: Unit::Number,
            period,
            series,
            reference,
            empty: NO_TRAFFIC,
        }))
        @match &target {
            Ok(t) => p.muted.target-drift {
                @match t.drift_score {
                    Some(score) => {
                        "Target drift"
                        @if let Some(name) = &t.target_name { " of " code { (name) } }
                        " against the baseline (" (t.metric) "): " strong { (chart::value_label(score, Unit::Number)) }
                        @if let Some(n) = t.sample_size { " over " (n) " predictions" }
                        "."
                    }
                    None => "No target drift score for this period: no baseline, target drift tracking switched off, or no traffic.",
                }
            },
            Err(e) => p.error { "The target drift could not be read: " (e) },
        }
    }
}

/// Accuracy per bucket, once actuals exist.
fn accuracy(answer: &Result<Value, ApiFailure>, period: (i64, i64)) -> Markup {
    let title = "Accuracy";
    let a: AccuracyOverTime = match decode(answer) {
        Ok(a) => a,
        Err(e) => return chart::failed("accuracy", title, &e),
    };
    if !a.has_actuals() {
        return chart::note(
            "accuracy",
            title,
            "No actuals for this period: accuracy is computed once actuals are submitted \
             for the predictions (actuals/fromJSON/).",
        );
    }
    let points = a
        .buckets
        .iter()
        .filter_map(|b| {
            let v = b.value.filter(|_| b.sample_size.unwrap_or(0) > 0);
            point(&b.period, v)
        })
        .collect();
    let title = format!("Accuracy ({}) per bucket", a.metric);
    chart::line(&LineChart {
        id: "accuracy",
        title: &title,
        unit: Unit::Number,
        period,
        series: vec![Series {
            label: a.metric.clone(),
            points,
        }],
        reference: None,
        empty: "no actuals in this period",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_end_at_the_next_hour() {
        let now = 1_733_500_000_000; // 2024-12-06 15:46:40 UTC
        let (start, end) = window(now, Span::Day);
        assert_eq!(format_utc(end), "2024-12-06T16:00:00Z");
        assert_eq!(end - start, 24 * HOUR_MS);
        assert_eq!(window(now, Span::Hour).0, end - HOUR_MS);
        assert_eq!(Span::parse(Some("7d")), Span::Week);
        assert_eq!(Span::parse(Some("bogus")), Span::Day);
        assert_eq!(Span::parse(None), Span::Day);
    }
}
