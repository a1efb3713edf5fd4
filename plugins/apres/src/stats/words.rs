//! An elapsed time in words, at most two units: "less than a minute", "3 minutes",
//! "2 hours 5 minutes", "1 day 3 hours".

/// `n unit` or `n units`.
fn count(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A larger unit followed by the smaller one when it is not zero.
fn pair(big: i64, big_unit: &str, small: i64, small_unit: &str) -> String {
    if small == 0 {
        count(big, big_unit)
    } else {
        format!("{} {}", count(big, big_unit), count(small, small_unit))
    }
}

/// `seconds` in words, rounded down to the minute (or, past a day, to the hour).
pub(super) fn duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let hours = minutes / 60;
    let days = hours / 24;
    if minutes == 0 {
        "less than a minute".to_owned()
    } else if hours == 0 {
        count(minutes, "minute")
    } else if days == 0 {
        pair(hours, "hour", minutes % 60, "minute")
    } else {
        pair(days, "day", hours % 24, "hour")
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn words() {
        assert_eq!(duration(0), "less than a minute");
        assert_eq!(duration(59), "less than a minute");
        assert_eq!(duration(60), "1 minute");
        assert_eq!(duration(180), "3 minutes");
        assert_eq!(duration(3599), "59 minutes");
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(2 * 3600 + 5 * 60 + 59), "2 hours 5 minutes");
        assert_eq!(duration(3600 + 60), "1 hour 1 minute");
        assert_eq!(duration(86_400), "1 day");
        assert_eq!(duration(86_400 + 3 * 3600 + 59 * 60), "1 day 3 hours");
        assert_eq!(duration(3 * 86_400 + 3600), "3 days 1 hour");
        assert_eq!(duration(-5), "less than a minute");
    }
}
