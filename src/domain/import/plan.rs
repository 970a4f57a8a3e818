//! What importing one record means: the stored plot (if its reference exists) overlaid with the
//! file's fields, names resolved to ids, checked by the same rules as any other write, allowed
//! for the importer, and compared with what is stored. The result is a planned write or the
//! record's problems.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::read::{GeometryInput, Record};
use super::report::ImportProblem;
use crate::domain::access::{self, Denied, PlotAction, Principal};
use crate::domain::geometry::{square_around, GeometryLimits, PlotGeometry};
use crate::domain::history::{diff, Snapshot};
use crate::domain::plausibility;
use crate::domain::plot::{PlotData, StoredPlot, ValidPlot};
use crate::domain::FieldError;

/// What the database knows that planning needs, looked up once per import.
pub struct PlannerContext {
    pub caller: Option<Principal>,
    /// AGS → municipality id.
    pub municipalities: HashMap<String, i64>,
    /// (municipality id, estate name in lower case) → estate id, of the estates the importer
    /// may see (not deleted; drafts of their own municipalities).
    pub estates: HashMap<(i64, String), i64>,
    /// Municipality id → its name and the names of those estates, for messages.
    pub estate_names: HashMap<i64, (String, Vec<String>)>,
    /// `?defaults=`: values for fields a plot has neither in the file nor in the database
    /// (`Planner::document` says how empty values meet them).
    pub defaults: Vec<(&'static str, Value)>,
    /// References taken by plots the importer may not change, with whether the importer may
    /// read that plot (published). Nothing else of them is known to the planner.
    pub taken: HashMap<String, bool>,
    /// What "in the future" means for `data_confirmed_on`.
    pub today: NaiveDate,
    pub geometry_limits: GeometryLimits,
}

/// A write the import will make.
#[derive(Debug)]
pub enum Plan {
    Create {
        plot: Box<ValidPlot>,
        changes: Vec<Value>,
    },
    Update {
        id: i64,
        version: i32,
        plot: Box<ValidPlot>,
        changes: Vec<Value>,
    },
    Unchanged {
        id: i64,
        version: i32,
    },
}

/// Plans records one after another; remembers the references it has seen, as a file may name
/// each plot once.
pub struct Planner {
    context: PlannerContext,
    seen: HashSet<String>,
}

impl Planner {
    pub fn new(context: PlannerContext) -> Self {
        Planner {
            context,
            seen: HashSet::new(),
        }
    }

    /// Sets which references the importer may not change, for the records planned next (an
    /// import looks them up chunk by chunk).
    pub fn set_taken(&mut self, taken: HashMap<String, bool>) {
        self.context.taken = taken;
    }

    /// The plan for `record`, whose geometry is already in EPSG:4326, and the warnings it gives;
    /// or its problems. `stored` is the plot its reference names, if any (deleted ones too).
    pub fn plan(
        &mut self,
        record: &Record,
        stored: Option<&StoredPlot>,
        warnings: &mut Vec<ImportProblem>,
    ) -> Result<(String, Plan), Vec<ImportProblem>> {
        let at = |field: Option<&str>, text: String| ImportProblem {
            feature: Some(record.feature),
            line: record.line,
            reference: record
                .fields
                .get("reference")
                .and_then(Value::as_str)
                .map(str::to_owned),
            field: field.map(str::to_owned),
            problem: text,
        };
        let reference = self.identify(record, stored, &at)?;
        // Publishing is a deliberate act (POST /plots/{key}/publish), never a side effect of a
        // file: the file's `published` is ignored, with a word if it asks for a change.
        let stored_published = stored.is_some_and(|plot| plot.data.internal.published);
        if record
            .fields
            .get("published")
            .and_then(Value::as_bool)
            .is_some_and(|wanted| wanted != stored_published)
        {
            warnings.push(at(
                Some("published"),
                "not imported: imports leave plots as drafts or published as they are; publish with POST /plots/{key}/publish".into(),
            ));
        }
        let (mut document, expected_version, mut problems) =
            self.document(record, &reference, stored, &at);
        self.outline(record, stored, &mut document, &mut problems, warnings, &at);
        if !problems.is_empty() {
            return Err(problems);
        }

        let field_problems = |errors: Vec<FieldError>| -> Vec<ImportProblem> {
            errors
                .iter()
                .map(|e| at(Some(field_of(&e.pointer)), e.detail.clone()))
                .collect()
        };
        let data = PlotData::from_object(document).map_err(field_problems)?;
        self.permitted(&data, stored, expected_version)
            .map_err(|(field, text)| vec![at(Some(field), text)])?;
        let plot = data
            .validate(self.context.today, &self.context.geometry_limits)
            .map_err(field_problems)?;
        // Slivers dropped are news about the file whatever happens to the plot; the other
        // plausibility findings, about what is written, only when it is.
        if let Some(slivers) = plausibility::slivers(&plot.geometry) {
            warnings.push(at(Some(slivers.field), slivers.message));
        }
        let before = stored.map(|plot| Snapshot::new(&plot.data, plot.area_m2));
        let changes = diff(before.as_ref(), &Snapshot::of_valid(&plot));
        if !(stored.is_some() && changes.is_empty()) {
            for found in plausibility::of_outline(&plot.geometry, plot.data.facts.area_stated_m2) {
                warnings.push(at(Some(found.field), found.message));
            }
        }
        let plan = match stored {
            None => Plan::Create {
                plot: Box::new(plot),
                changes,
            },
            Some(stored) if changes.is_empty() => Plan::Unchanged {
                id: stored.id,
                version: stored.version,
            },
            Some(stored) => Plan::Update {
                id: stored.id,
                version: stored.version,
                plot: Box::new(plot),
                changes,
            },
        };
        Ok((reference, plan))
    }

    /// The record's reference, if it names a plot this file may write: given, not seen earlier
    /// in the file, not deleted.
    fn identify(
        &mut self,
        record: &Record,
        stored: Option<&StoredPlot>,
        at: &dyn Fn(Option<&str>, String) -> ImportProblem,
    ) -> Result<String, Vec<ImportProblem>> {
        let Some(reference) = record.reference() else {
            return Err(vec![at(
                Some("reference"),
                "required: imports match plots by reference".into(),
            )]);
        };
        if !self.seen.insert(reference.clone()) {
            return Err(vec![at(
                Some("reference"),
                "appears earlier in the file already".into(),
            )]);
        }
        if stored.is_none() {
            match self.context.taken.get(&reference) {
                Some(true) => {
                    return Err(vec![at(
                        Some("reference"),
                        format!("plot {reference} is another municipality's: you may not change it"),
                    )])
                }
                Some(false) => {
                    return Err(vec![at(
                        Some("reference"),
                        format!("the reference {reference} is taken by a plot you cannot see: choose another"),
                    )])
                }
                None => {}
            }
        }
        if stored.is_some_and(|plot| plot.deleted) {
            return Err(vec![at(
                Some("reference"),
                format!("plot {reference} was deleted; an admin can restore it before it is imported again"),
            )]);
        }
        Ok(reference)
    }

    /// Whether the importer may write `data` (over `stored`), and whether `stored` is still the
    /// version the file was made from; else the field to blame and why.
    fn permitted(
        &self,
        data: &PlotData,
        stored: Option<&StoredPlot>,
        expected_version: Option<i64>,
    ) -> Result<(), (&'static str, String)> {
        let action = match stored {
            None => PlotAction::Create {
                target: data.facts.municipality_id,
            },
            Some(plot) => PlotAction::Update {
                current: plot.data.facts.municipality_id,
                target: data.facts.municipality_id,
            },
        };
        access::authorize_imported(self.context.caller.as_ref(), action).map_err(|denied| {
            match denied {
                Denied::Forbidden(why) => ("municipality_id", why),
                Denied::ForeignMunicipality {
                    municipality_id,
                    doing,
                } => {
                    let town = self
                        .context
                        .municipalities
                        .iter()
                        .find(|(_, id)| **id == municipality_id)
                        .map(|(ags, _)| format!("the municipality with AGS {ags}"))
                        .unwrap_or_else(|| format!("municipality {municipality_id}"));
                    ("municipality_id", doing.refusal(&town))
                }
                Denied::Unauthenticated => ("municipality_id", "needs an account".to_owned()),
            }
        })?;
        match (expected_version, stored) {
            (Some(expected), Some(plot)) if expected != i64::from(plot.version) => Err((
                "version",
                format!(
                    "the plot changed since version {expected} (now {}): export it again",
                    plot.version
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The plot as stored (an update keeps what the file leaves out), overlaid with the file's
    /// fields, defaults applied and names resolved to ids; the expected version if the file
    /// gives one; and the problems found on the way.
    ///
    /// An empty value means "no value in this file". For a field without a default, it clears
    /// the stored value (the file is the truth for the columns it has). For a field with a
    /// `?defaults=` value, an empty value is the same as a missing column: the stored value
    /// stays, and where there is none — a new plot, or a stored one without — the default
    /// applies: file, else stored, else default, on create and update alike. So a third-party
    /// file with an empty column of a defaulted field imports twice with the same result, and
    /// a default never overwrites. (Such a field cannot be cleared by an empty cell: leave its
    /// default out of `?defaults=` to do that.)
    fn document(
        &self,
        record: &Record,
        reference: &str,
        stored: Option<&StoredPlot>,
        at: &dyn Fn(Option<&str>, String) -> ImportProblem,
    ) -> (Map<String, Value>, Option<i64>, Vec<ImportProblem>) {
        let mut problems = Vec::new();
        let mut document = stored.map(|plot| plot.data.to_object()).unwrap_or_default();
        let mut fields = record.fields.clone();
        fields.remove("published");
        fields.insert("reference".into(), Value::String(reference.to_owned()));
        // Hectares, as many data sets give areas, become square metres before defaults apply,
        // so a file's hectares and a default's square metres (or the other way round) are one
        // field to the re-sync rule. Units: ha → m².
        hectares_to_m2(&mut fields);
        for (field, value) in &self.context.defaults {
            let (field, value) = match *field {
                "area_stated_ha" => ("area_stated_m2", m2_of_ha(value)),
                other => (other, value.clone()),
            };
            let stored_as = match field {
                "municipality_ags" => "municipality_id",
                "estate_name" => "estate_id",
                other => other,
            };
            let given = |name: &str| fields.get(name).is_some_and(|v| !v.is_null());
            if given(field) || given(stored_as) {
                continue;
            }
            fields.remove(field);
            fields.remove(stored_as);
            if document.get(stored_as).is_none_or(Value::is_null) {
                fields.insert(field.to_owned(), value);
            }
        }
        let expected_version = fields.remove("version").and_then(|v| v.as_i64());
        if let Some(ags) = fields.remove("municipality_ags") {
            match self.municipality(&ags, fields.get("municipality_id")) {
                Ok(id) => {
                    fields.insert("municipality_id".into(), id.into());
                }
                Err((field, text)) => problems.push(at(Some(field), text)),
            }
        }
        let estate_name = fields.remove("estate_name");
        for (key, value) in fields {
            if value.is_null() {
                document.remove(&key);
            } else {
                document.insert(key, value);
            }
        }
        if let Some(name) = &estate_name {
            let municipality = document.get("municipality_id").and_then(Value::as_i64);
            match (name.as_str(), municipality) {
                (None, _) => {
                    document.remove("estate_id");
                }
                (Some(name), Some(m)) => {
                    match self.context.estates.get(&(m, name.trim().to_lowercase())) {
                        Some(id) => {
                            document.insert("estate_id".into(), (*id).into());
                        }
                        None => problems
                            .push(at(Some("estate_name"), self.unknown_estate(name.trim(), m))),
                    }
                }
                (Some(_), None) => {}
            }
        }
        (document, expected_version, problems)
    }

    /// "No such estate", with the estates the municipality has (as many as a message holds).
    fn unknown_estate(&self, name: &str, municipality: i64) -> String {
        const LISTED: usize = 20;
        let (town, estates) = match self.context.estate_names.get(&municipality) {
            Some((town, estates)) => (town.clone(), estates.as_slice()),
            None => (format!("municipality {municipality}"), &[][..]),
        };
        let mut sorted: Vec<&String> = estates.iter().collect();
        sorted.sort_by_key(|n| n.to_lowercase());
        let mut listed: Vec<String> = sorted
            .iter()
            .take(LISTED)
            .map(|n| format!("\"{n}\""))
            .collect();
        if sorted.len() > LISTED {
            listed.push(format!("and {} more (GET /estates)", sorted.len() - LISTED));
        }
        match listed.is_empty() {
            true => format!("no estate \"{name}\" in {town}, which has no estates"),
            false => format!(
                "no estate \"{name}\" in {town}; its estates: {}",
                listed.join(", ")
            ),
        }
    }

    /// The municipality an AGS names (which must agree with an id given beside it).
    fn municipality(&self, ags: &Value, id: Option<&Value>) -> Result<i64, (&'static str, String)> {
        let Some(ags) = ags.as_str().map(str::trim) else {
            return Err(("municipality_ags", "must not be empty".into()));
        };
        let Some(found) = self.context.municipalities.get(ags) else {
            return Err((
                "municipality_ags",
                format!("no municipality with AGS {ags}"),
            ));
        };
        if id
            .and_then(Value::as_i64)
            .is_some_and(|given| given != *found)
        {
            return Err((
                "municipality_ags",
                "names another municipality than municipality_id".into(),
            ));
        }
        Ok(*found)
    }

    /// Puts the record's outline into `document`: a (transformed) GeoJSON outline as given; a
    /// position alone keeps the stored outline if it lies inside it, else becomes a square of
    /// the stated area (with a warning).
    fn outline(
        &self,
        record: &Record,
        stored: Option<&StoredPlot>,
        document: &mut Map<String, Value>,
        problems: &mut Vec<ImportProblem>,
        warnings: &mut Vec<ImportProblem>,
        at: &dyn Fn(Option<&str>, String) -> ImportProblem,
    ) {
        match &record.geometry {
            GeometryInput::GeoJson(g) => match serde_json::from_str::<Value>(g) {
                Ok(v) => {
                    document.insert("geometry".into(), v);
                }
                Err(e) => problems.push(at(Some("geometry"), format!("not JSON: {e}"))),
            },
            GeometryInput::Point(lon, lat) => {
                let inside = stored
                    .and_then(|plot| {
                        PlotGeometry::from_geojson_value(
                            &plot.data.geometry,
                            "",
                            &GeometryLimits::STORED,
                        )
                        .ok()
                    })
                    .is_some_and(|g| {
                        use geo::Contains;
                        g.shape().contains(&geo::Point::new(*lon, *lat))
                    });
                if !inside {
                    match document.get("area_stated_m2").and_then(Value::as_f64) {
                        Some(area) if area > 0.0 => {
                            document.insert("geometry".into(), square_around(*lon, *lat, area));
                            warnings.push(at(
                                Some("geometry"),
                                "only a position: the outline is a square of area_stated_m2 around it; replace it with the surveyed outline".into(),
                            ));
                        }
                        _ => problems.push(at(
                            Some("geometry"),
                            "a position alone needs area_stated_m2 to outline the plot; better give `wkt`".into(),
                        )),
                    }
                }
            }
            GeometryInput::Unreadable(reason) => {
                problems.push(at(Some("geometry"), reason.clone()));
            }
            GeometryInput::Wkt(_) | GeometryInput::Missing => {
                if stored.is_none() {
                    problems.push(at(Some("geometry"), "a new plot needs an outline".into()));
                }
            }
        }
    }
}

/// The import-schema field a `PlotData` pointer names: `/geometry/coordinates/0` → `geometry`.
fn field_of(pointer: &str) -> &str {
    pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|f| !f.is_empty())
        .unwrap_or("feature")
}

/// Units: ha → m², rounded to whole square metres.
fn m2_of_ha(ha: &Value) -> Value {
    ha.as_f64()
        .map_or(Value::Null, |ha| ((ha * 10_000.0).round() as i64).into())
}

/// Moves a file's `area_stated_ha` into `area_stated_m2`, unless the file gives square metres too.
fn hectares_to_m2(fields: &mut Map<String, Value>) {
    let Some(ha) = fields.remove("area_stated_ha").filter(|v| v.is_number()) else {
        return;
    };
    if fields.get("area_stated_m2").is_none_or(Value::is_null) {
        fields.insert("area_stated_m2".into(), m2_of_ha(&ha));
    }
}
