//! Demand figures for monitoring: what investors ask for against what the region offers, why
//! deals are lost, and how fast they are answered. Aggregates only: no inquiry, name or
//! address can be read from them.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// Size classes, as lower bounds. Units: m². A class runs to the next bound.
pub const SIZE_CLASSES: [(f64, &str); 5] = [
    (0.0, "under_5000"),
    (5_000.0, "5000_to_20000"),
    (20_000.0, "20000_to_50000"),
    (50_000.0, "50000_to_100000"),
    (100_000.0, "100000_and_more"),
];

/// The class of an area (units: m²).
pub fn size_class(area_m2: f64) -> &'static str {
    SIZE_CLASSES
        .iter()
        .rev()
        .find(|(from, _)| area_m2 >= *from)
        .map_or(SIZE_CLASSES[0].1, |(_, name)| name)
}

/// The area a requirement profile asks for, to classify it: the least area, else the most.
pub fn requested_area(min: Option<f64>, max: Option<f64>) -> Option<f64> {
    min.or(max)
}

/// One year of demand and supply.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DemandYear {
    pub year: i32,
    /// Inquiries received in the year (one per town routed to).
    pub inquiries: u64,
    /// Requested size classes: each profile by its least area (else its most), each plot
    /// asked about by its area; `unknown` for a profile without an area.
    pub requested_size_classes: BTreeMap<String, u64>,
    /// Published plots first offered (created) in the year, by size class.
    pub offered_size_classes: BTreeMap<String, u64>,
    /// Requested types of use: those a profile accepts, and those of the plots asked about.
    pub requested_zonings: BTreeMap<String, u64>,
    /// Published plots created in the year, by type of use.
    pub offered_zonings: BTreeMap<String, u64>,
}

/// The demand figures (`GET /monitoring/inquiries`).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DemandReport {
    /// Newest year first.
    pub years: Vec<DemandYear>,
    /// Lost inquiries by reason, over all years.
    pub lost_reasons: BTreeMap<String, u64>,
    /// Inquiries by status now.
    pub statuses: BTreeMap<String, u64>,
    /// Median time from receipt to the first response, over the inquiries answered. Units:
    /// hours. `null` when none was answered.
    pub median_first_response_hours: Option<f64>,
    /// Inquiries with a first response.
    pub answered: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes() {
        assert_eq!(size_class(0.0), "under_5000");
        assert_eq!(size_class(4_999.9), "under_5000");
        assert_eq!(size_class(5_000.0), "5000_to_20000");
        assert_eq!(size_class(250_000.0), "100000_and_more");
        assert_eq!(requested_area(None, Some(9.0)), Some(9.0));
    }
}
