//! Chaos on the real binary: the server killed with SIGKILL mid-write and mid-job, and
//! Postgres and Redis restarted under load. What a user would notice is asserted: every
//! acknowledged write is there after the restart and nothing is half-written; a grading
//! job cut off is graded by the next server; while a store is down each request fails
//! with 503 and the error body of docs/requirements.md#r-002-9.1 (never a 500 or a dropped
//! connection), and the server recovers by itself once the store is back.
//!
//! Postgres and Redis are restarted as private instances the test starts itself (its own
//! `initdb` cluster and `redis-server`, on ports of their own), so the machine's servers,
//! which the other tests share, are never disturbed. Under `CI=true` their binaries must
//! be there; elsewhere a missing one skips its test with a note.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::learning::{plugin_dirs, rubric_reply, write_pack};
use crate::support::{
    PASSWORD, Server, backends, ci, client_with_token, eventually, eventually_blocking, free_port,
    unique,
};
use crate::upstream::{Behaviour, Upstream, Wire, gateway_with, provider};

/// The plugins and content every chaos server runs with.
fn learning_server_args(pack: &std::path::Path) -> (Vec<PathBuf>, Vec<String>) {
    (
        plugin_dirs(&["quiz-grader", "lesson-engine"]),
        vec![
            "--content-dir".into(),
            pack.display().to_string(),
            // Every attempt stays a row, so counting them shows a lost one.
            "--max-attempts-per-step".into(),
            "100000".into(),
            // The outage load signs in over and over.
            "--rate-limit-login-account".into(),
            "1000000".into(),
        ],
    )
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The quiz steps each learner of the load answers, once each, with the right answer.
fn quiz_answers() -> [(&'static str, Value); 5] {
    let yes = || json!({ "value": true });
    [
        ("a.q1", json!({ "selected": [1] })),
        ("a.q2", yes()),
        ("c.q1", yes()),
        ("c.q2", yes()),
        ("c.q3", yes()),
    ]
}

/// One learner of the load: what the server acknowledged for them.
#[derive(Debug, Default, Clone)]
struct Learner {
    email: String,
    /// Set when the registration was acknowledged (201).
    token: Option<String>,
    /// Quiz steps whose answer was acknowledged (200, recorded fresh).
    acked: Vec<&'static str>,
}

/// Registers learners and has each answer the quiz steps of [`quiz_answers`] until
/// `stop`, or until the server stops answering.
/// `learner_load` tasks against one server, sharing what they had acknowledged.
struct Writers {
    stop: Arc<AtomicBool>,
    learners: Arc<Mutex<Vec<Learner>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    fn start(server: &Server, n: usize) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let learners = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..n)
            .map(|_| {
                tokio::spawn(learner_load(
                    server.base.clone(),
                    stop.clone(),
                    learners.clone(),
                ))
            })
            .collect();
        Writers {
            stop,
            learners,
            tasks,
        }
    }

    /// Quiz answers acknowledged so far, all learners together.
    fn answers(&self) -> usize {
        self.learners
            .lock()
            .unwrap()
            .iter()
            .map(|l| l.acked.len())
            .sum()
    }

    /// Stops the writers and returns every learner with what was acknowledged to them.
    async fn stop(self) -> Vec<Learner> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        self.learners.lock().unwrap().clone()
    }
}

async fn learner_load(base: String, stop: Arc<AtomicBool>, learners: Arc<Mutex<Vec<Learner>>>) {
    let anonymous = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    while !stop.load(Ordering::Relaxed) {
        let email = format!("{}@example.com", unique("chaos"));
        let index = {
            let mut all = learners.lock().unwrap();
            all.push(Learner {
                email: email.clone(),
                ..Learner::default()
            });
            all.len() - 1
        };
        let Ok(r) = anonymous
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({ "email": email, "password": PASSWORD,
                           "full_name": "Chaos Learner", "user_type": "student" }))
            .send()
            .await
        else {
            return;
        };
        if r.status() != 201 {
            continue;
        }
        let Ok(body) = r.json::<Value>().await else {
            return;
        };
        let token = body["access_token"].as_str().unwrap_or_default().to_owned();
        learners.lock().unwrap()[index].token = Some(token.clone());
        let client = client_with_token(&token);
        for (step, answer) in quiz_answers() {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let sent = client
                .post(format!("{base}/api/v1/steps/{step}/quiz"))
                .json(&json!({ "answers": answer }))
                .send()
                .await;
            let Ok(r) = sent else { return };
            if r.status() == 200
                && let Ok(body) = r.json::<Value>().await
                && body["replayed"] == false
            {
                learners.lock().unwrap()[index].acked.push(step);
            }
        }
    }
}

/// After a restart: every learner whose registration was acknowledged signs in, and
/// every answer acknowledged is there (answering again replays it); an account the
/// database holds works (a half-written one would not sign in, or fail after); one it
/// does not hold is unknown, as if never sent.
async fn assert_nothing_lost(server: &Server, learners: &[Learner]) {
    let registered = learners.iter().filter(|l| l.token.is_some()).count();
    let answers: usize = learners.iter().map(|l| l.acked.len()).sum();
    assert!(
        registered >= 3 && answers >= 3,
        "the load did too little: {registered} registrations, {answers} answers"
    );
    for learner in learners {
        let (status, body) = server
            .post_as(
                &server.anonymous,
                "/api/v1/auth/login",
                &json!({ "email": learner.email, "password": PASSWORD }),
            )
            .await;
        if learner.token.is_some() {
            assert_eq!(status, 200, "an acknowledged registration was lost: {body}");
        } else {
            // Sent but not acknowledged: either wholly there or wholly absent.
            assert!(
                status == 200 || status == 401,
                "{}: {status} {body}",
                learner.email
            );
            if status == 401 {
                assert_eq!(body["error"]["code"], "INVALID_CREDENTIALS", "{body}");
                continue;
            }
        }
        let client = client_with_token(body["access_token"].as_str().unwrap());
        for (step, answer) in quiz_answers() {
            let r = client
                .post(server.url(&format!("/api/v1/steps/{step}/quiz")))
                .json(&json!({ "answers": answer }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{} {step}", learner.email);
            let again: Value = r.json().await.unwrap();
            if learner.acked.contains(&step) {
                assert_eq!(
                    again["replayed"], true,
                    "an acknowledged answer to {step} was lost: {again}"
                );
                assert_eq!(again["attempt"], 1, "{again}");
            }
        }
    }
}

#[tokio::test]
async fn a_server_killed_mid_write_loses_no_acknowledged_write() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let (dirs, extra) = learning_server_args(pack.path());
    for backend in backends() {
        let mut server = Server::start_on(backend, &dirs, &strs(&extra)).await;
        let writers = Writers::start(&server, 6);
        // Kill once writes are flowing, while they still are.
        eventually(
            "40 acknowledged answers",
            Duration::from_secs(60),
            async || match writers.answers() {
                n if n >= 40 => Ok(()),
                n => Err(n),
            },
        )
        .await;
        server.kill_9();
        let learners = writers.stop().await;
        let restarted = server.replica(&dirs, &strs(&extra)).await;
        assert_nothing_lost(&restarted, &learners).await;
    }
}

/// A gateway whose `rubric-1` model is `model`, routed for project grading.
fn grading_gateway(model: &Upstream) -> tempfile::TempDir {
    gateway_with(
        &[provider("up", Wire::OpenAi, model.port, &["rubric-1"])],
        &[(
            "routes",
            json!({ "project-grading": ["rubric-1"], "default": ["tessera-offline"] }),
        )],
    )
}

fn project_dirs(gateway: &tempfile::TempDir) -> Vec<PathBuf> {
    let mut dirs = plugin_dirs(&[
        "quiz-grader",
        "lesson-engine",
        "project-grader",
        "safety-filter",
    ]);
    dirs.push(gateway.path().to_owned());
    dirs
}

async fn submit_project(server: &Server, token: &str) -> String {
    let (status, queued) = server
        .post_as(
            &client_with_token(token),
            "/api/v1/projects/b.project/submissions",
            &json!({ "code": "scores = [70, 80, 90]\nprint(sum(scores) / len(scores))\n",
                     "text": "It prints the average." }),
        )
        .await;
    assert_eq!(status, 202, "{queued}");
    queued["submission_id"].as_str().unwrap().to_owned()
}

async fn wait_graded(server: &Server, token: &str, id: &str) -> Value {
    let client = client_with_token(token);
    eventually(
        "the job to be graded",
        Duration::from_secs(60),
        async || {
            let body: Value = client
                .get(server.url(&format!("/api/v1/projects/submissions/{id}")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if body["status"] == "graded" || body["status"] == "failed" {
                Ok(body)
            } else {
                Err(body)
            }
        },
    )
    .await
}

#[tokio::test]
async fn a_grading_job_cut_off_by_kill_9_is_graded_after_the_restart() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    // The model stalls, so the server dies with a job in grading and one still queued
    // (one worker).
    let model = Upstream::speaking(Wire::OpenAi, Behaviour::Stall(Duration::from_secs(600))).await;
    let gateway = grading_gateway(&model);
    let dirs = project_dirs(&gateway);
    let flags = [
        "--content-dir",
        pack.path().to_str().unwrap(),
        "--project-workers",
        "1",
        "--project-lease-secs",
        "2",
    ];
    for backend in backends() {
        model.set(Behaviour::Stall(Duration::from_secs(600)));
        let mut server = Server::start_on(backend, &dirs, &flags).await;
        let first = server.register("student").await;
        let second = server.register("student").await;
        let token = |r: &Value| r["access_token"].as_str().unwrap().to_owned();
        let (first_token, second_token) = (token(&first), token(&second));
        let first_job = submit_project(&server, &first_token).await;
        let second_job = submit_project(&server, &second_token).await;
        let hits = model.hits();
        eventually(
            "grading to reach the model",
            Duration::from_secs(30),
            async || match model.hits() {
                n if n == hits => Err(n),
                _ => Ok(()),
            },
        )
        .await;
        server.kill_9();

        model.set(Behaviour::Say(rubric_reply()));
        let restarted = server.replica(&dirs, &flags).await;
        for (token, job) in [(&first_token, &first_job), (&second_token, &second_job)] {
            let graded = wait_graded(&restarted, token, job).await;
            assert_eq!(graded["status"], "graded", "{graded}");
            assert_eq!(graded["score"].as_f64(), Some(0.8), "{graded}");
            // Recorded as the learner's project step.
            assert!(
                graded["progress"]["xp_earned"].as_i64() > Some(0),
                "{graded}"
            );
        }
    }
}

#[tokio::test]
async fn a_live_worker_keeps_its_job_however_long_grading_takes() {
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    // Grading takes 5 s, over twice the 2 s lease: renewals keep the job with its worker,
    // so the other worker never grades it too.
    let model = Upstream::speaking(Wire::OpenAi, Behaviour::Say(rubric_reply())).await;
    model.script([Behaviour::SayAfter(Duration::from_secs(5), rubric_reply())]);
    let gateway = grading_gateway(&model);
    let dirs = project_dirs(&gateway);
    let server = Server::start_with(
        &dirs,
        &[
            "--content-dir",
            pack.path().to_str().unwrap(),
            "--project-workers",
            "2",
            "--project-lease-secs",
            "2",
        ],
    )
    .await;
    let learner = server.register("student").await;
    let token = learner["access_token"].as_str().unwrap();
    let job = submit_project(&server, token).await;
    let graded = wait_graded(&server, token, &job).await;
    assert_eq!(graded["status"], "graded", "{graded}");
    assert_eq!(
        model.hits(),
        1,
        "the job was taken from its live worker and graded twice"
    );
}

/// What the clients of a store outage saw.
#[derive(Debug, Default)]
struct Seen {
    statuses: BTreeMap<u16, usize>,
    /// Answers that break the contract: a 5xx other than 503, a 503 without the error
    /// body, a dropped connection.
    broken: Vec<String>,
    /// When the last non-2xx answer arrived.
    last_failure: Option<Instant>,
    /// Successful answers after `recovering` was set.
    after_restart: usize,
    /// Successful answers since the last failure (all of them, before any failure).
    since_failure: usize,
}

impl Seen {
    /// 503s seen so far.
    fn refused(&self) -> usize {
        self.statuses.get(&503).copied().unwrap_or(0)
    }

    /// Every answer kept the outage contract, some saw the outage (503), and requests
    /// succeeded again after the store came back.
    fn assert_outage_then_recovery(&self) {
        assert!(self.broken.is_empty(), "{:#?}", self.broken);
        assert!(
            self.refused() > 0,
            "no request saw the outage: {:?}",
            self.statuses
        );
        assert!(self.after_restart > 0);
    }
}

/// Checks one answer against the outage contract and tallies it.
async fn observe(seen: &Mutex<Seen>, what: &str, sent: Result<reqwest::Response, reqwest::Error>) {
    let r = match sent {
        Ok(r) => r,
        Err(e) => {
            seen.lock().unwrap().broken.push(format!("{what}: {e}"));
            return;
        }
    };
    let status = r.status().as_u16();
    let retry_after = r.headers().contains_key("retry-after");
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let mut seen = seen.lock().unwrap();
    *seen.statuses.entry(status).or_default() += 1;
    if status < 300 {
        seen.after_restart += 1;
        seen.since_failure += 1;
        return;
    }
    seen.last_failure = Some(Instant::now());
    seen.since_failure = 0;
    let error = &body["error"];
    let well_formed = status == 503
        && error["code"] == "SERVICE_UNAVAILABLE"
        && error["message"].as_str().is_some_and(|m| !m.is_empty())
        && error["request_id"].as_str().is_some_and(|m| !m.is_empty())
        && error["timestamp"].is_string()
        && retry_after;
    if !well_formed {
        seen.broken.push(format!(
            "{what}: {status} {body} (retry-after: {retry_after})"
        ));
    }
}

/// Signed-in learners reading and answering, and sign-ins, until `stop`.
async fn outage_load(
    server_base: String,
    token: String,
    email: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) {
    let client = client_with_token(&token);
    let anonymous = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let sent = client
            .get(format!("{server_base}/api/v1/lessons/daily"))
            .send()
            .await;
        observe(&seen, "GET /lessons/daily", sent).await;
        let sent = client
            .post(format!("{server_base}/api/v1/steps/a.q1/quiz"))
            .json(&json!({ "answers": { "selected": [1] } }))
            .send()
            .await;
        observe(&seen, "POST /steps/a.q1/quiz", sent).await;
        let sent = anonymous
            .post(format!("{server_base}/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await;
        observe(&seen, "POST /auth/login", sent).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Successes in a row that make a server recovered: three of each request of the outage
/// load, for each of its three learners.
const RECOVERED: usize = 27;

/// Waits until the outage load has had more than `before` requests refused with 503.
async fn until_refused(seen: &Mutex<Seen>, before: usize) {
    eventually(
        "the load to see the outage",
        Duration::from_secs(60),
        async || {
            let seen = seen.lock().unwrap();
            if seen.refused() > before {
                Ok(())
            } else {
                Err(format!("{:?}", seen.statuses))
            }
        },
    )
    .await;
}

/// Runs the outage load against `server` while `outage` takes a store down and brings it
/// back (it is given what the clients see, to wait on); returns what the clients saw,
/// once every kind of request works again.
async fn under_load(server: &Server, outage: impl AsyncFnOnce(&Mutex<Seen>)) -> Seen {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..3 {
        let email = format!("{}@example.com", unique("outage"));
        let (status, learner) = server
            .post_as(
                &server.anonymous,
                "/api/v1/auth/register",
                &json!({ "email": email, "password": PASSWORD,
                         "full_name": "Outage Learner", "user_type": "student" }),
            )
            .await;
        assert_eq!(status, 201, "{learner}");
        load.push(tokio::spawn(outage_load(
            server.base.clone(),
            learner["access_token"].as_str().unwrap().to_owned(),
            email,
            stop.clone(),
            seen.clone(),
        )));
    }
    let in_a_row = async || {
        let seen = seen.lock().unwrap();
        if seen.since_failure >= RECOVERED {
            Ok(())
        } else {
            Err(format!("{seen:?}"))
        }
    };
    // The load is going: every kind of request has worked.
    eventually("the load to get going", Duration::from_secs(60), in_a_row).await;
    outage(&seen).await;
    let back = Instant::now();
    // Recovered: every kind of request works again, many times in a row.
    eventually(
        "recovery after the store came back",
        Duration::from_secs(60),
        in_a_row,
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let recovered_after = seen
        .lock()
        .unwrap()
        .last_failure
        .map(|t| t.saturating_duration_since(back));
    eprintln!("chaos: recovered {recovered_after:?} after the store came back");
    Arc::into_inner(seen).unwrap().into_inner().unwrap()
}

/// A Postgres cluster of the test's own: `initdb` in a temporary folder, its own port.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// The `postgres` account's uid and gid when this runs as root (Postgres refuses root).
    account: Option<(u32, u32)>,
}

/// The newest installed Postgres server's binaries (Debian's layout).
fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn id(args: &[&str]) -> Option<u32> {
    let out = Command::new("id").args(args).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

impl PrivatePostgres {
    /// A running private cluster; `None` (with a note) when Postgres's server binaries are
    /// missing outside CI. Under `CI=true` a missing server fails the test.
    fn start() -> Option<PrivatePostgres> {
        let Some(bin) = postgres_bin() else {
            assert!(
                !ci(),
                "CI=true: the Postgres server binaries (initdb, pg_ctl) are missing"
            );
            eprintln!("NOTE: no Postgres server binaries: the Postgres restart test is skipped");
            return None;
        };
        let account = if id(&["-u"]) == Some(0) {
            Some((
                id(&["-u", "postgres"]).expect("running as root needs the `postgres` account"),
                id(&["-g", "postgres"]).expect("the `postgres` group"),
            ))
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("tessera-chaos-pg")
            .tempdir_in("/tmp")
            .unwrap();
        if let Some((uid, gid)) = account {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let pg = PrivatePostgres {
            dir,
            bin,
            port: free_port(),
            account,
        };
        let out = pg.run(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.start_again();
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        if let Some((uid, gid)) = self.account {
            cmd.uid(uid).gid(gid);
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    }

    /// `postgres://` URL of its `postgres` database.
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the cluster and waits until it accepts connections.
    fn start_again(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let out = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the cluster the hard way (`immediate`: no checkpoint, crash recovery on the
    /// next start), as a crash or a failover would.
    fn crash(&self) {
        let out = self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

#[tokio::test]
async fn postgres_restarting_under_load_means_503s_then_recovery_with_nothing_lost() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let (dirs, extra) = learning_server_args(pack.path());
    let server = Server::start_at(&pg.url(), None, &dirs, &strs(&extra)).await;
    // Writers whose acknowledged writes are checked afterwards, beside the outage load.
    let writers = Writers::start(&server, 2);
    let seen = under_load(&server, async |seen| {
        let before = seen.lock().unwrap().refused();
        pg.crash();
        // Requests give up (after the pool's 5 s wait for a connection at most).
        until_refused(seen, before).await;
        let ready = server
            .anonymous
            .get(server.url("/health/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 503, "ready while the database is down");
        pg.start_again();
    })
    .await;
    let learners = writers.stop().await;
    seen.assert_outage_then_recovery();
    assert_nothing_lost(&server, &learners).await;
}

/// A `redis-server` of the test's own, on its own port, keeping nothing on disk.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> Option<PrivateRedis> {
        let found = Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            assert!(!ci(), "CI=true: redis-server is missing");
            eprintln!("NOTE: no redis-server: the Redis restart test is skipped");
            return None;
        }
        let mut redis = PrivateRedis {
            port: free_port(),
            child: None,
        };
        redis.start_again();
        Some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn start_again(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        eventually_blocking("redis-server to listen", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", self.port)).map(drop)
        });
    }

    /// SIGKILL: what it held is gone, as after a crash.
    fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.crash();
    }
}

#[tokio::test]
async fn redis_restarting_under_load_means_503s_then_recovery() {
    let Some(mut redis) = PrivateRedis::start() else {
        return;
    };
    if !backends().contains(&crate::support::Backend::Shared) {
        return;
    }
    let pack = tempfile::tempdir().unwrap();
    write_pack(pack.path());
    let (dirs, extra) = learning_server_args(pack.path());
    let db = crate::support::fresh_postgres_database();
    let server = Server::start_at(&db.url, Some(&redis.url()), &dirs, &strs(&extra)).await;
    let seen = under_load(&server, async |seen| {
        let before = seen.lock().unwrap().refused();
        redis.crash();
        // Sign-in, which cannot count its attempts, is refused.
        until_refused(seen, before).await;
        redis.start_again();
    })
    .await;
    // Sign-in fails closed without its rate limiter; reading and answering go on.
    seen.assert_outage_then_recovery();
}
