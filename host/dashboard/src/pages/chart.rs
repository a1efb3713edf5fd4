//! Charts as inline SVG, rendered here (the CSP allows no script): a line chart over time with
//! axes, tick labels, a title, a legend and one `<circle class="point">` per value carrying a
//! `<title>` tooltip (time and value), and a horizontal bar chart (drift per feature) with a
//! threshold line. Every text goes through maud, so it is escaped; colours are SVG
//! presentation attributes, never `style=`.
//!
//! Each chart is a `<figure class="chart" data-chart="…" data-points="N">` so that a browser
//! test can find it and count its points; an empty, hidden or failed chart is the same figure
//! with `data-points="0"` and a short text instead of the SVG.

use super::format::utc;
use maud::{Markup, html};
use std::fmt::Write as _;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = WIDTH - 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = HEIGHT - 34.0;
/// Series colours, in order.
const PALETTE: [&str; 6] = [
    "#2455c3", "#d9822b", "#a3231b", "#1f6b2a", "#7b3fb5", "#0f8a8a",
];
const REFERENCE_COLOUR: &str = "#6b7280";
const HOUR_MS: i64 = 3_600_000;

/// How values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Whole counts (requests).
    Count,
    /// A share 0..=1, shown as a percentage.
    Ratio,
    /// Milliseconds.
    Millis,
    /// Any number (predictions, accuracy, drift scores).
    Number,
}

/// One value over one bucket `[start_ms, end_ms)`; `None` where the bucket has none.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Bucket start, ms since the epoch.
    pub start_ms: i64,
    /// Bucket end.
    pub end_ms: i64,
    /// The value.
    pub value: Option<f64>,
}

/// A named line.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its legend label.
    pub label: String,
    /// In time order.
    pub points: Vec<Point>,
}

/// A horizontal dashed line (a baseline, a threshold).
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Its legend label.
    pub label: String,
    /// Where it lies.
    pub value: f64,
}

/// A line chart over a period.
pub struct LineChart<'a> {
    /// `data-chart`: requests, errors, latency, predictions, accuracy.
    pub id: &'a str,
    /// The caption.
    pub title: &'a str,
    /// How values read.
    pub unit: Unit,
    /// The period shown, `[start, end)` in ms.
    pub period: (i64, i64),
    /// The lines.
    pub series: Vec<Series>,
    /// An optional reference line.
    pub reference: Option<Reference>,
    /// Shown instead of the chart when no point has a value.
    pub empty: &'a str,
}

/// A line chart, or its empty state when no series has a value.
pub fn line(chart: &LineChart) -> Markup {
    let count: usize = chart
        .series
        .iter()
        .flat_map(|s| &s.points)
        .filter(|p| p.value.is_some_and(f64::is_finite))
        .count();
    if count == 0 {
        return note(chart.id, chart.title, chart.empty);
    }
    let (start, end) = if chart.period.1 > chart.period.0 {
        chart.period
    } else {
        (chart.period.0, chart.period.0 + HOUR_MS)
    };
    let values = chart
        .series
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| p.value)
        .filter(|v| v.is_finite())
        .chain(chart.reference.iter().map(|r| r.value));
    let scale = YScale::new(values, chart.unit);
    let x = |ms: i64| LEFT + (ms - start) as f64 / (end - start) as f64 * (RIGHT - LEFT);
    let y = |v: f64| scale.y(v);
    let x_ticks = time_ticks(start, end);
    html! {
        figure.chart data-chart=(chart.id) data-points=(count) {
            figcaption { (chart.title) }
            svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width=(WIDTH) height=(HEIGHT)
                role="img" aria-label=(chart.title) xmlns="http://www.w3.org/2000/svg" {
                title { (chart.title) }
                (legend(&chart.series, chart.reference.as_ref()))
                g.axis {
                    @for t in &scale.ticks {
                        line.grid x1=(LEFT) x2=(RIGHT) y1=(fmt(y(*t))) y2=(fmt(y(*t)))
                            stroke="#eceef2" {}
                        text.tick x=(LEFT - 6.0) y=(fmt(y(*t) + 4.0)) text-anchor="end"
                            fill="#6b7280" font-size="11" { (tick_label(*t, scale.step, chart.unit)) }
                    }
                    @for (ms, label) in &x_ticks {
                        line x1=(fmt(x(*ms))) x2=(fmt(x(*ms))) y1=(BOTTOM) y2=(BOTTOM + 4.0)
                            stroke="#6b7280" {}
                        text.tick x=(fmt(x(*ms))) y=(BOTTOM + 17.0) text-anchor="middle"
                            fill="#6b7280" font-size="11" { (label) }
                    }
                    line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(BOTTOM) stroke="#6b7280" {}
                    line x1=(LEFT) x2=(RIGHT) y1=(BOTTOM) y2=(BOTTOM) stroke="#6b7280" {}
                    text.axis-label x=(RIGHT) y=(HEIGHT - 4.0) text-anchor="end" fill="#6b7280"
                        font-size="11" { "UTC" }
                }
                @if let Some(r) = &chart.reference {
                    line.reference x1=(LEFT) x2=(RIGHT) y1=(fmt(y(r.value))) y2=(fmt(y(r.value)))
                        stroke=(REFERENCE_COLOUR) stroke-dasharray="5 4" {
                        title { (r.label) ": " (value_label(r.value, chart.unit)) }
                    }
                }
                @for (i, s) in chart.series.iter().enumerate() {
                    @let colour = PALETTE[i % PALETTE.len()];
                    g.series data-series=(s.label) {
                        @for run in runs(&s.points) {
                            @if run.len() > 1 {
                                polyline.line fill="none" stroke=(colour) stroke-width="2"
                                    points=(polyline(&run, &x, &y)) {}
                            }
                        }
                        @for p in &s.points {
                            @if let Some(v) = p.value.filter(|v| v.is_finite()) {
                                circle.point cx=(fmt(x(mid(p)))) cy=(fmt(y(v))) r="3.5"
                                    fill=(colour) {
                                    title { (tooltip(&s.label, p, v, chart.unit)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A bar of [`bars`].
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// What it measures (a feature's name).
    pub label: String,
    /// Its length; `None` draws no bar.
    pub value: Option<f64>,
}

/// Horizontal bars, one per item, with an optional threshold line; a bar at or above the
/// threshold is drawn in red.
pub fn bars(
    id: &str,
    title: &str,
    items: &[Bar],
    threshold: Option<&Reference>,
    empty: &str,
) -> Markup {
    let count = items
        .iter()
        .filter(|b| b.value.is_some_and(f64::is_finite))
        .count();
    if count == 0 {
        return note(id, title, empty);
    }
    let (label_w, row_h, top) = (170.0, 22.0, 30.0);
    let height = top + row_h * items.len() as f64 + 28.0;
    let (x0, x1) = (label_w + 8.0, WIDTH - 70.0);
    let max = items
        .iter()
        .filter_map(|b| b.value)
        .filter(|v| v.is_finite())
        .chain(threshold.map(|t| t.value))
        .fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let x = |v: f64| x0 + v.max(0.0) / max * (x1 - x0);
    html! {
        figure.chart data-chart=(id) data-points=(count) {
            figcaption { (title) }
            svg.chart viewBox={ "0 0 " (WIDTH) " " (fmt(height)) } width=(WIDTH) height=(fmt(height))
                role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                @if let Some(t) = threshold {
                    g.legend {
                        line x1=(LEFT) x2=(LEFT + 18.0) y1="10" y2="10" stroke=(PALETTE[2])
                            stroke-dasharray="5 4" {}
                        text x=(LEFT + 24.0) y="14" font-size="12" fill="#1d2330" {
                            (t.label) ": " (value_label(t.value, Unit::Number))
                        }
                    }
                }
                @for (i, b) in items.iter().enumerate() {
                    @let y = top + row_h * i as f64;
                    @let over = matches!((b.value, threshold), (Some(v), Some(t)) if v >= t.value);
                    text.tick x=(label_w) y=(fmt(y + 15.0)) text-anchor="end" font-size="12"
                        fill="#1d2330" { (short(&b.label, 26)) }
                    @if let Some(v) = b.value.filter(|v| v.is_finite()) {
                        rect class=(if over { "bar over" } else { "bar" }) x=(x0) y=(fmt(y + 4.0))
                            width=(fmt((x(v) - x0).max(1.0))) height=(row_h - 8.0)
                            fill=(if over { PALETTE[2] } else { PALETTE[0] }) {
                            title { (b.label) ": " (value_label(v, Unit::Number)) }
                        }
                        text x=(fmt(x(v) + 4.0)) y=(fmt(y + 15.0)) font-size="11" fill="#1d2330" {
                            (value_label(v, Unit::Number))
                        }
                    } @else {
                        text x=(x0) y=(fmt(y + 15.0)) font-size="11" fill="#6b7280" { "no score" }
                    }
                }
                @if let Some(t) = threshold {
                    line.reference x1=(fmt(x(t.value))) x2=(fmt(x(t.value))) y1=(top)
                        y2=(fmt(top + row_h * items.len() as f64)) stroke=(PALETTE[2])
                        stroke-dasharray="5 4" {}
                }
                line x1=(x0) x2=(x0) y1=(top) y2=(fmt(top + row_h * items.len() as f64))
                    stroke="#6b7280" {}
            }
        }
    }
}

/// The figure of a chart with no SVG: empty (no data) or hidden, with why.
pub fn note(id: &str, title: &str, message: &str) -> Markup {
    html! {
        figure.chart.empty data-chart=(id) data-points="0" {
            figcaption { (title) }
            p.muted { (message) }
        }
    }
}

/// The figure of a chart whose call failed: the rest of the page is shown.
pub fn failed(id: &str, title: &str, message: &str) -> Markup {
    html! {
        figure.chart.failed data-chart=(id) data-points="0" data-error="true" {
            figcaption { (title) }
            p.error role="status" { "Could not load this chart: " (message) }
        }
    }
}

fn legend(series: &[Series], reference: Option<&Reference>) -> Markup {
    let mut x = LEFT;
    let mut items = Vec::new();
    for (i, s) in series.iter().enumerate() {
        items.push((x, s.label.as_str(), PALETTE[i % PALETTE.len()], false));
        x += 34.0 + 7.0 * s.label.chars().count().min(30) as f64;
    }
    if let Some(r) = reference {
        items.push((x, r.label.as_str(), REFERENCE_COLOUR, true));
    }
    html! {
        g.legend {
            @for (x, label, colour, dashed) in items {
                line x1=(fmt(x)) x2=(fmt(x + 18.0)) y1="10" y2="10" stroke=(colour)
                    stroke-width="3" stroke-dasharray=[dashed.then_some("5 4")] {}
                text x=(fmt(x + 24.0)) y="14" font-size="12" fill="#1d2330" { (label) }
            }
        }
    }
}

/// The y axis: from 0 (or the lowest value, if negative) to a round number above the highest.
struct YScale {
    lo: f64,
    hi: f64,
    step: f64,
    ticks: Vec<f64>,
}

impl YScale {
    fn new(values: impl Iterator<Item = f64>, unit: Unit) -> Self {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if unit != Unit::Number || lo > 0.0 {
            lo = lo.min(0.0);
        }
        if hi <= lo {
            hi = lo + if unit == Unit::Ratio { 0.01 } else { 1.0 };
        }
        let mut step = nice((hi - lo) / 4.0);
        if unit == Unit::Count {
            step = step.max(1.0);
        }
        let lo = (lo / step).floor() * step;
        let hi = (hi / step).ceil() * step;
        let n = ((hi - lo) / step).round() as usize;
        let ticks = (0..=n).map(|i| lo + step * i as f64).collect();
        YScale {
            lo,
            hi,
            step,
            ticks,
        }
    }

    fn y(&self, v: f64) -> f64 {
        BOTTOM - (v - self.lo) / (self.hi - self.lo) * (BOTTOM - TOP)
    }
}

/// 1, 2 or 5 times a power of ten, at least `x`.
fn nice(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    let f = x / power;
    let n = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * power
}

/// At most 7 ticks on whole hours (or days), labelled `HH:MM` (or `MM-DD`).
fn time_ticks(start: i64, end: i64) -> Vec<(i64, String)> {
    let span_h = ((end - start) as f64 / HOUR_MS as f64).max(1.0);
    let step_h = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720]
        .into_iter()
        .find(|s| span_h / *s as f64 <= 6.0)
        .unwrap_or(720);
    let step = step_h * HOUR_MS;
    let mut t = start.div_euclid(step) * step;
    if t < start {
        t += step;
    }
    let mut ticks = Vec::new();
    while t <= end && ticks.len() < 12 {
        let text = utc(t);
        let label = if step_h < 24 {
            text[11..16].to_owned()
        } else {
            text[5..10].to_owned()
        };
        ticks.push((t, label));
        t += step;
    }
    ticks
}

fn mid(p: &Point) -> i64 {
    if p.end_ms > p.start_ms {
        p.start_ms + (p.end_ms - p.start_ms) / 2
    } else {
        p.start_ms
    }
}

/// The runs of consecutive points that have a value (a gap breaks the line).
fn runs(points: &[Point]) -> Vec<Vec<(i64, f64)>> {
    let mut out: Vec<Vec<(i64, f64)>> = vec![Vec::new()];
    for p in points {
        match p.value.filter(|v| v.is_finite()) {
            Some(v) => out.last_mut().expect("one run").push((mid(p), v)),
            None if out.last().is_some_and(|r| !r.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

fn polyline(run: &[(i64, f64)], x: &impl Fn(i64) -> f64, y: &impl Fn(f64) -> f64) -> String {
    let mut s = String::new();
    for (i, (ms, v)) in run.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{},{}", fmt(x(*ms)), fmt(y(*v)));
    }
    s
}

fn tooltip(series: &str, p: &Point, v: f64, unit: Unit) -> String {
    let end = utc(p.end_ms);
    let same_day = utc(p.start_ms)[..10] == end[..10];
    format!(
        "{series}: {} · {} – {}",
        value_label(v, unit),
        utc(p.start_ms),
        if same_day { &end[11..] } else { &end[..] }
    )
}

/// A value as a tooltip shows it.
pub fn value_label(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count if v.fract() == 0.0 => format!("{v:.0}"),
        Unit::Count => format!("{v:.1}"),
        Unit::Ratio => format!("{:.2}%", v * 100.0),
        Unit::Millis if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Unit::Millis => format!("{} ms", significant(v)),
        Unit::Number => significant(v),
    }
}

/// A tick label, with as many decimals as the step needs.
fn tick_label(v: f64, step: f64, unit: Unit) -> String {
    let decimals = |step: f64| -> usize {
        if step >= 1.0 {
            0
        } else {
            (-step.log10().floor()) as usize
        }
    };
    match unit {
        Unit::Ratio => format!("{:.*}%", decimals(step * 100.0), v * 100.0),
        Unit::Millis if step >= 1000.0 => format!("{:.*} s", decimals(step / 1000.0), v / 1000.0),
        Unit::Millis => format!("{:.*} ms", decimals(step), v),
        Unit::Count | Unit::Number => format!("{:.*}", decimals(step), v),
    }
}

/// Four significant digits, without trailing zeros.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A coordinate with at most one decimal.
fn fmt(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hourly(values: &[Option<f64>]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                start_ms: i as i64 * HOUR_MS,
                end_ms: (i as i64 + 1) * HOUR_MS,
                value: *v,
            })
            .collect()
    }

    fn chart<'a>(series: Vec<Series>) -> LineChart<'a> {
        LineChart {
            id: "latency",
            title: "Latency",
            unit: Unit::Millis,
            period: (0, 4 * HOUR_MS),
            series,
            reference: None,
            empty: "no traffic in this period",
        }
    }

    #[test]
    fn one_point_per_value_with_a_tooltip_and_gaps_break_the_line() {
        let points = hourly(&[Some(1.0), None, Some(3.0), Some(4.5)]);
        let html = line(&chart(vec![Series {
            label: "p50".into(),
            points,
        }]))
        .into_string();
        assert!(
            html.contains("data-chart=\"latency\" data-points=\"3\""),
            "{html}"
        );
        assert_eq!(html.matches("<circle class=\"point\"").count(), 3);
        assert_eq!(
            html.matches("<polyline").count(),
            1,
            "the gap splits the line"
        );
        assert!(html.contains("<title>p50: 4.5 ms · 1970-01-01 03:00 UTC – 04:00 UTC</title>"));
        assert!(!html.contains("style="));
    }

    #[test]
    fn no_values_is_the_empty_state() {
        let html = line(&chart(vec![Series {
            label: "p50".into(),
            points: hourly(&[None, None]),
        }]))
        .into_string();
        assert!(html.contains("data-points=\"0\""));
        assert!(html.contains("no traffic in this period"));
        assert!(!html.contains("<svg"));
    }

    #[test]
    fn labels_are_escaped() {
        let html = line(&chart(vec![Series {
            label: "<script>x</script>".into(),
            points: hourly(&[Some(1.0)]),
        }]))
        .into_string();
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn scales_and_labels() {
        assert_eq!(nice(0.3), 0.5);
        assert_eq!(nice(7.0), 10.0);
        assert_eq!(nice(120.0), 200.0);
        let s = YScale::new([3.0, 17.0].into_iter(), Unit::Count);
        assert_eq!((s.lo, s.hi, s.step), (0.0, 20.0, 5.0));
        assert_eq!(value_label(0.0123, Unit::Ratio), "1.23%");
        assert_eq!(value_label(1234.0, Unit::Millis), "1.23 s");
        assert_eq!(value_label(12.3456, Unit::Millis), "12.35 ms");
        assert_eq!(value_label(42.0, Unit::Count), "42");
        assert_eq!(significant(0.000123456), "0.0001235");
        let ticks = time_ticks(0, 24 * HOUR_MS);
        assert_eq!(ticks.first().unwrap().1, "00:00");
        assert!(ticks.len() <= 7);
        assert_eq!(time_ticks(0, 7 * 24 * HOUR_MS)[1].1, "01-03");
    }

    #[test]
    fn bars_mark_what_is_over_the_threshold() {
        let items = [
            Bar {
                label: "age".into(),
                value: Some(0.3),
            },
            Bar {
                label: "income".into(),
                value: Some(0.05),
            },
            Bar {
                label: "zip".into(),
                value: None,
            },
        ];
        let threshold = Reference {
            label: "threshold".into(),
            value: 0.15,
        };
        let html = bars("drift", "Drift", &items, Some(&threshold), "none").into_string();
        assert!(html.contains("data-points=\"2\""));
        assert_eq!(html.matches("class=\"bar over\"").count(), 1);
        assert_eq!(html.matches("class=\"bar\"").count(), 1);
        assert!(html.contains("no score"));
    }
}
