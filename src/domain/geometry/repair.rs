//! What `POST /imports?repair=true` accepts of a repaired outline. PostGIS repairs
//! (`ST_MakeValid` 'method=structure', polygons only, components under `MIN_PART_AREA_M2`
//! dropped: the function `gwf_import_geometry`); this decides whether the result is still the
//! same place and words what changed.

use super::MIN_PART_AREA_M2;

/// A repair may change the outline's area by this share of the area as drawn … A fraction.
///
/// Why 1 % or 10 m², whichever is larger: mending a crossing or an overlap of survey precision
/// (centimetres to a metre along an edge) moves a few m², well under 1 % of a commercial plot;
/// 10 m² keeps small plots from being refused for such noise. A larger change means the repair
/// guessed at what was meant (two listings of one site as overlapping parts, a ring drawn
/// around the wrong way over half the plot): staff must look at it.
pub const REPAIR_MAX_CHANGE_SHARE: f64 = 0.01;

/// … or this much, whichever is larger. Units: m².
pub const REPAIR_MAX_CHANGE_M2: f64 = 10.0;

/// What PostGIS did to an invalid outline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repair {
    /// The area as drawn: each ring's own enclosed ground (a bow-tie's two lobes), shells less
    /// holes, parts summed (overlaps counted twice). Units: m².
    pub area_before_m2: f64,
    /// The area of the valid outline. Units: m².
    pub area_after_m2: f64,
    pub parts_before: i32,
    pub parts_after: i32,
}

impl Repair {
    /// The largest change of area accepted. Units: m².
    pub fn max_change_m2(&self) -> f64 {
        (self.area_before_m2 * REPAIR_MAX_CHANGE_SHARE).max(REPAIR_MAX_CHANGE_M2)
    }

    /// The warning of an accepted repair, or the problem of a refused one.
    pub fn judge(&self) -> Result<String, String> {
        let (before, after) = (self.area_before_m2, self.area_after_m2);
        let what = format!(
            "area as drawn {before:.1} m², after repair {after:.1} m²; {} part{} before, {} after (parts under {MIN_PART_AREA_M2} m² dropped)",
            self.parts_before,
            if self.parts_before == 1 { "" } else { "s" },
            self.parts_after,
        );
        if self.parts_after == 0 || after <= 0.0 {
            return Err(format!(
                "repair left no ground: the outline encloses nothing of {MIN_PART_AREA_M2} m² or more ({what})"
            ));
        }
        let change = (after - before).abs();
        if change > self.max_change_m2() {
            return Err(format!(
                "repair would change the area by {change:.1} m², more than the {:.1} m² allowed (1 % or 10 m²): the repaired outline may not be the place meant; fix it in the GIS ({what})",
                self.max_change_m2()
            ));
        }
        Ok(format!("invalid outline repaired ({what})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(before: f64, after: f64, parts_after: i32) -> Repair {
        Repair {
            area_before_m2: before,
            area_after_m2: after,
            parts_before: 1,
            parts_after,
        }
    }

    #[test]
    fn small_changes_pass_large_ones_are_refused() {
        assert!(repair(3_707.3, 3_707.3, 2).judge().is_ok(), "a bow-tie");
        assert!(repair(50_000.0, 49_600.0, 1).judge().is_ok(), "0.8 %");
        assert!(
            repair(500.0, 492.0, 1).judge().is_ok(),
            "8 m² of a small plot"
        );
        assert!(
            repair(59_316.8, 29_658.4, 1).judge().is_err(),
            "a doubled part"
        );
        assert!(repair(0.0, 0.0, 0)
            .judge()
            .unwrap_err()
            .contains("no ground"));
        let text = repair(1_000.0, 995.0, 1).judge().unwrap();
        assert!(
            text.contains("1000.0 m²") && text.contains("995.0 m²"),
            "{text}"
        );
    }
}
