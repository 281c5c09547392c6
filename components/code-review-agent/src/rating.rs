//! The quality rating: 1.0 for code the checker finds nothing in, falling with each
//! finding's weight, more slowly for longer code (README, "Rating").

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity, Stats};

/// Findings of one code counted at most this often: twenty long lines are one habit, not
/// twenty mistakes.
pub const MAX_COUNTED_PER_CODE: usize = 3;
/// Non-blank lines that add one to the size factor.
pub const LINES_PER_SIZE_STEP: f64 = 20.0;

/// The penalty: the weight of each finding, each code counted at most
/// [`MAX_COUNTED_PER_CODE`] times.
pub fn penalty(findings: &[Finding]) -> f64 {
    let mut per_code: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for f in findings {
        let entry = per_code.entry(f.code.as_str()).or_insert((0, 0.0));
        if entry.0 < MAX_COUNTED_PER_CODE {
            entry.0 += 1;
            entry.1 += f.severity.weight();
        }
    }
    per_code.values().map(|(_, weight)| weight).sum()
}

/// `1 / (1 + P / (2·S))` with `S = 1 + lines / 20`, rounded to two decimals; 0.0 when the
/// code does not parse.
pub fn rate(findings: &[Finding], stats: &Stats) -> f32 {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return 0.0;
    }
    let size = 1.0 + f64::from(stats.lines) / LINES_PER_SIZE_STEP;
    let rating = 1.0 / (1.0 + penalty(findings) / (2.0 * size));
    ((rating * 100.0).round() / 100.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &str, severity: Severity) -> Finding {
        Finding {
            line: 1,
            col: 0,
            code: code.into(),
            message: String::new(),
            severity,
        }
    }

    fn lines(n: u32) -> Stats {
        Stats {
            lines: n,
            ..Stats::default()
        }
    }

    #[test]
    fn clean_code_rates_one() {
        assert_eq!(rate(&[], &lines(10)), 1.0);
    }

    #[test]
    fn each_severity_weighs_its_share() {
        // 20 lines: S = 2, so a warning (1.0) costs 1 / (1 + 0.25).
        assert_eq!(
            rate(&[finding("bare-except", Severity::Warning)], &lines(20)),
            0.8
        );
        assert_eq!(
            rate(&[finding("indentation", Severity::Style)], &lines(20)),
            0.91
        );
        assert_eq!(
            rate(&[finding("missing-docstring", Severity::Info)], &lines(20)),
            0.96
        );
        // Longer code tolerates the same finding better.
        assert!(
            rate(&[finding("bare-except", Severity::Warning)], &lines(100))
                > rate(&[finding("bare-except", Severity::Warning)], &lines(5))
        );
    }

    #[test]
    fn a_repeated_code_counts_three_times_at_most() {
        let many: Vec<Finding> = (0..20)
            .map(|_| finding("line-too-long", Severity::Style))
            .collect();
        assert!((penalty(&many) - 1.2).abs() < 1e-9);
        assert_eq!(rate(&many, &lines(20)), rate(&many[..3], &lines(20)));
    }

    #[test]
    fn a_syntax_error_rates_zero() {
        let f = [finding("syntax-error", Severity::Error)];
        assert_eq!(rate(&f, &lines(3)), 0.0);
    }
}
