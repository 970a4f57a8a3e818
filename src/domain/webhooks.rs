//! Webhooks' rules: what a webhook's state means, when a failed delivery is tried again, and
//! how a delivery is signed.
//!
//! Signatures follow the Standard Webhooks specification (standardwebhooks.com), so receivers
//! can verify with its libraries in any language: the secret is `whsec_` + base64 of 32 random
//! bytes; every request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key
//! is the secret's decoded bytes. A receiver recomputes it over the raw body, compares in
//! constant time, and refuses timestamps more than a few minutes away from its clock (replay).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::FieldError;

/// Changes per delivery at most (the receiver gets the next batch right after a 2xx).
pub const BATCH: i64 = 100;

/// How long a receiver may take to answer. Units: s.
pub const TIMEOUT_SECS: u64 = 10;

/// The waits before each retry of a failed batch, as Svix and Standard Webhooks schedule them:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 27 h 35 min in all, then the webhook is dead.
/// Units: ms.
pub const DEFAULT_RETRIES_MS: [u64; 7] = [
    5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/// Where a webhook stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookState {
    /// Delivering.
    Active,
    /// Stopped by an admin; resuming goes on from where it stopped.
    Paused,
    /// A batch failed every attempt; nothing is sent until an admin resumes it, then from the
    /// same position (the failed batch first): nothing is skipped.
    Dead,
}

impl WebhookState {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookState::Active => "active",
            WebhookState::Paused => "paused",
            WebhookState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<WebhookState> {
        [
            WebhookState::Active,
            WebhookState::Paused,
            WebhookState::Dead,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What to do after attempt number `attempt` (1 is the first) of a batch failed, with the
/// configured waits before each retry: wait this long and try again, or give up (`None`).
pub fn retry_after(attempt: u32, retries_ms: &[u64]) -> Option<std::time::Duration> {
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    retries_ms
        .get(index)
        .map(|ms| std::time::Duration::from_millis(*ms))
}

/// A webhook's shared secret: the key bytes (ours are 32; the specification's examples use 24).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

const PREFIX: &str = "whsec_";

impl WebhookSecret {
    /// From 32 random bytes (the caller draws them: the domain does no IO).
    pub fn from_random(bytes: [u8; 32]) -> WebhookSecret {
        WebhookSecret(bytes.to_vec())
    }

    /// As it is stored and shown once: `whsec_<base64>`.
    pub fn text(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    pub fn parse(text: &str) -> Option<WebhookSecret> {
        let bytes = STANDARD.decode(text.strip_prefix(PREFIX)?).ok()?;
        (24..=64)
            .contains(&bytes.len())
            .then_some(WebhookSecret(bytes))
    }

    /// `v1,<signature>` of one request, for the `webhook-signature` header.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

/// Longest URL accepted. Units: characters.
pub const MAX_URL: usize = 2000;

/// A receiver's URL: http(s), with a host, without a password in it (it would be shown in the
/// delivery log) and without a fragment.
pub fn check_url(text: &str) -> Result<String, FieldError> {
    let bad = |why: &str| FieldError::new("url", why);
    if text.len() > MAX_URL {
        return Err(bad("is longer than 2000 characters"));
    }
    let url = url::Url::parse(text).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not hold a user name or password: the secret signs each request",
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment (#…)"));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification, value as published there.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_round_trip_and_are_not_printed() {
        let secret = WebhookSecret::from_random([42; 32]);
        let text = secret.text();
        assert!(text.starts_with("whsec_") && text.len() == 6 + 44);
        assert_eq!(WebhookSecret::parse(&text), Some(secret.clone()));
        assert_eq!(WebhookSecret::parse("whsec_c2hvcnQ="), None);
        assert_eq!(WebhookSecret::parse("nope"), None);
        assert_eq!(format!("{secret:?}"), "WebhookSecret(…)");
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let waits = [50, 100];
        assert_eq!(
            retry_after(1, &waits),
            Some(std::time::Duration::from_millis(50))
        );
        assert_eq!(
            retry_after(2, &waits),
            Some(std::time::Duration::from_millis(100))
        );
        assert_eq!(retry_after(3, &waits), None);
        assert_eq!(retry_after(0, &waits), None);
        let total: u64 = DEFAULT_RETRIES_MS.iter().sum();
        assert_eq!(
            total,
            (27 * 60 + 35) * 60_000 + 5_000,
            "27 h 35 min of retries"
        );
    }

    #[test]
    fn receiver_urls_are_checked() {
        assert_eq!(
            check_url("https://www.ludwigslust.example/hooks/gwf").unwrap(),
            "https://www.ludwigslust.example/hooks/gwf"
        );
        assert!(check_url("http://127.0.0.1:9000/x").is_ok());
        for bad in [
            "ftp://example.org/x",
            "https://user:pw@example.org/x",
            "https://example.org/x#frag",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://example.org/{}", "a".repeat(2000))).is_err());
    }
}
