//! The change feed's rules: what a change is, and the cursor a client keeps between reads.
//! How the feed stays gap-free with concurrent writers is in migration 000015's comment.

use serde::Serialize;
use utoipa::ToSchema;

/// Changes per page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 100;
/// Most changes per page.
pub const MAX_LIMIT: i64 = 1000;

/// What happened to a plot, as the public sees it. Edits of drafts and of internal fields are
/// not changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// It became public (new, or published again).
    Published,
    /// A public fact of a published plot changed (outline, status, price, …).
    Updated,
    /// It is no longer public; it may come back.
    Unpublished,
    /// It was deleted while public.
    Deleted,
}

impl ChangeKind {
    pub fn parse(text: &str) -> Option<ChangeKind> {
        Some(match text {
            "published" => ChangeKind::Published,
            "updated" => ChangeKind::Updated,
            "unpublished" => ChangeKind::Unpublished,
            "deleted" => ChangeKind::Deleted,
            _ => return None,
        })
    }
}

/// A position in the feed: after the change numbered `0` (`0` is the start). Written as the
/// number; clients treat it as opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ChangeCursor(pub i64);

impl ChangeCursor {
    pub const START: ChangeCursor = ChangeCursor(0);

    pub fn parse(text: &str) -> Option<ChangeCursor> {
        // Digits only: `i64::from_str` would take a leading `+`.
        if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().map(ChangeCursor)
    }
}

impl std::fmt::Display for ChangeCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_the_rest() {
        for c in [
            ChangeCursor::START,
            ChangeCursor(2333),
            ChangeCursor(999_999_999_999_999_999),
        ] {
            assert_eq!(ChangeCursor::parse(&c.to_string()), Some(c));
        }
        for bad in ["", ".", "+1", "-2", "a", "1.2", "9999999999999999999", "1 "] {
            assert_eq!(ChangeCursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn kinds_parse_as_they_serialise() {
        for k in [
            ChangeKind::Published,
            ChangeKind::Updated,
            ChangeKind::Unpublished,
            ChangeKind::Deleted,
        ] {
            let text = serde_json::to_value(k).unwrap();
            assert_eq!(ChangeKind::parse(text.as_str().unwrap()), Some(k));
        }
    }
}
