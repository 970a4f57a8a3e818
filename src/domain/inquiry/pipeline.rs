//! The staff pipeline of an inquiry: `new → answered → viewing → offer → won | lost`.
//!
//! The rules:
//! - a step moves forward only; `viewing` may be skipped (`answered → offer`), the others not:
//!   an inquiry is answered before anything else happens, and won only from an offer;
//! - `lost` (with a reason) ends an inquiry from any open step;
//! - `won` and `lost` are final: a closed inquiry takes notes, nothing else moves;
//! - setting the status it already has changes nothing.
//!
//! `first_response_at` is the moment the inquiry first leaves `new` (staff mark it answered,
//! or lost as spam) or a shortlist is mailed to the inquirer, whichever comes first: both are
//! an answer the inquirer can see. Notes are internal and answer nobody.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an inquiry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InquiryStatus {
    /// Received, nobody has answered yet.
    New,
    /// The inquirer got an answer.
    Answered,
    /// A site visit is arranged or done.
    Viewing,
    /// An offer (price, contract draft) was made.
    Offer,
    /// The deal is done. Final.
    Won,
    /// The inquiry ended without a deal (`lost_reason` says why). Final.
    Lost,
}

impl InquiryStatus {
    pub const ALL: [InquiryStatus; 6] = [
        InquiryStatus::New,
        InquiryStatus::Answered,
        InquiryStatus::Viewing,
        InquiryStatus::Offer,
        InquiryStatus::Won,
        InquiryStatus::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryStatus::New => "new",
            InquiryStatus::Answered => "answered",
            InquiryStatus::Viewing => "viewing",
            InquiryStatus::Offer => "offer",
            InquiryStatus::Won => "won",
            InquiryStatus::Lost => "lost",
        }
    }

    pub fn parse(text: &str) -> Option<InquiryStatus> {
        InquiryStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, InquiryStatus::Won | InquiryStatus::Lost)
    }
}

/// Why a deal was lost (for the demand figures: what the region lacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LostReason {
    /// The land was too expensive.
    Price,
    /// No plot of the size needed.
    Size,
    /// The location did not fit (logistics, labour market).
    Location,
    /// Not available in time.
    Timing,
    /// Power, rail, road, broadband or other infrastructure missing.
    Infrastructure,
    /// Zoning or planning law did not allow the use.
    PlanningLaw,
    /// The investor chose a site elsewhere.
    OtherRegion,
    /// The investor gave up the project.
    Withdrawn,
    /// The inquirer stopped answering.
    NoResponse,
    /// Not a real inquiry.
    Spam,
    Other,
}

impl LostReason {
    pub const ALL: [LostReason; 11] = [
        LostReason::Price,
        LostReason::Size,
        LostReason::Location,
        LostReason::Timing,
        LostReason::Infrastructure,
        LostReason::PlanningLaw,
        LostReason::OtherRegion,
        LostReason::Withdrawn,
        LostReason::NoResponse,
        LostReason::Spam,
        LostReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LostReason::Price => "price",
            LostReason::Size => "size",
            LostReason::Location => "location",
            LostReason::Timing => "timing",
            LostReason::Infrastructure => "infrastructure",
            LostReason::PlanningLaw => "planning_law",
            LostReason::OtherRegion => "other_region",
            LostReason::Withdrawn => "withdrawn",
            LostReason::NoResponse => "no_response",
            LostReason::Spam => "spam",
            LostReason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<LostReason> {
        LostReason::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Against the state the inquiry is in (409): final, or not a step forward.
    Conflict(String),
    /// The request itself is incomplete or contradictory (422), at this member.
    Invalid {
        pointer: &'static str,
        detail: String,
    },
}

/// Whether an inquiry in `from` may move to `to` (with `reason` when lost). `Ok(false)`: it
/// is there already, nothing changes.
pub fn transition(
    from: InquiryStatus,
    to: InquiryStatus,
    reason: Option<LostReason>,
) -> Result<bool, Refused> {
    use InquiryStatus::*;
    match (to, reason) {
        (Lost, None) => {
            return Err(Refused::Invalid {
                pointer: "/lost_reason",
                detail: "a lost inquiry needs a `lost_reason`".into(),
            })
        }
        (Lost, Some(_)) => {}
        (_, Some(_)) => {
            return Err(Refused::Invalid {
                pointer: "/lost_reason",
                detail: "only a `lost` inquiry has a `lost_reason`".into(),
            })
        }
        (_, None) => {}
    }
    let allowed = match (from, to) {
        (a, b) if a == b => return Ok(false),
        (Won | Lost, _) => {
            return Err(Refused::Conflict(format!(
                "the inquiry is closed ({}); it takes notes only",
                from.as_str()
            )))
        }
        (_, Lost) => true,
        (New, Answered) | (Answered, Viewing | Offer) | (Viewing, Offer) | (Offer, Won) => true,
        (New | Answered | Viewing | Offer, New | Answered | Viewing | Offer | Won) => false,
    };
    if allowed {
        Ok(true)
    } else {
        Err(Refused::Conflict(format!(
            "an inquiry cannot go from {} to {}; the steps are new → answered → (viewing) → \
             offer → won, or lost from any open step",
            from.as_str(),
            to.as_str()
        )))
    }
}

/// Whether a move from `from` to `to` is the first response (sets `first_response_at` if it
/// is not set yet).
pub fn answers(from: InquiryStatus, to: InquiryStatus) -> bool {
    from == InquiryStatus::New && to != InquiryStatus::New
}
