//! The Python sandbox over HTTP: plain runs, test-case runs, hostile code, bad input and
//! the queue bound. Each hostile program ends in its typed status, and the next run starts
//! clean on a server that keeps serving.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Server, client_with_token, eventually, plugins_dir};

/// Deadline given to hostile programs, so the suite does not wait 5 s per case.
const SHORT_MS: u64 = 1_000;

async fn run(server: &Server, body: Value) -> Value {
    let (status, reply) = server.post("/api/v1/sandbox/run", &body).await;
    assert_eq!(status, 200, "{body} -> {reply}");
    reply
}

async fn run_code(server: &Server, code: &str) -> Value {
    run(server, json!({ "code": code, "timeout_ms": SHORT_MS })).await
}

fn stdout(reply: &Value) -> &str {
    reply["stdout"].as_str().unwrap()
}

#[tokio::test]
async fn a_plain_run_reports_output_exit_code_duration_and_memory() {
    let server = Server::start(&[plugins_dir()]).await;
    let r = run(&server, json!({ "code": "print('hi')" })).await;
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(stdout(&r), "hi\n");
    assert_eq!(r["stderr"], "");
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["error"], Value::Null);
    assert_eq!(r["truncated"], json!({ "stdout": false, "stderr": false }));
    assert!(r["duration_ms"].as_f64().unwrap() > 0.0, "{r}");
    // The interpreter alone is several MiB of linear memory.
    assert!(r["memory_bytes"].as_u64().unwrap() > 4 << 20, "{r}");

    let r = run(
        &server,
        json!({ "code": "name = input()\nprint(f'hello {name}', sum(map(int, input().split())))",
                "stdin": "Ada\n1 2 3\n" }),
    )
    .await;
    assert_eq!(stdout(&r), "hello Ada 6\n", "{r}");
}

#[tokio::test]
async fn errors_name_their_type_message_and_line() {
    let server = Server::start(&[plugins_dir()]).await;

    let r = run_code(&server, "x = 1\nprint('before')\nprint(x / 0)").await;
    assert_eq!(r["status"], "runtime_error", "{r}");
    assert_eq!(r["error"]["type"], "ZeroDivisionError");
    assert_eq!(r["error"]["message"], "division by zero");
    assert_eq!(r["error"]["line"], 3);
    assert_eq!(stdout(&r), "before\n", "output before the error is kept");
    assert!(r["stderr"].as_str().unwrap().contains("Traceback"), "{r}");
    assert_eq!(r["exit_code"], 1);

    let r = run_code(&server, "def f(:\n    pass").await;
    assert_eq!(r["status"], "syntax_error", "{r}");
    assert_eq!(r["error"]["type"], "SyntaxError");
    assert_eq!(r["error"]["line"], 1);

    let r = run_code(&server, "import sys\nprint('bye')\nsys.exit(3)").await;
    assert_eq!(r["status"], "runtime_error", "{r}");
    assert_eq!(r["exit_code"], 3);
    assert_eq!(stdout(&r), "bye\n");

    let r = run_code(&server, "import sys\nsys.exit(0)").await;
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(r["exit_code"], 0);

    // os._exit leaves the interpreter at once: a WASI exit the host maps to the exit code.
    // WASI 0.2's `exit` carries success or failure only, so every non-zero code is 1.
    let r = run_code(&server, "import os\nprint('last words')\nos._exit(7)").await;
    assert_eq!(r["status"], "runtime_error", "{r}");
    assert_eq!(r["exit_code"], 1);
    assert_eq!(stdout(&r), "last words\n");
    let r = run_code(&server, "import os\nos._exit(0)").await;
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(r["exit_code"], 0);

    // Tracebacks show the learner's lines, not the sandbox's.
    let r = run_code(&server, "def f():\n    return {}['k']\nf()").await;
    let trace = r["stderr"].as_str().unwrap();
    assert!(trace.contains("return {}['k']"), "{trace}");
    assert!(!trace.contains("app.py"), "{trace}");
    assert_eq!(r["error"]["line"], 2);
}

/// (name, program, expected status, expected error type or "")
const HOSTILE: &[(&str, &str, &str, &str)] = &[
    ("busy loop", "while True:\n    pass", "timeout", "Timeout"),
    (
        "sleep",
        "import time\ntime.sleep(3600)",
        "timeout",
        "Timeout",
    ),
    ("huge power", "x = 10**(10**9)", "timeout", "Timeout"),
    (
        "memory bomb",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 20))",
        "memory_limit",
        "MemoryError",
    ),
    (
        "one huge allocation",
        "b = bytearray(500 << 20)",
        "memory_limit",
        "MemoryError",
    ),
    (
        "caught memory error",
        "try:\n    b = bytearray(500 << 20)\nexcept MemoryError:\n    print('survived')",
        "memory_limit",
        "MemoryError",
    ),
    // Python frames live on the heap in CPython 3.14: deep recursion runs out of memory.
    (
        "recursion bomb with a raised limit",
        "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1)\nf(0)",
        "memory_limit",
        "MemoryError",
    ),
    // Recursion in C (the JSON parser, repr of nested lists) overflows the wasm stack.
    (
        "C recursion bomb",
        "import json\nx = json.loads('[' * 100000 + ']' * 100000)",
        "runtime_error",
        "RecursionError",
    ),
    (
        "print flood",
        "while True:\n    print('x' * 1000)",
        "output_limit",
        "OutputLimit",
    ),
    (
        "flood that swallows the limit",
        "while True:\n    try:\n        print('y' * 1000)\n    except BaseException:\n        pass",
        "output_limit",
        "OutputLimit",
    ),
    (
        "raw fd flood",
        "import os\nwhile True:\n    os.write(1, b'z' * 100000)",
        "output_limit",
        "OutputLimit",
    ),
    (
        "stderr flood",
        "import sys\nwhile True:\n    sys.stderr.write('e' * 5000)",
        "output_limit",
        "OutputLimit",
    ),
    (
        "read /etc/passwd",
        "print(open('/etc/passwd').read())",
        "runtime_error",
        "FileNotFoundError",
    ),
    (
        "list /",
        "import os\nprint(os.listdir('/'))",
        "runtime_error",
        "FileNotFoundError",
    ),
    (
        "socket",
        "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 5432))",
        "runtime_error",
        "ModuleNotFoundError",
    ),
    (
        "subprocess",
        "import subprocess\nsubprocess.run(['ls'])",
        "runtime_error",
        "ModuleNotFoundError",
    ),
    (
        "ctypes",
        "import ctypes",
        "runtime_error",
        "ModuleNotFoundError",
    ),
    (
        "os.system",
        "import os\nos.system('ls')",
        "runtime_error",
        "AttributeError",
    ),
];

#[tokio::test]
async fn hostile_programs_end_in_their_typed_status_and_the_next_run_is_clean() {
    let server = Server::start(&[plugins_dir()]).await;
    for &(name, code, status, error_type) in HOSTILE {
        let started = Instant::now();
        let r = run_code(&server, code).await;
        let elapsed = started.elapsed();
        assert_eq!(r["status"], status, "{name}: {r}");
        if !error_type.is_empty() {
            assert_eq!(r["error"]["type"], error_type, "{name}: {r}");
        }
        // Not a speed assertion (the bench measures that): a run that never came back
        // would hang the suite.
        assert!(elapsed < Duration::from_secs(10), "{name} took {elapsed:?}");
        let out = stdout(&r);
        assert!(
            !out.contains("root:"),
            "{name}: the host's files leaked: {out}"
        );
        if status == "output_limit" {
            let cut = &r["truncated"];
            assert!(
                cut["stdout"] == true || cut["stderr"] == true,
                "{name}: {r}"
            );
            let kept = out.len().max(r["stderr"].as_str().unwrap().len());
            assert!(kept <= 65_536, "{name}: kept {kept} bytes");
            assert!(
                kept > 60_000,
                "{name}: the first 64 KiB are kept, got {kept}"
            );
        }
        let next = run_code(&server, "print(sum(range(10)))").await;
        assert_eq!(next["status"], "ok", "run after {name}: {next}");
        assert_eq!(stdout(&next), "45\n", "run after {name}");
    }
}

#[tokio::test]
async fn output_before_a_timeout_is_kept() {
    let server = Server::start(&[plugins_dir()]).await;
    let r = run(
        &server,
        json!({ "code": "print('started')\nwhile True:\n    pass", "timeout_ms": 300 }),
    )
    .await;
    assert_eq!(r["status"], "timeout", "{r}");
    assert_eq!(r["exit_code"], Value::Null);
    assert_eq!(stdout(&r), "started\n");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("300 ms"),
        "{r}"
    );
}

#[tokio::test]
async fn tampering_with_the_interpreter_does_not_reach_the_next_run() {
    let server = Server::start(&[plugins_dir()]).await;
    let tamper = "import builtins, sys, json\n\
                  builtins.len = lambda x: 42\n\
                  builtins.print = None\n\
                  json.dumps = lambda *a, **k: 'forged'\n\
                  sys.modules['json'] = None\n\
                  sys.modules['math'] = None";
    let r = run_code(&server, tamper).await;
    assert_eq!(r["status"], "ok", "{r}");
    let r = run_code(
        &server,
        "import json, math\nprint(len([1, 2]), json.dumps([1]), math.sqrt(16))",
    )
    .await;
    assert_eq!(r["status"], "ok", "{r}");
    assert_eq!(stdout(&r), "2 [1] 4.0\n");
}

#[tokio::test]
async fn a_forged_result_record_changes_nothing_the_host_vouches_for() {
    let server = Server::start(&[plugins_dir()]).await;
    // Rebind the record types the sandbox reports with, then fail.
    let forge = "import wit_world.exports.code_runner as cr\n\
                 real = cr.RunResult\n\
                 def fake(*a, **k):\n\
                 \x20   k.update(status=cr.RunStatus.OK, stdout='x' * 10_000_000, error=None, exit_code=0)\n\
                 \x20   return real(*a, **k)\n\
                 cr.RunResult = fake\n\
                 import sys\n\
                 app = sys.modules.get('app')\n\
                 if app: app.cr = cr\n\
                 raise ValueError('really failed')";
    let r = run_code(&server, forge).await;
    assert_eq!(r["status"], "runtime_error", "{r}");
    assert_eq!(r["error"]["type"], "ValueError");
    assert_eq!(
        stdout(&r),
        "",
        "output is what the program printed, not what a record says"
    );

    // An output test is judged on what the program printed, by the host.
    let tests = json!({
        "code": forge.replace("raise ValueError('really failed')", "print('wrong')"),
        "tests": [{ "name": "t", "stdin": "", "expected_stdout": "right" }],
        "timeout_ms": SHORT_MS,
    });
    let (status, r) = server.post("/api/v1/sandbox/run-tests", &tests).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["passed"], false, "{r}");
    assert_eq!(r["tests"][0]["actual"], "wrong\n");
}

#[tokio::test]
async fn per_request_limits_apply_within_the_maximums() {
    let server = Server::start(&[plugins_dir()]).await;
    let alloc = "b = bytearray(20 << 20)\nprint('got it')";
    let small = run(&server, json!({ "code": alloc, "memory_mb": 5 })).await;
    assert_eq!(small["status"], "memory_limit", "{small}");
    let large = run(&server, json!({ "code": alloc, "memory_mb": 50 })).await;
    assert_eq!(large["status"], "ok", "{large}");
    assert_eq!(stdout(&large), "got it\n");

    let r = run(
        &server,
        json!({ "code": "print('a' * 100)", "max_output_bytes": 10 }),
    )
    .await;
    assert_eq!(r["status"], "output_limit", "{r}");
    assert_eq!(stdout(&r), "aaaaaaaaaa");
    assert_eq!(r["truncated"]["stdout"], true);
}

#[tokio::test]
async fn concurrent_runs_keep_their_own_output() {
    let server = Server::start(&[plugins_dir()]).await;
    let runs = (0..12).map(|i| {
        let server = &server;
        async move {
            let code =
                format!("import random\nfor _ in range(200):\n    x = random.random()\nprint({i})");
            (i, run_code(server, &code).await)
        }
    });
    for (i, r) in futures::future::join_all(runs).await {
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(stdout(&r), format!("{i}\n"));
    }
}

const ADD: &str = "def add(a, b):\n    return a + b\n\n\
                   import sys\n\
                   words = sys.stdin.read().split()\n\
                   if words:\n    print(add(int(words[0]), int(words[1])))\n";

#[tokio::test]
async fn test_case_runs_report_each_test_and_a_summary() {
    let server = Server::start(&[plugins_dir()]).await;
    let body = json!({
        "code": format!("{ADD}\ndef slow():\n    while True:\n        pass\n"),
        "timeout_ms": SHORT_MS,
        "tests": [
            { "name": "stdin sum", "stdin": "1 2", "expected_stdout": "3\n\n" },
            { "name": "stdin wrong", "stdin": "2 2", "expected_stdout": "5" },
            { "name": "assert ok", "assert": "add(1, 2) == 3" },
            { "name": "assert wrong", "assert": "add(2, 2) == 5" },
            { "name": "assert truthy", "assert": "callable(add)" },
            { "name": "missing name", "assert": "subtract(1, 2) == -1" },
            { "name": "hangs", "assert": "slow()" },
        ]
    });
    let (status, r) = server.post("/api/v1/sandbox/run-tests", &body).await;
    assert_eq!(status, 200, "{r}");
    let tests = r["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    let by_name = |n: &str| tests.iter().find(|t| t["name"] == n).unwrap();

    let t = by_name("stdin sum");
    assert_eq!(
        (t["passed"].clone(), t["status"].clone()),
        (json!(true), json!("ok")),
        "{t}"
    );
    assert_eq!(t["actual"], "3\n");

    let t = by_name("stdin wrong");
    assert_eq!(t["passed"], false);
    assert_eq!(t["expected"], "5");
    assert_eq!(t["actual"], "4\n");

    assert_eq!(by_name("assert ok")["passed"], true, "{r}");

    let t = by_name("assert wrong");
    assert_eq!(t["passed"], false, "{t}");
    assert_eq!(t["expected"], "5");
    assert_eq!(t["actual"], "4");

    assert_eq!(by_name("assert truthy")["passed"], true, "{r}");

    let t = by_name("missing name");
    assert_eq!(t["passed"], false);
    assert_eq!(t["status"], "runtime_error");
    assert_eq!(t["error"]["type"], "NameError", "{t}");

    let t = by_name("hangs");
    assert_eq!(t["passed"], false);
    assert_eq!(t["status"], "timeout", "{t}");

    let summary = &r["summary"];
    assert_eq!(summary["total"], 7);
    assert_eq!(summary["passed"], 3);
    assert_eq!(summary["failed"], 4);
    assert_eq!(summary["statuses"]["timeout"], 1, "{summary}");
    assert_eq!(r["passed"], false);
}

/// Posts one test-case run and returns each test's result.
async fn tests_of(server: &Server, code: &str, asserts: &[&str]) -> Vec<Value> {
    let tests: Vec<Value> = asserts
        .iter()
        .map(|a| json!({ "name": a, "assert": a }))
        .collect();
    let body = json!({ "code": code, "tests": tests, "timeout_ms": SHORT_MS * 3 });
    let (status, r) = server.post("/api/v1/sandbox/run-tests", &body).await;
    assert_eq!(status, 200, "{r}");
    r["tests"].as_array().unwrap().clone()
}

/// Programs that try to pass assertion tests without doing the work: each test must fail.
const CHEATS: &[(&str, &str, &[&str])] = &[
    (
        "an object whose == is always true",
        "class A:\n    __eq__ = lambda s, o: True\n    __hash__ = object.__hash__\n\
         def add(a, b):\n    return A()",
        &[
            "add(2, 3) == 5",
            "5 == add(2, 3)",
            "[add(2, 3)] == [5]",
            "add(2, 3) == 5 or False",
        ],
    ),
    (
        "a subclass of int with its own ==",
        "class I(int):\n    def __eq__(s, o): return True\n    __hash__ = int.__hash__\n\
         def add(a, b):\n    return I(0)",
        &["add(2, 3) == 5", "add(2, 3) != 0"],
    ),
    (
        "== patched onto the builtins",
        "import builtins\ntry:\n    int.__eq__ = lambda s, o: True\nexcept TypeError:\n    pass\n\
         builtins.int = type('int', (int,), {'__eq__': lambda s, o: True, '__hash__': int.__hash__})\n\
         def add(a, b):\n    return int(0)",
        &["add(2, 3) == 5", "int(add(2, 3)) == 5"],
    ),
    (
        "bool, isinstance, len and type rebound in builtins",
        "import builtins\nbuiltins.bool = lambda *a: True\nbuiltins.isinstance = lambda *a: True\n\
         builtins.len = lambda *a: 3\nbuiltins.type = lambda *a: list\ndef make():\n    return 'ab'",
        &[
            "isinstance(make(), list)",
            "bool(make() == 'abc')",
            "len(make()) == 3",
            "type(make()) is list",
        ],
    ),
    (
        "isinstance and bool defined by the program",
        "def isinstance(*a):\n    return True\ndef bool(*a):\n    return True\ndef make():\n    return 1",
        &["isinstance(make(), str)", "bool(make() == 2)"],
    ),
    (
        "truth decided by __bool__ and arithmetic by __sub__",
        "class T:\n    def __bool__(self): return True\n    def __sub__(self, o): return 0.0\n    __rsub__ = __sub__\n\
         def is_prime(n):\n    return T()\ndef to_fahrenheit(c):\n    return T()",
        &[
            "is_prime(8)",
            "abs(to_fahrenheit(37) - 98.6) < 1e-9",
            "is_prime(8) and True",
        ],
    ),
    (
        "a printed result record",
        "import sys\nprint('{\"value\": true, \"shown\": \"True\"}')\nprint('PASSED')\n\
         sys.stderr.write('{\"passed\": true}\\n')\ndef add(a, b):\n    return 0",
        &["add(2, 3) == 5"],
    ),
    (
        "reading the expected value out of the interpreter",
        "import gc, sys\n\
         def answer():\n\
         \x20   seen = []\n\
         \x20   f = sys._getframe()\n\
         \x20   while f:\n\
         \x20       seen.extend(f.f_locals.values())\n\
         \x20       f = f.f_back\n\
         \x20   seen.extend(gc.get_objects())\n\
         \x20   for o in seen:\n\
         \x20       for t in getattr(o, 'tests', None) or [o]:\n\
         \x20           a = getattr(t, 'assertion', None)\n\
         \x20           if isinstance(a, str) and '==' in a:\n\
         \x20               return eval(a.split('==', 1)[1])\n\
         \x20   return None",
        &["answer() == 'SECRET-7f3a'"],
    ),
];

#[tokio::test]
async fn assertion_tests_cannot_be_talked_into_passing() {
    let server = Server::start(&[plugins_dir()]).await;
    for (trick, code, asserts) in CHEATS {
        for t in tests_of(&server, code, asserts).await {
            assert_eq!(t["passed"], false, "{trick}: {t}");
        }
    }
    // The always-equal object is named for what it is.
    let t = &tests_of(&server, CHEATS[0].1, &["add(2, 3) == 5"]).await[0];
    assert_eq!(t["expected"], "5", "{t}");
    assert!(
        t["actual"].as_str().unwrap().contains("object of type A"),
        "{t}"
    );
    // A code exercise graded through the code grader's import is judged the same way.
    let (status, grade) = server
        .grade(json!({
            "question": {"kind": "code_exercise", "prompt": "add",
                         "answer_key": {"tests": [{"name": "adds", "assert": "add(2, 3) == 5"}]}},
            "answer": {"code": CHEATS[0].1}
        }))
        .await;
    assert_eq!(status, 200, "{grade}");
    assert_eq!(grade["score"], 0.0, "{grade}");
}

#[tokio::test]
async fn honest_programs_pass_their_assertion_tests() {
    let server = Server::start(&[plugins_dir()]).await;
    let code = "def add(a, b):\n    return a + b\nclass Stack:\n    def __init__(self):\n        self.items = []\n\
                \x20   def push(self, x):\n        self.items.append(x)\n\
                \x20   def pop(self):\n        return self.items.pop()\n\
                s = Stack()\ns.push(1)\ns.push(2)\nnames = {'x': [1, 2.0, (3, 'q')], 'n': None}";
    let asserts = [
        "add(2, 3) == 5",
        "add(2.5, 2.5) == 5",
        "add(True, 0) == 1",
        "[add(1, 1)] == [2.0]",
        "{'k': add(1, 2)} == {'k': 3}",
        "{add(1, 1), 3} == {3, 2}",
        "not add(1, -1)",
        "add(2, 2) != 5 and add(0, 0) == 0",
        "add('a', 'b') == 'ab'",
        "add(2, 3) > 4",
        "add(1, 1) in [2, 3]",
        "s.pop() == 2 and s.pop() == 1",
        "isinstance(s, Stack) and s.items == [1, 2]",
        "names == {'n': None, 'x': [1, 2, (3.0, 'q')]}",
        "add(10 ** 30, 1) == 1000000000000000000000000000001",
        "add(b'a', b'b') == b'ab'",
        "len(str(add(1, 2))) == 1",
        "callable(add)",
    ];
    for t in tests_of(&server, code, &asserts).await {
        assert_eq!(t["passed"], true, "{t}");
    }
    let t = &tests_of(&server, code, &["add(2, 2) == 5"]).await[0];
    assert_eq!(
        (t["expected"].as_str(), t["actual"].as_str()),
        (Some("5"), Some("4"))
    );
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    let server = Server::start_with(
        &[plugins_dir()],
        &["--sandbox-workers", "1", "--sandbox-queue", "1"],
    )
    .await;
    // Three runs that each hold their place for 3 s, against room for two (one running,
    // one waiting): whichever arrives last finds the queue full, in any arrival order.
    let sleeper = json!({ "code": "import time\ntime.sleep(30)", "timeout_ms": 3000 });
    let runs: Vec<_> = (0..3)
        .map(|_| post_later(&server, &server.http, "/api/v1/sandbox/run", &sleeper))
        .collect();
    let mut statuses = Vec::new();
    for run in runs {
        let (status, retry_after, body) = run.await.unwrap();
        if status == 503 {
            assert_eq!(retry_after.as_deref(), Some("1"), "{body}");
            assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("queue is full"),
                "{body}"
            );
        }
        statuses.push(status);
    }
    statuses.sort();
    assert_eq!(statuses, [200, 200, 503]);
    // Room again once they finished.
    let r = run_code(&server, "print(1)").await;
    assert_eq!(r["status"], "ok");
}

/// POSTs `body` to `path` with `client`, in the background; the reply's status,
/// `Retry-After` and body.
fn post_later(
    server: &Server,
    client: &reqwest::Client,
    path: &str,
    body: &Value,
) -> tokio::task::JoinHandle<(u16, Option<String>, Value)> {
    let (client, url, body) = (client.clone(), server.url(path), body.clone());
    tokio::spawn(async move {
        let r = client.post(url).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, retry_after, r.json().await.unwrap_or(Value::Null))
    })
}

#[tokio::test]
async fn one_learner_cannot_fill_the_pool_and_the_queue() {
    // Room for four runs (two running, two waiting), at most two of them one learner's.
    let server = Server::start_with(
        &[plugins_dir()],
        &[
            "--sandbox-workers",
            "2",
            "--sandbox-queue",
            "2",
            "--sandbox-max-runs-per-user",
            "2",
        ],
    )
    .await;
    let learner = |reply: Value| client_with_token(reply["access_token"].as_str().unwrap());
    let greedy = learner(server.register("student").await);
    let other = learner(server.register("student").await);

    // The greedy learner asks for four slow runs at once: two are admitted, two refused.
    let sleeper =
        json!({ "code": "import time\ntime.sleep(4)\nprint('slept')", "timeout_ms": 5000 });
    let mut runs: Vec<_> = (0..4)
        .map(|_| post_later(&server, &greedy, "/api/v1/sandbox/run", &sleeper))
        .collect();
    // A refusal comes back at once and means two runs were admitted then: once one has
    // come back, the greedy learner's share is taken.
    let mut replies = Vec::new();
    let first_back = eventually(
        "a refusal of the greedy learner",
        Duration::from_secs(30),
        async || {
            runs.iter()
                .position(tokio::task::JoinHandle::is_finished)
                .ok_or("all four still waiting")
        },
    )
    .await;
    replies.push(runs.remove(first_back).await.unwrap());
    assert_eq!(
        replies[0].0, 429,
        "the first to come back is refused: {replies:?}"
    );

    // Another learner still gets in while the greedy one's runs are in flight.
    let (status, r) = server
        .post_as(
            &other,
            "/api/v1/sandbox/run",
            &json!({ "code": "print('mine')" }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(stdout(&r), "mine\n");

    for run in runs {
        replies.push(run.await.unwrap());
    }
    let mut statuses = Vec::new();
    for (status, _, body) in replies {
        if status == 429 {
            assert_eq!(body["error"]["code"], "TOO_MANY_RUNS", "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("2 runs"),
                "{body}"
            );
        } else {
            assert_eq!(body["stdout"], "slept\n", "{body}");
        }
        statuses.push(status);
    }
    statuses.sort();
    assert_eq!(statuses, [200, 200, 429, 429]);

    // A test-case run that could never fit the learner's share is refused outright.
    let (status, body) = server
        .post_as(
            &other,
            "/api/v1/sandbox/run-tests",
            &json!({ "code": "x = 1", "tests": [{ "assert": "x == 1" }, { "assert": "x == 1" }, { "assert": "x == 1" }] }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["field"], "tests", "{body}");
}

/// (body, expected HTTP status, field named in the error)
fn bad_inputs() -> Vec<(Value, u16, &'static str)> {
    vec![
        (json!({ "code": "print(1)\u{0}" }), 422, "code"),
        (json!({ "code": "#".repeat(64 * 1024 + 1) }), 422, "code"),
        (
            json!({ "code": "print(1)", "stdin": "x".repeat(1024 * 1024 + 1) }),
            422,
            "stdin",
        ),
        (
            json!({ "code": "print(1)", "timeout_ms": 5001 }),
            422,
            "timeout_ms",
        ),
        (
            json!({ "code": "print(1)", "timeout_ms": 0 }),
            422,
            "timeout_ms",
        ),
        (
            json!({ "code": "print(1)", "memory_mb": 51 }),
            422,
            "memory_mb",
        ),
        (
            json!({ "code": "print(1)", "max_output_bytes": 100_000 }),
            422,
            "max_output_bytes",
        ),
        (
            json!({ "code": "print(1)", "language": "cobol" }),
            422,
            "language",
        ),
        (json!({ "code": 5 }), 400, "code"),
        (json!({ "stdin": "" }), 400, "code"),
        (json!({ "code": "", "extra": 1 }), 400, "extra"),
        (
            json!({ "code": "print(1)", "timeout_ms": -1 }),
            400,
            "timeout_ms",
        ),
    ]
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_field() {
    let server = Server::start(&[plugins_dir()]).await;
    for (body, status, field) in bad_inputs() {
        let (got, reply) = server.post("/api/v1/sandbox/run", &body).await;
        let shown: String = body.to_string().chars().take(80).collect();
        assert_eq!(got, status, "{shown}: {reply}");
        let details = &reply["error"]["details"];
        let named = details["field"].as_str().unwrap_or_default();
        assert!(named.contains(field), "{shown}: names {field}: {reply}");
    }

    // A lone surrogate cannot be UTF-8: refused while parsing, naming the field.
    let r = server
        .http
        .post(server.url("/api/v1/sandbox/run"))
        .header("content-type", "application/json")
        .body(r#"{"code": "print('\ud800')"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let reply: Value = r.json().await.unwrap();
    assert_eq!(reply["error"]["details"]["field"], "code", "{reply}");

    // Raw bytes that are not UTF-8.
    let mut raw = br#"{"code": "print('"#.to_vec();
    raw.extend_from_slice(&[0xff, 0xfe]);
    raw.extend_from_slice(br#"')"}"#);
    let r = server
        .http
        .post(server.url("/api/v1/sandbox/run"))
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    let tests_cases = [
        (json!({ "code": "" }), "tests"),
        (json!({ "code": "", "tests": [] }), "tests"),
        (
            json!({ "code": "", "stdin": "1", "tests": [{ "assert": "True" }] }),
            "stdin",
        ),
        (
            json!({ "code": "\u{0}", "tests": [{ "assert": "True" }] }),
            "code",
        ),
        (
            json!({ "code": "", "tests": [{ "name": "t" }] }),
            "tests[0]",
        ),
        (
            json!({ "code": "", "tests": [{ "expected_stdout": "1", "assert": "True" }] }),
            "tests[0]",
        ),
        (
            json!({ "code": "", "tests": [{ "assert": "True" }, { "assert": "  " }] }),
            "tests[1].assert",
        ),
        (
            json!({ "code": "", "tests": [{ "stdin": "x".repeat(1024 * 1024 + 1), "expected_stdout": "" }] }),
            "tests[0].stdin",
        ),
        (
            json!({ "code": "", "tests": (0..51).map(|_| json!({ "assert": "True" })).collect::<Vec<_>>() }),
            "tests",
        ),
    ];
    for (body, field) in tests_cases {
        let (got, reply) = server.post("/api/v1/sandbox/run-tests", &body).await;
        assert_eq!(got, 422, "{reply}");
        assert_eq!(reply["error"]["details"]["field"], field, "{reply}");
    }

    // Nothing above broke the sandbox.
    let r = run_code(&server, "print('still here')").await;
    assert_eq!(stdout(&r), "still here\n");
}

/// A grader granted `code_runner` runs code through the sandbox (fixture-runner).
#[tokio::test]
async fn a_grader_runs_code_through_its_code_runner_import() {
    let server = Server::start(&[plugins_dir(), crate::support::fixtures_dir()]).await;
    let grade = |code: &str, key: &str| json!({ "question": { "kind": "fixture_code", "answer_key": key }, "answer": code });
    let (status, r) = server.grade(grade("print('hi')", "stdout:hi\n")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["correct"], true, "{r}");

    let (_, r) = server
        .grade(grade("def add(a, b):\n    return a + b", "add(1, 2) == 3"))
        .await;
    assert_eq!(r["correct"], true, "{r}");
    assert_eq!(r["parts"][0]["feedback"], "expected 3 got 3", "{r}");

    let (_, r) = server
        .grade(grade("def add(a, b):\n    return a - b", "add(1, 2) == 3"))
        .await;
    assert_eq!(r["correct"], false, "{r}");
    assert_eq!(r["parts"][0]["feedback"], "expected 3 got -1", "{r}");

    // The learner's loop is stopped by the sandbox's deadline, not the grader's.
    let (status, r) = server
        .grade(grade("while True:\n    pass", "stdout:"))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["correct"], false);
    assert!(r["feedback"].as_str().unwrap().contains("Timeout"), "{r}");
}
