"""The Python sandbox: runs learner code in this (fresh, per-call) CPython instance.

Exports `tessera:platform/code-runner`. The host gives every run a fresh instance under
per-run limits (deadline, memory, output caps), so nothing here needs to undo what the
learner's code did to the interpreter. What this file does is stream the program's output
to the instance's stdout/stderr within the caps (the host captures both; output printed
before a timeout or crash survives), evaluate a test's assertion, and describe the outcome
in a `run-result`. The host treats that record as untrusted: user code runs in this same
interpreter and could tamper with it.

An assertion is evaluated guarded (only built-in values enter its comparisons, arithmetic
and truth tests; the builtins it is judged by are the real ones) and its value is reported
to the host in a comparison format made of exact built-in types (`encode`), as the test
result's `actual`; the host, not this file, decides whether the test passed. The host
splits `a == b` itself and evaluates a self-contained `b` in a fresh instance that never
runs learner code, so the expected value never reaches the learner's interpreter
(host/src/sandbox/assertions.rs, docs/sandbox.md).
"""

import ast
import builtins
import io
import linecache
import os
import sys
import traceback

# The standard library learners may import. componentize-py snapshots the interpreter
# after this module is imported, and the instance has no filesystem, so exactly the modules
# imported here (and what they import) exist at run time; any other `import` fails with
# ModuleNotFoundError. Keep docs/sandbox.md in step with this list.
import abc, array, base64, binascii, bisect, calendar, cmath, collections  # noqa: E401,F401
import collections.abc, contextlib, copy, dataclasses, datetime, decimal  # noqa: E401,F401
import difflib, enum, fractions, functools, heapq, itertools, json, math  # noqa: E401,F401
import numbers, operator, pprint, random, re, statistics, string, struct  # noqa: E401,F401
import textwrap, time, typing, unicodedata  # noqa: E401,F401

from wit_world import exports
from wit_world.exports import code_runner as cr
from wit_world.imports import store as config

# Cap on each of stdout and stderr when the request sets none, in bytes; the manifest may
# override it with the config value `max_output_bytes`. (The host's sandbox always sets it.)
DEFAULT_MAX_OUTPUT = 64 * 1024
# Longest `expected`/`actual` text of an assertion test, in characters.
MAX_SHOWN = 1000


class OutputLimitExceeded(BaseException):
    """Raised into the learner's code when it writes past the output cap.

    A BaseException, so `except Exception` in learner code does not swallow it."""


class CappedStream(io.TextIOBase):
    """A text stream onto file descriptor `fd` that passes at most `limit` bytes."""

    def __init__(self, fd: int, limit: int):
        self.fd = fd
        self.limit = limit
        self.size = 0
        self.truncated = False

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        data = s.encode("utf-8", "replace")
        room = self.limit - self.size
        if len(data) > room:
            self.truncated = True
            # One byte past the cap reaches the host, which stops the instance on the
            # write that crosses its own cap (no `except` can swallow that). Should the
            # host's cap be larger, the program is stopped here instead.
            self._send(data[:max(room, 0) + 1])
            raise OutputLimitExceeded(f"output limit of {self.limit} bytes exceeded")
        self._send(data)
        return len(s)

    def _send(self, data: bytes) -> None:
        # Written through at once, unbuffered: output printed before a timeout, a crash
        # or os._exit() reaches the host.
        self.size += len(data)
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


def default_max_output() -> int:
    try:
        value = config.get("max_output_bytes")
        return int(value) if value else DEFAULT_MAX_OUTPUT
    except Exception:
        return DEFAULT_MAX_OUTPUT


def learner_traceback(e: BaseException) -> str:
    """The traceback of `e` with the sandbox's own frames left out."""
    te = traceback.TracebackException.from_exception(e)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if f.filename == "<learner>"]
    )
    return "".join(te.format())


def learner_line(tb) -> int | None:
    """The last traceback line that is in the learner's code."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == "<learner>":
            line = lineno
    return line


# What judging an assertion calls, bound while the interpreter is still the sandbox's own
# (componentize-py snapshots it after this module loads): learner code may rebind names in
# `builtins`, `ast` or `json`, but not these references.
_PRISTINE_BUILTINS = dict(builtins.__dict__)
_type, _repr, _len, _compile, _eval = type, repr, len, compile, eval
_int_repr, _float_repr = int.__repr__, float.__repr__
_str_translate, _str_encode = str.translate, str.encode
_bytes_hex = bytes.hex
_type_name = type.__dict__["__name__"].__get__
_dict_items, _dict_clear, _dict_update = dict.items, dict.clear, dict.update
_getattr, _setattr = getattr, setattr
_settrace, _setprofile = sys.settrace, sys.setprofile
_PyCF_ONLY_AST = ast.PyCF_ONLY_AST
_AST_NODE, _AST_EXPR_CONTEXT = ast.AST, ast.expr_context
_AST_COMPARE, _AST_BINOP, _AST_UNARYOP = ast.Compare, ast.BinOp, ast.UnaryOp
_AST_BOOLOP, _AST_IFEXP, _AST_CALL, _AST_NAME = ast.BoolOp, ast.IfExp, ast.Call, ast.Name
_AST_LOAD, _AST_IS, _AST_ISNOT = ast.Load, ast.Is, ast.IsNot
_fix_locations, _copy_location = ast.fix_missing_locations, ast.copy_location
_INF = float("inf")

# The name the guard has inside an assertion, and the builtins an assertion always means
# the real thing by, even if the program defined its own (the ones a check is judged by).
GUARD = "__tessera_operand__"
PROTECTED = (
    "bool", "isinstance", "issubclass", "type", "callable", "hasattr", "getattr", "id",
    "repr", "str", "int", "float", "complex", "bytes", "list", "tuple", "dict", "set",
    "frozenset", "object", "len",
)
# Bounds on a value reported for comparison.
MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_REPORT = 1 << 20
_JSON_ESCAPES = {i: "\\u%04x" % i for i in range(32)}
_JSON_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})


class Uncomparable(Exception):
    """A value a check cannot compare: not made of built-in values only."""

    def __init__(self, why: str, value):
        super().__init__(why)
        self.why = why
        self.value = value


def shown(value) -> str:
    try:
        text = _repr(value)
    except BaseException as e:  # a learner's __repr__ may raise anything
        text = f"<unprintable {_type_name(_type(value))}: {_type_name(_type(e))}>"
    if _type(text) is not str:
        text = "<unprintable>"
    return text if _len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def encode(value, depth=0, budget=None):
    """`value` in the host's comparison format (docs/sandbox.md), from exact built-in types
    only: nothing a program defines (a subclass, an `__eq__`) takes part."""
    if budget is None:
        budget = [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise Uncomparable("too large to compare", value)
    if depth > MAX_DEPTH:
        raise Uncomparable("nested too deeply to compare", value)
    t = _type(value)
    if value is None or t is bool:
        return value
    if t is int:
        if -(1 << 63) < value < (1 << 63):
            return value
        try:
            return {"int": _int_repr(value)}
        except ValueError:
            raise Uncomparable("an int too long to compare", value) from None
    if t is float:
        if value != value:
            return {"float": "nan"}
        if value == _INF or value == -_INF:
            return {"float": "inf" if value > 0 else "-inf"}
        return value
    if t is complex:
        return {"complex": [encode(value.real, depth + 1, budget), encode(value.imag, depth + 1, budget)]}
    if t is str:
        try:
            _str_encode(value, "utf-8")
        except UnicodeEncodeError:
            raise Uncomparable("a str with unpaired surrogates", value) from None
        return value
    if t is bytes:
        return {"bytes": _bytes_hex(value)}
    if t is list:
        return [encode(v, depth + 1, budget) for v in value]
    if t is tuple:
        return {"tuple": [encode(v, depth + 1, budget) for v in value]}
    if t is set or t is frozenset:
        return {"set": [encode(v, depth + 1, budget) for v in value]}
    if t is dict:
        return {"dict": [[encode(k, depth + 1, budget), encode(v, depth + 1, budget)]
                         for k, v in _dict_items(value)]}
    raise Uncomparable(f"an object of type {_type_name(t)[:100]}", value)


def to_json(value, out: list) -> None:
    """JSON text of what `encode` returns, without the `json` module (a program may have
    rebound its parts)."""
    t = _type(value)
    if value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int:
        out.append(_int_repr(value))
    elif t is float:
        out.append(_float_repr(value))
    elif t is str:
        out.append('"' + _str_translate(value, _JSON_ESCAPES) + '"')
    elif t is list:
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            to_json(v, out)
        out.append("]")
    else:  # a dict with str keys
        out.append("{")
        for i, (k, v) in enumerate(_dict_items(value)):
            if i:
                out.append(",")
            to_json(k, out)
            out.append(":")
            to_json(v, out)
        out.append("}")


def guard(value):
    """Lets only built-in values into an assertion's comparisons, arithmetic and truth
    tests, so a program's `__eq__`, `__lt__`, `__add__` or `__bool__` cannot decide them."""
    encode(value)
    return value


def _guarded(node):
    """`node` with every operand of a comparison (but `is`), of arithmetic, of `not`,
    `and`/`or` and of a conditional's test passed through the guard."""
    def wrap(n):
        call = _AST_CALL(func=_AST_NAME(id=GUARD, ctx=_AST_LOAD()), args=[n], keywords=[])
        return _copy_location(call, n)

    t = _type(node)
    for field in node._fields:
        child = _getattr(node, field, None)
        if _type(child) is list:
            _setattr(node, field, [_guarded(c) if isinstance(c, _AST_NODE) and not isinstance(c, _AST_EXPR_CONTEXT) else c for c in child])
        elif isinstance(child, _AST_NODE) and not isinstance(child, _AST_EXPR_CONTEXT):
            _setattr(node, field, _guarded(child))
    if t is _AST_COMPARE:
        if not all(_type(op) in (_AST_IS, _AST_ISNOT) for op in node.ops):
            node.left = wrap(node.left)
            node.comparators = [wrap(c) for c in node.comparators]
    elif t is _AST_BINOP:
        node.left, node.right = wrap(node.left), wrap(node.right)
    elif t is _AST_UNARYOP:
        node.operand = wrap(node.operand)
    elif t is _AST_BOOLOP:
        node.values = [wrap(v) for v in node.values]
    elif t is _AST_IFEXP:
        node.test = wrap(node.test)
    return node


def _restore_interpreter() -> None:
    """Undoes what a program could do to the interpreter to steer its own judging: the
    builtins it rebound, and tracing hooks."""
    _settrace(None)
    _setprofile(None)
    live = builtins.__dict__
    _dict_clear(live)
    _dict_update(live, _PRISTINE_BUILTINS)


def report(value) -> dict:
    """What the host reads of an evaluated assertion: the value in the comparison format
    with its repr, each item too when the value is a tuple (the host asks for several
    expressions as one tuple)."""
    def one(v):
        try:
            return {"value": encode(v), "shown": shown(v)}
        except Uncomparable as e:
            return {"uncomparable": e.why, "shown": shown(e.value)}

    whole = one(value)
    if _type(value) is tuple:
        whole["items"] = [one(v) for v in value]
    return whole


def check_assertion(source: str, scope: dict) -> tuple[bool, str, str]:
    """Evaluates an assertion against the program's names, guarded; returns whether it
    held (for the record only: the host judges) and the report as JSON."""
    _restore_interpreter()
    tree = _compile(source.strip(), "<assert>", "eval", _PyCF_ONLY_AST)
    tree = _fix_locations(_guarded(tree))
    code = _compile(tree, "<assert>", "eval")
    checked_builtins = dict(_PRISTINE_BUILTINS)
    checked_builtins[GUARD] = guard
    scope["__builtins__"] = checked_builtins
    names = {name: _PRISTINE_BUILTINS[name] for name in PROTECTED}
    names[GUARD] = guard
    try:
        value = _eval(code, scope, names)
        result = report(value)
    except Uncomparable as e:
        result = {"uncomparable": e.why, "shown": shown(e.value)}
    out = []
    to_json(result, out)
    text = "".join(out)
    if _len(text) > MAX_REPORT:
        text = '{"uncomparable": "too large to compare", "shown": ""}'
    held = "value" in result and result["value"] not in (None, False, 0, "", [], {})
    return held, source.strip(), text


class CodeRunner(exports.CodeRunner):
    # The record types are bound as defaults when this module loads, so learner code that
    # rebinds them in `wit_world` or here cannot change how its own run is reported. (A
    # determined program can still reach these objects; the host trusts the record only
    # for what it cannot see itself, see host/src/sandbox/outcome.rs.)
    def run(
        self,
        request: cr.RunRequest,
        RunResult=cr.RunResult,
        TestResult=cr.TestResult,
        RunError=cr.RunError,
        RunStatus=cr.RunStatus,
    ) -> cr.RunResult:
        limit = request.limits.max_output_bytes or default_max_output()
        out, err = CappedStream(1, limit), CappedStream(2, limit)
        test = request.tests[0] if request.tests else None
        sys.stdin = io.StringIO(request.stdin)
        sys.stdout, sys.stderr = out, err
        status, error, exit_code = RunStatus.OK, None, 0
        passed, expected, actual = False, "", ""
        scope = {"__name__": "__main__", "__builtins__": __builtins__}
        # Tracebacks quote the learner's source lines.
        linecache.cache["<learner>"] = (
            len(request.code), None, request.code.splitlines(True), "<learner>"
        )
        try:
            code = compile(request.code, "<learner>", "exec")
        except SyntaxError as e:
            status, exit_code = RunStatus.SYNTAX_ERROR, 1
            error = RunError(type(e).__name__, str(e.msg), e.lineno)
            self._quietly(err.write, "".join(traceback.format_exception_only(type(e), e)))
        else:
            try:
                exec(code, scope)
                if test is not None and test.assertion is not None:
                    expected = test.assertion
                    passed, expected, actual = check_assertion(test.assertion, scope)
            except SystemExit as e:
                exit_code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if exit_code != 0:
                    status = RunStatus.RUNTIME_ERROR
                    error = RunError("SystemExit", f"exited with code {exit_code}", None)
                elif test is not None and test.assertion is not None:
                    # The program ended itself before the assertion could run.
                    actual = "the program called exit() before the assertion ran"
            except OutputLimitExceeded as e:
                status, exit_code = RunStatus.OUTPUT_LIMIT, 1
                error = RunError("OutputLimit", str(e), learner_line(e.__traceback__))
            except MemoryError:
                status, exit_code = RunStatus.MEMORY_LIMIT, 1
                error = RunError("MemoryError", "memory limit exceeded", None)
            except BaseException as e:  # the learner's exception, whatever it is
                status, exit_code = RunStatus.RUNTIME_ERROR, 1
                error = RunError(type(e).__name__, str(e)[:2000], learner_line(e.__traceback__))
                actual = actual or f"{type(e).__name__}: {str(e)[:MAX_SHOWN]}"
                self._quietly(err.write, learner_traceback(e))
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        tests = []
        if test is not None:
            tests.append(TestResult(
                name=test.name, status=status, passed=passed and status == RunStatus.OK,
                expected=expected, actual=actual, stderr="", error=error,
            ))
        return RunResult(
            status=status,
            stdout="",
            stderr="",
            exit_code=exit_code,
            error=error,
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            tests=tests,
        )

    @staticmethod
    def _quietly(write, text: str) -> None:
        try:
            write(text)
        except OutputLimitExceeded:
            pass
