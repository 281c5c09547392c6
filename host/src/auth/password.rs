//! Passwords: the rules of docs/requirements.md#r-002-6.2 (with a common-password check) and
//! argon2id hashing.
//!
//! Parameters: argon2id, 19 MiB of memory, 2 passes, 1 lane: OWASP's recommended minimum
//! configuration (Password Storage Cheat Sheet), which keeps a GPU guess about as costly as bcrypt
//! at cost 12 (what seed 002 asked for: docs/requirements.md#r-002-6.2) while a login costs tens of
//! ms of one core here (`./dev bench auth` prints the figure). Hashing runs on the blocking pool so
//! it never stalls the async workers, and at most a few hashes run at once (one per core by
//! default) with a short queue behind them: each takes 19 MiB and a core, so a burst of sign-ins
//! must not take the whole machine. Past the queue the answer is "busy" (503).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted, in bytes (hashing cost must not be the client's choice).
pub const MAX_LENGTH: usize = 256;

/// argon2id memory cost in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const PASSES: u32 = 2;
/// argon2id lanes.
pub const LANES: u32 = 1;

static COMMON: &str = include_str!("common-passwords.txt");

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .unwrap_or_else(|_| unreachable!("the constants above are valid argon2 parameters"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The password rule a password breaks; the message is what the client is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("must be at least {MIN_LENGTH} characters")]
    TooShort,
    /// More than [`MAX_LENGTH`] bytes.
    #[error("must be at most {MAX_LENGTH} bytes")]
    TooLong,
    /// No uppercase letter.
    #[error("must contain an uppercase letter")]
    Uppercase,
    /// No lowercase letter.
    #[error("must contain a lowercase letter")]
    Lowercase,
    /// No digit.
    #[error("must contain a digit")]
    Digit,
    /// No character other than letters and digits.
    #[error("must contain a special character")]
    Special,
    /// A common password, or one built from the e-mail address.
    #[error("is too common or too close to the e-mail address")]
    Common,
}

/// Why a password is refused (each names the rule).
pub fn check_rules(password: &str, email: &str) -> Result<(), PasswordRule> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordRule::TooShort);
    }
    if password.len() > MAX_LENGTH {
        return Err(PasswordRule::TooLong);
    }
    if !password.chars().any(char::is_uppercase) {
        return Err(PasswordRule::Uppercase);
    }
    if !password.chars().any(char::is_lowercase) {
        return Err(PasswordRule::Lowercase);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(PasswordRule::Digit);
    }
    if !password.chars().any(|c| !c.is_alphanumeric()) {
        return Err(PasswordRule::Special);
    }
    if is_common(password, email) {
        return Err(PasswordRule::Common);
    }
    Ok(())
}

/// The letters of a password with digit and symbol decorations and leetspeak undone:
/// `P@ssw0rd123!` → `password`.
fn base_word(password: &str) -> String {
    let lower = password.to_lowercase();
    let trimmed = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    trimmed
        .chars()
        .filter_map(|c| match c {
            '@' | '4' => Some('a'),
            '3' => Some('e'),
            '1' | '!' => Some('i'),
            '0' => Some('o'),
            '$' | '5' => Some('s'),
            '7' => Some('t'),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// A dictionary check: the password's base word is a common password, or it is built on
/// the e-mail's local part.
pub fn is_common(password: &str, email: &str) -> bool {
    let base = base_word(password);
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    COMMON.lines().any(|w| w == base) || (local.len() >= 4 && base.contains(&local))
}

/// Why a hash was not computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many hashes running and waiting; retry shortly.
    #[error("too many passwords are being checked at once; retry in a moment")]
    Busy,
    /// argon2 or the blocking pool failed.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// The bound on hashing: `running` hashes at once, `admitted` running or waiting.
struct Gate {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

static GATE: OnceLock<Gate> = OnceLock::new();

/// Waiting hashes allowed when `serve` did not say.
const DEFAULT_QUEUE: usize = 32;

/// One hash per core.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Bounds hashing for the rest of the process: `concurrency` at once, `queue` waiting.
/// Set once, before the first hash (by `serve`); later calls change nothing.
pub fn bound_hashing(concurrency: usize, queue: usize) {
    let _ = GATE.set(Gate::new(concurrency, queue));
}

fn gate() -> &'static Gate {
    GATE.get_or_init(|| Gate::new(default_concurrency(), DEFAULT_QUEUE))
}

impl Gate {
    fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            running: Arc::new(Semaphore::new(concurrency)),
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
        }
    }

    /// Runs `work` on the blocking pool once a turn is free, or refuses at once when the
    /// queue is full. The permits travel with the work, so a caller that gives up (a
    /// client disconnecting) frees its turn only when the hash is really done.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Busy)?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Busy)?;
        tokio::task::spawn_blocking(move || {
            let _turn = (admitted, running);
            work()
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))
    }
}

/// Hashes a password (argon2id, random salt) on the blocking pool.
pub async fn hash(password: String) -> Result<String, HashError> {
    gate()
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await?
}

/// Checks a password against a stored hash on the blocking pool. Given no hash (unknown
/// user), verifies against a fixed one anyway so the answer takes as long.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, HashError> {
    gate()
        .run(move || {
            let real = stored.is_some();
            let text = stored.unwrap_or_else(dummy_hash);
            let ok = PasswordHash::new(&text)
                .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
                .unwrap_or(false);
            ok && real
        })
        .await
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::encode_b64(b"tessera-dummy-salt")
                .unwrap_or_else(|_| unreachable!("a fixed 18-byte salt encodes"));
            argon2()
                .hash_password(b"no user has this password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_of_seed_002_name_what_is_missing() {
        let email = "ada@example.com";
        assert!(check_rules("SecurePassword123!", email).is_ok());
        let refused = |p: &str| check_rules(p, email).unwrap_err().to_string();
        assert_eq!(refused("Short1!a"), "must be at least 12 characters");
        assert_eq!(
            refused("securepassword123!"),
            "must contain an uppercase letter"
        );
        assert_eq!(
            refused("SECUREPASSWORD123!"),
            "must contain a lowercase letter"
        );
        assert_eq!(refused("SecurePassword!!!"), "must contain a digit");
        assert_eq!(
            refused("SecurePassword123"),
            "must contain a special character"
        );
    }

    #[test]
    fn common_passwords_are_refused_even_decorated() {
        let email = "someone@example.com";
        for p in [
            "Password1234!",
            "P@ssw0rd2024!",
            "Qwertyuiop1!",
            "Iloveyou12345!",
        ] {
            assert_eq!(check_rules(p, email), Err(PasswordRule::Common), "{p}");
        }
        assert!(check_rules("Lovelace1815!x", "lovelace@example.com").is_err());
        assert!(check_rules("Correct-Horse-7-Battery", email).is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("SecurePassword123!".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("SecurePassword123!".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("SecurePassword124!".into(), Some(h)).await.unwrap());
        assert!(
            !verify("no user has this password".into(), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_gate_runs_few_queues_few_and_refuses_the_rest() {
        let gate = Arc::new(Gate::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(move || hold.recv().is_ok()).await }
        });
        while gate.running.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // One waits for the running one...
        let second = tokio::spawn({
            let gate = gate.clone();
            async move { gate.run(|| 2).await }
        });
        while gate.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // ...and a third is turned away at once.
        assert!(matches!(gate.run(|| 3).await, Err(HashError::Busy)));
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(second.await.unwrap().unwrap(), 2);
        assert_eq!(gate.run(|| 4).await.unwrap(), 4, "turns come back");
    }
}
