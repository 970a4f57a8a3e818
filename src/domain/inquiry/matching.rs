//! Matching a requirement profile against the published plots: the profile becomes an
//! ordinary search (`search::PlotQuery`, run by `db::search` like `GET /plots`), and the
//! plots it finds are ranked by [`score`].
//!
//! Hard filters (a plot that fails one is not shown): area within `area_min_m2`–`area_max_m2`;
//! type of use among `zonings`; a rail siding when `rail` is asked for; available (status
//! `available` or `planned`, and `available_from` not after `needed_by` when given); price at
//! most `budget_eur / area_min_m2` per m² when both are given (plots with price on request
//! stay in). Softer needs (power, 24 h operation) and the fit of size and price rank them;
//! see [`score`] (docs/inquiries.md gives the table).

use chrono::NaiveDate;

use super::Profile;
use crate::domain::money::Cents;
use crate::domain::plot::{PlotFacts, PlotStatus};

use crate::domain::search::{GeometryForm, PlotQuery, Sort, SortKey};

/// Plots the search hands to the ranking; the best [`SHOWN`] are shown.
pub const CANDIDATES: i64 = 200;
/// Matches listed (and mailed in a shortlist) at most.
pub const SHOWN: usize = 20;

/// The search that finds the candidates of `profile` (published plots only: the caller runs
/// it over the public plot set).
pub fn query(profile: &Profile) -> PlotQuery {
    let max_price = match (profile.budget_eur, profile.area_min_m2) {
        (Some(budget), Some(area)) if area >= 1.0 => {
            Some(Cents(((budget as f64 * 100.0) / area).floor() as i64))
        }
        _ => None,
    };
    PlotQuery {
        statuses: vec![PlotStatus::Available, PlotStatus::Planned],
        zonings: profile.zonings.clone(),
        area_min_m2: profile.area_min_m2,
        area_max_m2: profile.area_max_m2,
        max_price,
        include_price_on_request: true,
        rail_siding: profile.rail.filter(|r| *r),
        available_by: profile.needed_by,
        published: Some(true),
        sort: Sort {
            key: SortKey::Reference,
            descending: false,
        },
        limit: CANDIDATES,
        geometry_form: GeometryForm::None,
        ..PlotQuery::default()
    }
}

/// What the ranking reads of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub status: PlotStatus,
    pub available_from: Option<NaiveDate>,
    /// Units: kVA.
    pub electricity_capacity_kva: Option<i32>,
    pub operation_24h: Option<bool>,
    pub price_on_request: bool,
    /// Units: € per m² (cents).
    pub price_min: Option<Cents>,
    /// Units: m².
    pub area_m2: f64,
}

impl Candidate {
    pub fn of(plot: &PlotFacts, area_m2: f64) -> Candidate {
        Candidate {
            status: plot.status,
            available_from: plot.available_from,
            electricity_capacity_kva: plot.electricity_capacity_kva,
            operation_24h: plot.operation_24h,
            price_on_request: plot.price_on_request,
            price_min: plot.price_min_eur_m2,
            area_m2,
        }
    }
}

/// How well a plot that passed the hard filters fits, 0–100 (higher is better):
///
/// | need | points |
/// |---|---|
/// | size: area near the middle of the asked range (or the one bound given) | 0–30 |
/// | power: capacity ≥ `power_kva` 25, unknown 10, below 0; not asked 25 | 0–25 |
/// | 24 h: allowed 20, unknown 8, not allowed 0; not asked 20 | 0–20 |
/// | ready: `available` now 15, `available` later or `planned` 5 (by `needed_by`) | 5–15 |
/// | price: known and within the budget 10, on request 5, no budget asked 10 | 0–10 |
///
/// Ties go to the area nearer the asked one, then to the reference (`rank`).
pub fn score(profile: &Profile, plot: &Candidate, today: NaiveDate) -> u32 {
    let area_m2 = plot.area_m2;
    let size = match (profile.area_min_m2, profile.area_max_m2) {
        (None, None) => 30.0,
        (min, max) => {
            let target = match (min, max) {
                (Some(a), Some(b)) => (a + b) / 2.0,
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => unreachable!("matched above"),
            };
            if target <= 0.0 {
                30.0
            } else {
                30.0 * (1.0 - ((area_m2 - target).abs() / target).min(1.0))
            }
        }
    };
    let power = match (profile.power_kva, plot.electricity_capacity_kva) {
        (None | Some(0), _) => 25,
        (Some(need), Some(has)) if has >= need => 25,
        (Some(_), None) => 10,
        (Some(_), Some(_)) => 0,
    };
    let round_the_clock = match (profile.operation_24h, plot.operation_24h) {
        (None | Some(false), _) => 20,
        (Some(true), Some(true)) => 20,
        (Some(true), None) => 8,
        (Some(true), Some(false)) => 0,
    };
    let ready_now = plot.status == PlotStatus::Available
        && plot.available_from.is_none_or(|from| from <= today);
    let ready = if ready_now { 15 } else { 5 };
    let price = match (profile.budget_eur, plot.price_on_request, plot.price_min) {
        (None, _, _) => 10,
        (Some(_), true, _) => 5,
        (Some(budget), false, Some(per_m2)) => {
            let total_eur = per_m2.0 as f64 / 100.0 * area_m2;
            if total_eur <= budget as f64 {
                10
            } else {
                0
            }
        }
        (Some(_), false, None) => 5,
    };
    size.round() as u32 + power + round_the_clock + ready + price
}

/// `candidates` (with their references) best first, at most [`SHOWN`], each with its score.
pub fn rank<T>(
    profile: &Profile,
    candidates: Vec<(T, String, Candidate)>,
    today: NaiveDate,
) -> Vec<(T, u32)> {
    let target = profile
        .area_min_m2
        .or(profile.area_max_m2)
        .map(|a| match profile.area_max_m2 {
            Some(b) if profile.area_min_m2.is_some() => (a + b) / 2.0,
            _ => a,
        });
    let mut scored: Vec<(T, String, f64, u32)> = candidates
        .into_iter()
        .map(|(item, reference, c)| {
            let off = target.map_or(0.0, |t| (c.area_m2 - t).abs());
            let score = score(profile, &c, today);
            (item, reference, off, score)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.3.cmp(&a.3)
            .then(a.2.total_cmp(&b.2))
            .then_with(|| a.1.cmp(&b.1))
    });
    scored
        .into_iter()
        .take(SHOWN)
        .map(|(item, _, _, score)| (item, score))
        .collect()
}
