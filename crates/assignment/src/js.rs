//! The few JavaScript semantics GrowthBook's evaluation depends on: how a number becomes a
//! string (a numeric hash attribute is hashed as JavaScript prints it) and which values are
//! truthy (a feature is `on` when its value is).

use serde_json::Value;

/// JavaScript's `String(number)` (ECMAScript `Number::toString`): shortest round-trip digits,
/// fixed notation for decimal exponents from -6 to 20, scientific (`1e+21`, `1.5e-7`)
/// otherwise. A numeric id `123` hashes as `"123"` and `1.5` as `"1.5"`, as in every SDK.
#[must_use]
pub fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    if x < 0.0 {
        return format!("-{}", number_to_string(-x));
    }
    if x.is_infinite() {
        return "Infinity".to_owned();
    }
    // Rust's `{:e}` prints the shortest round-trip digits as `d.ddde<exp>`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i64 = exp.parse().unwrap_or(0);
    let k = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    // x = 0.d1..dk * 10^n
    let n = exp + 1;
    if k <= n && n <= 21 {
        let zeros = usize::try_from(n - k).unwrap_or(0);
        return format!("{digits}{}", "0".repeat(zeros));
    }
    if 0 < n && n <= 21 {
        let split = usize::try_from(n).unwrap_or(0);
        return format!("{}.{}", &digits[..split], &digits[split..]);
    }
    if -6 < n && n <= 0 {
        let zeros = usize::try_from(-n).unwrap_or(0);
        return format!("0.{}{digits}", "0".repeat(zeros));
    }
    let first = &digits[..1];
    let rest = &digits[1..];
    let sign = if n > 0 { '+' } else { '-' };
    let e = (n - 1).abs();
    if rest.is_empty() {
        format!("{first}e{sign}{e}")
    } else {
        format!("{first}.{rest}e{sign}{e}")
    }
}

/// JavaScript truthiness of a JSON value: `null`, `false`, `0` and `""` are falsy; every
/// array and object (even empty) is truthy. A feature is `on` when its value is truthy.
#[must_use]
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        for (x, s) in [
            (0.0, "0"),
            (1.0, "1"),
            (123.0, "123"),
            (-5.0, "-5"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (0.000_001, "0.000001"),
            (0.000_000_15, "1.5e-7"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.234_5e22, "1.2345e+22"),
            (123_456_789_012.0, "123456789012"),
            (9_007_199_254_740_993.0, "9007199254740992"),
        ] {
            assert_eq!(number_to_string(x), s, "{x}");
        }
    }

    #[test]
    fn truthiness_follows_javascript() {
        use serde_json::json;
        for v in [json!(null), json!(false), json!(0), json!(0.0), json!("")] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("0"),
            json!([]),
            json!({}),
        ] {
            assert!(truthy(&v), "{v}");
        }
    }
}
