"""Schemathesis against a running `tessera serve`: every operation of /openapi.json, as a
student and as an admin. Fails on any server error (5xx) and on any answer the document
does not describe (status, content type, headers, body schema). docs/testing.md.

    python check_api.py --binary PATH [--backend embedded|shared] [--max-time SECONDS]

`embedded` is SQLite with the in-process store; `shared` is a fresh Postgres database and
Redis on 127.0.0.1 (as the e2e tests use them). The operation list is the document's own:
nothing here names a route except the two that end the caller's session, which run last
so they do not turn the rest into 401s.
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree

PASSWORD = "Correct-Horse-7-Battery"
JWT_SECRET = "schemathesis-secret-schemathesis-0123456789"
# What must hold for every answer (docs/testing.md): no 5xx, nothing undocumented.
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
# Operations that end the caller's session or account: tested after everything else.
SESSION_ENDING = r"^(POST /api/v1/auth/logout|DELETE /api/v1/me)$"
# Live streams answer 200 and never end (each example would wait out the request
# timeout): left out here, tested end to end in tests/e2e (struggle.rs for the alerts).
NEVER_ENDING = r"^GET /api/v1/teacher/alerts/stream$"
# The app stores' webhooks answer 503 on a server without store credentials, as this one
# runs: left out here, tested end to end with a test CA and a Google double in
# tests/e2e/billing.rs.
UNCONFIGURED = r"^POST /api/v1/billing/webhooks/(apple|google)$"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def fresh_postgres():
    name = f"tessera_st_{secrets.token_hex(6)}"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", f"CREATE DATABASE {name}"],
        check=True,
    )
    return name, f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_postgres(name):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
        check=False,
    )


def create_user(binary, env, email, role):
    subprocess.run(
        [binary, "user", "create", "--email", email, "--role", role],
        env={**env, "TESSERA_USER_PASSWORD": PASSWORD},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def login(base, email):
    status, body = request(base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    if status != 200:
        sys.exit(f"cannot log in as {email}: {status} {body}")
    return body["access_token"]


def schemathesis(base, token, label, args, exclude=None, include=None):
    """Runs schemathesis once; returns whether it passed."""
    exe = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    cmd = [
        exe,
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Bearer {token}",
        "--workers",
        "1",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--request-timeout",
        "60",
        "--max-failures",
        "50",
        "--no-color",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-dir",
        os.path.join(args.report_dir, label),
    ]
    if exclude:
        cmd += ["--exclude-name-regex", exclude]
    if include:
        cmd += ["--include-name-regex", include]
    print(f"==> schemathesis as {label}", flush=True)
    # Its state (earlier failures, replayed first) lives outside the clone.
    state = os.path.expanduser("~/.cache/tessera/schemathesis-state")
    os.makedirs(state, exist_ok=True)
    # tessera_hooks.py (beside this file): serializers for the API's non-JSON bodies.
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tessera_hooks")
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join(p for p in [here, env.get("PYTHONPATH", "")] if p)
    return subprocess.run(cmd, cwd=state, env=env).returncode == 0


def failure_summary(report_dir, limit=1500):
    """The failing operations of every JUnit report under `report_dir`, each with the start
    of its message: printed last, so a CI log cut to its tail still shows what failed."""
    lines = []
    for root, _, files in os.walk(report_dir):
        for name in sorted(files):
            if not name.endswith(".xml"):
                continue
            label = os.path.basename(root)
            try:
                tree = ElementTree.parse(os.path.join(root, name))
            except ElementTree.ParseError as e:
                lines.append(f"[{label}] unreadable report {name}: {e}")
                continue
            for case in tree.iter("testcase"):
                for problem in list(case.findall("failure")) + list(case.findall("error")):
                    text = (problem.get("message") or "") + "\n" + (problem.text or "")
                    text = text.strip()
                    if len(text) > limit:
                        text = text[:limit] + " …"
                    lines.append(f"[{label}] {case.get('name')}:\n    " + text.replace("\n", "\n    "))
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--backend", choices=["embedded", "shared"], default="embedded")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("TESSERA_API_CHECK_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("TESSERA_API_CHECK_SEED", "1843")))
    parser.add_argument("--report-dir", default=None)
    parser.add_argument("--data-dir", default=None, help="compile cache to reuse (the e2e tests' by default)")
    parser.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="tessera-schemathesis-")
    args.report_dir = args.report_dir or os.path.join(work, "reports")
    data_dir = args.data_dir or os.path.join(work, "data")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "TESSERA_JWT_SECRET")}
    env["RUST_LOG"] = os.environ.get("TESSERA_TEST_LOG", "warn")
    env["TESSERA_DATA_DIR"] = data_dir
    env["TESSERA_JWT_SECRET"] = JWT_SECRET
    pg_name = None
    if args.backend == "shared":
        pg_name, env["DATABASE_URL"] = fresh_postgres()
        env["REDIS_URL"] = "redis://127.0.0.1:6379"
        env["TESSERA_REDIS_PREFIX"] = f"st{secrets.token_hex(4)}:"
    else:
        env["DATABASE_URL"] = f"sqlite://{work}/tessera.db?mode=rwc"

    repo = os.path.abspath(args.repo)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    ok = False
    try:
        # Accounts first (the CLI migrates the database), then the server.
        student, admin = "student@example.com", "admin@example.com"
        create_user(args.binary, env, student, "student")
        create_user(args.binary, env, admin, "admin")
        log = open(os.path.join(work, "server.log"), "w")
        server = subprocess.Popen(
            [
                args.binary,
                "serve",
                "--addr",
                f"127.0.0.1:{port}",
                "--plugins-dir",
                os.path.join(repo, "plugins"),
                "--content-dir",
                os.path.join(repo, "content"),
                # Limits would only turn the run into 429s: they are tested elsewhere.
                "--rate-limit-general",
                "1000000",
                "--rate-limit-auth",
                "1000000",
                "--rate-limit-ai",
                "1000000",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=repo,
        )
        deadline = time.monotonic() + 300
        while True:
            if server.poll() is not None:
                sys.exit(f"tessera serve exited with {server.returncode}; see {log.name}")
            try:
                if request(base, "GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("tessera serve was not ready within 300 s")
            time.sleep(0.5)

        results = []
        for label, email in [("student", student), ("admin", admin)]:
            token = login(base, email)
            results.append(
                schemathesis(base, token, label, args, exclude=f"{SESSION_ENDING}|{NEVER_ENDING}|{UNCONFIGURED}")
            )
            results.append(schemathesis(base, token, f"{label}-last", args, include=SESSION_ENDING))
        if server.poll() is not None:
            print(f"tessera serve died during the run; see {log.name}")
            results.append(False)
        ok = all(results)
    finally:
        if server and server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        if pg_name:
            drop_postgres(pg_name)
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            summary = failure_summary(args.report_dir)
            print(f"schemathesis ({args.backend} backend): {len(summary)} failing operation(s); "
                  f"server log and reports in {work}")
            for line in summary:
                print(line)
            out = os.environ.get("TESSERA_API_CHECK_SUMMARY")
            if out:
                with open(out, "a") as f:
                    f.write(f"schemathesis ({args.backend} backend), seed {args.seed}:\n")
                    f.write("\n".join(summary or ["(no failing case in the reports: see the server log)"]) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
