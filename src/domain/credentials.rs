//! Passwords, bearer tokens and login throttling. CPU only, no IO: callers run the hashing off
//! the async workers (Argon2id is deliberately slow).

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use sha2::{Digest, Sha256};

/// Shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted: hashing is bounded, so long inputs cannot tie up the CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest lifetime of an API token.
pub const MAX_API_TOKEN_DAYS: i64 = 730;

/// Why an e-mail address is refused (a plausibility check; delivery is not our business).
pub fn email_problem(email: &str) -> Option<String> {
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && !email.contains(char::is_control)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    (!ok).then(|| format!("`{email}` is not an e-mail address"))
}

/// Why a name (display name, token name) is refused: 1 to `max` characters, no control
/// characters (PostgreSQL text cannot hold NUL; the others make logs and CSV lie).
pub fn name_problem(name: &str, max: usize) -> Option<String> {
    let n = name.chars().count();
    if n == 0 || n > max {
        return Some(format!("must have 1 to {max} characters"));
    }
    if name.contains(char::is_control) {
        return Some("must not contain control characters".into());
    }
    None
}

/// Failed logins in a row after which the account is locked for a while.
pub const LOCK_AFTER_FAILURES: i32 = 5;

/// Why a new password is refused.
pub fn password_problem(password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!(
            "must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some(format!("must have at most {MAX_PASSWORD_BYTES} bytes"));
    }
    None
}

/// Argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1: the OWASP baseline), as a PHC
/// string that carries its own salt and parameters.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Whether `password` matches the stored PHC string. `None` (unknown account) still spends the
/// time of one verification, so response times do not tell which e-mail addresses exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hash_password("not a password of anyone here").expect("argon2 hashes a constant")
    });
    let phc = stored.unwrap_or(dummy);
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let matches = password.len() <= MAX_PASSWORD_BYTES
        && Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    matches && stored.is_some()
}

/// A new bearer token (`gwf_` and 64 hex digits: 256 random bits) and the hash to store.
pub fn new_token() -> anyhow::Result<(String, [u8; 32])> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let token = format!("gwf_{}", hex(&bytes));
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// What is stored of a token, and what a presented token is looked up by.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A random password for accounts created without one (printed once by the CLI).
pub fn random_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Login throttling per e-mail address (`db::users::claim_login_attempt` applies it in one
/// statement). Failures are counted like a leaky bucket: one is forgotten every
/// `forget_one_every`. From `lock_after_failures` counted failures the address is locked,
/// 1 minute, doubling with each further one up to `max_lock_minutes`. Short locks keep a
/// stranger from locking a colleague out for long, and the leak keeps a slow trickle of guesses
/// (one an hour, two dozen a day) from ever locking anyone: it takes five within 40 minutes to
/// lock an address at all. The defence against guessing is the rate limit per client address
/// (`api::limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockRules {
    pub lock_after_failures: i32,
    pub max_lock_minutes: i32,
    pub forget_one_every: std::time::Duration,
}

pub const LOCK_RULES: LockRules = LockRules {
    lock_after_failures: LOCK_AFTER_FAILURES,
    max_lock_minutes: 60,
    forget_one_every: std::time::Duration::from_secs(600),
};

impl LockRules {
    /// Minutes of lock after `failures` counted failures (none below the threshold).
    pub fn lock_minutes(&self, failures: i32) -> Option<i64> {
        (failures >= self.lock_after_failures).then(|| {
            let exponent = (failures - self.lock_after_failures).min(60) as u32;
            2i64.saturating_pow(exponent)
                .min(i64::from(self.max_lock_minutes))
        })
    }

    /// The count after one more failure, `since_last` after the last one was counted.
    pub fn counted(&self, failures: i32, since_last: std::time::Duration) -> i32 {
        let forgotten = since_last.as_secs() / self.forget_one_every.as_secs().max(1);
        (i64::from(failures) - forgotten as i64).max(0) as i32 + 1
    }
}

/// The throttle key of an e-mail address: SHA-256 of it trimmed and in lower case, whether or not
/// an account has it (so known and unknown addresses are throttled alike).
pub fn login_key(email: &str) -> [u8; 32] {
    Sha256::digest(email.trim().to_lowercase().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_unknown_accounts_fail() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery!", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 68);
        assert_eq!(token_hash(&a), ha);
    }

    #[test]
    fn locks_grow_and_are_capped() {
        assert_eq!(LOCK_RULES.lock_minutes(4), None);
        assert_eq!(LOCK_RULES.lock_minutes(5), Some(1));
        assert_eq!(LOCK_RULES.lock_minutes(7), Some(4));
        assert_eq!(LOCK_RULES.lock_minutes(50), Some(60));
        let minutes = |m: u64| std::time::Duration::from_secs(60 * m);
        assert_eq!(LOCK_RULES.counted(4, minutes(1)), 5, "a burst locks");
        assert_eq!(LOCK_RULES.counted(5, minutes(25)), 4, "two forgotten");
        // One guess an hour never counts more than one.
        let mut failures = 0;
        for _ in 0..24 {
            failures = LOCK_RULES.counted(failures, minutes(60));
        }
        assert_eq!(failures, 1);
        assert_eq!(
            login_key(" Admin@Example.org "),
            login_key("admin@example.org")
        );
    }
}
