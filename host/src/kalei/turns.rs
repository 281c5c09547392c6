//! Turn (seed 001 §9.2, §10.3): a thought turned three other ways, with one micro-action;
//! saved Turns make the Gallery.

use serde::{Deserialize, Serialize};

use super::plans::Daily;
use super::{CrisisAnswer, Kalei, KaleiError, Member, check_text, new_id};
use crate::plugins::contract::reflection::{
    DetectionRequest, Distortion, Reframe, ReframeRequest, Reframing,
};
use crate::plugins::contract::types::Error as ContractError;
use crate::store::kalei::TurnRow;
use crate::store::rfc3339;

/// Longest thought, in characters.
pub const MAX_THOUGHT_CHARS: usize = 4000;

/// A Turn, opened.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TurnView {
    /// Id.
    pub id: String,
    /// The thought.
    pub text: String,
    /// Distortions seen in it.
    pub distortions: Vec<Distortion>,
    /// Exactly three.
    pub reframes: Vec<Reframe>,
    /// One small action.
    pub micro_action: String,
    /// The model that wrote them, or `template`.
    pub model: String,
    /// In the gallery.
    pub saved: bool,
    /// RFC 3339, when saved.
    pub saved_at: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// The answer to a thought: the Turn, or the crisis response instead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TurnAnswer {
    /// The stored Turn (none for a crisis, which is never reframed).
    pub turn: Option<TurnView>,
    /// For a crisis: the gate's response.
    pub crisis: Option<CrisisAnswer>,
}

/// A page of Turns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TurnPage {
    /// The Turns, newest first (the Gallery: newest saved first).
    pub turns: Vec<TurnView>,
    /// How many there are.
    pub total: i64,
}

/// What a Turn's result is stored as (sealed).
#[derive(Debug, Serialize, Deserialize)]
struct StoredResult {
    reframes: Vec<Reframe>,
    micro_action: String,
}

impl Kalei {
    /// The reframer's answer for `request`, checked ([`super::reframes::check`]). A
    /// reframer that refuses with `unsupported` because it judged the text a crisis is
    /// the gate's business: the host never shows a reframe then.
    pub(super) async fn reframe_checked(
        &self,
        member: &Member,
        request: ReframeRequest,
    ) -> Result<Reframing, KaleiError> {
        let plugin = self.plugin(member, "reframer", |s| s.reframer.as_ref())?;
        let runtime = self.registry.runtime().clone();
        let reframing = self
            .for_member(member, "reframer", |obo| async move {
                runtime.reframe(&plugin, &request, Some(&obo)).await
            })
            .await?;
        super::reframes::check(&reframing).map_err(|problem| KaleiError::Rejected {
            world: "reframer",
            problem,
        })?;
        Ok(reframing)
    }

    /// The distortions the fragment detector sees in a thought; none when no detector is
    /// installed or it fails (a Turn does not depend on it).
    async fn distortions_in(&self, member: &Member, text: &str) -> Vec<Distortion> {
        let Ok(plugin) = self.plugin(member, "fragment-detector", |s| {
            s.fragment_detector.as_ref()
        }) else {
            return Vec::new();
        };
        let request = DetectionRequest {
            text: text.to_owned(),
            history: Vec::new(),
            learner: Some(member.learner()),
        };
        let runtime = self.registry.runtime().clone();
        let found = self
            .for_member(member, "fragment-detector", |obo| async move {
                runtime
                    .detect_fragments(&plugin, &request, Some(&obo))
                    .await
            })
            .await;
        let mut kinds: Vec<Distortion> = match found {
            Ok(found) => super::fragments::checked(text, found)
                .into_iter()
                .map(|f| f.kind)
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "fragment detection for a Turn failed; reframing without");
                Vec::new()
            }
        };
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Takes a Turn (seed 001 §9.2): the day's allowance, the crisis precheck (a crisis
    /// is answered with the crisis response, nothing reframed or stored, the allowance
    /// given back), the distortions, the reframer, stored sealed.
    pub async fn take_turn(&self, member: &Member, text: &str) -> Result<TurnAnswer, KaleiError> {
        check_text("text", text, MAX_THOUGHT_CHARS)?;
        let reservation = self.meter.reserve(member, Daily::Turns).await;
        if let Some(crisis) = self.crisis_check(member, &[text], "turn").await? {
            if let Ok(r) = reservation {
                self.meter.release(r).await;
            }
            return Ok(TurnAnswer {
                turn: None,
                crisis: Some(crisis),
            });
        }
        let reservation = reservation.map_err(KaleiError::Limit)?;
        let distortions = self.distortions_in(member, text).await;
        let request = ReframeRequest {
            thought: text.to_owned(),
            distortions: distortions.clone(),
            context: None,
            learner: Some(member.learner()),
        };
        let reframing = match self.reframe_checked(member, request).await {
            Ok(r) => r,
            Err(KaleiError::Contract {
                error: ContractError::Unsupported(_),
                ..
            }) => {
                // The reframer's own crisis line: answer as the gate would, never a reframe.
                self.meter.release(reservation).await;
                let message = self
                    .ai
                    .crisis_response(member.id(), "turn", "reframer")
                    .await;
                return Ok(TurnAnswer {
                    turn: None,
                    crisis: Some(CrisisAnswer {
                        level: "crisis",
                        message,
                    }),
                });
            }
            Err(e) => {
                self.meter.release(reservation).await;
                return Err(e);
            }
        };
        let result = StoredResult {
            reframes: reframing.reframes,
            micro_action: reframing.micro_action,
        };
        let (input_key, input_sealed) = self.seal(text);
        let (result_key, result_sealed) =
            self.seal(&serde_json::to_string(&result).unwrap_or_default());
        let row = TurnRow {
            id: new_id("turn"),
            user_id: member.id().to_owned(),
            input_key,
            input_sealed,
            result_key,
            result_sealed,
            distortions: serde_json::to_string(&distortions).unwrap_or_else(|_| "[]".into()),
            model: reframing.model,
            saved: false,
            saved_at: None,
            excluded: false,
            created_at: member.now.0,
        };
        self.db.insert_turn(&row, &member.local_date()).await?;
        Ok(TurnAnswer {
            turn: Some(self.view_turn(row)?),
            crisis: None,
        })
    }

    fn view_turn(&self, row: TurnRow) -> Result<TurnView, KaleiError> {
        let text = self.open(&row.input_key, &row.input_sealed)?;
        let result: StoredResult =
            serde_json::from_str(&self.open(&row.result_key, &row.result_sealed)?)
                .map_err(|e| crate::store::StoreError::Corrupt(format!("turns.result: {e}")))?;
        let distortions: Vec<Distortion> =
            serde_json::from_str(&row.distortions).unwrap_or_default();
        Ok(TurnView {
            id: row.id,
            text,
            distortions,
            reframes: result.reframes,
            micro_action: result.micro_action,
            model: row.model,
            saved: row.saved,
            saved_at: row.saved_at.map(rfc3339),
            created_at: rfc3339(row.created_at),
        })
    }

    /// The member's Turn `id`.
    pub async fn turn(&self, member: &Member, id: &str) -> Result<TurnView, KaleiError> {
        let row = self
            .db
            .turn(member.id(), id)
            .await?
            .ok_or_else(|| not_found(id))?;
        self.view_turn(row)
    }

    /// The member's Turns, or only the saved ones (the Gallery).
    pub async fn turns(
        &self,
        member: &Member,
        saved_only: bool,
        limit: i64,
        offset: i64,
    ) -> Result<TurnPage, KaleiError> {
        let (rows, total) = self
            .db
            .turns(member.id(), saved_only, limit, offset)
            .await?;
        let turns = rows
            .into_iter()
            .map(|r| self.view_turn(r))
            .collect::<Result<_, _>>()?;
        Ok(TurnPage { turns, total })
    }

    /// Saves a Turn to the Gallery (or takes it out); saving twice keeps the first time.
    pub async fn save_turn(
        &self,
        member: &Member,
        id: &str,
        saved: bool,
    ) -> Result<TurnView, KaleiError> {
        if !self
            .db
            .set_turn_saved(member.id(), id, saved, member.now.0)
            .await?
        {
            return Err(not_found(id));
        }
        self.turn(member, id).await
    }

    /// Deletes a Turn and its Spectrum row.
    pub async fn delete_turn(&self, member: &Member, id: &str) -> Result<(), KaleiError> {
        if self.db.delete_turn(member.id(), id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }
}

fn not_found(id: &str) -> KaleiError {
    KaleiError::NotFound {
        what: "Turn",
        field: "turn_id",
        id: id.to_owned(),
    }
}
