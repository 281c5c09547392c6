//! The crate against GrowthBook itself: every vector in `vectors/growthbook.json` (made by
//! GrowthBook's Python SDK 4.0.0, `vectors/generate.py`) and `vectors/kazi.json` (seed 004's
//! scheme over python-xxhash), plus a few vectors worked out by hand from the algorithms'
//! definitions.

use std::collections::BTreeMap;

use assignment::buckets::{self, Namespace};
use assignment::condition::{eval_condition, padded_version_string};
use assignment::experiment::{Context, Experiment, HashAlgorithm, StickyBuckets, StickyDoc};
use assignment::features::{FeaturesPayload, eval_feature};
use assignment::{ExperimentResult, FeatureResult, hash, kazi, run_experiment};
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// The vector files, parsed.
fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn growthbook() -> Value {
    load("growthbook.json")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is a list"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("{v} is a string"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is a number"))
}

fn u(v: &Value) -> u32 {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_else(|| panic!("{v} is a u32"))
}

#[test]
fn fnv1a32_matches_growthbook() {
    let v = growthbook();
    for key in ["fnv1a32", "fnv1a32FromDefinition"] {
        for case in list(&v, key) {
            assert_eq!(
                u64::from(hash::fnv1a32(s(&case[0]))),
                case[1],
                "{key} {case}"
            );
        }
    }
}

#[test]
fn hashes_match_growthbook() {
    let v = growthbook();
    let mut n = 0;
    for key in ["hash", "hashFromDefinition"] {
        for case in list(&v, key) {
            let got = hash::hash(s(&case[0]), s(&case[1]), u(&case[2]));
            assert_eq!(got, case[3].as_f64(), "{key} {case}");
            n += 1;
        }
    }
    assert!(n > 300, "{n} hash vectors");
}

/// Worked out by hand from the definitions (FNV-1a 32: start 0x811c9dc5, per UTF-16 unit
/// `h ^= unit; h *= 16777619 mod 2^32`).
#[test]
fn hand_checked_hashes() {
    // "a": the published FNV-1a 32 of "a" is 0xe40c292c = 3826002220; v1 with an empty seed
    // is 3826002220 % 1000 / 1000.
    assert_eq!(hash::fnv1a32("a"), 3_826_002_220);
    assert_eq!(hash::hash("", "a", 1), Some(0.22));
    // v2 hashes the decimal text of the first hash: fnv1a32("3826002220") % 10000 / 10000.
    let inner = hash::fnv1a32("3826002220");
    assert_eq!(
        hash::hash("", "a", 2),
        Some(f64::from(inner % 10_000) / 10_000.0)
    );
    // U+1F600 is the UTF-16 pair D83D DE00, hashed unit by unit as JavaScript's charCodeAt
    // loop does: 0xcb31c4b8 = 3409036472. Hashing the code point 0x1F600 once (what a
    // code-point loop, like older Python SDKs, does) gives 105948959 instead, and would put
    // emoji ids in other buckets than the JavaScript SDK.
    assert_eq!(hash::fnv1a32("\u{1F600}"), 3_409_036_472);
    assert_eq!(hash::hash("", "\u{1F600}", 1), Some(0.472));
    // v1 hashes value + seed: "u😀" + "x" is the units 75 D83D DE00 78 → 2729440887.
    assert_eq!(hash::hash("x", "u\u{1F600}", 1), Some(0.887));
}

/// One `bucketRanges` vector with its expected numbers as written: `serde_json` (without
/// its `float_roundtrip` feature, which this workspace leaves off) may read a 17-digit
/// number one unit in the last place off, and these ranges are compared exactly.
type RangesCase<'a> = (
    usize,
    f64,
    Option<Vec<f64>>,
    Vec<(&'a RawValue, &'a RawValue)>,
);

#[test]
fn bucket_ranges_match_growthbook() {
    #[derive(serde::Deserialize)]
    struct Vectors<'a> {
        #[serde(borrow, rename = "bucketRanges")]
        bucket_ranges: Vec<&'a RawValue>,
    }
    let path = format!(
        "{}/tests/vectors/growthbook.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let vectors: Vectors<'_> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let exact = |r: &RawValue| -> f64 { r.get().parse().unwrap_or_else(|e| panic!("{r}: {e}")) };
    for raw in vectors.bucket_ranges {
        let (n, coverage, weights, want): RangesCase<'_> =
            serde_json::from_str(raw.get()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        let want: Vec<(f64, f64)> = want.iter().map(|(a, b)| (exact(a), exact(b))).collect();
        let got = buckets::bucket_ranges(n, coverage, weights.as_deref());
        assert_eq!(got, want, "{raw}");
    }
}

#[test]
fn choose_variation_matches_growthbook() {
    let v = growthbook();
    for case in list(&v, "chooseVariation") {
        let ranges: Vec<(f64, f64)> =
            serde_json::from_value(case[1].clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let got = buckets::choose_variation(f(&case[0]), &ranges)
            .map_or(-1, |i| i64::try_from(i).unwrap_or(-1));
        assert_eq!(Some(got), case[2].as_i64(), "{case}");
    }
}

#[test]
fn namespaces_match_growthbook() {
    let v = growthbook();
    for case in list(&v, "inNamespace") {
        let ns: Namespace =
            serde_json::from_value(case[1].clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            Some(buckets::in_namespace(s(&case[0]), &ns)),
            case[2].as_bool(),
            "{case}"
        );
    }
}

#[test]
fn padded_versions_match_growthbook() {
    let v = growthbook();
    for case in list(&v, "paddedVersion") {
        assert_eq!(padded_version_string(&case[0]), s(&case[1]), "{case}");
    }
}

#[test]
fn conditions_match_growthbook() {
    let v = growthbook();
    let attributes = list(&v, "conditionAttributes");
    let cases = list(&v, "conditions");
    let mut operators = std::collections::BTreeSet::new();
    for case in cases {
        let attrs = &attributes[usize::try_from(case[1].as_u64().unwrap_or(0)).unwrap_or(0)];
        let got = eval_condition(attrs, &case[0]);
        assert_eq!(
            Some(got),
            case[2].as_bool(),
            "condition {} on {attrs}",
            case[0]
        );
        collect_operators(&case[0], &mut operators);
    }
    // Every operator GrowthBook documents is exercised.
    for op in [
        "$eq",
        "$ne",
        "$lt",
        "$lte",
        "$gt",
        "$gte",
        "$regex",
        "$in",
        "$nin",
        "$elemMatch",
        "$size",
        "$all",
        "$exists",
        "$type",
        "$not",
        "$and",
        "$or",
        "$nor",
        "$veq",
        "$vne",
        "$vgt",
        "$vgte",
        "$vlt",
        "$vlte",
    ] {
        assert!(operators.contains(op), "no vector uses {op}");
    }
    assert!(cases.len() > 250, "{} condition vectors", cases.len());
}

fn collect_operators(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.starts_with('$') {
                    out.insert(k.clone());
                }
                collect_operators(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_operators(x, out)),
        _ => {}
    }
}

/// The context a vector describes: attributes (inline or an index into `users`), forced
/// variations, and sticky documents (absent: sticky bucketing off).
fn context(case: &Value, users: &[Value]) -> Context {
    let attributes = match &case["attributes"] {
        Value::Number(i) => users[usize::try_from(i.as_u64().unwrap_or(0)).unwrap_or(0)].clone(),
        other => other.clone(),
    };
    let mut ctx = Context::new(attributes).unwrap_or_else(|e| panic!("{case}: {e}"));
    if let Some(forced) = case.get("forcedVariations") {
        ctx.forced_variations =
            serde_json::from_value(forced.clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
    }
    if let Some(docs) = case.get("stickyDocs") {
        let docs: Vec<StickyDoc> =
            serde_json::from_value(docs.clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
        ctx.sticky = Some(StickyBuckets::new(docs));
    }
    ctx
}

/// The result fields a vector records, from this crate's result.
fn compact(r: &ExperimentResult) -> Value {
    let mut out = json!({
        "inExperiment": r.in_experiment,
        "variationId": r.variation_id,
        "value": r.value,
        "hashUsed": r.hash_used,
        "hashAttribute": r.hash_attribute,
        "hashValue": r.hash_value,
        "key": r.key,
        "stickyBucketUsed": r.sticky_bucket_used,
    });
    if let Some(b) = r.bucket {
        out["bucket"] = json!(b);
    }
    if let Some(n) = &r.name {
        out["name"] = json!(n);
    }
    if r.passthrough {
        out["passthrough"] = json!(true);
    }
    if let Some(f) = &r.feature_id {
        out["featureId"] = json!(f);
    }
    out
}

/// The documents a run changed, as the vectors list them (sorted by key).
fn saved(ctx: &Context) -> Value {
    let docs = ctx
        .sticky
        .as_ref()
        .map(StickyBuckets::changed)
        .unwrap_or_default();
    serde_json::to_value(docs).unwrap_or_default()
}

#[test]
fn experiments_match_growthbook() {
    let v = growthbook();
    let defs = list(&v, "experimentDefs");
    let users = list(&v, "users");
    let cases = list(&v, "experiments");
    let mut sticky = 0;
    for case in cases {
        let name = s(&case["name"]);
        let def = match &case["experiment"] {
            Value::Number(i) => &defs[usize::try_from(i.as_u64().unwrap_or(0)).unwrap_or(0)],
            inline => inline,
        };
        let exp: Experiment =
            serde_json::from_value(def.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut ctx = context(case, users);
        let got = run_experiment(&exp, &mut ctx, None);
        assert_eq!(compact(&got), case["result"], "experiment {name}");
        if let Some(want) = case.get("savedDocs") {
            sticky += 1;
            assert_eq!(saved(&ctx), *want, "saved sticky docs of {name}");
        }
    }
    assert!(cases.len() > 300, "{} experiment vectors", cases.len());
    assert!(sticky > 25, "{sticky} sticky vectors");
}

/// The result fields a feature vector records.
fn compact_feature(r: &FeatureResult) -> Value {
    let mut out = json!({
        "value": r.value,
        "on": r.on,
        "off": r.off,
        "source": r.source.as_str(),
        "ruleId": r.rule_id,
    });
    if let Some(e) = &r.experiment_result {
        out["experimentResult"] = compact(e);
    }
    out
}

#[test]
fn features_match_growthbook() {
    let v = growthbook();
    let payload_text = v["payload"].to_string();
    let payload = FeaturesPayload::parse(&payload_text).unwrap_or_else(|e| panic!("{e}"));
    let users = list(&v, "featureUsers");
    let cases = list(&v, "features");
    let mut sources = BTreeMap::new();
    for case in cases {
        let name = s(&case["name"]);
        let mut ctx = context(case, users);
        let got = eval_feature(&payload, s(&case["key"]), &mut ctx);
        assert_eq!(compact_feature(&got), case["result"], "feature {name}");
        if let Some(want) = case.get("savedDocs") {
            assert_eq!(saved(&ctx), *want, "saved sticky docs of {name}");
        }
        *sources.entry(got.source.as_str()).or_insert(0) += 1;
    }
    for source in [
        "unknownFeature",
        "defaultValue",
        "force",
        "experiment",
        "prerequisite",
        "cyclicPrerequisite",
    ] {
        assert!(
            sources.contains_key(source),
            "no vector ends in {source}: {sources:?}"
        );
    }
}

#[test]
fn kazi_matches_xxhash() {
    let v = load("kazi.json");
    for case in list(&v, "hashes") {
        let id = s(&case[0]);
        assert_eq!(
            u64::from(xxhash_rust::xxh32::xxh32(id.as_bytes(), 0)),
            case[1],
            "xxh32 {id:?}"
        );
        assert_eq!(u64::from(kazi::bucket(id)), case[2], "bucket {id:?}");
    }
    for case in list(&v, "assignments") {
        let id = s(&case[0]);
        let variants: Vec<(String, u32)> =
            serde_json::from_value(case[1].clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let refs: Vec<(&str, u32)> = variants.iter().map(|(k, w)| (k.as_str(), *w)).collect();
        assert_eq!(kazi::assign_variant(id, &refs), case[2].as_str(), "{case}");

        // The same through an experiment with the kazi-v1 algorithm.
        let exp = Experiment {
            key: "welcome-v1".into(),
            variations: variants.iter().map(|(k, _)| json!(k)).collect(),
            weights: Some(variants.iter().map(|(_, w)| f64::from(*w)).collect()),
            hash_algorithm: HashAlgorithm::KaziV1,
            ..Experiment::default()
        };
        if variants.len() < 2 || id.is_empty() {
            continue; // GrowthBook's rules: one variation, or no id, is not an experiment
        }
        let mut ctx = Context::new(json!({ "id": id })).unwrap_or_else(|e| panic!("{e}"));
        let r = run_experiment(&exp, &mut ctx, None);
        assert!(r.in_experiment, "{case}");
        assert_eq!(Some(&r.value), Some(&case[2]), "experiment {case}");
    }
}
