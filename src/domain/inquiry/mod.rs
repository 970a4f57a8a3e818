//! Inquiries (leads): what an investor may send (`POST /inquiries`), the checks it passes, and
//! the rules of the staff pipeline (`pipeline`), matching (`matching`), the mails (`mails`)
//! and the demand figures (`stats`).
//!
//! Personal data of an inquiry is the contact, the free-text message and the staff's notes;
//! the requirement profile, the plots, the status and the timestamps are not, and stay when
//! an inquiry is anonymised (after the retention time, or on a person's request).

pub mod mails;
pub mod matching;
pub mod pipeline;
pub mod stats;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::plot::{Lang, PlotKey, Vocabulary, Zoning};
use super::FieldError;

pub use pipeline::{InquiryStatus, LostReason};

/// Most plots one inquiry may name.
pub const MAX_PLOTS: usize = 20;
/// Longest free-text message, in characters.
pub const MAX_MESSAGE: usize = 5_000;
/// Largest accepted `POST /inquiries` body: far above any honest form, far below the
/// service's general body limit. Units: bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Longest note of staff, in characters.
pub const MAX_NOTE: usize = 5_000;

pub use crate::domain::plot::PlotRef;

/// What an investor needs, when no plot fits yet or they want suggestions. Every member is
/// optional; at least one must be given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Least area. Units: m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, example = 20000)]
    pub area_min_m2: Option<f64>,
    /// Largest area. Units: m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, example = 50000)]
    pub area_max_m2: Option<f64>,
    /// Acceptable types of use (any of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zonings: Vec<Zoning>,
    /// The plot must be available by this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed_by: Option<NaiveDate>,
    /// Budget for the land. Units: € (whole euros).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, example = 900000)]
    pub budget_eur: Option<i64>,
    /// Jobs the investment creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub jobs: Option<i32>,
    /// Sector, e.g. `Logistik`, `food processing` (up to 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    /// Electrical power needed. Units: kVA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub power_kva: Option<i32>,
    /// A rail siding is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rail: Option<bool>,
    /// Round-the-clock operation is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_24h: Option<bool>,
}

/// Whom to answer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// 1–200 characters.
    #[schema(example = "Erika Muster")]
    pub name: String,
    #[serde(default)]
    #[schema(example = "Muster Logistik GmbH")]
    pub company: Option<String>,
    #[schema(example = "erika.muster@example.com")]
    pub email: String,
    /// Digits, spaces and `+ - / ( )`, up to 40 characters.
    #[serde(default)]
    #[schema(example = "+49 385 1234567")]
    pub phone: Option<String>,
    /// Language of the answer and the confirmation mail: `de` or `en`.
    #[serde(default = "default_language")]
    #[schema(pattern = "^(de|en)$", example = "de")]
    pub language: String,
}

fn default_language() -> String {
    "de".into()
}

/// The consent to process the data, as the form showed it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Must be `true`: the inquirer ticked the consent box.
    pub accepted: bool,
    /// Version of the consent text the form showed (stored with the time), 1–50 characters.
    #[schema(example = "2026-11")]
    pub version: String,
}

/// Where the form was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A plot's profile page.
    Profile,
    /// The embeddable map (`/embed`).
    Embed,
    /// The kiosk, a visitor on the spot.
    Kiosk,
    /// A shortlist's page (`/s/{code}`).
    Shortlist,
    /// Another client of the API.
    #[default]
    Api,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Profile => "profile",
            Source::Embed => "embed",
            Source::Kiosk => "kiosk",
            Source::Shortlist => "shortlist",
            Source::Api => "api",
        }
    }
}

/// `POST /inquiries`: about `plots`, a `shortlist`'s plots, or a `profile`; exactly one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InquiryRequest {
    /// Published plots asked about: ids or references, 1–20.
    #[serde(default)]
    #[schema(example = json!(["LWL-003"]))]
    pub plots: Vec<PlotRef>,
    #[serde(default)]
    pub profile: Option<Profile>,
    /// A shortlist's code (`/s/{code}`): the inquiry is about its plots still published, and
    /// names the shortlist. Instead of `plots`.
    #[serde(default)]
    #[schema(example = "7k2m9qx4rt0b")]
    pub shortlist: Option<String>,
    /// Free text, up to 5,000 characters.
    #[serde(default)]
    pub message: Option<String>,
    pub contact: Contact,
    pub consent: Consent,
    #[serde(default)]
    pub source: Source,
    /// Leave out or empty. Forms hide this field from people; whatever fills it is a robot,
    /// and its inquiry is answered like any other and dropped.
    #[serde(default)]
    pub website: Option<String>,
}

/// A checked inquiry: what is stored (before routing).
#[derive(Debug, Clone, PartialEq)]
pub struct NewInquiry {
    pub plots: Vec<PlotKey>,
    /// The shortlist it was sent from; its plots are looked up by the handler.
    pub shortlist: Option<super::shortlist::Code>,
    pub profile: Option<Profile>,
    pub message: Option<String>,
    pub name: String,
    pub company: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub language: Lang,
    pub consent_version: String,
    pub source: Source,
}

impl InquiryRequest {
    /// Whether a robot filled the hidden field.
    pub fn is_bait_taken(&self) -> bool {
        self.website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// The inquiry, or every broken rule.
    pub fn check(self) -> Result<NewInquiry, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |pointer: &str, value: Option<String>, max: usize, required: bool| {
            let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            match &value {
                None if required => errors.push(FieldError::new(pointer, "is required")),
                Some(v) if v.chars().count() > max => errors.push(FieldError::new(
                    pointer,
                    format!("must have at most {max} characters"),
                )),
                Some(v) if v.contains(|c: char| c.is_control() && c != '\n' && c != '\t') => errors
                    .push(FieldError::new(
                        pointer,
                        "must not contain control characters",
                    )),
                _ => {}
            }
            value
        };
        let name = text("/contact/name", Some(self.contact.name), 200, true);
        let company = text("/contact/company", self.contact.company, 200, false);
        let email = text("/contact/email", Some(self.contact.email), 254, true);
        let phone = text("/contact/phone", self.contact.phone, 40, false);
        let message = text("/message", self.message, MAX_MESSAGE, false);
        let consent_version = text("/consent/version", Some(self.consent.version), 50, true);
        if let Some(e) = &email {
            if !is_email(e) {
                errors.push(FieldError::new(
                    "/contact/email",
                    "is not an e-mail address like name@example.com",
                ));
            }
        }
        if let Some(p) = &phone {
            if !p
                .chars()
                .all(|c| c.is_ascii_digit() || " +-/()".contains(c))
                || p.chars().filter(char::is_ascii_digit).count() < 3
            {
                errors.push(FieldError::new(
                    "/contact/phone",
                    "may hold digits, spaces and + - / ( ) only",
                ));
            }
        }
        let language = Lang::parse(&self.contact.language);
        if language.is_none() {
            errors.push(FieldError::new("/contact/language", "must be de or en"));
        }
        if !self.consent.accepted {
            errors.push(FieldError::new(
                "/consent/accepted",
                "must be true: the data is processed only with consent",
            ));
        }
        let mut plots = Vec::new();
        for (i, plot) in self.plots.iter().enumerate() {
            let key = match plot {
                PlotRef::Id(id) => Some(PlotKey::Id(*id)),
                PlotRef::Reference(r) => PlotKey::parse(r.trim()),
            };
            match key {
                Some(key) if !plots.contains(&key) => plots.push(key),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("/plots/{i}"),
                    "is not a plot id or reference",
                )),
            }
        }
        let shortlist = match self.shortlist.as_deref().map(str::trim) {
            None => None,
            Some(text) => {
                let code = super::shortlist::Code::parse(text);
                if code.is_none() {
                    errors.push(FieldError::new("/shortlist", "is not a shortlist code"));
                }
                code
            }
        };
        if self.shortlist.is_some() && (!self.plots.is_empty() || self.profile.is_some()) {
            errors.push(FieldError::new(
                "/shortlist",
                "a shortlist stands for its plots: send it without `plots` or `profile`",
            ));
        }
        match (self.plots.len(), &self.profile) {
            (0, None) if self.shortlist.is_none() => errors.push(FieldError::new(
                "/plots",
                "name the plots asked about, give a `shortlist`, or a requirement `profile`",
            )),
            (n, Some(_)) if n > 0 => errors.push(FieldError::new(
                "/profile",
                "an inquiry is about given plots or a profile, not both",
            )),
            (n, _) if n > MAX_PLOTS => errors.push(FieldError::new(
                "/plots",
                format!("at most {MAX_PLOTS} plots per inquiry"),
            )),
            _ => {}
        }
        if let Some(profile) = &self.profile {
            errors.extend(profile.problems());
        }
        match (name, email, consent_version, language) {
            (Some(name), Some(email), Some(consent_version), Some(language))
                if errors.is_empty() =>
            {
                Ok(NewInquiry {
                    plots,
                    shortlist,
                    profile: self.profile.map(Profile::normalised),
                    message,
                    name,
                    company,
                    email,
                    phone,
                    language,
                    consent_version,
                    source: self.source,
                })
            }
            _ => Err(errors),
        }
    }
}

impl Profile {
    fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let area = |v: Option<f64>| v.is_some_and(|a| !a.is_finite() || !(0.0..=1e9).contains(&a));
        if area(self.area_min_m2) {
            errors.push(FieldError::new(
                "/profile/area_min_m2",
                "must be 0 to 1,000,000,000 m²",
            ));
        }
        if area(self.area_max_m2) {
            errors.push(FieldError::new(
                "/profile/area_max_m2",
                "must be 0 to 1,000,000,000 m²",
            ));
        }
        if let (Some(min), Some(max)) = (self.area_min_m2, self.area_max_m2) {
            if min > max {
                errors.push(FieldError::new(
                    "/profile/area_max_m2",
                    "must not be below area_min_m2",
                ));
            }
        }
        if self
            .budget_eur
            .is_some_and(|b| !(0..=100_000_000_000).contains(&b))
        {
            errors.push(FieldError::new(
                "/profile/budget_eur",
                "must be 0 to 100,000,000,000 €",
            ));
        }
        if self.jobs.is_some_and(|j| !(0..=1_000_000).contains(&j)) {
            errors.push(FieldError::new("/profile/jobs", "must be 0 to 1,000,000"));
        }
        if self
            .power_kva
            .is_some_and(|p| !(0..=10_000_000).contains(&p))
        {
            errors.push(FieldError::new(
                "/profile/power_kva",
                "must be 0 to 10,000,000 kVA",
            ));
        }
        if let Some(sector) = &self.sector {
            if sector.chars().count() > 200 || sector.contains(char::is_control) {
                errors.push(FieldError::new(
                    "/profile/sector",
                    "must have at most 200 characters and no control characters",
                ));
            }
        }
        if *self == Profile::default() {
            errors.push(FieldError::new(
                "/profile",
                "say at least one thing the plot needs (area, zoning, date, …)",
            ));
        }
        errors
    }

    fn normalised(mut self) -> Profile {
        self.zonings.sort_by_key(|z| z.as_str());
        self.zonings.dedup();
        self.sector = self
            .sector
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self
    }
}

/// A practical e-mail syntax check (not RFC 5322's full grammar, which allows addresses no
/// mail server takes): `local@domain.tld`, the local part of letters, digits and
/// `.!#$%&'*+/=?^_`{|}~-` (no leading, trailing or double dot), the domain of at least two
/// labels of letters, digits and inner hyphens (internationalised domains as any non-ASCII
/// letters), a top-level label of two or more characters.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|t| t.chars().count() >= 2);
    local_ok && domain_ok
}

#[cfg(test)]
mod tests;
