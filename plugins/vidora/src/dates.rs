//! Dates, timestamps and query parameters as the Vidora API writes them: dates
//! `2020-02-01`, timestamps `2020-04-05T00:00:00` (UTC, no zone), booleans and Unix seconds
//! in the query. Errors are messages for a 400 that name the parameter.

use chrono::{DateTime, Days, NaiveDate, Utc};

/// The training window's default length, before `end_date`.
const DEFAULT_WINDOW_DAYS: u64 = 90;

/// Parses `s` as a strict `YYYY-MM-DD` date (four-digit year, two-digit month and day).
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, String> {
    let bytes = s.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let error =
        || format!("{field} must be a date written YYYY-MM-DD, e.g. 2020-02-01 (got \"{s}\")");
    if !shaped {
        return Err(error());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| error())
}

/// The training window from the optional `start_date` and `end_date`: `end_date` defaults
/// to `today`, `start_date` to 90 days before `today`; the start must not be after the end.
pub fn window(
    start: Option<&str>,
    end: Option<&str>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), String> {
    let end = end.map_or(Ok(today), |s| parse_date("end_date", s))?;
    let start = match start {
        Some(s) => parse_date("start_date", s)?,
        None => today
            .checked_sub_days(Days::new(DEFAULT_WINDOW_DAYS))
            .unwrap_or(NaiveDate::MIN),
    };
    if start > end {
        return Err(format!("start_date ({start}) is after end_date ({end})"));
    }
    Ok((start, end))
}

/// A Unix time in milliseconds as the API's timestamp, `2020-04-05T00:00:00` (UTC, whole
/// seconds, no zone). Times beyond chrono's range are clamped to it.
pub fn timestamp(ms: i64) -> String {
    let at = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    });
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A boolean query parameter: `true`, `false`, `1` or `0`, in any case.
pub fn parse_bool_param(name: &str, value: &str) -> Result<bool, String> {
    if value == "1" || value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value == "0" || value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(format!("{name} must be true or false (got \"{value}\")"))
    }
}

/// An integer Unix-timestamp query parameter (seconds), such as `exported_since`.
pub fn parse_unix_param(name: &str, value: &str) -> Result<i64, String> {
    value.parse::<i64>().map_err(|_| {
        format!(
            "{name} must be a Unix timestamp in whole seconds, e.g. 1585958400 (got \"{value}\")"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_are_strict_yyyy_mm_dd() {
        assert_eq!(parse_date("start_date", "2020-02-01"), Ok(d(2020, 2, 1)));
        assert_eq!(parse_date("x", "2024-02-29"), Ok(d(2024, 2, 29)));
        for bad in [
            "2020-2-1",
            "2020/02/01",
            " 2020-02-01",
            "2020-02-01T00:00",
            "+2020-02-01",
            "2021-02-29",
            "2020-13-01",
            "",
            "20200201",
        ] {
            let err = parse_date("end_date", bad).unwrap_err();
            assert!(
                err.starts_with("end_date must be a date written YYYY-MM-DD"),
                "{bad}: {err}"
            );
            assert!(err.contains(&format!("\"{bad}\"")), "{err}");
        }
    }

    #[test]
    fn window_defaults_to_the_last_ninety_days() {
        let today = d(2020, 4, 1);
        assert_eq!(window(None, None, today), Ok((d(2020, 1, 2), today)));
        assert_eq!(
            window(Some("2020-02-01"), Some("2020-04-01"), d(2030, 1, 1)),
            Ok((d(2020, 2, 1), d(2020, 4, 1)))
        );
        assert_eq!(
            window(Some("2020-03-01"), None, today),
            Ok((d(2020, 3, 1), today))
        );
        // A single-day window is fine.
        assert!(window(Some("2020-03-01"), Some("2020-03-01"), today).is_ok());
    }

    #[test]
    fn window_refuses_bad_dates_and_reversed_ranges() {
        let today = d(2020, 4, 1);
        let err = window(Some("2020-04-02"), None, today).unwrap_err();
        assert_eq!(
            err,
            "start_date (2020-04-02) is after end_date (2020-04-01)"
        );
        assert!(
            window(None, Some("2019-12-31"), today)
                .unwrap_err()
                .contains("after end_date")
        );
        assert!(
            window(Some("soon"), None, today)
                .unwrap_err()
                .starts_with("start_date ")
        );
        assert!(
            window(None, Some("04/01/2020"), today)
                .unwrap_err()
                .starts_with("end_date ")
        );
    }

    #[test]
    fn timestamps_are_utc_without_zone() {
        assert_eq!(timestamp(1_586_044_800_000), "2020-04-05T00:00:00");
        assert_eq!(timestamp(1_586_062_800_999), "2020-04-05T05:00:00");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(timestamp(-1000), "1969-12-31T23:59:59");
        assert!(timestamp(i64::MAX).starts_with('+'));
        assert!(timestamp(i64::MIN).starts_with('-'));
    }

    #[test]
    fn bool_params() {
        for (v, b) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("false", false),
            ("False", false),
            ("0", false),
        ] {
            assert_eq!(parse_bool_param("active", v), Ok(b), "{v}");
        }
        for bad in ["yes", "", "2", "t", " true"] {
            assert_eq!(
                parse_bool_param("recurring", bad),
                Err(format!("recurring must be true or false (got \"{bad}\")"))
            );
        }
    }

    #[test]
    fn unix_params() {
        assert_eq!(
            parse_unix_param("exported_since", "1585958400"),
            Ok(1_585_958_400)
        );
        assert_eq!(parse_unix_param("exported_since", "-5"), Ok(-5));
        for bad in ["1.5", "", "2020-04-01", "1e9", "99999999999999999999"] {
            let err = parse_unix_param("exported_since", bad).unwrap_err();
            assert!(
                err.starts_with("exported_since must be a Unix timestamp"),
                "{err}"
            );
        }
    }
}
