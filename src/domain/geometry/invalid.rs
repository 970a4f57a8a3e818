//! How a refused outline is worded: the `geo` validation rule broken, located in the submitted
//! document, and the refusal of an outline without ground.

use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};

use super::sliver::{self, Dropped};
use super::MIN_PART_AREA_M2;
use crate::domain::FieldError;

/// The refusal of an outline every part of which is a sliver (or encloses nothing at all).
pub(super) fn no_ground(pointer: &str, dropped: &[Dropped]) -> FieldError {
    let area: f64 = dropped.iter().map(|d| d.area_m2).sum();
    FieldError::new(
        pointer,
        format!(
            "encloses no ground: {} part{} together {area:.4} m², each under the {MIN_PART_AREA_M2} m² \
             below which a part is a sliver (left over from cutting layers) and dropped",
            dropped.len(),
            if dropped.len() == 1 { "" } else { "s" },
        ),
    )
}

/// Whether a problem text names a broken outline (self-intersection, overlapping parts, …):
/// the kind of problem `ST_MakeValid` can mend, which an import offers with `repair=true`.
pub fn names_invalidity(detail: &str) -> bool {
    INVALIDITY_RULES.iter().any(|rule| detail.starts_with(rule))
        || (detail.starts_with("polygons ")
            && (detail.contains(" overlap:") || detail.contains(" share an edge:")))
}

const INVALIDITY_RULES: [&str; 5] = [
    "too few points:",
    "self-intersection:",
    "non-finite coordinate:",
    "hole outside shell:",
    "rings intersect:",
];

/// `origin` maps polygons and holes of the shape validated back to the submitted geometry
/// (slivers were taken out before).
pub(super) fn describe_invalidity(
    problem: &InvalidMultiPolygon,
    is_multi: bool,
    pointer: &str,
    origin: &sliver::Origin,
) -> FieldError {
    let polygon = |p: usize| origin.get(p).map(|o| o.0).unwrap_or(p);
    match problem {
        InvalidMultiPolygon::InvalidPolygon(index, inner) => {
            let polygon_pointer = if is_multi {
                format!("{pointer}/coordinates/{}", polygon(index.0))
            } else {
                format!("{pointer}/coordinates")
            };
            let hole = |i: usize| {
                origin
                    .get(index.0)
                    .and_then(|o| o.1.get(i).copied())
                    .unwrap_or(i)
            };
            let ring = |role: &RingRole| match role {
                RingRole::Exterior => format!("{polygon_pointer}/0"),
                RingRole::Interior(i) => format!("{polygon_pointer}/{}", hole(*i) + 1),
            };
            let location = match inner {
                InvalidPolygon::TooFewPointsInRing(role)
                | InvalidPolygon::SelfIntersection(role)
                | InvalidPolygon::NonFiniteCoord(role, _)
                | InvalidPolygon::InteriorRingNotContainedInExteriorRing(role)
                | InvalidPolygon::IntersectingRingsOnALine(role, _)
                | InvalidPolygon::IntersectingRingsOnAnArea(role, _) => ring(role),
            };
            FieldError::new(location, rule_text(inner))
        }
        InvalidMultiPolygon::ElementsOverlaps(a, b) => FieldError::new(
            format!("{pointer}/coordinates"),
            format!(
                "polygons {} and {} overlap: the parts of a MultiPolygon must be disjoint",
                polygon(a.0),
                polygon(b.0)
            ),
        ),
        InvalidMultiPolygon::ElementsTouchOnALine(a, b) => FieldError::new(
            format!("{pointer}/coordinates"),
            format!(
                "polygons {} and {} share an edge: merge them into one polygon",
                polygon(a.0),
                polygon(b.0)
            ),
        ),
    }
}

/// geo's wording, with the name of the rule first so clients and tests can tell rules apart.
fn rule_text(problem: &InvalidPolygon) -> String {
    let rule = match problem {
        InvalidPolygon::TooFewPointsInRing(_) => "too few points",
        InvalidPolygon::SelfIntersection(_) => "self-intersection",
        InvalidPolygon::NonFiniteCoord(..) => "non-finite coordinate",
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(_) => "hole outside shell",
        InvalidPolygon::IntersectingRingsOnALine(..)
        | InvalidPolygon::IntersectingRingsOnAnArea(..) => "rings intersect",
    };
    format!("{rule}: {problem}")
}
