//! Structured output: the request's `response-schema` (a JSON Schema) is checked when the
//! request arrives, and every reply is validated against it before it is returned.
//!
//! A validator for the common keywords of draft 2020-12, written here rather than taken
//! from the `jsonschema` crate: that crate builds for wasm32-wasip2 but multiplies the
//! component's size by ten (≈2.5 MB more, ~100 crates) for keywords model replies never
//! need. Supported: `type` (a name or a list), `enum`, `const`, `properties`, `required`,
//! `additionalProperties` (bool or schema), `patternProperties`, `minProperties`,
//! `maxProperties`, `items` (a schema; a list is read as draft-07 tuple form),
//! `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`,
//! `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`,
//! `allOf`, `anyOf`, `oneOf`, `not`, and `$ref` to `#`, `#/$defs/…` or
//! `#/definitions/…`. Other keywords (`format`, `title`, `description`, …) are annotations
//! and ignored. Patterns use `regex-lite` syntax (no look-around or back-references); a
//! pattern it cannot compile makes the schema invalid rather than silently unchecked.
//!
//! Errors name the instance path as a JSON pointer: `/questions/0/answer: expected string,
//! got number` (`(root)` for the whole document).

use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::Value;

/// Most validation errors reported for one reply.
const MAX_ERRORS: usize = 20;
/// Deepest `$ref` chain followed (guards `{"$ref": "#"}` loops).
const MAX_DEPTH: usize = 64;

/// A compiled schema.
#[derive(Debug)]
pub struct Schema {
    source: Value,
    root: Node,
    defs: HashMap<String, Node>,
}

#[derive(Debug)]
enum Node {
    Bool(bool),
    Keywords(Box<Keywords>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    String,
    Integer,
}

impl Type {
    fn parse(name: &str) -> Option<Type> {
        Some(match name {
            "null" => Type::Null,
            "boolean" => Type::Boolean,
            "object" => Type::Object,
            "array" => Type::Array,
            "number" => Type::Number,
            "string" => Type::String,
            "integer" => Type::Integer,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Boolean => "boolean",
            Type::Object => "object",
            Type::Array => "array",
            Type::Number => "number",
            Type::String => "string",
            Type::Integer => "integer",
        }
    }

    fn matches(self, v: &Value) -> bool {
        match (self, v) {
            (Type::Null, Value::Null)
            | (Type::Boolean, Value::Bool(_))
            | (Type::Object, Value::Object(_))
            | (Type::Array, Value::Array(_))
            | (Type::Number, Value::Number(_))
            | (Type::String, Value::String(_)) => true,
            (Type::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[derive(Debug, Default)]
struct Keywords {
    types: Option<Vec<Type>>,
    enumeration: Option<Vec<Value>>,
    constant: Option<Value>,
    properties: Vec<(String, Node)>,
    pattern_properties: Vec<(Regex, Node)>,
    required: Vec<String>,
    additional: Option<Node>,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    prefix_items: Vec<Node>,
    items: Option<Node>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(String, Regex)>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
    multiple_of: Option<f64>,
    all_of: Vec<Node>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    not: Option<Node>,
    /// `None`: no `$ref`; `Some("")`: the root; else a `$defs`/`definitions` key.
    reference: Option<String>,
}

/// Compiles subschemas, collecting the `$ref`s to check once every definition is known.
struct Compiler {
    refs: Vec<(String, String)>,
}

impl Compiler {
    fn node(&mut self, v: &Value, at: &str) -> Result<Node, String> {
        match v {
            Value::Bool(b) => Ok(Node::Bool(*b)),
            Value::Object(map) => {
                let mut k = Keywords::default();
                for (key, value) in map {
                    let here = format!("{at}/{}", escape(key));
                    self.keyword(&mut k, key, value, &here)?;
                }
                Ok(Node::Keywords(Box::new(k)))
            }
            _ => Err(format!(
                "{}: a schema must be an object or a boolean",
                shown(at)
            )),
        }
    }

    fn nodes(&mut self, v: &Value, at: &str) -> Result<Vec<Node>, String> {
        let list = v
            .as_array()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| format!("{at}: must be a non-empty list of schemas"))?;
        list.iter()
            .enumerate()
            .map(|(i, s)| self.node(s, &format!("{at}/{i}")))
            .collect()
    }

    fn keyword(&mut self, k: &mut Keywords, key: &str, v: &Value, at: &str) -> Result<(), String> {
        let count = || {
            v.as_u64()
                .ok_or_else(|| format!("{at}: must be a non-negative integer"))
        };
        let number = || v.as_f64().ok_or_else(|| format!("{at}: must be a number"));
        let regex = |p: &str| {
            Regex::new(p)
                .map_err(|e| format!("{at}: `{p}` is not a supported regular expression: {e}"))
        };
        match key {
            "type" => {
                let names: Vec<&Value> = match v {
                    Value::Array(list) if !list.is_empty() => list.iter().collect(),
                    Value::String(_) => vec![v],
                    _ => return Err(format!("{at}: must be a type name or a list of them")),
                };
                let types = names
                    .iter()
                    .map(|n| {
                        n.as_str().and_then(Type::parse).ok_or_else(|| {
                            format!(
                                "{at}: {n} is not a JSON Schema type (null, boolean, object, array, number, string, integer)"
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
                k.types = Some(types);
            }
            "enum" => {
                let list = v
                    .as_array()
                    .ok_or_else(|| format!("{at}: must be a list"))?;
                k.enumeration = Some(list.clone());
            }
            "const" => k.constant = Some(v.clone()),
            "properties" => {
                let map = v
                    .as_object()
                    .ok_or_else(|| format!("{at}: must be an object of schemas"))?;
                for (name, s) in map {
                    let node = self.node(s, &format!("{at}/{}", escape(name)))?;
                    k.properties.push((name.clone(), node));
                }
            }
            "patternProperties" => {
                let map = v
                    .as_object()
                    .ok_or_else(|| format!("{at}: must be an object of schemas"))?;
                for (p, s) in map {
                    let node = self.node(s, &format!("{at}/{}", escape(p)))?;
                    k.pattern_properties.push((regex(p)?, node));
                }
            }
            "required" => {
                let list = v
                    .as_array()
                    .ok_or_else(|| format!("{at}: must be a list of property names"))?;
                for name in list {
                    let name = name
                        .as_str()
                        .ok_or_else(|| format!("{at}: must be a list of property names"))?;
                    k.required.push(name.to_owned());
                }
            }
            "additionalProperties" => k.additional = Some(self.node(v, at)?),
            "minProperties" => k.min_properties = Some(count()?),
            "maxProperties" => k.max_properties = Some(count()?),
            "prefixItems" => k.prefix_items = self.nodes(v, at)?,
            // A list is draft-07's tuple form: read it as `prefixItems`.
            "items" if v.is_array() => k.prefix_items = self.nodes(v, at)?,
            "items" => k.items = Some(self.node(v, at)?),
            "minItems" => k.min_items = Some(count()?),
            "maxItems" => k.max_items = Some(count()?),
            "uniqueItems" => {
                k.unique_items = v
                    .as_bool()
                    .ok_or_else(|| format!("{at}: must be a boolean"))?;
            }
            "minLength" => k.min_length = Some(count()?),
            "maxLength" => k.max_length = Some(count()?),
            "pattern" => {
                let p = v
                    .as_str()
                    .ok_or_else(|| format!("{at}: must be a string"))?;
                k.pattern = Some((p.to_owned(), regex(p)?));
            }
            "minimum" => k.minimum = Some(number()?),
            "maximum" => k.maximum = Some(number()?),
            "exclusiveMinimum" => k.exclusive_minimum = Some(number()?),
            "exclusiveMaximum" => k.exclusive_maximum = Some(number()?),
            "multipleOf" => {
                let m = number()?;
                if m <= 0.0 {
                    return Err(format!("{at}: must be greater than 0"));
                }
                k.multiple_of = Some(m);
            }
            "allOf" => k.all_of = self.nodes(v, at)?,
            "anyOf" => k.any_of = self.nodes(v, at)?,
            "oneOf" => k.one_of = self.nodes(v, at)?,
            "not" => k.not = Some(self.node(v, at)?),
            "$ref" => {
                let r = v
                    .as_str()
                    .ok_or_else(|| format!("{at}: must be a string"))?;
                let target = def_key(r).ok_or_else(|| {
                    format!("{at}: `{r}`: only `#`, `#/$defs/…` and `#/definitions/…` references are supported")
                })?;
                self.refs.push((at.to_owned(), target.clone()));
                k.reference = Some(target);
            }
            // Compiled (and so checked) by `Schema::compile` at the root; nested ones
            // cannot be referenced and are only checked to be objects.
            "$defs" | "definitions" if !v.is_object() => {
                return Err(format!("{at}: must be an object of schemas"));
            }
            _ => {}
        }
        Ok(())
    }
}

/// The definitions key a `$ref` points at (`""` for the root document).
fn def_key(r: &str) -> Option<String> {
    if r == "#" {
        return Some(String::new());
    }
    let rest = r.strip_prefix("#/")?;
    let (section, name) = rest.split_once('/')?;
    if !matches!(section, "$defs" | "definitions") || name.is_empty() || name.contains('/') {
        return None;
    }
    Some(format!(
        "{section}/{}",
        name.replace("~1", "/").replace("~0", "~")
    ))
}

/// A JSON-pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn shown(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

impl Schema {
    /// Parses and compiles `response-schema` text. The error (for `invalid-request`, field
    /// `response_schema`) says what is wrong and where.
    pub fn parse(text: &str) -> Result<Schema, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        Schema::compile(v)
    }

    /// Compiles a schema document (it must be an object).
    pub fn compile(source: Value) -> Result<Schema, String> {
        if !source.is_object() {
            return Err("a JSON Schema must be a JSON object".into());
        }
        let mut compiler = Compiler { refs: Vec::new() };
        let root = compiler.node(&source, "")?;
        let mut defs = HashMap::new();
        for section in ["$defs", "definitions"] {
            if let Some(map) = source[section].as_object() {
                for (name, s) in map {
                    let at = format!("/{section}/{}", escape(name));
                    defs.insert(format!("{section}/{name}"), compiler.node(s, &at)?);
                }
            }
        }
        for (at, target) in &compiler.refs {
            if !target.is_empty() && !defs.contains_key(target) {
                return Err(format!("{at}: `#/{target}` is not defined"));
            }
        }
        Ok(Schema { source, root, defs })
    }

    /// The schema document as given.
    pub fn value(&self) -> &Value {
        &self.source
    }

    /// Validates `instance`; the errors (at most 20), each `path: what is wrong`.
    pub fn validate(&self, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let mut path = String::new();
        self.check(&self.root, instance, &mut path, &mut errors, 0);
        errors.truncate(MAX_ERRORS);
        errors
    }

    fn valid(&self, node: &Node, instance: &Value, path: &mut String, depth: usize) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(node, instance, path, &mut errors, depth);
        errors
    }

    fn check(
        &self,
        node: &Node,
        v: &Value,
        path: &mut String,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        if errors.len() >= MAX_ERRORS {
            return;
        }
        let k = match node {
            Node::Bool(true) => return,
            Node::Bool(false) => {
                errors.push(format!("{}: no value is allowed here", shown(path)));
                return;
            }
            Node::Keywords(k) => k,
        };
        macro_rules! fail {
            ($($arg:tt)*) => {
                errors.push(format!("{}: {}", shown(path), format!($($arg)*)))
            };
        }
        if let Some(target) = &k.reference {
            if depth >= MAX_DEPTH {
                fail!("the schema's $ref chain is too deep");
                return;
            }
            let referenced = if target.is_empty() {
                &self.root
            } else {
                &self.defs[target]
            };
            self.check(referenced, v, path, errors, depth + 1);
        }
        if let Some(types) = &k.types
            && !types.iter().any(|t| t.matches(v))
        {
            let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
            fail!("expected {}, got {}", names.join(" or "), type_of(v));
            // The other keywords would only repeat the mismatch.
            return;
        }
        if let Some(list) = &k.enumeration
            && !list.iter().any(|e| json_eq(e, v))
        {
            let listed: Vec<String> = list.iter().map(Value::to_string).collect();
            fail!("must be one of {}", listed.join(", "));
        }
        if let Some(c) = &k.constant
            && !json_eq(c, v)
        {
            fail!("must be {c}");
        }
        match v {
            Value::Object(map) => {
                for name in &k.required {
                    if !map.contains_key(name) {
                        fail!("missing required property `{name}`");
                    }
                }
                let n = map.len() as u64;
                if let Some(min) = k.min_properties
                    && n < min
                {
                    fail!("expected at least {min} properties, got {n}");
                }
                if let Some(max) = k.max_properties
                    && n > max
                {
                    fail!("expected at most {max} properties, got {n}");
                }
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
                            errors.push(format!("{}: unexpected property `{name}`", shown(path)));
                        } else {
                            path.push('/');
                            path.push_str(&escape(name));
                            self.check(additional, value, path, errors, depth);
                            path.truncate(len);
                        }
                    }
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if let Some(min) = k.min_items
                    && n < min
                {
                    fail!("expected at least {min} items, got {n}");
                }
                if let Some(max) = k.max_items
                    && n > max
                {
                    fail!("expected at most {max} items, got {n}");
                }
                if k.unique_items {
                    'outer: for (i, a) in items.iter().enumerate() {
                        for (j, b) in items.iter().enumerate().skip(i + 1) {
                            if json_eq(a, b) {
                                fail!("items {i} and {j} are equal; items must be unique");
                                break 'outer;
                            }
                        }
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    let s = match k.prefix_items.get(i) {
                        Some(s) => s,
                        None => match &k.items {
                            Some(s) => s,
                            None => continue,
                        },
                    };
                    let len = path.len();
                    path.push('/');
                    path.push_str(&i.to_string());
                    self.check(s, item, path, errors, depth);
                    path.truncate(len);
                }
            }
            Value::String(s) => {
                let n = s.chars().count() as u64;
                if let Some(min) = k.min_length
                    && n < min
                {
                    fail!("expected at least {min} characters, got {n}");
                }
                if let Some(max) = k.max_length
                    && n > max
                {
                    fail!("expected at most {max} characters, got {n}");
                }
                if let Some((p, re)) = &k.pattern
                    && !re.is_match(s)
                {
                    fail!("does not match the pattern `{p}`");
                }
            }
            Value::Number(num) => {
                let x = num.as_f64().unwrap_or(f64::NAN);
                if let Some(m) = k.minimum
                    && x < m
                {
                    fail!("must be at least {m}");
                }
                if let Some(m) = k.maximum
                    && x > m
                {
                    fail!("must be at most {m}");
                }
                if let Some(m) = k.exclusive_minimum
                    && x <= m
                {
                    fail!("must be greater than {m}");
                }
                if let Some(m) = k.exclusive_maximum
                    && x >= m
                {
                    fail!("must be less than {m}");
                }
                if let Some(m) = k.multiple_of {
                    let q = x / m;
                    if (q - q.round()).abs() > 1e-9 {
                        fail!("must be a multiple of {m}");
                    }
                }
            }
            _ => {}
        }
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
                errors.push(format!(
                    "{}: does not match any schema of anyOf; closest: {}",
                    shown(path),
                    closest(&results)
                ));
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
                0 => errors.push(format!(
                    "{}: does not match any schema of oneOf; closest: {}",
                    shown(path),
                    closest(&results)
                )),
                n => errors.push(format!(
                    "{}: matches {n} schemas of oneOf, expected exactly one",
                    shown(path)
                )),
            }
        }
        if let Some(not) = &k.not
            && self.valid(not, v, path, depth).is_empty()
        {
            errors.push(format!("{}: must not match the `not` schema", shown(path)));
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

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

/// The JSON in a model's reply: the text itself, or the inside of a ```` ```json … ``` ````
/// fence around it (or, failing that, of the first fenced block in it). Returns the bare
/// JSON text (what the caller gets as `content`) and its value; the error says why it is
/// not JSON.
pub fn extract_json(reply: &str) -> Result<(String, Value), String> {
    let text = reply.trim();
    let candidate = unfence(text).unwrap_or(text);
    let first = match serde_json::from_str::<Value>(candidate) {
        Ok(v) => return Ok((candidate.to_owned(), v)),
        Err(e) => e,
    };
    // Prose around a fenced block ("Here is the JSON: ```json … ```").
    if let Some(start) = text.find("```")
        && start > 0
        && let Some(inner) = unfence(&text[start..])
        && let Ok(v) = serde_json::from_str::<Value>(inner)
    {
        return Ok((inner.to_owned(), v));
    }
    Err(format!("the reply is not JSON: {first}"))
}

/// The inside of a code fence opening `text`, if it opens with one.
fn unfence(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("```")?;
    let body = match rest.find('\n') {
        // An info string (`json`, `JSON`, empty) ends the opening line.
        Some(nl) if rest[..nl].trim().chars().all(|c| c.is_ascii_alphanumeric()) => &rest[nl + 1..],
        _ => rest,
    };
    let body = match body.find("```") {
        Some(end) => &body[..end],
        None => body,
    };
    Some(body.trim())
}

/// The user turn of the repair attempt: what was wrong and what to reply instead.
pub fn repair_prompt(errors: &[String], schema: &Value) -> String {
    let mut prompt =
        String::from("Your previous reply does not satisfy the required JSON Schema:\n");
    for e in errors {
        prompt.push_str("- ");
        prompt.push_str(e);
        prompt.push('\n');
    }
    prompt.push_str(
        "Reply again with only the corrected JSON (no prose, no code fence) satisfying this JSON Schema: ",
    );
    prompt.push_str(&schema.to_string());
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(v: Value) -> Schema {
        Schema::compile(v).unwrap()
    }

    fn quiz() -> Schema {
        schema(json!({
            "type": "object",
            "required": ["questions"],
            "additionalProperties": false,
            "properties": {
                "questions": {
                    "type": "array", "minItems": 1, "maxItems": 3,
                    "items": {
                        "type": "object",
                        "required": ["prompt", "answer"],
                        "properties": {
                            "prompt": {"type": "string", "minLength": 3},
                            "answer": {"type": "string"},
                            "points": {"type": "integer", "minimum": 1, "maximum": 5},
                            "kind": {"enum": ["open", "choice"]}
                        }
                    }
                }
            }
        }))
    }

    #[test]
    fn valid_documents_pass() {
        let s = quiz();
        let ok =
            json!({"questions": [{"prompt": "2+2?", "answer": "4", "points": 2, "kind": "open"}]});
        assert_eq!(s.validate(&ok), Vec::<String>::new());
        // 2.0 is an integer by value.
        let ok = json!({"questions": [{"prompt": "2+2?", "answer": "4", "points": 2.0}]});
        assert_eq!(s.validate(&ok), Vec::<String>::new());
    }

    #[test]
    fn invalid_documents_name_the_path() {
        let s = quiz();
        let bad = json!({"questions": [{"prompt": "2+2?", "answer": 4}, {"prompt": "x", "points": 9, "kind": "essay"}], "extra": 1});
        // Sorted: the order of an object's properties is serde_json's, not ours.
        let mut errors = s.validate(&bad);
        errors.sort();
        assert_eq!(
            errors,
            [
                "(root): unexpected property `extra`",
                "/questions/0/answer: expected string, got integer",
                "/questions/1/kind: must be one of \"open\", \"choice\"",
                "/questions/1/points: must be at most 5",
                "/questions/1/prompt: expected at least 3 characters, got 1",
                "/questions/1: missing required property `answer`",
            ]
        );
        assert_eq!(
            s.validate(&json!([1])),
            ["(root): expected object, got array"]
        );
        assert_eq!(
            s.validate(&json!({"questions": []})),
            ["/questions: expected at least 1 items, got 0"]
        );
    }

    #[test]
    fn scalar_keywords() {
        let s = schema(json!({"type": ["string", "null"], "pattern": "^[a-z]+$", "maxLength": 4}));
        assert!(s.validate(&json!(null)).is_empty());
        assert!(s.validate(&json!("abc")).is_empty());
        assert_eq!(
            s.validate(&json!("abcde")),
            ["(root): expected at most 4 characters, got 5"]
        );
        assert_eq!(
            s.validate(&json!("AB")),
            ["(root): does not match the pattern `^[a-z]+$`"]
        );
        assert_eq!(
            s.validate(&json!(3)),
            ["(root): expected string or null, got integer"]
        );
        let n = schema(
            json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25}),
        );
        assert!(n.validate(&json!(0.5)).is_empty());
        assert_eq!(n.validate(&json!(0)), ["(root): must be greater than 0"]);
        assert_eq!(n.validate(&json!(1)), ["(root): must be less than 1"]);
        assert_eq!(
            n.validate(&json!(0.3)),
            ["(root): must be a multiple of 0.25"]
        );
        let c = schema(json!({"const": {"a": [1, 2]}}));
        assert!(c.validate(&json!({"a": [1.0, 2]})).is_empty());
        assert_eq!(
            c.validate(&json!({"a": [2]})),
            ["(root): must be {\"a\":[1,2]}"]
        );
        let u = schema(
            json!({"type": "array", "uniqueItems": true, "prefixItems": [{"type": "integer"}], "items": {"type": "string"}}),
        );
        assert!(u.validate(&json!([1, "a", "b"])).is_empty());
        assert_eq!(
            u.validate(&json!([1, "a", "a"])),
            ["(root): items 1 and 2 are equal; items must be unique"]
        );
        assert_eq!(
            u.validate(&json!(["x"])),
            ["/0: expected integer, got string"]
        );
    }

    #[test]
    fn combinators_and_refs() {
        let s = schema(json!({
            "$defs": {"pos": {"type": "integer", "minimum": 1}, "node": {
                "type": "object", "properties": {"next": {"$ref": "#/$defs/node"}, "v": {"$ref": "#/$defs/pos"}}
            }},
            "type": "object",
            "properties": {
                "a": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/pos"}]},
                "b": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
                "c": {"not": {"type": "null"}},
                "d": {"allOf": [{"minLength": 1}, {"maxLength": 2}]},
                "list": {"$ref": "#/$defs/node"}
            },
            "additionalProperties": {"type": "boolean"}
        }));
        assert!(s.validate(&json!({"a": "x", "b": 1.5, "c": 1, "d": "ab", "z": true, "list": {"v": 1, "next": {"v": 2}}})).is_empty());
        assert_eq!(
            s.validate(&json!({"a": 0})),
            ["/a: does not match any schema of anyOf; closest: /a: expected string, got integer"]
        );
        assert_eq!(
            s.validate(&json!({"b": 1})),
            ["/b: matches 2 schemas of oneOf, expected exactly one"]
        );
        assert_eq!(
            s.validate(&json!({"c": null})),
            ["/c: must not match the `not` schema"]
        );
        assert_eq!(
            s.validate(&json!({"d": "abc"})),
            ["/d: expected at most 2 characters, got 3"]
        );
        assert_eq!(
            s.validate(&json!({"z": 1})),
            ["/z: expected boolean, got integer"]
        );
        assert_eq!(
            s.validate(&json!({"list": {"next": {"next": {"v": 0}}}})),
            ["/list/next/next/v: must be at least 1"]
        );
        // A self-reference without progress stops.
        let loops = schema(json!({"$ref": "#"}));
        assert_eq!(
            loops.validate(&json!(1)),
            ["(root): the schema's $ref chain is too deep"]
        );
    }

    #[test]
    fn invalid_schemas_say_where() {
        let err = |v: Value| Schema::compile(v).unwrap_err();
        assert!(
            Schema::parse("{")
                .unwrap_err()
                .starts_with("not valid JSON")
        );
        assert!(
            Schema::parse("[]")
                .unwrap_err()
                .contains("must be a JSON object")
        );
        assert!(
            Schema::parse("true")
                .unwrap_err()
                .contains("must be a JSON object")
        );
        assert_eq!(
            err(json!({"type": "strin"})),
            "/type: \"strin\" is not a JSON Schema type (null, boolean, object, array, number, string, integer)"
        );
        assert_eq!(
            err(json!({"properties": {"age": {"minimum": "3"}}})),
            "/properties/age/minimum: must be a number"
        );
        assert_eq!(
            err(json!({"required": "a"})),
            "/required: must be a list of property names"
        );
        assert_eq!(
            err(json!({"properties": {"a": 3}})),
            "/properties/a: a schema must be an object or a boolean"
        );
        assert_eq!(
            err(json!({"anyOf": []})),
            "/anyOf: must be a non-empty list of schemas"
        );
        assert!(
            err(json!({"pattern": "(unclosed"}))
                .starts_with("/pattern: `(unclosed` is not a supported")
        );
        assert_eq!(
            err(json!({"$ref": "#/$defs/missing"})),
            "/$ref: `#/$defs/missing` is not defined"
        );
        assert!(err(json!({"$ref": "http://example.com/s.json"})).contains("only `#`"));
        assert_eq!(
            err(json!({"$defs": {"x": {"type": 1}}})),
            "/$defs/x/type: must be a type name or a list of them"
        );
        assert_eq!(
            err(json!({"multipleOf": 0})),
            "/multipleOf: must be greater than 0"
        );
        assert_eq!(
            err(json!({"minItems": -1})),
            "/minItems: must be a non-negative integer"
        );
        // Unknown keywords and annotations are fine.
        assert!(Schema::compile(json!({"format": "email", "title": "t", "x-custom": 1})).is_ok());
    }

    #[test]
    fn json_is_extracted_from_fences_and_prose() {
        let (text, v) = extract_json("```json\n{\"a\": 1}\n```").unwrap();
        assert_eq!((text.as_str(), v), ("{\"a\": 1}", json!({"a": 1})));
        assert_eq!(extract_json("  [1, 2] ").unwrap().0, "[1, 2]");
        assert_eq!(extract_json("```\n[1]\n```\n").unwrap().0, "[1]");
        assert_eq!(extract_json("```{\"a\":2}```").unwrap().0, "{\"a\":2}");
        assert_eq!(
            extract_json("Here it is:\n```json\n{\"b\": true}\n```\nEnjoy!")
                .unwrap()
                .0,
            "{\"b\": true}"
        );
        assert!(
            extract_json("Sure! The answer is 4.")
                .unwrap_err()
                .starts_with("the reply is not JSON")
        );
    }

    #[test]
    fn the_repair_prompt_lists_errors_and_the_schema() {
        let p = repair_prompt(
            &[
                "/a: expected string, got integer".into(),
                "(root): missing required property `b`".into(),
            ],
            &json!({"type": "object"}),
        );
        assert_eq!(
            p,
            "Your previous reply does not satisfy the required JSON Schema:\n\
             - /a: expected string, got integer\n\
             - (root): missing required property `b`\n\
             Reply again with only the corrected JSON (no prose, no code fence) satisfying this JSON Schema: {\"type\":\"object\"}"
        );
    }
}
