"""Tessera's code-review checker: reads a Python program on stdin and prints what it finds
as one JSON object on stdout. It never runs the program: it parses it with `ast` and reads
its lines, so a learner's code cannot steer its own review beyond what its text says.

It runs in the Python sandbox (CPython 3.14, a fresh instance per run; only the standard
library modules the sandbox snapshots can be imported: `ast`, `json`, `re`, `builtins`
and `sys` are among them). Keep it working on CPython 3.9+ too: the tests run it with the
machine's python3.

Output: {"findings": [{"line", "col", "code", "message", "severity"}], "truncated",
"stats": {...}}, or {"syntax_error": {"line", "col", "message"}, "stats": {...}}.
Severities: "error", "warning", "style", "info" (components/code-review-agent/README.md).
"""

import ast
import builtins
import json
import re
import sys

MAX_FINDINGS = 60
MAX_LINE = 79
MAX_COMPLEXITY = 10
MAX_NESTING = 3

SNAKE = re.compile(r"^_{0,2}[a-z][a-z0-9_]*$|^_+$")
CAPWORDS = re.compile(r"^_?[A-Z][a-zA-Z0-9]*$")
UPPER = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
# Shadowing these hides a builtin a learner will want later; the less common ones
# (`copyright`, `credits`) are left out so the list stays about real mistakes.
BUILTINS = {
    name for name in dir(builtins)
    if name[:1].islower() and name not in ("copyright", "credits", "license", "exit", "quit")
}
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = FUNCTIONS + (ast.ClassDef, ast.Lambda)

findings = []


def add(node_or_line, code, message, severity):
    if isinstance(node_or_line, int):
        line, col = node_or_line, 0
    else:
        line, col = getattr(node_or_line, "lineno", 0), getattr(node_or_line, "col_offset", 0)
    findings.append({"line": line, "col": col, "code": code, "message": message,
                     "severity": severity})


def check_lines(lines):
    for number, text in enumerate(lines, 1):
        if len(text) > MAX_LINE:
            add(number, "line-too-long",
                f"line is {len(text)} characters long; PEP 8 keeps lines to {MAX_LINE}",
                "style")
        if text != text.rstrip():
            add(number, "trailing-whitespace", "trailing whitespace at the end of the line",
                "style")
        indent = text[:len(text) - len(text.lstrip())]
        if "\t" in indent and text.strip():
            add(number, "tab-indentation", "indented with a tab; PEP 8 uses 4 spaces",
                "style")


def body_lists(node):
    """The blocks of `node` with the column their statements should be 4 past."""
    col = getattr(node, "col_offset", 0)
    out = [(node.body, col)] if isinstance(getattr(node, "body", None), list) else []
    orelse = getattr(node, "orelse", None)
    # An `elif` is an If inside `orelse`: its own checks cover it.
    if orelse and not (len(orelse) == 1 and isinstance(orelse[0], ast.If)
                       and orelse[0].col_offset == col):
        out.append((orelse, col))
    for handler in getattr(node, "handlers", []) or []:
        out.append((handler.body, handler.col_offset))
    if getattr(node, "finalbody", None):
        out.append((node.finalbody, col))
    return out


def check_indentation(tree):
    for node in ast.walk(tree):
        if not isinstance(node, BLOCKS + FUNCTIONS + (ast.ClassDef,)):
            continue
        for body, col in body_lists(node):
            first = body[0] if body else None
            if first is None or first.lineno == getattr(node, "lineno", -1):
                continue  # a one-line block, `if x: y`
            step = first.col_offset - col
            if step not in (4, 0) and step > 0:
                add(first, "indentation",
                    f"block indented by {step} spaces; PEP 8 uses 4", "style")


def check_blank_lines(tree, lines):
    previous = None
    for node in tree.body:
        if isinstance(node, FUNCTIONS + (ast.ClassDef,)) and previous is not None:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            blank, n = 0, start - 2
            while n >= 0 and not lines[n].strip():
                blank, n = blank + 1, n - 1
            comment = n >= 0 and lines[n].lstrip().startswith("#")
            if blank < 2 and not comment:
                add(start, "blank-lines",
                    "PEP 8 puts two blank lines before a top-level def or class", "style")
        previous = node


def stored_names(node):
    """Names a target binds (`a`, `a, b`, `*rest`), not attributes or subscripts."""
    if isinstance(node, ast.Name):
        yield node
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from stored_names(element)
    elif isinstance(node, ast.Starred):
        yield from stored_names(node.value)


def check_names(tree):
    seen = set()

    def once(kind, name):
        key = (kind, name)
        if key in seen:
            return False
        seen.add(key)
        return True

    def variable(name_node, module_level):
        name = name_node.id
        if name in BUILTINS and once("builtin", name):
            add(name_node, "shadowed-builtin",
                f"`{name}` hides the builtin `{name}()`; pick another name", "warning")
        elif not SNAKE.match(name) and not (module_level and UPPER.match(name)):
            if once("variable", name):
                add(name_node, "variable-name",
                    f"variable `{name}` is not snake_case (PEP 8: lower_case_with_underscores)",
                    "style")

    def visit(node, module_level):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCTIONS):
                if not SNAKE.match(child.name) and not (
                        child.name.startswith("__") and child.name.endswith("__")):
                    add(child, "function-name",
                        f"function `{child.name}` is not snake_case (PEP 8)", "style")
                if child.name in BUILTINS and once("builtin", child.name):
                    add(child, "shadowed-builtin",
                        f"function `{child.name}` hides the builtin `{child.name}()`",
                        "warning")
                args = child.args
                for arg in args.posonlyargs + args.args + args.kwonlyargs + [
                        a for a in (args.vararg, args.kwarg) if a]:
                    if arg.arg in ("self", "cls"):
                        continue
                    if arg.arg in BUILTINS and once("builtin", arg.arg):
                        add(arg, "shadowed-builtin",
                            f"parameter `{arg.arg}` hides the builtin `{arg.arg}()`",
                            "warning")
                    elif not SNAKE.match(arg.arg) and once("variable", arg.arg):
                        add(arg, "variable-name",
                            f"parameter `{arg.arg}` is not snake_case (PEP 8)", "style")
                visit(child, False)
            elif isinstance(child, ast.ClassDef):
                if not CAPWORDS.match(child.name):
                    add(child, "class-name",
                        f"class `{child.name}` is not CapWords (PEP 8: e.g. `ShoppingCart`)",
                        "style")
                visit(child, False)
            else:
                targets = []
                if isinstance(child, ast.Assign):
                    targets = child.targets
                elif isinstance(child, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
                    targets = [child.target]
                elif isinstance(child, ast.NamedExpr):
                    targets = [child.target]
                for target in targets:
                    for name_node in stored_names(target):
                        variable(name_node, module_level)
                visit(child, module_level)

    visit(tree, True)


def check_imports(tree):
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                imported.setdefault(name, (node, alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                if alias.name != "*":
                    imported.setdefault(alias.asname or alias.name, (node, alias.name))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}
    exported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            for element in getattr(node.value, "elts", []):
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    exported.add(element.value)
    for name, (node, full) in imported.items():
        if name not in used and name not in exported:
            add(node, "unused-import", f"`{full}` is imported but never used", "warning")


def own_nodes(function):
    """The nodes of `function`'s own scope: nested functions, lambdas and classes left out
    (their names are theirs)."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, SCOPES):
                stack.append(child)


def check_unused_locals(tree):
    for function in ast.walk(tree):
        if not isinstance(function, FUNCTIONS):
            continue
        declared, loop_targets = set(), set()
        assigned = {}
        for node in own_nodes(function):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                declared.update(node.names)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                loop_targets.update(n.id for n in stored_names(node.target))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    # Unpacking names several values; leaving one unused is common and fine.
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, target)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.value is not None:
                assigned.setdefault(node.target.id, node.target)
        loaded = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, (ast.Load, ast.Del))}
        # `x += 1` reads x too.
        loaded |= {n.target.id for n in ast.walk(function)
                   if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
        for name, node in assigned.items():
            if name in loaded or name in declared or name in loop_targets \
                    or name.startswith("_"):
                continue
            add(node, "unused-variable",
                f"`{name}` is assigned in `{function.name}` but never used", "warning")


def complexity(function):
    """McCabe-style: 1 + each decision point of the function's own body."""
    count = 1
    for node in own_nodes(function):
        if isinstance(node, (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While,
                             ast.ExceptHandler, ast.Assert)):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
        elif type(node).__name__ == "match_case":
            count += 1
    return count


def nesting(node, depth=0):
    deepest = depth
    for child in ast.iter_child_nodes(node):
        if isinstance(child, SCOPES):
            continue
        inner = depth + 1 if isinstance(child, BLOCKS) and not (
            isinstance(child, ast.If) and isinstance(node, ast.If)
            and child in node.orelse) else depth
        deepest = max(deepest, nesting(child, inner))
    return deepest


def check_functions(tree, stats):
    for node in ast.walk(tree):
        if isinstance(node, FUNCTIONS):
            score = complexity(node)
            stats["max_complexity"] = max(stats["max_complexity"], score)
            if score > MAX_COMPLEXITY:
                add(node, "complex-function",
                    f"`{node.name}` has {score} decision points (more than "
                    f"{MAX_COMPLEXITY}); split it into smaller functions", "warning")
            depth = nesting(node)
            stats["max_nesting"] = max(stats["max_nesting"], depth)
            if depth > MAX_NESTING:
                add(node, "deep-nesting",
                    f"`{node.name}` nests blocks {depth} deep; return early or extract a "
                    "helper", "warning")
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
                mutable = isinstance(default, (ast.List, ast.Dict, ast.Set)) or (
                    isinstance(default, ast.Call) and isinstance(default.func, ast.Name)
                    and default.func.id in ("list", "dict", "set"))
                if mutable:
                    add(default, "mutable-default",
                        f"`{node.name}` has a mutable default argument, shared by every "
                        "call; default to None and create it inside", "warning")


def check_docstrings(tree, stats):
    def public(name):
        return not name.startswith("_")

    def visit(parent):
        for node in parent.body:
            if isinstance(node, FUNCTIONS) and public(node.name):
                stats["public_functions"] += 1
                if ast.get_docstring(node) is None:
                    add(node, "missing-docstring",
                        f"public function `{node.name}` has no docstring", "info")
            elif isinstance(node, ast.ClassDef):
                visit(node)

    visit(tree)


def check_expressions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is None:
            add(node, "bare-except",
                "bare `except:` also catches KeyboardInterrupt and SystemExit; name the "
                "exception (e.g. `except ValueError:`)", "warning")
        elif isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, ast.Constant):
                    if right.value is None:
                        better = "is None" if isinstance(op, ast.Eq) else "is not None"
                        add(node, "none-comparison",
                            f"compare with None using `{better}`, not `==`/`!=`", "warning")
                    elif isinstance(right.value, bool):
                        add(node, "bool-comparison",
                            f"`== {right.value}` is redundant; test the value itself",
                            "style")
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            it = node.iter
            if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                    and it.func.id == "range" and len(it.args) == 1
                    and isinstance(it.args[0], ast.Call)
                    and isinstance(it.args[0].func, ast.Name)
                    and it.args[0].func.id == "len" and len(it.args[0].args) == 1):
                add(node, "range-len",
                    "`for i in range(len(x))`: iterate over x directly, or use "
                    "`enumerate(x)` when you need the index too", "style")


def main():
    source = sys.stdin.read()
    lines = source.splitlines()
    stats = {"lines": sum(1 for line in lines if line.strip()), "functions": 0,
             "classes": 0, "public_functions": 0, "max_complexity": 0, "max_nesting": 0}
    try:
        tree = ast.parse(source, "<learner>")
    except SyntaxError as e:
        print(json.dumps({"syntax_error": {"line": e.lineno or 0, "col": e.offset or 0,
                                           "message": str(e.msg)}, "stats": stats}))
        return
    stats["functions"] = sum(isinstance(n, FUNCTIONS) for n in ast.walk(tree))
    stats["classes"] = sum(isinstance(n, ast.ClassDef) for n in ast.walk(tree))
    check_lines(lines)
    check_indentation(tree)
    check_blank_lines(tree, lines)
    check_names(tree)
    check_imports(tree)
    check_unused_locals(tree)
    check_functions(tree, stats)
    check_docstrings(tree, stats)
    check_expressions(tree)
    findings.sort(key=lambda f: (f["line"], f["col"], f["code"]))
    print(json.dumps({"findings": findings[:MAX_FINDINGS],
                      "truncated": len(findings) > MAX_FINDINGS, "stats": stats}))


try:
    main()
except (RecursionError, MemoryError):
    print(json.dumps({"too_complex": "the code is nested too deeply to check"}))
