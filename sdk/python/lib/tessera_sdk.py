"""Write Tessera plugins in Python (componentize-py).

A grader is a class with ``KINDS`` and ``grade(question, answer) -> Outcome``; ``export_grader``
turns it into the component's ``tessera:platform/grader`` export, mapping the errors below to
the contract's (``Invalid`` is a 422 naming the field, ``Unavailable`` a 503, anything else
raised is ``internal``, never a trap). The rules stay plain Python, testable with
``python3 -m unittest`` without the bindings; only ``export_grader`` touches them.

This file is copied into each plugin by ``tessera plugin new``; docs/plugins/python.md.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any


@dataclasses.dataclass
class Question:
    """A question as a grader receives it; ``answer_key`` is JSON text."""

    kind: str
    prompt: str
    options: list[str]
    answer_key: str


@dataclasses.dataclass
class Part:
    """Feedback on one part of an answer."""

    part: str
    correct: bool
    feedback: str


@dataclasses.dataclass
class Outcome:
    """A grade: ``score`` from 0.0 to 1.0, whether it counts as correct, feedback."""

    score: float
    correct: bool
    feedback: str
    parts: list[Part] = dataclasses.field(default_factory=list)


class Invalid(Exception):
    """The answer key or the answer is malformed at ``field`` (a dotted path)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unavailable(Exception):
    """A service the grader needs cannot serve now."""


def parse_object(text: str, field: str) -> dict[str, Any]:
    """``text`` (found at ``field``) as a JSON object, or ``Invalid`` naming the field."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise Invalid(field, f"is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise Invalid(field, "must be a JSON object")
    return value


def export_grader(rules):
    """The ``exports.Grader`` implementation componentize-py looks for, over ``rules``
    (a class with ``KINDS`` and a static ``grade``). Call it in ``app.py``:
    ``Grader = export_grader(MyRules)``."""
    from componentize_py_types import Err
    from wit_world import exports
    from wit_world.exports import grader
    from wit_world.imports import types

    has_details = "details" in {f.name for f in dataclasses.fields(grader.GradeOutcome)}

    class Grader(exports.Grader):
        def kinds(self) -> list[str]:
            return list(rules.KINDS)

        def grade(self, submission):
            q = submission.question
            if q.kind not in rules.KINDS:
                raise Err(types.Error_Unsupported(f"this grader does not grade `{q.kind}` questions"))
            try:
                o = rules.grade(Question(q.kind, q.prompt, list(q.options), q.answer_key), submission.answer)
            except Invalid as e:
                raise Err(types.Error_InvalidInput(types.FieldError(e.field, e.message)))
            except Unavailable as e:
                raise Err(types.Error_Unavailable(str(e)))
            except Exception as e:  # a bug must answer `internal`, never trap
                raise Err(types.Error_Internal(f"{type(e).__name__}: {e}"[:1000]))
            fields = dict(
                score=float(o.score),
                correct=bool(o.correct),
                feedback=o.feedback,
                parts=[grader.PartFeedback(p.part, p.correct, p.feedback) for p in o.parts],
            )
            if has_details:
                fields["details"] = None
            return grader.GradeOutcome(**fields)

    return Grader
