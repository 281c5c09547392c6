//! A JSON Schema instance generator.
//!
//! The offline model has to answer every feature's `response-schema` with JSON the gateway
//! accepts, whatever the schema. The generator walks the schema (`$ref` to `#/...`,
//! `allOf` merged, the first `anyOf`/`oneOf` branch, `nullable`, type arrays) and at each
//! node first asks a [`Content`] for a meaningful value (a quiz question for `question`, a
//! rewrite for `text`), keeping it only if it validates; otherwise it builds a value from
//! the constraints alone. Values are checked with the gateway's own validator
//! (the `json-schema` crate, with `format` asserted), so what is kept is what the gateway
//! accepts; a schema the gateway refuses (it never passes one on) leaves them unchecked.
//!
//! Nothing here panics or runs away: recursion through `$ref` is detected (recursive nodes
//! get only their required properties and minimum items), depth, node count, item count
//! and string length are capped, and contradictory constraints get a best effort.
//! `pattern` is met with a sample from the pattern when the content does not match.
//! Limits: `patternProperties`, `propertyNames` and `dependent*` are not generated for.

use std::rc::Rc;

use serde_json::{Map, Number, Value};

use super::text::fnv;
use json_schema::{Schema, Subschema, json_eq, resolve_ref};

/// Deepest schema nesting generated; deeper nodes get minimal values.
const MAX_DEPTH: usize = 32;
/// Most items in a generated array, whatever `minItems` says.
pub(crate) const MAX_ITEMS: usize = 50;
/// Most nodes in one generated value.
const MAX_NODES: usize = 10_000;
/// Longest generated string, whatever `minLength` says.
const MAX_STRING: usize = 10_000;
/// Most characters of strings in one generated value.
const MAX_CHARS: usize = 1_000_000;
/// Most `$ref` expansions while resolving one node.
const MAX_REFS: usize = 64;

/// A step of the path from the root to a node: a property (its name normalised by
/// [`norm_key`]) or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// The JSON type the generator writes at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    Null,
    /// No type constraint at all.
    Any,
}

/// Where the generator is: what a [`Content`] sees when asked for a value.
pub(crate) struct Slot<'s> {
    /// The whole schema (for `$ref`).
    pub(crate) root: &'s Value,
    /// From the root to this node.
    pub(crate) path: &'s [Seg],
    /// The resolved schema of the root and of every node on the path, this node's last.
    pub(crate) schemas: &'s [Rc<Map<String, Value>>],
    /// This node's resolved schema.
    pub(crate) schema: &'s Map<String, Value>,
    /// The type being written.
    pub(crate) ty: Ty,
}

impl Slot<'_> {
    /// The nearest property name on the path (an array item's is its array's).
    pub(crate) fn key(&self) -> Option<&str> {
        self.path.iter().rev().find_map(|seg| match seg {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
    }

    /// This node's index, when it is an array item.
    pub(crate) fn item(&self) -> Option<usize> {
        match self.path.last() {
            Some(Seg::Index(i)) => Some(*i),
            _ => None,
        }
    }

    /// The index of the nearest array item on the path (this node or an ancestor).
    pub(crate) fn nearest_index(&self) -> Option<usize> {
        self.path.iter().rev().find_map(|seg| match seg {
            Seg::Index(i) => Some(*i),
            Seg::Key(_) => None,
        })
    }

    /// This node's `enum`, if any.
    pub(crate) fn enum_values(&self) -> Option<&Vec<Value>> {
        self.schema.get("enum").and_then(Value::as_array)
    }
}

/// Meaningful values for the generator; `None` leaves a node to the constraints.
pub(crate) trait Content {
    /// A value for the node at `slot`. It is checked (strings are cut to `maxLength`,
    /// numbers brought into range, enum spellings matched) and dropped if it does not
    /// validate.
    fn suggest(&self, slot: &Slot<'_>) -> Option<Value>;

    /// How many items the array at `slot` should have (kept within its bounds).
    fn length(&self, slot: &Slot<'_>) -> Option<usize>;
}

/// A property name in one spelling: `correctAnswer`, `correct-answer` and `Correct Answer`
/// all become `correct_answer`.
pub(crate) fn norm_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else if c.is_alphanumeric() {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// An enum value's spelling for matching: lower case letters and digits only.
pub(crate) fn norm_word(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A value for `schema`, with `content` filling in meaning.
pub(crate) fn generate(schema: &Value, content: &dyn Content) -> Value {
    let compiled = Schema::compile(schema.clone())
        .ok()
        .map(Schema::asserting_formats);
    let mut generator = Generator {
        root: schema,
        compiled: compiled.as_ref(),
        content,
        path: Vec::new(),
        schemas: Vec::new(),
        ref_stack: Vec::new(),
        nodes: 0,
        chars: 0,
    };
    generator.node(schema)
}

/// `(minItems, maxItems)` of an array schema, capped at [`MAX_ITEMS`] and consistent
/// (a contradictory `maxItems` below `minItems` yields to it).
pub(crate) fn array_bounds(schema: &Map<String, Value>) -> (usize, usize) {
    let min = get_usize(schema, "minItems").unwrap_or(0).min(MAX_ITEMS);
    let max = get_usize(schema, "maxItems")
        .unwrap_or(MAX_ITEMS)
        .clamp(min, MAX_ITEMS);
    (min, max)
}

/// The resolved form of `schema`: `$ref` followed, `allOf` merged, the first non-null
/// `anyOf`/`oneOf` branch merged in, draft-4 boolean exclusive bounds and `nullable`
/// rewritten to their modern forms.
pub(crate) fn resolve(root: &Value, schema: &Value) -> Map<String, Value> {
    let mut refs = Vec::new();
    effective(root, schema, &mut refs, 0)
}

/// Whether `value` is valid against `schema` as the generator checks it (the gateway's
/// validator, `format` asserted): the tests' checker for whole answers.
#[cfg(test)]
pub(crate) fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    let errors = Schema::compile(schema.clone())?
        .asserting_formats()
        .validate(value);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// A schema compiled for checking generated values; without one (the root schema did not
/// compile) every value passes.
struct Fits<'a>(Option<Subschema<'a>>);

impl Fits<'_> {
    fn ok(&self, value: &Value) -> bool {
        self.0.as_ref().is_none_or(|s| s.is_valid(value))
    }
}

struct Generator<'a> {
    root: &'a Value,
    /// `root` compiled, when it compiles.
    compiled: Option<&'a Schema>,
    content: &'a dyn Content,
    path: Vec<Seg>,
    schemas: Vec<Rc<Map<String, Value>>>,
    /// References being expanded by the current node's ancestors, to detect recursion.
    ref_stack: Vec<String>,
    nodes: usize,
    chars: usize,
}

impl<'a> Generator<'a> {
    /// A value for `schema`. A value from the first `anyOf`/`oneOf` branch can fail the
    /// whole schema (it matches a second `oneOf` branch too, or the branch conflicts with
    /// its siblings); then the other branches are tried in turn.
    fn node(&mut self, schema: &Value) -> Value {
        let value = self.node_once(schema);
        let Value::Object(m) = schema else {
            return value;
        };
        let Some((key, branches)) = ["oneOf", "anyOf"].into_iter().find_map(|k| {
            let branches = m.get(k).and_then(Value::as_array)?;
            (branches.len() > 1).then_some((k, branches))
        }) else {
            return value;
        };
        if self.nodes > MAX_NODES {
            return value;
        }
        let fits = self.fits(schema);
        if fits.ok(&value) {
            return value;
        }
        for k in 1..branches.len().min(8) {
            let mut rotated = m.clone();
            let mut order = branches.clone();
            order.rotate_left(k);
            rotated.insert(key.to_owned(), Value::Array(order));
            let candidate = self.node_once(&Value::Object(rotated));
            if fits.ok(&candidate) {
                return candidate;
            }
        }
        value
    }

    /// `schema` (a part of the root schema, or one built from its parts) compiled for
    /// checking values.
    fn fits(&self, schema: &Value) -> Fits<'a> {
        Fits(self.compiled.and_then(|doc| doc.subschema(schema).ok()))
    }

    /// [`Self::fits`] for a resolved schema.
    fn fits_resolved(&self, eff: &Map<String, Value>) -> Fits<'a> {
        self.fits(&Value::Object(eff.clone()))
    }

    fn valid(&self, eff: &Map<String, Value>, value: &Value) -> bool {
        self.fits_resolved(eff).ok(value)
    }

    fn node_once(&mut self, schema: &Value) -> Value {
        self.nodes += 1;
        if self.nodes > MAX_NODES || self.schemas.len() >= MAX_DEPTH {
            return minimal(&resolve(self.root, schema));
        }
        if matches!(schema, Value::Bool(false)) {
            return Value::Null;
        }
        let mut refs = Vec::new();
        let eff = Rc::new(effective(self.root, schema, &mut refs, 0));
        let recursive = refs.iter().any(|r| self.ref_stack.contains(r));
        let pushed = refs.len();
        self.ref_stack.extend(refs);
        self.schemas.push(Rc::clone(&eff));
        let value = self.fill(&eff, recursive);
        self.schemas.pop();
        self.ref_stack.truncate(self.ref_stack.len() - pushed);
        value
    }

    fn fill(&mut self, eff: &Map<String, Value>, recursive: bool) -> Value {
        if let Some(value) = eff.get("const") {
            return value.clone();
        }
        let ty = choose_type(eff);
        let suggestion = self.content.suggest(&self.slot(eff, ty));
        if let Some(value) = suggestion.and_then(|v| self.accept(eff, ty, v)) {
            return value;
        }
        if let Some(options) = eff.get("enum").and_then(Value::as_array) {
            let fits = self.fits_resolved(eff);
            return options
                .iter()
                .find(|o| fits.ok(o))
                .or(options.first())
                .cloned()
                .unwrap_or(Value::Null);
        }
        let value = self.by_type(eff, ty, recursive);
        if eff.contains_key("not") {
            let fits = self.fits_resolved(eff);
            if !fits.ok(&value) {
                // `not` excludes what the type would give; one of the other kinds may do.
                let others = [
                    Value::from(1),
                    Value::Bool(false),
                    Value::Null,
                    Value::Object(Map::new()),
                    Value::Array(Vec::new()),
                    Value::String("offline".to_owned()),
                ];
                if let Some(other) = others.into_iter().find(|o| fits.ok(o)) {
                    return other;
                }
            }
        }
        value
    }

    fn by_type(&mut self, eff: &Map<String, Value>, ty: Ty, recursive: bool) -> Value {
        match ty {
            Ty::Object => self.object(eff, recursive),
            Ty::Array => self.array(eff, recursive),
            Ty::Integer | Ty::Number => number(eff, ty == Ty::Integer, None, self.index()),
            Ty::Boolean => Value::Bool(false),
            Ty::Null => Value::Null,
            Ty::String | Ty::Any => {
                let s = format_value(eff, &self.path)
                    .unwrap_or_else(|| placeholder(&self.path, self.index()));
                let value = Value::String(self.fit(eff, s));
                match eff.get("pattern").and_then(Value::as_str) {
                    Some(p) if !self.valid(eff, &value) => self.matching(eff, p).unwrap_or(value),
                    _ => value,
                }
            }
        }
    }

    /// A string matching `pattern` that also meets the node's other constraints, trying
    /// longer samples for a `minLength`. When a `format` cannot hold as well, the pattern
    /// wins: the gateway enforces patterns, formats are annotations there.
    fn matching(&self, eff: &Map<String, Value>, pattern: &str) -> Option<Value> {
        let samples: Vec<Value> = [0, 1, 2, 4, 8, 16, 32, 64, 256, 1024]
            .into_iter()
            .filter_map(|extra| super::pattern::sample(pattern, extra, 0))
            .map(Value::String)
            .collect();
        let fits = self.fits_resolved(eff);
        samples
            .iter()
            .find(|v| fits.ok(v))
            .or_else(|| {
                let mut unformatted = eff.clone();
                unformatted.remove("format");
                let fits = self.fits_resolved(&unformatted);
                samples.iter().find(|v| fits.ok(v))
            })
            .cloned()
    }

    fn slot<'s>(&'s self, eff: &'s Map<String, Value>, ty: Ty) -> Slot<'s> {
        Slot {
            root: self.root,
            path: &self.path,
            schemas: &self.schemas,
            schema: eff,
            ty,
        }
    }

    fn index(&self) -> usize {
        match self.path.last() {
            Some(Seg::Index(i)) => *i,
            _ => 0,
        }
    }

    /// A content suggestion brought into shape, if it then validates.
    fn accept(&mut self, eff: &Map<String, Value>, ty: Ty, value: Value) -> Option<Value> {
        let value = match (eff.get("enum").and_then(Value::as_array), value) {
            (Some(options), Value::String(s)) => {
                let wanted = norm_word(&s);
                options
                    .iter()
                    .find(|o| o.as_str().is_some_and(|o| norm_word(o) == wanted))
                    .cloned()
                    .unwrap_or(Value::String(s))
            }
            (None, Value::String(s)) if matches!(ty, Ty::String | Ty::Any) => {
                Value::String(self.fit(eff, s))
            }
            (None, Value::Number(n)) if matches!(ty, Ty::Integer | Ty::Number) => {
                number(eff, ty == Ty::Integer, n.as_f64(), 0)
            }
            (_, value) => value,
        };
        self.valid(eff, &value).then_some(value)
    }

    fn object(&mut self, eff: &Map<String, Value>, recursive: bool) -> Value {
        let required: Vec<String> = eff
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(props) = eff.get("properties").and_then(Value::as_object) {
            for (key, schema) in props {
                if recursive && !required.contains(key) {
                    continue;
                }
                let value = self.child(Seg::Key(norm_key(key)), schema);
                out.insert(key.clone(), value);
            }
        }
        let extra = match eff.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(schema @ Value::Object(_)) => Some(schema.clone()),
            _ => Some(Value::Bool(true)),
        };
        for key in &required {
            if !out.contains_key(key) {
                let schema = extra.clone().unwrap_or(Value::Bool(true));
                let value = self.child(Seg::Key(norm_key(key)), &schema);
                out.insert(key.clone(), value);
            }
        }
        if let Some(schema) = &extra {
            let min = get_usize(eff, "minProperties").unwrap_or(0).min(MAX_ITEMS);
            let mut n = 1;
            while out.len() < min && n <= MAX_ITEMS * 2 {
                let key = format!("property_{n}");
                n += 1;
                if !out.contains_key(&key) {
                    let value = self.child(Seg::Key(key.clone()), schema);
                    out.insert(key, value);
                }
            }
        }
        if let Some(max) = get_usize(eff, "maxProperties") {
            while out.len() > max {
                let Some(key) = out.keys().rev().find(|k| !required.contains(k)).cloned() else {
                    break;
                };
                out.remove(&key);
            }
        }
        Value::Object(out)
    }

    fn array(&mut self, eff: &Map<String, Value>, recursive: bool) -> Value {
        let (min, mut max) = array_bounds(eff);
        let tuple: Vec<Value> = eff
            .get("prefixItems")
            .or_else(|| eff.get("items").filter(|i| i.is_array()))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // After a draft-2020 `prefixItems` tuple (or with no tuple) `items` is the rest; after
        // a draft-4..7 `items` tuple, `additionalItems` is.
        let rest_key = if tuple.is_empty() || eff.contains_key("prefixItems") {
            "items"
        } else {
            "additionalItems"
        };
        let rest = eff.get(rest_key).cloned().unwrap_or(Value::Bool(true));
        if matches!(rest, Value::Bool(false)) {
            max = max.min(tuple.len()).max(min);
        }
        let len = if recursive {
            min
        } else {
            let wanted = self.content.length(&self.slot(eff, Ty::Array));
            wanted
                .unwrap_or_else(|| min.max(2).max(tuple.len()))
                .clamp(min, max)
        };
        let mut items = Vec::with_capacity(len);
        for i in 0..len {
            let schema = tuple.get(i).unwrap_or(&rest).clone();
            items.push(self.child(Seg::Index(i), &schema));
        }
        if eff.get("uniqueItems") == Some(&Value::Bool(true)) {
            self.make_unique(&mut items, &tuple, &rest, min);
        }
        if let Some(contains) = eff.get("contains") {
            let fits = self.fits(contains);
            let found = items.iter().any(|item| fits.ok(item));
            if !found {
                let at = items.len().saturating_sub(1);
                let value = self.child(Seg::Index(at), contains);
                if items.is_empty() {
                    items.push(value);
                } else {
                    items[at] = value;
                }
            }
        }
        Value::Array(items)
    }

    /// Duplicate items varied (strings numbered, numbers stepped) or dropped while the
    /// array stays at `min` items or more.
    fn make_unique(&mut self, items: &mut Vec<Value>, tuple: &[Value], rest: &Value, min: usize) {
        let mut i = 0;
        while i < items.len() {
            if !items[..i].iter().any(|earlier| json_eq(earlier, &items[i])) {
                i += 1;
                continue;
            }
            let schema = tuple.get(i).unwrap_or(rest);
            let eff = resolve(self.root, schema);
            let candidates: Vec<Value> = match eff.get("enum").and_then(Value::as_array) {
                Some(options) => options.clone(),
                None => self.variants(&items[i], &eff, i),
            };
            let fits = self.fits_resolved(&eff);
            let fixed = candidates.into_iter().find(|candidate| {
                !items.iter().any(|other| json_eq(other, candidate)) && fits.ok(candidate)
            });
            match fixed {
                Some(value) => {
                    items[i] = value;
                    i += 1;
                }
                None if items.len() > min => {
                    items.remove(i);
                }
                None => i += 1,
            }
        }
    }

    /// Other values like `item` (the `i`-th of its array) for making items unique:
    /// pattern samples, numbered strings, stepped numbers, the other boolean, shorter or
    /// longer arrays.
    fn variants(&self, item: &Value, eff: &Map<String, Value>, i: usize) -> Vec<Value> {
        if let Some(pattern) = eff.get("pattern").and_then(Value::as_str) {
            let mut samples: Vec<Value> = Vec::new();
            for extra in 0..=8 {
                for choice in 0..=8 {
                    if let Some(sample) = super::pattern::sample(pattern, extra, choice) {
                        let sample = Value::String(sample);
                        if !samples.contains(&sample) {
                            samples.push(sample);
                        }
                    }
                }
            }
            return samples;
        }
        match item {
            Value::String(s) => (1..=20)
                .map(|n| Value::String(format!("{s} ({})", i + n)))
                .collect(),
            Value::Number(x) => {
                let integer = choose_type(eff) == Ty::Integer;
                (1..=20)
                    .map(|n| {
                        let hint = x.as_f64().unwrap_or(0.0) + (i + n) as f64;
                        number(eff, integer, Some(hint), 0)
                    })
                    .collect()
            }
            Value::Bool(b) => vec![Value::Bool(!b)],
            Value::Array(a) => {
                let filler = a.last().cloned().unwrap_or_else(|| {
                    let items = eff.get("items").cloned().unwrap_or(Value::Bool(true));
                    minimal(&resolve(self.root, &items))
                });
                let shorter = (0..a.len()).map(|k| Value::Array(a[..k].to_vec()));
                let longer = (1..=4).map(|n| {
                    let mut longer = a.clone();
                    longer.extend(std::iter::repeat_n(filler.clone(), n));
                    Value::Array(longer)
                });
                shorter.chain(longer).collect()
            }
            _ => Vec::new(),
        }
    }

    fn child(&mut self, seg: Seg, schema: &Value) -> Value {
        self.path.push(seg);
        let value = self.node(schema);
        self.path.pop();
        value
    }

    /// `s` cut to `maxLength` (at a word break when one is near) and padded to
    /// `minLength`, within the length caps.
    fn fit(&mut self, eff: &Map<String, Value>, s: String) -> String {
        let min = get_usize(eff, "minLength").unwrap_or(0).min(MAX_STRING);
        let max = get_usize(eff, "maxLength").unwrap_or(MAX_STRING).max(min);
        let budget = MAX_CHARS.saturating_sub(self.chars);
        let max = max.min(budget.max(min));
        let mut out = s;
        let count = out.chars().count();
        if count > max {
            let cut: String = out.chars().take(max).collect();
            let space = cut
                .rfind(' ')
                .filter(|at| cut[..*at].chars().count() * 4 >= max * 3);
            out = match space {
                Some(at) => cut[..at].trim_end().to_owned(),
                None => cut,
            };
            if out.chars().count() < min {
                out = out
                    .chars()
                    .chain(std::iter::repeat('.'))
                    .take(min)
                    .collect();
            }
        } else if count < min {
            let filler = if out.trim().is_empty() {
                "tessera-offline ".to_owned()
            } else {
                format!(" {}", out.trim())
            };
            let pad: String = filler.chars().cycle().take(min - count).collect();
            out.push_str(&pad);
        }
        self.chars += out.chars().count();
        out
    }
}

/// The type written for a resolved schema: the first non-null type named, else one
/// implied by the keywords present.
fn choose_type(eff: &Map<String, Value>) -> Ty {
    let named: Vec<&str> = match eff.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(t) = named.iter().find(|t| **t != "null") {
        return match *t {
            "object" => Ty::Object,
            "array" => Ty::Array,
            "string" => Ty::String,
            "integer" => Ty::Integer,
            "number" => Ty::Number,
            "boolean" => Ty::Boolean,
            _ => Ty::Any,
        };
    }
    if !named.is_empty() {
        return Ty::Null;
    }
    let has = |keys: &[&str]| keys.iter().any(|k| eff.contains_key(*k));
    if let Some(first) = eff
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return match first {
            Value::Object(_) => Ty::Object,
            Value::Array(_) => Ty::Array,
            Value::String(_) => Ty::String,
            Value::Number(n) if n.is_f64() => Ty::Number,
            Value::Number(_) => Ty::Integer,
            Value::Bool(_) => Ty::Boolean,
            Value::Null => Ty::Null,
        };
    }
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "patternProperties",
    ]) {
        Ty::Object
    } else if has(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "contains",
        "uniqueItems",
    ]) {
        Ty::Array
    } else if has(&["minLength", "maxLength", "pattern", "format"]) {
        Ty::String
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Ty::Number
    } else {
        Ty::Any
    }
}

/// The cheapest value of a resolved schema's type, for nodes past the caps.
fn minimal(eff: &Map<String, Value>) -> Value {
    if let Some(value) = eff.get("const") {
        return value.clone();
    }
    if let Some(first) = eff
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match choose_type(eff) {
        Ty::Object => Value::Object(Map::new()),
        Ty::Array => Value::Array(Vec::new()),
        Ty::String | Ty::Any => {
            let min = get_usize(eff, "minLength").unwrap_or(0).min(MAX_STRING);
            Value::String("x".repeat(min))
        }
        Ty::Integer => number(eff, true, Some(0.0), 0),
        Ty::Number => number(eff, false, Some(0.0), 0),
        Ty::Boolean => Value::Bool(false),
        Ty::Null => Value::Null,
    }
}

/// A value for a string with a `format` the generator knows.
fn format_value(eff: &Map<String, Value>, path: &[Seg]) -> Option<String> {
    let format = eff.get("format")?.as_str()?;
    Some(
        match format {
            "date-time" => "2025-01-01T09:00:00Z",
            "date" => "2025-01-01",
            "time" => "09:00:00Z",
            "email" | "idn-email" => "learner@example.com",
            "uri" | "url" | "iri" | "uri-reference" | "iri-reference" => "https://example.com/",
            "hostname" | "idn-hostname" => "example.com",
            "ipv4" => "192.0.2.1",
            "ipv6" => "2001:db8::1",
            "duration" => "PT5M",
            "json-pointer" => "/",
            "regex" => ".*",
            "uuid" => return Some(uuid(path)),
            _ => return None,
        }
        .to_owned(),
    )
}

/// A version-4-shaped UUID derived from the path, so it is stable and differs per node.
fn uuid(path: &[Seg]) -> String {
    let text = format!("{path:?}");
    let a = fnv(&[&text, "a"]);
    let b = fnv(&[&text, "b"]);
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// A readable placeholder from the property name: `due_date` -> "Due date", items
/// numbered ("Tag 2").
fn placeholder(path: &[Seg], index: usize) -> String {
    let key = path.iter().rev().find_map(|seg| match seg {
        Seg::Key(k) => Some(k.as_str()),
        Seg::Index(_) => None,
    });
    let name = match key {
        Some(k) if !k.is_empty() => super::text::capitalize(&k.replace('_', " ")),
        _ => super::MODEL.to_owned(),
    };
    if matches!(path.last(), Some(Seg::Index(_))) {
        format!("{name} {}", index + 1)
    } else {
        name
    }
}

/// A number for a resolved schema: `hint` (or 1 plus the item index) brought within the
/// bounds and onto `multipleOf`; best effort when the constraints contradict.
fn number(eff: &Map<String, Value>, integer: bool, hint: Option<f64>, index: usize) -> Value {
    let get = |k: &str| eff.get(k).and_then(Value::as_f64).filter(|f| f.is_finite());
    let target = hint.filter(|f| f.is_finite()).unwrap_or(1.0 + index as f64);
    let (min, xmin) = (get("minimum"), get("exclusiveMinimum"));
    let (max, xmax) = (get("maximum"), get("exclusiveMaximum"));
    let step = match (get("multipleOf").filter(|m| *m > 0.0), integer) {
        (Some(m), true) => Some(integer_step(m)),
        (Some(m), false) => Some(m),
        (None, true) => Some(1.0),
        (None, false) => None,
    };
    // Effective inclusive bounds (for integers and steps), or exclusive ones for reals.
    let lo_ok = |v: f64| min.is_none_or(|m| v >= m) && xmin.is_none_or(|m| v > m);
    let hi_ok = |v: f64| max.is_none_or(|m| v <= m) && xmax.is_none_or(|m| v < m);
    let value = match step {
        Some(step) => {
            let mut v = (target / step).round() * step;
            if !lo_ok(v) {
                let lo = min.into_iter().chain(xmin).fold(f64::MIN, f64::max);
                let mut k = (lo / step).ceil();
                if !lo_ok(k * step) {
                    k += 1.0;
                }
                v = k * step;
            }
            if !hi_ok(v) {
                let hi = max.into_iter().chain(xmax).fold(f64::MAX, f64::min);
                let mut k = (hi / step).floor();
                if !hi_ok(k * step) {
                    k -= 1.0;
                }
                v = k * step;
            }
            v
        }
        None => {
            let lo = min.into_iter().chain(xmin).fold(f64::MIN, f64::max);
            let hi = max.into_iter().chain(xmax).fold(f64::MAX, f64::min);
            let mut v = target;
            if !lo_ok(v) {
                v = if hi < f64::MAX {
                    (lo + hi) / 2.0
                } else {
                    lo + 1.0
                };
                if !lo_ok(v) {
                    v = lo;
                }
            }
            if !hi_ok(v) {
                v = if lo > f64::MIN {
                    (lo + hi) / 2.0
                } else {
                    hi - 1.0
                };
                if !hi_ok(v) {
                    v = hi;
                }
            }
            v
        }
    };
    number_value(value, integer || step == Some(1.0))
}

/// The smallest multiple of `m` that is a whole number (for `integer` with a fractional
/// `multipleOf`), or `m` itself when none is found.
fn integer_step(m: f64) -> f64 {
    if m.fract() == 0.0 {
        return m;
    }
    (1..=1000)
        .map(|n| m * f64::from(n))
        .find(|v| (v - v.round()).abs() < 1e-9)
        .map_or(m, f64::round)
}

fn number_value(v: f64, whole: bool) -> Value {
    if !v.is_finite() {
        return Value::from(0);
    }
    if (whole || v.fract() == 0.0) && v.abs() < 9.0e15 {
        return Value::from(v.round() as i64);
    }
    let v = if v.abs() < 1e6 {
        (v * 1e9).round() / 1e9
    } else {
        v
    };
    Number::from_f64(v).map_or(Value::from(0), Value::Number)
}

fn get_usize(map: &Map<String, Value>, key: &str) -> Option<usize> {
    let v = map.get(key)?;
    v.as_u64()
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as usize))
}

// --- resolution -------------------------------------------------------------------------

/// Keywords the resolver consumes (they are replaced by their merged effect).
const STRUCTURAL: &[&str] = &[
    "$ref",
    "allOf",
    "anyOf",
    "oneOf",
    "$defs",
    "definitions",
    "$schema",
    "$id",
    "$comment",
    "nullable",
];

fn effective(
    root: &Value,
    schema: &Value,
    refs: &mut Vec<String>,
    depth: usize,
) -> Map<String, Value> {
    let mut out = Map::new();
    let Value::Object(m) = schema else {
        if matches!(schema, Value::Bool(false)) {
            out.insert("not".to_owned(), Value::Object(Map::new()));
        }
        return out;
    };
    if depth < MAX_DEPTH
        && refs.len() < MAX_REFS
        && let Some(reference) = m.get("$ref").and_then(Value::as_str)
        && let Some(target) = resolve_ref(root, reference)
    {
        refs.push(reference.to_owned());
        let resolved = effective(root, target, refs, depth + 1);
        merge(&mut out, resolved);
    }
    if depth < MAX_DEPTH
        && let Some(all) = m.get("allOf").and_then(Value::as_array)
    {
        for sub in all {
            let resolved = effective(root, sub, refs, depth + 1);
            merge(&mut out, resolved);
        }
    }
    merge(&mut out, own_keywords(m));
    for key in ["anyOf", "oneOf"] {
        if depth < MAX_DEPTH
            && let Some(branches) = m.get(key).and_then(Value::as_array)
            && let Some(branch) = branches.iter().find(|b| !null_only(b)).or(branches.first())
        {
            let resolved = effective(root, branch, refs, depth + 1);
            merge(&mut out, resolved);
        }
    }
    out
}

/// A schema's own keywords, in modern form.
fn own_keywords(m: &Map<String, Value>) -> Map<String, Value> {
    let mut own: Map<String, Value> = m
        .iter()
        .filter(|(k, _)| !STRUCTURAL.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(strict)) = own.get(exclusive).cloned() {
            own.remove(exclusive);
            if strict && let Some(b) = own.remove(bound) {
                own.insert(exclusive.to_owned(), b);
            }
        }
    }
    if m.get("nullable") == Some(&Value::Bool(true)) {
        let types = match own.get("type") {
            Some(Value::String(t)) => vec![Value::String(t.clone())],
            Some(Value::Array(ts)) => ts.clone(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| t == "null") {
            let mut types = types;
            types.push(Value::String("null".to_owned()));
            own.insert("type".to_owned(), Value::Array(types));
        }
    }
    own
}

fn null_only(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => !ts.is_empty() && ts.iter().all(|t| t == "null"),
        _ => false,
    }
}

/// Adds `add`'s constraints to `out` (both must hold): types intersect, properties and
/// required names unite, bounds tighten, overlapping sub-schemas become `allOf`.
fn merge(out: &mut Map<String, Value>, add: Map<String, Value>) {
    for (key, value) in add {
        let Some(existing) = out.get(&key).cloned() else {
            out.insert(key, value);
            continue;
        };
        let merged = match key.as_str() {
            "type" => merge_types(&existing, &value),
            "properties" => match (existing, value) {
                (Value::Object(mut a), Value::Object(b)) => {
                    for (k, v) in b {
                        let combined = match a.remove(&k) {
                            Some(old) => Value::Object(Map::from_iter([(
                                "allOf".to_owned(),
                                Value::Array(vec![old, v]),
                            )])),
                            None => v,
                        };
                        a.insert(k, combined);
                    }
                    Value::Object(a)
                }
                (_, value) => value,
            },
            "required" => {
                let mut names = existing.as_array().cloned().unwrap_or_default();
                for name in value.as_array().into_iter().flatten() {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
                Value::Array(names)
            }
            "enum" => {
                let a = existing.as_array().cloned().unwrap_or_default();
                let b = value.as_array().cloned().unwrap_or_default();
                let both: Vec<Value> = a
                    .iter()
                    .filter(|x| b.iter().any(|y| json_eq(x, y)))
                    .cloned()
                    .collect();
                Value::Array(if both.is_empty() { b } else { both })
            }
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
                bound(&existing, &value, f64::max)
            }
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties" => {
                bound(&existing, &value, f64::min)
            }
            "multipleOf" => bound(&existing, &value, f64::max),
            "uniqueItems" => {
                Value::Bool(existing == Value::Bool(true) || value == Value::Bool(true))
            }
            "items" | "additionalProperties" | "additionalItems" | "contains" => {
                if existing == Value::Bool(false) || value == Value::Bool(false) {
                    Value::Bool(false)
                } else if existing == Value::Bool(true) {
                    value
                } else if value == Value::Bool(true) || existing == value {
                    existing
                } else {
                    Value::Object(Map::from_iter([(
                        "allOf".to_owned(),
                        Value::Array(vec![existing, value]),
                    )]))
                }
            }
            "not" => Value::Object(Map::from_iter([(
                "anyOf".to_owned(),
                Value::Array(vec![existing, value]),
            )])),
            _ => existing,
        };
        out.insert(key, merged);
    }
}

fn bound(a: &Value, b: &Value, pick: fn(f64, f64) -> f64) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            let v = pick(x, y);
            if v == x { a.clone() } else { b.clone() }
        }
        (None, _) => b.clone(),
        (_, None) => a.clone(),
    }
}

fn merge_types(a: &Value, b: &Value) -> Value {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let (xs, ys) = (list(a), list(b));
    let mut both: Vec<Value> = Vec::new();
    for x in &xs {
        for y in &ys {
            let t = match (x.as_str(), y.as_str()) {
                (p, q) if p == q => p,
                ("number", "integer") | ("integer", "number") => "integer",
                _ => continue,
            };
            if !both.iter().any(|v| v == t) {
                both.push(Value::String(t.to_owned()));
            }
        }
    }
    match both.len() {
        0 => b.clone(),
        1 => both.remove(0),
        _ => Value::Array(both),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Content that suggests nothing: the constraints alone decide.
    struct Blank;

    impl Content for Blank {
        fn suggest(&self, _: &Slot<'_>) -> Option<Value> {
            None
        }
        fn length(&self, _: &Slot<'_>) -> Option<usize> {
            None
        }
    }

    fn fill(schema: Value) -> Value {
        let value = generate(&schema, &Blank);
        if let Err(e) = validate(&schema, &value) {
            panic!("{value} does not validate against {schema}: {e}");
        }
        value
    }

    #[test]
    fn scalars_respect_their_constraints() {
        assert_eq!(
            fill(json!({"type": "integer", "minimum": 5, "maximum": 9})),
            json!(5)
        );
        assert_eq!(
            fill(json!({"type": "integer", "exclusiveMinimum": 5})),
            json!(6)
        );
        assert_eq!(
            fill(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": true})),
            json!(6)
        );
        assert_eq!(
            fill(json!({"type": "integer", "multipleOf": 7, "minimum": 10})),
            json!(14)
        );
        assert_eq!(
            fill(json!({"type": "integer", "multipleOf": 0.5, "minimum": 2})),
            json!(2)
        );
        let n = fill(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}));
        assert_eq!(n, json!(0.5));
        fill(json!({"type": "number", "multipleOf": 0.1, "minimum": 0.25, "maximum": 0.9}));
        let s = fill(json!({"type": "string", "minLength": 20, "maxLength": 25}));
        assert!(
            (20..=25).contains(&s.as_str().unwrap().chars().count()),
            "{s}"
        );
        assert_eq!(fill(json!({"type": "string", "maxLength": 0})), json!(""));
        assert_eq!(fill(json!({"enum": ["b", "a"]})), json!("b"));
        assert_eq!(fill(json!({"const": {"x": 1}})), json!({"x": 1}));
        assert_eq!(fill(json!({"type": ["null", "boolean"]})), json!(false));
        assert_eq!(fill(json!({"type": "null"})), json!(null));
        assert_eq!(
            fill(json!({"type": "string", "pattern": "^q[0-9]+$"})),
            json!("q0")
        );
        let code = fill(json!({"type": "string", "pattern": "^[A-Z]{2}-\\d+$", "minLength": 6}));
        assert_eq!(code, json!("AA-000"));
        for format in ["date-time", "date", "time", "email", "uri", "uuid"] {
            fill(json!({"type": "string", "format": format}));
        }
    }

    #[test]
    fn objects_fill_every_declared_property() {
        let schema = json!({
            "type": "object",
            "required": ["id", "extra"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
                "score": {"type": "number", "minimum": 0, "maximum": 1, "nullable": true},
                "when": {"type": "string", "format": "date-time"}
            },
            "additionalProperties": {"type": "integer"},
            "minProperties": 7
        });
        let value = fill(schema);
        let o = value.as_object().unwrap();
        assert_eq!(o.len(), 7, "{value}");
        for key in ["id", "tags", "score", "when", "extra"] {
            assert!(o.contains_key(key), "{value}");
        }
        assert_eq!(value["tags"], json!(["Tags 1", "Tags 2"]));
        let closed = fill(json!({
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "additionalProperties": false,
            "maxProperties": 1,
            "required": ["b"]
        }));
        assert_eq!(
            closed.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["b"]
        );
    }

    #[test]
    fn arrays_respect_counts_tuples_and_uniqueness() {
        let value = fill(json!({"type": "array", "items": {"type": "integer"}, "minItems": 3}));
        assert_eq!(value, json!([1, 2, 3]));
        let value = fill(
            json!({"type": "array", "items": {"enum": ["x", "y", "z"]}, "minItems": 3, "uniqueItems": true}),
        );
        assert_eq!(value.as_array().unwrap().len(), 3);
        let value = fill(
            json!({"type": "array", "items": {"type": "boolean"}, "uniqueItems": true, "minItems": 1}),
        );
        assert_eq!(value.as_array().unwrap().len(), 2);
        let value = fill(
            json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}),
        );
        assert_eq!(value.as_array().unwrap().len(), 2);
        let value = fill(
            json!({"type": "array", "items": [{"type": "string"}], "additionalItems": false, "minItems": 1}),
        );
        assert_eq!(value.as_array().unwrap().len(), 1);
        let big = generate(&json!({"type": "array", "minItems": 100000}), &Blank);
        assert_eq!(big.as_array().unwrap().len(), MAX_ITEMS);
        fill(json!({"type": "array", "contains": {"const": 7}, "items": {"type": "integer"}}));
        let value = fill(
            json!({"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "minItems": 3, "uniqueItems": true}),
        );
        assert_eq!(value, json!(["a", "b", "c"]));
        let value = fill(
            json!({"type": "array", "items": {"type": "string", "pattern": "^[A-D]$"}, "minItems": 4, "uniqueItems": true}),
        );
        assert_eq!(value, json!(["A", "B", "C", "D"]));
        assert_eq!(fill(json!({"not": {"type": "string"}})), json!(1));
        let value = fill(json!({"type": "array", "minItems": 3, "uniqueItems": true,
            "items": {"type": "array", "items": {"const": 2}}}));
        assert_eq!(value, json!([[2, 2], [], [2]]));
        // The first branch's value also matches the second: the next branch is used.
        let value =
            fill(json!({"oneOf": [{"type": "number"}, {"type": "integer"}, {"type": "string"}]}));
        assert_eq!(value, json!("tessera-offline"));
    }

    #[test]
    fn refs_all_of_and_branches_resolve() {
        let schema = json!({
            "$defs": {
                "name": {"type": "string", "minLength": 3},
                "base": {"type": "object", "required": ["name"], "properties": {"name": {"$ref": "#/$defs/name"}}}
            },
            "definitions": {"level": {"enum": ["low", "high"]}},
            "allOf": [
                {"$ref": "#/$defs/base"},
                {"properties": {"level": {"$ref": "#/definitions/level"}}, "required": ["level"]}
            ],
            "properties": {
                "either": {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]},
                "any": {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "number"}]}
            }
        });
        let value = fill(schema);
        assert_eq!(value["level"], json!("low"));
        assert_eq!(value["either"], json!(3));
        assert!(value["name"].as_str().unwrap().len() >= 3);
    }

    #[test]
    fn recursive_and_hostile_schemas_terminate() {
        let tree = json!({
            "$defs": {"node": {"type": "object", "required": ["value"], "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                "left": {"$ref": "#/$defs/node"}, "right": {"$ref": "#/$defs/node"}
            }}},
            "$ref": "#/$defs/node"
        });
        fill(tree);
        let hostile = [
            json!({"$ref": "#"}),
            json!({"allOf": [{"$ref": "#"}, {"$ref": "#"}]}),
            json!({"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#"}}}),
            json!({"$ref": "#/nowhere"}),
            json!({"$ref": "http://example.com/schema"}),
            json!({"type": "integer", "minimum": 10, "maximum": 1}),
            json!({"type": "string", "minLength": 1_000_000_000u64}),
            json!({"type": "array", "minItems": 5, "maxItems": 2}),
            json!({"enum": []}),
            json!({"type": []}),
            json!({"type": "number", "multipleOf": -1}),
            json!({"type": "integer", "minimum": 1e300}),
            json!(false),
            json!(true),
            json!("not a schema"),
            json!(null),
            json!({"type": "array", "items": {"type": "array", "items": {"type": "array", "minItems": 50, "items": {"type": "array", "minItems": 50}}, "minItems": 50}, "minItems": 50}),
        ];
        for schema in hostile {
            let value = generate(&schema, &Blank);
            let _ = validate(&schema, &value);
            assert!(serde_json::to_string(&value).is_ok());
        }
    }

    #[test]
    fn keys_normalise() {
        assert_eq!(norm_key("correctAnswer"), "correct_answer");
        assert_eq!(norm_key("correct-answer"), "correct_answer");
        assert_eq!(norm_key("Correct Answer"), "correct_answer");
        assert_eq!(norm_key("question_text"), "question_text");
        assert_eq!(norm_key("ID"), "id");
    }

    /// Content that suggests the same value everywhere.
    struct Says(Value);

    impl Content for Says {
        fn suggest(&self, _: &Slot<'_>) -> Option<Value> {
            Some(self.0.clone())
        }
        fn length(&self, _: &Slot<'_>) -> Option<usize> {
            None
        }
    }

    #[test]
    fn suggestions_are_kept_only_if_they_validate() {
        let date = json!({"type": "string", "format": "date"});
        assert_eq!(
            generate(&date, &Says(json!("2024-02-03"))),
            json!("2024-02-03")
        );
        assert_eq!(
            generate(&date, &Says(json!("tomorrow"))),
            json!("2025-01-01")
        );
        let letter = json!({"type": "string", "pattern": "^[A-D]$"});
        assert_eq!(generate(&letter, &Says(json!("E"))), json!("A"));
        let referenced =
            json!({"$defs": {"n": {"type": "integer", "maximum": 3}}, "$ref": "#/$defs/n"});
        assert_eq!(generate(&referenced, &Says(json!(2))), json!(2));
        assert_eq!(generate(&referenced, &Says(json!("2"))), json!(1));
        // A schema the gateway refuses (an unsupported pattern) is not checked.
        let refused = json!({"type": "string", "format": "date", "pattern": "(?=x)"});
        assert_eq!(
            generate(&refused, &Says(json!("tomorrow"))),
            json!("tomorrow")
        );
    }

    #[test]
    fn the_validator_rejects_what_it_should() {
        let schema = json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}, "additionalProperties": false});
        assert!(validate(&schema, &json!({"a": 1})).is_ok());
        assert!(validate(&schema, &json!({"a": 1.5})).is_err());
        assert!(validate(&schema, &json!({})).is_err());
        assert!(validate(&schema, &json!({"a": 1, "b": 2})).is_err());
        assert!(
            validate(
                &json!({"oneOf": [{"type": "integer"}, {"type": "number"}]}),
                &json!(1)
            )
            .is_err()
        );
        assert!(
            validate(
                &json!({"type": "string", "format": "email"}),
                &json!("nope")
            )
            .is_err()
        );
        assert!(
            validate(
                &json!({"type": "string", "format": "date-time"}),
                &json!("2025-01-01T09:00:00+02:00")
            )
            .is_ok()
        );
    }
}
