//! Query strings as the `datarobot` Python client sends them, parsed into typed values.
//!
//! The client sends camelCase names with Python-style values (DATAROBOT.md §0.9, §2.1):
//! timestamps from `isoformat()` with the `+` of the offset percent-encoded
//! (`start=2024-01-01T00%3A00%3A00%2B00%3A00`), booleans as `True`/`False`, lists as repeated
//! keys (`modelId=a&modelId=b`) and the list filters of `GET /deployments/` comma-joined
//! (`serviceHealth=warning,failing`).
//!
//! Rules shared by every parser here:
//! - A parameter this module does not know is ignored (the client sends extras such as
//!   `batchId`); a known one with a bad value is a [`ParamError`] naming it.
//! - A single-valued parameter given twice takes its first value.
//! - Periods are half-open, `[start, end)`, in UTC milliseconds, and both ends lie on the top
//!   of an hour.

use std::fmt;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// The most buckets an over-time query may ask for; more is a [`ParamError`] on `bucketSize`
/// (a guard against `PT1H` over centuries).
pub const MAX_BUCKETS: usize = 10_000;

/// A query parameter that is known but has a bad value.
///
/// `Display` renders `"<parameter>: <message>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's wire name, e.g. `start` or `bucketSize`.
    pub parameter: String,
    /// What is wrong with the value, naming the value.
    pub message: String,
}

impl ParamError {
    /// A new error for `parameter`.
    pub fn new(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        ParamError {
            parameter: parameter.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.parameter, self.message)
    }
}

impl std::error::Error for ParamError {}

// ---------------------------------------------------------------------------------------------
// Raw query strings
// ---------------------------------------------------------------------------------------------

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` component: `%XX` is the byte `XX` (so
/// `%2B` is `+`) and a literal `+` is a space.
///
/// A `%` not followed by two hex digits is kept as it is; bytes that are not UTF-8 after
/// decoding become U+FFFD.
pub fn decode_component(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes `value` for a query string: everything but the RFC 3986 unreserved
/// characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, so `+` is sent as `%2B` and a space as
/// `%20`. [`decode_component`] reverses it.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds a query string (without the leading `?`) from ordered pairs, each part encoded with
/// [`encode_component`].
pub fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A decoded query string: ordered `(name, value)` pairs, repeated names kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Splits `raw` (with or without a leading `?`) on `&`, then each part on its first `=`,
    /// and decodes both sides with [`decode_component`]. Empty parts (`a=1&&b=2`) are skipped;
    /// a part without `=` is a name with an empty value.
    pub fn parse(raw: &str) -> Query {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        let pairs = raw
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| match part.split_once('=') {
                Some((k, v)) => (decode_component(k), decode_component(v)),
                None => (decode_component(part), String::new()),
            })
            .collect();
        Query { pairs }
    }

    /// The decoded pairs, in the order they arrived.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value of `name`, if any.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every value of `name`, each split on `,`, blanks dropped: both
    /// `serviceHealth=warning,failing` and `serviceHealth=warning&serviceHealth=failing` give
    /// `["warning", "failing"]`.
    pub fn comma_list(&self, name: &str) -> Vec<&str> {
        self.all(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps and periods
// ---------------------------------------------------------------------------------------------

/// Formats UTC milliseconds as RFC 3339 with `Z`, to the second: `2024-01-01T00:00:00Z`.
/// Out-of-range values (beyond chrono's years) are clamped to its range.
pub fn format_timestamp(ms: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    });
    dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses a timestamp the way the client sends it into UTC milliseconds.
///
/// Accepted: RFC 3339 with any offset (`2024-01-01T00:00:00+00:00`, `…Z`, `…+02:00`,
/// fractional seconds such as `.000000`, a space instead of `T`), a naive date-time (no
/// offset, taken as UTC, as the client does), and a bare date (`2024-01-01`, midnight UTC).
/// A `+` that arrived unencoded has been decoded to a space; a trailing ` HH:MM` offset is
/// therefore read as `+HH:MM`.
pub fn parse_timestamp(parameter: &str, value: &str) -> Result<i64, ParamError> {
    let trimmed = value.trim_start();
    let repaired = repair_unencoded_plus(trimmed);
    let v = repaired.as_str();
    let bad = || {
        ParamError::new(
            parameter,
            format!(
                "{value:?} is not a timestamp: expected RFC 3339, e.g. 2024-01-01T00:00:00Z or \
                 2024-01-01T00:00:00+00:00"
            ),
        )
    };
    if v.is_empty() {
        return Err(bad());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(v) {
        return Ok(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(v, fmt) {
            return Ok(naive.and_utc().timestamp_millis());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let naive = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
        return Ok(naive.and_utc().timestamp_millis());
    }
    Err(bad())
}

/// `2024-01-01T00:00:00 02:00` → `2024-01-01T00:00:00+02:00` (a `+` sent unencoded).
fn repair_unencoded_plus(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() > 6 && b[b.len() - 6] == b' ' {
        let tail = &b[b.len() - 5..];
        let digits = |x: &[u8]| x.iter().all(u8::is_ascii_digit);
        if digits(&tail[..2]) && tail[2] == b':' && digits(&tail[3..]) && b.len() > 16 {
            let mut s = v[..v.len() - 6].to_string();
            s.push('+');
            s.push_str(&v[v.len() - 5..]);
            return s;
        }
    }
    v.to_string()
}

/// Parses a timestamp that must lie on the top of an hour in UTC (as `start` and `end` must).
pub fn parse_hour_timestamp(parameter: &str, value: &str) -> Result<i64, ParamError> {
    let ms = parse_timestamp(parameter, value)?;
    if ms.rem_euclid(HOUR_MS) != 0 {
        return Err(ParamError::new(
            parameter,
            format!(
                "{} is not on the hour: monitoring periods start and end on the hour (UTC)",
                format_utc_exact(ms)
            ),
        ));
    }
    Ok(ms)
}

/// Like [`format_timestamp`] but keeps milliseconds when there are any, for messages.
fn format_utc_exact(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) if ms.rem_euclid(1000) != 0 => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        _ => format_timestamp(ms),
    }
}

/// The next top of the hour strictly after `now_ms`: the default `end`.
///
/// Strictly after, so that the current hour (whose data is still arriving) is included even
/// when `now_ms` is exactly on the hour: at 10:00:00.000 the default end is 11:00.
pub fn next_top_of_hour(now_ms: i64) -> i64 {
    (now_ms.div_euclid(HOUR_MS) + 1) * HOUR_MS
}

/// A monitoring period, `[start_ms, end_ms)` in UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// Inclusive start, UTC milliseconds.
    pub start_ms: i64,
    /// Exclusive end, UTC milliseconds.
    pub end_ms: i64,
}

impl Period {
    /// A period from its two ends (not checked; see [`Period::parse`]).
    pub fn new(start_ms: i64, end_ms: i64) -> Self {
        Period { start_ms, end_ms }
    }

    /// `start` and `end` from the query, each on the hour; `end` defaults to
    /// [`next_top_of_hour`]`(now_ms)` and `start` to `end` − 7 days. `start` must be before
    /// `end` (the error names `start`).
    pub fn parse(query: &Query, now_ms: i64) -> Result<Period, ParamError> {
        let end_ms = match query.first("end") {
            Some(v) => parse_hour_timestamp("end", v)?,
            None => next_top_of_hour(now_ms),
        };
        let start_ms = match query.first("start") {
            Some(v) => parse_hour_timestamp("start", v)?,
            None => end_ms - 7 * DAY_MS,
        };
        if start_ms >= end_ms {
            return Err(ParamError::new(
                "start",
                format!(
                    "{} is not before end {}",
                    format_timestamp(start_ms),
                    format_timestamp(end_ms)
                ),
            ));
        }
        Ok(Period { start_ms, end_ms })
    }

    /// The length in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }

    /// Whether `at_ms` lies in `[start, end)`.
    pub fn contains(&self, at_ms: i64) -> bool {
        self.start_ms <= at_ms && at_ms < self.end_ms
    }

    /// `{"start": "2024-01-01T00:00:00Z", "end": "2024-01-08T00:00:00Z"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "start": format_timestamp(self.start_ms),
            "end": format_timestamp(self.end_ms),
        })
    }

    /// Splits the period into buckets of `size`, starting at `start` and stepping by `size`
    /// (for [`BucketSize::Month`], by calendar months from `start`, the day of the month
    /// clamped to the month's length: Jan 31 → Feb 29 → Mar 31). The buckets tile the period
    /// exactly: the last one is clipped to `end` when the size does not divide the period.
    pub fn buckets(&self, size: BucketSize) -> Vec<Period> {
        let mut out = Vec::new();
        let mut k: u32 = 0;
        let mut start = self.start_ms;
        while start < self.end_ms {
            let next = match size.step_from(self.start_ms, k + 1) {
                Some(n) if n > start => n.min(self.end_ms),
                _ => self.end_ms,
            };
            out.push(Period::new(start, next));
            start = next;
            k += 1;
        }
        out
    }

    /// How many buckets [`Period::buckets`] would make, without making them.
    pub fn bucket_count(&self, size: BucketSize) -> usize {
        match size {
            BucketSize::Hours(h) => {
                let len = i64::from(h.max(1)) * HOUR_MS;
                usize::try_from((self.duration_ms() + len - 1) / len).unwrap_or(usize::MAX)
            }
            BucketSize::Month => {
                let months = |ms: i64| {
                    DateTime::<Utc>::from_timestamp_millis(ms)
                        .map(|d| i64::from(d.year()) * 12 + i64::from(d.month0()))
                        .unwrap_or(0)
                };
                usize::try_from(months(self.end_ms) - months(self.start_ms) + 1)
                    .unwrap_or(usize::MAX)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bucket sizes
// ---------------------------------------------------------------------------------------------

/// A bucket size: a whole number of hours, or one calendar month (`P1M`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BucketSize {
    /// A fixed length of this many hours (≥ 1): `PT1H` is 1, `P1D` is 24, `P7D` is 168.
    Hours(u32),
    /// One calendar month (`P1M`).
    Month,
}

impl BucketSize {
    /// `start_ms` advanced by `k` buckets; `None` when out of chrono's range.
    fn step_from(self, start_ms: i64, k: u32) -> Option<i64> {
        match self {
            BucketSize::Hours(h) => start_ms.checked_add(
                i64::from(h)
                    .checked_mul(HOUR_MS)?
                    .checked_mul(i64::from(k))?,
            ),
            BucketSize::Month => {
                let start = Utc.timestamp_millis_opt(start_ms).single()?;
                Some(start.checked_add_months(Months::new(k))?.timestamp_millis())
            }
        }
    }

    /// The fixed length in milliseconds, `None` for [`BucketSize::Month`].
    pub fn fixed_ms(self) -> Option<i64> {
        match self {
            BucketSize::Hours(h) => Some(i64::from(h) * HOUR_MS),
            BucketSize::Month => None,
        }
    }

    /// The canonical ISO 8601 spelling: `PT5H`, `P1D`, `P1DT12H`, `P1M`.
    pub fn to_iso8601(self) -> String {
        match self {
            BucketSize::Month => "P1M".to_string(),
            BucketSize::Hours(h) if h % 24 == 0 => format!("P{}D", h / 24),
            BucketSize::Hours(h) if h > 24 => format!("P{}DT{}H", h / 24, h % 24),
            BucketSize::Hours(h) => format!("PT{h}H"),
        }
    }

    /// The default when `bucketSize` is absent: `PT1H` for a period of at most 2 days, `P1D`
    /// for at most 90 days, `P7D` beyond.
    pub fn default_for(period: &Period) -> BucketSize {
        let len = period.duration_ms();
        if len <= 2 * DAY_MS {
            BucketSize::Hours(1)
        } else if len <= 90 * DAY_MS {
            BucketSize::Hours(24)
        } else {
            BucketSize::Hours(24 * 7)
        }
    }
}

/// The parts of an ISO 8601 duration `PnYnMnWnDTnHnMnS` (whole numbers only).
#[derive(Default)]
struct IsoDuration {
    years: u64,
    months: u64,
    /// Weeks, days, hours, minutes and seconds, as seconds.
    seconds: u64,
}

fn parse_iso_duration(value: &str) -> Option<IsoDuration> {
    let rest = value.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return None;
            }
            (d, Some(t))
        }
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut d = IsoDuration::default();
    let mut parse_part = |part: &str, units: &[(char, u64)], is_date: bool| -> Option<()> {
        let mut num = String::new();
        let mut last_unit = 0usize;
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let idx = units.iter().position(|(u, _)| *u == c)?;
            if num.is_empty() || idx < last_unit {
                return None;
            }
            last_unit = idx + 1;
            let n: u64 = num.parse().ok()?;
            num.clear();
            match (is_date, c) {
                (true, 'Y') => d.years = d.years.checked_add(n)?,
                (true, 'M') => d.months = d.months.checked_add(n)?,
                _ => {
                    let secs = n.checked_mul(units[idx].1)?;
                    d.seconds = d.seconds.checked_add(secs)?;
                }
            }
        }
        num.is_empty().then_some(())
    };
    parse_part(
        date,
        &[('Y', 0), ('M', 0), ('W', 7 * 86_400), ('D', 86_400)],
        true,
    )?;
    if let Some(t) = time {
        parse_part(t, &[('H', 3_600), ('M', 60), ('S', 1)], false)?;
    }
    Some(d)
}

/// Parses a `bucketSize` that must be a whole multiple of an hour (`PT1H`, `PT2H`, `P1D`,
/// `P7D`, `P1DT12H`, `PT24H`, `PT90M` is rejected) and no longer than `period`; the error
/// names `bucketSize`. Calendar units (`P1M`, `P1Y`) are rejected: their length varies.
/// The period must also not split into more than [`MAX_BUCKETS`] buckets.
pub fn parse_bucket_size_hours_multiple(
    value: &str,
    period: &Period,
) -> Result<BucketSize, ParamError> {
    let err = |why: &str| ParamError::new("bucketSize", format!("{value:?} {why}"));
    let d = parse_iso_duration(value)
        .ok_or_else(|| err("is not an ISO 8601 duration such as PT1H, P1D or P7D"))?;
    if d.years != 0 || d.months != 0 {
        return Err(err(
            "uses calendar years or months, which are not a whole number of hours",
        ));
    }
    if d.seconds == 0 || d.seconds % 3_600 != 0 {
        return Err(err("is not a whole multiple of one hour"));
    }
    let hours = u32::try_from(d.seconds / 3_600).map_err(|_| err("is too long"))?;
    let size = BucketSize::Hours(hours);
    if i64::from(hours) * HOUR_MS > period.duration_ms() {
        return Err(err(&format!(
            "is longer than the period ({} to {})",
            format_timestamp(period.start_ms),
            format_timestamp(period.end_ms)
        )));
    }
    check_bucket_count(size, period, value)?;
    Ok(size)
}

/// Parses the `bucketSize` enum of `predictionsOverTime` and `predictionsVsActualsOverTime`:
/// exactly `PT1H`, `P1D`, `P7D` or `P1M`.
pub fn parse_bucket_enum(value: &str) -> Result<BucketSize, ParamError> {
    match value {
        "PT1H" => Ok(BucketSize::Hours(1)),
        "P1D" => Ok(BucketSize::Hours(24)),
        "P7D" => Ok(BucketSize::Hours(24 * 7)),
        "P1M" => Ok(BucketSize::Month),
        _ => Err(ParamError::new(
            "bucketSize",
            format!("{value:?} is not one of PT1H, P1D, P7D, P1M"),
        )),
    }
}

fn check_bucket_count(size: BucketSize, period: &Period, value: &str) -> Result<(), ParamError> {
    let n = period.bucket_count(size);
    if n > MAX_BUCKETS {
        return Err(ParamError::new(
            "bucketSize",
            format!(
                "{value:?} splits the period into {n} buckets; at most {MAX_BUCKETS} are allowed"
            ),
        ));
    }
    Ok(())
}

/// `bucketSize` for routes that take any multiple of an hour, or the default.
fn bucket_hours_or_default(query: &Query, period: &Period) -> Result<BucketSize, ParamError> {
    match query.first("bucketSize") {
        Some(v) => parse_bucket_size_hours_multiple(v, period),
        None => {
            let size = BucketSize::default_for(period);
            check_bucket_count(size, period, &size.to_iso8601())?;
            Ok(size)
        }
    }
}

/// `bucketSize` for the enum routes, or the default.
fn bucket_enum_or_default(query: &Query, period: &Period) -> Result<BucketSize, ParamError> {
    let (size, text) = match query.first("bucketSize") {
        Some(v) => (parse_bucket_enum(v)?, v.to_string()),
        None => {
            let size = BucketSize::default_for(period);
            (size, size.to_iso8601())
        }
    };
    check_bucket_count(size, period, &text)?;
    Ok(size)
}

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/// Parses `True`, `False`, `true` or `false`.
pub fn parse_bool(parameter: &str, value: &str) -> Result<bool, ParamError> {
    match value {
        "True" | "true" => Ok(true),
        "False" | "false" => Ok(false),
        _ => Err(ParamError::new(
            parameter,
            format!("{value:?} is not a boolean: expected True, False, true or false"),
        )),
    }
}

/// Parses a quantile in `(0, 1]`.
pub fn parse_quantile(parameter: &str, value: &str) -> Result<f64, ParamError> {
    match value.trim().parse::<f64>() {
        Ok(q) if q.is_finite() && q > 0.0 && q <= 1.0 => Ok(q),
        _ => Err(ParamError::new(
            parameter,
            format!("{value:?} is not a number greater than 0 and at most 1"),
        )),
    }
}

/// Parses a non-negative integer; `10.0` is accepted as 10 (as the client's `Int` does),
/// `10.5` is not.
pub fn parse_uint(parameter: &str, value: &str) -> Result<u64, ParamError> {
    let v = value.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Ok(n);
    }
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(f as u64),
        _ => Err(ParamError::new(
            parameter,
            format!("{value:?} is not a non-negative integer"),
        )),
    }
}

/// Parses a positive integer (≥ 1).
pub fn parse_positive_int(parameter: &str, value: &str) -> Result<u64, ParamError> {
    match parse_uint(parameter, value) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ParamError::new(
            parameter,
            format!("{value:?} is not a positive integer"),
        )),
    }
}

fn opt<T>(
    query: &Query,
    name: &str,
    parse: impl Fn(&str, &str) -> Result<T, ParamError>,
) -> Result<Option<T>, ParamError> {
    query.first(name).map(|v| parse(name, v)).transpose()
}

/// A non-empty string parameter (e.g. `modelId`).
fn non_empty(parameter: &str, value: &str) -> Result<String, ParamError> {
    if value.trim().is_empty() {
        Err(ParamError::new(parameter, "must not be empty"))
    } else {
        Ok(value.to_string())
    }
}

fn all_non_empty(query: &Query, name: &str) -> Result<Vec<String>, ParamError> {
    query
        .all(name)
        .into_iter()
        .map(|v| non_empty(name, v))
        .collect()
}

/// `offset` (default 0) and `limit` (1..=100, default `default_limit`).
fn offset_limit(query: &Query, default_limit: u64) -> Result<(u64, u64), ParamError> {
    let offset = opt(query, "offset", parse_uint)?.unwrap_or(0);
    let limit = opt(query, "limit", parse_uint)?.unwrap_or(default_limit);
    if !(1..=100).contains(&limit) {
        return Err(ParamError::new(
            "limit",
            format!("{limit} is not between 1 and 100"),
        ));
    }
    Ok((offset, limit))
}

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($variant:ident => $wire:literal),+ $(,)? }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
        $(#[$meta])*
        pub enum $name {
            $(#[doc = concat!("`", $wire, "`")] #[schema(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in the API's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The value spelled exactly `value`, if any.
            pub fn from_wire(value: &str) -> Option<$name> {
                match value { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// Parses `value` as the parameter `parameter`; the error lists the allowed values.
            pub fn parse(parameter: &str, value: &str) -> Result<$name, ParamError> {
                Self::from_wire(value).ok_or_else(|| {
                    let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    ParamError::new(
                        parameter,
                        format!("{value:?} is not one of {}", allowed.join(", ")),
                    )
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// The service-health metrics of `serviceStats` and `serviceStatsOverTime`.
    #[schema(as = DataRobotServiceStatsMetric)]
    pub enum ServiceStatsMetric {
        TotalPredictions => "totalPredictions",
        TotalRequests => "totalRequests",
        SlowRequests => "slowRequests",
        ExecutionTime => "executionTime",
        ResponseTime => "responseTime",
        UserErrorRate => "userErrorRate",
        ServerErrorRate => "serverErrorRate",
        NumConsumers => "numConsumers",
        CacheHitRatio => "cacheHitRatio",
        MedianLoad => "medianLoad",
        PeakLoad => "peakLoad",
    }
}

impl ServiceStatsMetric {
    /// Whether the metric is a count (sent as a JSON integer).
    pub fn is_count(self) -> bool {
        matches!(
            self,
            ServiceStatsMetric::TotalPredictions
                | ServiceStatsMetric::TotalRequests
                | ServiceStatsMetric::SlowRequests
                | ServiceStatsMetric::NumConsumers
        )
    }
}

wire_enum! {
    /// The drift metrics, snake_case as every route but `featureDriftOverSpace` spells them.
    #[schema(as = DataRobotDriftMetric)]
    pub enum DriftMetric {
        Psi => "psi",
        KlDivergence => "kl_divergence",
        Hellinger => "hellinger",
        Dissimilarity => "dissimilarity",
        JsDivergence => "js_divergence",
    }
}

wire_enum! {
    /// The 29 accuracy metric names of `accuracyOverTime` (DATAROBOT.md §2.6), exact spelling.
    #[schema(as = DataRobotAccuracyMetric)]
    pub enum AccuracyMetric {
        Auc => "AUC",
        Accuracy => "Accuracy",
        BalancedAccuracy => "Balanced Accuracy",
        F1 => "F1",
        Fpr => "FPR",
        FveBinomial => "FVE Binomial",
        FveGamma => "FVE Gamma",
        FveMultinomial => "FVE Multinomial",
        FvePoisson => "FVE Poisson",
        FveTweedie => "FVE Tweedie",
        GammaDeviance => "Gamma Deviance",
        GiniNorm => "Gini Norm",
        KolmogorovSmirnov => "Kolmogorov-Smirnov",
        LogLoss => "LogLoss",
        Mad => "MAD",
        Mae => "MAE",
        Mape => "MAPE",
        Mcc => "MCC",
        Npv => "NPV",
        Ppv => "PPV",
        PoissonDeviance => "Poisson Deviance",
        RSquared => "R Squared",
        Rmse => "RMSE",
        Rmsle => "RMSLE",
        RateTop10 => "Rate@Top10%",
        RateTop5 => "Rate@Top5%",
        Tnr => "TNR",
        Tpr => "TPR",
        TweedieDeviance => "Tweedie Deviance",
    }
}

impl AccuracyMetric {
    /// Whether client 3.0.x accepts the name as a key of `accuracy.metrics` (its 25
    /// `ACCURACY_METRIC` names: all but `FPR`, `NPV`, `TNR` and `FVE Multinomial`).
    pub fn in_client_metrics_map(self) -> bool {
        !matches!(
            self,
            AccuracyMetric::Fpr
                | AccuracyMetric::Npv
                | AccuracyMetric::Tnr
                | AccuracyMetric::FveMultinomial
        )
    }
}

wire_enum! {
    /// The segment attributes Plinth can derive from traffic.
    #[schema(as = DataRobotSegmentAttribute)]
    pub enum SegmentAttribute {
        Consumer => "DataRobot-Consumer",
        RemoteIp => "DataRobot-Remote-IP",
        HostIp => "DataRobot-Host-IP",
    }
}

wire_enum! {
    /// A health status (`serviceHealth`, `modelHealth`, `accuracyHealth`).
    #[schema(as = DataRobotHealthStatus)]
    pub enum HealthStatus {
        Failing => "failing",
        NotStarted => "not_started",
        Passing => "passing",
        Unavailable => "unavailable",
        Unknown => "unknown",
        Warning => "warning",
    }
}

wire_enum! {
    /// A deployment's importance.
    #[schema(as = DataRobotImportance)]
    pub enum Importance {
        Critical => "CRITICAL",
        High => "HIGH",
        Moderate => "MODERATE",
        Low => "LOW",
    }
}

wire_enum! {
    /// A deployment's status (Plinth itself reports only `active` and `inactive`).
    #[schema(as = DataRobotDeploymentStatus)]
    pub enum DeploymentStatus {
        Active => "active",
        Archived => "archived",
        Errored => "errored",
        Inactive => "inactive",
        Launching => "launching",
        ReplacingModel => "replacingModel",
        Stopping => "stopping",
    }
}

wire_enum! {
    /// The fields `GET /deployments/` can be ordered by.
    #[schema(as = DataRobotOrderField)]
    pub enum OrderField {
        Label => "label",
        ServiceHealth => "serviceHealth",
        ModelHealth => "modelHealth",
        AccuracyHealth => "accuracyHealth",
        RecentPredictions => "recentPredictions",
        LastPredictionTimestamp => "lastPredictionTimestamp",
        CurrentModelDeployedTimestamp => "currentModelDeployedTimestamp",
        CreatedAtTimestamp => "createdAtTimestamp",
        Importance => "importance",
        FairnessHealth => "fairnessHealth",
        CustomMetricsHealth => "customMetricsHealth",
        ActualsTimelinessHealth => "actualsTimelinessHealth",
        PredictionsTimelinessHealth => "predictionsTimelinessHealth",
    }
}

/// `orderBy`: a field, descending when written with a leading `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderBy {
    /// The field.
    pub field: OrderField,
    /// `true` for `-field`.
    pub descending: bool,
}

impl OrderBy {
    /// Parses `label` or `-label` (the error names `orderBy`).
    pub fn parse(value: &str) -> Result<OrderBy, ParamError> {
        let (descending, name) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        Ok(OrderBy {
            field: OrderField::parse("orderBy", name)?,
            descending,
        })
    }

    /// The wire spelling, `-label` when descending.
    pub fn to_wire(self) -> String {
        if self.descending {
            format!("-{}", self.field.as_str())
        } else {
            self.field.as_str().to_string()
        }
    }
}

/// A requested segment: `segmentAttribute` and, optionally, `segmentValue` (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The attribute.
    pub attribute: SegmentAttribute,
    /// The value, `None` when `segmentValue` was not sent.
    pub value: Option<String>,
}

impl Segment {
    /// `segmentAttribute`/`segmentValue`; `segmentValue` without `segmentAttribute` is an error
    /// naming `segmentValue`.
    pub fn parse(query: &Query) -> Result<Option<Segment>, ParamError> {
        let value = query.first("segmentValue").map(str::to_string);
        match query.first("segmentAttribute") {
            Some(a) => Ok(Some(Segment {
                attribute: SegmentAttribute::parse("segmentAttribute", a)?,
                value,
            })),
            None if value.is_some() => Err(ParamError::new(
                "segmentValue",
                "is only allowed together with segmentAttribute",
            )),
            None => Ok(None),
        }
    }

    /// The pairs to repeat in a `next` link.
    fn push_pairs(&self, pairs: &mut Vec<(String, String)>) {
        pairs.push(("segmentAttribute".into(), self.attribute.as_str().into()));
        if let Some(v) = &self.value {
            pairs.push(("segmentValue".into(), v.clone()));
        }
    }
}

fn list_of<T>(
    query: &Query,
    name: &str,
    parse: impl Fn(&str, &str) -> Result<T, ParamError>,
) -> Result<Vec<T>, ParamError> {
    query
        .comma_list(name)
        .into_iter()
        .map(|v| parse(name, v))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Per-route queries
// ---------------------------------------------------------------------------------------------

/// The default `executionTimeQuantile` and `responseTimeQuantile` (and `quantile`).
pub const DEFAULT_QUANTILE: f64 = 0.5;
/// The default `slowRequestsThreshold` (and `threshold`), in milliseconds.
pub const DEFAULT_SLOW_REQUESTS_THRESHOLD_MS: u64 = 1000;
/// The default `limit` of list routes.
pub const DEFAULT_LIST_LIMIT: u64 = 20;
/// The default `limit` of `featureDrift`.
pub const DEFAULT_FEATURE_DRIFT_LIMIT: u64 = 25;

/// `GET …/serviceStats/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStatsQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `modelId`; `None` means the deployment's current model.
    pub model_id: Option<String>,
    /// `executionTimeQuantile`, default 0.5.
    pub execution_time_quantile: f64,
    /// `responseTimeQuantile`, default 0.5.
    pub response_time_quantile: f64,
    /// `slowRequestsThreshold` in ms, default 1000.
    pub slow_requests_threshold_ms: u64,
    /// `segmentAttribute`/`segmentValue`.
    pub segment: Option<Segment>,
}

impl ServiceStatsQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        Ok(ServiceStatsQuery {
            period: Period::parse(&q, now_ms)?,
            model_id: opt(&q, "modelId", non_empty)?,
            execution_time_quantile: opt(&q, "executionTimeQuantile", parse_quantile)?
                .unwrap_or(DEFAULT_QUANTILE),
            response_time_quantile: opt(&q, "responseTimeQuantile", parse_quantile)?
                .unwrap_or(DEFAULT_QUANTILE),
            slow_requests_threshold_ms: opt(&q, "slowRequestsThreshold", parse_positive_int)?
                .unwrap_or(DEFAULT_SLOW_REQUESTS_THRESHOLD_MS),
            segment: Segment::parse(&q)?,
        })
    }
}

/// `GET …/serviceStatsOverTime/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStatsOverTimeQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `bucketSize` (any multiple of an hour, at most the period) or the default.
    pub bucket_size: BucketSize,
    /// `metric`, default `totalPredictions`.
    pub metric: ServiceStatsMetric,
    /// `modelId`, possibly repeated; empty means the current model.
    pub model_ids: Vec<String>,
    /// `quantile` (for `executionTime`/`responseTime`), default 0.5.
    pub quantile: f64,
    /// `threshold` in ms (for `slowRequests`), default 1000.
    pub threshold_ms: u64,
    /// `segmentAttribute`/`segmentValue`.
    pub segment: Option<Segment>,
}

impl ServiceStatsOverTimeQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let period = Period::parse(&q, now_ms)?;
        Ok(ServiceStatsOverTimeQuery {
            bucket_size: bucket_hours_or_default(&q, &period)?,
            period,
            metric: opt(&q, "metric", ServiceStatsMetric::parse)?
                .unwrap_or(ServiceStatsMetric::TotalPredictions),
            model_ids: all_non_empty(&q, "modelId")?,
            quantile: opt(&q, "quantile", parse_quantile)?.unwrap_or(DEFAULT_QUANTILE),
            threshold_ms: opt(&q, "threshold", parse_positive_int)?
                .unwrap_or(DEFAULT_SLOW_REQUESTS_THRESHOLD_MS),
            segment: Segment::parse(&q)?,
        })
    }
}

/// `GET …/targetDrift/` ([`DriftQuery::parse_target`]) and `GET …/featureDrift/`
/// ([`DriftQuery::parse`], with `offset`/`limit`).
#[derive(Debug, Clone, PartialEq)]
pub struct DriftQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `modelId`; `None` means the current model.
    pub model_id: Option<String>,
    /// `metric`, default `psi`.
    pub metric: DriftMetric,
    /// `offset`, default 0.
    pub offset: u64,
    /// `limit`, 1..=100, default 25.
    pub limit: u64,
    /// `segmentAttribute`/`segmentValue`.
    pub segment: Option<Segment>,
}

impl DriftQuery {
    /// Parses the raw query string of `featureDrift` (with `offset`/`limit`); `now_ms` fixes
    /// the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        Self::parse_with(raw, now_ms, true)
    }

    /// Parses the raw query string of `targetDrift`, which has no paging: `offset`/`limit`
    /// are not read (so never rejected) and stay at 0/25.
    pub fn parse_target(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        Self::parse_with(raw, now_ms, false)
    }

    fn parse_with(raw: &str, now_ms: i64, paging: bool) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let period = Period::parse(&q, now_ms)?;
        let (offset, limit) = if paging {
            offset_limit(&q, DEFAULT_FEATURE_DRIFT_LIMIT)?
        } else {
            (0, DEFAULT_FEATURE_DRIFT_LIMIT)
        };
        Ok(DriftQuery {
            period,
            model_id: opt(&q, "modelId", non_empty)?,
            metric: opt(&q, "metric", DriftMetric::parse)?.unwrap_or(DriftMetric::Psi),
            offset,
            limit,
            segment: Segment::parse(&q)?,
        })
    }

    /// Every parameter but `offset`/`limit`, with the effective period and metric, for the
    /// `next`/`previous` links of `featureDrift` (the client follows them verbatim, without
    /// re-sending its own parameters). Pass to [`crate::shapes::page_links`].
    pub fn link_params(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("start".to_string(), format_timestamp(self.period.start_ms)),
            ("end".to_string(), format_timestamp(self.period.end_ms)),
            ("metric".to_string(), self.metric.as_str().to_string()),
        ];
        if let Some(m) = &self.model_id {
            pairs.push(("modelId".into(), m.clone()));
        }
        if let Some(s) = &self.segment {
            s.push_pairs(&mut pairs);
        }
        pairs
    }
}

/// `GET …/featureDriftOverTime/`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDriftOverTimeQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `bucketSize` (a multiple of an hour), or the default for the period.
    pub bucket_size: BucketSize,
    /// `metric` (default `psi`).
    pub metric: DriftMetric,
    /// `modelId`.
    pub model_id: Option<String>,
    /// `featureNames` (repeated or comma-joined): one or two.
    pub feature_names: Vec<String>,
}

impl FeatureDriftOverTimeQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let period = Period::parse(&q, now_ms)?;
        let feature_names: Vec<String> = q
            .all("featureNames")
            .iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if feature_names.is_empty() || feature_names.len() > 2 {
            return Err(ParamError::new(
                "featureNames",
                "give one or two feature names",
            ));
        }
        Ok(FeatureDriftOverTimeQuery {
            bucket_size: bucket_hours_or_default(&q, &period)?,
            period,
            metric: opt(&q, "metric", DriftMetric::parse)?.unwrap_or(DriftMetric::Psi),
            model_id: q.first("modelId").map(str::to_owned),
            feature_names,
        })
    }
}

/// `GET …/predictionResults/`.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionResultsQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `offset` (default 0).
    pub offset: u64,
    /// `limit` (default 100, kept within 1..=10,000).
    pub limit: u64,
    /// `actualsPresent`: only rows with (`true`) or without an actual.
    pub actuals_present: Option<bool>,
    /// `modelId`, repeated.
    pub model_ids: Vec<String>,
}

impl PredictionResultsQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        Ok(PredictionResultsQuery {
            period: Period::parse(&q, now_ms)?,
            offset: opt(&q, "offset", parse_uint)?.unwrap_or(0),
            limit: opt(&q, "limit", parse_uint)?.map_or(100, |l| l.clamp(1, 10_000)),
            actuals_present: opt(&q, "actualsPresent", parse_bool)?,
            model_ids: q.all("modelId").iter().map(|s| s.to_string()).collect(),
        })
    }
}

/// `GET …/predictionsOverTime/`.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionsOverTimeQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `bucketSize`, one of `PT1H`, `P1D`, `P7D`, `P1M`, or the default.
    pub bucket_size: BucketSize,
    /// `modelId`, repeated; empty means the current model.
    pub model_ids: Vec<String>,
    /// `targetClass`, repeated.
    pub target_classes: Vec<String>,
    /// `includePercentiles`, default false.
    pub include_percentiles: bool,
    /// `segmentAttribute`/`segmentValue`.
    pub segment: Option<Segment>,
}

impl PredictionsOverTimeQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let period = Period::parse(&q, now_ms)?;
        Ok(PredictionsOverTimeQuery {
            bucket_size: bucket_enum_or_default(&q, &period)?,
            period,
            model_ids: all_non_empty(&q, "modelId")?,
            target_classes: all_non_empty(&q, "targetClass")?,
            include_percentiles: opt(&q, "includePercentiles", parse_bool)?.unwrap_or(false),
            segment: Segment::parse(&q)?,
        })
    }
}

/// `GET …/predictionsVsActualsOverTime/`.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionsVsActualsOverTimeQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `bucketSize`, one of `PT1H`, `P1D`, `P7D`, `P1M`, or the default.
    pub bucket_size: BucketSize,
    /// `modelId`, repeated.
    pub model_ids: Vec<String>,
    /// `targetClass`, repeated.
    pub target_classes: Vec<String>,
    /// `segmentAttribute`/`segmentValue` (echo them in the body only when given).
    pub segment: Option<Segment>,
}

impl PredictionsVsActualsOverTimeQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let period = Period::parse(&q, now_ms)?;
        Ok(PredictionsVsActualsOverTimeQuery {
            bucket_size: bucket_enum_or_default(&q, &period)?,
            period,
            model_ids: all_non_empty(&q, "modelId")?,
            target_classes: all_non_empty(&q, "targetClass")?,
            segment: Segment::parse(&q)?,
        })
    }
}

/// `targetClass` (repeated, 3.2+) and `targetClasses` (comma-joined, 3.0.x), merged in order
/// without duplicates.
fn target_classes(q: &Query) -> Result<Vec<String>, ParamError> {
    let mut out: Vec<String> = Vec::new();
    for c in all_non_empty(q, "targetClass")?.into_iter().chain(
        q.comma_list("targetClasses")
            .into_iter()
            .map(str::to_string),
    ) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

/// `GET …/accuracy/`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `modelId`, repeated; empty means the current model.
    pub model_ids: Vec<String>,
    /// `targetClass` (repeated) and `targetClasses` (comma-joined), merged.
    pub target_classes: Vec<String>,
    /// `metric` (3.9+), optional.
    pub metric: Option<AccuracyMetric>,
    /// `baselineModelId` (3.9+), optional.
    pub baseline_model_id: Option<String>,
    /// `segmentAttribute`/`segmentValue`.
    pub segment: Option<Segment>,
}

impl AccuracyQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        Ok(AccuracyQuery {
            period: Period::parse(&q, now_ms)?,
            model_ids: all_non_empty(&q, "modelId")?,
            target_classes: target_classes(&q)?,
            metric: opt(&q, "metric", AccuracyMetric::parse)?,
            baseline_model_id: opt(&q, "baselineModelId", non_empty)?,
            segment: Segment::parse(&q)?,
        })
    }
}

/// `GET …/accuracyOverTime/`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyOverTimeQuery {
    /// `start`/`end`.
    pub period: Period,
    /// `bucketSize` (any multiple of an hour, at most the period) or the default.
    pub bucket_size: BucketSize,
    /// `modelId`, repeated.
    pub model_ids: Vec<String>,
    /// `metric`; `None` lets the caller choose (LogLoss for classification, RMSE for
    /// regression, or the health-settings metric).
    pub metric: Option<AccuracyMetric>,
    /// `targetClass` (repeated) and `targetClasses` (comma-joined), merged.
    pub target_classes: Vec<String>,
    /// `segmentAttribute`/`segmentValue`.
    pub segment: Option<Segment>,
}

impl AccuracyOverTimeQuery {
    /// Parses the raw query string; `now_ms` fixes the default period.
    pub fn parse(raw: &str, now_ms: i64) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let period = Period::parse(&q, now_ms)?;
        Ok(AccuracyOverTimeQuery {
            bucket_size: bucket_hours_or_default(&q, &period)?,
            period,
            model_ids: all_non_empty(&q, "modelId")?,
            metric: opt(&q, "metric", AccuracyMetric::parse)?,
            target_classes: target_classes(&q)?,
            segment: Segment::parse(&q)?,
        })
    }
}

/// `GET /deployments/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// `offset`, default 0.
    pub offset: u64,
    /// `limit`, 1..=100, default 20.
    pub limit: u64,
    /// `search`: case-insensitive, against label and description.
    pub search: Option<String>,
    /// `orderBy`, possibly with a leading `-`.
    pub order_by: Option<OrderBy>,
    /// `status`, comma-joined or repeated.
    pub status: Vec<DeploymentStatus>,
    /// `importance`, comma-joined or repeated.
    pub importance: Vec<Importance>,
    /// `serviceHealth`, comma-joined or repeated.
    pub service_health: Vec<HealthStatus>,
    /// `modelHealth`, comma-joined or repeated.
    pub model_health: Vec<HealthStatus>,
    /// `accuracyHealth`, comma-joined or repeated.
    pub accuracy_health: Vec<HealthStatus>,
    /// `tagKeys`, repeated (a deployment matches any).
    pub tag_keys: Vec<String>,
    /// `tagValues`, repeated (a deployment matches any).
    pub tag_values: Vec<String>,
}

impl ListQuery {
    /// Parses the raw query string.
    pub fn parse(raw: &str) -> Result<Self, ParamError> {
        let q = Query::parse(raw);
        let (offset, limit) = offset_limit(&q, DEFAULT_LIST_LIMIT)?;
        let strings = |name: &str| -> Vec<String> {
            q.all(name)
                .into_iter()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        Ok(ListQuery {
            offset,
            limit,
            search: q
                .first("search")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            order_by: q.first("orderBy").map(OrderBy::parse).transpose()?,
            status: list_of(&q, "status", DeploymentStatus::parse)?,
            importance: list_of(&q, "importance", Importance::parse)?,
            service_health: list_of(&q, "serviceHealth", HealthStatus::parse)?,
            model_health: list_of(&q, "modelHealth", HealthStatus::parse)?,
            accuracy_health: list_of(&q, "accuracyHealth", HealthStatus::parse)?,
            tag_keys: strings("tagKeys"),
            tag_values: strings("tagValues"),
        })
    }

    /// Every parameter but `offset`/`limit`, for the `next`/`previous` links. Pass to
    /// [`crate::shapes::page_links`].
    pub fn link_params(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let join = |names: Vec<&str>| names.join(",");
        if let Some(s) = &self.search {
            pairs.push(("search".into(), s.clone()));
        }
        if let Some(o) = self.order_by {
            pairs.push(("orderBy".into(), o.to_wire()));
        }
        for (name, values) in [
            (
                "status",
                join(self.status.iter().map(|v| v.as_str()).collect()),
            ),
            (
                "importance",
                join(self.importance.iter().map(|v| v.as_str()).collect()),
            ),
            (
                "serviceHealth",
                join(self.service_health.iter().map(|v| v.as_str()).collect()),
            ),
            (
                "modelHealth",
                join(self.model_health.iter().map(|v| v.as_str()).collect()),
            ),
            (
                "accuracyHealth",
                join(self.accuracy_health.iter().map(|v| v.as_str()).collect()),
            ),
        ] {
            if !values.is_empty() {
                pairs.push((name.to_string(), values));
            }
        }
        for k in &self.tag_keys {
            pairs.push(("tagKeys".into(), k.clone()));
        }
        for v in &self.tag_values {
            pairs.push(("tagValues".into(), v.clone()));
        }
        pairs
    }
}
