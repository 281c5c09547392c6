//! Local calendar days without a time-zone database.
//!
//! A day is a count of days since 1970-01-01 (negative before). The learner's local day of
//! an instant is `floor((ms + offset_minutes · 60 000) / 86 400 000)`; the host supplies the
//! offset of the learner's IANA zone at `now-ms` (`learner-state.utc-offset-minutes`).
//! Dates are exchanged as `YYYY-MM-DD` (proleptic Gregorian, years 0001–9999).

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Largest UTC offset accepted, in minutes (±18 h, as ISO 8601 and `java.time` allow).
pub const MAX_OFFSET_MINUTES: i32 = 18 * 60;

/// Largest |instant| accepted for stored instants (due, last review), in ms: ±100 million
/// days, the ECMAScript `Date` range, so every sum the engine forms stays far from `i64`
/// overflow.
pub const MAX_ABS_MS: i64 = 8_640_000_000_000_000;

/// Earliest `now` accepted: 0001-01-02T00:00Z, so the local date (±18 h) has a 4-digit year.
pub const MIN_NOW_MS: i64 = days_from_civil(1, 1, 2) * DAY_MS;

/// Latest `now` accepted: 9999-12-30T23:59:59.999Z, for the same reason.
pub const MAX_NOW_MS: i64 = days_from_civil(9999, 12, 31) * DAY_MS - 1;

/// The local day of an instant. Callers validate `ms` (≤ [`MAX_ABS_MS`]) and the offset.
pub fn local_day(ms: i64, offset_minutes: i32) -> i64 {
    (ms + i64::from(offset_minutes) * 60_000).div_euclid(DAY_MS)
}

/// The instant of local midnight starting `day`.
pub fn local_midnight_ms(day: i64, offset_minutes: i32) -> i64 {
    day * DAY_MS - i64::from(offset_minutes) * 60_000
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
pub const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Parses a strict `YYYY-MM-DD` date into a day count.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let bytes = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return Err(format!("`{text}` is not a date in the form YYYY-MM-DD"));
    }
    let num = |r: std::ops::Range<usize>| {
        bytes[r]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (i64::from(num(0..4)), num(5..7), num(8..10));
    if year == 0 {
        return Err(format!("`{text}`: the year must be 0001 to 9999"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("`{text}`: the month must be 01 to 12"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("`{text}`: that month has no day {day}"));
    }
    Ok(days_from_civil(year, month, day))
}

/// Formats a day count as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_date("1970-01-02"), Ok(1));
        assert_eq!(parse_date("1969-12-31"), Ok(-1));
        assert_eq!(parse_date("2000-03-01"), Ok(11_017));
        assert_eq!(format_date(11_017), "2000-03-01");
        assert_eq!(format_date(-1), "1969-12-31");
        let first = days_from_civil(1, 1, 1);
        let last = days_from_civil(9999, 12, 31);
        assert_eq!(format_date(first), "0001-01-01");
        assert_eq!(format_date(last), "9999-12-31");
        for d in (first..=last).step_by(997).chain([last]) {
            assert_eq!(parse_date(&format_date(d)), Ok(d), "day {d}");
        }
    }

    #[test]
    fn leap_years_are_honoured() {
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2000-02-29").is_ok());
        assert!(parse_date("1900-02-29").is_err());
        assert!(parse_date("2023-02-29").is_err());
        assert_eq!(
            parse_date("2024-03-01").unwrap() - parse_date("2024-02-28").unwrap(),
            2
        );
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "",
            "2024-1-01",
            "2024/01/01",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "0000-01-01",
            "20240101",
            "2024-01-01T00:00",
            "+024-01-01",
            "2024-01-0a",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn local_day_follows_the_offset() {
        // 2024-03-10T23:30:00Z
        let ms = parse_date("2024-03-10").unwrap() * DAY_MS + (23 * 60 + 30) * 60_000;
        assert_eq!(format_date(local_day(ms, 0)), "2024-03-10");
        assert_eq!(format_date(local_day(ms, 60)), "2024-03-11");
        assert_eq!(format_date(local_day(ms, -300)), "2024-03-10");
        assert_eq!(format_date(local_day(ms, 29)), "2024-03-10");
        assert_eq!(format_date(local_day(ms, 30)), "2024-03-11");
        // Before the epoch, floor division keeps the day right.
        assert_eq!(format_date(local_day(-1, 0)), "1969-12-31");
        assert_eq!(format_date(local_day(0, -1)), "1969-12-31");
    }

    #[test]
    fn now_bounds_keep_local_dates_four_digit() {
        for offset in [-MAX_OFFSET_MINUTES, MAX_OFFSET_MINUTES] {
            assert!(parse_date(&format_date(local_day(MIN_NOW_MS, offset))).is_ok());
            assert!(parse_date(&format_date(local_day(MAX_NOW_MS, offset))).is_ok());
        }
    }

    #[test]
    fn local_midnight_is_the_first_instant_of_the_local_day() {
        for offset in [-720, -300, 0, 60, 330, 840] {
            let day = parse_date("2025-06-15").unwrap();
            let m = local_midnight_ms(day, offset);
            assert_eq!(local_day(m, offset), day);
            assert_eq!(local_day(m - 1, offset), day - 1);
        }
    }
}
