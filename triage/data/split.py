#!/usr/bin/env python3
"""Validate the triage batches and split them once into train / dev / test.

Reads every batches/*.jsonl file (sorted by name), checks each line, then
shuffles with a fixed seed, stratified by intent, and writes
train.jsonl (60 %), dev.jsonl (20 %) and test.jsonl (20 %) next to this file.
Standard library only.  Exits non-zero if any check fails.

Usage: python3 split.py          # validate, split, write, print counts
       python3 split.py --check  # validate and print counts only, write nothing
"""
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
BATCH_DIR = HERE / "batches"
SEED = 13
FRACTIONS = (("train", 0.6), ("dev", 0.2), ("test", 0.2))

INTENTS = ("concepts", "code-review", "debug", "exercise")
TOPICS = (
    "python.variables", "python.numbers", "python.strings", "python.conditionals",
    "python.loops", "python.functions", "python.lists", "python.dicts", "python.oop",
    "python.files", "python.errors", "python.modules", "general",
)
REQUIRED = ("text", "intent", "topic", "batch")
OPTIONAL = ("code", "error")
FIELD_ORDER = ("text", "code", "error", "intent", "topic", "batch")


def norm(text):
    """Key used for the duplicate check: case- and whitespace-insensitive."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def load():
    items, errors, seen = [], [], {}
    files = sorted(BATCH_DIR.glob("*.jsonl"))
    if not files:
        errors.append(f"no batch files in {BATCH_DIR}")
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{lineno}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: invalid JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                errors.append(f"{where}: not a JSON object")
                continue
            unknown = set(obj) - set(REQUIRED) - set(OPTIONAL)
            if unknown:
                errors.append(f"{where}: unknown field(s) {sorted(unknown)}")
            missing = [k for k in REQUIRED if k not in obj]
            if missing:
                errors.append(f"{where}: missing field(s) {missing}")
                continue
            bad_type = [k for k in obj if not isinstance(obj[k], str)]
            if bad_type:
                errors.append(f"{where}: non-string field(s) {bad_type}")
                continue
            if not obj["text"].strip():
                errors.append(f"{where}: empty text")
            for k in OPTIONAL:
                if k in obj and not obj[k].strip():
                    errors.append(f"{where}: empty optional field '{k}' (omit it instead)")
            if obj["intent"] not in INTENTS:
                errors.append(f"{where}: unknown intent {obj['intent']!r}")
            if obj["topic"] not in TOPICS:
                errors.append(f"{where}: unknown topic {obj['topic']!r}")
            if not obj["batch"].strip():
                errors.append(f"{where}: empty batch name")
            key = norm(obj["text"])
            if key in seen:
                errors.append(f"{where}: duplicate text (first seen at {seen[key]})")
            else:
                seen[key] = where
            items.append(obj)
    return items, errors


def split(items):
    rng = random.Random(SEED)
    by_intent = defaultdict(list)
    for obj in items:
        by_intent[obj["intent"]].append(obj)
    out = {name: [] for name, _ in FRACTIONS}
    for intent in INTENTS:
        group = by_intent[intent]
        rng.shuffle(group)
        n = len(group)
        n_train = round(n * FRACTIONS[0][1])
        n_dev = round(n * FRACTIONS[1][1])
        out["train"] += group[:n_train]
        out["dev"] += group[n_train:n_train + n_dev]
        out["test"] += group[n_train + n_dev:]
    for name in out:
        rng.shuffle(out[name])
    return out


def ordered(obj):
    return {k: obj[k] for k in FIELD_ORDER if k in obj}


def table(rows, cols, counter, title):
    width = max(len(r) for r in list(rows) + [title])
    lines = [f"| {title:<{width}} | " + " | ".join(cols) + " |",
             "|" + "-" * (width + 2) + "|" + "|".join("-" * (len(c) + 2) for c in cols) + "|"]
    for r in rows:
        lines.append(f"| {r:<{width}} | " + " | ".join(f"{counter[(r, c)]:>{len(c)}}" for c in cols) + " |")
    return "\n".join(lines)


def report(items, parts):
    cols = [name for name, _ in FRACTIONS] + ["total"]
    c = Counter()
    for name, rows in parts.items():
        for obj in rows:
            c[(obj["intent"], name)] += 1
            c[(obj["topic"], name)] += 1
            c[("all", name)] += 1
    for obj in items:
        c[(obj["intent"], "total")] += 1
        c[(obj["topic"], "total")] += 1
        c[("all", "total")] += 1
    print(table(list(INTENTS) + ["all"], cols, c, "intent"))
    print()
    print(table(list(TOPICS), cols, c, "topic"))
    print()
    b = Counter((obj["batch"], obj["intent"]) for obj in items)
    batches = sorted({obj["batch"] for obj in items})
    for name in batches:
        b[(name, "total")] = sum(b[(name, i)] for i in INTENTS)
    print(table(batches, list(INTENTS) + ["total"], b, "batch"))
    print()
    print(f"with separate code field: {sum('code' in o for o in items)}, "
          f"with separate error field: {sum('error' in o for o in items)}")


def main():
    check_only = "--check" in sys.argv[1:]
    items, errors = load()
    if errors:
        for err in errors:
            print("ERROR", err, file=sys.stderr)
        print(f"{len(errors)} error(s); nothing written", file=sys.stderr)
        return 1
    parts = split([dict(o) for o in items])
    if not check_only:
        for name, rows in parts.items():
            with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for obj in rows:
                    f.write(json.dumps(ordered(obj), ensure_ascii=False) + "\n")
    print(f"{len(items)} items from {len(sorted(BATCH_DIR.glob('*.jsonl')))} batch files, seed {SEED}"
          + (" (check only, nothing written)" if check_only else ""))
    print()
    report(items, parts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
