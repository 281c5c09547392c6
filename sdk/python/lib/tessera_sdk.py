"""Write Tessera plugins in Python (componentize-py).

The rules of a plugin stay plain Python over the dataclasses below, testable with
``python3 -m unittest`` without the bindings; one ``export_*`` call in ``app.py`` turns them
into the component's export:

- a grader (contract 0.1.0) is a class with ``KINDS`` and a static
  ``grade(question, answer) -> Outcome``: ``Grader = export_grader(MyRules)``;
- an agent (contract 0.2.0) is a class with static ``describe() -> AgentInfo`` (which must
  not call imports) and ``respond(request: AgentRequest) -> AgentReply``:
  ``Agent = export_agent(MyRules)``;
- a triage (contract 0.2.0) is a class with a static ``classify(query: Query) -> Decision``:
  ``Triage = export_triage(MyRules)``.

Errors map to the contract's: ``Invalid`` is ``invalid-input`` (a 422 naming the field),
``Unsupported`` is ``unsupported``, ``Unavailable`` is ``unavailable`` (a 503), anything else
raised is ``internal``, never a trap. Enums are plain strings here (a message's role
``"system"``/``"user"``/``"assistant"``, a decision's ``decided_by``
``"rules"``/``"meaning"``/``"model"``/``"fallback"``), JSON payloads are JSON text, as in the
WIT. ``parse_json`` and ``parse_object`` read JSON text safely (see ``MAX_JSON_DEPTH``).

This file is copied into each plugin by ``tessera plugin new``, whatever its world;
docs/plugins/python.md.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types as _pytypes
from typing import Any, Optional

# --- grader (tessera:platform/grader) -------------------------------------------------


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


# --- shared records (tessera:platform/types) ------------------------------------------


@dataclasses.dataclass
class Message:
    """One message of a conversation; ``role`` is ``"system"``, ``"user"`` or ``"assistant"``."""

    role: str
    content: str


@dataclasses.dataclass
class Learner:
    """Who a call is made for (read-only context; the host owns identity)."""

    learner_id: str
    locale: str
    timezone: str
    tone: Optional[str] = None


# --- agent (tessera:platform/agent@0.2.0) ---------------------------------------------


@dataclasses.dataclass
class AgentInfo:
    """What an agent is; ``intents`` must equal the manifest's ``[routing] intents``."""

    id: str
    name: str
    description: str
    intents: list[str]


@dataclasses.dataclass
class ExerciseTest:
    """A hidden test of an exercise: stdin with an expected stdout, or an assertion."""

    name: str
    stdin: str = ""
    expected_stdout: Optional[str] = None
    assertion: Optional[str] = None


@dataclasses.dataclass
class Exercise:
    """A generated exercise; its reference solution must pass every test."""

    title: str
    prompt: str
    topic: str
    difficulty: str
    starter_code: str
    reference_solution: str
    tests: list[ExerciseTest]


@dataclasses.dataclass
class AgentRequest:
    """A turn to answer. ``earlier`` holds the JSON texts of this agent's earlier replies'
    ``data`` (oldest first), ``settings`` the manifest's config for it as JSON text. Every
    field but ``messages`` has a default so unit tests build requests in one line."""

    messages: list[Message]
    intent: str = ""
    topic: str = "general"
    learner: Learner = dataclasses.field(default_factory=lambda: Learner("test-learner", "en", "UTC"))
    mastery: Optional[float] = None
    code: Optional[str] = None
    error: Optional[str] = None
    difficulty: Optional[str] = None
    base_exercise: Optional[Exercise] = None
    earlier: list[str] = dataclasses.field(default_factory=list)
    settings: str = "{}"


@dataclasses.dataclass
class AgentReply:
    """An agent's answer. ``data`` (what comes back in ``earlier`` next turn) is a dict, or
    JSON text of an object; ``None`` sends ``{}``."""

    content: str
    follow_ups: list[str] = dataclasses.field(default_factory=list)
    data: Any = None
    code_quality: Optional[float] = None
    exercise: Optional[Exercise] = None


# --- triage (tessera:platform/triage@0.2.0) -------------------------------------------


@dataclasses.dataclass
class IntentOption:
    """An intent a query may go to; built-in intents come without keywords or examples."""

    name: str
    description: str = ""
    keywords: list[str] = dataclasses.field(default_factory=list)
    examples: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Query:
    """A query to classify (the host never sends an empty ``intents``)."""

    text: str
    code: Optional[str] = None
    error: Optional[str] = None
    history: list[Message] = dataclasses.field(default_factory=list)
    learner: Optional[Learner] = None
    intents: list[IntentOption] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Decision:
    """What a query asks for and is about; ``decided_by`` is ``"rules"``, ``"meaning"``,
    ``"model"`` or ``"fallback"``."""

    intent: str
    topic: str
    confidence: float
    topic_confidence: float
    decided_by: str
    reason: str


# --- errors ---------------------------------------------------------------------------


class Invalid(Exception):
    """The input is malformed at ``field`` (a dotted path, as the client sent it)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unsupported(Exception):
    """The request asks for something this plugin does not do."""


class Unavailable(Exception):
    """A service the plugin needs cannot serve now."""


# --- JSON -----------------------------------------------------------------------------

# CPython's JSON parser recurses once per nesting level, and inside WebAssembly a deep
# document overflows the stack (a trap) before Python's recursion limit notices: deeper
# input is refused before it is parsed.
MAX_JSON_DEPTH = 32

_JSON_SYNTAX = re.compile(r'[\[\]{}"\\]')


def _nests_deeper_than(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False
    # Only the characters that change the nesting are visited, so plain text stays cheap.
    depth = 0
    in_string = False
    escaped_at = -1
    for m in _JSON_SYNTAX.finditer(text):
        c, i = m.group(), m.start()
        if in_string:
            if i == escaped_at:
                continue
            if c == "\\":
                escaped_at = i + 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def parse_json(text: str, field: str) -> Any:
    """``text`` (found at ``field``) as a JSON value, or ``Invalid`` naming the field."""
    if _nests_deeper_than(text, MAX_JSON_DEPTH):
        raise Invalid(field, f"nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except ValueError as e:  # also numbers beyond int's digit limit
        raise Invalid(field, f"is not valid JSON: {e}") from None


def parse_object(text: str, field: str) -> dict[str, Any]:
    """``text`` (found at ``field``) as a JSON object, or ``Invalid`` naming the field."""
    value = parse_json(text, field)
    if not isinstance(value, dict):
        raise Invalid(field, "must be a JSON object")
    return value


# --- exports --------------------------------------------------------------------------


def _types_of(interface: _pytypes.ModuleType) -> _pytypes.ModuleType:
    # componentize-py names the `types` interface's module `types` or, when the world
    # imports another `types` (wasi:http), `tessera_platform_types`: take the one the
    # export's module imported.
    for value in vars(interface).values():
        if isinstance(value, _pytypes.ModuleType) and hasattr(value, "Error_InvalidInput"):
            return value
    raise ImportError(f"{interface.__name__} imports no tessera:platform/types")


def _contract_error(types: _pytypes.ModuleType, e: Exception):
    if isinstance(e, Invalid):
        return types.Error_InvalidInput(types.FieldError(e.field, e.message))
    if isinstance(e, Unsupported):
        return types.Error_Unsupported(str(e))
    if isinstance(e, Unavailable):
        return types.Error_Unavailable(str(e))
    return types.Error_Internal(f"{type(e).__name__}: {e}"[:1000])


def _learner(wit) -> Learner:
    return Learner(wit.learner_id, wit.locale, wit.timezone, wit.tone)


def _messages(wit) -> list[Message]:
    return [Message(m.role.name.lower(), m.content) for m in wit]


def export_grader(rules):
    """The ``exports.Grader`` implementation componentize-py looks for, over ``rules``
    (a class with ``KINDS`` and a static ``grade``). Call it in ``app.py``:
    ``Grader = export_grader(MyRules)``."""
    from componentize_py_types import Err
    from wit_world import exports
    from wit_world.exports import grader

    types = _types_of(grader)
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
                fields = dict(
                    score=float(o.score),
                    correct=bool(o.correct),
                    feedback=str(o.feedback),
                    parts=[grader.PartFeedback(str(p.part), bool(p.correct), str(p.feedback)) for p in o.parts],
                )
            except Exception as e:  # a bug must answer `internal`, never trap
                raise Err(_contract_error(types, e))
            if has_details:
                fields["details"] = None
            return grader.GradeOutcome(**fields)

    return Grader


def export_agent(rules):
    """The ``exports.Agent`` implementation componentize-py looks for, over ``rules`` (a
    class with static ``describe()`` and ``respond(request)``). Call it in ``app.py``:
    ``Agent = export_agent(MyRules)``."""
    from componentize_py_types import Err
    from wit_world import exports
    from wit_world.exports import agent

    types = _types_of(agent)

    def exercise_in(e) -> Optional[Exercise]:
        if e is None:
            return None
        tests = [ExerciseTest(t.name, t.stdin, t.expected_stdout, t.assertion) for t in e.tests]
        return Exercise(e.title, e.prompt, e.topic, e.difficulty, e.starter_code, e.reference_solution, tests)

    def exercise_out(e: Optional[Exercise]):
        if e is None:
            return None
        tests = [
            agent.ExerciseTest(str(t.name), str(t.stdin), t.expected_stdout, t.assertion) for t in e.tests
        ]
        return agent.Exercise(
            str(e.title), str(e.prompt), str(e.topic), str(e.difficulty),
            str(e.starter_code), str(e.reference_solution), tests,
        )

    def data_out(data) -> str:
        if data is None:
            return "{}"
        if isinstance(data, str):
            return data
        if not isinstance(data, dict):
            raise TypeError(f"AgentReply.data must be a dict or JSON text, not {type(data).__name__}")
        return json.dumps(data, ensure_ascii=False)

    class Agent(exports.Agent):
        def describe(self):
            info = rules.describe()
            return agent.AgentInfo(str(info.id), str(info.name), str(info.description), [str(i) for i in info.intents])

        def respond(self, request):
            try:
                reply = rules.respond(
                    AgentRequest(
                        messages=_messages(request.messages),
                        intent=request.intent,
                        topic=request.topic,
                        learner=_learner(request.learner),
                        mastery=request.mastery,
                        code=request.code,
                        error=request.error,
                        difficulty=request.difficulty,
                        base_exercise=exercise_in(request.base_exercise),
                        earlier=list(request.earlier),
                        settings=request.settings,
                    )
                )
                return agent.AgentReply(
                    content=str(reply.content),
                    follow_ups=[str(f) for f in reply.follow_ups],
                    code_quality=None if reply.code_quality is None else float(reply.code_quality),
                    exercise=exercise_out(reply.exercise),
                    data=data_out(reply.data),
                )
            except Exception as e:  # a bug must answer `internal`, never trap
                raise Err(_contract_error(types, e))

    return Agent


def export_triage(rules):
    """The ``exports.Triage`` implementation componentize-py looks for, over ``rules`` (a
    class with a static ``classify(query)``). Call it in ``app.py``:
    ``Triage = export_triage(MyRules)``."""
    from componentize_py_types import Err
    from wit_world import exports
    from wit_world.exports import triage

    types = _types_of(triage)

    class Triage(exports.Triage):
        def classify(self, query):
            try:
                d = rules.classify(
                    Query(
                        text=query.text,
                        code=query.code,
                        error=query.error,
                        history=_messages(query.history),
                        learner=None if query.learner is None else _learner(query.learner),
                        intents=[
                            IntentOption(i.name, i.description, list(i.keywords), list(i.examples))
                            for i in query.intents
                        ],
                    )
                )
                return triage.Decision(
                    intent=str(d.intent),
                    topic=str(d.topic),
                    confidence=float(d.confidence),
                    topic_confidence=float(d.topic_confidence),
                    decided_by=triage.DecidedBy[str(d.decided_by).upper()],
                    reason=str(d.reason),
                )
            except Exception as e:  # a bug must answer `internal`, never trap
                raise Err(_contract_error(types, e))

    return Triage
