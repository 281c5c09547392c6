#!/usr/bin/env python3
"""Checks the python-basics content pack (standard library only).

    python3 content/python-basics/check.py [PACK_DIR]

Checks the structure the host's pack loader expects (host/src/content/pack.rs), the quiz
answer keys against the shapes in docs/grading.md, and runs every code exercise's
reference solution against its tests (and its starter code, which must not already pass).
Prints each problem, then a one-line summary; exits 1 when there is any problem.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ID_RE = re.compile(r"^[a-z0-9._-]{1,128}$")
WORDS_MIN, WORDS_MAX = 150, 400
TIMEOUT = 5

PACK_KEYS = {"id", "version", "title", "description", "tracks"}
TRACK_KEYS = {"id", "title", "description", "courses"}
COURSE_KEYS = {"id", "title", "description", "modules"}
MODULE_KEYS = {"id", "title", "lessons"}
LESSON_KEYS = {"id", "title", "topic", "summary", "estimated_minutes", "prerequisites", "steps"}
STEP_KEYS = {
    "explanation": {"id", "kind", "title", "text_file"},
    "quiz": {"id", "kind", "xp", "question", "explanation"},
    "code_exercise": {"id", "kind", "xp", "prompt_file", "starter_code", "solution", "tests"},
    "mini_project": {"id", "kind", "xp", "prompt_file", "rubric"},
}
QUESTION_KEYS = {"kind", "prompt", "options", "answer_key"}
ANSWER_KEY_KEYS = {
    "multiple_choice": {"correct", "partial_credit", "feedback", "correct_feedback", "incorrect_feedback"},
    "true_false": {"correct", "feedback_true", "feedback_false"},
    "short_answer": {"accepted", "regex", "case_sensitive", "ignore_accents", "feedback", "alternatives_feedback"},
    "numeric": {"value", "tolerance", "tolerance_mode", "unit", "units", "require_unit"},
    # Served by the partner plugin plugins/ordering-grader (Python).
    "ordering": {"order", "partial_credit", "correct_feedback", "incorrect_feedback"},
}
# The sandbox's run-tests shapes (docs/sandbox.md): an output test, or an assertion.
TEST_KEYS = {"output": {"name", "stdin", "expected_stdout"}, "assert": {"name", "assert"}}
RUBRIC_KEYS = {"id", "criterion", "points", "description"}

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def keys_ok(where, obj, allowed, required):
    if not isinstance(obj, dict):
        problem(where, "must be an object")
        return False
    for k in sorted(set(obj) - allowed):
        problem(where, f"unknown field `{k}`")
    for k in sorted(required - set(obj)):
        problem(where, f"missing field `{k}`")
    return True


def nonempty_str(value):
    return isinstance(value, str) and value.strip() != ""


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalise(text, case_sensitive):
    """The short_answer normalisation of docs/grading.md (accents aside)."""
    text = re.sub(r"\s+", " ", text.strip())
    text = text.rstrip(".!?")
    return text if case_sensitive else text.lower()


def same_output(actual, expected):
    """Equal after trimming trailing whitespace on each line and at the end."""
    def trim(s):
        return "\n".join(line.rstrip() for line in s.splitlines()).rstrip()
    return trim(actual) == trim(expected)


def run(code, stdin):
    try:
        return subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True,
                              text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None


def run_test(program, test):
    """(passed, detail) for one test against one program."""
    if "assert" not in test:
        r = run(program, test.get("stdin", ""))
        if r is None:
            return False, "timed out"
        if r.returncode != 0:
            return False, f"exit {r.returncode}: {r.stderr.strip().splitlines()[-1:]}"
        if not same_output(r.stdout, test["expected_stdout"]):
            return False, f"stdout {r.stdout!r}, expected {test['expected_stdout']!r}"
        return True, ""
    script = ("ns = {'__name__': '__main__'}\n"
              f"exec(compile({program!r}, '<learner>', 'exec'), ns)\n"
              f"assert eval(compile({test['assert']!r}, '<test>', 'eval'), ns)\n")
    r = run(script, "")
    if r is None:
        return False, "timed out"
    if r.returncode != 0:
        return False, f"raised: {r.stderr.strip().splitlines()[-1:]}"
    return True, ""


def check_markdown(where, path, is_explanation):
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        problem(where, f"`{path.name}` is empty")
    words = len(text.split())
    if is_explanation and not WORDS_MIN <= words <= WORDS_MAX:
        problem(where, f"explanation has {words} words; want {WORDS_MIN}-{WORDS_MAX}")
    for n, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S), 1):
        try:
            compile(block, f"{path}#block{n}", "exec")
        except SyntaxError as e:
            problem(where, f"python block {n} in `{path.name}` does not compile: {e}")
    return words


def check_question(where, q):
    if not keys_ok(where, q, QUESTION_KEYS, {"kind", "prompt", "answer_key"}):
        return None
    kind = q.get("kind")
    if kind not in ANSWER_KEY_KEYS:
        problem(where, f"kind `{kind}` is not served by quiz-grader or ordering-grader")
        return None
    if not nonempty_str(q.get("prompt")):
        problem(where, "prompt must be a non-empty string")
    key = q.get("answer_key")
    if not keys_ok(f"{where}.answer_key", key, ANSWER_KEY_KEYS[kind], set()):
        return kind
    choices = q.get("options")
    if kind == "multiple_choice":
        if not (isinstance(choices, list) and len(choices) >= 2 and all(nonempty_str(c) for c in choices)):
            problem(where, "options must be a list of at least two non-empty strings")
            return kind
        if len(set(choices)) != len(choices):
            problem(where, "options repeat")
        correct = key.get("correct")
        if not (isinstance(correct, list) and correct and all(is_int(i) for i in correct)):
            problem(where, "answer_key.correct must be a non-empty list of indices")
        elif len(set(correct)) != len(correct):
            problem(where, "answer_key.correct repeats an index")
        elif not all(0 <= i < len(choices) for i in correct):
            problem(where, f"answer_key.correct {correct} points outside the {len(choices)} options")
        for i in key.get("feedback", {}) or {}:
            if not (i.isdigit() and int(i) < len(choices)):
                problem(where, f"answer_key.feedback key `{i}` is not a choice index")
        if "partial_credit" in key and not isinstance(key["partial_credit"], bool):
            problem(where, "answer_key.partial_credit must be a boolean")
    elif kind == "ordering":
        if not (isinstance(choices, list) and len(choices) >= 2 and all(nonempty_str(c) for c in choices)):
            problem(where, "options must be a list of at least two non-empty strings")
            return kind
        if len(set(choices)) != len(choices):
            problem(where, "options repeat")
        order = key.get("order")
        if not (isinstance(order, list) and sorted(order) == sorted(choices)):
            problem(where, "answer_key.order must list every option exactly once")
        elif order == choices:
            problem(where, "options are already in the right order; shuffle them")
    else:
        if choices is not None:
            problem(where, f"a {kind} question has no options")
    if kind == "true_false" and not isinstance(key.get("correct"), bool):
        problem(where, "answer_key.correct must be true or false")
    if kind == "short_answer":
        accepted = key.get("accepted", [])
        cs = key.get("case_sensitive", False)
        if not (isinstance(accepted, list) and all(nonempty_str(a) for a in accepted)):
            problem(where, "answer_key.accepted must be a list of non-empty strings")
        elif not accepted and "regex" not in key:
            problem(where, "answer_key.accepted needs at least one answer (or a regex)")
        else:
            norm = {normalise(a, cs) for a in accepted}
            if "" in norm:
                problem(where, "an accepted answer normalises to nothing")
            for alt in key.get("alternatives_feedback", {}) or {}:
                if normalise(alt, cs) in norm:
                    problem(where, f"alternatives_feedback `{alt}` is also an accepted answer")
        if not isinstance(cs, bool):
            problem(where, "answer_key.case_sensitive must be a boolean")
    if kind == "numeric":
        if not is_number(key.get("value")):
            problem(where, "answer_key.value must be a number")
        if "tolerance" in key and not (is_number(key["tolerance"]) and key["tolerance"] >= 0):
            problem(where, "answer_key.tolerance must be a number >= 0")
        if key.get("tolerance_mode", "absolute") not in ("absolute", "relative"):
            problem(where, "answer_key.tolerance_mode must be absolute or relative")
    return kind


def check_exercise(where, step):
    tests = step.get("tests")
    if not (isinstance(tests, list) and 2 <= len(tests) <= 4):
        problem(where, "wants 2-4 tests")
        if not isinstance(tests, list):
            return 0
    solution = step.get("solution")
    starter = step.get("starter_code", "")
    if not nonempty_str(solution):
        problem(where, "needs a reference solution")
        solution = None
    for code, what in ((solution, "solution"), (starter, "starter_code")):
        if code is None:
            continue
        try:
            compile(code, f"{where}.{what}", "exec")
        except SyntaxError as e:
            problem(where, f"{what} does not compile: {e}")
            return 0
    valid, names = [], set()
    for t, test in enumerate(tests):
        at = f"{where}.tests[{t}]"
        if not isinstance(test, dict):
            problem(at, "a test must be an object")
            continue
        kind = "assert" if "assert" in test else "output"
        required = {"name", "assert"} if kind == "assert" else {"name", "expected_stdout"}
        if not keys_ok(at, test, TEST_KEYS[kind], required):
            continue
        if not nonempty_str(test["name"]):
            problem(at, "name must be a non-empty string")
        elif test["name"] in names:
            problem(at, f"name `{test['name']}` is used twice")
        names.add(test["name"])
        if kind == "output":
            stdin = test.get("stdin", "")
            if not (isinstance(stdin, str) and isinstance(test["expected_stdout"], str)):
                problem(at, "stdin and expected_stdout must be strings")
                continue
            if stdin and not stdin.endswith("\n"):
                problem(at, "stdin should end with a newline (input() reads whole lines)")
        else:
            expression = test["assert"]
            if not nonempty_str(expression):
                problem(at, "assert must be a Python expression")
                continue
            try:
                compile(expression, at, "eval")
            except SyntaxError as e:
                problem(at, f"assert expression does not compile: {e}")
                continue
        valid.append((at, test))
    if solution:
        for at, test in valid:
            ok, detail = run_test(solution, test)
            if not ok:
                problem(at, f"reference solution fails `{test['name']}`: {detail}")
        if valid and all(run_test(starter, test)[0] for _, test in valid):
            problem(where, "the starter code already passes every test")
    return len(valid)


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    lessons_dir = root / "lessons"
    try:
        pack = json.loads((root / "pack.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"pack.json: {e}")
        return 1
    keys_ok("pack.json", pack, PACK_KEYS, PACK_KEYS - {"description"})
    ids = set()

    def new_id(where, value):
        if not (isinstance(value, str) and ID_RE.match(value)):
            problem(where, f"`{value}`: use 1-128 of a-z, 0-9, -, _ and .")
        elif value in ids:
            problem(where, f"`{value}` is used twice in this pack")
        ids.add(value)

    if not (isinstance(pack.get("id"), str) and ID_RE.match(pack["id"])):
        problem("pack.json.id", "use 1-128 of a-z, 0-9, -, _ and .")
    order = []  # (module id, lesson id) in pack order
    for t, track in enumerate(pack.get("tracks", [])):
        at = f"pack.json.tracks[{t}]"
        keys_ok(at, track, TRACK_KEYS, TRACK_KEYS - {"description"})
        new_id(f"{at}.id", track.get("id"))
        for c, course in enumerate(track.get("courses", [])):
            at_c = f"{at}.courses[{c}]"
            keys_ok(at_c, course, COURSE_KEYS, COURSE_KEYS - {"description"})
            new_id(f"{at_c}.id", course.get("id"))
            for m, module in enumerate(course.get("modules", [])):
                at_m = f"{at_c}.modules[{m}]"
                keys_ok(at_m, module, MODULE_KEYS, MODULE_KEYS)
                new_id(f"{at_m}.id", module.get("id"))
                if not module.get("lessons"):
                    problem(at_m, "a module needs at least one lesson")
                for lesson_id in module.get("lessons", []):
                    new_id(f"{at_m}.lessons", lesson_id)
                    order.append(lesson_id)

    counts = {"explanation": 0, "quiz": 0, "code_exercise": 0, "mini_project": 0}
    tests_total = words_total = 0
    referenced = set()
    seen_lessons = []
    for lesson_id in order:
        path = lessons_dir / f"{lesson_id}.json"
        where = f"lessons/{lesson_id}.json"
        try:
            lesson = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            problem(where, f"cannot load: {e}")
            continue
        if not keys_ok(where, lesson, LESSON_KEYS, {"id", "title", "topic", "steps"}):
            continue
        if lesson["id"] != lesson_id:
            problem(where, f"id `{lesson['id']}` must match the file name")
        for f in ("title", "topic", "summary"):
            if not nonempty_str(lesson.get(f)):
                problem(where, f"{f} must be a non-empty string")
        if not (is_int(lesson.get("estimated_minutes")) and lesson["estimated_minutes"] > 0):
            problem(where, "estimated_minutes must be a positive whole number")
        for p in lesson.get("prerequisites", []):
            if p not in order:
                problem(where, f"prerequisite `{p}` is not a lesson of this pack")
            elif p not in seen_lessons:
                problem(where, f"prerequisite `{p}` comes later in the pack")
        kinds, quiz_kinds = [], set()
        for i, step in enumerate(lesson.get("steps", [])):
            at = f"{where}.steps[{i}]"
            kind = step.get("kind") if isinstance(step, dict) else None
            if kind not in STEP_KEYS:
                problem(at, f"unknown step kind `{kind}`")
                continue
            required = STEP_KEYS[kind] - {"xp", "title", "starter_code", "explanation"}
            if not keys_ok(at, step, STEP_KEYS[kind], required):
                continue
            kinds.append(kind)
            counts[kind] += 1
            sid = step["id"]
            new_id(f"{at}.id", sid)
            if not str(sid).startswith(f"{lesson_id}."):
                problem(at, f"step id `{sid}` should start with `{lesson_id}.`")
            at = f"{where}[{sid}]"
            if "xp" in step and not (is_int(step["xp"]) and step["xp"] > 0):
                problem(at, "xp must be a positive whole number")
            file_field = "text_file" if kind == "explanation" else "prompt_file"
            if file_field in step:
                rel = step[file_field]
                file = lessons_dir / rel
                if ".." in Path(rel).parts or Path(rel).is_absolute():
                    problem(at, f"`{rel}` must stay inside the pack")
                elif not file.is_file():
                    problem(at, f"{file_field} `{rel}` does not exist")
                else:
                    referenced.add(file.resolve())
                    words = check_markdown(at, file, kind == "explanation")
                    if kind == "explanation":
                        words_total += words
            if kind == "explanation" and not nonempty_str(step.get("title")):
                problem(at, "explanation needs a title")
            elif kind == "quiz":
                qk = check_question(f"{at}.question", step["question"])
                if qk:
                    quiz_kinds.add(qk)
                if not nonempty_str(step.get("explanation")):
                    problem(at, "quiz needs an explanation")
            elif kind == "code_exercise":
                tests_total += check_exercise(at, step)
            elif kind == "mini_project":
                rubric = step["rubric"]
                if not (isinstance(rubric, list) and rubric):
                    problem(at, "rubric needs at least one criterion")
                    continue
                rids = set()
                for c, crit in enumerate(rubric):
                    at_r = f"{at}.rubric[{c}]"
                    if not keys_ok(at_r, crit, RUBRIC_KEYS, RUBRIC_KEYS):
                        continue
                    if crit["id"] in rids:
                        problem(at_r, f"id `{crit['id']}` is used twice")
                    rids.add(crit["id"])
                    if not (is_int(crit["points"]) and crit["points"] >= 1):
                        problem(at_r, "points must be a whole number >= 1")
                    if not (nonempty_str(crit["criterion"]) and nonempty_str(crit["description"])):
                        problem(at_r, "criterion and description must be non-empty")
        # Course-level expectations for this pack.
        if "explanation" not in kinds:
            problem(where, "needs at least one explanation")
        if not 2 <= kinds.count("quiz") <= 4:
            problem(where, f"has {kinds.count('quiz')} quiz questions; want 2-4")
        elif len(quiz_kinds) < 2:
            problem(where, "quiz questions should be of at least two kinds")
        if "code_exercise" not in kinds:
            problem(where, "needs at least one code exercise")
        if ("mini_project" in kinds) != (lesson_id == order[-1]):
            problem(where, "the mini-project belongs in the last lesson (and only there)")
        seen_lessons.append(lesson_id)

    for file in sorted(lessons_dir.rglob("*.md")):
        if file.resolve() not in referenced:
            problem(f"lessons/{file.relative_to(lessons_dir)}", "is not referenced by any step")
    for file in sorted(lessons_dir.glob("*.json")):
        if file.stem not in order:
            problem(f"lessons/{file.name}", "is not listed in any module")

    for p in problems:
        print(p)
    status = "OK" if not problems else f"{len(problems)} problem(s)"
    print(f"{pack.get('id')}: {status} - {len(seen_lessons)} lessons, {counts['explanation']} explanations "
          f"({words_total} words), {counts['quiz']} quizzes, {counts['code_exercise']} code exercises "
          f"({tests_total} tests{', all reference solutions pass' if not problems else ''}), {counts['mini_project']} mini-project "
          f"[{sys.executable.rsplit('/', 1)[-1]} {sys.version.split()[0]}]")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
