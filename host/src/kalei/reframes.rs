//! What a served reframing must be (seed 001 §9.2): exactly three reframes with distinct
//! angles, each a few sentences, and one micro-action. A reframer plugin's answer that is
//! not is refused (502) rather than shown, whoever wrote the plugin.

use crate::plugins::contract::reflection::Reframing;

/// Longest reframe or micro-action served, in characters.
pub const MAX_REFRAME_CHARS: usize = 600;

/// Whether `reframing` may be served; the problem otherwise.
pub fn check(reframing: &Reframing) -> Result<(), String> {
    if reframing.reframes.len() != 3 {
        return Err(format!(
            "{} reframes, not exactly 3",
            reframing.reframes.len()
        ));
    }
    let mut angles: Vec<String> = Vec::with_capacity(3);
    for (i, r) in reframing.reframes.iter().enumerate() {
        let angle = r.angle.trim().to_lowercase();
        if angle.is_empty() {
            return Err(format!("reframes[{i}].angle is empty"));
        }
        if angles.contains(&angle) {
            return Err(format!("reframes[{i}].angle `{angle}` repeats another's"));
        }
        angles.push(angle);
        let chars = r.text.trim().chars().count();
        if chars == 0 || chars > MAX_REFRAME_CHARS {
            return Err(format!(
                "reframes[{i}].text must be 1 to {MAX_REFRAME_CHARS} characters (got {chars})"
            ));
        }
    }
    let chars = reframing.micro_action.trim().chars().count();
    if chars == 0 || chars > MAX_REFRAME_CHARS {
        return Err(format!(
            "micro_action must be 1 to {MAX_REFRAME_CHARS} characters (got {chars})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::contract::reflection::Reframe;

    fn reframing(angles: &[&str], action: &str) -> Reframing {
        Reframing {
            reframes: angles
                .iter()
                .map(|a| Reframe {
                    angle: (*a).into(),
                    text: "One presentation is one data point.".into(),
                })
                .collect(),
            micro_action: action.into(),
            model: "template".into(),
        }
    }

    #[test]
    fn exactly_three_distinct_angles_and_an_action_pass() {
        assert!(
            check(&reframing(
                &["evidence", "perspective", "compassion"],
                "Breathe"
            ))
            .is_ok()
        );
        assert!(
            check(&reframing(&["evidence", "perspective"], "Breathe"))
                .unwrap_err()
                .contains("2 reframes")
        );
        assert!(check(&reframing(&["a", "b", "c", "d"], "Breathe")).is_err());
        assert!(
            check(&reframing(&["evidence", "Evidence ", "x"], "Breathe"))
                .unwrap_err()
                .contains("repeats")
        );
        assert!(
            check(&reframing(&["a", "b", "c"], "  "))
                .unwrap_err()
                .contains("micro_action")
        );
    }
}
