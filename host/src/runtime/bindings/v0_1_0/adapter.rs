//! `tessera:platform@0.1.0`'s generated types ⇄ the host's own (`crate::plugins::contract`).
//!
//! 0.2.0's interfaces other than `embeddings` have exactly these types, so `v0_2_0` compiles
//! this same file against its own bindings (`super::` is the including version's module).
//! Every record maps field for field; when a version changes a type, it gets its own
//! adapter, and an older version's fills what it lacks with the defaults its plugins
//! behaved as.

use crate::plugins::contract as host;
use crate::runtime::bindings::convert::{enumeration, record, variant};

use super::code_runner_world::runner as code_runner_export;
use super::exports::tessera::platform::grader;
use super::lesson_engine_world::engine as lesson_engine;
use super::llm_world::gateway as llm_export;
use super::safety_world::safety;
use super::tessera::platform::{code_runner as code_runner_import, llm as llm_import, types};

record!(types::FieldError => host::types::FieldError { field, message });
variant!(types::Error => host::types::Error { InvalidInput, Unsupported, Unavailable, Internal });
record!(types::LearnerContext => host::types::LearnerContext { learner_id, locale, timezone, tone });
enumeration!(types::Role => host::types::Role { System, User, Assistant });
record!(types::Message => host::types::Message { role, content });
record!(grader::Question => host::grader::Question { kind, prompt, options, answer_key });
record!(grader::Submission => host::grader::Submission { question, answer, learner });
record!(grader::PartFeedback => host::grader::PartFeedback { part, correct, feedback });
record!(grader::GradeOutcome => host::grader::GradeOutcome { score, correct, feedback, parts, details });

// The llm import (plugins asking the host for a completion) and export (the AI gateway).
record!(llm_import::ChatRequest => host::llm::ChatRequest { feature, model, messages, max_tokens, temperature, response_schema, allow_cache });
record!(llm_import::Usage => host::llm::Usage { input_tokens, output_tokens });
record!(llm_import::ChatResponse => host::llm::ChatResponse { content, model, provider, usage, cached });
variant!(llm_import::LlmError => host::llm::LlmError { InvalidRequest, Unavailable, ProviderError, RateLimited, BudgetExceeded, SchemaMismatch, Blocked });
record!(llm_import::ModelInfo => host::llm::ModelInfo { id, provider });
record!(llm_export::ChatRequest => host::llm::ChatRequest { feature, model, messages, max_tokens, temperature, response_schema, allow_cache });
record!(llm_export::Usage => host::llm::Usage { input_tokens, output_tokens });
record!(llm_export::ChatResponse => host::llm::ChatResponse { content, model, provider, usage, cached });
variant!(llm_export::LlmError => host::llm::LlmError { InvalidRequest, Unavailable, ProviderError, RateLimited, BudgetExceeded, SchemaMismatch, Blocked });
record!(llm_export::ModelInfo => host::llm::ModelInfo { id, provider });

enumeration!(safety::Level => host::safety::Level { None, Concern, Crisis });
record!(safety::Span => host::safety::Span { start, end, category });
record!(safety::ScreenContext => host::safety::ScreenContext { surface, region, locale });
record!(safety::Verdict => host::safety::Verdict { level, categories, spans, response });

// The code-runner import (graders asking for a run) and export (the sandbox).
record!(code_runner_import::RunLimits => host::code_runner::RunLimits { timeout_ms, memory_mb, max_output_bytes });
record!(code_runner_import::TestCase => host::code_runner::TestCase { name, stdin, expected_stdout, assertion });
record!(code_runner_import::RunRequest => host::code_runner::RunRequest { language, code, stdin, tests, limits });
enumeration!(code_runner_import::RunStatus => host::code_runner::RunStatus { Ok, RuntimeError, SyntaxError, Timeout, MemoryLimit, OutputLimit, InternalError });
record!(code_runner_import::RunError => host::code_runner::RunError { error_type, message, line });
record!(code_runner_import::TestResult => host::code_runner::TestResult { name, status, passed, expected, actual, stderr, error });
record!(code_runner_import::RunResult => host::code_runner::RunResult { status, stdout, stderr, exit_code, error, stdout_truncated, stderr_truncated, tests });
record!(code_runner_export::RunLimits => host::code_runner::RunLimits { timeout_ms, memory_mb, max_output_bytes });
record!(code_runner_export::TestCase => host::code_runner::TestCase { name, stdin, expected_stdout, assertion });
record!(code_runner_export::RunRequest => host::code_runner::RunRequest { language, code, stdin, tests, limits });
enumeration!(code_runner_export::RunStatus => host::code_runner::RunStatus { Ok, RuntimeError, SyntaxError, Timeout, MemoryLimit, OutputLimit, InternalError });
record!(code_runner_export::RunError => host::code_runner::RunError { error_type, message, line });
record!(code_runner_export::TestResult => host::code_runner::TestResult { name, status, passed, expected, actual, stderr, error });
record!(code_runner_export::RunResult => host::code_runner::RunResult { status, stdout, stderr, exit_code, error, stdout_truncated, stderr_truncated, tests });

record!(lesson_engine::LessonRef => host::lesson_engine::LessonRef { lesson_id, topic, position, prerequisites, steps });
record!(lesson_engine::LessonStep => host::lesson_engine::LessonStep { step_id, kind, done });
record!(lesson_engine::ReviewState => host::lesson_engine::ReviewState { item_id, topic, stability, difficulty, due_at_ms, last_review_ms, reps, lapses });
record!(lesson_engine::TopicStats => host::lesson_engine::TopicStats { topic, quiz_attempts, quiz_score, exercise_attempts, exercises_passed, exercise_score, code_quality_ratings, code_quality });
record!(lesson_engine::LearnerState => host::lesson_engine::LearnerState { learner, now_ms, utc_offset_minutes, completed, available, reviews, streak_days, last_active_date, last_freeze_date, xp, earned_achievements, topic_stats });
record!(lesson_engine::DailyPlan => host::lesson_engine::DailyPlan { lesson_id, step_id, review_ids, reason });
enumeration!(lesson_engine::StepKind => host::lesson_engine::StepKind { Explanation, Quiz, Code, Project });
enumeration!(lesson_engine::Rating => host::lesson_engine::Rating { Again, Hard, Good, Easy });
record!(lesson_engine::StepOutcome => host::lesson_engine::StepOutcome { item_id, topic, kind, score, correct, duration_ms, expected_duration_ms, attempt, lesson_id, lesson_completed, code_quality });
enumeration!(lesson_engine::StreakChange => host::lesson_engine::StreakChange { Started, Kept, Extended, Frozen, Reset });
record!(lesson_engine::ProgressUpdate => host::lesson_engine::ProgressUpdate { review, rating, xp_earned, streak_days, streak_change, last_active_date, last_freeze_date, topic_stats, mastery, achievements });
record!(lesson_engine::TopicMastery => host::lesson_engine::TopicMastery { topic, mastery, quiz, exercises, code_quality, consistency });
record!(lesson_engine::TrackRef => host::lesson_engine::TrackRef { track_id, lesson_ids, topics });
record!(lesson_engine::CertificateReport => host::lesson_engine::CertificateReport { track_id, eligible, missing_lessons, weak_topics, required_mastery });
record!(lesson_engine::AchievementInfo => host::lesson_engine::AchievementInfo { id, title, description, per_topic });
