"""Grading rules of the `ordering` question kind, independent of the WIT bindings.

Pure Python (standard library only), so the rules are testable with plain
`python3 -m unittest`; `app.py` maps what `grade` returns onto the WIT types.

Shapes (docs/grading.md, "ordering"):

- question `options`: the items as displayed (shuffled); 2 or more, distinct.
- answer key: `{"order": [item, ...], "partial_credit": false,
  "correct_feedback": "...", "incorrect_feedback": "..."}`; `order` lists every item of
  `options` exactly once, by its text, in the right order.
- answer: `{"order": [item, ...]}`, every item of `options` exactly once.

Score: 1.0 for the exact order; otherwise 0.0, or with `partial_credit` the share of item
pairs in the right relative order (1 - normalised Kendall tau distance):
`score = 1 - discordant_pairs / (n * (n - 1) / 2)`.
"""

import json
import re
from dataclasses import dataclass, field

KIND = "ordering"

KEY_FIELDS = ("order", "partial_credit", "correct_feedback", "incorrect_feedback")
ANSWER_FIELDS = ("order",)


@dataclass
class Part:
    """Feedback on one position of the learner's order."""

    part: str
    correct: bool
    feedback: str


@dataclass
class Outcome:
    """A grade."""

    score: float
    correct: bool
    feedback: str
    parts: list = field(default_factory=list)


class Invalid(Exception):
    """A field of the input is wrong: the grader answers `invalid-input` naming it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unsupported(Exception):
    """The submission asks for something this grader does not do (another kind)."""


# Longest item text repeated in feedback and messages, in characters: the result must stay
# well under the manifest's `max_output_bytes` whatever the items are.
MAX_QUOTED = 100


def quote(item: str) -> str:
    if len(item) > MAX_QUOTED:
        item = item[: MAX_QUOTED - 1] + "…"
    return f"“{item}”"


def shown(value) -> str:
    """A JSON value as short text for an error message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


# Deepest bracket nesting accepted in the JSON payloads (the shapes need 2). CPython's json
# parser recurses per level, and a WebAssembly stack is small: a deeply nested payload
# would overflow it (a trap) before Python's recursion limit notices.
MAX_DEPTH = 32
# Most strings containing brackets a payload may hold (an ordering payload has at most
# ~100 strings at all); bounds the one regex pass below.
MAX_BRACKET_STRINGS = 256
_KEEP = b'[]{}"'
_OTHER_BYTES = bytes(b for b in range(256) if b not in _KEEP)
_MERGE_BRACKETS = bytes.maketrans(b"{}", b"[]")
_STRING = re.compile(rb'"[^"]*+"')


def check_depth(text: str, field: str) -> None:
    """Refuses JSON nested deeper than MAX_DEPTH, or whose brackets or quotes do not match.

    Runs before `json.loads`, in whole-buffer byte operations (no Python loop per
    character: a 1 MiB payload takes milliseconds):
    drop escaped backslashes and quotes, keep only brackets and quotes (`{}` merged into
    `[]`: a type mismatch is left to the parser), drop adjacent quote pairs (an empty
    string, or two strings joined: the brackets outside strings stay the same), remove
    what is left inside strings, then remove innermost `[]` pairs round by round: the
    rounds needed to empty it are the nesting depth."""
    data = text.encode("utf-8", "surrogatepass")
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    data = data.translate(_MERGE_BRACKETS, _OTHER_BYTES).replace(b'""', b"")
    if b'"' in data:
        if data.count(b'"') > 2 * MAX_BRACKET_STRINGS:
            raise Invalid(
                field,
                f"holds more than {MAX_BRACKET_STRINGS} strings containing brackets; "
                "an ordering payload never needs that many",
            )
        data = _STRING.sub(b"", data)
    for _ in range(MAX_DEPTH):
        if not data:
            return
        reduced = data.replace(b"[]", b"")
        if len(reduced) == len(data):
            raise Invalid(field, "is not valid JSON: its brackets or quotes do not match")
        data = reduced
    if data:
        raise Invalid(field, f"is nested more than {MAX_DEPTH} levels deep")


def parse_object(text: str, field: str) -> dict:
    """Parses `text` as a JSON object, naming `field` when it is not one."""
    check_depth(text, field)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise Invalid(field, f"is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise Invalid(field, f"must be a JSON object, not {shown(value)}")
    return value


def reject_unknown(obj: dict, known, field: str) -> None:
    for name in obj:
        if name not in known:
            raise Invalid(
                f"{field}.{name}",
                f"unknown field `{name}`; expected {', '.join(f'`{k}`' for k in known)}",
            )


def check_options(options) -> list:
    if len(options) < 2:
        raise Invalid("question.options", "an ordering question needs at least 2 items")
    seen = set()
    for item in options:
        if item in seen:
            raise Invalid(
                "question.options",
                f"lists {quote(item)} more than once; items must be distinct",
            )
        seen.add(item)
    return list(options)


def check_order(value, options: list, field: str) -> list:
    """Checks that `value` lists every item of `options` exactly once, by its text."""
    if value is None:
        raise Invalid(field, "is missing: list the items in order")
    if not isinstance(value, list):
        raise Invalid(field, f"must be a list of the question's items, not {shown(value)}")
    allowed = set(options)
    seen = set()
    for i, item in enumerate(value):
        if not isinstance(item, str):
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(options):
                hint = f" (write {shown(options[item])}, not its index)"
            else:
                hint = ""
            raise Invalid(
                field,
                f"item {i} is {shown(item)}; list the items by their text{hint}",
            )
        if item not in allowed:
            raise Invalid(field, f"{quote(item)} is not one of the question's items")
        if item in seen:
            raise Invalid(field, f"lists {quote(item)} more than once")
        seen.add(item)
    missing = [item for item in options if item not in seen]
    if missing:
        raise Invalid(
            field,
            f"is missing {', '.join(quote(m) for m in missing)}: "
            f"every one of the {len(options)} items must be placed once",
        )
    return value


def optional_text(key: dict, name: str):
    value = key.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"question.answer_key.{name}", f"must be text, not {shown(value)}")
    return value


def concordant_share(answer: list, key: list) -> float:
    """Share of item pairs the answer puts in the same relative order as the key.

    Equals 1 - normalised Kendall tau distance: 1.0 for the key's order, 0.0 for its reverse.
    """
    n = len(key)
    pairs = n * (n - 1) // 2
    if pairs == 0:
        return 1.0
    rank = {item: i for i, item in enumerate(key)}
    ranks = [rank[item] for item in answer]
    discordant = sum(
        1 for i in range(n) for j in range(i + 1, n) if ranks[i] > ranks[j]
    )
    return 1.0 - discordant / pairs


def percent(score: float) -> str:
    return f"{score * 100:.0f}%"


def grade(kind: str, options, answer_key: str, answer: str) -> Outcome:
    """Grades one `ordering` submission.

    Raises `Invalid` naming a malformed field, `Unsupported` for another kind."""
    if kind != KIND:
        raise Unsupported(f"this grader grades `{KIND}` questions, not `{kind}`")
    options = check_options(options)

    key = parse_object(answer_key, "question.answer_key")
    reject_unknown(key, KEY_FIELDS, "question.answer_key")
    right = check_order(key.get("order"), options, "question.answer_key.order")
    partial_credit = key.get("partial_credit", False)
    if not isinstance(partial_credit, bool):
        raise Invalid(
            "question.answer_key.partial_credit",
            f"must be true or false, not {shown(partial_credit)}",
        )
    correct_feedback = optional_text(key, "correct_feedback")
    incorrect_feedback = optional_text(key, "incorrect_feedback")

    learner = parse_object(answer, "answer")
    reject_unknown(learner, ANSWER_FIELDS, "answer")
    given = check_order(learner.get("order"), options, "answer.order")

    n = len(right)
    parts = []
    for i, item in enumerate(given):
        if item == right[i]:
            parts.append(Part(str(i), True, f"{quote(item)} is in the right place."))
        else:
            place = right.index(item) + 1
            parts.append(Part(str(i), False, f"{quote(item)} belongs in position {place}."))

    if given == right:
        feedback = correct_feedback or f"Correct! All {n} items are in the right order."
        return Outcome(1.0, True, feedback, parts)

    first = next(i for i in range(n) if given[i] != right[i])
    score = concordant_share(given, right) if partial_credit else 0.0
    if incorrect_feedback:
        feedback = incorrect_feedback
    else:
        misplaced = (
            f"{quote(given[first])} is the first item out of place: "
            f"position {first + 1} should be {quote(right[first])}"
        )
        order = ", ".join(quote(item) for item in right)
        if score > 0.0:
            pairs = n * (n - 1) // 2
            kept = round(score * pairs)
            feedback = (
                f"Partly right ({percent(score)}): {kept} of {pairs} pairs of items are in "
                f"the right order; {misplaced}. The right order is {order}."
            )
        else:
            feedback = f"Not quite: {misplaced}. The right order is {order}."
    return Outcome(score, False, feedback, parts)
