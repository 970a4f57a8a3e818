//! Plausibility of a plot's own data: what is probably a mistake in an outline or its stated
//! area though no rule forbids it. Like the spatial findings (`domain::checks`) these are
//! warnings, never refusals: in the answer of every plot write (`warnings`) and in every import
//! report. Decided in Rust from the plot alone (no IO), so an import of 100,000 plots pays no
//! extra round trip for them. Guide: `docs/spatial-checks.md`.
//!
//! Units: m² for areas (geodesic, WGS 84 ellipsoid), m for distances; shares are fractions.

use serde::Serialize;

use super::checks::{
    percent, thousands, EstateRef, Finding, FindingKind, PlotRef, IN_MUNICIPALITY,
};
use super::geometry::{PlotGeometry, Repair, MIN_PART_AREA_M2};

/// An outline enclosing less than this is implausible for a commercial plot. Units: m².
///
/// Why 100 m²: the smallest plots a town markets for business (a kiosk, a transformer or
/// advertising site) have a few hundred m². An outline under 100 m² is far more often a mistake:
/// a placeholder square of a stated area given in hectares (`1.5` read as 1.5 m²), a leftover
/// part, or coordinates in a unit or CRS that shrinks the plot.
pub const SMALL_OUTLINE_M2: f64 = 100.0;

/// Stated area and outline area may differ by this share of the stated area. A fraction.
///
/// Why 10 %: stated areas come from the land register or an offer (rounded, "ca. 1.5 ha",
/// sometimes net of a road strip) and differ from a drawn outline by a few percent. More than a
/// tenth apart usually means the outline is of another piece of land (the whole estate, a
/// neighbour), or the stated area is in another unit or of another portion.
pub const AREA_STATED_MAX_DEVIATION: f64 = 0.10;

/// A plot imported as a position only (outlined by a placeholder square) may lie this far from
/// its estate's outline. Units: m.
///
/// Why 500 m: a position from geocoding an address or a click on a map lies on or next to the
/// plot, and a plot of an estate lies inside the estate's outline; estates are a few hundred
/// metres across. A position more than 500 m outside its estate is beyond any geocoding or
/// digitising slip: most likely swapped or mistyped coordinates, a wrong CRS zone, or the wrong
/// estate.
pub const PLACEHOLDER_MAX_DISTANCE_M: f64 = 500.0;

/// One plausibility finding about a plot, before it is tied to a stored plot
/// (`Plausibility::into_finding`) or to a feature of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plausibility {
    pub kind: FindingKind,
    /// The field of the plot it is about (`geometry` or `area_stated_m2`).
    pub field: &'static str,
    /// As `Finding::area_m2` describes for the kind. Units: m².
    pub area_m2: f64,
    /// As `Finding::share` describes for the kind. A fraction.
    pub share: f64,
    pub message: String,
    pub message_de: String,
}

impl Plausibility {
    /// The finding a write answer carries for `plot` (of `municipality_id`).
    pub fn into_finding(self, municipality_id: i64, plot: PlotRef) -> Finding {
        self.finding(municipality_id, Some(plot), None)
    }

    /// The finding about an estate's outline (slivers dropped from it).
    pub fn into_estate_finding(self, municipality_id: i64, estate: EstateRef) -> Finding {
        self.finding(municipality_id, None, Some(estate))
    }

    fn finding(
        self,
        municipality_id: i64,
        plot: Option<PlotRef>,
        estate: Option<EstateRef>,
    ) -> Finding {
        Finding {
            kind: self.kind,
            municipality_id,
            plot,
            other_plot: None,
            estate,
            area_m2: self.area_m2,
            share: self.share,
            message: self.message,
            message_de: self.message_de,
        }
    }
}

/// Whether slivers were dropped from the submitted outline (`PlotGeometry::dropped`).
pub fn slivers(geometry: &PlotGeometry) -> Option<Plausibility> {
    let dropped = geometry.dropped();
    if dropped.is_empty() {
        return None;
    }
    let area: f64 = dropped.iter().map(|d| d.area_m2).sum();
    let which: Vec<String> = dropped
        .iter()
        .map(|d| match d.hole {
            None => format!("part {}", d.polygon),
            Some(h) => format!("hole {} of part {}", h, d.polygon),
        })
        .collect();
    let amount = match area {
        a if a >= 0.01 => format!("{a:.2}"),
        _ => "less than 0.01".to_owned(),
    };
    let n = dropped.len();
    Some(Plausibility {
        kind: FindingKind::SliversDropped,
        field: "geometry",
        area_m2: (area * 10_000.0).round() / 10_000.0,
        share: round_share(area / (geometry.area_m2() + area)),
        message: format!(
            "{n} sliver{} under {MIN_PART_AREA_M2} m² dropped from the outline ({}; together {amount} m²): left over from cutting layers, not part of the plot",
            if n == 1 { "" } else { "s" },
            which.join(", ")
        ),
        message_de: format!(
            "{n} Splitterfläche{} unter {MIN_PART_AREA_M2} m² aus dem Umriss entfernt (zusammen {amount} m²): Reste vom Verschneiden, nicht Teil der Fläche",
            if n == 1 { "" } else { "n" },
        ),
    })
}

/// An outline under `SMALL_OUTLINE_M2`, and a stated area more than `AREA_STATED_MAX_DEVIATION`
/// from the outline's.
pub fn of_outline(geometry: &PlotGeometry, area_stated_m2: Option<i64>) -> Vec<Plausibility> {
    let mut found = Vec::new();
    let area = geometry.area_m2();
    if area < SMALL_OUTLINE_M2 {
        let a = thousands(area);
        found.push(Plausibility {
            kind: FindingKind::SmallOutline,
            field: "geometry",
            area_m2: area.round(),
            share: 1.0,
            message: format!(
                "the outline encloses only {a} m²; a commercial plot under {SMALL_OUTLINE_M2} m² is implausible: check the coordinates (and a stated area in ha rather than m²)"
            ),
            message_de: format!(
                "Der Umriss umfasst nur {a} m²; eine Gewerbefläche unter {SMALL_OUTLINE_M2} m² ist unplausibel: Koordinaten (und eine Flächenangabe in ha statt m²) prüfen"
            ),
        });
    }
    if let Some(stated) = area_stated_m2.filter(|s| *s > 0) {
        let stated = stated as f64;
        let difference = (area - stated).abs();
        let share = difference / stated;
        if share > AREA_STATED_MAX_DEVIATION {
            let (s, c, pct) = (thousands(stated), thousands(area), percent(share));
            found.push(Plausibility {
                kind: FindingKind::AreaStatedMismatch,
                field: "area_stated_m2",
                area_m2: difference.round(),
                share: round_share(share),
                message: format!(
                    "the stated area ({s} m²) and the outline's ({c} m²) differ by {pct} % of the stated area: is the outline of another piece of land, or the stated area wrong (m², not ha)?"
                ),
                message_de: format!(
                    "Angegebene Fläche ({s} m²) und Umrissfläche ({c} m²) weichen um {pct} % der angegebenen ab: gehört der Umriss zu einer anderen Fläche, oder ist die Flächenangabe falsch (m², nicht ha)?"
                ),
            });
        }
    }
    found
}

/// Everything above, as a plot write reports it.
pub fn of_plot(geometry: &PlotGeometry, area_stated_m2: Option<i64>) -> Vec<Plausibility> {
    let mut found: Vec<Plausibility> = slivers(geometry).into_iter().collect();
    found.extend(of_outline(geometry, area_stated_m2));
    found
}

/// What `?repair=true` did to a plot write's outline (`text`: `Repair::judge`'s words).
pub fn repaired(repair: &Repair, text: String) -> Plausibility {
    let change = (repair.area_after_m2 - repair.area_before_m2).abs();
    Plausibility {
        kind: FindingKind::OutlineRepaired,
        field: "geometry",
        area_m2: (change * 10.0).round() / 10.0,
        share: match repair.area_before_m2 {
            b if b > 0.0 => round_share(change / b),
            _ => 0.0,
        },
        message: text,
        message_de: format!(
            "Ungültiger Umriss repariert (Fläche wie gezeichnet {:.1} m², nach der Reparatur {:.1} m²; {} Teil(e) vorher, {} nachher; Teile unter {MIN_PART_AREA_M2} m² entfernt)",
            repair.area_before_m2, repair.area_after_m2, repair.parts_before, repair.parts_after
        ),
    }
}

/// An imported outline `outside_m2` of whose `area_m2` lie outside its municipality's outline,
/// worded when it exceeds the spatial checks' tolerance (`checks::IN_MUNICIPALITY`), as a plot
/// write's `plot_outside_municipality` would.
pub fn outside_municipality(outside_m2: f64, area_m2: f64) -> Option<String> {
    let share = if area_m2 > 0.0 {
        outside_m2 / area_m2
    } else {
        0.0
    };
    IN_MUNICIPALITY.exceeded(outside_m2, share).then(|| {
        format!(
            "the outline lies {} m² ({} %) outside its municipality's outline: placed with wrong coordinates, or filed under the wrong municipality?",
            thousands(outside_m2),
            percent(share)
        )
    })
}

/// A position-only plot `distance_m` from the outline of its estate `estate`, worded when it is
/// more than `PLACEHOLDER_MAX_DISTANCE_M`.
pub fn placeholder_far(distance_m: f64, estate: &str) -> Option<String> {
    (distance_m > PLACEHOLDER_MAX_DISTANCE_M).then(|| {
        format!(
            "the position lies {} m from the outline of its estate {estate} (more than {PLACEHOLDER_MAX_DISTANCE_M} m): wrong coordinates, or the wrong estate?",
            thousands(distance_m)
        )
    })
}

fn round_share(share: f64) -> f64 {
    (share * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geometry::{square_around, GeometryLimits};

    fn plot_of(area_m2: f64) -> PlotGeometry {
        PlotGeometry::from_geojson_value(
            &square_around(11.5, 53.3, area_m2),
            "",
            &GeometryLimits::default(),
        )
        .unwrap()
    }

    #[test]
    fn small_outlines_and_stated_areas_far_off_are_found() {
        let kinds = |g: &PlotGeometry, stated| {
            of_plot(g, stated)
                .into_iter()
                .map(|p| p.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&plot_of(5_000.0), Some(5_200)), []);
        assert_eq!(kinds(&plot_of(5_000.0), None), []);
        assert_eq!(
            kinds(&plot_of(5_000.0), Some(6_000)),
            [FindingKind::AreaStatedMismatch]
        );
        assert_eq!(kinds(&plot_of(50.0), Some(50)), [FindingKind::SmallOutline]);
        let mismatch = &of_outline(&plot_of(5_000.0), Some(15_000))[0];
        assert!(
            mismatch.message.contains("15,000 m²") && mismatch.message.contains("67 %"),
            "{}",
            mismatch.message
        );
        assert_eq!(mismatch.field, "area_stated_m2");
    }

    #[test]
    fn thresholds_of_import_checks() {
        assert!(outside_municipality(5_000.0, 10_000.0).is_some());
        assert!(outside_municipality(500.0, 1_000.0).is_none(), "too small");
        assert!(outside_municipality(2_000.0, 100_000.0).is_none(), "2 %");
        assert!(placeholder_far(499.0, "GE Nord").is_none());
        assert!(placeholder_far(2_500.0, "GE Nord")
            .unwrap()
            .contains("2,500 m from the outline of its estate GE Nord"));
    }
}
