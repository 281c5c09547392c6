//! Kalei's tables (`migrations/shared/20261205170000_kalei.sql`; `crate::kalei` decides):
//! Mirror sessions, messages and fragments, Turns, and Spectrum's feature-store rows,
//! written in the same transaction as what they count. Sealed columns arrive sealed and
//! leave sealed: this module never sees plaintext of them.

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Db, StoreError};

/// A Mirror session.
#[derive(Debug, Clone)]
pub struct MirrorSessionRow {
    /// Id (`ms_<uuid>`).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Left out of Spectrum.
    pub excluded: bool,
    /// At close: the summary, JSON (counts and kinds only).
    pub summary: Option<String>,
    /// When, ms.
    pub created_at: i64,
    /// Last message, ms.
    pub updated_at: i64,
    /// When closed, ms.
    pub closed_at: Option<i64>,
    /// Messages in it.
    pub messages: i64,
}

/// A Mirror message, sealed.
#[derive(Debug, Clone)]
pub struct MirrorMessageRow {
    /// Id (`mm_<uuid>`).
    pub id: String,
    /// Its session.
    pub session_id: String,
    /// The user.
    pub user_id: String,
    /// Its place in the session, from 0.
    pub position: i64,
    /// The key that sealed it.
    pub content_key: String,
    /// The sealed text.
    pub content_sealed: String,
    /// Its length in characters.
    pub chars: i64,
    /// Whether the gate answered it with the crisis response.
    pub crisis: bool,
    /// When, ms.
    pub created_at: i64,
}

/// A fragment: a span of its message.
#[derive(Debug, Clone)]
pub struct FragmentRow {
    /// Id (`mf_<uuid>`).
    pub id: String,
    /// Its message.
    pub message_id: String,
    /// Its session.
    pub session_id: String,
    /// The user.
    pub user_id: String,
    /// First character.
    pub start_char: i64,
    /// One past the last character.
    pub end_char: i64,
    /// The distortion's name.
    pub kind: String,
    /// Confidence.
    pub confidence: f64,
    /// `rules` or `model`.
    pub found_by: String,
    /// The key that sealed the reframing asked for it.
    pub reframe_key: Option<String>,
    /// The reframing (JSON), sealed.
    pub reframe_sealed: Option<String>,
    /// When it was reframed, ms.
    pub reframed_at: Option<i64>,
    /// When, ms.
    pub created_at: i64,
}

/// A Turn, sealed.
#[derive(Debug, Clone)]
pub struct TurnRow {
    /// Id (`turn_<uuid>`).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The key that sealed the input.
    pub input_key: String,
    /// The thought, sealed.
    pub input_sealed: String,
    /// The key that sealed the result.
    pub result_key: String,
    /// Reframes and micro-action (JSON), sealed.
    pub result_sealed: String,
    /// Distortions seen in the input, JSON list of names.
    pub distortions: String,
    /// The model that wrote it.
    pub model: String,
    /// In the gallery.
    pub saved: bool,
    /// When saved, ms.
    pub saved_at: Option<i64>,
    /// Left out of Spectrum.
    pub excluded: bool,
    /// When, ms.
    pub created_at: i64,
}

fn session_row(r: &AnyRow) -> Result<MirrorSessionRow, sqlx::Error> {
    Ok(MirrorSessionRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        status: r.try_get("status")?,
        excluded: r.try_get::<i64, _>("excluded")? != 0,
        summary: r.try_get("summary")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
        messages: r.try_get("messages")?,
    })
}

fn message_row(r: &AnyRow) -> Result<MirrorMessageRow, sqlx::Error> {
    Ok(MirrorMessageRow {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        user_id: r.try_get("user_id")?,
        position: r.try_get("position")?,
        content_key: r.try_get("content_key")?,
        content_sealed: r.try_get("content_sealed")?,
        chars: r.try_get("chars")?,
        crisis: r.try_get::<i64, _>("crisis")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

fn fragment_row(r: &AnyRow) -> Result<FragmentRow, sqlx::Error> {
    Ok(FragmentRow {
        id: r.try_get("id")?,
        message_id: r.try_get("message_id")?,
        session_id: r.try_get("session_id")?,
        user_id: r.try_get("user_id")?,
        start_char: r.try_get("start_char")?,
        end_char: r.try_get("end_char")?,
        kind: r.try_get("kind")?,
        confidence: r.try_get("confidence")?,
        found_by: r.try_get("found_by")?,
        reframe_key: r.try_get("reframe_key")?,
        reframe_sealed: r.try_get("reframe_sealed")?,
        reframed_at: r.try_get("reframed_at")?,
        created_at: r.try_get("created_at")?,
    })
}

fn turn_row(r: &AnyRow) -> Result<TurnRow, sqlx::Error> {
    Ok(TurnRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        input_key: r.try_get("input_key")?,
        input_sealed: r.try_get("input_sealed")?,
        result_key: r.try_get("result_key")?,
        result_sealed: r.try_get("result_sealed")?,
        distortions: r.try_get("distortions")?,
        model: r.try_get("model")?,
        saved: r.try_get::<i64, _>("saved")? != 0,
        saved_at: r.try_get("saved_at")?,
        excluded: r.try_get::<i64, _>("excluded")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

const SESSION_COLUMNS: &str = "s.id, s.user_id, s.status, s.excluded, s.summary, s.created_at, \
     s.updated_at, s.closed_at, \
     (SELECT COUNT(*) FROM mirror_messages m WHERE m.session_id = s.id) AS messages";
const MESSAGE_COLUMNS: &str = "id, session_id, user_id, position, content_key, content_sealed, \
     chars, crisis, created_at";
const FRAGMENT_COLUMNS: &str = "id, message_id, session_id, user_id, start_char, end_char, kind, \
     confidence, found_by, reframe_key, reframe_sealed, reframed_at, created_at";
const TURN_COLUMNS: &str = "id, user_id, input_key, input_sealed, result_key, result_sealed, \
     distortions, model, saved, saved_at, excluded, created_at";

/// A message to store with its fragments.
pub struct NewMessage<'a> {
    /// The message (its `position` is assigned here).
    pub message: &'a MirrorMessageRow,
    /// Its fragments.
    pub fragments: &'a [FragmentRow],
    /// The user's local date the session started, for Spectrum.
    pub session_day: &'a str,
}

impl Db {
    /// Stores a new, open Mirror session and its (empty) Spectrum row.
    pub async fn insert_mirror_session(
        &self,
        id: &str,
        user_id: &str,
        local_date: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO mirror_sessions (id, user_id, status, excluded, summary, created_at, \
             updated_at, closed_at) VALUES ($1, $2, 'open', 0, NULL, $3, $3, NULL)",
        )
        .bind(id)
        .bind(user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO spectrum_session_analysis (session_id, user_id, local_date, messages, \
             fragments, reframes, excluded, updated_at) VALUES ($1, $2, $3, 0, '{}', 0, 0, $4)",
        )
        .bind(id)
        .bind(user_id)
        .bind(local_date)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's session `id`.
    pub async fn mirror_session(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<MirrorSessionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM mirror_sessions s WHERE s.id = $1 AND s.user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// The user's sessions, newest first, and how many there are.
    pub async fn mirror_sessions(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<MirrorSessionRow>, i64), StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM mirror_sessions s WHERE s.user_id = $1 \
             ORDER BY s.created_at DESC, s.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM mirror_sessions WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?;
        Ok((
            rows.iter().map(session_row).collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// Stores a message and its fragments at the end of its session, and counts them in
    /// the session's Spectrum row, in one transaction. The position it got.
    pub async fn insert_mirror_message(&self, new: NewMessage<'_>) -> Result<i64, StoreError> {
        let m = new.message;
        let mut tx = self.begin_write().await?;
        let position: i64 = sqlx::query(
            "SELECT COALESCE(MAX(position) + 1, 0) AS p FROM mirror_messages WHERE session_id = $1",
        )
        .bind(&m.session_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("p")?;
        sqlx::query(&format!(
            "INSERT INTO mirror_messages ({MESSAGE_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&m.id)
        .bind(&m.session_id)
        .bind(&m.user_id)
        .bind(position)
        .bind(&m.content_key)
        .bind(&m.content_sealed)
        .bind(m.chars)
        .bind(i64::from(m.crisis))
        .bind(m.created_at)
        .execute(&mut *tx)
        .await?;
        for f in new.fragments {
            sqlx::query(&format!(
                "INSERT INTO mirror_fragments ({FRAGMENT_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, $10)"
            ))
            .bind(&f.id)
            .bind(&f.message_id)
            .bind(&f.session_id)
            .bind(&f.user_id)
            .bind(f.start_char)
            .bind(f.end_char)
            .bind(&f.kind)
            .bind(f.confidence)
            .bind(&f.found_by)
            .bind(f.created_at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE mirror_sessions SET updated_at = $1 WHERE id = $2")
            .bind(m.created_at)
            .bind(&m.session_id)
            .execute(&mut *tx)
            .await?;
        count_in_session(&mut tx, m, new.fragments, new.session_day).await?;
        tx.commit().await?;
        Ok(position)
    }

    /// A session's messages in order, and their fragments.
    pub async fn mirror_messages(
        &self,
        session_id: &str,
    ) -> Result<(Vec<MirrorMessageRow>, Vec<FragmentRow>), StoreError> {
        let messages = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM mirror_messages WHERE session_id = $1 ORDER BY position"
        ))
        .bind(session_id)
        .fetch_all(self.pool())
        .await?;
        let fragments = sqlx::query(&format!(
            "SELECT {FRAGMENT_COLUMNS} FROM mirror_fragments WHERE session_id = $1 \
             ORDER BY message_id, start_char"
        ))
        .bind(session_id)
        .fetch_all(self.pool())
        .await?;
        Ok((
            messages.iter().map(message_row).collect::<Result<_, _>>()?,
            fragments
                .iter()
                .map(fragment_row)
                .collect::<Result<_, _>>()?,
        ))
    }

    /// The session's last `limit` messages that were not crisis messages, oldest first:
    /// a new message's context, read without the whole (ever growing) session.
    pub async fn recent_mirror_messages(
        &self,
        session_id: &str,
        limit: usize,
    ) -> Result<Vec<MirrorMessageRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM mirror_messages WHERE session_id = $1 AND crisis = 0 \
             ORDER BY position DESC LIMIT $2"
        ))
        .bind(session_id)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        let mut messages = rows
            .iter()
            .map(message_row)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok(messages)
    }

    /// The user's fragment `id` with its message.
    pub async fn mirror_fragment(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<(FragmentRow, MirrorMessageRow)>, StoreError> {
        let Some(fragment) = sqlx::query(&format!(
            "SELECT {FRAGMENT_COLUMNS} FROM mirror_fragments WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let fragment = fragment_row(&fragment)?;
        let message = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM mirror_messages WHERE id = $1"
        ))
        .bind(&fragment.message_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(match message {
            Some(m) => Some((fragment, message_row(&m)?)),
            None => None,
        })
    }

    /// Keeps the reframing (sealed) asked for a fragment and counts it for Spectrum; the
    /// first reframing of a fragment is kept (a second request is answered with it).
    /// Whether this call stored it.
    pub async fn set_fragment_reframe(
        &self,
        fragment: &FragmentRow,
        key: &str,
        sealed: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let stored = sqlx::query(
            "UPDATE mirror_fragments SET reframe_key = $1, reframe_sealed = $2, reframed_at = $3 \
             WHERE id = $4 AND reframe_sealed IS NULL",
        )
        .bind(key)
        .bind(sealed)
        .bind(at)
        .bind(&fragment.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if stored {
            sqlx::query(
                "UPDATE spectrum_session_analysis SET reframes = reframes + 1, updated_at = $1 \
                 WHERE session_id = $2",
            )
            .bind(at)
            .bind(&fragment.session_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// Closes an open session with its summary; whether it was open.
    pub async fn close_mirror_session(
        &self,
        id: &str,
        summary: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let closed = sqlx::query(
            "UPDATE mirror_sessions SET status = 'closed', summary = $1, closed_at = $2, \
             updated_at = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(summary)
        .bind(at)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(closed == 1)
    }

    /// Deletes the user's session `id` with its messages, fragments and Spectrum row;
    /// whether there was one.
    pub async fn delete_mirror_session(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let found = sqlx::query("DELETE FROM mirror_sessions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if found {
            for table in [
                "mirror_fragments",
                "mirror_messages",
                "spectrum_session_analysis",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE session_id = $1"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(found)
    }

    /// Stores a Turn and its Spectrum row.
    pub async fn insert_turn(&self, turn: &TurnRow, local_date: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO turns ({TURN_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&turn.id)
        .bind(&turn.user_id)
        .bind(&turn.input_key)
        .bind(&turn.input_sealed)
        .bind(&turn.result_key)
        .bind(&turn.result_sealed)
        .bind(&turn.distortions)
        .bind(&turn.model)
        .bind(i64::from(turn.saved))
        .bind(turn.saved_at)
        .bind(i64::from(turn.excluded))
        .bind(turn.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO spectrum_turn_analysis (turn_id, user_id, local_date, distortions, saved, \
             excluded, updated_at) VALUES ($1, $2, $3, $4, 0, 0, $5)",
        )
        .bind(&turn.id)
        .bind(&turn.user_id)
        .bind(local_date)
        .bind(&turn.distortions)
        .bind(turn.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's Turn `id`.
    pub async fn turn(&self, user_id: &str, id: &str) -> Result<Option<TurnRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {TURN_COLUMNS} FROM turns WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(turn_row).transpose()?)
    }

    /// The user's Turns (only saved ones: the Gallery, newest saved first), newest first,
    /// and how many there are.
    pub async fn turns(
        &self,
        user_id: &str,
        saved_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<TurnRow>, i64), StoreError> {
        let (filter, order) = if saved_only {
            ("AND saved = 1", "saved_at DESC, id DESC")
        } else {
            ("", "created_at DESC, id DESC")
        };
        let rows = sqlx::query(&format!(
            "SELECT {TURN_COLUMNS} FROM turns WHERE user_id = $1 {filter} \
             ORDER BY {order} LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM turns WHERE user_id = $1 {filter}"
        ))
        .bind(user_id)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        Ok((rows.iter().map(turn_row).collect::<Result<_, _>>()?, total))
    }

    /// Saves the user's Turn to the gallery or takes it out; whether there was one.
    pub async fn set_turn_saved(
        &self,
        user_id: &str,
        id: &str,
        saved: bool,
        at: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Saving twice keeps the first time it was saved.
        let found = sqlx::query(
            "UPDATE turns SET saved = $1, \
             saved_at = CASE WHEN $1 = 1 THEN COALESCE(saved_at, $2) ELSE NULL END \
             WHERE id = $3 AND user_id = $4",
        )
        .bind(i64::from(saved))
        .bind(at)
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if found {
            sqlx::query(
                "UPDATE spectrum_turn_analysis SET saved = $1, updated_at = $2 WHERE turn_id = $3",
            )
            .bind(i64::from(saved))
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    /// Deletes the user's Turn `id` and its Spectrum row; whether there was one.
    pub async fn delete_turn(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let found = sqlx::query("DELETE FROM turns WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if found {
            sqlx::query("DELETE FROM spectrum_turn_analysis WHERE turn_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(found)
    }
}

/// Adds a message and its fragments to its session's Spectrum row (created if missing).
async fn count_in_session(
    tx: &mut Transaction<'static, Any>,
    message: &MirrorMessageRow,
    fragments: &[FragmentRow],
    session_day: &str,
) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT fragments FROM spectrum_session_analysis WHERE session_id = $1")
        .bind(&message.session_id)
        .fetch_optional(&mut **tx)
        .await?;
    let mut counts: BTreeMap<String, i64> = match &row {
        Some(r) => serde_json::from_str(&r.try_get::<String, _>("fragments")?).map_err(|e| {
            StoreError::Corrupt(format!("spectrum_session_analysis.fragments: {e}"))
        })?,
        None => BTreeMap::new(),
    };
    for f in fragments {
        *counts.entry(f.kind.clone()).or_default() += 1;
    }
    let counts = serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into());
    if row.is_some() {
        sqlx::query(
            "UPDATE spectrum_session_analysis SET messages = messages + 1, fragments = $1, \
             updated_at = $2 WHERE session_id = $3",
        )
        .bind(&counts)
        .bind(message.created_at)
        .bind(&message.session_id)
        .execute(&mut **tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO spectrum_session_analysis (session_id, user_id, local_date, messages, \
             fragments, reframes, excluded, updated_at) VALUES ($1, $2, $3, 1, $4, 0, 0, $5)",
        )
        .bind(&message.session_id)
        .bind(&message.user_id)
        .bind(session_day)
        .bind(&counts)
        .bind(message.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A Lens goal, sealed.
#[derive(Debug, Clone)]
pub struct GoalRow {
    /// Id (`goal_<uuid>`).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The key that sealed the title.
    pub title_key: String,
    /// The title, sealed.
    pub title_sealed: String,
    /// The key that sealed `why`.
    pub why_key: Option<String>,
    /// Why it matters, sealed.
    pub why_sealed: Option<String>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
    /// `active`, `achieved` or `archived`.
    pub status: String,
    /// When, ms.
    pub created_at: i64,
    /// Last change, ms.
    pub updated_at: i64,
}

/// A Lens action, sealed.
#[derive(Debug, Clone)]
pub struct ActionRow {
    /// Id (`act_<uuid>`).
    pub id: String,
    /// Its goal.
    pub goal_id: String,
    /// The user.
    pub user_id: String,
    /// The key that sealed the title.
    pub title_key: String,
    /// The title, sealed.
    pub title_sealed: String,
    /// Minutes it takes.
    pub minutes: i64,
    /// `user` or `coach`.
    pub source: String,
    /// `open` or `done`.
    pub status: String,
    /// When completed, ms.
    pub completed_at: Option<i64>,
    /// The user's local date it was completed.
    pub completed_day: Option<String>,
    /// When, ms.
    pub created_at: i64,
}

/// A day's affirmation, sealed.
#[derive(Debug, Clone)]
pub struct AffirmationRow {
    /// Id.
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The user's local date.
    pub local_date: String,
    /// The key that sealed the text.
    pub text_key: String,
    /// The text, sealed.
    pub text_sealed: String,
    /// The plugin that wrote it.
    pub model: String,
    /// When, ms.
    pub created_at: i64,
}

const GOAL_COLUMNS: &str = "id, user_id, title_key, title_sealed, why_key, why_sealed, \
     target_date, status, created_at, updated_at";
const ACTION_COLUMNS: &str = "id, goal_id, user_id, title_key, title_sealed, minutes, source, \
     status, completed_at, completed_day, created_at";
const AFFIRMATION_COLUMNS: &str =
    "id, user_id, local_date, text_key, text_sealed, model, created_at";

fn goal_row(r: &AnyRow) -> Result<GoalRow, sqlx::Error> {
    Ok(GoalRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        title_key: r.try_get("title_key")?,
        title_sealed: r.try_get("title_sealed")?,
        why_key: r.try_get("why_key")?,
        why_sealed: r.try_get("why_sealed")?,
        target_date: r.try_get("target_date")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn action_row(r: &AnyRow) -> Result<ActionRow, sqlx::Error> {
    Ok(ActionRow {
        id: r.try_get("id")?,
        goal_id: r.try_get("goal_id")?,
        user_id: r.try_get("user_id")?,
        title_key: r.try_get("title_key")?,
        title_sealed: r.try_get("title_sealed")?,
        minutes: r.try_get("minutes")?,
        source: r.try_get("source")?,
        status: r.try_get("status")?,
        completed_at: r.try_get("completed_at")?,
        completed_day: r.try_get("completed_day")?,
        created_at: r.try_get("created_at")?,
    })
}

fn affirmation_row(r: &AnyRow) -> Result<AffirmationRow, sqlx::Error> {
    Ok(AffirmationRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        local_date: r.try_get("local_date")?,
        text_key: r.try_get("text_key")?,
        text_sealed: r.try_get("text_sealed")?,
        model: r.try_get("model")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Db {
    /// Stores a goal with its first actions.
    pub async fn insert_goal(
        &self,
        goal: &GoalRow,
        actions: &[ActionRow],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO lens_goals ({GOAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(&goal.id)
        .bind(&goal.user_id)
        .bind(&goal.title_key)
        .bind(&goal.title_sealed)
        .bind(&goal.why_key)
        .bind(&goal.why_sealed)
        .bind(&goal.target_date)
        .bind(&goal.status)
        .bind(goal.created_at)
        .bind(goal.updated_at)
        .execute(&mut *tx)
        .await?;
        insert_actions(&mut tx, actions).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores actions of a goal.
    pub async fn insert_actions(&self, actions: &[ActionRow]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_actions(&mut tx, actions).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's goal `id`.
    pub async fn goal(&self, user_id: &str, id: &str) -> Result<Option<GoalRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {GOAL_COLUMNS} FROM lens_goals WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(goal_row).transpose()?)
    }

    /// The user's goals, newest first, with every action of theirs (oldest first).
    pub async fn goals(&self, user_id: &str) -> Result<(Vec<GoalRow>, Vec<ActionRow>), StoreError> {
        let goals = sqlx::query(&format!(
            "SELECT {GOAL_COLUMNS} FROM lens_goals WHERE user_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        let actions = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM lens_actions WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok((
            goals.iter().map(goal_row).collect::<Result<_, _>>()?,
            actions.iter().map(action_row).collect::<Result<_, _>>()?,
        ))
    }

    /// The user's action `id`.
    pub async fn action(&self, user_id: &str, id: &str) -> Result<Option<ActionRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM lens_actions WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(action_row).transpose()?)
    }

    /// Marks an open action done (a done one keeps its first completion).
    pub async fn complete_action(&self, id: &str, at: i64, day: &str) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE lens_actions SET status = 'done', completed_at = $1, completed_day = $2 \
             WHERE id = $3 AND status = 'open'",
        )
        .bind(at)
        .bind(day)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Actions the user completed on local days `from..=to`.
    pub async fn actions_completed_between(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM lens_actions WHERE user_id = $1 AND status = 'done' \
             AND completed_day >= $2 AND completed_day <= $3",
        )
        .bind(user_id)
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?)
    }

    /// The user's affirmation of `local_date`.
    pub async fn affirmation(
        &self,
        user_id: &str,
        local_date: &str,
    ) -> Result<Option<AffirmationRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {AFFIRMATION_COLUMNS} FROM lens_affirmations WHERE user_id = $1 AND local_date = $2"
        ))
        .bind(user_id)
        .bind(local_date)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(affirmation_row).transpose()?)
    }

    /// Stores the day's affirmation unless one is there already (two requests racing keep
    /// the first); the one stored.
    pub async fn put_affirmation(
        &self,
        row: &AffirmationRow,
    ) -> Result<AffirmationRow, StoreError> {
        {
            let _turn = self.write_turn().await;
            sqlx::query(&format!(
                "INSERT INTO lens_affirmations ({AFFIRMATION_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, local_date) DO NOTHING"
            ))
            .bind(&row.id)
            .bind(&row.user_id)
            .bind(&row.local_date)
            .bind(&row.text_key)
            .bind(&row.text_sealed)
            .bind(&row.model)
            .bind(row.created_at)
            .execute(self.pool())
            .await?;
        }
        self.affirmation(&row.user_id, &row.local_date)
            .await?
            .ok_or_else(|| StoreError::Corrupt("an affirmation vanished as it was stored".into()))
    }
}

async fn insert_actions(
    tx: &mut Transaction<'static, Any>,
    actions: &[ActionRow],
) -> Result<(), StoreError> {
    for a in actions {
        sqlx::query(&format!(
            "INSERT INTO lens_actions ({ACTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(&a.id)
        .bind(&a.goal_id)
        .bind(&a.user_id)
        .bind(&a.title_key)
        .bind(&a.title_sealed)
        .bind(a.minutes)
        .bind(&a.source)
        .bind(&a.status)
        .bind(a.completed_at)
        .bind(&a.completed_day)
        .bind(a.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One row of Spectrum's feature store, as the job reads it.
#[derive(Debug, Clone)]
pub enum Activity {
    /// A Mirror session's counts (its start day).
    Session {
        /// The user.
        user_id: String,
        /// The user's local date.
        day: String,
        /// Messages.
        messages: i64,
        /// `{"kind": count}`, JSON.
        fragments: String,
        /// Reframes asked for.
        reframes: i64,
    },
    /// A Turn's kinds.
    Turn {
        /// The user.
        user_id: String,
        /// The user's local date.
        day: String,
        /// `["kind", …]`, JSON.
        distortions: String,
        /// Saved to the gallery.
        saved: bool,
    },
    /// A Lens action completed.
    Completed {
        /// The user.
        user_id: String,
        /// The user's local date.
        day: String,
    },
    /// A Lens action open at the period's end.
    Open {
        /// The user.
        user_id: String,
    },
}

/// A stored Spectrum period.
#[derive(Debug, Clone)]
pub struct SpectrumRow {
    /// The period's key: the Monday (`YYYY-MM-DD`) or the month (`YYYY-MM`).
    pub period: String,
    /// The counts, JSON.
    pub aggregates: String,
    /// The insights, JSON.
    pub insights: String,
    /// When, ms.
    pub computed_at: i64,
}

/// A Spectrum run's progress.
#[derive(Debug, Clone)]
pub struct SpectrumRun {
    /// The last user done (the run resumes after it).
    pub cursor_user: String,
    /// Users done.
    pub users_done: i64,
    /// `running` or `done`.
    pub status: String,
    /// When it began, ms.
    pub started_at: i64,
    /// When it ended, ms.
    pub finished_at: Option<i64>,
}

/// The table of a period kind and its key column.
fn spectrum_table(monthly: bool) -> (&'static str, &'static str) {
    if monthly {
        ("spectrum_monthly", "month")
    } else {
        ("spectrum_weekly", "week_start")
    }
}

/// A Spectrum period's row as read (`period` aliased from the table's key column).
fn spectrum_row(r: &AnyRow) -> Result<SpectrumRow, StoreError> {
    Ok(SpectrumRow {
        period: r.try_get("period")?,
        aggregates: r.try_get("aggregates")?,
        insights: r.try_get("insights")?,
        computed_at: r.try_get("computed_at")?,
    })
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Users with any activity on local days `from..=to` that is not excluded, after
    /// `after` in id order, at most `limit`.
    pub async fn spectrum_users(
        &self,
        from: &str,
        to: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        // Each source reads its next `limit` users from the cursor on, by its (user_id, …)
        // index; the first `limit` of their union are the next `limit` users overall.
        // Filtering the union instead built every active user of the period on each
        // batch (0.65 s of CPU per batch over 100 000 users on SQLite, against 5 ms).
        let rows = sqlx::query(
            "SELECT user_id FROM ( \
               SELECT user_id FROM (SELECT DISTINCT user_id FROM spectrum_session_analysis \
                 WHERE user_id > $3 AND local_date >= $1 AND local_date <= $2 \
                   AND excluded = 0 AND messages > 0 ORDER BY user_id LIMIT $4) s \
               UNION SELECT user_id FROM (SELECT DISTINCT user_id FROM spectrum_turn_analysis \
                 WHERE user_id > $3 AND local_date >= $1 AND local_date <= $2 \
                   AND excluded = 0 ORDER BY user_id LIMIT $4) t \
               UNION SELECT user_id FROM (SELECT DISTINCT user_id FROM lens_actions \
                 WHERE user_id > $3 AND status = 'done' AND completed_day >= $1 \
                   AND completed_day <= $2 ORDER BY user_id LIMIT $4) l \
             ) active ORDER BY user_id LIMIT $4",
        )
        .bind(from)
        .bind(to)
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("user_id"))
            .collect::<Result<_, _>>()?)
    }

    /// The feature-store rows of `users` on local days `from..=to` (not excluded), and the
    /// Lens actions open at `to`.
    pub async fn spectrum_activity(
        &self,
        users: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<Activity>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let ids = placeholders(3, users.len());
        let mut out = Vec::new();
        for r in self.rows_for_users(&format!(
            "SELECT user_id, local_date, messages, fragments, reframes FROM spectrum_session_analysis \
             WHERE local_date >= $1 AND local_date <= $2 AND excluded = 0 AND user_id IN ({ids})"
            ), from, to, users)
        .await?
        {
            out.push(Activity::Session {
                user_id: r.try_get("user_id")?,
                day: r.try_get("local_date")?,
                messages: r.try_get("messages")?,
                fragments: r.try_get("fragments")?,
                reframes: r.try_get("reframes")?,
            });
        }
        for r in self
            .rows_for_users(
                &format!(
                    "SELECT user_id, local_date, distortions, saved FROM spectrum_turn_analysis \
             WHERE local_date >= $1 AND local_date <= $2 AND excluded = 0 AND user_id IN ({ids})"
                ),
                from,
                to,
                users,
            )
            .await?
        {
            out.push(Activity::Turn {
                user_id: r.try_get("user_id")?,
                day: r.try_get("local_date")?,
                distortions: r.try_get("distortions")?,
                saved: r.try_get::<i64, _>("saved")? != 0,
            });
        }
        for r in self
            .rows_for_users(
                &format!(
                    "SELECT user_id, completed_day FROM lens_actions WHERE status = 'done' \
             AND completed_day >= $1 AND completed_day <= $2 AND user_id IN ({ids})"
                ),
                from,
                to,
                users,
            )
            .await?
        {
            out.push(Activity::Completed {
                user_id: r.try_get("user_id")?,
                day: r.try_get("completed_day")?,
            });
        }
        // Open at the period's end: not done, or done after it (`$1` is unused here but
        // bound for the shared placeholders).
        for r in self
            .rows_for_users(
                &format!(
                    "SELECT user_id FROM lens_actions WHERE $1 <= $2 \
             AND (status = 'open' OR completed_day > $2) AND user_id IN ({ids})"
                ),
                from,
                to,
                users,
            )
            .await?
        {
            out.push(Activity::Open {
                user_id: r.try_get("user_id")?,
            });
        }
        Ok(out)
    }

    /// The rows `sql` selects, with `from`, `to` and then `users` bound in order.
    async fn rows_for_users(
        &self,
        sql: &str,
        from: &str,
        to: &str,
        users: &[String],
    ) -> Result<Vec<AnyRow>, StoreError> {
        let mut query = sqlx::query(sql).bind(from).bind(to);
        for u in users {
            query = query.bind(u);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// Stores (or replaces) users' rows of a Spectrum period, in one transaction.
    pub async fn put_spectrum_rows(
        &self,
        monthly: bool,
        rows: &[(String, SpectrumRow)],
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let (table, key) = spectrum_table(monthly);
        let sql = format!(
            "INSERT INTO {table} (user_id, {key}, aggregates, insights, computed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, {key}) DO UPDATE SET \
             aggregates = excluded.aggregates, insights = excluded.insights, \
             computed_at = excluded.computed_at"
        );
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        for (user_id, row) in rows {
            sqlx::query(&sql)
                .bind(user_id)
                .bind(&row.period)
                .bind(&row.aggregates)
                .bind(&row.insights)
                .bind(row.computed_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored rows of `period` of each of `users` that has one (a batch's previous
    /// period in one read).
    pub async fn spectrum_rows_of(
        &self,
        monthly: bool,
        period: &str,
        users: &[String],
    ) -> Result<HashMap<String, SpectrumRow>, StoreError> {
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        let (table, key) = spectrum_table(monthly);
        let sql = format!(
            "SELECT user_id, {key} AS period, aggregates, insights, computed_at FROM {table} \
             WHERE {key} = $1 AND user_id IN ({})",
            placeholders(2, users.len())
        );
        let mut query = sqlx::query(&sql).bind(period);
        for u in users {
            query = query.bind(u);
        }
        let mut out = HashMap::new();
        for r in query.fetch_all(self.pool()).await? {
            out.insert(r.try_get("user_id")?, spectrum_row(&r)?);
        }
        Ok(out)
    }

    /// A user's stored periods, newest first.
    pub async fn spectrum_rows(
        &self,
        monthly: bool,
        user_id: &str,
        limit: i64,
    ) -> Result<Vec<SpectrumRow>, StoreError> {
        let (table, key) = spectrum_table(monthly);
        let rows = sqlx::query(&format!(
            "SELECT {key} AS period, aggregates, insights, computed_at FROM {table} \
             WHERE user_id = $1 ORDER BY {key} DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(spectrum_row).collect()
    }

    /// A user's stored period `period`.
    pub async fn spectrum_row(
        &self,
        monthly: bool,
        user_id: &str,
        period: &str,
    ) -> Result<Option<SpectrumRow>, StoreError> {
        let (table, key) = spectrum_table(monthly);
        let row = sqlx::query(&format!(
            "SELECT {key} AS period, aggregates, insights, computed_at FROM {table} \
             WHERE user_id = $1 AND {key} = $2"
        ))
        .bind(user_id)
        .bind(period)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(spectrum_row).transpose()
    }

    /// A run's progress.
    pub async fn spectrum_run(&self, period: &str) -> Result<Option<SpectrumRun>, StoreError> {
        let row = sqlx::query(
            "SELECT cursor_user, users_done, status, started_at, finished_at FROM spectrum_runs \
             WHERE period = $1",
        )
        .bind(period)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => Some(SpectrumRun {
                cursor_user: r.try_get("cursor_user")?,
                users_done: r.try_get("users_done")?,
                status: r.try_get("status")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
            }),
            None => None,
        })
    }

    /// Starts a run of `period`, or restarts a finished one from the beginning.
    pub async fn start_spectrum_run(&self, period: &str, at: i64) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO spectrum_runs (period, cursor_user, users_done, status, started_at, \
             finished_at) VALUES ($1, '', 0, 'running', $2, NULL) ON CONFLICT (period) DO UPDATE \
             SET cursor_user = '', users_done = 0, status = 'running', started_at = $2, \
             finished_at = NULL",
        )
        .bind(period)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a batch done: the run resumes after `cursor`.
    pub async fn advance_spectrum_run(
        &self,
        period: &str,
        cursor: &str,
        users: i64,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE spectrum_runs SET cursor_user = $1, users_done = users_done + $2 \
             WHERE period = $3",
        )
        .bind(cursor)
        .bind(users)
        .bind(period)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks a run done.
    pub async fn finish_spectrum_run(&self, period: &str, at: i64) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE spectrum_runs SET status = 'done', finished_at = $1 WHERE period = $2")
            .bind(at)
            .bind(period)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Spectrum reset: the user's periods and feature-store rows go (their sessions and
    /// Turns stay, no longer counted).
    pub async fn reset_spectrum(&self, user_id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for table in [
            "spectrum_weekly",
            "spectrum_monthly",
            "spectrum_session_analysis",
            "spectrum_turn_analysis",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Leaves the user's sessions and Turns out of Spectrum; the ids that were not theirs.
    pub async fn exclude_from_spectrum(
        &self,
        user_id: &str,
        sessions: &[String],
        turns: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut unknown = Vec::new();
        for (ids, table, analysis, key) in [
            (
                sessions,
                "mirror_sessions",
                "spectrum_session_analysis",
                "session_id",
            ),
            (turns, "turns", "spectrum_turn_analysis", "turn_id"),
        ] {
            for id in ids {
                let found = sqlx::query(&format!(
                    "UPDATE {table} SET excluded = 1 WHERE id = $1 AND user_id = $2"
                ))
                .bind(id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if found {
                    sqlx::query(&format!(
                        "UPDATE {analysis} SET excluded = 1 WHERE {key} = $1"
                    ))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    unknown.push(id.clone());
                }
            }
        }
        if unknown.is_empty() {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(unknown)
    }
}

impl Db {
    /// Every affirmation of the user, oldest first.
    pub async fn affirmations_of(&self, user_id: &str) -> Result<Vec<AffirmationRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {AFFIRMATION_COLUMNS} FROM lens_affirmations WHERE user_id = $1 ORDER BY local_date"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(affirmation_row).collect::<Result<_, _>>()?)
    }
}

impl Db {
    /// The local days of the user's sessions' and Turns' Spectrum rows among `sessions`
    /// and `turns`.
    pub async fn analysis_days(
        &self,
        user_id: &str,
        sessions: &[String],
        turns: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut days = Vec::new();
        for (ids, table, key) in [
            (sessions, "spectrum_session_analysis", "session_id"),
            (turns, "spectrum_turn_analysis", "turn_id"),
        ] {
            for id in ids {
                if let Some(row) = sqlx::query(&format!(
                    "SELECT local_date FROM {table} WHERE {key} = $1 AND user_id = $2"
                ))
                .bind(id)
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?
                {
                    days.push(row.try_get("local_date")?);
                }
            }
        }
        days.sort();
        days.dedup();
        Ok(days)
    }

    /// Deletes a user's stored period.
    pub async fn delete_spectrum_row(
        &self,
        monthly: bool,
        user_id: &str,
        period: &str,
    ) -> Result<(), StoreError> {
        let (table, key) = spectrum_table(monthly);
        let _turn = self.write_turn().await;
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE user_id = $1 AND {key} = $2"
        ))
        .bind(user_id)
        .bind(period)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
