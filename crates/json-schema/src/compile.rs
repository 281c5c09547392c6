//! Compiling a schema document into [`Node`]s: each keyword is read once, checked (an
//! invalid schema is refused with the keyword's JSON pointer), and stored typed, so
//! validation never looks at the document's JSON again.

use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::Value;

use crate::format::Format;
use crate::{escape, regex, shown};

#[derive(Debug)]
pub(crate) enum Node {
    Bool(bool),
    Keywords(Box<Keywords>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    String,
    Integer,
}

impl Type {
    pub(crate) fn parse(name: &str) -> Option<Type> {
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

    pub(crate) fn name(self) -> &'static str {
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

    pub(crate) fn matches(self, v: &Value) -> bool {
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

pub(crate) fn type_of(v: &Value) -> &'static str {
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
pub(crate) struct Keywords {
    pub(crate) types: Option<Vec<Type>>,
    pub(crate) enumeration: Option<Vec<Value>>,
    pub(crate) constant: Option<Value>,
    pub(crate) properties: Vec<(String, Node)>,
    pub(crate) pattern_properties: Vec<(Regex, Node)>,
    pub(crate) required: Vec<String>,
    pub(crate) additional: Option<Node>,
    pub(crate) min_properties: Option<u64>,
    pub(crate) max_properties: Option<u64>,
    pub(crate) prefix_items: Vec<Node>,
    pub(crate) items: Option<Node>,
    pub(crate) contains: Option<Node>,
    pub(crate) min_contains: Option<u64>,
    pub(crate) max_contains: Option<u64>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) unique_items: bool,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) pattern: Option<(String, Regex)>,
    pub(crate) format: Option<Format>,
    pub(crate) minimum: Option<f64>,
    pub(crate) maximum: Option<f64>,
    pub(crate) exclusive_minimum: Option<f64>,
    pub(crate) exclusive_maximum: Option<f64>,
    pub(crate) multiple_of: Option<f64>,
    pub(crate) all_of: Vec<Node>,
    pub(crate) any_of: Vec<Node>,
    pub(crate) one_of: Vec<Node>,
    pub(crate) not: Option<Node>,
    pub(crate) condition: Option<Node>,
    pub(crate) then: Option<Node>,
    pub(crate) otherwise: Option<Node>,
    /// `None`: no `$ref`; `Some("")`: the root; else the JSON pointer of the target.
    pub(crate) reference: Option<String>,
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
pub(crate) struct Compiler {
    refs: Vec<Reference>,
}

impl Compiler {
    pub(crate) fn node(&mut self, v: &Value, at: &str) -> Result<Node, String> {
        match v {
            Value::Bool(b) => Ok(Node::Bool(*b)),
            Value::Object(map) => {
                let mut k = Keywords::default();
                let mut legacy = Legacy::default();
                for (key, value) in map {
                    let here = format!("{at}/{}", escape(key));
                    self.keyword(
                        &mut k,
                        &mut legacy,
                        key,
                        Arg {
                            v: value,
                            at: &here,
                        },
                    )?;
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

    fn nodes(&mut self, arg: Arg<'_>) -> Result<Vec<Node>, String> {
        let at = arg.at;
        let list = arg
            .v
            .as_array()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| format!("{at}: must be a non-empty list of schemas"))?;
        list.iter()
            .enumerate()
            .map(|(i, s)| self.node(s, &format!("{at}/{i}")))
            .collect()
    }

    /// Reads one keyword into `k` (or `legacy`), by family; unknown keywords and
    /// annotations are ignored.
    fn keyword(
        &mut self,
        k: &mut Keywords,
        legacy: &mut Legacy,
        key: &str,
        arg: Arg<'_>,
    ) -> Result<(), String> {
        match key {
            "type" | "nullable" | "enum" | "const" => any_keyword(k, legacy, key, arg),
            "properties"
            | "patternProperties"
            | "required"
            | "additionalProperties"
            | "minProperties"
            | "maxProperties" => self.object_keyword(k, key, arg),
            "prefixItems" | "items" | "additionalItems" | "contains" | "minContains"
            | "maxContains" | "minItems" | "maxItems" | "uniqueItems" => {
                self.array_keyword(k, legacy, key, arg)
            }
            "minLength" | "maxLength" | "pattern" | "format" => string_keyword(k, key, arg),
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                number_keyword(k, legacy, key, arg)
            }
            "allOf" | "anyOf" | "oneOf" | "not" | "if" | "then" | "else" => {
                self.applicator(k, key, arg)
            }
            "$ref" => self.reference(k, arg),
            // The root's are compiled (and so checked) by `Schema::compile`; nested ones
            // are compiled when referenced, and otherwise only checked to be objects.
            "$defs" | "definitions" if !arg.v.is_object() => {
                Err(format!("{}: must be an object of schemas", arg.at))
            }
            _ => Ok(()),
        }
    }

    /// `properties`, `patternProperties`, `required`, `additionalProperties`,
    /// `minProperties`, `maxProperties`.
    fn object_keyword(&mut self, k: &mut Keywords, key: &str, arg: Arg<'_>) -> Result<(), String> {
        let Arg { v, at } = arg;
        match key {
            "properties" => {
                for (name, s) in arg.schemas()? {
                    let node = self.node(s, &format!("{at}/{}", escape(name)))?;
                    k.properties.push((name.clone(), node));
                }
            }
            "patternProperties" => {
                for (p, s) in arg.schemas()? {
                    let node = self.node(s, &format!("{at}/{}", escape(p)))?;
                    k.pattern_properties.push((arg.regex(p)?, node));
                }
            }
            "required" => {
                let names = || format!("{at}: must be a list of property names");
                for name in v.as_array().ok_or_else(names)? {
                    k.required.push(name.as_str().ok_or_else(names)?.to_owned());
                }
            }
            "additionalProperties" => k.additional = Some(self.node(v, at)?),
            "minProperties" => k.min_properties = Some(arg.count()?),
            "maxProperties" => k.max_properties = Some(arg.count()?),
            _ => {}
        }
        Ok(())
    }

    /// `prefixItems`, `items` (a list is draft-07's tuple form), `additionalItems`,
    /// `contains`, `minContains`, `maxContains`, `minItems`, `maxItems`, `uniqueItems`.
    fn array_keyword(
        &mut self,
        k: &mut Keywords,
        legacy: &mut Legacy,
        key: &str,
        arg: Arg<'_>,
    ) -> Result<(), String> {
        let Arg { v, at } = arg;
        match key {
            "prefixItems" => k.prefix_items = self.nodes(arg)?,
            // A list is draft-07's tuple form: read it as `prefixItems`.
            "items" if v.is_array() => {
                k.prefix_items = self.nodes(arg)?;
                legacy.items_list = true;
            }
            "items" => k.items = Some(self.node(v, at)?),
            "additionalItems" => legacy.additional_items = Some(self.node(v, at)?),
            "contains" => k.contains = Some(self.node(v, at)?),
            "minContains" => k.min_contains = Some(arg.count()?),
            "maxContains" => k.max_contains = Some(arg.count()?),
            "minItems" => k.min_items = Some(arg.count()?),
            "maxItems" => k.max_items = Some(arg.count()?),
            "uniqueItems" => {
                k.unique_items = v
                    .as_bool()
                    .ok_or_else(|| format!("{at}: must be a boolean"))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`.
    fn applicator(&mut self, k: &mut Keywords, key: &str, arg: Arg<'_>) -> Result<(), String> {
        let Arg { v, at } = arg;
        match key {
            "allOf" => k.all_of = self.nodes(arg)?,
            "anyOf" => k.any_of = self.nodes(arg)?,
            "oneOf" => k.one_of = self.nodes(arg)?,
            "not" => k.not = Some(self.node(v, at)?),
            "if" => k.condition = Some(self.node(v, at)?),
            "then" => k.then = Some(self.node(v, at)?),
            "else" => k.otherwise = Some(self.node(v, at)?),
            _ => {}
        }
        Ok(())
    }

    /// `$ref`: a JSON pointer into the document, resolved once the pass is over.
    fn reference(&mut self, k: &mut Keywords, arg: Arg<'_>) -> Result<(), String> {
        let at = arg.at;
        let r = arg.string()?;
        let pointer = pointer_of(r).ok_or_else(|| {
            format!("{at}: `{r}`: only `#` and `#/…` references (a JSON pointer into this schema) are supported")
        })?;
        self.refs.push(Reference {
            at: at.to_owned(),
            raw: r.to_owned(),
            pointer: pointer.clone(),
        });
        k.reference = Some(pointer);
        Ok(())
    }

    /// Compiles the target of every `$ref` met so far (and of the ones met in those
    /// targets) into `targets`, unless `known` or `targets` has it already.
    pub(crate) fn link(
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

/// `type`, `nullable` (OpenAPI 3.0: `null` is allowed as well as the `type` named), `enum`,
/// `const`.
fn any_keyword(
    k: &mut Keywords,
    legacy: &mut Legacy,
    key: &str,
    arg: Arg<'_>,
) -> Result<(), String> {
    let Arg { v, at } = arg;
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
        "nullable" => legacy.nullable = v.as_bool() == Some(true),
        "enum" => {
            let list = v
                .as_array()
                .ok_or_else(|| format!("{at}: must be a list"))?;
            k.enumeration = Some(list.clone());
        }
        "const" => k.constant = Some(v.clone()),
        _ => {}
    }
    Ok(())
}

/// `minLength`, `maxLength`, `pattern`, `format`.
fn string_keyword(k: &mut Keywords, key: &str, arg: Arg<'_>) -> Result<(), String> {
    match key {
        "minLength" => k.min_length = Some(arg.count()?),
        "maxLength" => k.max_length = Some(arg.count()?),
        "pattern" => {
            let p = arg.string()?;
            k.pattern = Some((p.to_owned(), arg.regex(p)?));
        }
        "format" => k.format = arg.v.as_str().and_then(Format::parse),
        _ => {}
    }
    Ok(())
}

/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (a number, or draft-04's
/// boolean making `minimum`/`maximum` exclusive), `multipleOf`.
fn number_keyword(
    k: &mut Keywords,
    legacy: &mut Legacy,
    key: &str,
    arg: Arg<'_>,
) -> Result<(), String> {
    let v = arg.v;
    match key {
        "minimum" => k.minimum = Some(arg.number()?),
        "maximum" => k.maximum = Some(arg.number()?),
        // Draft-04: a boolean makes `minimum` (`maximum`) exclusive.
        "exclusiveMinimum" if v.is_boolean() => {
            legacy.exclusive_minimum = v.as_bool() == Some(true)
        }
        "exclusiveMaximum" if v.is_boolean() => {
            legacy.exclusive_maximum = v.as_bool() == Some(true)
        }
        "exclusiveMinimum" => k.exclusive_minimum = Some(arg.number()?),
        "exclusiveMaximum" => k.exclusive_maximum = Some(arg.number()?),
        "multipleOf" => {
            let m = arg.number()?;
            if m <= 0.0 {
                return Err(format!("{}: must be greater than 0", arg.at));
            }
            k.multiple_of = Some(m);
        }
        _ => {}
    }
    Ok(())
}

/// A keyword's value and where it is (its JSON pointer, for errors).
#[derive(Clone, Copy)]
struct Arg<'a> {
    v: &'a Value,
    at: &'a str,
}

impl<'a> Arg<'a> {
    /// A count. Draft 2020-12 allows one written with a zero fraction (`2.0`).
    fn count(self) -> Result<u64, String> {
        let v = self.v;
        v.as_u64()
            .or_else(|| {
                v.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| format!("{}: must be a non-negative integer", self.at))
    }

    fn number(self) -> Result<f64, String> {
        self.v
            .as_f64()
            .ok_or_else(|| format!("{}: must be a number", self.at))
    }

    fn string(self) -> Result<&'a str, String> {
        self.v
            .as_str()
            .ok_or_else(|| format!("{}: must be a string", self.at))
    }

    /// An object of schemas (`properties`, `patternProperties`).
    fn schemas(self) -> Result<&'a serde_json::Map<String, Value>, String> {
        self.v
            .as_object()
            .ok_or_else(|| format!("{}: must be an object of schemas", self.at))
    }

    fn regex(self, p: &str) -> Result<Regex, String> {
        regex(p).map_err(|e| {
            format!(
                "{}: `{p}` is not a supported regular expression: {e}",
                self.at
            )
        })
    }
}

/// The JSON pointer a local `$ref` names (`""` for the whole document), percent-decoded
/// as a URI fragment is; `None` for other references.
pub(crate) fn pointer_of(reference: &str) -> Option<String> {
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
