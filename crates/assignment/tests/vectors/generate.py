#!/usr/bin/env python3
"""Test vectors for crates/assignment from independent implementations.

Writes, next to this file:
  growthbook.json  GrowthBook's own evaluation (its Python SDK): hashes, bucket ranges,
                   variation choice, namespaces, version strings, targeting conditions,
                   experiment runs (forced variations, coverage, namespaces, filters,
                   conditions, hash and fallback attributes, sticky bucketing) and features
                   payload evaluation (force, rollout, experiment, prerequisite rules).
  kazi.json        seed 004's kazi-v1 assignment (xxh32(userId, 0) % 100 over cumulative
                   weights), computed with python-xxhash.

crates/assignment/tests/growthbook.rs asserts every vector. Regenerate after changing this
script (the output is deterministic, so an unchanged script rewrites identical files):

    python3 -m venv ~/.cache/tessera/growthbook-venv
    ~/.cache/tessera/growthbook-venv/bin/pip install growthbook==4.0.0 xxhash==3.5.0
    ~/.cache/tessera/growthbook-venv/bin/python crates/assignment/tests/vectors/generate.py

Pinned: growthbook 4.0.0 (GrowthBook's Python SDK), xxhash 3.5.0 (python-xxhash, bundling
the reference xxHash C library).

On non-BMP text (emoji): GrowthBook's JavaScript SDK hashes UTF-16 code units
(`charCodeAt`), so an emoji contributes its two surrogates. Python strings iterate code
points, and older Python SDKs hashed `ord(c)` per code point, disagreeing with JavaScript on
such text. growthbook 4.0.0 encodes to UTF-16 first and agrees with JavaScript; the
`hashFromDefinition` vectors below are computed from the algorithm's definition by this
script's own `fnv1a32_utf16` (not the SDK's), and the script checks the SDK agrees with them.
"""

import json
import logging
import random
import sys
from pathlib import Path

import growthbook
import xxhash
from growthbook.common_types import (
    EvaluationContext,
    Experiment,
    GlobalContext,
    Options,
    StackContext,
    UserContext,
    features_from_dict,
)
from growthbook.core import (
    _js_number_to_string,
    chooseVariation,
    eval_feature,
    evalCondition,
    fnv1a32,
    gbhash,
    getBucketRanges,
    inNamespace,
    paddedVersionString,
    run_experiment,
)
from growthbook.growthbook import InMemoryStickyBucketService

GROWTHBOOK_VERSION = "4.0.0"
XXHASH_VERSION = "3.5.0"

HERE = Path(__file__).resolve().parent
rng = random.Random(15)


def check_versions():
    from importlib.metadata import version

    found = {"growthbook": version("growthbook"), "xxhash": version("xxhash")}
    want = {"growthbook": GROWTHBOOK_VERSION, "xxhash": XXHASH_VERSION}
    if found != want:
        sys.exit(f"need {want}, found {found}: install the pinned versions (see the header)")


def rand_ascii(n):
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@"
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_uuid():
    return "%08x-%04x-%04x-%04x-%012x" % (
        rng.getrandbits(32),
        rng.getrandbits(16),
        0x4000 | rng.getrandbits(12),
        0x8000 | rng.getrandbits(14),
        rng.getrandbits(48),
    )


# ---------------------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------------------

BMP_TEXT = ["émilie", "Ω", "日本語テキスト", "Zürich", "naïve café", "Ünïcödé", "\u00a0", "ß", "\uffff"]
ASTRAL_TEXT = ["😀", "user-😀", "👩‍💻 coder", "𝒳", "a😀b", "🇩🇪"]


def fnv1a32_utf16(s):
    """FNV-1a 32 over UTF-16 code units, from the definition (independent of the SDK)."""
    data = s.encode("utf-16-le", "surrogatepass")
    h = 0x811C9DC5
    for i in range(0, len(data), 2):
        unit = data[i] | (data[i + 1] << 8)
        h = ((h ^ unit) * 0x01000193) & 0xFFFFFFFF
    return h


def hash_from_definition(seed, value, version):
    if version == 1:
        return (fnv1a32_utf16(value + seed) % 1000) / 1000
    if version == 2:
        return (fnv1a32_utf16(str(fnv1a32_utf16(seed + value))) % 10000) / 10000
    return None


def hash_vectors():
    seeds = ["", "a", "exp-1", "welcome-v1", "__ns", "Ünïcödé", "日本", rand_ascii(12)]
    values = ["", "1", "user-1", "123", rand_uuid(), rand_uuid()] + BMP_TEXT[:5]
    values += [rand_ascii(rng.randint(1, 40)) for _ in range(12)]
    out = []
    for seed in seeds:
        for value in values:
            for version in (1, 2):
                out.append([seed, value, version, gbhash(seed, value, version)])
    for version in (0, 3, 99):
        out.append(["s", "v", version, gbhash("s", "v", version)])
    fnv = [[s, fnv1a32(s)] for s in ["", "a", "foobar", "hello world"] + BMP_TEXT]
    astral = []
    for value in ASTRAL_TEXT:
        for seed in ("", "exp-emoji"):
            for version in (1, 2):
                mine = hash_from_definition(seed, value, version)
                sdk = gbhash(seed, value, version)
                if mine != sdk:
                    print(f"note: SDK hash differs from the definition for {value!r}", file=sys.stderr)
                astral.append([seed, value, version, mine])
    fnv_astral = [[s, fnv1a32_utf16(s)] for s in ASTRAL_TEXT]
    return out, fnv, astral, fnv_astral


# ---------------------------------------------------------------------------------------
# Buckets
# ---------------------------------------------------------------------------------------


def bucket_vectors():
    cases = [
        (2, 1, None), (2, 0.5, None), (3, 1, None), (3, 0.25, None), (4, 1, None),
        (2, 1, [0.1, 0.9]), (2, 0.7, [0.1, 0.9]), (3, 1, [0.2, 0.3, 0.5]),
        (3, 0.9, [0.2, 0.3, 0.5]), (2, 1, [0.7, 0.7]), (2, 1, [0.5]), (2, 1, [0.4, 0.4]),
        (2, 1, [0.5, 0.505]), (2, 1, [0.5, 0.495]), (2, 1, [1.2, -0.2]),
        (2, -0.5, None), (2, 1.5, None), (2, 0, None), (1, 1, None), (5, 0.33, None),
        (3, 1, [1 / 3, 1 / 3, 1 / 3]), (4, 0.8, [0.25, 0.25, 0.25, 0.25]),
        (10, 1, None), (7, 0.9999, None),
    ]
    ranges = [[n, c, w, [list(r) for r in getBucketRanges(n, c, w)]] for n, c, w in cases]
    choose = []
    probe_ranges = [
        [[0, 0.5], [0.5, 1]],
        [[0, 0.25], [0.5, 0.75]],
        [[0, 0.1], [0.1, 0.3], [0.3, 1]],
        [[0.2, 0.2], [0.2, 0.4]],
    ]
    for r in probe_ranges:
        for n in [0, 0.1, 0.2, 0.24999, 0.25, 0.3, 0.4999, 0.5, 0.6, 0.75, 0.9999, 1]:
            choose.append([n, r, chooseVariation(n, [tuple(x) for x in r])])
    ns = []
    for i in range(40):
        uid = f"user-{i}" if i % 3 else rand_uuid()
        for space in (["pricing", 0, 0.5], ["pricing", 0.5, 1], ["onboarding", 0.2, 0.4]):
            ns.append([uid, space, inNamespace(uid, tuple(space))])
    return ranges, choose, ns


# ---------------------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------------------

ATTRS = {
    "id": "u1",
    "name": "Ada",
    "country": "DE",
    "age": 34,
    "score": 7.5,
    "zero": 0,
    "premium": True,
    "trial": False,
    "nothing": None,
    "empty": "",
    "tags": ["beta", "python", "mobile"],
    "nums": [1, 2, 3, 10],
    "mixed": [1, "1", True, None, 0],
    "emptyList": [],
    "version": "1.10.2",
    "preVersion": "2.0.0-beta.3",
    "device": {"os": "ios", "version": "17.1", "flags": {"dark": True}},
    "orders": [{"sku": "a1", "qty": 2}, {"sku": "b2", "qty": 5}, None],
    "unicode": "Zürich 日本",
    "email": "ada@example.com",
    "obj": {"a": 1, "b": [1, 2]},
    "matrix": [[1, 2], [3]],
}

CONDITIONS = [
    # plain equality
    {}, {"country": "DE"}, {"country": "de"}, {"age": 34}, {"age": 34.0}, {"age": "34"},
    {"premium": True}, {"premium": 1}, {"trial": False}, {"trial": 0}, {"zero": 0},
    {"zero": False}, {"nothing": None}, {"missing": None}, {"empty": ""}, {"missing": ""},
    {"tags": ["beta", "python", "mobile"]}, {"tags": ["python", "beta", "mobile"]},
    {"tags": ["beta"]}, {"obj": {"a": 1, "b": [1, 2]}}, {"obj": {"a": 1}},
    {"device.os": "ios"}, {"device.flags.dark": True}, {"device.missing.deeper": None},
    {"tags.0": "beta"}, {"tags.1": "python"}, {"tags.01": "python"}, {"tags.3": None},
    {"tags.length": 3}, {"emptyList.length": 0}, {"nums.length": {"$gt": 3}},
    {"orders.1.sku": "b2"}, {"matrix.0.1": 2}, {"name.length": None},
    {"country": "DE", "age": 34}, {"country": "DE", "age": 35},
    # $eq / $ne
    {"country": {"$eq": "DE"}}, {"country": {"$eq": "AT"}}, {"age": {"$eq": 34}},
    {"age": {"$eq": "34"}}, {"missing": {"$eq": None}}, {"nothing": {"$eq": None}},
    {"tags": {"$eq": ["beta", "python", "mobile"]}}, {"obj": {"$eq": {"a": 1, "b": [1, 2]}}},
    {"country": {"$ne": "AT"}}, {"country": {"$ne": "DE"}}, {"missing": {"$ne": "x"}},
    {"premium": {"$ne": 1}}, {"tags": {"$ne": ["beta"]}},
    # ordering
    {"age": {"$gt": 30}}, {"age": {"$gt": 34}}, {"age": {"$gte": 34}}, {"age": {"$lt": 34}},
    {"age": {"$lte": 34}}, {"age": {"$lt": 100, "$gt": 18}}, {"age": {"$gt": "30"}},
    {"score": {"$gt": 7.4999}}, {"score": {"$lte": 7.5}}, {"country": {"$gt": "CH"}},
    {"country": {"$lt": "DF"}}, {"name": {"$gte": "Ada"}}, {"name": {"$gt": "ada"}},
    {"unicode": {"$gt": "Zz"}}, {"unicode": {"$lt": "Zü"}}, {"missing": {"$gt": 0}},
    {"missing": {"$lt": 0}}, {"nothing": {"$lte": 0}}, {"premium": {"$gt": False}},
    {"tags": {"$gt": 1}}, {"zero": {"$gte": 0}}, {"age": {"$gte": 34, "$lte": 33}},
    # versions
    {"version": {"$vgt": "1.9.0"}}, {"version": {"$vgt": "1.10.2"}},
    {"version": {"$vgte": "1.10.2"}}, {"version": {"$vlt": "1.11"}},
    {"version": {"$vlt": "1.2.0"}}, {"version": {"$veq": "v1.10.2"}},
    {"version": {"$veq": "1.10.2+build.7"}}, {"version": {"$vne": "1.10.2"}},
    {"version": {"$vne": "1.10.3"}}, {"version": {"$vlte": "1.10.2"}},
    {"preVersion": {"$vlt": "2.0.0"}}, {"preVersion": {"$vgt": "2.0.0-beta.2"}},
    {"preVersion": {"$vgt": "2.0.0-alpha"}}, {"preVersion": {"$vlt": "2.0.0-beta.10"}},
    {"device.version": {"$vgte": "17"}}, {"device.version": {"$vgte": "17.1.0"}},
    {"age": {"$vgt": "9"}}, {"score": {"$veq": "7.5"}}, {"missing": {"$veq": "0"}},
    {"missing": {"$vne": "1.0.0"}}, {"premium": {"$vne": "1"}}, {"premium": {"$veq": "1"}},
    {"version": {"$vgt": 1}},
    # $in / $nin
    {"country": {"$in": ["DE", "AT", "CH"]}}, {"country": {"$in": ["FR"]}},
    {"country": {"$in": []}}, {"country": {"$in": "DE"}}, {"age": {"$in": [34, 35]}},
    {"age": {"$in": ["34"]}}, {"premium": {"$in": [1]}}, {"premium": {"$in": [True]}},
    {"zero": {"$in": [False]}}, {"zero": {"$in": [0.0]}}, {"missing": {"$in": [None]}},
    {"nothing": {"$in": [None, 1]}}, {"tags": {"$in": ["python", "go"]}},
    {"tags": {"$in": ["go", "rust"]}}, {"tags": {"$in": []}}, {"emptyList": {"$in": ["x"]}},
    {"mixed": {"$in": [True]}}, {"mixed": {"$in": ["0"]}}, {"nums": {"$in": [10.0]}},
    {"obj": {"$in": [{"a": 1, "b": [1, 2]}]}}, {"matrix": {"$in": [[3]]}},
    {"country": {"$nin": ["FR", "IT"]}}, {"country": {"$nin": ["DE"]}},
    {"country": {"$nin": "FR"}}, {"tags": {"$nin": ["go"]}}, {"tags": {"$nin": ["beta"]}},
    {"missing": {"$nin": ["x"]}}, {"missing": {"$nin": [None]}},
    {"country": {"$ini": ["de"]}}, {"tags": {"$ini": ["PYTHON"]}}, {"tags": {"$nini": ["GO"]}},
    {"country": {"$nini": ["dE"]}},
    # $exists / $type
    {"country": {"$exists": True}}, {"missing": {"$exists": True}},
    {"missing": {"$exists": False}}, {"nothing": {"$exists": True}},
    {"nothing": {"$exists": False}}, {"zero": {"$exists": True}}, {"empty": {"$exists": True}},
    {"country": {"$exists": False}}, {"country": {"$exists": 1}}, {"missing": {"$exists": 0}},
    {"country": {"$type": "string"}}, {"age": {"$type": "number"}}, {"score": {"$type": "number"}},
    {"premium": {"$type": "boolean"}}, {"nothing": {"$type": "null"}},
    {"missing": {"$type": "null"}}, {"tags": {"$type": "array"}}, {"device": {"$type": "object"}},
    {"age": {"$type": "string"}}, {"premium": {"$type": "number"}},
    # $regex
    {"email": {"$regex": "@example\\.com$"}}, {"email": {"$regex": "^bob"}},
    {"name": {"$regex": "^a"}}, {"name": {"$regexi": "^a"}}, {"name": {"$regex": "[A-Z]d"}},
    {"country": {"$regex": "("}}, {"age": {"$regex": "3"}}, {"missing": {"$regex": ".*"}},
    {"unicode": {"$regex": "日本$"}}, {"unicode": {"$regex": "\\w+"}}, {"email": {"$regex": 5}},
    {"name": {"$notRegex": "^B"}}, {"name": {"$notRegex": "^A"}}, {"missing": {"$notRegex": "x"}},
    {"name": {"$notRegexi": "^a"}}, {"country": {"$notRegex": "["}},
    {"tags.1": {"$regex": "^py"}},
    # $size
    {"tags": {"$size": 3}}, {"tags": {"$size": 2}}, {"tags": {"$size": {"$gt": 2}}},
    {"emptyList": {"$size": 0}}, {"country": {"$size": 2}}, {"missing": {"$size": 0}},
    {"tags": {"$size": {"$in": [1, 3]}}},
    # $elemMatch
    {"nums": {"$elemMatch": {"$gt": 5}}}, {"nums": {"$elemMatch": {"$gt": 50}}},
    {"orders": {"$elemMatch": {"sku": "b2"}}}, {"orders": {"$elemMatch": {"qty": {"$gt": 4}}}},
    {"orders": {"$elemMatch": {"qty": {"$gt": 9}}}}, {"tags": {"$elemMatch": {"$eq": "python"}}},
    {"tags": {"$elemMatch": {"$regex": "^mob"}}}, {"country": {"$elemMatch": {"$eq": "DE"}}},
    {"mixed": {"$elemMatch": {"$eq": 0}}}, {"mixed": {"$elemMatch": {"$type": "null"}}},
    {"orders": {"$elemMatch": {"$or": [{"sku": "zz"}, {"qty": 2}]}}},
    {"matrix": {"$elemMatch": {"$size": 1}}}, {"emptyList": {"$elemMatch": {}}},
    # $all
    {"tags": {"$all": ["beta", "python"]}}, {"tags": {"$all": ["beta", "go"]}},
    {"tags": {"$all": []}}, {"country": {"$all": ["DE"]}}, {"tags": {"$all": "beta"}},
    {"nums": {"$all": [{"$gt": 9}, {"$lt": 2}]}}, {"tags": {"$alli": ["BETA", "Python"]}},
    # $not (operator and condition)
    {"country": {"$not": {"$in": ["FR"]}}}, {"country": {"$not": {"$eq": "DE"}}},
    {"country": {"$not": "DE"}}, {"age": {"$not": {"$gt": 50}}},
    {"$not": {"country": "DE"}}, {"$not": {"country": "FR"}}, {"$not": {}},
    # $and / $or / $nor
    {"$or": [{"country": "FR"}, {"age": 34}]}, {"$or": [{"country": "FR"}, {"age": 35}]},
    {"$or": []}, {"$and": []}, {"$nor": []},
    {"$and": [{"country": "DE"}, {"age": {"$gt": 18}}]}, {"$and": [{"country": "DE"}, {"age": 1}]},
    {"$nor": [{"country": "FR"}, {"age": 35}]}, {"$nor": [{"country": "DE"}]},
    {"$or": [{"$and": [{"country": "DE"}, {"premium": True}]}, {"tags": {"$size": 0}}]},
    {"$and": [{"$or": [{"a": 1}, {"country": "DE"}]}, {"$nor": [{"trial": True}]}]},
    {"$or": [{"country": "FR"}], "age": 34}, {"$or": [{"country": "DE"}], "age": 35},
    {"country": "DE", "$not": {"age": {"$lt": 18}}},
    # unknown operators and malformed conditions fail, under $not too
    {"country": {"$unknown": 1}}, {"$not": {"country": {"$unknown": 1}}},
    {"$or": [{"country": {"$unknown": 1}}, {"country": "DE"}]},
    {"$or": [{"country": {"$unknown": 1}}, {"country": "FR"}]},
    {"$and": [{"country": {"$unknown": 1}}, {"country": "FR"}]},
    {"$not": {"$or": [{"country": {"$unknown": 1}}]}},
    {"$or": 5}, {"$and": "x"}, {"$nor": {"a": 1}}, {"$not": [1]}, {"$not": {"$or": 5}},
    {"$or": [5]}, {"orders": {"$elemMatch": [1]}}, {"country": {"$in": [1], "$nope": 2}},
    {"country": {"$eq": "DE", "$or": []}}, {"inGroup": {"$inGroup": "g"}},
    {"id": {"$inGroup": "g"}}, {"id": {"$notInGroup": "g"}},
]


def condition_vectors():
    """[condition, index into conditionAttributes, expected]."""
    out = []
    for cond in CONDITIONS:
        out.append([cond, 0, evalCondition(ATTRS, cond)])
    # A few against other attribute sets.
    extra_attrs = [
        {},
        {"country": None},
        {"tags": "python"},
        {"version": "v2.3.4", "tags": []},
        {"age": 17, "country": "AT", "tags": ["go"]},
    ]
    extra_conds = [
        {"country": None}, {"country": {"$exists": False}}, {"tags": {"$in": ["python"]}},
        {"tags": {"$all": ["python"]}}, {"version": {"$vgte": "2.3.4"}}, {"tags": {"$size": 0}},
        {"$or": [{"age": {"$lt": 18}}, {"country": "AT"}]}, {"age": {"$exists": True}},
    ]
    for i, attrs in enumerate(extra_attrs):
        for cond in extra_conds:
            out.append([cond, i + 1, evalCondition(attrs, cond)])
    padded = [
        [v, paddedVersionString(v)]
        for v in ["1.2.3", "v1.2.3", "1.2.3-rc.1", "1.2.3+build.5", "1.2", "10", "", "1.2.3.4",
                  "1.2.3-beta", "v2.0.0-alpha.10+sha", "abc", "1..2", 1, 1.5, 10, 0, "0.0.0"]
    ]
    return out, [ATTRS] + extra_attrs, padded


# ---------------------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------------------

META2 = [{"key": "control", "name": "Control"}, {"key": "treatment", "name": "Treatment"}]
META3 = [{"key": "a"}, {"key": "b"}, {"key": "c"}]

EXPERIMENTS = [
    {"key": "exp-basic", "variations": [0, 1]},
    {"key": "exp-three", "variations": ["a", "b", "c"], "weights": [0.2, 0.3, 0.5]},
    {"key": "exp-coverage", "variations": [0, 1], "coverage": 0.5},
    {"key": "exp-zero-coverage", "variations": [0, 1], "coverage": 0},
    {"key": "exp-v2", "variations": [0, 1, 2], "hashVersion": 2, "seed": "seed-xyz"},
    {"key": "exp-v3", "variations": [0, 1], "hashVersion": 3},
    {"key": "exp-ns-low", "variations": [0, 1], "namespace": ["pricing", 0, 0.5]},
    {"key": "exp-ns-high", "variations": [0, 1], "namespace": ["pricing", 0.5, 1]},
    {"key": "exp-cond", "variations": [0, 1], "condition": {"country": {"$in": ["DE", "AT"]}}},
    {"key": "exp-force", "variations": ["x", "y"], "force": 1},
    {"key": "exp-force-cov", "variations": ["x", "y"], "force": 0, "coverage": 0.3},
    {"key": "exp-inactive", "variations": [0, 1], "active": False},
    {"key": "exp-device", "variations": [0, 1], "hashAttribute": "deviceId"},
    {"key": "exp-fallback", "variations": [0, 1], "hashAttribute": "userId",
     "fallbackAttribute": "deviceId", "meta": META2},
    {"key": "exp-ranges", "variations": [0, 1, 2], "ranges": [[0, 0.1], [0.1, 0.3], [0.5, 1]]},
    {"key": "exp-filters", "variations": [0, 1],
     "filters": [{"seed": "f1", "ranges": [[0, 0.5]], "hashVersion": 2, "attribute": "id"}]},
    {"key": "exp-one", "variations": ["only"]},
    {"key": "exp-meta", "variations": [{"color": "red"}, {"color": "blue"}], "meta": META2},
    {"key": "exp-bad-weights", "variations": [0, 1], "weights": [0.7, 0.7]},
    {"key": "exp-short-weights", "variations": [0, 1, 2], "weights": [0.5, 0.5]},
    {"key": "exp-empty-seed", "variations": [0, 1], "seed": ""},
    {"key": "exp-ünïcode", "variations": [0, 1], "hashVersion": 2},
]

USERS = [
    {"id": "u-1", "country": "DE"},
    {"id": "u-2", "country": "FR", "deviceId": "d-2"},
    {"id": "user-42", "country": "AT"},
    {"id": "émilie", "country": "DE"},
    {"id": 12345, "country": "US"},
    {"id": 1.5},
    {"id": 0, "deviceId": "d-0"},
    {"id": True},
    {"id": ""},
    {"deviceId": "d-9", "country": "DE"},
    {"userId": "acct-7", "deviceId": "d-7"},
] + [{"id": rand_uuid(), "country": rng.choice(["DE", "FR", "AT"])} for _ in range(3)]


def js_string(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _js_number_to_string(value)
    return ""


def compact_result(res):
    d = res.to_dict()
    out = {
        "inExperiment": d["inExperiment"],
        "variationId": d["variationId"],
        "value": d["value"],
        "hashUsed": d["hashUsed"],
        "hashAttribute": d["hashAttribute"],
        "hashValue": js_string(d["hashValue"]),
        "key": d["key"],
        "stickyBucketUsed": d["stickyBucketUsed"],
    }
    for k in ("bucket", "name", "passthrough", "featureId"):
        if d.get(k) is not None:
            out[k] = d[k]
    return out


def make_context(attributes, forced=None, sticky_docs=None, features=None):
    options = Options()
    docs = {}
    if sticky_docs is not None:
        options.sticky_bucket_service = InMemoryStickyBucketService()
        docs = {f"{d['attributeName']}||{d['attributeValue']}": json.loads(json.dumps(d)) for d in sticky_docs}
    user = UserContext(
        attributes=attributes,
        forced_variations=dict(forced or {}),
        sticky_bucket_assignment_docs=docs,
    )
    global_ctx = GlobalContext(options=options, features=features_from_dict(features or {}))
    return EvaluationContext(user=user, global_ctx=global_ctx, stack=StackContext())


def saved_docs(before, ctx):
    """The sticky documents the evaluation changed, sorted by key."""
    after = ctx.user.sticky_bucket_assignment_docs
    changed = []
    for key in sorted(after):
        if json.dumps(before.get(key), sort_keys=True) != json.dumps(after[key], sort_keys=True):
            changed.append(after[key])
    return changed


def run_case(name, exp, attributes, forced=None, sticky_docs=None):
    """One run; `experiment` is the definition or its index in `experimentDefs`, and
    `attributes` the attributes or their index in `users`."""
    ctx = make_context(attributes, forced, sticky_docs)
    before = json.loads(json.dumps(ctx.user.sticky_bucket_assignment_docs))
    res = run_experiment(Experiment(**json.loads(json.dumps(exp))), None, ctx)
    ref = EXPERIMENTS.index(exp) if exp in EXPERIMENTS else exp
    attrs = USERS.index(attributes) if attributes in USERS else attributes
    case = {"name": name, "experiment": ref, "attributes": attrs}
    if forced:
        case["forcedVariations"] = forced
    if sticky_docs is not None:
        case["stickyDocs"] = sticky_docs
        case["savedDocs"] = saved_docs(before, ctx)
    case["result"] = compact_result(res)
    return case


def experiment_vectors():
    cases = []
    for exp in EXPERIMENTS:
        for i, user in enumerate(USERS):
            cases.append(run_case(f"{exp['key']}/user{i}", exp, user))
    base = {"key": "exp-forced", "variations": ["a", "b", "c"]}
    for forced in ({"exp-forced": 2}, {"exp-forced": 0}, {"exp-forced": 5}, {"exp-forced": -1},
                   {"other": 1}):
        cases.append(run_case(f"forced/{json.dumps(forced)}", base, {"id": "u-1"}, forced))
    inactive = dict(base, active=False)
    cases.append(run_case("forced/inactive", inactive, {"id": "u-1"}, {"exp-forced": 1}))
    cases.append(run_case("forced/no-id", base, {}, {"exp-forced": 1}))

    # Sticky bucketing.
    sticky = {"key": "exp-sticky", "variations": ["a", "b"], "meta": META2,
              "condition": {"country": "DE"}}
    de, fr = {"id": "s-1", "country": "DE"}, {"id": "s-1", "country": "FR"}
    doc = lambda name, value, assignments: {"attributeName": name, "attributeValue": value,
                                            "assignments": assignments}
    for i in range(12):
        user = {"id": f"s-{i}", "country": "DE"}
        cases.append(run_case(f"sticky/new/{i}", sticky, user, sticky_docs=[]))
    cases.append(run_case("sticky/condition-skipped", sticky, fr,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("sticky/condition-fails-without", sticky, fr, sticky_docs=[]))
    cases.append(run_case("sticky/kept-over-coverage", dict(sticky, coverage=0), de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "control"})]))
    cases.append(run_case("sticky/kept-over-weights", dict(sticky, weights=[1, 0]), de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("sticky/unknown-key", sticky, de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "gone"})]))
    cases.append(run_case("sticky/other-experiments-kept", sticky, de,
                          sticky_docs=[doc("id", "s-1", {"other__0": "x"})]))
    cases.append(run_case("sticky/new-bucket-version", dict(sticky, bucketVersion=1), de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("sticky/blocked", dict(sticky, bucketVersion=1, minBucketVersion=1), de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("sticky/not-blocked", dict(sticky, bucketVersion=2, minBucketVersion=1), de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__1": "treatment"})]))
    cases.append(run_case("sticky/disabled", dict(sticky, disableStickyBucketing=True, coverage=0), de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("sticky/no-meta", {"key": "exp-sticky", "variations": [0, 1]}, de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "1"})]))
    cases.append(run_case("sticky/forced-wins", sticky, de, {"exp-sticky": 0},
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    fb = {"key": "exp-fb", "variations": ["a", "b"], "meta": META2,
          "hashAttribute": "userId", "fallbackAttribute": "deviceId"}
    cases.append(run_case("sticky/fallback-new", fb, {"deviceId": "d-1"}, sticky_docs=[]))
    cases.append(run_case("sticky/fallback-doc", dict(fb, coverage=0), {"deviceId": "d-1"},
                          sticky_docs=[doc("deviceId", "d-1", {"exp-fb__0": "treatment"})]))
    cases.append(run_case("sticky/after-login", dict(fb, coverage=0),
                          {"userId": "acct-1", "deviceId": "d-1"},
                          sticky_docs=[doc("deviceId", "d-1", {"exp-fb__0": "treatment"})]))
    cases.append(run_case("sticky/primary-wins", dict(fb, coverage=0),
                          {"userId": "acct-1", "deviceId": "d-1"},
                          sticky_docs=[doc("deviceId", "d-1", {"exp-fb__0": "treatment"}),
                                       doc("userId", "acct-1", {"exp-fb__0": "control"})]))
    cases.append(run_case("sticky/numeric-id", sticky, {"id": 77, "country": "DE"},
                          sticky_docs=[doc("id", "77", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("sticky/unchanged-not-saved", sticky, de,
                          sticky_docs=[doc("id", "s-1", {"exp-sticky__0": "treatment"})]))
    cases.append(run_case("fallback/off-without-sticky", fb, {"deviceId": "d-1"}))
    return cases


# ---------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------

PAYLOAD = {
    "status": 200,
    "features": {
        "flag-default": {"defaultValue": False},
        "flag-no-rules": {"defaultValue": "plain", "rules": []},
        "flag-force-cond": {"defaultValue": False, "rules": [
            {"id": "fr_de", "condition": {"country": "DE"}, "force": True}]},
        "flag-rollout": {"defaultValue": "off", "rules": [
            {"id": "fr_roll", "force": "on", "coverage": 0.3, "hashAttribute": "id"}]},
        "flag-rollout-range": {"defaultValue": 0, "rules": [
            {"id": "fr_range", "force": 1, "range": [0.2, 0.6], "seed": "range-seed",
             "hashVersion": 2}]},
        "flag-rollout-fallback": {"defaultValue": "old", "rules": [
            {"id": "fr_fb", "force": "new", "coverage": 0.5, "hashAttribute": "userId",
             "fallbackAttribute": "deviceId"}]},
        "flag-rollout-zero": {"defaultValue": "d", "rules": [
            {"id": "fr_zero", "force": "never", "coverage": 0}]},
        "flag-rollout-v3": {"defaultValue": "d", "rules": [
            {"id": "fr_v3", "force": "never", "coverage": 1, "hashVersion": 3}]},
        "flag-exp": {"defaultValue": "control", "rules": [
            {"id": "fr_exp", "key": "exp-feature", "variations": ["a", "b", "c"],
             "weights": [0.5, 0.25, 0.25], "coverage": 0.8, "meta": META3,
             "name": "Feature experiment", "phase": "1"}]},
        "flag-exp-ns": {"defaultValue": 0, "rules": [
            {"id": "fr_ns", "variations": [1, 2], "namespace": ["pricing", 0, 0.5],
             "hashVersion": 2, "seed": "ns-seed"}]},
        "flag-exp-device": {"defaultValue": "x", "rules": [
            {"id": "fr_dev", "variations": ["x1", "x2"], "hashAttribute": "deviceId"}]},
        "flag-passthrough": {"defaultValue": "default", "rules": [
            {"id": "fr_pass", "key": "exp-pass", "variations": ["p", "q"],
             "meta": [{"key": "holdout", "passthrough": True}, {"key": "q"}]},
            {"id": "fr_after", "force": "after-passthrough"}]},
        "flag-multi": {"defaultValue": {"color": "grey"}, "rules": [
            {"id": "fr_premium", "condition": {"premium": True}, "force": {"color": "gold"}},
            {"id": "fr_exp2", "condition": {"country": {"$in": ["DE", "AT"]}},
             "variations": [{"color": "red"}, {"color": "blue"}], "key": "exp-colors"},
            {"id": "fr_rest", "force": {"color": "white"}, "coverage": 0.5}]},
        "flag-filters": {"defaultValue": False, "rules": [
            {"id": "fr_filter", "force": True,
             "filters": [{"seed": "filter-seed", "ranges": [[0, 0.4], [0.6, 0.8]]}]}]},
        "flag-prereq-gate": {"defaultValue": "fallback", "rules": [
            {"id": "fr_gate", "parentConditions": [
                {"id": "flag-force-cond", "condition": {"value": True}, "gate": True}]},
            {"id": "fr_gated", "force": "gated-on"}]},
        "flag-prereq": {"defaultValue": "fallback", "rules": [
            {"id": "fr_pre", "parentConditions": [
                {"id": "flag-rollout", "condition": {"value": "on"}}], "force": "pre-on"}]},
        "flag-cycle-a": {"defaultValue": 1, "rules": [
            {"parentConditions": [{"id": "flag-cycle-b", "condition": {"value": 1}}], "force": 2}]},
        "flag-cycle-b": {"defaultValue": 1, "rules": [
            {"parentConditions": [{"id": "flag-cycle-a", "condition": {"value": 1}}], "force": 2}]},
        "flag-truthy": {"defaultValue": [], "rules": [
            {"id": "fr_zero_value", "condition": {"country": "FR"}, "force": 0},
            {"id": "fr_empty", "condition": {"country": "AT"}, "force": ""}]},
        "flag-invalid-rule": {"defaultValue": "d", "rules": [{"id": "fr_nothing"}]},
        "flag-sticky": {"defaultValue": "none", "rules": [
            {"id": "fr_sticky", "key": "exp-fsticky", "variations": ["s1", "s2"],
             "meta": [{"key": "s1"}, {"key": "s2"}], "bucketVersion": 1,
             "minBucketVersion": 1, "hashAttribute": "id", "fallbackAttribute": "deviceId"}]},
    },
}

FEATURE_USERS = [
    {"id": "u-1", "country": "DE"},
    {"id": "u-2", "country": "FR", "premium": True, "deviceId": "d-2"},
    {"id": "u-3", "country": "AT"},
    {"id": 9001, "country": "US"},
    {"deviceId": "d-5", "country": "DE"},
    {"userId": "acct-6", "deviceId": "d-6"},
    {"id": "émilie", "country": "FR"},
    {},
] + [{"id": rand_uuid(), "country": rng.choice(["DE", "AT", "US"])} for _ in range(3)]


def compact_feature(res):
    d = res.to_dict()
    out = {"value": d["value"], "on": d["on"], "off": d["off"], "source": d["source"],
           "ruleId": d["ruleId"]}
    if res.experimentResult is not None:
        out["experimentResult"] = compact_result(res.experimentResult)
    return out


def feature_case(name, key, attributes, forced=None, sticky_docs=None):
    """One evaluation; `attributes` are the attributes or their index in `featureUsers`."""
    ctx = make_context(attributes, forced, sticky_docs, PAYLOAD["features"])
    before = json.loads(json.dumps(ctx.user.sticky_bucket_assignment_docs))
    res = eval_feature(key, ctx)
    attrs = FEATURE_USERS.index(attributes) if attributes in FEATURE_USERS else attributes
    case = {"name": name, "key": key, "attributes": attrs}
    if forced:
        case["forcedVariations"] = forced
    if sticky_docs is not None:
        case["stickyDocs"] = sticky_docs
        case["savedDocs"] = saved_docs(before, ctx)
    case["result"] = compact_feature(res)
    return case


def feature_vectors():
    cases = []
    keys = list(PAYLOAD["features"]) + ["flag-unknown"]
    for key in keys:
        for i, user in enumerate(FEATURE_USERS):
            cases.append(feature_case(f"{key}/user{i}", key, user))
    doc = lambda name, value, assignments: {"attributeName": name, "attributeValue": value,
                                            "assignments": assignments}
    cases.append(feature_case("forced", "flag-exp", {"id": "u-1"}, {"exp-feature": 2}))
    cases.append(feature_case("forced-out-of-range", "flag-exp", {"id": "u-1"}, {"exp-feature": 9}))
    cases.append(feature_case("forced-passthrough", "flag-passthrough", {"id": "u-1"}, {"exp-pass": 0}))
    for i in range(6):
        cases.append(feature_case(f"sticky/new/{i}", "flag-sticky", {"id": f"fs-{i}"}, sticky_docs=[]))
    cases.append(feature_case("sticky/kept", "flag-sticky", {"id": "fs-1"},
                              sticky_docs=[doc("id", "fs-1", {"exp-fsticky__1": "s2"})]))
    cases.append(feature_case("sticky/blocked", "flag-sticky", {"id": "fs-1"},
                              sticky_docs=[doc("id", "fs-1", {"exp-fsticky__0": "s2"})]))
    cases.append(feature_case("sticky/fallback", "flag-sticky", {"deviceId": "d-1"},
                              sticky_docs=[doc("deviceId", "d-1", {"exp-fsticky__1": "s1"})]))
    cases.append(feature_case("sticky/rollout-fallback", "flag-rollout-fallback", {"deviceId": "d-3"},
                              sticky_docs=[]))
    return cases


# ---------------------------------------------------------------------------------------
# kazi-v1 (seed 004)
# ---------------------------------------------------------------------------------------


def kazi_bucket(user_id):
    return xxhash.xxh32_intdigest(user_id.encode("utf-8"), seed=0) % 100


def kazi_assign(user_id, variants):
    h = kazi_bucket(user_id)
    cumulative = 0
    for vid, weight in variants:
        cumulative += weight
        if h < cumulative:
            return vid
    return variants[0][0]


def kazi_vectors():
    ids = ["", "a", "user-1", "12345", "émilie", "日本語", "😀", "user-😀"]
    ids += [f"user-{i}" for i in range(40)] + [rand_uuid() for _ in range(60)]
    hashes = [[u, xxhash.xxh32_intdigest(u.encode("utf-8"), seed=0), kazi_bucket(u)] for u in ids]
    variant_sets = [
        [["v1_control", 50], ["v1_short", 50]],
        [["a", 34], ["b", 33], ["c", 33]],
        [["a", 10], ["b", 20]],
        [["only", 100]],
        [["a", 1], ["b", 1], ["c", 98]],
        [["a", 60], ["b", 60]],
    ]
    assigns = []
    for variants in variant_sets:
        for u in ids[:30]:
            assigns.append([u, variants, kazi_assign(u, [tuple(v) for v in variants])])
    return {"hashes": hashes, "assignments": assigns}


def dump(path, data):
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    # One vector per line keeps diffs readable.
    text = text.replace("},{\"name\"", "},\n{\"name\"").replace("],[", "],\n[")
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.name}: {path.stat().st_size} bytes")


def main():
    check_versions()
    # The SDK logs every skipped rule and unknown feature; the vectors expect them.
    logging.disable(logging.WARNING)
    hashes, fnv, astral, fnv_astral = hash_vectors()
    ranges, choose, ns = bucket_vectors()
    conditions, condition_attributes, padded = condition_vectors()
    data = {
        "generator": {"growthbook": growthbook.__version__ if hasattr(growthbook, "__version__")
                      else GROWTHBOOK_VERSION, "script": "tests/vectors/generate.py"},
        "fnv1a32": fnv,
        "hash": hashes,
        "fnv1a32FromDefinition": fnv_astral,
        "hashFromDefinition": astral,
        "bucketRanges": ranges,
        "chooseVariation": choose,
        "inNamespace": ns,
        "paddedVersion": padded,
        "conditionAttributes": condition_attributes,
        "conditions": conditions,
        "experimentDefs": EXPERIMENTS,
        "users": USERS,
        "experiments": experiment_vectors(),
        "payload": PAYLOAD,
        "featureUsers": FEATURE_USERS,
        "features": feature_vectors(),
    }
    dump(HERE / "growthbook.json", data)
    dump(HERE / "kazi.json", {"generator": {"xxhash": XXHASH_VERSION}, **kazi_vectors()})


if __name__ == "__main__":
    main()
