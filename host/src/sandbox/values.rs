//! Python values as the code runner reports them for a check, and Python's `==` and truth
//! on them, computed here: a program's objects never decide whether its test passed.
//!
//! The runner encodes a value from exact built-in types only (a subclass or any other
//! object is reported as uncomparable), as JSON (see `encode` in
//! `components/python-sandbox/app.py`):
//!
//! | Python | JSON |
//! |---|---|
//! | `None`, `True`, `False` | `null`, `true`, `false` |
//! | `int` | a number without `.`/`e`, or `{"int": "<digits>"}` beyond 64 bits |
//! | `float` | a number with `.` or `e`, or `{"float": "nan" \| "inf" \| "-inf"}` |
//! | `complex` | `{"complex": [re, im]}` |
//! | `str` | a string |
//! | `bytes` | `{"bytes": "<hex>"}` |
//! | `list` | an array |
//! | `tuple` | `{"tuple": [...]}` |
//! | `set`, `frozenset` | `{"set": [...]}` |
//! | `dict` | `{"dict": [[key, value], ...]}` |

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// A Python value made of built-in types.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `bool`, `int`, `float` or `complex`.
    Number(Number),
    /// `str`.
    Str(String),
    /// `bytes`, as hex.
    Bytes(String),
    /// `list`.
    List(Vec<PyValue>),
    /// `tuple`.
    Tuple(Vec<PyValue>),
    /// `set` or `frozenset`.
    Set(Vec<PyValue>),
    /// `dict`, in the program's order.
    Dict(Vec<(PyValue, PyValue)>),
}

/// A number: Python compares `bool`, `int`, `float` and `complex` by value (`1 == 1.0 ==
/// True`).
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// `bool` or `int`: sign and decimal digits (no leading zeros; zero is not negative).
    Int {
        /// Below zero.
        negative: bool,
        /// The magnitude in decimal.
        digits: String,
    },
    /// `float`.
    Float(f64),
    /// `complex`.
    Complex(f64, f64),
}

impl PyValue {
    /// Reads the runner's encoding; `None` when it is not one.
    pub fn from_json(json: &Json) -> Option<PyValue> {
        Some(match json {
            Json::Null => PyValue::None,
            Json::Bool(b) => PyValue::Number(Number::int(if *b { "1" } else { "0" })),
            Json::Number(n) => PyValue::Number(if n.is_f64() {
                Number::Float(n.as_f64()?)
            } else {
                Number::int(&n.to_string())
            }),
            Json::String(s) => PyValue::Str(s.clone()),
            Json::Array(items) => PyValue::List(list(items)?),
            Json::Object(map) if map.len() == 1 => {
                let (tag, inner) = map.iter().next()?;
                match (tag.as_str(), inner) {
                    ("int", Json::String(digits)) => PyValue::Number(Number::int(digits)),
                    ("float", Json::String(special)) => {
                        PyValue::Number(Number::Float(match special.as_str() {
                            "nan" => f64::NAN,
                            "inf" => f64::INFINITY,
                            "-inf" => f64::NEG_INFINITY,
                            _ => return None,
                        }))
                    }
                    ("complex", Json::Array(parts)) if parts.len() == 2 => {
                        let part = |j: &Json| match PyValue::from_json(j)? {
                            PyValue::Number(Number::Float(f)) => Some(f),
                            _ => None,
                        };
                        PyValue::Number(Number::Complex(part(&parts[0])?, part(&parts[1])?))
                    }
                    ("bytes", Json::String(hex)) => PyValue::Bytes(hex.to_ascii_lowercase()),
                    ("tuple", Json::Array(items)) => PyValue::Tuple(list(items)?),
                    ("set", Json::Array(items)) => PyValue::Set(list(items)?),
                    ("dict", Json::Array(pairs)) => PyValue::Dict(
                        pairs
                            .iter()
                            .map(|pair| match pair {
                                Json::Array(kv) if kv.len() == 2 => {
                                    Some((PyValue::from_json(&kv[0])?, PyValue::from_json(&kv[1])?))
                                }
                                _ => None,
                            })
                            .collect::<Option<_>>()?,
                    ),
                    _ => return None,
                }
            }
            Json::Object(_) => return None,
        })
    }

    /// Python's `self == other` for built-in values.
    pub fn py_eq(&self, other: &PyValue) -> bool {
        use PyValue::*;
        match (self, other) {
            (None, None) => true,
            (Number(a), Number(b)) => a.py_eq(b),
            (Str(a), Str(b)) | (Bytes(a), Bytes(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
            }
            (Set(a), Set(b)) => {
                let keys = |items: &[PyValue]| {
                    let mut k: Vec<String> = items.iter().map(PyValue::key).collect();
                    k.sort_unstable();
                    k.dedup();
                    k
                };
                // NaN keys are unique, so a set holding one never equals another set.
                !a.iter().chain(b).any(PyValue::holds_nan) && keys(a) == keys(b)
            }
            (Dict(a), Dict(b)) => {
                let index = |pairs: &'_ [(PyValue, PyValue)]| -> BTreeMap<String, usize> {
                    pairs
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.key(), i))
                        .collect()
                };
                let (ia, ib) = (index(a), index(b));
                ia.len() == ib.len()
                    && ia.iter().all(|(key, &i)| {
                        let (k, v) = &a[i];
                        !k.holds_nan() && ib.get(key).is_some_and(|&j| v.py_eq(&b[j].1))
                    })
            }
            _ => false,
        }
    }

    /// Python's `bool(self)`.
    pub fn truthy(&self) -> bool {
        match self {
            PyValue::None => false,
            PyValue::Number(Number::Int { digits, .. }) => digits != "0",
            PyValue::Number(Number::Float(f)) => *f != 0.0,
            PyValue::Number(Number::Complex(re, im)) => *re != 0.0 || *im != 0.0,
            PyValue::Str(s) | PyValue::Bytes(s) => !s.is_empty(),
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => !v.is_empty(),
            PyValue::Dict(v) => !v.is_empty(),
        }
    }

    fn holds_nan(&self) -> bool {
        match self {
            PyValue::Number(Number::Float(f)) => f.is_nan(),
            PyValue::Number(Number::Complex(re, im)) => re.is_nan() || im.is_nan(),
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => {
                v.iter().any(PyValue::holds_nan)
            }
            PyValue::Dict(v) => v.iter().any(|(k, v)| k.holds_nan() || v.holds_nan()),
            _ => false,
        }
    }

    /// A text equal for equal values (as a set element or dict key: `1`, `1.0` and `True`
    /// are the same key).
    fn key(&self) -> String {
        match self {
            PyValue::None => "N".into(),
            PyValue::Number(n) => n.key(),
            PyValue::Str(s) => format!("s{}", Json::String(s.clone())),
            PyValue::Bytes(hex) => format!("b{hex}"),
            PyValue::List(v) => format!("l[{}]", keys(v)),
            PyValue::Tuple(v) => format!("t[{}]", keys(v)),
            PyValue::Set(v) => {
                let mut k: Vec<String> = v.iter().map(PyValue::key).collect();
                k.sort_unstable();
                k.dedup();
                format!("S[{}]", k.join(","))
            }
            PyValue::Dict(v) => {
                let mut k: Vec<String> = v
                    .iter()
                    .map(|(k, v)| format!("{}:{}", k.key(), v.key()))
                    .collect();
                k.sort_unstable();
                format!("d[{}]", k.join(","))
            }
        }
    }
}

fn list(items: &[Json]) -> Option<Vec<PyValue>> {
    items.iter().map(PyValue::from_json).collect()
}

fn keys(items: &[PyValue]) -> String {
    items.iter().map(PyValue::key).collect::<Vec<_>>().join(",")
}

impl Number {
    /// An integer from decimal text (as Python's `repr(int)` writes it).
    fn int(text: &str) -> Number {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let digits = digits.trim_start_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        Number::Int {
            negative: negative && digits != "0",
            digits: digits.to_owned(),
        }
    }

    /// The number as an exact integer, when it is one (`2.0` is; `2.5`, NaN and infinity
    /// are not).
    fn as_int(&self) -> Option<(bool, String)> {
        match self {
            Number::Int { negative, digits } => Some((*negative, digits.clone())),
            Number::Float(f) if f.is_finite() && f.fract() == 0.0 => {
                // `{:.0}` prints a float's exact integer value, as Python compares it.
                match Number::int(&format!("{f:.0}")) {
                    Number::Int { negative, digits } => Some((negative, digits)),
                    _ => None,
                }
            }
            Number::Complex(re, im) if *im == 0.0 => Number::Float(*re).as_int(),
            _ => None,
        }
    }

    /// The number as a float, when it is real.
    fn as_real(&self) -> Option<f64> {
        match self {
            Number::Float(f) => Some(*f),
            Number::Complex(re, im) if *im == 0.0 => Some(*re),
            _ => None,
        }
    }

    fn py_eq(&self, other: &Number) -> bool {
        match (self, other) {
            (Number::Complex(a, b), Number::Complex(c, d)) => a == c && b == d,
            (Number::Int { .. }, _) | (_, Number::Int { .. }) => {
                // Exact: an int equals a float only when the float is that very integer.
                self.as_int().is_some() && self.as_int() == other.as_int()
            }
            _ => match (self.as_real(), other.as_real()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }

    fn key(&self) -> String {
        if let Some((negative, digits)) = self.as_int() {
            return format!("i{}{digits}", if negative { "-" } else { "" });
        }
        match self {
            Number::Float(f) if f.is_nan() => "nan".into(),
            Number::Float(f) => format!("f{f:?}"),
            Number::Complex(re, im) if *im == 0.0 => Number::Float(*re).key(),
            Number::Complex(re, im) => format!("c{re:?},{im:?}"),
            Number::Int { .. } => unreachable!("an int is always an exact integer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(j: Json) -> PyValue {
        PyValue::from_json(&j).unwrap_or_else(|| panic!("not an encoding: {j}"))
    }

    fn eq(a: Json, b: Json) -> bool {
        v(a).py_eq(&v(b))
    }

    #[test]
    fn numbers_compare_by_value_across_bool_int_float_and_complex() {
        assert!(eq(json!(1), json!(1.0)));
        assert!(eq(json!(true), json!(1)));
        assert!(eq(json!(false), json!(0.0)));
        assert!(eq(json!(0.0), json!(-0.0)));
        assert!(eq(json!({"int": "100000000000000000000"}), json!(1e20)));
        assert!(!eq(json!({"int": "100000000000000000001"}), json!(1e20)));
        assert!(eq(json!({"complex": [2.0, 0.0]}), json!(2)));
        assert!(!eq(json!({"complex": [2.0, 1.0]}), json!(2)));
        assert!(!eq(json!(0.1), json!(0)));
        assert!(eq(json!(2.5), json!(2.5)));
        assert!(!eq(json!({"float": "nan"}), json!({"float": "nan"})));
        assert!(eq(json!({"float": "inf"}), json!({"float": "inf"})));
        assert!(!eq(json!({"float": "inf"}), json!({"int": "9"})));
        assert!(eq(json!(-3), json!({"int": "-3"})));
    }

    #[test]
    fn containers_compare_like_python() {
        assert!(eq(json!([1, [2, "a"]]), json!([1.0, [2, "a"]])));
        assert!(
            !eq(json!([1, 2]), json!({"tuple": [1, 2]})),
            "list != tuple"
        );
        assert!(!eq(json!([1, 2]), json!([2, 1])));
        assert!(eq(json!({"set": [1, 2, 3]}), json!({"set": [3, 2.0, 1]})));
        assert!(!eq(json!({"set": [1, 2]}), json!({"set": [1, 3]})));
        assert!(eq(
            json!({"dict": [["a", 1], [2, [3]]]}),
            json!({"dict": [[2.0, [3]], ["a", true]]})
        ));
        assert!(!eq(
            json!({"dict": [["a", 1]]}),
            json!({"dict": [["a", 2]]})
        ));
        assert!(!eq(
            json!({"dict": [["a", 1]]}),
            json!({"dict": [["b", 1]]})
        ));
        assert!(eq(
            json!({"dict": [["banana", 1]]}),
            json!({"dict": [["banana", 1]]})
        ));
        assert!(!eq(json!("1"), json!(1)));
        assert!(!eq(json!("ab"), json!({"bytes": "6162"})));
        assert!(eq(json!({"bytes": "6162"}), json!({"bytes": "6162"})));
        assert!(eq(json!(null), json!(null)));
        assert!(!eq(json!(null), json!(0)));
        assert!(eq(
            json!({"set": [{"tuple": [1, "x"]}]}),
            json!({"set": [{"tuple": [1.0, "x"]}]})
        ));
    }

    #[test]
    fn truth_follows_python() {
        for falsy in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({"tuple": []}),
            json!({"set": []}),
            json!({"dict": []}),
            json!({"complex": [0.0, 0.0]}),
            json!({"bytes": ""}),
        ] {
            assert!(!v(falsy.clone()).truthy(), "{falsy}");
        }
        for truthy in [
            json!(true),
            json!(-1),
            json!("0"),
            json!([0]),
            json!({"float": "nan"}),
        ] {
            assert!(v(truthy.clone()).truthy(), "{truthy}");
        }
    }

    #[test]
    fn anything_else_is_not_an_encoding() {
        for bad in [
            json!({"object": "A"}),
            json!({"int": 3}),
            json!({"float": "1.5"}),
            json!({"tuple": [1], "set": [1]}),
            json!({"dict": [[1]]}),
            json!({"complex": [1, 2]}),
        ] {
            assert!(PyValue::from_json(&bad).is_none(), "{bad}");
        }
    }
}
