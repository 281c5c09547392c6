//! The JSON an Extism plugin reads and writes. Inputs are the host's contract records as
//! JSON (`crate::plugins::contract`, field names in `snake_case`); a function whose WIT
//! result is `result<T, error>` returns `{"ok": T}` or `{"err": E}`, where `E` is the
//! contract's error with WIT's case names: `{"invalid-input": {"field", "message"}}`,
//! `{"unsupported": "…"}`, `{"unavailable": "…"}` or `{"internal": "…"}` (the same
//! mapping `tessera plugin call` prints for components).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::plugins::contract::llm::LlmError;
use crate::plugins::contract::types::{Error as ContractError, FieldError};

/// A `result<T, error>` as an Extism plugin returns it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum WireResult<T> {
    /// The function's value.
    Ok(T),
    /// The contract's error.
    Err(WireError),
}

/// The contract's error with WIT's case names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WireError {
    /// `error::invalid-input`.
    InvalidInput(FieldError),
    /// `error::unsupported`.
    Unsupported(String),
    /// `error::unavailable`.
    Unavailable(String),
    /// `error::internal`.
    Internal(String),
}

impl From<WireError> for ContractError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::InvalidInput(f) => ContractError::InvalidInput(f),
            WireError::Unsupported(m) => ContractError::Unsupported(m),
            WireError::Unavailable(m) => ContractError::Unavailable(m),
            WireError::Internal(m) => ContractError::Internal(m),
        }
    }
}

impl<T> From<WireResult<T>> for Result<T, ContractError> {
    fn from(r: WireResult<T>) -> Self {
        match r {
            WireResult::Ok(v) => Ok(v),
            WireResult::Err(e) => Err(e.into()),
        }
    }
}

/// An `llm-error` with WIT's case names, as `llm_complete` returns it.
pub fn llm_error(e: &LlmError) -> Value {
    match e {
        LlmError::InvalidRequest(f) => json!({ "invalid-request": f }),
        LlmError::Unavailable(m) => json!({ "unavailable": m }),
        LlmError::ProviderError(m) => json!({ "provider-error": m }),
        LlmError::RateLimited(ms) => json!({ "rate-limited": ms }),
        LlmError::BudgetExceeded(m) => json!({ "budget-exceeded": m }),
        LlmError::SchemaMismatch(m) => json!({ "schema-mismatch": m }),
        LlmError::Blocked(m) => json!({ "blocked": m }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::contract::grader::GradeOutcome;

    #[test]
    fn results_and_errors_read_with_wit_case_names() {
        let ok: WireResult<GradeOutcome> = serde_json::from_str(
            r#"{"ok": {"score": 0.5, "correct": false, "feedback": "half", "parts": [], "details": null}}"#,
        )
        .unwrap();
        let ok: Result<GradeOutcome, ContractError> = ok.into();
        assert_eq!(ok.unwrap().score, 0.5);

        let err: WireResult<GradeOutcome> = serde_json::from_str(
            r#"{"err": {"invalid-input": {"field": "answer", "message": "not a number"}}}"#,
        )
        .unwrap();
        let err: Result<GradeOutcome, ContractError> = err.into();
        assert_eq!(
            err.unwrap_err(),
            ContractError::InvalidInput(FieldError {
                field: "answer".into(),
                message: "not a number".into()
            })
        );
        let unsupported: WireResult<GradeOutcome> =
            serde_json::from_str(r#"{"err": {"unsupported": "essay"}}"#).unwrap();
        assert!(matches!(
            Result::<GradeOutcome, ContractError>::from(unsupported),
            Err(ContractError::Unsupported(k)) if k == "essay"
        ));
    }

    #[test]
    fn a_bare_outcome_or_a_rust_style_error_is_refused() {
        assert!(
            serde_json::from_str::<WireResult<GradeOutcome>>(
                r#"{"score": 1.0, "correct": true, "feedback": "", "parts": [], "details": null}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<WireResult<GradeOutcome>>(r#"{"err": {"Unsupported": "x"}}"#)
                .is_err()
        );
    }
}
