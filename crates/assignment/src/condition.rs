//! GrowthBook's targeting conditions: a MongoDB-like query over the unit's attributes
//! (`{"country": {"$in": ["DE", "AT"]}, "age": {"$gte": 18}}`), as the SDKs' `evalCondition`.
//!
//! Semantics follow GrowthBook's Python SDK 4.x, which tracks the JavaScript SDK's
//! behaviour and is the implementation the test vectors come from:
//!
//! - a key is an attribute path (`user.plan`, `tags.0`, `tags.length`), or `$or`, `$nor`,
//!   `$and`, `$not`; a missing attribute reads as `null`;
//! - a plain value matches by strict equality (same JSON type, `1` ≠ `"1"` ≠ `true`; arrays
//!   element by element; objects key by key);
//! - `$in`/`$nin` against an array attribute intersect it with the list;
//! - an operator this crate does not know makes the condition fail, and so does a malformed
//!   condition (a `$not` that is not an object, an `$or` that is not a list…), however it is
//!   nested: `$not` never turns an error into a match.
//!
//! Differences from the SDKs, all on edge cases: objects compare equal whatever the order
//! of their keys (JavaScript compares `JSON.stringify` output, so key order matters there);
//! regular expressions use the `regex` crate's syntax (no look-around or back-references:
//! such a pattern fails to compile and evaluates false, as an invalid one does in the SDK);
//! saved groups (`$inGroup`, `$notInGroup`, `$savedGroup`) are evaluated with no groups
//! defined, as the SDK does when the payload carries none.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::js;

/// Deepest nesting evaluated; deeper conditions fail, as the SDK's do past its recursion
/// limit. Parsed JSON is at most 128 levels deep (`serde_json`'s limit), well within it: the
/// cap only guards conditions built in code against overflowing the stack.
const MAX_DEPTH: usize = 512;

/// Largest compiled size of one `$regex` pattern, so an admin's pattern cannot take the
/// plugin's memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A condition the SDK would raise on while evaluating it; the whole condition then fails.
#[derive(Debug)]
struct Malformed;

/// `Some(result)`, or `None` when the result depends on an operator this crate does not know
/// (which the SDK treats as "not true" without failing siblings that are false).
type Outcome = Result<Option<bool>, Malformed>;

/// Whether `attributes` (a JSON object) satisfy `condition` (a JSON object).
///
/// Never fails: a malformed condition, or one using an unknown operator, is simply not met,
/// as in every GrowthBook SDK (a rule with a broken condition is skipped, not an error).
#[must_use]
pub fn eval_condition(attributes: &Value, condition: &Value) -> bool {
    matches!(eval_cond(attributes, condition, 0), Ok(Some(true)))
}

/// The value at a dotted `path` of `attributes`, `null` when absent. Array segments are a
/// canonical index (`0`, `12`, not `01`) or `length`, as JavaScript property access reads
/// them.
#[must_use]
pub fn get_path<'a>(attributes: &'a Value, path: &str) -> Cow<'a, Value> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut current = attributes;
    for (i, segment) in segments.iter().enumerate() {
        match current {
            Value::Object(map) => match map.get(*segment) {
                Some(v) => current = v,
                None => return Cow::Owned(Value::Null),
            },
            // `length` is a number: a segment after it finds nothing.
            Value::Array(items) if *segment == "length" => {
                return if i + 1 == segments.len() {
                    Cow::Owned(Value::from(items.len()))
                } else {
                    Cow::Owned(Value::Null)
                };
            }
            Value::Array(items) => match array_index(segment, items.len()) {
                Some(i) => current = &items[i],
                None => return Cow::Owned(Value::Null),
            },
            _ => return Cow::Owned(Value::Null),
        }
    }
    Cow::Borrowed(current)
}

/// `segment` as an index below `len`, when it is a canonical array index.
fn array_index(segment: &str, len: usize) -> Option<usize> {
    let canonical = !segment.is_empty()
        && segment.len() <= 10
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    if !canonical {
        return None;
    }
    segment.parse::<usize>().ok().filter(|i| *i < len)
}

/// GrowthBook's `paddedVersionString`: a version made comparable as a string. A leading `v`
/// and build metadata (`+…`) are dropped, numeric parts are left-padded to five characters
/// (so `" 9" < "10"`), and a plain `x.y.z` gains a `~` part so it sorts after its
/// pre-releases (`1.0.0-beta` < `1.0.0`). Numbers are read as JavaScript prints them.
#[must_use]
pub fn padded_version_string(value: &Value) -> String {
    let text = match value {
        Value::Number(n) => js::number_to_string(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => s.clone(),
        _ => String::new(),
    };
    let text = if text.is_empty() {
        "0".to_owned()
    } else {
        text
    };
    let mut s: &str = text.strip_prefix('v').unwrap_or(&text);
    // `\+.*$`: from the first `+` that has no line break after it.
    if let Some(i) = s
        .char_indices()
        .find(|(i, c)| *c == '+' && !s[*i..].contains('\n'))
        .map(|(i, _)| i)
    {
        s = &s[..i];
    }
    let mut parts: Vec<&str> = s.split(['-', '.']).collect();
    if parts.len() == 3 {
        parts.push("~");
    }
    parts
        .iter()
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                format!("{p:>5}")
            } else {
                (*p).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `!result`, keeping "undecided" undecided.
fn not(result: Option<bool>) -> Option<bool> {
    result.map(|b| !b)
}

/// Folds one more entry's result into an all-of result: a false entry decides it.
fn all_of(acc: &mut Option<bool>, r: Option<bool>) -> bool {
    match r {
        Some(false) => true,
        None => {
            *acc = None;
            false
        }
        Some(true) => false,
    }
}

/// A condition object against `attributes`.
fn eval_cond(attributes: &Value, condition: &Value, depth: usize) -> Outcome {
    if depth > MAX_DEPTH {
        return Err(Malformed);
    }
    let Value::Object(map) = condition else {
        return Err(Malformed);
    };
    let mut result = Some(true);
    for (key, value) in map {
        let r = match key.as_str() {
            "$or" => eval_or(attributes, value, depth + 1)?,
            "$nor" => not(eval_or(attributes, value, depth + 1)?),
            "$and" => eval_and(attributes, value, depth + 1)?,
            "$not" => not(eval_cond(attributes, value, depth + 1)?),
            // No saved groups are defined, so a reference to one never matches.
            "$savedGroup" | "$savedGroups" => Some(false),
            path => eval_value(value, &get_path(attributes, path), false, depth + 1)?,
        };
        if all_of(&mut result, r) {
            return Ok(Some(false));
        }
    }
    Ok(result)
}

/// The list an `$or`/`$and`/`$nor` holds; an empty string or object counts as an empty list
/// (the SDK takes its length), anything else that is not a list is malformed.
fn condition_list(conditions: &Value) -> Result<&[Value], Malformed> {
    match conditions {
        Value::Array(items) => Ok(items),
        Value::String(s) if s.is_empty() => Ok(&[]),
        Value::Object(m) if m.is_empty() => Ok(&[]),
        _ => Err(Malformed),
    }
}

/// `$or`: any condition holds; an empty list holds.
fn eval_or(attributes: &Value, conditions: &Value, depth: usize) -> Outcome {
    let list = condition_list(conditions)?;
    if list.is_empty() {
        return Ok(Some(true));
    }
    let mut result = Some(false);
    for c in list {
        match eval_cond(attributes, c, depth)? {
            Some(true) => return Ok(Some(true)),
            None => result = None,
            Some(false) => {}
        }
    }
    Ok(result)
}

/// `$and`: every condition holds.
fn eval_and(attributes: &Value, conditions: &Value, depth: usize) -> Outcome {
    let list = condition_list(conditions)?;
    let mut result = Some(true);
    for c in list {
        if all_of(&mut result, eval_cond(attributes, c, depth)?) {
            return Ok(Some(false));
        }
    }
    Ok(result)
}

/// Whether `value` is an object of operators only (`{"$gt": 1}`); `{}` counts, and matches
/// anything.
fn is_operator_object(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.keys().all(|k| k.starts_with('$')),
        _ => false,
    }
}

/// A condition value (operators, or a plain value to equal) against one attribute value.
fn eval_value(condition: &Value, actual: &Value, insensitive: bool, depth: usize) -> Outcome {
    if depth > MAX_DEPTH {
        return Err(Malformed);
    }
    if let Value::Object(ops) = condition
        && is_operator_object(condition)
    {
        let mut result = Some(true);
        for (op, expected) in ops {
            if all_of(&mut result, eval_operator(op, actual, expected, depth + 1)?) {
                return Ok(Some(false));
            }
        }
        return Ok(result);
    }
    if insensitive && let (Value::String(a), Value::String(b)) = (condition, actual) {
        return Ok(Some(a.to_lowercase() == b.to_lowercase()));
    }
    Ok(Some(strict_deep_equal(condition, actual)))
}

/// The JSON type name `$type` compares with.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A number's value as JavaScript holds it.
fn num(n: &serde_json::Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// Literal equality of two JSON values: same type all the way down (`true` ≠ `1`), numbers
/// by value (`1` = `1.0`).
fn strict_deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => num(x) == num(y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| strict_deep_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => objects_equal(x, y),
        _ => false,
    }
}

/// Two objects with the same keys holding strictly equal values.
fn objects_equal(x: &Map<String, Value>, y: &Map<String, Value>) -> bool {
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.get(k).is_some_and(|w| strict_deep_equal(v, w)))
}

/// JavaScript's `===` between two values parsed separately: same type and value; arrays and
/// objects are never `===` (they are different references).
fn js_strict_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => num(x) == num(y),
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// Orders two numbers or two strings (strings by UTF-16 code units, as JavaScript does);
/// `None` for anything else, which no ordering operator matches.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num(x).partial_cmp(&num(y)),
        (Value::String(x), Value::String(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        _ => None,
    }
}

/// Whether two values can be ordered (two numbers, or two strings).
fn orderable(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_))
    )
}

/// Python truthiness, which the SDK's `$exists` reads its argument with (`[]` and `{}` are
/// false there).
fn py_truthy(value: &Value) -> bool {
    match value {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        other => js::truthy(other),
    }
}

/// Lowercases strings for the case-insensitive operators; other values are unchanged.
fn fold(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::String(s) => Cow::Owned(Value::String(s.to_lowercase())),
        other => Cow::Borrowed(other),
    }
}

/// `$in`: the attribute equals one of `list`; an array attribute shares an element with it.
fn is_in(list: &[Value], actual: &Value, insensitive: bool) -> bool {
    let eq = |a: &Value, b: &Value| {
        if insensitive {
            js_strict_equal(&fold(a), &fold(b))
        } else {
            js_strict_equal(a, b)
        }
    };
    match actual {
        Value::Array(items) => items.iter().any(|a| list.iter().any(|e| eq(a, e))),
        Value::Object(_) => false,
        scalar => list.iter().any(|e| eq(scalar, e)),
    }
}

/// `$all`: every condition in `list` is met by some element of the array attribute.
fn is_in_all(list: &[Value], actual: &Value, insensitive: bool, depth: usize) -> Outcome {
    let Value::Array(items) = actual else {
        return Ok(Some(false));
    };
    let mut result = Some(true);
    for condition in list {
        let mut passed = Some(false);
        for item in items {
            match eval_value(condition, item, insensitive, depth)? {
                Some(true) => {
                    passed = Some(true);
                    break;
                }
                None => passed = None,
                Some(false) => {}
            }
        }
        if all_of(&mut result, passed) {
            return Ok(Some(false));
        }
    }
    Ok(result)
}

/// `$elemMatch`: some non-null element of the array attribute meets `condition`, read as
/// operators on the element itself (`{"$gt": 5}`) or as a condition on its fields.
fn elem_match(condition: &Value, actual: &Value, depth: usize) -> Outcome {
    let Value::Array(items) = actual else {
        return Ok(Some(false));
    };
    let on_value = is_operator_object(condition)
        && condition.as_object().is_some_and(|m| {
            !m.keys()
                .any(|k| matches!(k.as_str(), "$or" | "$nor" | "$and" | "$savedGroup"))
        });
    let mut result = Some(false);
    for item in items.iter().filter(|i| !i.is_null()) {
        let r = if on_value {
            eval_value(condition, item, false, depth)?
        } else {
            eval_cond(item, condition, depth)?
        };
        match r {
            Some(true) => return Ok(Some(true)),
            None => result = None,
            Some(false) => {}
        }
    }
    Ok(result)
}

/// Whether `pattern` (when it compiles) finds a match in `actual` (when it is a string).
fn regex_test(pattern: &Value, actual: &Value, insensitive: bool) -> Option<bool> {
    let (Value::String(p), Value::String(a)) = (pattern, actual) else {
        return None;
    };
    let re = regex::RegexBuilder::new(p)
        .case_insensitive(insensitive)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .ok()?;
    Some(re.is_match(a))
}

/// One operator of a condition value against the attribute value.
fn eval_operator(op: &str, actual: &Value, expected: &Value, depth: usize) -> Outcome {
    let list = expected.as_array().map(Vec::as_slice);
    let decided = |b: bool| Ok(Some(b));
    match op {
        "$eq" => decided(js_strict_equal(actual, expected)),
        "$ne" => decided(!js_strict_equal(actual, expected)),
        "$lt" | "$lte" | "$gt" | "$gte" => {
            let Some(ord) = order(actual, expected) else {
                return decided(false);
            };
            decided(match op {
                "$lt" => ord == Ordering::Less,
                "$lte" => ord != Ordering::Greater,
                "$gt" => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            })
        }
        "$veq" | "$vne" | "$vlt" | "$vlte" | "$vgt" | "$vgte" => {
            // `$vne` is `$veq` negated, so it holds on a type mismatch.
            if !orderable(actual, expected) {
                return decided(op == "$vne");
            }
            let a = padded_version_string(actual);
            let e = padded_version_string(expected);
            decided(match op {
                "$veq" => a == e,
                "$vne" => a != e,
                "$vlt" => a < e,
                "$vlte" => a <= e,
                "$vgt" => a > e,
                _ => a >= e,
            })
        }
        "$regex" => decided(regex_test(expected, actual, false).unwrap_or(false)),
        "$regexi" => decided(regex_test(expected, actual, true).unwrap_or(false)),
        // A missing attribute or a broken pattern does not match, so `$notRegex` holds.
        "$notRegex" => decided(!regex_test(expected, actual, false).unwrap_or(false)),
        "$notRegexi" => decided(!regex_test(expected, actual, true).unwrap_or(false)),
        "$in" => decided(list.is_some_and(|l| is_in(l, actual, false))),
        "$nin" => decided(list.is_some_and(|l| !is_in(l, actual, false))),
        "$ini" => decided(list.is_some_and(|l| is_in(l, actual, true))),
        "$nini" => decided(list.is_some_and(|l| !is_in(l, actual, true))),
        // No saved groups are defined: nobody is in one.
        "$inGroup" => decided(false),
        "$notInGroup" => decided(expected.is_string()),
        "$elemMatch" => elem_match(expected, actual, depth),
        "$size" => match actual {
            Value::Array(items) => eval_value(expected, &Value::from(items.len()), false, depth),
            _ => decided(false),
        },
        "$all" | "$alli" => match list {
            Some(l) => is_in_all(l, actual, op == "$alli", depth),
            None => decided(false),
        },
        "$exists" => decided(if py_truthy(expected) {
            !actual.is_null()
        } else {
            actual.is_null()
        }),
        "$type" => decided(expected.as_str() == Some(type_name(actual))),
        "$not" => Ok(not(eval_value(expected, actual, false, depth)?)),
        // Known keys, but of a condition, not of a value: never met here.
        "$or" | "$nor" | "$and" | "$savedGroup" => decided(false),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(attributes: Value, condition: Value) -> bool {
        eval_condition(&attributes, &condition)
    }

    #[test]
    fn plain_values_compare_strictly() {
        assert!(holds(json!({"a": 1}), json!({"a": 1.0})));
        assert!(!holds(json!({"a": 1}), json!({"a": "1"})));
        assert!(!holds(json!({"a": true}), json!({"a": 1})));
        assert!(holds(json!({"a": [1, "x"]}), json!({"a": [1, "x"]})));
        assert!(holds(json!({}), json!({"missing": null})));
    }

    #[test]
    fn paths_reach_into_objects_and_arrays() {
        let attrs = json!({"user": {"tags": ["a", "b"]}});
        assert_eq!(*get_path(&attrs, "user.tags.1"), json!("b"));
        assert_eq!(*get_path(&attrs, "user.tags.length"), json!(2));
        assert_eq!(*get_path(&attrs, "user.tags.01"), Value::Null);
        assert_eq!(*get_path(&attrs, "user.tags.length.x"), Value::Null);
        assert_eq!(*get_path(&attrs, "user.none"), Value::Null);
    }

    #[test]
    fn in_intersects_array_attributes() {
        assert!(holds(
            json!({"t": ["a", "b"]}),
            json!({"t": {"$in": ["b"]}})
        ));
        assert!(!holds(json!({"t": ["a"]}), json!({"t": {"$in": ["b"]}})));
        assert!(holds(json!({"t": ["a"]}), json!({"t": {"$nin": ["b"]}})));
        // A non-list argument never matches, for `$nin` too.
        assert!(!holds(json!({"t": "a"}), json!({"t": {"$nin": "b"}})));
        assert!(!holds(json!({"t": 1}), json!({"t": {"$in": [true]}})));
    }

    #[test]
    fn versions_compare_padded() {
        assert!(holds(
            json!({"v": "1.10.0"}),
            json!({"v": {"$vgt": "1.9.0"}})
        ));
        assert!(holds(
            json!({"v": "1.0.0-beta"}),
            json!({"v": {"$vlt": "1.0.0"}})
        ));
        assert!(holds(
            json!({"v": "v1.2.3+build"}),
            json!({"v": {"$veq": "1.2.3"}})
        ));
        assert_eq!(
            padded_version_string(&json!("1.2.3")),
            "    1-    2-    3-~"
        );
    }

    #[test]
    fn errors_are_never_matches_even_under_not() {
        assert!(!holds(json!({}), json!({"$not": [1]})));
        assert!(!holds(json!({}), json!({"$not": {"$or": 5}})));
        assert!(!holds(json!({"a": 1}), json!({"a": {"$unknown": 1}})));
        assert!(!holds(
            json!({"a": 1}),
            json!({"$not": {"a": {"$unknown": 1}}})
        ));
        assert!(!holds(json!({"a": 1}), json!([])));
    }

    #[test]
    fn invalid_regex_is_false() {
        assert!(!holds(json!({"a": "x"}), json!({"a": {"$regex": "("}})));
        assert!(holds(json!({"a": "x"}), json!({"a": {"$notRegex": "("}})));
        assert!(holds(
            json!({"a": "Hello"}),
            json!({"a": {"$regexi": "^hello$"}})
        ));
    }

    #[test]
    fn deep_nesting_fails_instead_of_overflowing() {
        let mut c = json!({"a": 1});
        for _ in 0..700 {
            c = json!({"$not": c});
        }
        assert!(!holds(json!({"a": 1}), c));
    }
}
