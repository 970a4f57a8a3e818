//! Slivers: parts and holes of an outline too small to be ground anyone means, as cutting parcels
//! out of a zoning layer leaves them (a triangle of a few µm² beside the real plot). They are
//! dropped, never refused, and the caller is told (`PlotGeometry::dropped`).

use geo::{LineString, MultiPolygon, Polygon};

use super::area::ring_area_m2;

/// Parts and holes enclosing less than this are slivers and are dropped. Units: m².
///
/// Why 1 m²: ALKIS (the cadastre plots are drawn from) gives coordinates to centimetres and is
/// accurate to centimetres–decimetres, so a part or hole under 1 m² is below what the survey
/// resolves along a plot's edges; no commercial plot has a real part that small (the smallest
/// parcels, pieces of road verge, are tens of m²). What is that small is left over from cutting
/// or intersecting layers. Dropping it changes a plot's area by less than any stated area's
/// precision.
pub const MIN_PART_AREA_M2: f64 = 1.0;

/// A part or hole dropped as a sliver, by its place in the submitted geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    /// Index of the polygon in the submitted MultiPolygon (0 for a Polygon).
    pub polygon: usize,
    /// Index of the hole among the polygon's holes (its ring is `hole + 1`); `None` for the
    /// whole part.
    pub hole: Option<usize>,
    /// Geodesic area it enclosed. Units: m².
    pub area_m2: f64,
}

/// Where each polygon and hole of a shape came from in the submitted geometry, once slivers are
/// taken out: `origin[p] = (polygon index, hole indices)`.
pub(super) type Origin = Vec<(usize, Vec<usize>)>;

/// Metres per degree of longitude and latitude on the WGS 84 ellipsoid at `lat` (good to 0.1 %
/// at plot size).
pub(super) fn metres_per_degree(lat: f64) -> (f64, f64) {
    let phi = lat.to_radians();
    let lat_m = 111_132.92 - 559.82 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
    let lon_m = 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos();
    (lon_m, lat_m)
}

/// An upper bound of the ground a ring covers, however it is wound and even if it crosses
/// itself: the unsigned areas of the triangles fanned out from its first position, summed. (The
/// ground a ring covers, counted with its winding number, is the sum of their signed areas.)
/// So a ring under the bound is a sliver whatever shape it has, while a bow-tie of two real lobes,
/// whose signed area may cancel to nothing, is not mistaken for one. Planar, in metres around
/// the first position. Units: m².
fn coverage_bound_m2(ring: &LineString<f64>) -> f64 {
    let Some(first) = ring.0.first() else {
        return 0.0;
    };
    let (kx, ky) = metres_per_degree(first.y);
    let local: Vec<(f64, f64)> = ring
        .0
        .iter()
        .map(|c| ((c.x - first.x) * kx, (c.y - first.y) * ky))
        .collect();
    local
        .windows(2)
        .map(|w| (w[0].0 * w[1].1 - w[1].0 * w[0].1).abs() / 2.0)
        .sum()
}

/// Geodesic area of a part, shell less holes. Units: m².
fn part_area_m2(polygon: &Polygon<f64>) -> f64 {
    let holes: f64 = polygon.interiors().iter().map(ring_area_m2).sum();
    (ring_area_m2(polygon.exterior()) - holes).max(0.0)
}

/// Takes out parts and holes that cover less than `MIN_PART_AREA_M2` however they are drawn,
/// before validation: a degenerate sliver (three nearly collinear positions) may be invalid and
/// would otherwise refuse the whole outline.
pub(super) fn drop_before_validation(
    shape: MultiPolygon<f64>,
    dropped: &mut Vec<Dropped>,
) -> (MultiPolygon<f64>, Origin) {
    let mut origin = Vec::new();
    let mut kept = Vec::new();
    for (p, polygon) in shape.into_iter().enumerate() {
        if coverage_bound_m2(polygon.exterior()) < MIN_PART_AREA_M2 {
            dropped.push(Dropped {
                polygon: p,
                hole: None,
                area_m2: part_area_m2(&polygon),
            });
            continue;
        }
        let (exterior, interiors) = polygon.into_inner();
        let mut holes = Vec::new();
        let mut hole_origin = Vec::new();
        for (h, hole) in interiors.into_iter().enumerate() {
            if coverage_bound_m2(&hole) < MIN_PART_AREA_M2 {
                dropped.push(Dropped {
                    polygon: p,
                    hole: Some(h),
                    area_m2: ring_area_m2(&hole),
                });
            } else {
                holes.push(hole);
                hole_origin.push(h);
            }
        }
        kept.push(Polygon::new(exterior, holes));
        origin.push((p, hole_origin));
    }
    (MultiPolygon::new(kept), origin)
}

/// Takes out valid parts and holes whose geodesic area is under `MIN_PART_AREA_M2` (those the
/// bound let through). Dropping a part or a hole keeps a valid shape valid.
pub(super) fn drop_after_validation(
    shape: MultiPolygon<f64>,
    origin: &Origin,
    dropped: &mut Vec<Dropped>,
) -> MultiPolygon<f64> {
    let mut kept = Vec::new();
    for (polygon, (p, hole_origin)) in shape.into_iter().zip(origin) {
        let area = part_area_m2(&polygon);
        if area < MIN_PART_AREA_M2 {
            dropped.push(Dropped {
                polygon: *p,
                hole: None,
                area_m2: area,
            });
            continue;
        }
        let (exterior, interiors) = polygon.into_inner();
        let mut holes = Vec::new();
        for (hole, h) in interiors.into_iter().zip(hole_origin) {
            let area = ring_area_m2(&hole);
            if area < MIN_PART_AREA_M2 {
                dropped.push(Dropped {
                    polygon: *p,
                    hole: Some(*h),
                    area_m2: area,
                });
            } else {
                holes.push(hole);
            }
        }
        kept.push(Polygon::new(exterior, holes));
    }
    MultiPolygon::new(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    fn ring(points: &[(f64, f64)]) -> LineString<f64> {
        LineString::new(points.iter().map(|&(x, y)| coord! {x: x, y: y}).collect())
    }

    #[test]
    fn the_bound_tells_slivers_from_bow_ties() {
        // A 100 m long triangle 1 µm high: ~5e-5 m².
        let sliver = ring(&[
            (11.5, 53.3),
            (11.5015, 53.3),
            (11.5007, 53.300_000_000_01),
            (11.5, 53.3),
        ]);
        assert!(coverage_bound_m2(&sliver) < 0.01);
        // Two 66 m × 55 m lobes of opposite winding: signed area 0, but real ground.
        let bow_tie = ring(&[
            (11.5, 53.33),
            (11.501, 53.331),
            (11.501, 53.33),
            (11.5, 53.331),
            (11.5, 53.33),
        ]);
        assert!(coverage_bound_m2(&bow_tie) > 3_000.0);
        // A square of 1.1 m × 1.1 m is kept.
        let (kx, ky) = metres_per_degree(53.3);
        let (dx, dy) = (1.1 / kx, 1.1 / ky);
        let small = ring(&[
            (11.5, 53.3),
            (11.5 + dx, 53.3),
            (11.5 + dx, 53.3 + dy),
            (11.5, 53.3 + dy),
            (11.5, 53.3),
        ]);
        let b = coverage_bound_m2(&small);
        assert!((b - 1.21).abs() < 0.01, "{b}");
    }
}
