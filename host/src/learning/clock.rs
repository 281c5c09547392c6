//! Time as the learning services see it: "now", and the learner's local day.
//!
//! Streaks and reviews depend on the calendar, so tests and demos need to move through
//! days. With `--learning-test-clock` (never in production) a request may carry
//! `X-Tessera-Now: <RFC 3339 time | ms since the epoch>`, which becomes "now" for the
//! learning decisions of that request only; tokens, rate limits and logs keep real time.

use axum::http::HeaderMap;
use chrono::{DateTime, Offset, TimeZone};

use super::LearningError;

/// The header that sets "now" when the test clock is enabled.
pub const NOW_HEADER: &str = "x-tessera-now";

/// Now, in milliseconds since the Unix epoch, for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now(pub i64);

impl Now {
    /// The real time.
    pub fn real() -> Now {
        Now(crate::store::now_ms())
    }

    /// Now for a request: the test clock's header when enabled and present, else real time.
    pub fn from_headers(headers: &HeaderMap, test_clock: bool) -> Result<Now, LearningError> {
        let Some(value) = headers.get(NOW_HEADER).filter(|_| test_clock) else {
            return Ok(Now::real());
        };
        let text = value.to_str().unwrap_or_default().trim();
        parse(text).map(Now).ok_or_else(|| {
            LearningError::invalid(
                "X-Tessera-Now",
                format!("`{text}` is neither an RFC 3339 time nor milliseconds since the epoch"),
            )
        })
    }
}

fn parse(text: &str) -> Option<i64> {
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The offset of `timezone` from UTC at `ms`, in minutes; 0 for a zone the database does
/// not know (it was checked when the learner set it; a zone dropped from a later tz
/// release falls back to UTC rather than failing the request).
pub fn utc_offset_minutes(timezone: &str, ms: i64) -> i32 {
    let Ok(tz) = timezone.parse::<chrono_tz::Tz>() else {
        return 0;
    };
    let Some(utc) = DateTime::from_timestamp_millis(ms) else {
        return 0;
    };
    tz.offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_daylight_saving() {
        // 2026-07-01 and 2026-01-15, noon UTC.
        let summer = 1_782_907_200_000;
        let winter = 1_768_478_400_000;
        assert_eq!(utc_offset_minutes("Europe/Berlin", summer), 120);
        assert_eq!(utc_offset_minutes("Europe/Berlin", winter), 60);
        assert_eq!(utc_offset_minutes("America/New_York", winter), -300);
        assert_eq!(utc_offset_minutes("Asia/Kolkata", winter), 330);
        assert_eq!(utc_offset_minutes("UTC", winter), 0);
        assert_eq!(utc_offset_minutes("Not/AZone", winter), 0);
    }

    #[test]
    fn the_header_is_read_only_when_enabled() {
        let mut headers = HeaderMap::new();
        headers.insert(NOW_HEADER, "2026-01-15T12:00:00Z".parse().unwrap());
        assert_eq!(
            Now::from_headers(&headers, true).unwrap(),
            Now(1_768_478_400_000)
        );
        assert_ne!(
            Now::from_headers(&headers, false).unwrap(),
            Now(1_768_478_400_000)
        );
        headers.insert(NOW_HEADER, "1768478400000".parse().unwrap());
        assert_eq!(
            Now::from_headers(&headers, true).unwrap(),
            Now(1_768_478_400_000)
        );
        headers.insert(NOW_HEADER, "yesterday".parse().unwrap());
        assert!(Now::from_headers(&headers, true).is_err());
    }
}
