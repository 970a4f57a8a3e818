//! Geodesic area of outlines on the WGS 84 ellipsoid, independent of how their rings are wound.

use geo::{GeodesicArea, MultiPolygon};

/// Area of the WGS 84 ellipsoid (GeographicLib). Units: m².
const EARTH_AREA_M2: f64 = 510_065_621_724_088.5;

/// Geodesic area of a ring, whichever way it is wound: the smaller of the two regions it divides
/// the ellipsoid into. `Orient` decides winding with planar arithmetic, which can disagree with
/// the geodesic sign for a nearly degenerate ring (a sliver of a few µm²); measured unsigned
/// after such a mis-orientation, the ring encloses the rest of the Earth (510,065,622 km²). No
/// plot or outline comes near half the Earth, so the smaller region is always the meant one.
///
/// # Units: m²
pub(super) fn ring_area_m2(ring: &geo::LineString<f64>) -> f64 {
    let a = geo::Polygon::new(ring.clone(), Vec::new())
        .geodesic_area_signed()
        .abs();
    a.min(EARTH_AREA_M2 - a)
}

/// Geodesic area of a MultiPolygon on the WGS 84 ellipsoid: each shell less its holes, summed
/// (a part whose holes measure more than its shell counts 0), independent of winding.
///
/// # Units: m²
pub fn geodesic_area_m2(shape: &MultiPolygon<f64>) -> f64 {
    shape
        .iter()
        .map(|p| {
            let holes: f64 = p.interiors().iter().map(ring_area_m2).sum();
            (ring_area_m2(p.exterior()) - holes).max(0.0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Orient;

    #[test]
    fn area_does_not_depend_on_winding_nor_turn_into_the_earth_for_slivers() {
        use geo::{coord, LineString, Polygon};
        let square = |w: bool| {
            let mut ring = vec![
                coord! {x: 11.0, y: 53.0},
                coord! {x: 11.001, y: 53.0},
                coord! {x: 11.001, y: 53.001},
                coord! {x: 11.0, y: 53.001},
                coord! {x: 11.0, y: 53.0},
            ];
            if w {
                ring.reverse();
            }
            LineString::new(ring)
        };
        let ccw = geodesic_area_m2(&MultiPolygon::new(vec![Polygon::new(
            square(false),
            vec![],
        )]));
        let cw = geodesic_area_m2(&MultiPolygon::new(vec![Polygon::new(square(true), vec![])]));
        assert!(
            (ccw - cw).abs() < 1e-6 && (7_000.0..8_000.0).contains(&ccw),
            "{ccw} {cw}"
        );
        // A triangle of a few µm² beside the square, wound either way: it adds next to nothing.
        for reverse in [false, true] {
            let mut sliver = vec![
                coord! {x: 11.002, y: 53.0},
                coord! {x: 11.003, y: 53.0},
                coord! {x: 11.002_5, y: 53.000_000_000_1},
                coord! {x: 11.002, y: 53.0},
            ];
            if reverse {
                sliver.reverse();
            }
            let two = MultiPolygon::new(vec![
                Polygon::new(square(false), vec![]),
                Polygon::new(LineString::new(sliver), vec![]),
            ]);
            let area = geodesic_area_m2(&two.orient(geo::orient::Direction::Default));
            assert!((area - ccw).abs() < 0.01, "{area} vs {ccw}");
        }
    }
}
