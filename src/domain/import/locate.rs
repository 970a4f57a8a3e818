//! `?locate=true`: a feature that leaves out its municipality (and a plot its estate) gets the
//! place whose outline contains the feature's point on surface. PostGIS finds the places around
//! each point (`db::imports::locate`, one query per import); this decides what a feature gets.
//! Locate never overrides what a feature (or a stored plot) says.

use serde_json::{Map, Value};

use super::report::Located;
use super::schema::Target;

/// What a feature leaves for locate to fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    pub municipality: bool,
    /// Plots only.
    pub estate: bool,
}

impl Needs {
    /// What `fields` leave out: the municipality unless they name it (`municipality_ags`,
    /// `municipality_id`) or a stored plot has one; for plots the estate unless they name it
    /// (`estate_name`, `estate_id`: an empty one means "no estate") or the stored plot has one.
    pub fn of(
        fields: &Map<String, Value>,
        target: Target,
        stored_municipality: bool,
        stored_estate: bool,
    ) -> Needs {
        let named = |field: &str| fields.get(field).is_some_and(|v| !v.is_null());
        Needs {
            municipality: !stored_municipality
                && !named("municipality_ags")
                && !named("municipality_id"),
            estate: target == Target::Plots
                && !stored_estate
                && !fields.contains_key("estate_name")
                && !fields.contains_key("estate_id"),
        }
    }

    pub fn any(self) -> bool {
        self.municipality || self.estate
    }
}

/// The places whose outline contains one feature's point on surface, as PostGIS found them: a
/// few at most of each, enough to tell one from several.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Around {
    /// `(id, AGS, name)` of municipalities (not deleted).
    pub municipalities: Vec<(i64, String, String)>,
    /// `(id, municipality id, name)` of estates the importer may see (not deleted).
    pub estates: Vec<(i64, i64, String)>,
}

/// What a feature that `needs` gets from `around`; `municipality` is the one it names (or its
/// stored plot has) when it does not need one. A municipality must be found exactly once; an
/// estate at most once (a plot outside every estate has none). Else the field and why.
pub fn decide(
    needs: Needs,
    municipality: Option<i64>,
    around: &Around,
) -> Result<Located, (&'static str, String)> {
    let mut located = Located::default();
    let municipality = if needs.municipality {
        match around.municipalities.as_slice() {
            [] => return Err((
                "municipality_ags",
                "locate: no municipality's outline contains this feature; give municipality_ags"
                    .into(),
            )),
            [(id, ags, _)] => {
                located.municipality_ags = Some(ags.clone());
                Some(*id)
            }
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|(_, ags, name)| format!("{name} ({ags})"))
                    .collect();
                return Err((
                    "municipality_ags",
                    format!(
                        "locate: the outlines of several municipalities contain this feature ({}); give municipality_ags",
                        names.join(", ")
                    ),
                ));
            }
        }
    } else {
        municipality
    };
    if needs.estate {
        let Some(m) = municipality else {
            return Ok(located);
        };
        let estates: Vec<&(i64, i64, String)> = around
            .estates
            .iter()
            .filter(|(_, of, _)| *of == m)
            .collect();
        match estates.as_slice() {
            [] => {}
            [(_, _, name)] => located.estate_name = Some(name.clone()),
            several => {
                let names: Vec<String> = several.iter().map(|(_, _, n)| format!("`{n}`")).collect();
                return Err((
                    "estate_name",
                    format!(
                        "locate: the outlines of several estates contain this plot ({}); give estate_name",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(located)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn around() -> Around {
        Around {
            municipalities: vec![(1, "13076090".into(), "Ludwigslust".into())],
            estates: vec![(7, 1, "GE Nord".into()), (8, 2, "Elsewhere".into())],
        }
    }

    #[test]
    fn named_places_are_kept_and_the_rest_is_found() {
        let fields = json!({"municipality_ags": "13076090", "estate_name": null});
        let needs = Needs::of(fields.as_object().unwrap(), Target::Plots, false, false);
        assert!(!needs.any(), "an empty estate_name says: no estate");
        let needs = Needs::of(&Map::new(), Target::Plots, false, false);
        let located = decide(needs, None, &around()).unwrap();
        assert_eq!(located.municipality_ags.as_deref(), Some("13076090"));
        assert_eq!(located.estate_name.as_deref(), Some("GE Nord"));
        let estate_only = Needs {
            municipality: false,
            estate: true,
        };
        assert_eq!(
            decide(estate_only, Some(2), &around()).unwrap().estate_name,
            Some("Elsewhere".into())
        );
        let estates = Needs::of(&Map::new(), Target::Estates, false, false);
        assert!(estates.municipality && !estates.estate);
        let mut overlapping = around();
        overlapping.estates.push((9, 1, "GE Nord II".into()));
        let (field, _) = decide(needs, None, &overlapping).unwrap_err();
        assert_eq!(field, "estate_name");
    }

    #[test]
    fn none_or_several_municipalities_are_problems() {
        let needs = Needs {
            municipality: true,
            estate: false,
        };
        assert!(decide(needs, None, &Around::default()).is_err());
        let mut two = around();
        two.municipalities
            .push((2, "13076050".into(), "Grabow".into()));
        let (field, text) = decide(needs, None, &two).unwrap_err();
        assert_eq!(field, "municipality_ags");
        assert!(text.contains("Grabow (13076050)"), "{text}");
    }
}
