"""Splits the labelled safety set once into train / dev / test (run when a batch is added;
the split of every existing line never changes, since it depends only on the line's text).

- `eval.jsonl` (the first set, whose misses shaped the rule patterns) goes to train only:
  the rules have seen it, so it cannot measure them.
- Every batch file under `batches/` is split per (file, kind): lines ordered by the
  SHA-256 of their text, the first 60 % train, the next 20 % dev, the last 20 % test.

Writes train.jsonl, dev.jsonl, test.jsonl beside this script. Tune on dev; read only the
figures of test, never its lines (docs/safety.md, "The labelled set").
"""
import glob
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def key(text):
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()


def rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def main():
    splits = {"train": [], "dev": [], "test": []}
    seen = set()

    def add(split, row):
        k = key(row["text"])
        if k in seen:  # a text written twice (across batches) counts once, first wins
            return
        seen.add(k)
        splits[split].append(row)

    for row in rows(os.path.join(HERE, "eval.jsonl")):
        row.setdefault("kind", row.get("note", "eval"))
        row.setdefault("batch", "eval")
        add("train", row)
    for path in sorted(glob.glob(os.path.join(HERE, "batches", "*.jsonl"))):
        groups = {}
        for row in rows(path):
            groups.setdefault(row["kind"], []).append(row)
        for kind in sorted(groups):
            group = sorted(groups[kind], key=lambda r: key(r["text"]))
            n = len(group)
            for i, row in enumerate(group):
                split = "train" if i < 0.6 * n else "dev" if i < 0.8 * n else "test"
                add(split, row)
    for name, items in splits.items():
        with open(os.path.join(HERE, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for row in items:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        levels = {}
        for row in items:
            levels[row["level"]] = levels.get(row["level"], 0) + 1
        print(f"{name}: {len(items)} {levels}")


if __name__ == "__main__":
    main()
