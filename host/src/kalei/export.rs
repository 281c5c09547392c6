//! A member's Kalei data for their export (seed 001 §11.2: export includes everything,
//! opened): sessions with every message, fragment and reframe; Turns; goals, actions and
//! affirmations; computed Spectrum periods; subscriptions and entitlements.

use serde_json::{Value, json};

use super::{Kalei, KaleiError, Member};
use crate::store::rfc3339;

impl Kalei {
    /// Everything Kalei stores about `member`, sealed columns opened.
    pub async fn export(&self, member: &Member) -> Result<Value, KaleiError> {
        let (sessions, _) = self.db.mirror_sessions(member.id(), i64::MAX, 0).await?;
        let mut mirror = Vec::with_capacity(sessions.len());
        for s in sessions {
            let detail = self.session(member, &s.id).await?;
            let mut reframes = Vec::new();
            for m in &detail.messages {
                for f in m.fragments.iter().filter(|f| f.reframed) {
                    if let Some(r) = self.stored_reframe_of(member, &f.id).await? {
                        reframes.push(r);
                    }
                }
            }
            mirror.push(json!({"session": detail, "fragment_reframes": reframes}));
        }
        let turns = self.turns(member, false, i64::MAX, 0).await?.turns;
        let goals = self.db.goals(member.id()).await?;
        let goals: Vec<super::lens::GoalView> = goals
            .0
            .iter()
            .map(|g| self.view_goal(g, &goals.1))
            .collect::<Result<_, _>>()?;
        let affirmations: Vec<Value> = self
            .db
            .affirmations_of(member.id())
            .await?
            .into_iter()
            .map(|a| {
                Ok::<_, KaleiError>(json!({
                    "local_date": a.local_date,
                    "text": self.open(&a.text_key, &a.text_sealed)?,
                    "written_by": a.model,
                    "created_at": rfc3339(a.created_at),
                }))
            })
            .collect::<Result<_, _>>()?;
        let spectrum = |rows: Vec<crate::store::kalei::SpectrumRow>| -> Vec<Value> {
            rows.into_iter()
                .map(|r| {
                    json!({
                        "period": r.period,
                        "aggregates": serde_json::from_str::<Value>(&r.aggregates).unwrap_or(Value::Null),
                        "insights": serde_json::from_str::<Value>(&r.insights).unwrap_or(Value::Null),
                        "computed_at": rfc3339(r.computed_at),
                    })
                })
                .collect()
        };
        Ok(json!({
            "plan": member.plan,
            "mirror": mirror,
            "turns": turns,
            "lens": {"goals": goals, "affirmations": affirmations},
            "spectrum": {
                "weekly": spectrum(self.db.spectrum_rows(false, member.id(), i64::MAX).await?),
                "monthly": spectrum(self.db.spectrum_rows(true, member.id(), i64::MAX).await?),
            },
            "billing": self.billing_export(member).await?,
        }))
    }
}
