//! Tone switching (`switchTone`, docs/requirements.md#r-000-4): the learner's tone is stored, and
//! step texts are rewritten in it through the `llm` path (safety gate, budgets, the AI gateway with
//! feature `tone`), cached per step and tone in `step_tone_variants` for every learner.
//!
//! Decisions: packs are written in the `friendly` tone, so `friendly` shows the authored
//! text. Only prose is rewritten: fenced code blocks are replaced by placeholders before
//! the model sees the text and put back after, and a rewrite that loses a placeholder is
//! discarded (the authored text is shown). Quiz prompts and options keep their wording, so
//! their answer keys stay true. The step shown is rewritten before the answer; the rest
//! of the lesson is rewritten in the background, so later steps are ready when reached.

use std::sync::Arc;

use super::catalog::Step;
use super::daily::{current_step, done_in, find_lesson, lesson_info};
use super::views::LessonStep;
use super::{AUTHORED_TONE, Learning, LearningError, Tone};
use crate::ai::{AiError, Origin};
use crate::plugins::contract::llm::ChatRequest;
use crate::plugins::contract::types::{Message, Role};

/// Most generated tokens of one rewrite.
const MAX_REWRITE_TOKENS: u32 = 2048;

impl Learning {
    /// `switchTone` (docs/requirements.md#r-000-4): sets the learner's tone and returns the
    /// learner's current step of `lesson_id` in it.
    pub async fn switch_tone(
        self: &Arc<Self>,
        user_id: &str,
        lesson_id: &str,
        tone: &str,
    ) -> Result<LessonStep, LearningError> {
        let tone = tone.trim().to_ascii_lowercase();
        let tone: Tone = tone
            .parse()
            .map_err(|e: crate::store::codec::UnknownName| {
                LearningError::invalid(
                    "tone",
                    format!("`{tone}` is not a tone; use one of {}", e.choices),
                )
            })?;
        let catalog = self.catalog().await?;
        let lesson = find_lesson(&catalog, lesson_id)?;
        let data = self.learner_data(user_id).await?;
        self.db.set_tone(user_id, tone).await?;
        let done = done_in(&data, lesson_id);
        let step = current_step(&lesson, &done).cloned();
        if let Some(step) = &step {
            self.rewrite(step, tone, user_id).await?;
            let rest: Vec<Arc<Step>> = lesson
                .steps
                .iter()
                .filter(|s| s.row.id != step.row.id && !done.contains(&s.row.id))
                .cloned()
                .collect();
            let this = self.clone();
            let user = user_id.to_owned();
            tokio::spawn(async move {
                for s in rest {
                    if let Err(e) = this.rewrite(&s, tone, &user).await {
                        tracing::warn!(step = %s.row.id, %tone, error = %e, "background tone rewrite failed");
                        break;
                    }
                }
            });
        }
        let view = match &step {
            Some(step) => Some(self.step_view(&lesson, step, &done, tone).await?),
            None => None,
        };
        let completed = data.completed.contains(&lesson.row.id);
        Ok(LessonStep {
            mode: "lesson".into(),
            lesson: Some(lesson_info(&lesson, &done, completed)),
            step: view,
            reviews: Vec::new(),
            reason: format!("Lesson `{}` in the {tone} tone.", lesson.row.title),
            tone: tone.as_str().into(),
            streak_days: data.learner.streak,
            total_xp: data.learner.total_xp,
        })
    }

    /// Rewrites `step`'s text in `tone` unless stored already (or nothing to rewrite).
    async fn rewrite(&self, step: &Step, tone: Tone, user_id: &str) -> Result<(), LearningError> {
        let body = &step.row.body;
        if tone == AUTHORED_TONE || body.trim().is_empty() {
            return Ok(());
        }
        let hash = super::sha256_hex(body.as_bytes());
        if self
            .db
            .tone_variant(&step.row.id, tone, &hash)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let (prose, blocks) = protect_code(body);
        let request = ChatRequest {
            feature: "tone".into(),
            model: None,
            messages: vec![
                Message {
                    role: Role::System,
                    content: format!(
                        "Tone: {tone}\nRewrite the lesson text below in a {tone} tone for a \
                         beginner. Keep every fact, every Markdown heading and list, and every \
                         placeholder like [[CODE-1]] exactly as it is. Answer with the \
                         rewritten text only."
                    ),
                },
                Message {
                    role: Role::User,
                    content: prose,
                },
            ],
            max_tokens: Some(MAX_REWRITE_TOKENS),
            temperature: Some(0.4),
            response_schema: None,
            allow_cache: true,
        };
        let origin = Origin {
            user_id: Some(user_id),
            surface: "lessons",
            plugin: None,
            region: None,
        };
        let completion = match self.ai.complete(&request, origin).await {
            Ok(c) => c,
            // Lesson text never carries a crisis, but a learner never sees an error for it.
            Err(AiError::Blocked(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let Some(rewritten) = restore_code(&completion.response.content, &blocks) else {
            tracing::warn!(step = %step.row.id, %tone, "tone rewrite lost a code block; keeping the authored text");
            return Ok(());
        };
        self.db
            .store_tone_variant(
                &step.row.id,
                tone,
                &hash,
                &rewritten,
                &completion.response.model,
            )
            .await?;
        Ok(())
    }
}

/// Replaces fenced code blocks with `[[CODE-n]]` placeholders; returns the prose and the
/// blocks.
fn protect_code(text: &str) -> (String, Vec<String>) {
    let mut prose = String::new();
    let mut blocks = Vec::new();
    let mut block: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_start().starts_with("```");
        match &mut block {
            Some(b) => {
                b.push_str(line);
                if fence {
                    blocks.push(std::mem::take(b));
                    prose.push_str(&format!("[[CODE-{}]]\n", blocks.len()));
                    block = None;
                }
            }
            None if fence => block = Some(line.to_owned()),
            None => prose.push_str(line),
        }
    }
    // An unclosed fence stays as it was written.
    if let Some(b) = block {
        blocks.push(b);
        prose.push_str(&format!("[[CODE-{}]]\n", blocks.len()));
    }
    (prose, blocks)
}

/// Puts the blocks back; `None` when a placeholder is missing.
fn restore_code(text: &str, blocks: &[String]) -> Option<String> {
    let mut out = text.to_owned();
    for (i, block) in blocks.iter().enumerate() {
        let marker = format!("[[CODE-{}]]", i + 1);
        let at = out.find(&marker)?;
        let block = block.trim_end_matches('\n');
        out.replace_range(at..at + marker.len(), block);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_survive_a_rewrite() {
        let text =
            "Loops repeat.\n\n```python\nfor i in range(3):\n    print(i)\n```\n\nThat's it.\n";
        let (prose, blocks) = protect_code(text);
        assert_eq!(blocks.len(), 1);
        assert!(prose.contains("[[CODE-1]]"));
        assert!(!prose.contains("range"));
        let rewritten = prose.replace("Loops repeat.", "Loops repeat things, friend!");
        let back = restore_code(&rewritten, &blocks).unwrap();
        assert!(back.contains("for i in range(3):\n    print(i)\n```"));
        assert!(back.starts_with("Loops repeat things, friend!"));
        assert_eq!(restore_code("no marker here", &blocks), None);
    }
}
