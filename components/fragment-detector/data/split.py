#!/usr/bin/env python3
"""Validate the fragment-detector batches and split them once into train / dev / test.

Reads every batches/*.jsonl file (sorted by name), checks each line, then shuffles with a
fixed seed, stratified by the item's first fragment kind (or `none`), and writes
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
SEED = 1
FRACTIONS = (("train", 0.6), ("dev", 0.2), ("test", 0.2))
KINDS = (
    "catastrophising", "all-or-nothing", "mind-reading", "fortune-telling",
    "should-statements", "labelling", "personalisation", "overgeneralisation",
    "emotional-reasoning", "discounting-the-positive",
)
FIELDS = ("text", "fragments", "batch")


def norm(text):
    """Key used for the duplicate check: case- and whitespace-insensitive."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def check(obj, where, errors):
    if not isinstance(obj, dict) or set(obj) != set(FIELDS):
        errors.append(f"{where}: expected exactly the fields {FIELDS}")
        return
    text = obj["text"]
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: empty text")
        return
    spans = []
    for i, frag in enumerate(obj["fragments"]):
        if not isinstance(frag, dict) or set(frag) != {"kind", "quote"}:
            errors.append(f"{where}: fragments[{i}] needs exactly kind and quote")
            continue
        if frag["kind"] not in KINDS:
            errors.append(f"{where}: fragments[{i}]: unknown kind {frag['kind']!r}")
        q = frag["quote"]
        start = text.find(q)
        if not q or start < 0:
            errors.append(f"{where}: fragments[{i}]: quote not in text: {q!r}")
            continue
        spans.append((start, start + len(q)))
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b[0] < a[1]:
            errors.append(f"{where}: overlapping quotes")


def load():
    items, errors, seen = [], [], {}
    files = sorted(BATCH_DIR.glob("*.jsonl"))
    if not files:
        errors.append(f"no batch files in {BATCH_DIR}")
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: invalid JSON ({exc})")
                continue
            check(obj, where, errors)
            key = norm(obj.get("text", "")) if isinstance(obj, dict) else ""
            if key in seen:
                errors.append(f"{where}: duplicate text (first seen at {seen[key]})")
            else:
                seen[key] = where
            items.append(obj)
    return items, errors


def stratum(obj):
    return obj["fragments"][0]["kind"] if obj["fragments"] else "none"


def split(items):
    rng = random.Random(SEED)
    groups = defaultdict(list)
    for obj in items:
        groups[stratum(obj)].append(obj)
    out = {name: [] for name, _ in FRACTIONS}
    for key in list(KINDS) + ["none"]:
        group = groups[key]
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


def main():
    check_only = "--check" in sys.argv[1:]
    items, errors = load()
    if errors:
        for err in errors:
            print("ERROR", err, file=sys.stderr)
        print(f"{len(errors)} error(s); nothing written", file=sys.stderr)
        return 1
    parts = split(items)
    if not check_only:
        for name, rows in parts.items():
            with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for obj in rows:
                    f.write(json.dumps({k: obj[k] for k in FIELDS}, ensure_ascii=False) + "\n")
    print(f"{len(items)} items, seed {SEED}" + (" (check only)" if check_only else ""))
    names = [n for n, _ in FRACTIONS]
    print(f"{'fragments of kind':<26}" + "".join(f"{n:>7}" for n in names))
    for key in list(KINDS) + ["none (items)"]:
        counts = []
        for n in names:
            if key.startswith("none"):
                counts.append(sum(1 for o in parts[n] if not o["fragments"]))
            else:
                counts.append(sum(1 for o in parts[n] for f in o["fragments"] if f["kind"] == key))
        print(f"{key:<26}" + "".join(f"{c:>7}" for c in counts))
    print(f"{'items':<26}" + "".join(f"{len(parts[n]):>7}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
