//! A JSON Schema validator for the common keywords of draft 2020-12. The AI gateway checks
//! a request's `response-schema` when the request arrives and validates every reply
//! against it; the offline model (crate `offline-model`) validates what it generates with
//! the same code ([`Schema::subschema`]), so what it writes is what the gateway accepts.
//!
//! Written here rather than taken from the `jsonschema` crate: that crate builds for
//! wasm32-wasip2 but multiplies the gateway component's size by ten (≈2.5 MB more, ~100
//! crates) for keywords model replies never need. Supported: `type` (a name or a list;
//! OpenAPI's `nullable: true` adds `null`), `enum`, `const`, `properties`, `required`, `additionalProperties` (bool or schema),
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
//!
//! Layout: `compile` reads a document into typed nodes (one function per keyword family),
//! `check` validates a value against them (likewise), `format` holds the asserted formats.

mod check;
mod compile;
mod format;

use std::cell::RefCell;
use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::Value;

use check::Check;
use compile::{Compiler, Node, pointer_of};

/// Most validation errors reported for one value.
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

/// The subschema a local `$ref` (`#`, `#/$defs/x`, any JSON pointer) names in `document`;
/// `None` for references elsewhere or to nothing.
pub fn resolve_ref<'d>(document: &'d Value, reference: &str) -> Option<&'d Value> {
    document.pointer(&pointer_of(reference)?)
}

/// A JSON-pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A path as errors show it: `(root)` for the whole document.
fn shown(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

thread_local! {
    static REGEXES: RefCell<HashMap<String, Result<Regex, String>>> =
        RefCell::new(HashMap::new());
}

/// A `pattern` compiled with `regex-lite` (unanchored, as JSON Schema reads it), or why it
/// cannot be. Cached per thread: the offline model compiles the same few many times.
pub fn regex(pattern: &str) -> Result<Regex, String> {
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
}
