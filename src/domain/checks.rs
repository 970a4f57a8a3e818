//! Spatial consistency of plots and places: what is checked, how much tolerance each check
//! allows, and how a finding is worded. No IO: `db::checks` measures (PostGIS), this module
//! decides and words. Guide: `docs/spatial-checks.md`.
//!
//! Findings are advice for staff, never a refusal: a write that produces one still succeeds and
//! carries it as a warning.
//!
//! **Tolerances.** Outlines come from sources of different precision. Plots and estates are
//! drawn from the cadastre (ALKIS) or an orthophoto, to a metre or better. Municipality outlines
//! typically come from BKG VG250, generalised for 1:250,000, whose boundaries lie up to about
//! 100 m from the true ones. A check therefore fires only when *both* the area and its share
//! exceed the check's tolerance: the share keeps digitising noise along long edges quiet, the
//! area keeps slivers of small plots quiet. Shared edges have no area and never fire.
//!
//! Units: m² for every area (geodesic, WGS 84 ellipsoid); shares are fractions 0–1.

use serde::Serialize;
use utoipa::ToSchema;

/// When a measured area counts as a finding: both limits must be exceeded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Areas up to this are noise. Units: m².
    pub max_m2: f64,
    /// Shares up to this are noise (of the plot or estate for "outside", of the smaller plot
    /// for overlaps). A fraction 0–1.
    pub max_share: f64,
}

impl Tolerance {
    /// Whether `area_m2`, being `share` of the reference area, is more than noise.
    pub fn exceeded(&self, area_m2: f64, share: f64) -> bool {
        area_m2 > self.max_m2 && share > self.max_share
    }
}

/// A plot outside its estate. Both are drawn at survey precision, so a plot 5 % (and 50 m²)
/// outside its estate is most likely drawn wrong or filed under the wrong estate.
pub const PLOT_IN_ESTATE: Tolerance = Tolerance {
    max_m2: 50.0,
    max_share: 0.05,
};

/// A plot or estate outside its municipality. The outline is generalised (VG250: boundaries up
/// to about 100 m off), so only a quarter (and 1,000 m²) outside counts: enough to catch a plot
/// filed under the neighbouring town or placed with wrong coordinates, not a plot along the
/// boundary.
pub const IN_MUNICIPALITY: Tolerance = Tolerance {
    max_m2: 1_000.0,
    max_share: 0.25,
};

/// Two plots on the same ground: more than 20 m² and 2 % of the smaller plot in common.
/// Neighbours share edges (no area) and differ by survey noise (centimetres to a metre along an
/// edge: a few m², well under 2 % of a commercial plot).
pub const OVERLAP: Tolerance = Tolerance {
    max_m2: 20.0,
    max_share: 0.02,
};

/// Most findings one report returns; `truncated` says when there were more. The largest come
/// first within a municipality and kind.
pub const MAX_FINDINGS: usize = 1000;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A plot lies partly or wholly outside the outline of its estate.
    PlotOutsideEstate,
    /// A plot lies partly or wholly outside the outline of its municipality.
    PlotOutsideMunicipality,
    /// An estate lies partly or wholly outside the outline of its municipality.
    EstateOutsideMunicipality,
    /// Two plots of one estate cover the same ground (two listings of one site?).
    PlotsOverlapInEstate,
    /// Two plots of one municipality, not both of one estate, cover the same ground.
    PlotsOverlapInMunicipality,
    /// Parts or holes of the submitted outline under 1 m² were dropped as slivers
    /// (`domain::plausibility`; write answers only).
    SliversDropped,
    /// The outline encloses less than a plot plausibly has (write answers only).
    SmallOutline,
    /// The stated area and the outline's area differ by more than plausible (write answers only).
    AreaStatedMismatch,
    /// The outline was invalid and was repaired on request (`?repair=true`; write answers only).
    OutlineRepaired,
}

impl FindingKind {
    /// The kinds `GET /places/checks` measures and reports (each has a `tolerance`).
    pub const ALL: [FindingKind; 5] = [
        FindingKind::PlotOutsideEstate,
        FindingKind::PlotOutsideMunicipality,
        FindingKind::EstateOutsideMunicipality,
        FindingKind::PlotsOverlapInEstate,
        FindingKind::PlotsOverlapInMunicipality,
    ];

    /// When a measured finding of this kind fires; `None` for the plausibility kinds, which are
    /// decided by `domain::plausibility` from the written plot alone.
    pub fn tolerance(self) -> Option<Tolerance> {
        match self {
            FindingKind::PlotOutsideEstate => Some(PLOT_IN_ESTATE),
            FindingKind::PlotOutsideMunicipality | FindingKind::EstateOutsideMunicipality => {
                Some(IN_MUNICIPALITY)
            }
            FindingKind::PlotsOverlapInEstate | FindingKind::PlotsOverlapInMunicipality => {
                Some(OVERLAP)
            }
            FindingKind::SliversDropped
            | FindingKind::SmallOutline
            | FindingKind::AreaStatedMismatch
            | FindingKind::OutlineRepaired => None,
        }
    }
}

/// A plot as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlotRef {
    pub id: i64,
    #[schema(example = "LWL-003")]
    pub reference: String,
    /// Drafts are checked too (staff only see findings of towns whose drafts they read).
    pub published: bool,
}

/// An estate as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EstateRef {
    pub id: i64,
    #[schema(example = "GE Nord")]
    pub name: String,
}

/// One spatial inconsistency.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub kind: FindingKind,
    /// The municipality the finding belongs to (the plot's or estate's).
    pub municipality_id: i64,
    /// The plot outside, or the first of two overlapping plots (the lower id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot: Option<PlotRef>,
    /// The second of two overlapping plots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_plot: Option<PlotRef>,
    /// The estate the plot lies outside of, the estate outside its municipality, or the estate
    /// both overlapping plots belong to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estate: Option<EstateRef>,
    /// The area outside, or the area both plots cover, rounded to 1. For the plausibility
    /// kinds: the area of the slivers dropped (rounded to 0.0001), the outline's area
    /// (`small_outline`), the difference between stated and outline area
    /// (`area_stated_mismatch`), or the change of area by a repair (`outline_repaired`, to 0.1).
    /// Units: m².
    #[schema(example = 2990.0)]
    pub area_m2: f64,
    /// `area_m2` as a share of the plot's (estate's) area, or of the smaller plot's for an
    /// overlap, of the stated area for `area_stated_mismatch` (may exceed 1 there), or of the
    /// area as drawn for `outline_repaired`; rounded to 0.001. A fraction.
    #[schema(example = 0.3)]
    pub share: f64,
    /// The finding in English.
    pub message: String,
    /// The finding in German.
    pub message_de: String,
}

impl Finding {
    /// A finding from what was measured; `None` when it is within the kind's tolerance. The
    /// `plot`, `other_plot` and `estate` the kind names must be given.
    pub fn measured(
        kind: FindingKind,
        municipality_id: i64,
        plot: Option<PlotRef>,
        other_plot: Option<PlotRef>,
        estate: Option<EstateRef>,
        area_m2: f64,
        share: f64,
    ) -> Option<Finding> {
        if !kind.tolerance()?.exceeded(area_m2, share) {
            return None;
        }
        let mut finding = Finding {
            kind,
            municipality_id,
            plot,
            other_plot,
            estate,
            area_m2: area_m2.round(),
            share: (share.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
            message: String::new(),
            message_de: String::new(),
        };
        (finding.message, finding.message_de) = finding.words();
        Some(finding)
    }

    /// Whether the finding concerns this plot.
    pub fn concerns_plot(&self, id: i64) -> bool {
        [&self.plot, &self.other_plot]
            .into_iter()
            .flatten()
            .any(|p| p.id == id)
    }

    fn words(&self) -> (String, String) {
        let plot = |p: &Option<PlotRef>| {
            p.as_ref()
                .map(|p| p.reference.clone())
                .unwrap_or_else(|| "?".into())
        };
        let estate = self
            .estate
            .as_ref()
            .map(|e| e.name.clone())
            .unwrap_or_else(|| "?".into());
        let area = thousands(self.area_m2);
        let pct = percent(self.share);
        match self.kind {
            FindingKind::PlotOutsideEstate => (
                format!(
                    "plot {} lies {area} m² ({pct} %) outside its estate {estate}",
                    plot(&self.plot)
                ),
                format!(
                    "Fläche {} liegt mit {area} m² ({pct} %) außerhalb ihres Gewerbegebiets {estate}",
                    plot(&self.plot)
                ),
            ),
            FindingKind::PlotOutsideMunicipality => (
                format!(
                    "plot {} lies {area} m² ({pct} %) outside its municipality",
                    plot(&self.plot)
                ),
                format!(
                    "Fläche {} liegt mit {area} m² ({pct} %) außerhalb ihrer Gemeinde",
                    plot(&self.plot)
                ),
            ),
            FindingKind::EstateOutsideMunicipality => (
                format!("estate {estate} lies {area} m² ({pct} %) outside its municipality"),
                format!(
                    "Gewerbegebiet {estate} liegt mit {area} m² ({pct} %) außerhalb seiner Gemeinde"
                ),
            ),
            FindingKind::PlotsOverlapInEstate => (
                format!(
                    "plots {} and {} of estate {estate} overlap by {area} m² ({pct} % of the smaller): the same ground listed twice?",
                    plot(&self.plot),
                    plot(&self.other_plot)
                ),
                format!(
                    "Flächen {} und {} im Gewerbegebiet {estate} überlappen sich um {area} m² ({pct} % der kleineren): dieselbe Fläche doppelt erfasst?",
                    plot(&self.plot),
                    plot(&self.other_plot)
                ),
            ),
            FindingKind::PlotsOverlapInMunicipality => (
                format!(
                    "plots {} and {} overlap by {area} m² ({pct} % of the smaller): the same ground listed twice?",
                    plot(&self.plot),
                    plot(&self.other_plot)
                ),
                format!(
                    "Flächen {} und {} überlappen sich um {area} m² ({pct} % der kleineren): dieselbe Fläche doppelt erfasst?",
                    plot(&self.plot),
                    plot(&self.other_plot)
                ),
            ),
            // Worded where they are decided (`Plausibility::into_finding`); `measured` never makes one.
            FindingKind::SliversDropped
            | FindingKind::SmallOutline
            | FindingKind::AreaStatedMismatch
            | FindingKind::OutlineRepaired => (self.message.clone(), self.message_de.clone()),
        }
    }
}

/// `12345.0` as `12,345` (whole m²; the same in both languages, as staff read either).
pub(crate) fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a whole percent, but never "0" or "100" for what is neither.
pub(crate) fn percent(share: f64) -> String {
    let p = share * 100.0;
    match p.round() {
        r if r < 1.0 && p > 0.0 => "<1".into(),
        r if r >= 100.0 && p < 100.0 => ">99".into(),
        r => format!("{r:.0}"),
    }
}

/// The order of a report's findings: by municipality, then kind, then largest first.
pub fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.municipality_id, a.kind)
        .cmp(&(b.municipality_id, b.kind))
        .then(b.area_m2.total_cmp(&a.area_m2))
        .then_with(|| ids(a).cmp(&ids(b)))
}

fn ids(f: &Finding) -> (Option<i64>, Option<i64>, Option<i64>) {
    (
        f.plot.as_ref().map(|p| p.id),
        f.other_plot.as_ref().map(|p| p.id),
        f.estate.as_ref().map(|e| e.id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(id: i64) -> Option<PlotRef> {
        Some(PlotRef {
            id,
            reference: format!("LWL-{id:03}"),
            published: true,
        })
    }

    #[test]
    fn both_area_and_share_must_exceed_the_tolerance() {
        // A 1 ha plot 3 m over a generalised boundary along 100 m: 300 m², 3 %.
        assert!(!IN_MUNICIPALITY.exceeded(300.0, 0.03));
        // A large plot with a long edge along the boundary: much area, small share.
        assert!(!IN_MUNICIPALITY.exceeded(5_000.0, 0.08));
        // A small plot wholly in the neighbouring town.
        assert!(!IN_MUNICIPALITY.exceeded(800.0, 1.0));
        assert!(IN_MUNICIPALITY.exceeded(3_000.0, 1.0));
        assert!(PLOT_IN_ESTATE.exceeded(2_990.0, 0.3));
        assert!(!PLOT_IN_ESTATE.exceeded(40.0, 0.3), "a sliver");
        assert!(!OVERLAP.exceeded(0.0, 0.0), "shared edge");
        assert!(!OVERLAP.exceeded(15.0, 0.001), "survey noise");
        assert!(OVERLAP.exceeded(10_000.0, 1.0), "listed twice");
    }

    #[test]
    fn a_finding_is_measured_rounded_and_worded() {
        let estate = Some(EstateRef {
            id: 4,
            name: "GE Nord".into(),
        });
        let f = Finding::measured(
            FindingKind::PlotOutsideEstate,
            1,
            plot(3),
            None,
            estate.clone(),
            2_990.4,
            0.30012,
        )
        .unwrap();
        assert_eq!((f.area_m2, f.share), (2_990.0, 0.3));
        assert_eq!(
            f.message,
            "plot LWL-003 lies 2,990 m² (30 %) outside its estate GE Nord"
        );
        assert!(f
            .message_de
            .contains("außerhalb ihres Gewerbegebiets GE Nord"));
        assert!(Finding::measured(
            FindingKind::PlotOutsideEstate,
            1,
            plot(3),
            None,
            estate,
            10.0,
            0.3
        )
        .is_none());
        let o = Finding::measured(
            FindingKind::PlotsOverlapInMunicipality,
            1,
            plot(3),
            plot(9),
            None,
            1_234_567.0,
            0.0042,
        );
        assert!(o.is_none(), "0.42 % of the smaller plot is noise");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(percent(0.004), "<1");
        assert_eq!(percent(0.9996), ">99");
        assert_eq!(percent(1.0), "100");
        assert_eq!(percent(0.3), "30");
    }

    #[test]
    fn findings_sort_by_town_kind_and_size() {
        let make = |m, kind, area| Finding::measured(kind, m, plot(1), plot(2), None, area, 1.0);
        let mut all: Vec<Finding> = [
            make(2, FindingKind::PlotOutsideEstate, 100.0),
            make(1, FindingKind::PlotsOverlapInEstate, 100.0),
            make(1, FindingKind::PlotOutsideEstate, 100.0),
            make(1, FindingKind::PlotOutsideEstate, 900.0),
        ]
        .into_iter()
        .flatten()
        .collect();
        all.sort_by(order);
        let order: Vec<_> = all
            .iter()
            .map(|f| (f.municipality_id, f.kind, f.area_m2))
            .collect();
        assert_eq!(
            order,
            [
                (1, FindingKind::PlotOutsideEstate, 900.0),
                (1, FindingKind::PlotOutsideEstate, 100.0),
                (1, FindingKind::PlotsOverlapInEstate, 100.0),
                (2, FindingKind::PlotOutsideEstate, 100.0),
            ]
        );
        assert!(all[0].concerns_plot(2) && !all[0].concerns_plot(3));
    }
}
