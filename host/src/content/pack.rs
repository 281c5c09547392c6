//! A content pack on disk: `pack.json` (tracks > courses > modules > lesson ids) and one
//! `lessons/<id>.json` per lesson (its steps), with Markdown text in files next to them.
//! Loading reads and checks everything before anything is stored, and reports every
//! problem at once, each naming the file and the field (docs/content.md).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::spec::{CodeSpec, ProjectSpec, Question, QuizSpec, RubricCriterion, StepKind, StepSpec};

/// Largest file a pack may hold (a lesson's JSON or a Markdown text).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// One problem in a pack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {field}: {message}", .file.display())]
pub struct PackProblem {
    /// The file, relative to the pack folder.
    pub file: PathBuf,
    /// The field, as a JSON path (`steps[2].question.answer_key`), or `-` for the file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// `pack.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    /// Pack id: lower-case letters, digits and `-`.
    pub id: String,
    /// The pack's version (any text; semantic versions recommended).
    pub version: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// The tracks.
    pub tracks: Vec<TrackFile>,
}

/// A track: a path to a certificate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackFile {
    /// Id, unique across packs.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Courses in order.
    pub courses: Vec<CourseFile>,
}

/// A course.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseFile {
    /// Id, unique across packs.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Modules in order.
    pub modules: Vec<ModuleFile>,
}

/// A module: lessons in order, by id (each `lessons/<id>.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleFile {
    /// Id, unique across packs.
    pub id: String,
    /// Title.
    pub title: String,
    /// Lesson ids in order.
    pub lessons: Vec<String>,
}

/// `lessons/<id>.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    /// Id: must match the file name.
    pub id: String,
    /// Title.
    pub title: String,
    /// The topic it teaches (`python.loops`): mastery and reviews are per topic.
    pub topic: String,
    /// One sentence.
    #[serde(default)]
    pub summary: String,
    /// Expected minutes.
    #[serde(default)]
    pub estimated_minutes: Option<u32>,
    /// Lessons to complete first.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// Steps in order.
    pub steps: Vec<StepFile>,
}

/// One step of a lesson.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepFile {
    /// Text to read.
    Explanation {
        /// Id, unique across packs (`<lesson>.<name>`).
        id: String,
        /// Title.
        #[serde(default)]
        title: String,
        /// Markdown file, relative to `lessons/`.
        text_file: String,
    },
    /// A question graded by the grader claiming its kind.
    Quiz {
        /// Id.
        id: String,
        /// XP for a correct answer.
        #[serde(default)]
        xp: Option<u32>,
        /// The question as `POST /api/v1/grade` takes it.
        question: Value,
        /// Shown after answering.
        #[serde(default)]
        explanation: String,
    },
    /// Code run against hidden tests by the code grader.
    CodeExercise {
        /// Id.
        id: String,
        /// XP when every test passes.
        #[serde(default)]
        xp: Option<u32>,
        /// Markdown file with the task.
        prompt_file: String,
        /// Code the editor starts with.
        #[serde(default)]
        starter_code: String,
        /// A reference solution: never served, used to check the tests.
        #[serde(default)]
        solution: Option<String>,
        /// Hidden test cases.
        tests: Vec<Value>,
    },
    /// A project graded against a rubric.
    MiniProject {
        /// Id.
        id: String,
        /// XP for a full score.
        #[serde(default)]
        xp: Option<u32>,
        /// Markdown file with the brief.
        prompt_file: String,
        /// The rubric's criteria.
        rubric: Vec<RubricCriterion>,
    },
}

/// A step ready to store: text and the kind's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Markdown: the explanation, the task or the brief (empty for a quiz).
    pub body: String,
    /// XP it can earn.
    pub xp: u32,
    /// The kind's data.
    pub spec: StepSpec,
}

impl Step {
    /// The step's kind.
    pub fn kind(&self) -> StepKind {
        self.spec.kind()
    }
}

/// A lesson ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Id.
    pub id: String,
    /// Its module.
    pub module_id: String,
    /// Position in the module.
    pub position: u32,
    /// Title.
    pub title: String,
    /// Topic.
    pub topic: String,
    /// Summary.
    pub summary: String,
    /// Minutes.
    pub estimated_minutes: Option<u32>,
    /// Prerequisite lesson ids.
    pub prerequisites: Vec<String>,
    /// Steps in order.
    pub steps: Vec<Step>,
}

/// A whole pack, checked.
#[derive(Debug, Clone)]
pub struct Pack {
    /// `pack.json`.
    pub file: PackFile,
    /// Lessons in pack order.
    pub lessons: Vec<Lesson>,
    /// SHA-256 of every file the pack read (path and bytes), hex: an unchanged pack is
    /// not imported again.
    pub checksum: String,
}

impl Pack {
    /// Every step id of the pack.
    pub fn step_ids(&self) -> impl Iterator<Item = &str> {
        self.lessons
            .iter()
            .flat_map(|l| l.steps.iter().map(|s| s.id.as_str()))
    }
}

/// Reads a pack folder's files, remembering their bytes for the checksum.
struct Reader<'a> {
    root: &'a Path,
    files: BTreeMap<PathBuf, Vec<u8>>,
    problems: Vec<PackProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, file: &Path, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(PackProblem {
            file: file.to_owned(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// The bytes of `relative`, which must stay inside the pack.
    fn read(&mut self, relative: &Path, from: &Path, field: &str) -> Option<Vec<u8>> {
        let escapes = relative.is_absolute()
            || relative
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir));
        if escapes {
            self.problem(
                from,
                field,
                format!("`{}` must stay inside the pack", relative.display()),
            );
            return None;
        }
        let path = self.root.join(relative);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                self.problem(
                    relative,
                    "-",
                    format!("{} bytes; at most {MAX_FILE_BYTES}", m.len()),
                );
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                self.problem(
                    from,
                    field,
                    format!("cannot read `{}`: {e}", relative.display()),
                );
                return None;
            }
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                self.files.insert(relative.to_owned(), bytes.clone());
                Some(bytes)
            }
            Err(e) => {
                self.problem(
                    from,
                    field,
                    format!("cannot read `{}`: {e}", relative.display()),
                );
                None
            }
        }
    }

    fn json<T: serde::de::DeserializeOwned>(
        &mut self,
        relative: &Path,
        from: &Path,
        field: &str,
    ) -> Option<T> {
        let bytes = self.read(relative, from, field)?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(v) => Some(v),
            Err(e) => {
                let path = e.path().to_string();
                self.problem(
                    relative,
                    if path == "." { "-".to_owned() } else { path },
                    e.inner().to_string(),
                );
                None
            }
        }
    }

    fn text(&mut self, relative: &str, from: &Path, field: &str) -> String {
        let bytes = self.read(&Path::new("lessons").join(relative), from, field);
        match bytes.map(String::from_utf8) {
            Some(Ok(text)) => text,
            Some(Err(_)) => {
                self.problem(from, field, format!("`{relative}` is not UTF-8 text"));
                String::new()
            }
            None => String::new(),
        }
    }
}

fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// Loads and checks the pack in `dir`; every problem found, or the pack.
pub fn load(dir: &Path) -> Result<Pack, Vec<PackProblem>> {
    let mut r = Reader {
        root: dir,
        files: BTreeMap::new(),
        problems: Vec::new(),
    };
    let pack_json = Path::new("pack.json");
    let Some(file) = r.json::<PackFile>(pack_json, pack_json, "-") else {
        return Err(r.problems);
    };
    if !valid_id(&file.id) {
        r.problem(pack_json, "id", "use 1-128 of a-z, 0-9, -, _ and .");
    }
    let mut ids = HashSet::new();
    let mut lessons = Vec::new();
    for (t, track) in file.tracks.iter().enumerate() {
        check_id(&mut r, &mut ids, format!("tracks[{t}].id"), &track.id);
        for (c, course) in track.courses.iter().enumerate() {
            check_id(
                &mut r,
                &mut ids,
                format!("tracks[{t}].courses[{c}].id"),
                &course.id,
            );
            for (m, module) in course.modules.iter().enumerate() {
                let at = format!("tracks[{t}].courses[{c}].modules[{m}]");
                check_id(&mut r, &mut ids, format!("{at}.id"), &module.id);
                for (l, lesson_id) in module.lessons.iter().enumerate() {
                    let field = format!("{at}.lessons[{l}]");
                    if !valid_id(lesson_id) {
                        r.problem(
                            pack_json,
                            field,
                            format!("`{lesson_id}`: use 1-128 of a-z, 0-9, -, _ and ."),
                        );
                        continue;
                    }
                    check_id(&mut r, &mut ids, field.clone(), lesson_id);
                    let path = PathBuf::from(format!("lessons/{lesson_id}.json"));
                    let Some(lesson) = r.json::<LessonFile>(&path, pack_json, &field) else {
                        continue;
                    };
                    lessons.push(lesson_of(
                        &mut r, &path, lesson, &module.id, l as u32, &mut ids,
                    ));
                }
            }
        }
    }
    let known: HashSet<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    let mut order = HashSet::new();
    let mut late = Vec::new();
    for lesson in &lessons {
        for (i, p) in lesson.prerequisites.iter().enumerate() {
            if !known.contains(p.as_str()) {
                late.push((
                    lesson.id.clone(),
                    i,
                    format!("`{p}` is not a lesson of this pack"),
                ));
            } else if !order.contains(p.as_str()) {
                late.push((
                    lesson.id.clone(),
                    i,
                    format!("`{p}` comes later in the pack; prerequisites must come first"),
                ));
            }
        }
        order.insert(lesson.id.as_str());
    }
    for (lesson, i, message) in late {
        r.problem(
            Path::new(&format!("lessons/{lesson}.json")),
            format!("prerequisites[{i}]"),
            message,
        );
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    let mut hash = Sha256::new();
    for (path, bytes) in &r.files {
        hash.update(path.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    Ok(Pack {
        file,
        lessons,
        checksum: hex::encode(hash.finalize()),
    })
}

/// Checks an id of `pack.json`: well-formed and not used twice in the pack.
fn check_id(r: &mut Reader<'_>, ids: &mut HashSet<String>, field: String, id: &str) {
    let pack_json = Path::new("pack.json");
    if !valid_id(id) {
        r.problem(
            pack_json,
            field,
            format!("`{id}`: use 1-128 of a-z, 0-9, -, _ and ."),
        );
    } else if !ids.insert(id.to_owned()) {
        r.problem(
            pack_json,
            field,
            format!("`{id}` is used twice in this pack"),
        );
    }
}

fn lesson_of(
    r: &mut Reader<'_>,
    path: &Path,
    lesson: LessonFile,
    module_id: &str,
    position: u32,
    ids: &mut HashSet<String>,
) -> Lesson {
    let expected = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if lesson.id != expected {
        r.problem(
            path,
            "id",
            format!("`{}` must match the file name `{expected}`", lesson.id),
        );
    }
    if lesson.title.trim().is_empty() {
        r.problem(path, "title", "must not be empty");
    }
    if lesson.topic.trim().is_empty() {
        r.problem(path, "topic", "must not be empty");
    }
    if lesson.steps.is_empty() {
        r.problem(path, "steps", "a lesson needs at least one step");
    }
    let mut steps = Vec::new();
    for (i, step) in lesson.steps.into_iter().enumerate() {
        let at = |f: &str| format!("steps[{i}].{f}");
        let id = match &step {
            StepFile::Explanation { id, .. }
            | StepFile::Quiz { id, .. }
            | StepFile::CodeExercise { id, .. }
            | StepFile::MiniProject { id, .. } => id.clone(),
        };
        if !valid_id(&id) {
            r.problem(
                path,
                at("id"),
                format!("`{id}`: use 1-128 of a-z, 0-9, -, _ and ."),
            );
        } else if !ids.insert(id.clone()) {
            r.problem(path, at("id"), format!("`{id}` is used twice in this pack"));
        }
        steps.push(match step {
            StepFile::Explanation {
                id,
                title,
                text_file,
            } => Step {
                body: r.text(&text_file, path, &at("text_file")),
                id,
                title,
                xp: 0,
                spec: StepSpec::Explanation,
            },
            StepFile::Quiz {
                id,
                xp,
                question,
                explanation,
            } => {
                let Some(question) = check_question(r, path, &at("question"), question) else {
                    // The problem is reported; the pack is not stored.
                    continue;
                };
                Step {
                    id,
                    title: question.prompt.chars().take(120).collect(),
                    body: String::new(),
                    xp: xp.unwrap_or(10),
                    spec: StepSpec::Quiz(QuizSpec {
                        question,
                        explanation,
                    }),
                }
            }
            StepFile::CodeExercise {
                id,
                xp,
                prompt_file,
                starter_code,
                solution,
                tests,
            } => {
                if tests.is_empty() {
                    r.problem(path, at("tests"), "a code exercise needs at least one test");
                }
                for (t, test) in tests.iter().enumerate() {
                    check_test(r, path, &format!("steps[{i}].tests[{t}]"), test);
                }
                Step {
                    body: r.text(&prompt_file, path, &at("prompt_file")),
                    id,
                    title: String::new(),
                    xp: xp.unwrap_or(20),
                    spec: StepSpec::CodeExercise(CodeSpec {
                        language: "python".into(),
                        starter_code,
                        solution,
                        tests,
                    }),
                }
            }
            StepFile::MiniProject {
                id,
                xp,
                prompt_file,
                rubric,
            } => {
                if rubric.is_empty() {
                    r.problem(
                        path,
                        at("rubric"),
                        "a mini-project needs at least one criterion",
                    );
                }
                let mut seen = HashSet::new();
                for (c, criterion) in rubric.iter().enumerate() {
                    if !seen.insert(criterion.id.clone()) {
                        r.problem(
                            path,
                            format!("steps[{i}].rubric[{c}].id"),
                            format!("`{}` is used twice", criterion.id),
                        );
                    }
                    if criterion.points == 0 {
                        r.problem(
                            path,
                            format!("steps[{i}].rubric[{c}].points"),
                            "must be at least 1",
                        );
                    }
                }
                Step {
                    body: r.text(&prompt_file, path, &at("prompt_file")),
                    id,
                    title: String::new(),
                    xp: xp.unwrap_or(50),
                    spec: StepSpec::MiniProject(ProjectSpec { rubric }),
                }
            }
        });
    }
    Lesson {
        id: lesson.id,
        module_id: module_id.to_owned(),
        position,
        title: lesson.title,
        topic: lesson.topic,
        summary: lesson.summary,
        estimated_minutes: lesson.estimated_minutes,
        prerequisites: lesson.prerequisites,
        steps,
    }
}

/// A question's shape as the grade API takes it; what each kind's key must hold is the
/// grader's business (it checks at grading time). The question when it has that shape.
fn check_question(r: &mut Reader<'_>, path: &Path, field: &str, q: Value) -> Option<Question> {
    if !q.is_object() {
        r.problem(path, field, "must be an object");
        return None;
    }
    let before = r.problems.len();
    if !non_empty(&q["kind"]) {
        r.problem(
            path,
            format!("{field}.kind"),
            "a non-empty string is required",
        );
    }
    if !non_empty(&q["prompt"]) {
        r.problem(
            path,
            format!("{field}.prompt"),
            "a non-empty string is required",
        );
    }
    if !q["answer_key"].is_object() {
        r.problem(path, format!("{field}.answer_key"), "an object is required");
    }
    match &q["options"] {
        Value::Null => {}
        Value::Array(items) if items.iter().all(Value::is_string) => {}
        _ => r.problem(
            path,
            format!("{field}.options"),
            "must be a list of strings",
        ),
    }
    if r.problems.len() > before {
        return None;
    }
    // The checks above are what the type needs, so this only fails on a host bug.
    serde_json::from_value(q)
        .map_err(|e| r.problem(path, field, e.to_string()))
        .ok()
}

/// Whether `v` is a string with more than white space.
fn non_empty(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}

/// A test in the sandbox's run-tests shape (docs/sandbox.md): `stdin` (optional) +
/// `expected_stdout`, or `assert` (a Python expression over the learner's names).
fn check_test(r: &mut Reader<'_>, path: &Path, field: &str, test: &Value) {
    if !non_empty(&test["name"]) {
        r.problem(
            path,
            format!("{field}.name"),
            "a non-empty string is required",
        );
    }
    match (&test["expected_stdout"], &test["assert"]) {
        (Value::String(_), Value::Null) => {
            if !matches!(test["stdin"], Value::Null | Value::String(_)) {
                r.problem(path, format!("{field}.stdin"), "must be a string");
            }
        }
        (Value::Null, a) if non_empty(a) => {}
        (Value::Null, Value::Null) => r.problem(
            path,
            field,
            "needs `expected_stdout` (an output test) or `assert` (an assertion)",
        ),
        (Value::String(_), _) => r.problem(
            path,
            field,
            "has both `expected_stdout` and `assert`; a test is one or the other",
        ),
        (Value::Null, _) => r.problem(
            path,
            format!("{field}.assert"),
            "a Python expression is required",
        ),
        _ => r.problem(path, format!("{field}.expected_stdout"), "must be a string"),
    }
}
