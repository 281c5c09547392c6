"""The Python sandbox: runs learner code in this (fresh, per-call) CPython instance.

Exports `tessera:platform/code-runner`. The host gives every run a fresh instance under
per-run limits (deadline, memory, output caps), so nothing here needs to undo what the
learner's code did to the interpreter. What this file does is stream the program's output
to the instance's stdout/stderr within the caps (the host captures both; output printed
before a timeout or crash survives), evaluate a test's assertion, and describe the outcome
in a `run-result`. The host treats that record as untrusted: user code runs in this same
interpreter and could tamper with it.
"""

import ast
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


def shown(value) -> str:
    try:
        text = repr(value)
    except BaseException as e:  # a learner's __repr__ may raise anything
        text = f"<unprintable {type(value).__name__}: {type(e).__name__}>"
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def check_assertion(source: str, scope: dict) -> tuple[bool, str, str]:
    """Evaluates an assertion; for `a == b`, reports both sides."""
    tree = ast.parse(source.strip(), "<assert>", "eval")
    body = tree.body
    if isinstance(body, ast.Compare) and len(body.ops) == 1 and isinstance(body.ops[0], ast.Eq):
        left = eval(compile(ast.Expression(body.left), "<assert>", "eval"), scope)
        right = eval(compile(ast.Expression(body.comparators[0]), "<assert>", "eval"), scope)
        return bool(left == right), shown(right), shown(left)
    value = eval(compile(tree, "<assert>", "eval"), scope)
    return bool(value), source.strip(), shown(value)


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
