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
    /// A line for the catalog's cards (up to 500 characters).
    #[serde(default)]
    pub short_description: Option<String>,
    /// `beginner` (the default), `intermediate` or `advanced`.
    #[serde(default)]
    pub difficulty: Option<String>,
    /// The catalog's category (up to 100 characters); default: the track's title.
    #[serde(default)]
    pub category: Option<String>,
    /// Tags learners filter by (at most 20, each 1-50 characters).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Learning objectives shown in the catalog.
    #[serde(default)]
    pub objectives: Vec<String>,
    /// What a learner should know first, in words (lessons' own prerequisites are ids).
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// Thumbnail image, an `http(s)` URL.
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    /// Preview video, an `http(s)` URL.
    #[serde(default)]
    pub preview_video_url: Option<String>,
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

/// Whether `value` is an `http(s)` URL of at most 500 bytes (a catalog image or video: a
/// `javascript:` or `data:` URL would run or embed in the web app).
pub fn is_web_url(value: &str) -> bool {
    value.len() <= 500
        && url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// What is wrong with a course's catalog fields, by field.
fn catalog_problems(course: &CourseFile) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if let Some(d) = &course.difficulty
        && !crate::study::DIFFICULTIES.contains(&d.as_str())
    {
        problems.push((
            "difficulty".to_owned(),
            format!("`{d}` is not one of beginner, intermediate, advanced"),
        ));
    }
    let mut long = |field: &str, value: Option<&String>, most: usize| {
        if value.is_some_and(|v| v.chars().count() > most) {
            problems.push((field.to_owned(), format!("at most {most} characters")));
        }
    };
    long("short_description", course.short_description.as_ref(), 500);
    long("category", course.category.as_ref(), 100);
    for (field, url) in [
        ("thumbnail_url", &course.thumbnail_url),
        ("preview_video_url", &course.preview_video_url),
    ] {
        if let Some(url) = url
            && !is_web_url(url)
        {
            problems.push((
                field.to_owned(),
                "must be an http(s) URL of at most 500 characters".to_owned(),
            ));
        }
    }
    if course.tags.len() > 20 {
        problems.push(("tags".to_owned(), "at most 20 tags".to_owned()));
    }
    for (i, tag) in course.tags.iter().enumerate() {
        let n = tag.trim().chars().count();
        if n == 0 || n > 50 {
            problems.push((format!("tags[{i}]"), "must be 1-50 characters".to_owned()));
        }
    }
    problems
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
            for (field, message) in catalog_problems(course) {
                r.problem(
                    pack_json,
                    format!("tracks[{t}].courses[{c}].{field}"),
                    message,
                );
            }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A pack folder: one track, course and module holding lessons `a` (an explanation
    /// and a quiz) and `b` (a code exercise and a mini-project, after `a`). The import
    /// and store tests use it too.
    pub(crate) struct Fixture {
        pub(crate) dir: tempfile::TempDir,
    }

    impl Fixture {
        pub(crate) fn new() -> Fixture {
            let fixture = Fixture {
                dir: tempfile::tempdir().unwrap(),
            };
            fixture.write_json(
                "pack.json",
                &json!({ "id": "demo", "version": "1.0.0", "title": "Demo",
                    "tracks": [{ "id": "t", "title": "T", "courses": [{ "id": "c", "title": "C",
                        "modules": [{ "id": "m", "title": "M", "lessons": ["a", "b"] }] }] }] }),
            );
            fixture.write_json(
                "lessons/a.json",
                &json!({ "id": "a", "title": "A", "topic": "python.values", "steps": [
                    { "kind": "explanation", "id": "a.intro", "text_file": "a/intro.md" },
                    { "kind": "quiz", "id": "a.q1", "question": { "kind": "true_false",
                      "prompt": "Is 1 an int?", "answer_key": { "value": true } } }
                ] }),
            );
            fixture.write_json(
                "lessons/b.json",
                &json!({ "id": "b", "title": "B", "topic": "python.loops", "prerequisites": ["a"],
                    "steps": [
                    { "kind": "code_exercise", "id": "b.code", "prompt_file": "b/task.md",
                      "tests": [{ "name": "prints", "expected_stdout": "1\n" },
                                { "name": "adds", "assert": "add(1, 1) == 2" }] },
                    { "kind": "mini_project", "id": "b.project", "prompt_file": "b/brief.md",
                      "rubric": [{ "id": "works", "criterion": "It works", "points": 3 }] }
                ] }),
            );
            fixture.write("lessons/a/intro.md", "# Values\nA value is data.");
            fixture.write("lessons/b/task.md", "Print 1.");
            fixture.write("lessons/b/brief.md", "Build a grade book.");
            fixture
        }

        pub(crate) fn write(&self, relative: &str, text: &str) {
            let path = self.dir.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        fn write_json(&self, relative: &str, value: &Value) {
            self.write(relative, &value.to_string());
        }

        /// Rewrites a JSON file with `change` applied.
        pub(crate) fn edit(&self, relative: &str, change: impl FnOnce(&mut Value)) {
            let path = self.dir.path().join(relative);
            let mut value: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            change(&mut value);
            self.write_json(relative, &value);
        }

        pub(crate) fn load(&self) -> Result<Pack, Vec<PackProblem>> {
            load(self.dir.path())
        }

        /// The problems of a pack that must be refused.
        fn problems(&self) -> Vec<PackProblem> {
            match self.load() {
                Ok(_) => panic!("the pack was accepted"),
                Err(problems) => problems,
            }
        }
    }

    /// Whether `problems` holds one in `file` at `field` whose message contains `text`.
    fn names(problems: &[PackProblem], file: &str, field: &str, text: &str) -> bool {
        problems
            .iter()
            .any(|p| p.file == Path::new(file) && p.field == field && p.message.contains(text))
    }

    #[test]
    fn a_good_pack_loads_with_its_texts_defaults_and_order() {
        let pack = Fixture::new().load().unwrap();
        assert_eq!(pack.file.id, "demo");
        let ids: Vec<&str> = pack.step_ids().collect();
        assert_eq!(ids, ["a.intro", "a.q1", "b.code", "b.project"]);
        let (a, b) = (&pack.lessons[0], &pack.lessons[1]);
        assert_eq!((a.module_id.as_str(), a.position, b.position), ("m", 0, 1));
        assert_eq!(b.prerequisites, ["a"]);
        assert_eq!(a.steps[0].body, "# Values\nA value is data.");
        // A quiz is titled by its prompt; XP defaults per kind.
        assert_eq!(a.steps[1].title, "Is 1 an int?");
        let xp: Vec<u32> = pack
            .lessons
            .iter()
            .flat_map(|l| l.steps.iter().map(|s| s.xp))
            .collect();
        assert_eq!(xp, [0, 10, 20, 50]);
    }

    #[test]
    fn the_checksum_changes_with_any_file_and_only_then() {
        let fixture = Fixture::new();
        let first = fixture.load().unwrap().checksum;
        assert_eq!(
            fixture.load().unwrap().checksum,
            first,
            "same files, same sum"
        );
        fixture.write("lessons/b/brief.md", "Build a better grade book.");
        assert_ne!(
            fixture.load().unwrap().checksum,
            first,
            "a Markdown text changed"
        );
    }

    #[test]
    fn a_folder_without_pack_json_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let problems = load(dir.path()).unwrap_err();
        assert!(
            names(&problems, "pack.json", "-", "cannot read"),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unknown_field_in_pack_json_is_refused_at_its_path() {
        let fixture = Fixture::new();
        fixture.edit("pack.json", |p| p["tracks"][0]["colour"] = json!("red"));
        let problems = fixture.problems();
        assert!(
            problems.iter().any(|p| p.file == Path::new("pack.json")
                && p.field.starts_with("tracks[0]")
                && p.message.contains("unknown field `colour`")),
            "{problems:?}"
        );
    }

    #[test]
    fn malformed_ids_and_ids_used_twice_are_refused_with_their_field() {
        let fixture = Fixture::new();
        fixture.edit("pack.json", |p| {
            p["id"] = json!("Demo Pack");
            p["tracks"][0]["courses"][0]["id"] = json!("t");
        });
        let problems = fixture.problems();
        assert!(names(&problems, "pack.json", "id", "a-z"), "{problems:?}");
        assert!(
            names(
                &problems,
                "pack.json",
                "tracks[0].courses[0].id",
                "used twice"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_step_id_used_twice_is_refused_in_the_later_lesson() {
        let fixture = Fixture::new();
        fixture.edit("lessons/b.json", |l| l["steps"][1]["id"] = json!("a.q1"));
        let problems = fixture.problems();
        assert!(
            names(
                &problems,
                "lessons/b.json",
                "steps[1].id",
                "`a.q1` is used twice"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_lesson_whose_id_is_not_its_file_name_is_refused() {
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| l["id"] = json!("alpha"));
        let problems = fixture.problems();
        assert!(
            names(
                &problems,
                "lessons/a.json",
                "id",
                "must match the file name `a`"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_missing_lesson_file_is_refused_where_pack_json_names_it() {
        let fixture = Fixture::new();
        fixture.edit("pack.json", |p| {
            let lessons = &mut p["tracks"][0]["courses"][0]["modules"][0]["lessons"];
            lessons.as_array_mut().unwrap().push(json!("c"));
        });
        let problems = fixture.problems();
        assert!(
            names(
                &problems,
                "pack.json",
                "tracks[0].courses[0].modules[0].lessons[2]",
                "lessons/c.json"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_text_file_outside_the_pack_is_refused_unread() {
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| {
            l["steps"][0]["text_file"] = json!("../../../etc/passwd")
        });
        let problems = fixture.problems();
        assert!(
            names(
                &problems,
                "lessons/a.json",
                "steps[0].text_file",
                "must stay inside the pack"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_by_name() {
        let fixture = Fixture::new();
        let big = "x".repeat(usize::try_from(MAX_FILE_BYTES).unwrap() + 1);
        fixture.write("lessons/b/task.md", &big);
        let problems = fixture.problems();
        assert!(
            names(&problems, "lessons/b/task.md", "-", "bytes; at most"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_step_of_an_unknown_kind_is_refused_at_the_step() {
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| l["steps"][0]["kind"] = json!("video"));
        let problems = fixture.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.file == Path::new("lessons/a.json")
                    && p.field.starts_with("steps[0]")
                    && p.message.contains("video")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_quiz_without_an_answer_key_or_with_odd_options_is_refused() {
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| {
            let q = &mut l["steps"][1]["question"];
            q.as_object_mut().unwrap().remove("answer_key");
            q["options"] = json!(["yes", 2]);
            q["prompt"] = json!("   ");
        });
        let problems = fixture.problems();
        for (field, text) in [
            ("steps[1].question.answer_key", "an object is required"),
            ("steps[1].question.options", "list of strings"),
            ("steps[1].question.prompt", "non-empty string"),
        ] {
            assert!(
                names(&problems, "lessons/a.json", field, text),
                "{field}: {problems:?}"
            );
        }
    }

    #[test]
    fn code_exercise_tests_must_be_one_kind_of_test_and_named() {
        let fixture = Fixture::new();
        fixture.edit("lessons/b.json", |l| {
            l["steps"][0]["tests"] = json!([
                { "name": "both", "expected_stdout": "1", "assert": "True" },
                { "name": "neither" },
                { "expected_stdout": "1", "stdin": 5 }
            ])
        });
        let problems = fixture.problems();
        let file = "lessons/b.json";
        assert!(
            names(&problems, file, "steps[0].tests[0]", "one or the other"),
            "{problems:?}"
        );
        assert!(
            names(
                &problems,
                file,
                "steps[0].tests[1]",
                "needs `expected_stdout`"
            ),
            "{problems:?}"
        );
        assert!(
            names(&problems, file, "steps[0].tests[2].name", "non-empty"),
            "{problems:?}"
        );
        assert!(
            names(
                &problems,
                file,
                "steps[0].tests[2].stdin",
                "must be a string"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_code_exercise_needs_a_test_and_a_project_a_sound_rubric() {
        let fixture = Fixture::new();
        fixture.edit("lessons/b.json", |l| {
            l["steps"][0]["tests"] = json!([]);
            l["steps"][1]["rubric"] = json!([
                { "id": "works", "criterion": "It works", "points": 0 },
                { "id": "works", "criterion": "It still works", "points": 1 }
            ]);
        });
        let problems = fixture.problems();
        let file = "lessons/b.json";
        assert!(
            names(&problems, file, "steps[0].tests", "at least one test"),
            "{problems:?}"
        );
        assert!(
            names(&problems, file, "steps[1].rubric[0].points", "at least 1"),
            "{problems:?}"
        );
        assert!(
            names(&problems, file, "steps[1].rubric[1].id", "used twice"),
            "{problems:?}"
        );
    }

    #[test]
    fn prerequisites_must_be_earlier_lessons_of_the_pack() {
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| {
            l["prerequisites"] = json!(["b", "zeta"])
        });
        let problems = fixture.problems();
        let file = "lessons/a.json";
        assert!(
            names(&problems, file, "prerequisites[0]", "comes later"),
            "{problems:?}"
        );
        assert!(
            names(
                &problems,
                file,
                "prerequisites[1]",
                "not a lesson of this pack"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let fixture = Fixture::new();
        fixture.edit("lessons/a.json", |l| {
            l["title"] = json!("");
            l["topic"] = json!(" ");
        });
        std::fs::remove_file(fixture.dir.path().join("lessons/b/task.md")).unwrap();
        let problems = fixture.problems();
        assert!(
            names(&problems, "lessons/a.json", "title", "must not be empty"),
            "{problems:?}"
        );
        assert!(
            names(&problems, "lessons/a.json", "topic", "must not be empty"),
            "{problems:?}"
        );
        assert!(
            names(
                &problems,
                "lessons/b.json",
                "steps[0].prompt_file",
                "cannot read"
            ),
            "{problems:?}"
        );
        // And the text of a problem says where it is.
        let shown = problems[0].to_string();
        assert!(shown.starts_with("lessons/a.json: title: "), "{shown}");
    }
}
