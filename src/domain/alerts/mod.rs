//! Saved searches with alerts (docs/alerts.md): what an investor may save
//! (`POST /saved-searches`), the checks it passes, why a plot is news to a search, and the
//! retention rules. The search itself is `GET /plots`'s, checked by its parser in the API.
//!
//! The only personal data is the e-mail address (with its consent version): a feed-only
//! subscription holds none.

pub mod mails;

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::inquiry::{is_email, Consent};
use super::plot::Lang;
use super::FieldError;

/// Largest accepted `POST /saved-searches` body: a hand-drawn area with a few thousand
/// positions fits; it bounds what is stored per subscription. Units: bytes.
pub const MAX_BODY_BYTES: usize = 128 * 1024;
/// A search matching more plots than this when saved is refused: its set of matches is kept
/// per subscription, and no one wants mail about that many.
pub const MAX_MATCHES: i64 = 5_000;
/// Unconfirmed subscriptions one address may have at once: confirmation mails cannot be used
/// to flood a mailbox.
pub const MAX_PENDING_PER_ADDRESS: i64 = 3;
/// Entries in a feed, newest first.
pub const FEED_ENTRIES: i64 = 50;
/// Plots named in one digest; more are counted.
pub const DIGEST_LISTED: usize = 50;
/// Entries are kept this long (the feed shows the newest 50 anyway). Units: days.
pub const KEEP_ENTRIES_DAYS: i32 = 180;

/// Parameters of `GET /plots` that shape a page, not the set of plots: dropped on saving.
pub const OUTPUT_PARAMS: [&str; 7] = [
    "sort",
    "limit",
    "cursor",
    "count",
    "geometry_form",
    "fields",
    "f",
];
/// Parameters for staff (drafts, deleted plots): an alert follows what the public sees.
pub const STAFF_PARAMS: [&str; 2] = ["published", "deleted"];

/// `POST /saved-searches`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "search": {"status": "available,planned", "area_min": 20000, "max_price": "25",
               "geometry": {"type": "Polygon", "coordinates": [[[11.45, 53.30], [11.62, 53.30], [11.62, 53.40], [11.45, 53.40], [11.45, 53.30]]]}},
    "email": "erika.muster@example.com",
    "language": "de",
    "consent": {"accepted": true, "version": "2026-12"}
}))]
pub struct SubscribeRequest {
    /// The search: the body of `POST /plots/search` — any filter of `GET /plots` (lists as
    /// arrays or comma-separated), and optionally a drawn `geometry` with its `relation`.
    /// Paging and output parameters (`sort`, `limit`, `cursor`, `count`, `geometry_form`,
    /// `fields`, `f`) are ignored; `published` and `deleted` are refused.
    #[schema(value_type = Object)]
    pub search: Value,
    /// For a digest by e-mail (at most daily), after confirming the address. Without it the
    /// subscription is an Atom feed only, active at once.
    #[serde(default)]
    pub email: Option<String>,
    /// Language of the mails and the feed: `de` (default) or `en`.
    #[serde(default)]
    #[schema(pattern = "^(de|en)$", example = "de")]
    pub language: Option<String>,
    /// Required with `email`: the consent the form showed.
    #[serde(default)]
    pub consent: Option<Consent>,
    /// Leave out or empty. Forms hide this field from people; whatever fills it is a robot,
    /// and its subscription is answered like any other and dropped.
    #[serde(default)]
    pub website: Option<String>,
}

/// A checked subscription, before its search is checked by the search's parser.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubscription {
    /// The filters of `GET /plots` (output parameters dropped), without the drawn area.
    pub params: Map<String, Value>,
    /// The drawn area and its relation, as sent (validated by the API).
    pub geometry: Option<Value>,
    pub relation: Option<Value>,
    pub email: Option<String>,
    pub language: Lang,
    pub consent_version: Option<String>,
}

impl SubscribeRequest {
    /// Whether a robot filled the hidden field.
    pub fn is_bait_taken(&self) -> bool {
        self.website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// The subscription, or every broken rule of its own members (the search's parameters are
    /// the search parser's to judge).
    pub fn check(self) -> Result<NewSubscription, Vec<FieldError>> {
        let mut errors = Vec::new();
        let Value::Object(mut params) = self.search else {
            return Err(vec![FieldError::new(
                "/search",
                "must be an object with the parameters of GET /plots",
            )]);
        };
        for name in STAFF_PARAMS {
            if params.contains_key(name) {
                errors.push(FieldError::new(
                    format!("/search/{name}"),
                    "is not for saved searches: an alert follows the published plots",
                ));
            }
        }
        for name in OUTPUT_PARAMS {
            params.remove(name);
        }
        let geometry = params.remove("geometry").filter(|g| !g.is_null());
        let relation = params.remove("relation").filter(|r| !r.is_null());
        let language = match self.language.as_deref() {
            None => Some(Lang::De),
            Some(code) => Lang::parse(code),
        };
        if language.is_none() {
            errors.push(FieldError::new("/language", "must be de or en"));
        }
        let email = self
            .email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        let mut consent_version = None;
        if let Some(e) = &email {
            if e.len() > 254 || !is_email(e) {
                errors.push(FieldError::new(
                    "/email",
                    "is not an e-mail address like name@example.com",
                ));
            }
            match self.consent {
                None => errors.push(FieldError::new(
                    "/consent",
                    "is required with an e-mail address",
                )),
                Some(c) => {
                    if !c.accepted {
                        errors.push(FieldError::new(
                            "/consent/accepted",
                            "must be true: the address is stored only with consent",
                        ));
                    }
                    let v = c.version.trim();
                    if v.is_empty() || v.chars().count() > 50 || v.contains(char::is_control) {
                        errors.push(FieldError::new(
                            "/consent/version",
                            "must be 1–50 characters",
                        ));
                    }
                    consent_version = Some(v.to_owned());
                }
            }
        }
        match language {
            Some(language) if errors.is_empty() => Ok(NewSubscription {
                params,
                geometry,
                relation,
                email,
                language,
                consent_version,
            }),
            _ => Err(errors),
        }
    }
}

/// Why a plot is news to a search, as far as its change record tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// It was published (new, or back).
    Published,
    /// Its status changed (e.g. it became available).
    Status,
    /// Its price changed (into the search's range).
    Price,
    /// Another public fact changed.
    Changed,
}

impl Reason {
    pub fn parse(text: &str) -> Option<Reason> {
        Some(match text {
            "published" => Reason::Published,
            "status" => Reason::Status,
            "price" => Reason::Price,
            "changed" => Reason::Changed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Published => "published",
            Reason::Status => "status",
            Reason::Price => "price",
            Reason::Changed => "changed",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Reason::Published, Lang::De) => "neu veröffentlicht",
            (Reason::Published, Lang::En) => "newly published",
            (Reason::Status, Lang::De) => "Status geändert",
            (Reason::Status, Lang::En) => "status changed",
            (Reason::Price, Lang::De) => "Preis geändert",
            (Reason::Price, Lang::En) => "price changed",
            (Reason::Changed, Lang::De) => "Angaben geändert",
            (Reason::Changed, Lang::En) => "details changed",
        }
    }
}

/// How long things are kept (docs/alerts.md, "Retention").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// An unconfirmed subscription is deleted after this long (`GWF_ALERT_CONFIRM_HOURS`).
    pub confirm_hours: u32,
    /// A feed-only subscription whose feed nobody read for this long is deleted
    /// (`GWF_ALERT_UNUSED_DAYS`).
    pub unused_days: u32,
}

#[cfg(test)]
mod tests;
