//! The JSON-Schema validator (crate `json-schema`, the AI gateway's): a schema and an
//! instance (the input split at the first line `---`), compiled and validated. Any input gets a schema error or a
//! list of validation errors, never a panic; checking is bounded (libFuzzer's `-timeout`
//! catches a schema that makes it run away).
#![no_main]

use json_schema::Schema;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (schema, instance) = text.split_once("\n---\n").unwrap_or((text, "null"));
    let Ok(schema) = Schema::parse(schema) else {
        return;
    };
    let Ok(instance) = serde_json::from_str::<Value>(instance) else {
        return;
    };
    let errors = schema.validate(&instance);
    // The quick check and the full one agree.
    assert_eq!(
        schema.is_valid(&instance),
        errors.is_empty(),
        "is_valid disagrees with validate: {errors:?}"
    );
    let asserting = Schema::compile(schema.value().clone())
        .expect("a compiled schema compiles again")
        .asserting_formats();
    let _ = asserting.validate(&instance);
});
