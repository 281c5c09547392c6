//! Answers: JSON bodies, and errors in the origin's shape (`{"error": {code, message,
//! details, request_id, timestamp}}`, docs/requirements.md), so a client cannot tell an
//! edge error from an origin one by its form.

use spin_sdk::http::Response;

/// A JSON answer.
pub fn json(status: u16, body: &serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// An error in the origin's shape; `field` goes to `details.field` when the fault is one.
pub fn error(status: u16, code: &str, message: &str, field: Option<&str>) -> Response {
    let details = field.map(|f| serde_json::json!({ "field": f, "issue": message }));
    json(
        status,
        &serde_json::json!({ "error": {
            "code": code,
            "message": message,
            "details": details,
            "request_id": format!("edge_{:x}", crate::now_ms()),
            "timestamp": rfc3339_now(),
        }}),
    )
}

/// 503 for an origin that cannot be reached and nothing cached to answer with.
pub fn unavailable(message: &str) -> Response {
    error(503, "SERVICE_UNAVAILABLE", message, None)
}

/// 500 for a misconfigured edge (a variable missing): the message names what to set.
pub fn misconfigured(message: &str) -> Response {
    error(500, "EDGE_MISCONFIGURED", message, None)
}

/// Now as RFC 3339 (UTC, seconds).
pub fn rfc3339_now() -> String {
    rfc3339(crate::now_secs())
}

/// `secs` since the epoch as RFC 3339 (UTC, whole seconds), e.g. `2026-12-05T10:00:00Z`.
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_764_930_000), "2025-12-05T10:20:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
