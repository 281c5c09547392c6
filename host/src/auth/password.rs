//! Passwords: seed 002 §6.2's rules (with a common-password check) and argon2id hashing.
//!
//! Parameters: argon2id, 19 MiB of memory, 2 passes, 1 lane: OWASP's recommended minimum
//! configuration (Password Storage Cheat Sheet), which keeps a GPU guess about as costly as
//! bcrypt at cost 12 (what seed 002 asked for) while a login costs tens of ms of one core
//! here (`./dev bench auth` prints the figure). Hashing runs on the blocking pool so it
//! never stalls the async workers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

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

/// Why a password is refused (each names the rule).
pub fn check_rules(password: &str, email: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters"));
    }
    if password.len() > MAX_LENGTH {
        return Err(format!("must be at most {MAX_LENGTH} bytes"));
    }
    if !password.chars().any(char::is_uppercase) {
        return Err("must contain an uppercase letter".into());
    }
    if !password.chars().any(char::is_lowercase) {
        return Err("must contain a lowercase letter".into());
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        return Err("must contain a digit".into());
    }
    if !password.chars().any(|c| !c.is_alphanumeric()) {
        return Err("must contain a special character".into());
    }
    if is_common(password, email) {
        return Err("is too common or too close to the e-mail address".into());
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

/// Hashes a password (argon2id, random salt) on the blocking pool.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Checks a password against a stored hash on the blocking pool. Given no hash (unknown
/// user), verifies against a fixed one anyway so the answer takes as long.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let text = stored.unwrap_or_else(dummy_hash);
        let ok = PasswordHash::new(&text)
            .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
        ok && real
    })
    .await
    .unwrap_or(false)
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
        assert!(check_rules("Short1!a", email).unwrap_err().contains("12"));
        assert!(
            check_rules("securepassword123!", email)
                .unwrap_err()
                .contains("uppercase")
        );
        assert!(
            check_rules("SECUREPASSWORD123!", email)
                .unwrap_err()
                .contains("lowercase")
        );
        assert!(
            check_rules("SecurePassword!!!", email)
                .unwrap_err()
                .contains("digit")
        );
        assert!(
            check_rules("SecurePassword123", email)
                .unwrap_err()
                .contains("special")
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
            assert!(check_rules(p, email).unwrap_err().contains("common"), "{p}");
        }
        assert!(check_rules("Lovelace1815!x", "lovelace@example.com").is_err());
        assert!(check_rules("Correct-Horse-7-Battery", email).is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("SecurePassword123!".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("SecurePassword123!".into(), Some(h.clone())).await);
        assert!(!verify("SecurePassword124!".into(), Some(h)).await);
        assert!(!verify("no user has this password".into(), None).await);
    }
}
