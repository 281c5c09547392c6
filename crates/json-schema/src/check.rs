//! Validating a value against compiled [`Node`]s: one function per keyword family, each
//! adding `path: what is wrong` errors. Bounded by the error limit, [`MAX_DEPTH`] for
//! `$ref` chains and [`MAX_STEPS`] subschema checks.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Display;

use serde_json::{Map, Number, Value};

use crate::compile::{Keywords, Node, type_of};
use crate::{MAX_DEPTH, MAX_STEPS, Schema, escape, json_eq, shown};

/// One validation: the document, the error limit and the steps taken.
pub(crate) struct Check<'s> {
    doc: &'s Schema,
    /// A subschema's own `$ref` targets.
    targets: Option<&'s HashMap<String, Node>>,
    max_errors: usize,
    steps: Cell<usize>,
}

/// Adds the error `message` at `path`.
fn fail(errors: &mut Vec<String>, path: &str, message: impl Display) {
    errors.push(format!("{}: {message}", shown(path)));
}

impl<'s> Check<'s> {
    pub(crate) fn new(
        doc: &'s Schema,
        targets: Option<&'s HashMap<String, Node>>,
        max_errors: usize,
    ) -> Check<'s> {
        Check {
            doc,
            targets,
            max_errors,
            steps: Cell::new(0),
        }
    }

    /// The errors of `instance` against `node` (at most the limit), or one saying the
    /// value was not checked when the step budget ran out: giving up is never a pass.
    pub(crate) fn run(&self, node: &Node, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let mut path = String::new();
        self.check(node, instance, &mut path, &mut errors, 0);
        if self.steps.get() > MAX_STEPS {
            return vec![format!(
                "(root): not checked: the schema needs more than {MAX_STEPS} steps for this value"
            )];
        }
        errors.truncate(self.max_errors);
        errors
    }

    fn target(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(&self.doc.root);
        }
        self.targets
            .and_then(|t| t.get(pointer))
            .or_else(|| self.doc.targets.get(pointer))
    }

    /// The errors of `instance` against `node` on their own (for the combinators).
    fn valid(&self, node: &Node, instance: &Value, path: &mut String, depth: usize) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(node, instance, path, &mut errors, depth);
        errors
    }

    /// Checks `v` (at `path`) against `node`: `$ref`, then `type`, `enum`, `const`, the
    /// keywords of `v`'s type, then the combinators.
    fn check(
        &self,
        node: &Node,
        v: &Value,
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if errors.len() >= self.max_errors || steps > MAX_STEPS {
            return;
        }
        let k = match node {
            Node::Bool(true) => return,
            Node::Bool(false) => {
                fail(errors, path, "no value is allowed here");
                return;
            }
            Node::Keywords(k) => k,
        };
        if let Some(target) = &k.reference {
            self.check_ref(target, v, path, errors, depth);
        }
        if let Some(types) = &k.types
            && !types.iter().any(|t| t.matches(v))
        {
            let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
            fail(
                errors,
                path,
                format_args!("expected {}, got {}", names.join(" or "), type_of(v)),
            );
            // The other keywords would only repeat the mismatch.
            return;
        }
        check_enum_const(k, v, path, errors);
        match v {
            Value::Object(map) => self.check_object(k, map, path, errors, depth),
            Value::Array(items) => self.check_array(k, items, path, errors, depth),
            Value::String(s) => self.check_string(k, s, path, errors),
            Value::Number(n) => check_number(k, n, path, errors),
            _ => {}
        }
        self.check_combinators(k, v, path, errors, depth);
        self.check_conditional(k, v, path, errors, depth);
    }

    /// `$ref`: the target checks `v` too, up to [`MAX_DEPTH`] references deep.
    fn check_ref(
        &self,
        target: &str,
        v: &Value,
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            fail(errors, path, "the schema's $ref chain is too deep");
            return;
        }
        match self.target(target) {
            Some(referenced) => self.check(referenced, v, path, errors, depth + 1),
            None => fail(errors, path, format_args!("`#{target}` is not defined")),
        }
    }

    /// `required`, `minProperties`, `maxProperties`, then each property against
    /// `properties`, `patternProperties` and `additionalProperties`.
    fn check_object(
        &self,
        k: &Keywords,
        map: &Map<String, Value>,
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        for name in &k.required {
            if !map.contains_key(name) {
                fail(
                    errors,
                    path,
                    format_args!("missing required property `{name}`"),
                );
            }
        }
        let n = map.len() as u64;
        check_count(
            errors,
            path,
            n,
            (k.min_properties, k.max_properties),
            "properties",
        );
        for (name, value) in map {
            let mut matched = false;
            let len = path.len();
            path.push('/');
            path.push_str(&escape(name));
            if let Some((_, s)) = k.properties.iter().find(|(p, _)| p == name) {
                matched = true;
                self.check(s, value, path, errors, depth);
            }
            for (re, s) in &k.pattern_properties {
                if re.is_match(name) {
                    matched = true;
                    self.check(s, value, path, errors, depth);
                }
            }
            path.truncate(len);
            if !matched && let Some(additional) = &k.additional {
                if matches!(additional, Node::Bool(false)) {
                    fail(errors, path, format_args!("unexpected property `{name}`"));
                } else {
                    path.push('/');
                    path.push_str(&escape(name));
                    self.check(additional, value, path, errors, depth);
                    path.truncate(len);
                }
            }
        }
    }

    /// `minItems`, `maxItems`, `uniqueItems`, then each item against `prefixItems` and
    /// `items`, then `contains`.
    fn check_array(
        &self,
        k: &Keywords,
        items: &[Value],
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        let n = items.len() as u64;
        check_count(errors, path, n, (k.min_items, k.max_items), "items");
        if k.unique_items {
            check_unique(items, path, errors);
        }
        for (i, item) in items.iter().enumerate() {
            let Some(s) = k.prefix_items.get(i).or(k.items.as_ref()) else {
                continue;
            };
            let len = path.len();
            path.push('/');
            path.push_str(&i.to_string());
            self.check(s, item, path, errors, depth);
            path.truncate(len);
        }
        if let Some(contains) = &k.contains {
            self.check_contains(k, contains, items, path, errors, depth);
        }
    }

    /// `contains` with `minContains` (1 unless given) and `maxContains`.
    fn check_contains(
        &self,
        k: &Keywords,
        contains: &Node,
        items: &[Value],
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        let matching = items
            .iter()
            .filter(|item| self.valid(contains, item, path, depth).is_empty())
            .count() as u64;
        let min = k.min_contains.unwrap_or(1);
        if matching < min {
            if min == 1 {
                fail(errors, path, "no item matches the `contains` schema");
            } else {
                fail(
                    errors,
                    path,
                    format_args!(
                        "expected at least {min} items matching `contains`, got {matching}"
                    ),
                );
            }
        }
        if let Some(max) = k.max_contains
            && matching > max
        {
            fail(
                errors,
                path,
                format_args!("expected at most {max} items matching `contains`, got {matching}"),
            );
        }
    }

    /// `minLength`, `maxLength` (in characters), `pattern`, and `format` when asserted.
    fn check_string(&self, k: &Keywords, s: &str, path: &str, errors: &mut Vec<String>) {
        let n = s.chars().count() as u64;
        check_count(errors, path, n, (k.min_length, k.max_length), "characters");
        if let Some((p, re)) = &k.pattern
            && !re.is_match(s)
        {
            fail(
                errors,
                path,
                format_args!("does not match the pattern `{p}`"),
            );
        }
        if self.doc.formats
            && let Some(f) = k.format
            && !f.accepts(s)
        {
            fail(
                errors,
                path,
                format_args!("does not match the format `{}`", f.name()),
            );
        }
    }

    /// `allOf`, `anyOf`, `oneOf` (reporting the closest branch when none matches), `not`.
    fn check_combinators(
        &self,
        k: &Keywords,
        v: &Value,
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        for s in &k.all_of {
            self.check(s, v, path, errors, depth);
        }
        if !k.any_of.is_empty() {
            let results: Vec<Vec<String>> = k
                .any_of
                .iter()
                .map(|s| self.valid(s, v, path, depth))
                .collect();
            if results.iter().all(|e| !e.is_empty()) {
                fail(
                    errors,
                    path,
                    format_args!(
                        "does not match any schema of anyOf; closest: {}",
                        closest(&results)
                    ),
                );
            }
        }
        if !k.one_of.is_empty() {
            let results: Vec<Vec<String>> = k
                .one_of
                .iter()
                .map(|s| self.valid(s, v, path, depth))
                .collect();
            match results.iter().filter(|e| e.is_empty()).count() {
                1 => {}
                0 => fail(
                    errors,
                    path,
                    format_args!(
                        "does not match any schema of oneOf; closest: {}",
                        closest(&results)
                    ),
                ),
                n => fail(
                    errors,
                    path,
                    format_args!("matches {n} schemas of oneOf, expected exactly one"),
                ),
            }
        }
        if let Some(not) = &k.not
            && self.valid(not, v, path, depth).is_empty()
        {
            fail(errors, path, "must not match the `not` schema");
        }
    }

    /// `if`/`then`/`else` (`then` and `else` do nothing without `if`).
    fn check_conditional(
        &self,
        k: &Keywords,
        v: &Value,
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        if let Some(condition) = &k.condition {
            let branch = if self.valid(condition, v, path, depth).is_empty() {
                &k.then
            } else {
                &k.otherwise
            };
            if let Some(branch) = branch {
                self.check(branch, v, path, errors, depth);
            }
        }
    }
}

/// `minProperties`/`maxProperties`, `minItems`/`maxItems`, `minLength`/`maxLength`: `n`
/// (the count of `what`) within `(min, max)`.
fn check_count(
    errors: &mut Vec<String>,
    path: &str,
    n: u64,
    (min, max): (Option<u64>, Option<u64>),
    what: &str,
) {
    if let Some(min) = min
        && n < min
    {
        fail(
            errors,
            path,
            format_args!("expected at least {min} {what}, got {n}"),
        );
    }
    if let Some(max) = max
        && n > max
    {
        fail(
            errors,
            path,
            format_args!("expected at most {max} {what}, got {n}"),
        );
    }
}

/// `enum` and `const`, compared by value ([`json_eq`]).
fn check_enum_const(k: &Keywords, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(list) = &k.enumeration
        && !list.iter().any(|e| json_eq(e, v))
    {
        let listed: Vec<String> = list.iter().map(Value::to_string).collect();
        fail(
            errors,
            path,
            format_args!("must be one of {}", listed.join(", ")),
        );
    }
    if let Some(c) = &k.constant
        && !json_eq(c, v)
    {
        fail(errors, path, format_args!("must be {c}"));
    }
}

/// `uniqueItems`: names the first pair of equal items.
fn check_unique(items: &[Value], path: &str, errors: &mut Vec<String>) {
    for (i, a) in items.iter().enumerate() {
        for (j, b) in items.iter().enumerate().skip(i + 1) {
            if json_eq(a, b) {
                fail(
                    errors,
                    path,
                    format_args!("items {i} and {j} are equal; items must be unique"),
                );
                return;
            }
        }
    }
}

/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`.
fn check_number(k: &Keywords, num: &Number, path: &str, errors: &mut Vec<String>) {
    let x = num.as_f64().unwrap_or(f64::NAN);
    if let Some(m) = k.minimum
        && x < m
    {
        fail(errors, path, format_args!("must be at least {m}"));
    }
    if let Some(m) = k.maximum
        && x > m
    {
        fail(errors, path, format_args!("must be at most {m}"));
    }
    if let Some(m) = k.exclusive_minimum
        && x <= m
    {
        fail(errors, path, format_args!("must be greater than {m}"));
    }
    if let Some(m) = k.exclusive_maximum
        && x >= m
    {
        fail(errors, path, format_args!("must be less than {m}"));
    }
    if let Some(m) = k.multiple_of {
        let q = x / m;
        // An overflowing quotient (1e308 / 0.123) is no whole number.
        if !q.is_finite() || (q - q.round()).abs() > 1e-9 {
            fail(errors, path, format_args!("must be a multiple of {m}"));
        }
    }
}

/// The errors of the branch that came closest (fewest errors), joined.
fn closest(results: &[Vec<String>]) -> String {
    results
        .iter()
        .min_by_key(|e| e.len())
        .map(|e| e.join("; "))
        .unwrap_or_default()
}
