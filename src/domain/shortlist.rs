//! Shortlists: plots a visitor collected (on `/embed`, a profile page, the kiosk) behind a
//! short unguessable code, shown as a compare page at `/s/{code}` and, on the kiosk, as a QR
//! code. docs/shortlists.md tells the whole story.
//!
//! The code is the only secret: shortlists are never listed, so finding one means guessing.
//! 12 characters of a 32-letter alphabet are 60 bits; with the creation rate limit and the
//! read rate of one service, a guesser hitting any of a million stored shortlists needs on
//! the order of 2^60 / 2^20 = 10^12 tries (docs/shortlists.md has the arithmetic).

use serde::Deserialize;
use utoipa::ToSchema;

use super::plot::PlotKey;
use super::FieldError;

/// Most plots one shortlist holds: a visitor's short choice, and a page that still prints.
pub const MAX_PLOTS: usize = 12;
/// Characters of a code.
pub const CODE_LEN: usize = 12;
/// Largest accepted `POST /shortlists` body (12 references with room to spare). Units: bytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024;
/// Crockford's base32 alphabet in lower case: no `i`, `l`, `o`, `u`, so a code read off a
/// screen and typed is not misread. 32 letters: each carries exactly 5 bits, so no bias.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A shortlist's code, checked: 12 letters of the alphabet above.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Code(String);

impl Code {
    /// A new code from the operating system's CSPRNG.
    pub fn generate() -> anyhow::Result<Code> {
        let mut bytes = [0u8; CODE_LEN];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
        Ok(Code::from_random(bytes))
    }

    /// The code of 12 random bytes (the low 5 bits of each: 60 bits).
    pub fn from_random(bytes: [u8; CODE_LEN]) -> Code {
        Code(
            bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                .collect(),
        )
    }

    /// A code as a link or a person gives it. Upper case is accepted (people type what they
    /// read); anything else that is not a code is `None`, before any lookup.
    pub fn parse(text: &str) -> Option<Code> {
        if text.len() != CODE_LEN {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        lower
            .bytes()
            .all(|b| ALPHABET.contains(&b))
            .then_some(Code(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `POST /shortlists`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShortlist {
    /// Published plots, ids or references, in the order shown; 1–12 after duplicates are
    /// removed (the first of each stays).
    #[schema(example = json!(["LWL-003", "HAG-001"]))]
    pub plots: Vec<crate::domain::plot::PlotRef>,
}

impl CreateShortlist {
    /// The plot keys in order without duplicates, or every broken rule. At most 100 entries
    /// are looked at, so a long list costs nothing before it is refused.
    pub fn check(&self) -> Result<Vec<PlotKey>, Vec<FieldError>> {
        use crate::domain::plot::PlotRef;
        let mut errors = Vec::new();
        if self.plots.is_empty() {
            errors.push(FieldError::new("/plots", "name 1 to 12 plots"));
        }
        let mut keys: Vec<PlotKey> = Vec::new();
        for (i, plot) in self.plots.iter().take(100).enumerate() {
            let key = match plot {
                PlotRef::Id(id) => Some(PlotKey::Id(*id)),
                PlotRef::Reference(r) => PlotKey::parse(r.trim()),
            };
            match key {
                Some(key) if !keys.contains(&key) => keys.push(key),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("/plots/{i}"),
                    "is not a plot id or reference",
                )),
            }
        }
        if self.plots.len() > 100 || keys.len() > MAX_PLOTS {
            errors.push(FieldError::new(
                "/plots",
                format!("a shortlist holds at most {MAX_PLOTS} plots"),
            ));
        }
        if errors.is_empty() {
            Ok(keys)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twelve_letters_of_the_alphabet_and_parse_back() {
        let code = Code::generate().unwrap();
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert_eq!(Code::parse(code.as_str()), Some(code.clone()));
        assert_eq!(
            Code::parse(&code.as_str().to_ascii_uppercase()),
            Some(code.clone())
        );
        assert_ne!(Code::generate().unwrap(), code);
        assert_eq!(Code::from_random([0; 12]).as_str(), "000000000000");
        assert_eq!(Code::from_random([255; 12]).as_str(), "zzzzzzzzzzzz");
    }

    #[test]
    fn hostile_codes_are_refused_before_any_lookup() {
        for bad in [
            "",
            "short",
            "0123456789abc",
            "0123456789ai",
            "0123456789a/",
            "01234567890ü",
            "../../etc/pa",
        ] {
            assert_eq!(Code::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn plots_keep_their_order_without_duplicates_and_are_bounded() {
        let request: CreateShortlist =
            serde_json::from_value(serde_json::json!({"plots": ["B-1", "A-1", "B-1", 7]})).unwrap();
        assert_eq!(
            request.check().unwrap(),
            vec![
                PlotKey::Reference("B-1".into()),
                PlotKey::Reference("A-1".into()),
                PlotKey::Id(7)
            ]
        );
        let many: Vec<String> = (0..13).map(|i| format!("A-{i}")).collect();
        let request: CreateShortlist =
            serde_json::from_value(serde_json::json!({ "plots": many })).unwrap();
        assert!(request.check().is_err());
        let empty: CreateShortlist =
            serde_json::from_value(serde_json::json!({"plots": []})).unwrap();
        assert!(empty.check().is_err());
    }
}
