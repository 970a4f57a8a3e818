//! Preview links of draft profile pages: a token that lets whoever holds the link see one plot's
//! profile until it expires, so staff can show a draft in a browser (which cannot send
//! `Authorization` from a link). The token is `<expiry>.<HMAC-SHA256(secret, plot id ‖ expiry)>`:
//! it names no account and cannot be turned to another plot or a later expiry without the
//! server's secret.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a preview link works. Units: s.
pub const PREVIEW_TTL_SECS: i64 = 3600;

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn mac_hex(secret: &[u8], plot_id: i64, expires: i64) -> String {
    hmac(secret, format!("preview:{plot_id}:{expires}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token for `plot_id`, valid until `expires` (Unix time, s).
pub fn sign(secret: &[u8], plot_id: i64, expires: i64) -> String {
    format!("{expires}.{}", mac_hex(secret, plot_id, expires))
}

/// Whether `token` opens `plot_id` at `now` (Unix time, s).
pub fn verify(secret: &[u8], token: &str, plot_id: i64, now: i64) -> bool {
    let Some((expires, mac)) = token.split_once('.') else {
        return false;
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    if expires < now || mac.len() != 64 {
        return false;
    }
    let expected = mac_hex(secret, plot_id, expires);
    // Compared without an early exit, so timing tells nothing of how much was right.
    expected
        .bytes()
        .zip(mac.bytes())
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_token_opens_one_plot_until_it_expires() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = sign(secret, 7, 1_000);
        assert!(verify(secret, &token, 7, 999));
        assert!(verify(secret, &token, 7, 1_000));
        assert!(!verify(secret, &token, 7, 1_001), "expired");
        assert!(!verify(secret, &token, 8, 999), "another plot");
        assert!(!verify(b"another secret", &token, 7, 999));
        let later = token.replacen("1000", "9000", 1);
        assert!(!verify(secret, &later, 7, 999), "expiry cannot be moved");
        assert!(!verify(secret, "garbage", 7, 0));
    }
}
