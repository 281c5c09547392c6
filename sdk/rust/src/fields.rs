//! Reads a JSON object field by field, so every refusal names the exact field
//! (`question.answer_key.rubric[1].points`): a missing field, a wrong type, an unknown field.
//! `null` counts as absent.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::outcome::{Invalid, invalid};

/// What a JSON value is, for messages ("must be a string, not a number").
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses `json` (the text at `path`) and requires an object.
pub fn parse_object(json: &str, path: &str, example: &str) -> Result<Fields, Invalid> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| invalid(path, format!("is not valid JSON: {e}")))?;
    Fields::new(value, path, example)
}

/// Parses `json` (the text at `field`) as `T`, naming `field` (and the inner field serde
/// reports, for a missing or unknown one) on failure; the message is serde's.
pub fn deserialize<T: DeserializeOwned>(json: &str, field: &str) -> Result<T, Invalid> {
    serde_json::from_str(json).map_err(|e| {
        let message = e.to_string();
        // serde names a missing or unknown field in backticks: point at it.
        let inner = message.split('`').nth(1).filter(|_| {
            message.starts_with("missing field") || message.starts_with("unknown field")
        });
        match inner {
            Some(name) => invalid(&format!("{field}.{name}"), message.clone()),
            None => invalid(field, message.clone()),
        }
    })
}

/// The fields of one object, taken one at a time; [`Fields::finish`] refuses the rest.
#[derive(Debug)]
pub struct Fields {
    map: Map<String, Value>,
    path: String,
    known: Vec<&'static str>,
}

impl Fields {
    /// Requires `value` (found at `path`) to be an object; `example` shows the shape.
    pub fn new(value: Value, path: &str, example: &str) -> Result<Self, Invalid> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                path: path.to_owned(),
                known: Vec::new(),
            }),
            other => Err(invalid(
                path,
                format!("must be an object like {example}, not {}", describe(&other)),
            )),
        }
    }

    /// The path of field `name`.
    pub fn path(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn take(&mut self, name: &'static str) -> Option<Value> {
        self.known.push(name);
        self.map.remove(name).filter(|v| !v.is_null())
    }

    fn wrong(&self, name: &str, wanted: &str, got: &Value) -> Invalid {
        invalid(
            &self.path(name),
            format!("must be {wanted}, not {}", describe(got)),
        )
    }

    fn missing(&self, name: &str, wanted: &str) -> Invalid {
        invalid(
            &self.path(name),
            format!("is missing: {wanted} is required"),
        )
    }

    /// An optional string.
    pub fn opt_string(&mut self, name: &'static str) -> Result<Option<String>, Invalid> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(name, "a string", &other)),
        }
    }

    /// A required string.
    pub fn string(&mut self, name: &'static str) -> Result<String, Invalid> {
        self.opt_string(name)?
            .ok_or_else(|| self.missing(name, "a string"))
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, name: &'static str) -> Result<Option<bool>, Invalid> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong(name, "true or false", &other)),
        }
    }

    /// An optional finite number.
    pub fn opt_number(&mut self, name: &'static str) -> Result<Option<f64>, Invalid> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| invalid(&self.path(name), "must be a finite number")),
            Some(other) => Err(self.wrong(name, "a number", &other)),
        }
    }

    /// A required finite number.
    pub fn number(&mut self, name: &'static str) -> Result<f64, Invalid> {
        self.opt_number(name)?
            .ok_or_else(|| self.missing(name, "a number"))
    }

    /// An optional object.
    pub fn opt_object(
        &mut self,
        name: &'static str,
    ) -> Result<Option<Map<String, Value>>, Invalid> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => Err(self.wrong(name, "an object", &other)),
        }
    }

    /// An optional whole number within `min..=max`.
    pub fn opt_u32_within(
        &mut self,
        name: &'static str,
        min: u32,
        max: u32,
    ) -> Result<Option<u32>, Invalid> {
        let wanted = format!("a whole number from {min} to {max}");
        match self.take(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|v| (u64::from(min)..=u64::from(max)).contains(v))
                .map(|v| Some(v as u32))
                .ok_or_else(|| invalid(&self.path(name), format!("must be {wanted}, not {n}"))),
            Some(other) => Err(self.wrong(name, &wanted, &other)),
        }
    }

    /// A required array.
    pub fn array(&mut self, name: &'static str) -> Result<Vec<Value>, Invalid> {
        match self.take(name) {
            None => Err(self.missing(name, "an array")),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.wrong(name, "an array", &other)),
        }
    }

    /// Refuses any field that was not taken: a typo must not pass for a default.
    pub fn finish(self) -> Result<(), Invalid> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(name) => Err(invalid(
                &self.path(name),
                format!(
                    "is not a known field here (known: {})",
                    self.known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Fields {
        parse_object(json, "answer", "{}").unwrap()
    }

    #[test]
    fn not_json_or_not_an_object() {
        let e = parse_object("{", "answer", r#"{"code": "…"}"#).unwrap_err();
        assert_eq!(e.field, "answer");
        assert!(e.message.starts_with("is not valid JSON"), "{e:?}");
        let e = parse_object(r#""print(1)""#, "answer", r#"{"code": "…"}"#).unwrap_err();
        assert_eq!(e.field, "answer");
        assert_eq!(
            e.message,
            r#"must be an object like {"code": "…"}, not a string"#
        );
    }

    #[test]
    fn strings_missing_wrong_and_null() {
        let mut f = fields(r#"{"a": "x", "b": 5, "c": null}"#);
        assert_eq!(f.string("a").unwrap(), "x");
        let e = f.string("b").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("answer.b", "must be a string, not a number")
        );
        assert_eq!(f.opt_string("c").unwrap(), None);
        let e = f.string("d").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("answer.d", "is missing: a string is required")
        );
        f.finish().unwrap();
    }

    #[test]
    fn numbers_and_ranges() {
        let mut f =
            fields(r#"{"t": 2000, "big": 99999, "neg": -1, "frac": 1.5, "s": "3", "w": 0.5}"#);
        assert_eq!(f.opt_u32_within("t", 1, 10_000).unwrap(), Some(2000));
        for name in ["big", "neg", "frac"] {
            let e = f.opt_u32_within(name, 1, 10_000).unwrap_err();
            assert_eq!(e.field, format!("answer.{name}"));
            assert!(
                e.message
                    .starts_with("must be a whole number from 1 to 10000"),
                "{e:?}"
            );
        }
        let e = f.opt_u32_within("s", 1, 10).unwrap_err();
        assert_eq!(
            e.message,
            "must be a whole number from 1 to 10, not a string"
        );
        assert_eq!(f.opt_number("w").unwrap(), Some(0.5));
        assert_eq!(f.opt_number("absent").unwrap(), None);
        f.finish().unwrap();
    }

    #[test]
    fn booleans_and_arrays() {
        let mut f = fields(r#"{"h": true, "x": "yes", "tests": {}}"#);
        assert_eq!(f.opt_bool("h").unwrap(), Some(true));
        assert_eq!(
            f.opt_bool("x").unwrap_err().message,
            "must be true or false, not a string"
        );
        assert_eq!(
            f.array("tests").unwrap_err().message,
            "must be an array, not an object"
        );
        assert_eq!(
            f.array("none").unwrap_err().message,
            "is missing: an array is required"
        );
    }

    #[test]
    fn required_numbers_and_objects() {
        let mut f = fields(r#"{"p": 2.5, "q": "2", "files": {"a": "b"}, "o": []}"#);
        assert_eq!(f.number("p").unwrap(), 2.5);
        assert_eq!(
            f.number("q").unwrap_err().message,
            "must be a number, not a string"
        );
        assert_eq!(
            f.number("r").unwrap_err().message,
            "is missing: a number is required"
        );
        assert_eq!(f.opt_object("files").unwrap().unwrap().len(), 1);
        let e = f.opt_object("o").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("answer.o", "must be an object, not an array")
        );
        assert_eq!(f.opt_object("none").unwrap(), None);
    }

    #[test]
    fn deserialize_names_the_field_serde_reports() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct Key {
            #[allow(dead_code)]
            correct: bool,
        }
        let e = deserialize::<Key>("{}", "question.answer_key").unwrap_err();
        assert_eq!(e.field, "question.answer_key.correct");
        assert!(e.message.starts_with("missing field `correct`"), "{e:?}");
        let e = deserialize::<Key>(r#"{"correct": true, "x": 1}"#, "answer").unwrap_err();
        assert_eq!(e.field, "answer.x");
        let e = deserialize::<Key>(r#"{"correct": 1}"#, "answer").unwrap_err();
        assert_eq!(e.field, "answer");
        assert!(deserialize::<Key>(r#"{"correct": true}"#, "answer").is_ok());
    }

    #[test]
    fn unknown_fields_are_named() {
        let mut f = fields(r#"{"code": "x", "langauge": "python"}"#);
        f.string("code").unwrap();
        let e = f.finish().unwrap_err();
        assert_eq!(e.field, "answer.langauge");
        assert_eq!(e.message, "is not a known field here (known: `code`)");
    }
}
