"""The Python sandbox: runs learner code in this (fresh, per-call) CPython instance.

Exports `tessera:platform/code-runner`. The host gives every run a fresh instance under
the plugin's limits (deadline, memory, output), so nothing here needs to undo what the
learner's code did to the interpreter. What this file does is capture output within caps
and turn the outcome into a `run-result`. The host treats the result as untrusted: user
code runs in this same interpreter and could tamper with it.
"""

import io
import sys
import traceback

from wit_world import exports
from wit_world.exports import code_runner as cr
from wit_world.imports import store as config

# Cap on each of stdout and stderr when the request sets none, in bytes; the manifest may
# override it with the config value `max_output_bytes`. The host caps its pipes too.
DEFAULT_MAX_OUTPUT = 64 * 1024


def default_max_output() -> int:
    try:
        value = config.get("max_output_bytes")
        return int(value) if value else DEFAULT_MAX_OUTPUT
    except Exception:
        return DEFAULT_MAX_OUTPUT


class CappedWriter(io.TextIOBase):
    """A text stream that keeps at most `limit` bytes and remembers whether it cut."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        room = self.limit - self.size
        if room <= 0:
            self.truncated = True
            return len(s)
        data = s.encode("utf-8", "replace")
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        self.parts.append(data.decode("utf-8", "ignore"))
        self.size += len(data)
        return len(s)

    def getvalue(self) -> str:
        return "".join(self.parts)


def learner_line(tb) -> int | None:
    """The last traceback line that is in the learner's code."""
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == "<learner>":
            line = lineno
    return line


class CodeRunner(exports.CodeRunner):
    def run(self, request: cr.RunRequest) -> cr.RunResult:
        limit = request.limits.max_output_bytes or default_max_output()
        out, err = CappedWriter(limit), CappedWriter(limit)
        sys.stdin = io.StringIO(request.stdin)
        sys.stdout, sys.stderr = out, err
        status, error, exit_code = cr.RunStatus.OK, None, 0
        try:
            code = compile(request.code, "<learner>", "exec")
        except SyntaxError as e:
            status = cr.RunStatus.SYNTAX_ERROR
            error = cr.RunError(type(e).__name__, str(e.msg), e.lineno)
            exit_code = 1
            err.write("".join(traceback.format_exception_only(type(e), e)))
        else:
            try:
                exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
            except SystemExit as e:
                exit_code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if exit_code != 0:
                    status = cr.RunStatus.RUNTIME_ERROR
            except MemoryError:
                status, exit_code = cr.RunStatus.MEMORY_LIMIT, 1
                error = cr.RunError("MemoryError", "memory limit exceeded", None)
            except BaseException as e:  # the learner's exception, whatever it is
                status, exit_code = cr.RunStatus.RUNTIME_ERROR, 1
                error = cr.RunError(type(e).__name__, str(e), learner_line(e.__traceback__))
                err.write("".join(traceback.format_exception(type(e), e, e.__traceback__)))
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if status == cr.RunStatus.OK and (out.truncated or err.truncated):
            status = cr.RunStatus.OUTPUT_LIMIT
        return cr.RunResult(
            status=status,
            stdout=out.getvalue(),
            stderr=err.getvalue(),
            exit_code=exit_code,
            error=error,
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            tests=[],
        )
