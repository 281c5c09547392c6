//! Lens (seed 001 §10.4): goals in the user's words (sealed), small actions towards them
//! (the user's own, or the lens coach plugin's suggestions), and one affirmation per user
//! per local day, written by the coach once and kept, so it stays the same all day.

use serde::{Deserialize, Serialize};

use super::plans::{self, Feature};
use super::{CrisisAnswer, Kalei, KaleiError, Member, check_text, invalid, new_id};
use crate::plugins::contract::reflection::{Action, ActionsRequest, AffirmationRequest, Goal};
use crate::store::kalei::{ActionRow, AffirmationRow, GoalRow};
use crate::store::rfc3339;

/// Longest goal title, in characters.
pub const MAX_GOAL_CHARS: usize = 500;
/// Most actions suggested at once.
pub const MAX_SUGGESTIONS: u32 = 7;

/// Longest action title served, in characters.
pub const MAX_ACTION_CHARS: usize = 200;

/// Whether a coach's suggestions may be served for a request of `count`: exactly `count`
/// actions, each titled (at most [`MAX_ACTION_CHARS`]) and taking 1 to 120 minutes.
pub fn check_actions(actions: &[Action], count: u32) -> Result<(), String> {
    if actions.len() != count as usize {
        return Err(format!(
            "{} actions, not the {count} asked for",
            actions.len()
        ));
    }
    for (i, a) in actions.iter().enumerate() {
        let chars = a.title.trim().chars().count();
        if chars == 0 || chars > MAX_ACTION_CHARS {
            return Err(format!(
                "actions[{i}].title must be 1 to {MAX_ACTION_CHARS} characters (got {chars})"
            ));
        }
        if !(1..=120).contains(&a.minutes) {
            return Err(format!(
                "actions[{i}].minutes must be 1 to 120 (got {})",
                a.minutes
            ));
        }
    }
    Ok(())
}

/// A new goal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGoal {
    /// What you want, 1-500 characters.
    pub title: String,
    /// Why it matters to you, up to 1000 characters.
    pub why: Option<String>,
    /// The date you aim for, `YYYY-MM-DD`.
    pub target_date: Option<String>,
    /// How many first actions the coach suggests, 0-7 (default 3).
    pub suggest: Option<u32>,
}

/// Actions to add to a goal: your own (`title`), or the coach's suggestions (`suggest`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActions {
    /// Your own action, 1-200 characters.
    pub title: Option<String>,
    /// Minutes your action takes, 1-120 (default 10).
    pub minutes: Option<u32>,
    /// How many actions the coach suggests, 1-7 (when no `title`; default 3).
    pub suggest: Option<u32>,
}

/// An action, opened.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionView {
    /// Id.
    pub id: String,
    /// Its goal.
    pub goal_id: String,
    /// What to do.
    pub title: String,
    /// Minutes it takes.
    pub minutes: i64,
    /// `user` or `coach`.
    pub source: String,
    /// `open` or `done`.
    pub status: String,
    /// RFC 3339, when completed.
    pub completed_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A goal, opened, with its actions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GoalView {
    /// Id.
    pub id: String,
    /// What you want.
    pub title: String,
    /// Why it matters.
    pub why: Option<String>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
    /// `active`, `achieved` or `archived`.
    pub status: String,
    /// Its actions, oldest first.
    pub actions: Vec<ActionView>,
    /// RFC 3339.
    pub created_at: String,
}

/// The answer to a new goal or new actions: the goal, or the crisis response instead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GoalAnswer {
    /// The goal with its actions (none for a crisis: nothing is stored).
    pub goal: Option<GoalView>,
    /// For a crisis: the gate's response.
    pub crisis: Option<CrisisAnswer>,
}

/// The day's affirmation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AffirmationView {
    /// The affirmation.
    pub text: String,
    /// Your local date it is for.
    pub local_date: String,
    /// The plugin that wrote it.
    pub written_by: String,
}

fn check_date(field: &str, value: &str) -> Result<(), KaleiError> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| invalid(field, format!("`{value}` is not a date (YYYY-MM-DD)")))
}

impl Kalei {
    fn view_action(&self, a: &ActionRow) -> Result<ActionView, KaleiError> {
        Ok(ActionView {
            id: a.id.clone(),
            goal_id: a.goal_id.clone(),
            title: self.open(&a.title_key, &a.title_sealed)?,
            minutes: a.minutes,
            source: a.source.clone(),
            status: a.status.clone(),
            completed_at: a.completed_at.map(rfc3339),
            created_at: rfc3339(a.created_at),
        })
    }

    pub(super) fn view_goal(
        &self,
        g: &GoalRow,
        actions: &[ActionRow],
    ) -> Result<GoalView, KaleiError> {
        Ok(GoalView {
            id: g.id.clone(),
            title: self.open(&g.title_key, &g.title_sealed)?,
            why: match (&g.why_key, &g.why_sealed) {
                (Some(k), Some(s)) => Some(self.open(k, s)?),
                _ => None,
            },
            target_date: g.target_date.clone(),
            status: g.status.clone(),
            actions: actions
                .iter()
                .filter(|a| a.goal_id == g.id)
                .map(|a| self.view_action(a))
                .collect::<Result<_, _>>()?,
            created_at: rfc3339(g.created_at),
        })
    }

    fn action_rows(
        &self,
        member: &Member,
        goal_id: &str,
        source: &str,
        actions: &[Action],
    ) -> Vec<ActionRow> {
        actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (title_key, title_sealed) = self.seal(a.title.trim());
                ActionRow {
                    id: new_id("act"),
                    goal_id: goal_id.to_owned(),
                    user_id: member.id().to_owned(),
                    title_key,
                    title_sealed,
                    minutes: i64::from(a.minutes),
                    source: source.to_owned(),
                    status: "open".into(),
                    completed_at: None,
                    completed_day: None,
                    // In the order suggested.
                    created_at: member.now.0 + i64::try_from(i).unwrap_or(0),
                }
            })
            .collect()
    }

    /// The coach's `count` suggestions for `goal`, checked.
    async fn suggest(
        &self,
        member: &Member,
        goal: Goal,
        existing: Vec<String>,
        count: u32,
    ) -> Result<Vec<Action>, KaleiError> {
        let plugin = self.plugin(member, "lens-coach", |s| s.lens_coach.as_ref())?;
        let request = ActionsRequest {
            goal,
            existing,
            count,
            learner: Some(member.learner()),
        };
        let runtime = self.registry.runtime().clone();
        let actions = self
            .for_member(member, "lens-coach", |obo| async move {
                runtime.suggest_actions(&plugin, &request, Some(&obo)).await
            })
            .await?;
        check_actions(&actions, count).map_err(|problem| KaleiError::Rejected {
            world: "lens-coach",
            problem,
        })?;
        Ok(actions)
    }

    /// Sets a goal (Lens is in the plan; the title and why are screened for a crisis and
    /// sealed) with the coach's first suggestions.
    pub async fn create_goal(
        &self,
        member: &Member,
        new: NewGoal,
    ) -> Result<GoalAnswer, KaleiError> {
        plans::require(member, Feature::Lens).map_err(KaleiError::Limit)?;
        check_text("title", &new.title, MAX_GOAL_CHARS)?;
        if let Some(why) = &new.why {
            check_text("why", why, 1000)?;
        }
        if let Some(date) = &new.target_date {
            check_date("target_date", date)?;
        }
        let suggest = new.suggest.unwrap_or(3);
        if suggest > MAX_SUGGESTIONS {
            return Err(invalid(
                "suggest",
                format!("must be 0 to {MAX_SUGGESTIONS}"),
            ));
        }
        let texts: Vec<&str> = std::iter::once(new.title.as_str())
            .chain(new.why.as_deref())
            .collect();
        if let Some(crisis) = self.crisis_check(member, &texts, "lens").await? {
            return Ok(GoalAnswer {
                goal: None,
                crisis: Some(crisis),
            });
        }
        let goal = Goal {
            title: new.title.trim().to_owned(),
            why: new.why.clone(),
            target_date: new.target_date.clone(),
        };
        let suggested = if suggest > 0 {
            self.suggest(member, goal, Vec::new(), suggest).await?
        } else {
            Vec::new()
        };
        let (title_key, title_sealed) = self.seal(new.title.trim());
        let (why_key, why_sealed) = self.keys.seal_opt(new.why.as_deref());
        let row = GoalRow {
            id: new_id("goal"),
            user_id: member.id().to_owned(),
            title_key,
            title_sealed,
            why_key,
            why_sealed,
            target_date: new.target_date,
            status: "active".into(),
            created_at: member.now.0,
            updated_at: member.now.0,
        };
        let actions = self.action_rows(member, &row.id, "coach", &suggested);
        self.db.insert_goal(&row, &actions).await?;
        Ok(GoalAnswer {
            goal: Some(self.view_goal(&row, &actions)?),
            crisis: None,
        })
    }

    /// The member's goals with their actions, newest first (Lens is in the plan).
    pub async fn goals(&self, member: &Member) -> Result<Vec<GoalView>, KaleiError> {
        plans::require(member, Feature::Lens).map_err(KaleiError::Limit)?;
        let (goals, actions) = self.db.goals(member.id()).await?;
        goals.iter().map(|g| self.view_goal(g, &actions)).collect()
    }

    /// Adds the member's own action, or the coach's suggestions, to a goal.
    pub async fn add_actions(
        &self,
        member: &Member,
        goal_id: &str,
        new: NewActions,
    ) -> Result<GoalAnswer, KaleiError> {
        plans::require(member, Feature::Lens).map_err(KaleiError::Limit)?;
        let goal =
            self.db
                .goal(member.id(), goal_id)
                .await?
                .ok_or_else(|| KaleiError::NotFound {
                    what: "goal",
                    field: "goal_id",
                    id: goal_id.to_owned(),
                })?;
        let (_, all) = self.db.goals(member.id()).await?;
        let existing: Vec<String> = all
            .iter()
            .filter(|a| a.goal_id == goal.id)
            .map(|a| self.open(&a.title_key, &a.title_sealed))
            .collect::<Result<_, _>>()?;
        let rows = if let Some(title) = &new.title {
            if new.suggest.is_some() {
                return Err(invalid(
                    "suggest",
                    "give either `title` or `suggest`, not both",
                ));
            }
            check_text("title", title, MAX_ACTION_CHARS)?;
            let minutes = new.minutes.unwrap_or(10);
            if !(1..=120).contains(&minutes) {
                return Err(invalid("minutes", "must be 1 to 120"));
            }
            if let Some(crisis) = self.crisis_check(member, &[title], "lens").await? {
                return Ok(GoalAnswer {
                    goal: None,
                    crisis: Some(crisis),
                });
            }
            let own = Action {
                title: title.trim().to_owned(),
                minutes,
            };
            self.action_rows(member, &goal.id, "user", &[own])
        } else {
            if new.minutes.is_some() {
                return Err(invalid("minutes", "only with `title`"));
            }
            let count = new.suggest.unwrap_or(3);
            if !(1..=MAX_SUGGESTIONS).contains(&count) {
                return Err(invalid(
                    "suggest",
                    format!("must be 1 to {MAX_SUGGESTIONS}"),
                ));
            }
            let why = match (&goal.why_key, &goal.why_sealed) {
                (Some(k), Some(s)) => Some(self.open(k, s)?),
                _ => None,
            };
            let for_coach = Goal {
                title: self.open(&goal.title_key, &goal.title_sealed)?,
                why,
                target_date: goal.target_date.clone(),
            };
            let suggested = self.suggest(member, for_coach, existing, count).await?;
            self.action_rows(member, &goal.id, "coach", &suggested)
        };
        self.db.insert_actions(&rows).await?;
        let (_, all) = self.db.goals(member.id()).await?;
        Ok(GoalAnswer {
            goal: Some(self.view_goal(&goal, &all)?),
            crisis: None,
        })
    }

    /// Marks an action done on the member's local day (again: no change).
    pub async fn complete_action(
        &self,
        member: &Member,
        action_id: &str,
    ) -> Result<ActionView, KaleiError> {
        plans::require(member, Feature::Lens).map_err(KaleiError::Limit)?;
        let not_found = || KaleiError::NotFound {
            what: "action",
            field: "action_id",
            id: action_id.to_owned(),
        };
        self.db
            .action(member.id(), action_id)
            .await?
            .ok_or_else(not_found)?;
        self.db
            .complete_action(action_id, member.now.0, &member.local_date())
            .await?;
        let action = self
            .db
            .action(member.id(), action_id)
            .await?
            .ok_or_else(not_found)?;
        self.view_action(&action)
    }

    /// Today's affirmation: written by the coach on the first ask of the member's local
    /// day, then the same all day.
    pub async fn affirmation_today(&self, member: &Member) -> Result<AffirmationView, KaleiError> {
        plans::require(member, Feature::Lens).map_err(KaleiError::Limit)?;
        let today = member.local_date();
        let row = match self.db.affirmation(member.id(), &today).await? {
            Some(row) => row,
            None => {
                let (goals, _) = self.db.goals(member.id()).await?;
                let titles: Vec<String> = goals
                    .iter()
                    .filter(|g| g.status == "active")
                    .take(5)
                    .map(|g| self.open(&g.title_key, &g.title_sealed))
                    .collect::<Result<_, _>>()?;
                let week_ago =
                    super::local_date(&member.user.timezone, member.now.0 - 6 * 86_400_000);
                let completed = self
                    .db
                    .actions_completed_between(member.id(), &week_ago, &today)
                    .await?;
                let plugin = self.plugin(member, "lens-coach", |s| s.lens_coach.as_ref())?;
                let written_by = plugin.plugin_ref().to_string();
                let request = AffirmationRequest {
                    goals: titles,
                    completed_this_week: u32::try_from(completed).unwrap_or(u32::MAX),
                    local_date: today.clone(),
                    learner: Some(member.learner()),
                };
                let runtime = self.registry.runtime().clone();
                let text = self
                    .for_member(member, "lens-coach", |obo| async move {
                        runtime.affirmation(&plugin, &request, Some(&obo)).await
                    })
                    .await?;
                let chars = text.trim().chars().count();
                if chars == 0 || chars > 400 {
                    return Err(KaleiError::Rejected {
                        world: "lens-coach",
                        problem: format!("an affirmation of {chars} characters (1 to 400)"),
                    });
                }
                let (text_key, text_sealed) = self.seal(text.trim());
                self.db
                    .put_affirmation(&AffirmationRow {
                        id: new_id("aff"),
                        user_id: member.id().to_owned(),
                        local_date: today.clone(),
                        text_key,
                        text_sealed,
                        model: written_by,
                        created_at: member.now.0,
                    })
                    .await?
            }
        };
        Ok(AffirmationView {
            text: self.open(&row.text_key, &row.text_sealed)?,
            local_date: row.local_date,
            written_by: row.model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_must_match_the_count_and_bounds() {
        let action = |title: &str, minutes| Action {
            title: title.into(),
            minutes,
        };
        assert!(check_actions(&[action("Walk 10 minutes", 10)], 1).is_ok());
        assert!(check_actions(&[action("Walk", 10)], 2).is_err());
        assert!(check_actions(&[action("", 10)], 1).is_err());
        assert!(check_actions(&[action("Walk", 0)], 1).is_err());
        assert!(check_actions(&[action("Walk", 121)], 1).is_err());
    }
}
