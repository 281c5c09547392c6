//! Mirror (seed 001 §9.1, §10.2): a session of messages in which the fragment detector
//! finds distortions to highlight, each of which the reframer can reframe.

use std::collections::BTreeMap;

use serde::Serialize;

use super::fragments::{self, Segment};
use super::plans::Daily;
use super::{CrisisAnswer, Kalei, KaleiError, Member, check_text, new_id};
use crate::plugins::contract::reflection::{
    DetectionRequest, Distortion, Fragment, Reframe, ReframeRequest,
};
use crate::store::kalei::{FragmentRow, MirrorMessageRow, MirrorSessionRow, NewMessage};
use crate::store::rfc3339;

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 8000;
/// Earlier messages of the session given to the detector as context.
const HISTORY: usize = 5;

/// A session as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MirrorSessionView {
    /// Id.
    pub id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Left out of Spectrum.
    pub excluded: bool,
    /// Messages in it.
    pub message_count: i64,
    /// At close: counts and kinds.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339, when closed.
    pub closed_at: Option<String>,
}

impl From<MirrorSessionRow> for MirrorSessionView {
    fn from(s: MirrorSessionRow) -> Self {
        MirrorSessionView {
            summary: s.summary.and_then(|t| serde_json::from_str(&t).ok()),
            id: s.id,
            status: s.status,
            excluded: s.excluded,
            message_count: s.messages,
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
            closed_at: s.closed_at.map(rfc3339),
        }
    }
}

/// A fragment as served: offsets in characters and in UTF-16 code units (what
/// JavaScript's string indices count).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FragmentView {
    /// Id, for `POST /mirror/fragments/{id}/reframe`.
    pub id: String,
    /// First character.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// `start` in UTF-16 code units.
    pub utf16_start: u32,
    /// `end` in UTF-16 code units.
    pub utf16_end: u32,
    /// The passage.
    pub text: String,
    /// The distortion.
    pub kind: Distortion,
    /// Confidence, 0 to 1.
    pub confidence: f64,
    /// `rules` or `model`.
    pub found_by: String,
    /// Whether a reframe was asked for it.
    pub reframed: bool,
}

/// A message of a session, opened.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    /// Id.
    pub id: String,
    /// Its place in the session, from 0.
    pub position: i64,
    /// What the user wrote.
    pub text: String,
    /// Whether the gate answered it with the crisis response (it has no fragments then).
    pub crisis: bool,
    /// Its fragments, in order.
    pub fragments: Vec<FragmentView>,
    /// The message cut at its fragments, for highlighting.
    pub highlights: Vec<Segment>,
    /// RFC 3339.
    pub created_at: String,
}

/// The answer to a message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageAnswer {
    /// The session.
    pub session_id: String,
    /// The stored message with its fragments and highlights.
    pub message: MessageView,
    /// For a crisis: the gate's response, shown instead of any highlight.
    pub crisis: Option<CrisisAnswer>,
}

/// A session with its messages.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionDetail {
    /// The session.
    #[serde(flatten)]
    pub session: MirrorSessionView,
    /// Its messages in order.
    pub messages: Vec<MessageView>,
}

/// A fragment's reframing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FragmentReframe {
    /// The fragment.
    pub fragment_id: String,
    /// Exactly three.
    pub reframes: Vec<Reframe>,
    /// One small action.
    pub micro_action: String,
    /// The model that wrote them, or `template`.
    pub model: String,
}

/// What the reframing of a fragment is stored as (sealed).
#[derive(Debug, Serialize, serde::Deserialize)]
struct StoredReframe {
    reframes: Vec<Reframe>,
    micro_action: String,
    model: String,
}

/// A page of sessions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionPage {
    /// The sessions, newest first.
    pub sessions: Vec<MirrorSessionView>,
    /// How many there are.
    pub total: i64,
}

fn view_fragment(text: &str, f: &FragmentRow) -> FragmentView {
    let (start, end) = (
        u32::try_from(f.start_char).unwrap_or(0),
        u32::try_from(f.end_char).unwrap_or(0),
    );
    FragmentView {
        id: f.id.clone(),
        start,
        end,
        utf16_start: fragments::utf16_offset(text, start),
        utf16_end: fragments::utf16_offset(text, end),
        text: text
            .chars()
            .skip(start as usize)
            .take(end.saturating_sub(start) as usize)
            .collect(),
        kind: Distortion::parse(&f.kind).unwrap_or(Distortion::Catastrophising),
        confidence: f.confidence,
        found_by: f.found_by.clone(),
        reframed: f.reframe_sealed.is_some(),
    }
}

fn view_message(m: &MirrorMessageRow, text: String, fragments: &[&FragmentRow]) -> MessageView {
    let spans: Vec<(u32, u32, String)> = fragments
        .iter()
        .map(|f| {
            (
                u32::try_from(f.start_char).unwrap_or(0),
                u32::try_from(f.end_char).unwrap_or(0),
                f.id.clone(),
            )
        })
        .collect();
    MessageView {
        id: m.id.clone(),
        position: m.position,
        crisis: m.crisis,
        fragments: fragments.iter().map(|f| view_fragment(&text, f)).collect(),
        highlights: fragments::segments(&text, &spans),
        text,
        created_at: rfc3339(m.created_at),
    }
}

impl Kalei {
    /// Starts a Mirror session.
    pub async fn start_session(&self, member: &Member) -> Result<MirrorSessionView, KaleiError> {
        let id = new_id("ms");
        self.db
            .insert_mirror_session(&id, member.id(), &member.local_date(), member.now.0)
            .await?;
        Ok(self.session_of(member, &id).await?.into())
    }

    async fn session_of(&self, member: &Member, id: &str) -> Result<MirrorSessionRow, KaleiError> {
        self.db
            .mirror_session(member.id(), id)
            .await?
            .ok_or_else(|| KaleiError::NotFound {
                what: "Mirror session",
                field: "session_id",
                id: id.to_owned(),
            })
    }

    /// The member's sessions, newest first.
    pub async fn sessions(
        &self,
        member: &Member,
        limit: i64,
        offset: i64,
    ) -> Result<SessionPage, KaleiError> {
        let (rows, total) = self.db.mirror_sessions(member.id(), limit, offset).await?;
        Ok(SessionPage {
            sessions: rows.into_iter().map(MirrorSessionView::from).collect(),
            total,
        })
    }

    /// A session with its messages, opened.
    pub async fn session(&self, member: &Member, id: &str) -> Result<SessionDetail, KaleiError> {
        let session = self.session_of(member, id).await?;
        let (messages, fragments) = self.db.mirror_messages(id).await?;
        let mut views = Vec::with_capacity(messages.len());
        for m in &messages {
            let text = self.open(&m.content_key, &m.content_sealed)?;
            let of: Vec<&FragmentRow> = fragments.iter().filter(|f| f.message_id == m.id).collect();
            views.push(view_message(m, text, &of));
        }
        Ok(SessionDetail {
            session: session.into(),
            messages: views,
        })
    }

    /// A message to a session (seed 001 §9.1): the plan's daily allowance, the crisis
    /// precheck (a crisis is stored with the crisis response, no fragments, allowance
    /// given back), the fragment detector, the fragments checked against the text, all
    /// stored (the text sealed) and answered with the highlight payload.
    pub async fn post_message(
        &self,
        member: &Member,
        session_id: &str,
        text: &str,
    ) -> Result<MessageAnswer, KaleiError> {
        check_text("text", text, MAX_MESSAGE_CHARS)?;
        let session = self.session_of(member, session_id).await?;
        if session.status != "open" {
            return Err(KaleiError::Conflict {
                code: "SESSION_CLOSED",
                message: format!("Mirror session `{session_id}` is closed"),
            });
        }
        let reservation = self.meter.reserve(member, Daily::MirrorMessages).await;
        if let Some(crisis) = self.crisis_check(member, &[text], "mirror").await? {
            if let Ok(r) = reservation {
                self.meter.release(r).await;
            }
            let message = self
                .store_message(member, &session, text, true, &[])
                .await?;
            return Ok(MessageAnswer {
                session_id: session.id,
                message,
                crisis: Some(crisis),
            });
        }
        let reservation = reservation.map_err(KaleiError::Limit)?;
        let found = match self.detect(member, &session, text).await {
            Ok(found) => found,
            Err(e) => {
                self.meter.release(reservation).await;
                return Err(e);
            }
        };
        let message = self
            .store_message(member, &session, text, false, &found)
            .await?;
        Ok(MessageAnswer {
            session_id: session.id,
            message,
            crisis: None,
        })
    }

    /// The detector's fragments of `text`, checked against it.
    async fn detect(
        &self,
        member: &Member,
        session: &MirrorSessionRow,
        text: &str,
    ) -> Result<Vec<Fragment>, KaleiError> {
        let earlier = self.db.recent_mirror_messages(&session.id, HISTORY).await?;
        let mut history = Vec::with_capacity(earlier.len());
        for m in &earlier {
            history.push(self.open(&m.content_key, &m.content_sealed)?);
        }
        let plugin = self.plugin(member, "fragment-detector", |s| {
            s.fragment_detector.as_ref()
        })?;
        let request = DetectionRequest {
            text: text.to_owned(),
            history,
            learner: Some(member.learner()),
        };
        let runtime = self.registry.runtime().clone();
        let found = self
            .for_member(member, "fragment-detector", |obo| async move {
                runtime
                    .detect_fragments(&plugin, &request, Some(&obo))
                    .await
            })
            .await?;
        Ok(fragments::checked(text, found))
    }

    async fn store_message(
        &self,
        member: &Member,
        session: &MirrorSessionRow,
        text: &str,
        crisis: bool,
        found: &[Fragment],
    ) -> Result<MessageView, KaleiError> {
        let (content_key, content_sealed) = self.seal(text);
        let mut message = MirrorMessageRow {
            id: new_id("mm"),
            session_id: session.id.clone(),
            user_id: member.id().to_owned(),
            position: 0,
            content_key,
            content_sealed,
            chars: i64::try_from(text.chars().count()).unwrap_or(i64::MAX),
            crisis,
            created_at: member.now.0,
        };
        let rows: Vec<FragmentRow> = found
            .iter()
            .map(|f| FragmentRow {
                id: new_id("mf"),
                message_id: message.id.clone(),
                session_id: session.id.clone(),
                user_id: member.id().to_owned(),
                start_char: i64::from(f.start),
                end_char: i64::from(f.end),
                kind: f.kind.as_str().to_owned(),
                confidence: f64::from(f.confidence),
                found_by: f.found_by.as_str().to_owned(),
                reframe_key: None,
                reframe_sealed: None,
                reframed_at: None,
                created_at: member.now.0,
            })
            .collect();
        let session_day = super::local_date(&member.user.timezone, session.created_at);
        message.position = self
            .db
            .insert_mirror_message(NewMessage {
                message: &message,
                fragments: &rows,
                session_day: &session_day,
            })
            .await?;
        let refs: Vec<&FragmentRow> = rows.iter().collect();
        Ok(view_message(&message, text.to_owned(), &refs))
    }

    /// Reframes a fragment with the reframer (counting against the day's Turns); the
    /// first reframing is kept (sealed) and a second request is answered with it.
    pub async fn reframe_fragment(
        &self,
        member: &Member,
        fragment_id: &str,
    ) -> Result<FragmentReframe, KaleiError> {
        let (fragment, message) = self
            .db
            .mirror_fragment(member.id(), fragment_id)
            .await?
            .ok_or_else(|| KaleiError::NotFound {
                what: "fragment",
                field: "fragment_id",
                id: fragment_id.to_owned(),
            })?;
        if let (Some(key), Some(sealed)) = (&fragment.reframe_key, &fragment.reframe_sealed) {
            return self.stored_reframe(fragment_id, key, sealed);
        }
        let text = self.open(&message.content_key, &message.content_sealed)?;
        let passage: String = text
            .chars()
            .skip(usize::try_from(fragment.start_char).unwrap_or(0))
            .take(usize::try_from(fragment.end_char - fragment.start_char).unwrap_or(0))
            .collect();
        let reservation = self
            .meter
            .reserve(member, Daily::Turns)
            .await
            .map_err(KaleiError::Limit)?;
        let request = ReframeRequest {
            thought: passage,
            distortions: Distortion::parse(&fragment.kind).into_iter().collect(),
            context: Some(text),
            learner: Some(member.learner()),
        };
        let reframing = match self.reframe_checked(member, request).await {
            Ok(r) => r,
            Err(e) => {
                self.meter.release(reservation).await;
                return Err(e);
            }
        };
        let stored = StoredReframe {
            reframes: reframing.reframes,
            micro_action: reframing.micro_action,
            model: reframing.model,
        };
        let json = serde_json::to_string(&stored).unwrap_or_default();
        let (key, sealed) = self.seal(&json);
        if !self
            .db
            .set_fragment_reframe(&fragment, &key, &sealed, member.now.0)
            .await?
        {
            // Another request reframed it first: answer with theirs, give this back.
            self.meter.release(reservation).await;
            if let Some(theirs) = self.stored_reframe_of(member, fragment_id).await? {
                return Ok(theirs);
            }
        }
        Ok(FragmentReframe {
            fragment_id: fragment_id.to_owned(),
            reframes: stored.reframes,
            micro_action: stored.micro_action,
            model: stored.model,
        })
    }

    /// The reframing kept for a fragment of the member's, if one was asked for.
    pub async fn stored_reframe_of(
        &self,
        member: &Member,
        fragment_id: &str,
    ) -> Result<Option<FragmentReframe>, KaleiError> {
        match self.db.mirror_fragment(member.id(), fragment_id).await? {
            Some((f, _)) => match (f.reframe_key, f.reframe_sealed) {
                (Some(key), Some(sealed)) => {
                    Ok(Some(self.stored_reframe(fragment_id, &key, &sealed)?))
                }
                _ => Ok(None),
            },
            None => Ok(None),
        }
    }

    fn stored_reframe(
        &self,
        fragment_id: &str,
        key: &str,
        sealed: &str,
    ) -> Result<FragmentReframe, KaleiError> {
        let stored: StoredReframe = serde_json::from_str(&self.open(key, sealed)?)
            .map_err(|e| crate::store::StoreError::Corrupt(format!("a fragment's reframe: {e}")))?;
        Ok(FragmentReframe {
            fragment_id: fragment_id.to_owned(),
            reframes: stored.reframes,
            micro_action: stored.micro_action,
            model: stored.model,
        })
    }

    /// Closes a session with its summary (counts and kinds); closing a closed session
    /// answers the summary it got.
    pub async fn close_session(
        &self,
        member: &Member,
        id: &str,
    ) -> Result<MirrorSessionView, KaleiError> {
        let session = self.session_of(member, id).await?;
        if session.status == "open" {
            let (messages, fragments) = self.db.mirror_messages(id).await?;
            let mut kinds: BTreeMap<&str, u32> = BTreeMap::new();
            for f in &fragments {
                *kinds.entry(f.kind.as_str()).or_default() += 1;
            }
            let top = kinds
                .iter()
                .max_by_key(|(kind, n)| (**n, std::cmp::Reverse(**kind)))
                .map(|(kind, _)| *kind);
            let summary = serde_json::json!({
                "messages": messages.len(),
                "crisis_messages": messages.iter().filter(|m| m.crisis).count(),
                "fragments": fragments.len(),
                "fragments_by_kind": kinds,
                "most_frequent": top,
                "reframed": fragments.iter().filter(|f| f.reframe_sealed.is_some()).count(),
                "duration_seconds": (member.now.0 - session.created_at).max(0) / 1000,
            });
            self.db
                .close_mirror_session(id, &summary.to_string(), member.now.0)
                .await?;
        }
        Ok(self.session_of(member, id).await?.into())
    }

    /// Deletes a session with everything in it and its Spectrum row.
    pub async fn delete_session(&self, member: &Member, id: &str) -> Result<(), KaleiError> {
        if self.db.delete_mirror_session(member.id(), id).await? {
            Ok(())
        } else {
            Err(KaleiError::NotFound {
                what: "Mirror session",
                field: "session_id",
                id: id.to_owned(),
            })
        }
    }
}
