//! The hint ladder's state. Agents are stateless, so each reply carries the state in its
//! `data` and the host hands it back in `earlier` on the next turn:
//!
//! ```json
//! {"signature": "NameError: name 'totl' is not defined", "rung": 2, "asks": 2,
//!  "error": {"type": "NameError", "message": "name 'totl' is not defined", "line": 3},
//!  "code": "total = 0\nprint(totl)\n"}
//! ```
//!
//! `asks` counts the turns in a row on this signature (it keeps counting past the last
//! rung), so a repeated error shows up for struggle detection. `error` and `code` let a
//! follow-up such as "Show me another hint", which quotes neither, continue the ladder;
//! `code` is left out when it is longer than [`MAX_STORED_CODE`].

use serde::{Deserialize, Serialize};

use crate::failure::Failure;

/// Rungs of the ladder: 1 what the error means and where, 2 the likely cause in this code,
/// 3 a pointed hint close to the fix, 4 the fix.
pub const RUNGS: u8 = 4;

/// The longest code kept in a reply's data, in bytes.
pub const MAX_STORED_CODE: usize = 16 * 1024;

/// What one reply remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The error's signature ([`crate::signature::of`]).
    pub signature: String,
    /// The rung this reply answered, 1 ..= [`RUNGS`].
    pub rung: u8,
    /// Turns in a row on this signature, this one included.
    pub asks: u32,
    /// The error.
    pub error: Failure,
    /// The learner's code, when known and not too long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl State {
    /// The state after `previous` for an error with `signature`: one rung up on the same
    /// error (staying on the last), rung 1 on another.
    pub fn next(
        previous: Option<&State>,
        signature: String,
        error: Failure,
        code: Option<&str>,
    ) -> State {
        let (rung, asks) = match previous {
            Some(p) if p.signature == signature => (
                p.rung.saturating_add(1).clamp(1, RUNGS),
                p.asks.saturating_add(1),
            ),
            _ => (1, 1),
        };
        State {
            signature,
            rung,
            asks,
            error,
            code: code
                .filter(|c| c.len() <= MAX_STORED_CODE)
                .map(str::to_owned),
        }
    }

    /// As the reply's `data`.
    pub fn to_data(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}))
    }
}

/// The newest ladder state in `earlier`: entries that are not one (a reply that asked for
/// the error, a malformed entry) are skipped.
pub fn latest(earlier: &[String]) -> Option<State> {
    earlier
        .iter()
        .rev()
        .find_map(|data| serde_json::from_str::<State>(data).ok())
        .filter(|s| (1..=RUNGS).contains(&s.rung))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error() -> Failure {
        Failure {
            error_type: "NameError".into(),
            message: "name 'x' is not defined".into(),
            line: Some(1),
        }
    }

    #[test]
    fn climbs_on_the_same_signature_and_stays_on_the_last_rung() {
        let mut state = State::next(None, "a".into(), error(), Some("print(x)\n"));
        assert_eq!((state.rung, state.asks), (1, 1));
        for expected in [2, 3, 4, 4] {
            let data = state.to_data().to_string();
            let back = latest(&["{}".into(), data, "not json".into()]).unwrap();
            state = State::next(Some(&back), "a".into(), error(), None);
            assert_eq!(state.rung, expected);
        }
        assert_eq!(state.asks, 5);
        let other = State::next(Some(&state), "b".into(), error(), None);
        assert_eq!((other.rung, other.asks), (1, 1));
    }

    #[test]
    fn long_code_is_not_stored() {
        let long = "#".repeat(MAX_STORED_CODE + 1);
        let state = State::next(None, "a".into(), error(), Some(&long));
        assert_eq!(state.code, None);
        assert!(state.to_data().get("code").is_none());
        assert_eq!(state.to_data()["error"]["type"], "NameError");
    }
}
