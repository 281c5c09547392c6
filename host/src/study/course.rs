//! `POST /api/v1/ai/generate-course` (seed 002 §3.4, §5.3): a course outline and its
//! lesson texts written by the model, answered in the seed's shape and stored as a
//! **draft content pack** (docs/content.md's layout, as files). Nobody learns from a
//! draft: a teacher reads it (`GET /api/v1/ai/courses/{id}`) and publishes it
//! (`POST …/publish`), which runs the content import (`crate::content::import`) on the
//! draft's files, all or nothing, exactly as `tessera content import` would.
//!
//! The pack: one track and one course named after the course; a module per generated
//! module; a lesson per topic (an explanation step with the topic's text and its
//! exercises as "Try it"), each lesson after the one before it; the module's assessment
//! as a mini-project step (one rubric criterion per requirement) in the module's last
//! lesson.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    DIFFICULTIES, Study, StudyError, invalid, message, new_id, one_of, seconds_since, text_field,
};
use crate::plugins::contract::types::Role;
use crate::store::now_ms;
use crate::store::study::CourseDraftRow;

/// Learning styles: seed 002 §5.3's four, and `hands_on` (its §3.4 example).
pub const LEARNING_STYLES: [&str; 5] = [
    "visual",
    "auditory",
    "kinesthetic",
    "reading_writing",
    "hands_on",
];
/// Weeks a course may last (seed 002 §5.3).
pub const WEEKS: (u32, u32) = (1, 16);
/// Objectives a request gives (seed 002 §5.3).
pub const OBJECTIVES: (usize, usize) = (3, 10);
/// Modules a course has (seed 002 §5.3): one a week, within these bounds.
pub const MODULES: (u32, u32) = (4, 12);

/// A request for a course.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseRequest {
    /// The subject, 3-200 characters.
    pub topic: String,
    /// `N_weeks` (or `N weeks`, or a number of weeks), 1-16.
    pub duration: Value,
    /// `beginner`, `intermediate` or `advanced`.
    pub difficulty: String,
    /// `visual`, `auditory`, `kinesthetic`, `reading_writing` or `hands_on` (default
    /// `reading_writing`).
    #[serde(default)]
    pub learning_style: Option<String>,
    /// 3-10 learning goals, each 3-300 characters.
    pub objectives: Vec<String>,
    /// Who it is for (at most 200 characters).
    #[serde(default)]
    pub target_audience: Option<String>,
}

/// An exercise of a topic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseExercise {
    /// `ex_<module>_<topic>_<n>`.
    pub exercise_id: String,
    /// What to do.
    pub title: String,
    /// `hands_on`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Minutes.
    pub estimated_time: u32,
}

/// A topic of a module: one lesson of the pack.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseTopic {
    /// `topic_<module>_<n>`.
    pub topic_id: String,
    /// Title.
    pub title: String,
    /// By learning style: `interactive_tutorial` (hands-on, kinesthetic), `visual_guide`,
    /// `audio_walkthrough`, `reading`.
    pub content_type: String,
    /// Minutes.
    pub estimated_time: u32,
    /// The lesson text (Markdown).
    pub content: String,
    /// Things to try.
    pub exercises: Vec<CourseExercise>,
}

/// A module's assessment: the pack's mini-project.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseAssessment {
    /// `coding_project` for programming topics, else `project`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Title.
    pub title: String,
    /// Minutes.
    pub estimated_time: u32,
    /// What the work must do (the rubric's criteria).
    pub requirements: Vec<String>,
}

/// A module: a week (or part of one) of the course.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseModule {
    /// `mod_<n>`.
    pub module_id: String,
    /// Title.
    pub title: String,
    /// The week it belongs to.
    pub week: u32,
    /// Hours.
    pub estimated_hours: u32,
    /// What the learner can do after it.
    pub learning_objectives: Vec<String>,
    /// Its topics, in order.
    pub topics: Vec<CourseTopic>,
    /// How it is assessed.
    pub assessment: CourseAssessment,
}

/// A recommended resource.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CourseResource {
    /// Title.
    pub title: String,
    /// An `http(s)` address.
    pub url: String,
    /// `reference`, `tutorial`, `video`, `book` or `tool`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// How the course was generated.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GenerationMetadata {
    /// The model.
    pub model_used: String,
    /// Seconds.
    pub generation_time: f64,
    /// Prompt and generated tokens.
    pub tokens_used: u32,
}

/// A generated course, as seed 002 §3.4 answers it, plus its draft's state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GeneratedCourse {
    /// `course_<id>`.
    pub course_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The request's difficulty.
    pub difficulty: String,
    /// `N weeks`.
    pub estimated_duration: String,
    /// Sum of the modules' hours.
    pub total_hours: u32,
    /// The modules.
    pub modules: Vec<CourseModule>,
    /// What a learner should know first.
    pub prerequisites: Vec<String>,
    /// Further reading.
    pub resources: Vec<CourseResource>,
    /// A certificate comes with completing the published course's track.
    pub certificate_available: bool,
    /// The model, time and tokens.
    pub ai_generation_metadata: GenerationMetadata,
    /// `draft` until a teacher publishes it, then `published`.
    pub status: String,
    /// The content pack it is (and, once published, its track's id).
    pub pack_id: String,
}

/// A draft as a teacher reviews it: the course and the pack's files.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseDraft {
    /// The course.
    pub course: GeneratedCourse,
    /// The pack's files (`pack.json`, `lessons/…`): write them to a folder to edit and
    /// import them with `tessera content import` instead.
    pub files: BTreeMap<String, String>,
    /// Who generated it.
    pub generated_by: String,
    /// Who published it (once published).
    pub published_by: Option<String>,
    /// RFC 3339, once published.
    pub published_at: Option<String>,
}

/// What publishing did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Published {
    /// The course, now `published`.
    pub course_id: String,
    /// The pack imported (its id is also the track's).
    pub pack_id: String,
    /// Lessons imported.
    pub lessons: usize,
    /// Steps imported.
    pub steps: usize,
    /// The first step of its first lesson (`POST /api/v1/steps/{id}/complete` takes it).
    pub first_step: String,
}

/// Weeks from `6_weeks`, `6 weeks`, `1 week` or `6`.
fn weeks(duration: &Value) -> Result<u32, StudyError> {
    let bad = || {
        invalid(
            "duration",
            "use `N_weeks` with N from 1 to 16 (e.g. `6_weeks`)",
        )
    };
    let n = match duration {
        Value::Number(n) => n.as_u64().ok_or_else(bad)?,
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let digits = s
                .strip_suffix("_weeks")
                .or_else(|| s.strip_suffix(" weeks"))
                .or_else(|| s.strip_suffix("_week"))
                .or_else(|| s.strip_suffix(" week"))
                .unwrap_or(&s);
            digits.trim().parse::<u64>().map_err(|_| bad())?
        }
        _ => return Err(bad()),
    };
    u32::try_from(n)
        .ok()
        .filter(|w| (WEEKS.0..=WEEKS.1).contains(w))
        .ok_or_else(bad)
}

/// The checked request.
#[derive(Debug)]
struct Brief {
    topic: String,
    weeks: u32,
    modules: u32,
    difficulty: String,
    style: String,
    objectives: Vec<String>,
    audience: Option<String>,
}

fn brief(r: CourseRequest) -> Result<Brief, StudyError> {
    text_field("topic", &r.topic, 3, 200)?;
    let weeks = weeks(&r.duration)?;
    one_of("difficulty", &r.difficulty, &DIFFICULTIES)?;
    let style = r
        .learning_style
        .unwrap_or_else(|| "reading_writing".to_owned());
    one_of("learning_style", &style, &LEARNING_STYLES)?;
    if !(OBJECTIVES.0..=OBJECTIVES.1).contains(&r.objectives.len()) {
        return Err(invalid(
            "objectives",
            format!(
                "give {} to {} objectives (got {})",
                OBJECTIVES.0,
                OBJECTIVES.1,
                r.objectives.len()
            ),
        ));
    }
    for (i, o) in r.objectives.iter().enumerate() {
        text_field(&format!("objectives[{i}]"), o, 3, 300)?;
    }
    if let Some(a) = &r.target_audience {
        text_field("target_audience", a, 1, 200)?;
    }
    Ok(Brief {
        topic: r.topic.trim().to_owned(),
        weeks,
        modules: weeks.clamp(MODULES.0, MODULES.1),
        difficulty: r.difficulty,
        style,
        objectives: r.objectives.iter().map(|o| o.trim().to_owned()).collect(),
        audience: r
            .target_audience
            .map(|a| a.trim().replace('_', " "))
            .filter(|a| !a.is_empty()),
    })
}

fn schema(modules: u32) -> Value {
    let text = |max: u32| json!({"type": "string", "minLength": 1, "maxLength": max});
    let list = |min: u32, max: u32, item: Value| json!({"type": "array", "minItems": min, "maxItems": max, "items": item});
    json!({
        "type": "object",
        "required": ["title", "description", "modules", "prerequisites", "resources"],
        "properties": {
            "title": text(200),
            "description": text(2000),
            "modules": list(modules, modules, json!({
                "type": "object",
                "required": ["title", "learning_objectives", "topics", "assessment"],
                "properties": {
                    "title": text(200),
                    "learning_objectives": list(1, 5, text(300)),
                    "topics": list(2, 3, json!({
                        "type": "object",
                        "required": ["title", "content", "exercises"],
                        "properties": {
                            "title": text(200),
                            "content": text(8000),
                            "exercises": list(1, 2, json!({
                                "type": "object", "required": ["title"],
                                "properties": {"title": text(300)}
                            }))
                        }
                    })),
                    "assessment": {
                        "type": "object",
                        "required": ["title", "requirements"],
                        "properties": {
                            "title": text(200),
                            "requirements": list(2, 5, text(300))
                        }
                    }
                }
            })),
            "prerequisites": list(0, 5, text(200)),
            "resources": list(0, 5, json!({
                "type": "object",
                "required": ["title", "url", "type"],
                "properties": {
                    "title": text(200),
                    "url": {"type": "string", "pattern": "^https?://[^\\s]+$", "maxLength": 500},
                    "type": {"enum": ["reference", "tutorial", "video", "book", "tool"]}
                }
            }))
        }
    })
}

fn instructions(b: &Brief) -> String {
    format!(
        "You design courses. Write the course the user describes as JSON: exactly {} \
         modules (a module a week where the weeks allow), in order of rising difficulty, \
         each with its learning objectives, two or three topics and an assessment. Each \
         topic's content is the lesson itself in Markdown: a few paragraphs that teach it, \
         with an example. Each topic has one or two hands-on exercises. An assessment is a \
         small project with two to five requirements. Suit the {} level and the {} \
         learning style, cover every objective, and recommend prerequisites and resources \
         (real addresses only). Answer with JSON only.",
        b.modules,
        b.difficulty,
        b.style.replace('_', " ")
    )
}

fn request_text(b: &Brief) -> String {
    let mut text = format!(
        "Topic: {}\nDuration: {} weeks\nDifficulty: {}\nLearning style: {}\n",
        b.topic,
        b.weeks,
        b.difficulty,
        b.style.replace('_', " ")
    );
    if let Some(a) = &b.audience {
        text.push_str(&format!("Target audience: {a}\n"));
    }
    text.push_str("Objectives:\n");
    for o in &b.objectives {
        text.push_str(&format!("- {o}\n"));
    }
    text
}

#[derive(Debug, Deserialize)]
struct Drafted {
    title: String,
    description: String,
    modules: Vec<DraftedModule>,
    #[serde(default)]
    prerequisites: Vec<String>,
    #[serde(default)]
    resources: Vec<DraftedResource>,
}

#[derive(Debug, Deserialize)]
struct DraftedModule {
    title: String,
    learning_objectives: Vec<String>,
    topics: Vec<DraftedTopic>,
    assessment: DraftedAssessment,
}

#[derive(Debug, Deserialize)]
struct DraftedTopic {
    title: String,
    content: String,
    exercises: Vec<DraftedExercise>,
}

#[derive(Debug, Deserialize)]
struct DraftedExercise {
    title: String,
}

#[derive(Debug, Deserialize)]
struct DraftedAssessment {
    title: String,
    requirements: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct DraftedResource {
    title: String,
    url: String,
    #[serde(rename = "type")]
    kind: String,
}

/// What the schema cannot say: module titles distinct, no blank text.
fn check(d: &Drafted) -> Vec<String> {
    let mut problems = Vec::new();
    let mut titles = HashSet::new();
    if d.title.trim().is_empty() {
        problems.push("title: blank".to_owned());
    }
    for (i, m) in d.modules.iter().enumerate() {
        if m.title.trim().is_empty() {
            problems.push(format!("modules[{i}].title: blank"));
        } else if !titles.insert(m.title.trim().to_lowercase()) {
            problems.push(format!("modules[{i}].title: repeats an earlier module's"));
        }
        for (j, t) in m.topics.iter().enumerate() {
            if t.content.trim().is_empty() {
                problems.push(format!("modules[{i}].topics[{j}].content: blank"));
            }
            if t.title.trim().is_empty() {
                problems.push(format!("modules[{i}].topics[{j}].title: blank"));
            }
        }
        if m.assessment
            .requirements
            .iter()
            .any(|r| r.trim().is_empty())
        {
            problems.push(format!("modules[{i}].assessment.requirements: a blank one"));
        }
    }
    problems
}

fn content_type(style: &str) -> &'static str {
    match style {
        "hands_on" | "kinesthetic" => "interactive_tutorial",
        "visual" => "visual_guide",
        "auditory" => "audio_walkthrough",
        _ => "reading",
    }
}

/// Hours of study a week by difficulty.
fn hours_a_week(difficulty: &str) -> u32 {
    match difficulty {
        "beginner" => 8,
        "advanced" => 12,
        _ => 10,
    }
}

fn is_programming(topic: &str) -> bool {
    let t = topic.to_lowercase();
    [
        "python",
        "program",
        "coding",
        "code",
        "javascript",
        "rust",
        "java",
        "software",
        "algorithm",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// The course in the seed's shape, ids, weeks and times set by the host.
fn course(
    b: &Brief,
    d: Drafted,
    id: &str,
    pack_id: &str,
    meta: GenerationMetadata,
) -> GeneratedCourse {
    let count = u32::try_from(d.modules.len()).unwrap_or(1).max(1);
    let total_hours = hours_a_week(&b.difficulty) * b.weeks;
    let per_module = (total_hours / count).max(1);
    let assessment_kind = if is_programming(&b.topic) {
        "coding_project"
    } else {
        "project"
    };
    let modules: Vec<CourseModule> = d
        .modules
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let n = u32::try_from(i).unwrap_or(0);
            let topics = m.topics.len().max(1);
            // A module's hours: a third for its project, the rest shared by its topics.
            let topic_minutes =
                u32::try_from((per_module as usize * 60 * 2 / 3) / topics).unwrap_or(45);
            CourseModule {
                module_id: format!("mod_{}", i + 1),
                title: m.title.trim().to_owned(),
                week: 1 + n * b.weeks / count,
                estimated_hours: per_module,
                learning_objectives: m.learning_objectives,
                topics: m
                    .topics
                    .into_iter()
                    .enumerate()
                    .map(|(j, t)| CourseTopic {
                        topic_id: format!("topic_{}_{}", i + 1, j + 1),
                        title: t.title.trim().to_owned(),
                        content_type: content_type(&b.style).to_owned(),
                        estimated_time: topic_minutes,
                        content: t.content,
                        exercises: t
                            .exercises
                            .into_iter()
                            .enumerate()
                            .map(|(k, e)| CourseExercise {
                                exercise_id: format!("ex_{}_{}_{}", i + 1, j + 1, k + 1),
                                title: e.title,
                                kind: "hands_on".to_owned(),
                                estimated_time: 15,
                            })
                            .collect(),
                    })
                    .collect(),
                assessment: CourseAssessment {
                    kind: assessment_kind.to_owned(),
                    title: m.assessment.title,
                    estimated_time: per_module * 60 / 3,
                    requirements: m.assessment.requirements,
                },
            }
        })
        .collect();
    GeneratedCourse {
        course_id: id.to_owned(),
        title: d.title.trim().to_owned(),
        description: d.description.trim().to_owned(),
        difficulty: b.difficulty.clone(),
        estimated_duration: if b.weeks == 1 {
            "1 week".to_owned()
        } else {
            format!("{} weeks", b.weeks)
        },
        total_hours: modules.iter().map(|m| m.estimated_hours).sum(),
        modules,
        prerequisites: d.prerequisites,
        resources: d
            .resources
            .into_iter()
            .map(|r| CourseResource {
                title: r.title,
                url: r.url,
                kind: r.kind,
            })
            .collect(),
        certificate_available: true,
        ai_generation_metadata: meta,
        status: "draft".to_owned(),
        pack_id: pack_id.to_owned(),
    }
}

/// The course as a content pack's files (docs/content.md).
pub fn pack_files(c: &GeneratedCourse) -> BTreeMap<String, String> {
    let p = &c.pack_id;
    let mut files = BTreeMap::new();
    let mut modules = Vec::new();
    let mut previous: Option<String> = None;
    for (i, m) in c.modules.iter().enumerate() {
        let module_id = format!("{p}.m{}", i + 1);
        let mut lessons = Vec::new();
        for (j, t) in m.topics.iter().enumerate() {
            let lesson_id = format!("{module_id}.t{}", j + 1);
            let mut text = format!("# {}\n\n{}\n", t.title, t.content.trim());
            if !t.exercises.is_empty() {
                text.push_str("\n## Try it\n\n");
                for e in &t.exercises {
                    text.push_str(&format!("- {}\n", e.title));
                }
            }
            files.insert(format!("lessons/{lesson_id}/read.md"), text);
            let mut steps = vec![json!({
                "kind": "explanation", "id": format!("{lesson_id}.read"),
                "title": t.title, "text_file": format!("{lesson_id}/read.md")
            })];
            if j + 1 == m.topics.len() {
                let mut brief = format!("# {}\n\n", m.assessment.title);
                for r in &m.assessment.requirements {
                    brief.push_str(&format!("- {r}\n"));
                }
                files.insert(format!("lessons/{lesson_id}/project.md"), brief);
                let rubric: Vec<Value> = m
                    .assessment
                    .requirements
                    .iter()
                    .enumerate()
                    .map(|(k, r)| {
                        json!({"id": format!("r{}", k + 1), "criterion": r, "points": 10,
                               "description": format!("The work meets this requirement: {r}")})
                    })
                    .collect();
                steps.push(json!({
                    "kind": "mini_project", "id": format!("{lesson_id}.project"),
                    "prompt_file": format!("{lesson_id}/project.md"), "rubric": rubric
                }));
            }
            let summary = t
                .content
                .split(['\n', '.'])
                .map(str::trim)
                .find(|s| !s.is_empty() && !s.starts_with('#'))
                .unwrap_or(&t.title)
                .to_owned();
            let lesson = json!({
                "id": lesson_id, "title": t.title, "topic": module_id,
                "summary": summary, "estimated_minutes": t.estimated_time,
                "prerequisites": previous.iter().collect::<Vec<_>>(),
                "steps": steps
            });
            files.insert(
                format!("lessons/{lesson_id}.json"),
                serde_json::to_string_pretty(&lesson).unwrap_or_default(),
            );
            previous = Some(lesson_id.clone());
            lessons.push(lesson_id);
        }
        modules.push(json!({"id": module_id, "title": m.title, "lessons": lessons}));
    }
    let pack = json!({
        "id": p, "version": "1.0.0", "title": c.title, "description": c.description,
        "tracks": [{"id": p, "title": c.title, "description": c.description,
            "courses": [{"id": format!("{p}.course"), "title": c.title,
                         "description": c.description, "difficulty": c.difficulty,
                         "prerequisites": c.prerequisites, "tags": ["ai-generated"],
                         "modules": modules}]}]
    });
    files.insert(
        "pack.json".to_owned(),
        serde_json::to_string_pretty(&pack).unwrap_or_default(),
    );
    files
}

impl Study {
    /// Generates a course for `user_id` and stores it as a draft pack.
    pub async fn generate_course(
        &self,
        user_id: &str,
        region: Option<&str>,
        request: CourseRequest,
    ) -> Result<GeneratedCourse, StudyError> {
        let b = brief(request)?;
        let started = std::time::Instant::now();
        let response = self
            .complete(
                user_id,
                region,
                "course-generation",
                vec![
                    message(Role::System, instructions(&b)),
                    message(Role::User, request_text(&b)),
                ],
                Some(schema(b.modules)),
            )
            .await?;
        let drafted: Drafted =
            serde_json::from_str(&response.content).map_err(|e| StudyError::Rejected {
                what: "course",
                problems: vec![format!("not the course's JSON: {e}")],
            })?;
        let problems = check(&drafted);
        if !problems.is_empty() {
            return Err(StudyError::Rejected {
                what: "course",
                problems,
            });
        }
        let id = new_id("course");
        let pack_id = format!("ai-{}", &id["course_".len()..]);
        let meta = GenerationMetadata {
            model_used: response.model,
            generation_time: seconds_since(started),
            tokens_used: response
                .usage
                .input_tokens
                .saturating_add(response.usage.output_tokens),
        };
        let generated = course(&b, drafted, &id, &pack_id, meta);
        let files = pack_files(&generated);
        let corrupt = |e: serde_json::Error| crate::store::StoreError::Corrupt(e.to_string());
        self.db
            .insert_course_draft(&CourseDraftRow {
                id: id.clone(),
                user_id: user_id.to_owned(),
                pack_id,
                course: serde_json::to_string(&generated).map_err(corrupt)?,
                files: serde_json::to_string(&files).map_err(corrupt)?,
                status: "draft".to_owned(),
                published_by: None,
                published_at: None,
                created_at: now_ms(),
            })
            .await?;
        Ok(generated)
    }

    /// A draft, for the user who generated it or anyone who may create courses.
    pub async fn course_draft(
        &self,
        user_id: &str,
        may_create_courses: bool,
        course_id: &str,
    ) -> Result<CourseDraft, StudyError> {
        let row = self
            .db
            .course_draft(course_id)
            .await?
            .filter(|r| r.user_id == user_id || may_create_courses)
            .ok_or_else(|| StudyError::NotFound {
                what: "course",
                field: "course_id",
                id: course_id.to_owned(),
            })?;
        draft_view(row)
    }

    /// The courses `user_id` generated, most recent first (also their export).
    pub async fn course_drafts(&self, user_id: &str) -> Result<Vec<CourseDraft>, StudyError> {
        self.db
            .course_drafts(user_id)
            .await?
            .into_iter()
            .map(draft_view)
            .collect()
    }

    /// Publishes a draft: the content import on its files, then the draft is marked
    /// published. The caller must be allowed to create courses.
    pub async fn publish_course(
        &self,
        user_id: &str,
        course_id: &str,
    ) -> Result<Published, StudyError> {
        let draft = self.course_draft(user_id, true, course_id).await?;
        if draft.course.status == "published" {
            return Err(StudyError::Conflict(format!(
                "course_id: course `{course_id}` is published already (pack `{}`)",
                draft.course.pack_id
            )));
        }
        let dir = tempfile::tempdir()
            .map_err(|e| StudyError::Unpublishable(format!("no folder for the pack: {e}")))?;
        for (path, text) in &draft.files {
            let target = dir.path().join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StudyError::Unpublishable(format!("cannot write the pack: {e}"))
                })?;
            }
            std::fs::write(&target, text)
                .map_err(|e| StudyError::Unpublishable(format!("cannot write the pack: {e}")))?;
        }
        let report = crate::content::import(&self.db, dir.path(), false).await;
        match report.outcome {
            Ok(_) => {}
            Err(crate::content::ImportError::Store(e)) => return Err(e.into()),
            Err(e @ crate::content::ImportError::Clashes(_)) => {
                return Err(StudyError::Conflict(e.to_string()));
            }
            Err(e) => return Err(StudyError::Unpublishable(e.to_string())),
        }
        self.db
            .publish_course_draft(course_id, user_id, now_ms())
            .await?;
        // The teacher who published it answers for it in the catalog (and may edit it).
        let metadata = serde_json::to_string(&draft.course.ai_generation_metadata)
            .map_err(|e| StudyError::Unpublishable(e.to_string()))?;
        self.db
            .mark_generated_listing(
                &format!("{}.course", draft.course.pack_id),
                user_id,
                &metadata,
            )
            .await?;
        let first_step = format!("{}.m1.t1.read", draft.course.pack_id);
        Ok(Published {
            course_id: course_id.to_owned(),
            pack_id: draft.course.pack_id,
            lessons: report.size.0,
            steps: report.size.1,
            first_step,
        })
    }
}

fn draft_view(row: CourseDraftRow) -> Result<CourseDraft, StudyError> {
    let corrupt =
        |e: serde_json::Error| StudyError::Store(crate::store::StoreError::Corrupt(e.to_string()));
    let mut course: GeneratedCourse = serde_json::from_str(&row.course).map_err(corrupt)?;
    course.status = row.status;
    Ok(CourseDraft {
        course,
        files: serde_json::from_str(&row.files).map_err(corrupt)?,
        generated_by: row.user_id,
        published_by: row.published_by,
        published_at: row.published_at.map(crate::store::rfc3339),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_weeks_in_the_seeds_spellings() {
        assert_eq!(weeks(&json!("6_weeks")).unwrap(), 6);
        assert_eq!(weeks(&json!("1 week")).unwrap(), 1);
        assert_eq!(weeks(&json!(16)).unwrap(), 16);
        for bad in [
            json!("17_weeks"),
            json!("0_weeks"),
            json!("soon"),
            json!(2.5),
            json!(null),
        ] {
            let e = weeks(&bad).unwrap_err();
            assert!(e.to_string().starts_with("duration: "), "{bad}: {e}");
        }
    }

    fn request() -> CourseRequest {
        CourseRequest {
            topic: "Introduction to Python Programming".to_owned(),
            duration: json!("6_weeks"),
            difficulty: "beginner".to_owned(),
            learning_style: Some("hands_on".to_owned()),
            objectives: vec![
                "Master Python syntax".to_owned(),
                "Build small programs".to_owned(),
                "Debug and test code".to_owned(),
            ],
            target_audience: Some("programming_beginners".to_owned()),
        }
    }

    #[test]
    fn a_brief_names_the_field_it_refuses() {
        let b = brief(request()).unwrap();
        assert_eq!((b.weeks, b.modules), (6, 6));
        let mut r = request();
        r.duration = json!("2_weeks");
        // Fewer weeks than the fewest modules: two modules a week.
        assert_eq!(brief(r).unwrap().modules, 4);
        let mut r = request();
        r.objectives.truncate(2);
        assert!(
            brief(r)
                .unwrap_err()
                .to_string()
                .starts_with("objectives: give 3 to 10")
        );
        let mut r = request();
        r.objectives[1] = "x".to_owned();
        assert!(
            brief(r)
                .unwrap_err()
                .to_string()
                .starts_with("objectives[1]: ")
        );
        let mut r = request();
        r.learning_style = Some("osmosis".to_owned());
        assert!(
            brief(r)
                .unwrap_err()
                .to_string()
                .starts_with("learning_style: ")
        );
        let mut r = request();
        r.difficulty = "expert".to_owned();
        assert!(
            brief(r)
                .unwrap_err()
                .to_string()
                .starts_with("difficulty: ")
        );
    }

    fn drafted(modules: usize) -> Drafted {
        Drafted {
            title: "Python from zero".to_owned(),
            description: "A first course.".to_owned(),
            modules: (0..modules)
                .map(|i| DraftedModule {
                    title: format!("Module {i}"),
                    learning_objectives: vec!["Write a loop".to_owned()],
                    topics: (0..2)
                        .map(|j| DraftedTopic {
                            title: format!("Topic {i}.{j}"),
                            content: "A loop repeats code. Here is one.".to_owned(),
                            exercises: vec![DraftedExercise {
                                title: "Print 1 to 10".to_owned(),
                            }],
                        })
                        .collect(),
                    assessment: DraftedAssessment {
                        title: "A calculator".to_owned(),
                        requirements: vec!["Adds".to_owned(), "Handles bad input".to_owned()],
                    },
                })
                .collect(),
            prerequisites: vec![],
            resources: vec![],
        }
    }

    #[test]
    fn the_course_is_a_pack_the_content_import_accepts() {
        let b = brief(request()).unwrap();
        let meta = GenerationMetadata {
            model_used: "m".to_owned(),
            generation_time: 0.1,
            tokens_used: 1,
        };
        let c = course(&b, drafted(6), "course_abc", "ai-abc", meta);
        assert_eq!(c.modules[5].week, 6);
        assert_eq!(
            c.total_hours, 48,
            "8 hours a week for 6 weeks, as seed 002 §3.4's example"
        );
        assert_eq!(c.modules[0].assessment.kind, "coding_project");
        let files = pack_files(&c);
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &files {
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        let pack = crate::content::pack::load(dir.path()).unwrap();
        assert_eq!(pack.lessons.len(), 12);
        // Every module's project, and every lesson after the one before it.
        assert_eq!(
            pack.step_ids().filter(|s| s.ends_with(".project")).count(),
            6
        );
        assert_eq!(pack.lessons[1].prerequisites, ["ai-abc.m1.t1"]);
    }

    #[test]
    fn repeated_module_titles_and_blank_texts_are_named() {
        let mut d = drafted(4);
        d.modules[2].title = "module 0".to_owned();
        d.modules[1].topics[0].content = " ".to_owned();
        assert_eq!(
            check(&d),
            [
                "modules[1].topics[0].content: blank",
                "modules[2].title: repeats an earlier module's"
            ]
        );
    }
}
