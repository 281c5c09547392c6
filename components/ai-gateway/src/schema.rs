//! Structured output: the request's `response-schema` (a JSON Schema) is checked when the
//! request arrives, and every reply is validated against it before it is returned. The
//! offline model validates what it generates with the same code ([`Schema::subschema`]),
//! so what it writes is what the gateway accepts.
//!
//! A validator for the common keywords of draft 2020-12, written here rather than taken
//! from the `jsonschema` crate: that crate builds for wasm32-wasip2 but multiplies the
//! component's size by ten (≈2.5 MB more, ~100 crates) for keywords model replies never
//! need. Supported: `type` (a name or a list; OpenAPI's `nullable: true` adds `null`),
//! `enum`, `const`, `properties`, `required`, `additionalProperties` (bool or schema),
//! `patternProperties`, `minProperties`, `maxProperties`, `items` (a schema; a list is read
//! as draft-07 tuple form, with `additionalItems` for the rest), `prefixItems`, `contains`,
//! `minContains`, `maxContains`, `minItems`, `maxItems`, `uniqueItems`, `minLength`,
//! `maxLength`, `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`
//! (numbers, or draft-04's booleans making `minimum`/`maximum` exclusive), `multipleOf`,
//! `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, and `$ref` to `#` or to any JSON
//! pointer into the document (`#/$defs/…`, `#/definitions/…`, `#/properties/…`;
//! percent-encoded as URI fragments are). `format` is an annotation unless asserted
//! ([`Schema::asserting_formats`], for `date-time`, `date`, `time`, `email`, `uri`,
//! `uuid`); other keywords (`title`, `description`, …) are ignored. Patterns use
//! `regex-lite` syntax (no look-around or back-references); a pattern it cannot compile
//! makes the schema invalid rather than silently unchecked.
//!
//! Errors name the instance path as a JSON pointer: `/questions/0/answer: expected string,
//! got number` (`(root)` for the whole document). Checking is bounded: a `$ref` chain is
//! followed 64 deep, and a value needing more than [`MAX_STEPS`] steps is reported as not
//! checked rather than accepted.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::Value;

/// Most validation errors reported for one reply.
const MAX_ERRORS: usize = 20;
/// Deepest `$ref` chain followed (guards `{"$ref": "#"}` loops).
const MAX_DEPTH: usize = 64;
/// Most subschema checks for one value (guards schemas whose combinators multiply, such
/// as `{"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}`).
pub const MAX_STEPS: usize = 1_000_000;
/// Most compiled patterns kept per thread.
const REGEX_CACHE: usize = 256;

/// A compiled schema.
#[derive(Debug)]
pub struct Schema {
    source: Value,
    root: Node,
    /// The `$ref` targets (and every `$defs`/`definitions` entry of the root) by JSON
    /// pointer; the root itself (`#`) is `root`.
    targets: HashMap<String, Node>,
    /// Whether `format` is asserted rather than an annotation.
    formats: bool,
}

/// A schema inside (or built from the parts of) a compiled document: its `$ref`s resolve
/// against that document. See [`Schema::subschema`].
#[derive(Debug)]
pub struct Subschema<'s> {
    doc: &'s Schema,
    node: Node,
    /// Targets of its `$ref`s that the document did not reference itself.
    targets: HashMap<String, Node>,
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

/// The `format`s checked when formats are asserted (others stay annotations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    DateTime,
    Date,
    Time,
    Email,
    Uri,
    Uuid,
}

impl Format {
    fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "date-time" => Format::DateTime,
            "date" => Format::Date,
            "time" => Format::Time,
            "email" | "idn-email" => Format::Email,
            "uri" | "url" | "iri" => Format::Uri,
            "uuid" => Format::Uuid,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Email => "email",
            Format::Uri => "uri",
            Format::Uuid => "uuid",
        }
    }

    fn accepts(self, s: &str) -> bool {
        match self {
            Format::DateTime => is_date_time(s),
            Format::Date => is_date(s),
            Format::Time => is_time(s),
            Format::Email => is_email(s),
            Format::Uri => is_uri(s),
            Format::Uuid => is_uuid(s),
        }
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
    contains: Option<Node>,
    min_contains: Option<u64>,
    max_contains: Option<u64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(String, Regex)>,
    format: Option<Format>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
    multiple_of: Option<f64>,
    all_of: Vec<Node>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    not: Option<Node>,
    condition: Option<Node>,
    then: Option<Node>,
    otherwise: Option<Node>,
    /// `None`: no `$ref`; `Some("")`: the root; else the JSON pointer of the target.
    reference: Option<String>,
}

/// Keywords of older drafts (and OpenAPI) that modify their siblings, applied once the
/// whole object is read (its keys come in alphabetical order).
#[derive(Default)]
struct Legacy {
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    nullable: bool,
    /// `items` was a list (draft-07 tuple form): `additionalItems` is the rest.
    items_list: bool,
    additional_items: Option<Node>,
}

impl Legacy {
    fn apply(self, k: &mut Keywords) {
        if self.exclusive_minimum
            && let Some(m) = k.minimum.take()
        {
            k.exclusive_minimum = Some(m);
        }
        if self.exclusive_maximum
            && let Some(m) = k.maximum.take()
        {
            k.exclusive_maximum = Some(m);
        }
        if self.nullable
            && let Some(types) = &mut k.types
            && !types.contains(&Type::Null)
        {
            types.push(Type::Null);
        }
        if self.items_list {
            k.items = self.additional_items;
        }
    }
}

/// A `$ref` met while compiling, resolved once the pass is over.
struct Reference {
    /// Where it was met (for errors).
    at: String,
    /// As written.
    raw: String,
    /// The JSON pointer it names (`""` for the root).
    pointer: String,
}

/// Compiles subschemas, collecting the `$ref`s to resolve once the pass is over.
#[derive(Default)]
struct Compiler {
    refs: Vec<Reference>,
}

impl Compiler {
    fn node(&mut self, v: &Value, at: &str) -> Result<Node, String> {
        match v {
            Value::Bool(b) => Ok(Node::Bool(*b)),
            Value::Object(map) => {
                let mut k = Keywords::default();
                let mut legacy = Legacy::default();
                for (key, value) in map {
                    let here = format!("{at}/{}", escape(key));
                    self.keyword(&mut k, &mut legacy, key, value, &here)?;
                }
                legacy.apply(&mut k);
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

    fn keyword(
        &mut self,
        k: &mut Keywords,
        legacy: &mut Legacy,
        key: &str,
        v: &Value,
        at: &str,
    ) -> Result<(), String> {
        // Draft 2020-12 allows a count written with a zero fraction (`2.0`).
        let count = || {
            v.as_u64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
                        .map(|f| f as u64)
                })
                .ok_or_else(|| format!("{at}: must be a non-negative integer"))
        };
        let number = || v.as_f64().ok_or_else(|| format!("{at}: must be a number"));
        let regex = |p: &str| {
            regex(p).map_err(|e| format!("{at}: `{p}` is not a supported regular expression: {e}"))
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
            // OpenAPI 3.0: `null` is allowed as well as the `type` named.
            "nullable" => legacy.nullable = v.as_bool() == Some(true),
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
            "items" if v.is_array() => {
                k.prefix_items = self.nodes(v, at)?;
                legacy.items_list = true;
            }
            "items" => k.items = Some(self.node(v, at)?),
            "additionalItems" => legacy.additional_items = Some(self.node(v, at)?),
            "contains" => k.contains = Some(self.node(v, at)?),
            "minContains" => k.min_contains = Some(count()?),
            "maxContains" => k.max_contains = Some(count()?),
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
            "format" => k.format = v.as_str().and_then(Format::parse),
            "minimum" => k.minimum = Some(number()?),
            "maximum" => k.maximum = Some(number()?),
            // Draft-04: a boolean makes `minimum` (`maximum`) exclusive.
            "exclusiveMinimum" if v.is_boolean() => {
                legacy.exclusive_minimum = v.as_bool() == Some(true)
            }
            "exclusiveMaximum" if v.is_boolean() => {
                legacy.exclusive_maximum = v.as_bool() == Some(true)
            }
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
            "if" => k.condition = Some(self.node(v, at)?),
            "then" => k.then = Some(self.node(v, at)?),
            "else" => k.otherwise = Some(self.node(v, at)?),
            "$ref" => {
                let r = v
                    .as_str()
                    .ok_or_else(|| format!("{at}: must be a string"))?;
                let pointer = pointer_of(r).ok_or_else(|| {
                    format!("{at}: `{r}`: only `#` and `#/…` references (a JSON pointer into this schema) are supported")
                })?;
                self.refs.push(Reference {
                    at: at.to_owned(),
                    raw: r.to_owned(),
                    pointer: pointer.clone(),
                });
                k.reference = Some(pointer);
            }
            // The root's are compiled (and so checked) by `Schema::compile`; nested ones
            // are compiled when referenced, and otherwise only checked to be objects.
            "$defs" | "definitions" if !v.is_object() => {
                return Err(format!("{at}: must be an object of schemas"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Compiles the target of every `$ref` met so far (and of the ones met in those
    /// targets) into `targets`, unless `known` or `targets` has it already.
    fn link(
        &mut self,
        source: &Value,
        known: &HashMap<String, Node>,
        targets: &mut HashMap<String, Node>,
    ) -> Result<(), String> {
        let mut next = 0;
        while let Some(r) = self.refs.get(next) {
            next += 1;
            if r.pointer.is_empty()
                || known.contains_key(&r.pointer)
                || targets.contains_key(&r.pointer)
            {
                continue;
            }
            let Some(target) = source.pointer(&r.pointer) else {
                return Err(format!("{}: `{}` is not defined", r.at, r.raw));
            };
            let pointer = r.pointer.clone();
            let node = self.node(target, &pointer)?;
            targets.insert(pointer, node);
        }
        self.refs.clear();
        Ok(())
    }
}

/// The JSON pointer a local `$ref` names (`""` for the whole document), percent-decoded
/// as a URI fragment is; `None` for other references.
fn pointer_of(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    let pointer = percent_decode(fragment)?;
    (pointer.is_empty() || pointer.starts_with('/')).then_some(pointer)
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The subschema a local `$ref` (`#`, `#/$defs/x`, any JSON pointer) names in `document`;
/// `None` for references elsewhere or to nothing.
pub fn resolve_ref<'d>(document: &'d Value, reference: &str) -> Option<&'d Value> {
    document.pointer(&pointer_of(reference)?)
}

/// A JSON-pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn shown(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

thread_local! {
    static REGEXES: RefCell<HashMap<String, Result<Regex, String>>> =
        RefCell::new(HashMap::new());
}

/// A `pattern` compiled with `regex-lite` (unanchored, as JSON Schema reads it), or why it
/// cannot be. Cached per thread: the offline model compiles the same few many times.
pub(crate) fn regex(pattern: &str) -> Result<Regex, String> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(compiled) = cache.get(pattern) {
            return compiled.clone();
        }
        if cache.len() >= REGEX_CACHE {
            cache.clear();
        }
        let compiled = Regex::new(pattern).map_err(|e| e.to_string());
        cache.insert(pattern.to_owned(), compiled.clone());
        compiled
    })
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
        let mut compiler = Compiler::default();
        let root = compiler.node(&source, "")?;
        let mut targets = HashMap::new();
        for section in ["$defs", "definitions"] {
            if let Some(map) = source[section].as_object() {
                for (name, s) in map {
                    let pointer = format!("/{section}/{}", escape(name));
                    let node = compiler.node(s, &pointer)?;
                    targets.insert(pointer, node);
                }
            }
        }
        compiler.link(&source, &HashMap::new(), &mut targets)?;
        Ok(Schema {
            source,
            root,
            targets,
            formats: false,
        })
    }

    /// The schema with `format` asserted (`date-time`, `date`, `time`, `email`, `uri`,
    /// `uuid`; other formats stay annotations), as the offline model checks its values.
    /// Replies are not held to formats: draft 2020-12 makes them annotations by default.
    pub fn asserting_formats(self) -> Schema {
        Schema {
            formats: true,
            ..self
        }
    }

    /// The schema document as given.
    pub fn value(&self) -> &Value {
        &self.source
    }

    /// Compiles `schema` (an object or a boolean) as a schema of this document: a part of
    /// it, or one built from its parts. Its `$ref`s resolve against this document and
    /// `format` is asserted as here.
    pub fn subschema(&self, schema: &Value) -> Result<Subschema<'_>, String> {
        let mut compiler = Compiler::default();
        let node = compiler.node(schema, "")?;
        let mut targets = HashMap::new();
        compiler.link(&self.source, &self.targets, &mut targets)?;
        Ok(Subschema {
            doc: self,
            node,
            targets,
        })
    }

    /// Validates `instance`; the errors (at most 20), each `path: what is wrong`.
    pub fn validate(&self, instance: &Value) -> Vec<String> {
        Check::new(self, None, MAX_ERRORS).run(&self.root, instance)
    }

    /// Whether `instance` is valid (stops at the first error).
    pub fn is_valid(&self, instance: &Value) -> bool {
        Check::new(self, None, 1)
            .run(&self.root, instance)
            .is_empty()
    }
}

impl Subschema<'_> {
    /// Validates `instance`; the errors (at most 20), as [`Schema::validate`].
    pub fn validate(&self, instance: &Value) -> Vec<String> {
        Check::new(self.doc, Some(&self.targets), MAX_ERRORS).run(&self.node, instance)
    }

    /// Whether `instance` is valid (stops at the first error).
    pub fn is_valid(&self, instance: &Value) -> bool {
        Check::new(self.doc, Some(&self.targets), 1)
            .run(&self.node, instance)
            .is_empty()
    }
}

/// One validation: the document, the error limit and the steps taken.
struct Check<'s> {
    doc: &'s Schema,
    /// A subschema's own `$ref` targets.
    targets: Option<&'s HashMap<String, Node>>,
    max_errors: usize,
    steps: Cell<usize>,
}

impl<'s> Check<'s> {
    fn new(
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

    fn run(&self, node: &Node, instance: &Value) -> Vec<String> {
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
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if errors.len() >= self.max_errors || steps > MAX_STEPS {
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
            match self.target(target) {
                Some(referenced) => self.check(referenced, v, path, errors, depth + 1),
                None => fail!("`#{target}` is not defined"),
            }
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
                if let Some(contains) = &k.contains {
                    let matching = items
                        .iter()
                        .filter(|item| self.valid(contains, item, path, depth).is_empty())
                        .count() as u64;
                    let min = k.min_contains.unwrap_or(1);
                    if matching < min {
                        if min == 1 {
                            fail!("no item matches the `contains` schema");
                        } else {
                            fail!(
                                "expected at least {min} items matching `contains`, got {matching}"
                            );
                        }
                    }
                    if let Some(max) = k.max_contains
                        && matching > max
                    {
                        fail!("expected at most {max} items matching `contains`, got {matching}");
                    }
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
                if self.doc.formats
                    && let Some(f) = k.format
                    && !f.accepts(s)
                {
                    fail!("does not match the format `{}`", f.name());
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
                    // An overflowing quotient (1e308 / 0.123) is no whole number.
                    if !q.is_finite() || (q - q.round()).abs() > 1e-9 {
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

/// The errors of the branch that came closest (fewest errors), joined.
fn closest(results: &[Vec<String>]) -> String {
    results
        .iter()
        .min_by_key(|e| e.len())
        .map(|e| e.join("; "))
        .unwrap_or_default()
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
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

// --- formats ------------------------------------------------------------------------------

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3 && digits(parts[0], 4) && digits(parts[1], 2) && digits(parts[2], 2)
}

fn is_time(s: &str) -> bool {
    let (clock, zone) = if let Some(clock) = s.strip_suffix(['Z', 'z']) {
        (clock, "")
    } else if let Some(at) = s.rfind(['+', '-']) {
        (&s[..at], &s[at + 1..])
    } else {
        return false;
    };
    let clock = clock.split('.').next().unwrap_or("");
    let hms: Vec<&str> = clock.split(':').collect();
    let zone_ok = zone.is_empty() || {
        let hm: Vec<&str> = zone.split(':').collect();
        hm.len() == 2 && digits(hm[0], 2) && digits(hm[1], 2)
    };
    hms.len() == 3 && hms.iter().all(|p| digits(p, 2)) && zone_ok
}

fn is_date_time(s: &str) -> bool {
    match s.find(['T', 't', ' ']) {
        Some(at) => is_date(&s[..at]) && is_time(&s[at + 1..]),
        None => false,
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn is_uri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !rest.is_empty()
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
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

    #[test]
    fn counts_may_be_written_with_a_zero_fraction() {
        let s = schema(json!({"maxItems": 2.0, "minLength": 1.0}));
        assert!(s.is_valid(&json!([1, 2])));
        assert!(!s.is_valid(&json!([1, 2, 3])));
        assert!(!s.is_valid(&json!("")));
        assert!(Schema::compile(json!({"maxItems": 2.5})).is_err());
        assert!(Schema::compile(json!({"maxItems": -1.0})).is_err());
    }

    #[test]
    fn an_overflowing_multiple_of_quotient_is_not_a_multiple() {
        let s = schema(json!({"type": "integer", "multipleOf": 0.123456789}));
        assert!(!s.is_valid(&json!(1e308)));
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
    fn older_drafts_and_openapi_forms() {
        // Draft-04's boolean exclusive bounds.
        let s = schema(json!({
            "type": "integer",
            "minimum": 5, "exclusiveMinimum": true,
            "maximum": 9, "exclusiveMaximum": false
        }));
        assert!(s.validate(&json!(6)).is_empty());
        assert!(s.validate(&json!(9)).is_empty());
        assert_eq!(s.validate(&json!(5)), ["(root): must be greater than 5"]);
        // OpenAPI's `nullable`.
        let n = schema(json!({"type": "number", "nullable": true}));
        assert!(n.validate(&json!(null)).is_empty());
        assert_eq!(
            n.validate(&json!("x")),
            ["(root): expected number or null, got string"]
        );
        assert_eq!(
            schema(json!({"type": "number", "nullable": false})).validate(&json!(null)),
            ["(root): expected number, got null"]
        );
        // Draft-07 tuples: `additionalItems` is the rest.
        let t = schema(
            json!({"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "integer"}}),
        );
        assert!(t.validate(&json!(["a", 1, 2])).is_empty());
        assert_eq!(
            t.validate(&json!(["a", "b"])),
            ["/1: expected integer, got string"]
        );
        let closed = schema(json!({"items": [{"type": "string"}], "additionalItems": false}));
        assert_eq!(
            closed.validate(&json!(["a", 1])),
            ["/1: no value is allowed here"]
        );
        // ... and ignored beside a schema `items`, as the drafts say.
        let ignored = schema(json!({"items": {"type": "string"}, "additionalItems": false}));
        assert!(ignored.validate(&json!(["a", "b"])).is_empty());
    }

    #[test]
    fn contains_and_conditionals() {
        let c = schema(json!({"type": "array", "contains": {"type": "integer"}}));
        assert!(c.validate(&json!(["a", 1])).is_empty());
        assert_eq!(
            c.validate(&json!(["a"])),
            ["(root): no item matches the `contains` schema"]
        );
        let counted = schema(json!({"contains": {"const": 1}, "minContains": 2, "maxContains": 3}));
        assert!(counted.validate(&json!([1, 1, 0])).is_empty());
        assert_eq!(
            counted.validate(&json!([1, 0])),
            ["(root): expected at least 2 items matching `contains`, got 1"]
        );
        assert_eq!(
            counted.validate(&json!([1, 1, 1, 1])),
            ["(root): expected at most 3 items matching `contains`, got 4"]
        );
        let optional = schema(json!({"contains": {"const": 1}, "minContains": 0}));
        assert!(optional.validate(&json!([])).is_empty());
        let cond = schema(json!({
            "if": {"properties": {"kind": {"const": "choice"}}, "required": ["kind"]},
            "then": {"required": ["options"]},
            "else": {"properties": {"options": false}}
        }));
        assert!(
            cond.validate(&json!({"kind": "choice", "options": [1]}))
                .is_empty()
        );
        assert_eq!(
            cond.validate(&json!({"kind": "choice"})),
            ["(root): missing required property `options`"]
        );
        assert!(cond.validate(&json!({"kind": "open"})).is_empty());
        assert_eq!(
            cond.validate(&json!({"kind": "open", "options": []})),
            ["/options: no value is allowed here"]
        );
        // `then` without `if` does nothing.
        assert!(
            schema(json!({"then": false}))
                .validate(&json!(1))
                .is_empty()
        );
    }

    #[test]
    fn refs_may_point_anywhere_in_the_document() {
        let s = schema(json!({
            "$defs": {
                "a/b": {"type": "integer"},
                "with space": {"type": "string"},
                "outer": {"$defs": {"inner": {"minimum": 10}}}
            },
            "properties": {
                "a": {"type": "boolean"},
                "same": {"$ref": "#/properties/a"},
                "slash": {"$ref": "#/$defs/a~1b"},
                "space": {"$ref": "#/$defs/with%20space"},
                "nested": {"$ref": "#/$defs/outer/$defs/inner"}
            }
        }));
        assert!(
            s.validate(&json!({"same": true, "slash": 1, "space": "x", "nested": 11}))
                .is_empty()
        );
        let mut errors = s.validate(&json!({"same": 1, "slash": "1", "space": 2, "nested": 9}));
        errors.sort();
        assert_eq!(
            errors,
            [
                "/nested: must be at least 10",
                "/same: expected boolean, got integer",
                "/slash: expected integer, got string",
                "/space: expected string, got integer",
            ]
        );
        let doc = s.value();
        assert_eq!(
            resolve_ref(doc, "#/$defs/with%20space"),
            Some(&json!({"type": "string"}))
        );
        assert_eq!(resolve_ref(doc, "#"), Some(doc));
        assert_eq!(resolve_ref(doc, "#/nowhere"), None);
        assert_eq!(resolve_ref(doc, "other.json#/a"), None);
        assert_eq!(resolve_ref(doc, "#/$defs/bad%zz"), None);
        assert_eq!(
            Schema::compile(json!({"$ref": "#/properties/x"})).unwrap_err(),
            "/$ref: `#/properties/x` is not defined"
        );
        assert!(
            Schema::compile(json!({"$ref": "#anchor"}))
                .unwrap_err()
                .contains("only `#`")
        );
    }

    #[test]
    fn formats_are_asserted_only_when_asked() {
        let doc = json!({"properties": {
            "when": {"format": "date-time"}, "day": {"format": "date"}, "at": {"format": "time"},
            "mail": {"format": "email"}, "site": {"format": "uri"}, "id": {"format": "uuid"},
            "other": {"format": "hostname"}
        }});
        let good = json!({
            "when": "2025-01-01T09:00:00+02:00", "day": "2025-01-01", "at": "09:00:00Z",
            "mail": "a@example.com", "site": "https://example.com/",
            "id": "03538cff-0249-4353-834f-8cff02455a7c", "other": "not a hostname!"
        });
        let bad = json!({
            "when": "tomorrow", "day": "1.1.2025", "at": "9am", "mail": "nope",
            "site": "example dot com", "id": "offline-1"
        });
        assert!(schema(doc.clone()).validate(&bad).is_empty());
        let asserting = schema(doc).asserting_formats();
        assert!(asserting.validate(&good).is_empty());
        let mut errors = asserting.validate(&bad);
        errors.sort();
        assert_eq!(
            errors,
            [
                "/at: does not match the format `time`",
                "/day: does not match the format `date`",
                "/id: does not match the format `uuid`",
                "/mail: does not match the format `email`",
                "/site: does not match the format `uri`",
                "/when: does not match the format `date-time`",
            ]
        );
    }

    #[test]
    fn subschemas_resolve_against_their_document() {
        let doc = schema(json!({
            "$defs": {"pos": {"type": "integer", "minimum": 1}},
            "type": "object",
            "properties": {"n": {"$ref": "#/$defs/pos"}, "s": {"type": "string", "format": "email"}}
        }))
        .asserting_formats();
        // A part of the document.
        let n = doc.subschema(&doc.value()["properties"]["n"]).unwrap();
        assert!(n.is_valid(&json!(2)));
        assert_eq!(n.validate(&json!(0)), ["(root): must be at least 1"]);
        // One built from its parts, with a reference the document never makes itself;
        // `#` is still the document's root, and formats are asserted as there.
        let built = doc
            .subschema(
                &json!({"prefixItems": [{"$ref": "#"}], "items": {"$ref": "#/properties/s"}}),
            )
            .unwrap();
        assert!(built.is_valid(&json!([{"n": 1}, "a@example.com"])));
        assert_eq!(
            built.validate(&json!([{"n": 0}, "nope"])),
            [
                "/0/n: must be at least 1",
                "/1: does not match the format `email`"
            ]
        );
        assert!(doc.subschema(&json!(true)).unwrap().is_valid(&json!(1)));
        assert!(!doc.subschema(&json!(false)).unwrap().is_valid(&json!(1)));
        assert_eq!(
            doc.subschema(&json!({"$ref": "#/$defs/none"})).unwrap_err(),
            "/$ref: `#/$defs/none` is not defined"
        );
        assert!(doc.subschema(&json!(3)).is_err());
    }

    #[test]
    fn is_valid_agrees_with_validate() {
        let s = quiz();
        for v in [
            json!({"questions": [{"prompt": "2+2?", "answer": "4"}]}),
            json!({"questions": [{"prompt": "2+2?", "answer": 4}]}),
            json!({"questions": []}),
            json!([]),
        ] {
            assert_eq!(s.is_valid(&v), s.validate(&v).is_empty(), "{v}");
        }
    }

    #[test]
    fn multiplying_combinators_stop_with_an_error() {
        // Every level doubles the work: 2^64 checks without the step budget.
        let s = schema(json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}));
        assert_eq!(
            s.validate(&json!(1)),
            [format!(
                "(root): not checked: the schema needs more than {MAX_STEPS} steps for this value"
            )]
        );
        assert!(!s.is_valid(&json!(1)));
        // Giving up is never a pass, even under `not`.
        let s = schema(
            json!({"$defs": {"x": {"anyOf": [{"$ref": "#/$defs/x"}, {"$ref": "#/$defs/x"}]}}, "not": {"$ref": "#/$defs/x"}}),
        );
        assert!(!s.is_valid(&json!(1)));
    }

    #[test]
    fn patterns_compile_once_per_thread() {
        let a = regex("^q[0-9]+$").unwrap();
        assert!(a.is_match("q12") && !a.is_match("x"));
        assert!(regex("^q[0-9]+$").unwrap().is_match("q1"));
        assert_eq!(regex("(").unwrap_err(), regex("(").unwrap_err());
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
