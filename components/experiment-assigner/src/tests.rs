//! The export, called natively with the WIT records.

use super::*;
use exports::tessera::platform::assigner::{ForcedVariation, NamespaceRange, Variation};

fn variation(key: &str, weight: f64) -> Variation {
    Variation {
        key: key.to_owned(),
        weight,
    }
}

fn experiment_def(key: &str) -> Experiment {
    Experiment {
        key: key.to_owned(),
        variations: vec![variation("control", 0.5), variation("treatment", 0.5)],
        seed: None,
        hash_algorithm: HashAlgorithm::GrowthbookV1,
        coverage: 1.0,
        namespace: None,
        hash_attribute: "id".to_owned(),
        fallback_attribute: None,
        condition: None,
        force: None,
        active: true,
        bucket_version: 0,
        min_bucket_version: 0,
    }
}

fn unit(attributes: &str) -> Unit {
    Unit {
        attributes: attributes.to_owned(),
        forced_variations: Vec::new(),
        sticky_docs: None,
    }
}

fn assign(e: Experiment, u: Unit) -> Result<Assignment, Error> {
    <Assigner as Guest>::assign(e, u)
}

fn field_of(err: Error) -> String {
    match err {
        Error::InvalidInput(f) => f.field,
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

#[test]
fn assigns_as_growthbook_v1() {
    let a = assign(experiment_def("exp-1"), unit(r#"{"id": "u-1"}"#)).expect("assigns");
    let n = assignment::hash::hash("exp-1", "u-1", 1).expect("v1");
    let want = usize::from(n >= 0.5);
    assert!(a.result.in_experiment && a.result.hash_used);
    assert_eq!(a.result.variation_id as usize, want);
    assert_eq!(a.result.key, ["control", "treatment"][want]);
    assert_eq!(a.result.value, format!("\"{}\"", a.result.key));
    assert_eq!(a.result.bucket, Some(n));
    assert_eq!(
        (
            a.result.hash_attribute.as_str(),
            a.result.hash_value.as_str()
        ),
        ("id", "u-1")
    );
    assert!(a.save_sticky_docs.is_empty(), "sticky bucketing is off");
}

#[test]
fn v2_uses_the_seed() {
    let mut e = experiment_def("exp-2");
    e.hash_algorithm = HashAlgorithm::GrowthbookV2;
    e.seed = Some("s".to_owned());
    let a = assign(e, unit(r#"{"id": 7}"#)).expect("assigns");
    assert_eq!(a.result.bucket, assignment::hash::hash("s", "7", 2));
    assert_eq!(a.result.hash_value, "7");
}

#[test]
fn kazi_v1_is_seed_004s_walk() {
    for i in 0..50 {
        let id = format!("user-{i}");
        let mut e = experiment_def("welcome-v1");
        e.hash_algorithm = HashAlgorithm::KaziV1;
        e.variations = vec![variation("v1_control", 30.0), variation("v1_short", 70.0)];
        // Coverage does not apply to kazi-v1.
        e.coverage = 0.0;
        let a = assign(e, unit(&format!(r#"{{"id": "{id}"}}"#))).expect("assigns");
        let want = assignment::kazi::assign_variant(&id, &[("v1_control", 30), ("v1_short", 70)]);
        assert_eq!(Some(a.result.key.as_str()), want, "{id}");
        let bucket = f64::from(assignment::kazi::bucket(&id)) / 100.0;
        assert_eq!(a.result.bucket, Some(bucket));
    }
}

#[test]
fn targeting_and_namespace_and_activity() {
    let mut e = experiment_def("exp-t");
    e.condition = Some(r#"{"country": {"$in": ["DE", "AT"]}}"#.to_owned());
    let de = assign(e.clone(), unit(r#"{"id": "u", "country": "DE"}"#)).expect("assigns");
    let fr = assign(e.clone(), unit(r#"{"id": "u", "country": "FR"}"#)).expect("assigns");
    assert!(de.result.in_experiment);
    assert!(!fr.result.in_experiment && !fr.result.hash_used);

    e.condition = None;
    e.namespace = Some(NamespaceRange {
        id: "pricing".to_owned(),
        start: 0.0,
        end: 0.0,
    });
    assert!(
        !assign(e.clone(), unit(r#"{"id": "u"}"#))
            .expect("assigns")
            .result
            .in_experiment
    );

    e.namespace = None;
    e.active = false;
    assert!(
        !assign(e, unit(r#"{"id": "u"}"#))
            .expect("assigns")
            .result
            .in_experiment
    );

    let none = assign(experiment_def("exp-t"), unit("{}")).expect("assigns");
    assert!(!none.result.in_experiment);
    assert_eq!(none.result.hash_value, "");
}

#[test]
fn forced_variations_and_force() {
    let mut u = unit(r#"{"id": "u"}"#);
    u.forced_variations = vec![ForcedVariation {
        experiment_key: "exp-f".to_owned(),
        variation: 1,
    }];
    let a = assign(experiment_def("exp-f"), u).expect("assigns");
    assert!(a.result.in_experiment && !a.result.hash_used);
    assert_eq!(a.result.key, "treatment");

    let mut e = experiment_def("exp-f");
    e.force = Some(0);
    let a = assign(e, unit(r#"{"id": "u"}"#)).expect("assigns");
    assert_eq!((a.result.variation_id, a.result.hash_used), (0, false));
}

#[test]
fn sticky_buckets_round_trip_and_fallback_needs_them() {
    let mut e = experiment_def("exp-s");
    e.hash_attribute = "userId".to_owned();
    e.fallback_attribute = Some("deviceId".to_owned());

    // Without sticky bucketing the fallback attribute is not used, as in GrowthBook.
    let off = assign(e.clone(), unit(r#"{"deviceId": "d-1"}"#)).expect("assigns");
    assert!(!off.result.in_experiment);

    let mut u = unit(r#"{"deviceId": "d-1"}"#);
    u.sticky_docs = Some(Vec::new());
    let first = assign(e.clone(), u).expect("assigns");
    assert!(first.result.in_experiment);
    assert_eq!(first.result.hash_attribute, "deviceId");
    assert_eq!(first.save_sticky_docs.len(), 1);
    let doc = &first.save_sticky_docs[0];
    assert_eq!(
        (doc.attribute_name.as_str(), doc.attribute_value.as_str()),
        ("deviceId", "d-1")
    );
    assert_eq!(doc.assignments[0].experiment_key, "exp-s__0");
    assert_eq!(doc.assignments[0].variation_key, first.result.key);

    // After login, with everyone now sent to the other variation, the device's bucket holds.
    let other = 1 - first.result.variation_id as usize;
    for (i, v) in e.variations.iter_mut().enumerate() {
        v.weight = if i == other { 1.0 } else { 0.0 };
    }
    let mut u = unit(r#"{"userId": "acct-1", "deviceId": "d-1"}"#);
    u.sticky_docs = Some(first.save_sticky_docs.clone());
    let second = assign(e.clone(), u).expect("assigns");
    assert!(second.result.sticky_bucket_used);
    assert_eq!(second.result.key, first.result.key);
    // The account gets its own document with the same variation.
    assert_eq!(second.save_sticky_docs.len(), 1);
    assert_eq!(second.save_sticky_docs[0].attribute_name, "userId");

    // A minimum bucket version above the stored one excludes the unit.
    e.bucket_version = 1;
    e.min_bucket_version = 1;
    let mut u = unit(r#"{"deviceId": "d-1"}"#);
    u.sticky_docs = Some(first.save_sticky_docs);
    let blocked = assign(e, u).expect("assigns");
    assert!(!blocked.result.in_experiment && blocked.result.sticky_bucket_used);
}

#[test]
fn malformed_input_names_the_field() {
    let cases: Vec<(Experiment, &str, &str)> = vec![
        (
            Experiment {
                key: String::new(),
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.key",
        ),
        (
            Experiment {
                variations: Vec::new(),
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.variations",
        ),
        (
            Experiment {
                variations: vec![variation("a", 0.5), variation("a", 0.5)],
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.variations[1].key",
        ),
        (
            Experiment {
                variations: vec![variation("a", 0.5), variation("b", -0.5)],
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.variations[1].weight",
        ),
        (
            Experiment {
                hash_algorithm: HashAlgorithm::KaziV1,
                variations: vec![variation("a", 50.5), variation("b", 49.5)],
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.variations[0].weight",
        ),
        (
            Experiment {
                coverage: 1.5,
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.coverage",
        ),
        (
            Experiment {
                condition: Some("{nope".to_owned()),
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.condition",
        ),
        (
            Experiment {
                condition: Some("[]".to_owned()),
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.condition",
        ),
        (
            Experiment {
                force: Some(2),
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.force",
        ),
        (
            Experiment {
                hash_attribute: String::new(),
                ..experiment_def("x")
            },
            r#"{"id": "u"}"#,
            "experiment.hash-attribute",
        ),
        (experiment_def("x"), "[1]", "unit.attributes"),
        (experiment_def("x"), "not json", "unit.attributes"),
    ];
    for (e, attrs, field) in cases {
        let err = assign(e, unit(attrs)).expect_err(field);
        assert_eq!(field_of(err), field);
    }
}

const PAYLOAD: &str = r#"{
  "features": {
    "dark-mode": {"defaultValue": false, "rules": [
      {"id": "r-de", "condition": {"country": "DE"}, "force": true}
    ]},
    "button": {"defaultValue": {"color": "grey"}, "rules": [
      {"id": "r-exp", "key": "button-exp", "variations": [{"color": "red"}, {"color": "blue"}],
       "meta": [{"key": "red"}, {"key": "blue"}]}
    ]}
  }
}"#;

fn evaluate(key: &str, u: Unit) -> Result<FeatureResult, Error> {
    <Assigner as Guest>::evaluate_feature(PAYLOAD.to_owned(), key.to_owned(), u)
}

#[test]
fn evaluates_features() {
    let r = evaluate("dark-mode", unit(r#"{"id": "u", "country": "DE"}"#)).expect("evaluates");
    assert_eq!(
        (r.value.as_str(), r.on, r.source),
        ("true", true, FeatureSource::Force)
    );
    assert_eq!(r.rule_id, "r-de");

    let r = evaluate("dark-mode", unit(r#"{"id": "u", "country": "FR"}"#)).expect("evaluates");
    assert_eq!(
        (r.value.as_str(), r.off, r.source),
        ("false", true, FeatureSource::DefaultValue)
    );

    let mut u = unit(r#"{"id": "u-9"}"#);
    u.sticky_docs = Some(Vec::new());
    let r = evaluate("button", u).expect("evaluates");
    assert_eq!(r.source, FeatureSource::Experiment);
    assert_eq!(r.experiment_key.as_deref(), Some("button-exp"));
    let e = r.experiment_result.expect("experiment result");
    assert_eq!(e.feature_id.as_deref(), Some("button"));
    let value: Value = serde_json::from_str(&r.value).expect("json");
    assert_eq!(value["color"], Value::String(e.key.clone()));
    assert_eq!(r.save_sticky_docs.len(), 1);

    let r = evaluate("nope", unit("{}")).expect("evaluates");
    assert_eq!(
        (r.value.as_str(), r.source),
        ("null", FeatureSource::UnknownFeature)
    );
}

#[test]
fn a_bad_payload_names_the_field() {
    let bad = r#"{"features": {"f": {"rules": [{"coverage": "half", "force": 1}]}}}"#;
    let err = <Assigner as Guest>::evaluate_feature(bad.to_owned(), "f".to_owned(), unit("{}"))
        .expect_err("bad coverage");
    assert_eq!(field_of(err), "payload.features.f.rules[0].coverage");

    let err = <Assigner as Guest>::evaluate_feature("{".to_owned(), "f".to_owned(), unit("{}"))
        .expect_err("not json");
    assert_eq!(field_of(err), "payload");

    let err = evaluate("button", unit("3")).expect_err("attributes");
    assert_eq!(field_of(err), "unit.attributes");
}
