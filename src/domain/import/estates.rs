//! Estate imports (`POST /estates/imports`): the estate schema of import files, and what
//! importing one record means. An estate is matched within its municipality by its name,
//! trimmed and in any case: a match is updated (fields the file leaves out keep their values),
//! no match creates one, an estate that would not change is left alone. Each record is checked
//! by the rules of every estate write (`EstateData::validate`) and the importer's rights
//! (`access::authorize_imported_place`).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::read::{GeometryInput, Record};
use super::report::ImportProblem;
use crate::domain::access::{self, Denied, PlaceAction, Principal};
use crate::domain::geometry::GeometryLimits;
use crate::domain::history::{diff, HistoryAction, Snapshot};
use crate::domain::place::EstateData;
use crate::domain::{deserialize_value, FieldError};

/// How estate names are compared: trimmed, in any case.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An estate as stored, in its write form.
#[derive(Debug, Clone)]
pub struct StoredEstate {
    pub id: i64,
    pub version: i32,
    /// Its `EstateData` members; `outline` as GeoJSON in EPSG:4326.
    pub data: Map<String, Value>,
    /// Units: m². Geodesic area of the outline (0 without one).
    pub outline_area_m2: f64,
    pub deleted: bool,
}

/// What planning estates needs to know, looked up once per import.
pub struct EstateContext {
    pub caller: Option<Principal>,
    /// AGS → id of the municipalities not deleted.
    pub municipalities: HashMap<String, i64>,
    /// Municipality id → name, for messages.
    pub municipality_names: HashMap<i64, String>,
    /// `?defaults=`: values for fields an estate has neither in the file nor in the database.
    pub defaults: Vec<(&'static str, Value)>,
    pub geometry_limits: GeometryLimits,
}

/// A write the import will make.
#[derive(Debug)]
pub enum EstatePlan {
    Create {
        data: Map<String, Value>,
        changes: Vec<Value>,
    },
    Update {
        id: i64,
        version: i32,
        data: Map<String, Value>,
        action: HistoryAction,
        changes: Vec<Value>,
    },
    Unchanged {
        id: i64,
        version: i32,
    },
}

/// A record's plan with the name and municipality it was matched by.
#[derive(Debug)]
pub struct PlannedEstate {
    pub name: String,
    pub municipality_id: i64,
    pub plan: EstatePlan,
}

/// Plans records one after another; remembers the estates it has seen, as a file may name each
/// estate once.
pub struct EstatePlanner {
    context: EstateContext,
    /// By municipality and `name_key`: the stored estates the importer may change.
    stored: HashMap<(i64, String), Vec<StoredEstate>>,
    seen: HashSet<(i64, String)>,
}

fn at(record: &Record, field: Option<&str>, text: String) -> ImportProblem {
    ImportProblem {
        feature: Some(record.feature),
        line: record.line,
        reference: None,
        field: field.map(str::to_owned),
        problem: text,
    }
}

impl EstatePlanner {
    pub fn new(context: EstateContext) -> Self {
        EstatePlanner {
            context,
            stored: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    /// The stored estates the file may match (looked up once the municipalities are known).
    pub fn set_stored(&mut self, stored: Vec<StoredEstate>) {
        for estate in stored {
            let municipality = estate.data.get("municipality_id").and_then(Value::as_i64);
            let name = estate.data.get("name").and_then(Value::as_str);
            if let (Some(m), Some(name)) = (municipality, name) {
                let key = (m, name_key(name));
                self.stored.entry(key).or_default().push(estate);
            }
        }
    }

    fn town(&self, id: i64) -> String {
        self.context
            .municipality_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("municipality {id}"))
    }

    /// The municipality a record names (`municipality_ags` or `municipality_id`, which must
    /// agree; else a default), or the field to blame and why.
    pub fn municipality(&self, record: &Record) -> Result<i64, (&'static str, String)> {
        let given = |field: &str| {
            record
                .fields
                .get(field)
                .filter(|v| !v.is_null())
                .or_else(|| {
                    self.context
                        .defaults
                        .iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, v)| v)
                })
        };
        let by_id = match given("municipality_id") {
            None => None,
            Some(id) => match id
                .as_i64()
                .filter(|id| self.context.municipality_names.contains_key(id))
            {
                Some(id) => Some(id),
                None => {
                    return Err(("municipality_id", format!("no municipality with id {id}")));
                }
            },
        };
        let by_ags = match given("municipality_ags") {
            None => None,
            Some(ags) => {
                let ags = ags.as_str().map(str::trim).unwrap_or_default();
                match self.context.municipalities.get(ags) {
                    Some(id) => Some(*id),
                    None => {
                        return Err((
                            "municipality_ags",
                            format!("no municipality with AGS {ags}"),
                        ))
                    }
                }
            }
        };
        match (by_ags, by_id) {
            (Some(a), Some(b)) if a != b => Err((
                "municipality_ags",
                "names another municipality than municipality_id".into(),
            )),
            (Some(m), _) | (None, Some(m)) => Ok(m),
            (None, None) => Err((
                "municipality_ags",
                "required: the estate's municipality, by municipality_ags or municipality_id (or let ?locate=true find it)".into(),
            )),
        }
    }

    /// The plan for `record` (geometry already in EPSG:4326), or its problems.
    pub fn plan(&mut self, record: &Record) -> Result<PlannedEstate, Vec<ImportProblem>> {
        let municipality = self
            .municipality(record)
            .map_err(|(field, text)| vec![at(record, Some(field), text)])?;
        let name = record
            .fields
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                vec![at(
                    record,
                    Some("name"),
                    "required: estates are matched by municipality and name".into(),
                )]
            })?
            .to_owned();
        let key = (municipality, name_key(&name));
        if !self.seen.insert(key.clone()) {
            return Err(vec![at(
                record,
                Some("name"),
                format!("the estate `{name}` of {} appears earlier in the file already (names are compared trimmed and in any case)", self.town(municipality)),
            )]);
        }
        let stored = match self.stored.get(&key).map(Vec::as_slice) {
            None | Some([]) => None,
            Some([one]) => Some(one),
            Some(several) => {
                let names: Vec<String> = several
                    .iter()
                    .filter_map(|e| e.data.get("name").and_then(Value::as_str))
                    .map(|n| format!("`{n}`"))
                    .collect();
                return Err(vec![at(
                    record,
                    Some("name"),
                    format!(
                        "matches several estates of {}: {}; rename them apart first",
                        self.town(municipality),
                        names.join(", ")
                    ),
                )]);
            }
        };
        if stored.is_some_and(|e| e.deleted) {
            return Err(vec![at(
                record,
                Some("name"),
                format!(
                    "the estate `{name}` of {} was deleted; choose another name",
                    self.town(municipality)
                ),
            )]);
        }
        let (document, expected_version, mut problems) =
            self.document(record, municipality, stored);
        if !problems.is_empty() {
            return Err(problems);
        }
        let field_problems = |errors: Vec<FieldError>| -> Vec<ImportProblem> {
            errors
                .iter()
                .map(|e| at(record, Some(field_of(&e.pointer)), e.detail.clone()))
                .collect()
        };
        let data: EstateData =
            deserialize_value(Value::Object(document)).map_err(|e| field_problems(vec![e]))?;
        if let Err(text) = self.permitted(municipality, stored, expected_version) {
            problems.push(at(record, Some(text.0), text.1));
            return Err(problems);
        }
        let (data, outline) = data
            .validate(&self.context.geometry_limits)
            .map_err(field_problems)?;
        let object = data.to_object();
        let after = Snapshot::of_fields(object.clone(), outline.map_or(0.0, |o| o.area_m2()));
        let before = stored.map(|e| Snapshot::of_fields(e.data.clone(), e.outline_area_m2));
        let changes = diff(before.as_ref(), &after);
        let plan = match stored {
            None => EstatePlan::Create {
                data: object,
                changes,
            },
            Some(e) if changes.is_empty() => EstatePlan::Unchanged {
                id: e.id,
                version: e.version,
            },
            Some(e) => EstatePlan::Update {
                id: e.id,
                version: e.version,
                data: object,
                action: publish_action(&changes),
                changes,
            },
        };
        Ok(PlannedEstate {
            name: data.name,
            municipality_id: municipality,
            plan,
        })
    }

    /// The estate as stored (an update keeps what the file leaves out) overlaid with the file's
    /// fields and defaults, its outline from the feature's geometry; the expected version if
    /// the file gives one; the problems found on the way.
    fn document(
        &self,
        record: &Record,
        municipality: i64,
        stored: Option<&StoredEstate>,
    ) -> (Map<String, Value>, Option<i64>, Vec<ImportProblem>) {
        let mut problems = Vec::new();
        let mut document = stored.map(|e| e.data.clone()).unwrap_or_default();
        let mut fields = record.fields.clone();
        for extra in ["municipality_ags", "municipality_id", "wkt"] {
            fields.remove(extra);
        }
        let expected_version = fields.remove("version").and_then(|v| v.as_i64());
        // As for plots (`plan::Planner::document`): for a field with a default, an empty value
        // is no value in this file; file, else stored, else default.
        for (field, value) in &self.context.defaults {
            if field.starts_with("municipality_")
                || fields.get(*field).is_some_and(|v| !v.is_null())
            {
                continue;
            }
            fields.remove(*field);
            if document.get(*field).is_none_or(Value::is_null) {
                fields.insert((*field).to_owned(), value.clone());
            }
        }
        for (key, value) in fields {
            if value.is_null() {
                document.remove(&key);
            } else {
                document.insert(key, value);
            }
        }
        document.insert("municipality_id".into(), municipality.into());
        match &record.geometry {
            GeometryInput::GeoJson(g) => match serde_json::from_str::<Value>(g) {
                Ok(v) => {
                    document.insert("outline".into(), v);
                }
                Err(e) => problems.push(at(record, Some("geometry"), format!("not JSON: {e}"))),
            },
            GeometryInput::Point(..) => problems.push(at(
                record,
                Some("geometry"),
                "a position is no estate outline: give a Polygon or MultiPolygon (or no geometry to keep the stored outline)".into(),
            )),
            GeometryInput::Unreadable(reason) => {
                problems.push(at(record, Some("geometry"), reason.clone()))
            }
            // WKT arrives transformed into GeoJSON; no geometry keeps the stored outline.
            GeometryInput::Wkt(_) | GeometryInput::Missing => {}
        }
        (document, expected_version, problems)
    }

    /// Whether the importer may write the estate, and whether the stored one is still the
    /// version the file was made from.
    fn permitted(
        &self,
        municipality: i64,
        stored: Option<&StoredEstate>,
        expected_version: Option<i64>,
    ) -> Result<(), (&'static str, String)> {
        let action = match stored {
            None => PlaceAction::CreateEstate {
                target: municipality,
            },
            Some(_) => PlaceAction::UpdateEstate {
                current: municipality,
                target: municipality,
            },
        };
        access::authorize_imported_place(self.context.caller.as_ref(), action).map_err(
            |denied| match denied {
                Denied::Forbidden(why) => ("municipality_ags", why),
                Denied::ForeignMunicipality {
                    municipality_id,
                    doing,
                } => (
                    "municipality_ags",
                    doing.refusal(&self.town(municipality_id)),
                ),
                Denied::Unauthenticated => ("municipality_ags", "needs an account".to_owned()),
            },
        )?;
        match (expected_version, stored) {
            (Some(expected), Some(e)) if expected != i64::from(e.version) => Err((
                "version",
                format!(
                    "the estate changed since version {expected} (now {}): export it again",
                    e.version
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// A change of `published` alone is recorded as publishing or unpublishing, as the API does.
fn publish_action(changes: &[Value]) -> HistoryAction {
    match changes {
        [only] if only["field"] == "published" && only["to"] == Value::Bool(true) => {
            HistoryAction::Publish
        }
        [only] if only["field"] == "published" => HistoryAction::Unpublish,
        _ => HistoryAction::Update,
    }
}

/// The import field an `EstateData` pointer names: `/outline/coordinates/0` → `geometry`.
fn field_of(pointer: &str) -> &str {
    match pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|f| !f.is_empty())
    {
        Some("outline") => "geometry",
        Some(field) => field,
        None => "feature",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::estate_schema::{ALIASES, FIELDS};
    use crate::domain::place::EstateData;

    #[test]
    fn the_estate_fields_are_the_write_schema() {
        let e: EstateData =
            serde_json::from_value(serde_json::json!({"municipality_id": 1, "name": "A"})).unwrap();
        let mut members: Vec<String> = e
            .to_object()
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k != "outline")
            .collect();
        members.sort();
        let mut fields: Vec<String> = FIELDS
            .iter()
            .map(|(f, _)| f.to_string())
            .filter(|f| !["municipality_ags", "version", "wkt"].contains(&f.as_str()))
            .collect();
        fields.sort();
        assert_eq!(fields, members);
        for (alias, field) in ALIASES {
            assert!(FIELDS.iter().any(|(f, _)| f == field), "{alias} → {field}");
        }
    }

    #[test]
    fn names_match_trimmed_in_any_case() {
        assert_eq!(name_key("  Am Hechtsort "), name_key("am HECHTSORT"));
        assert_ne!(name_key("Am Hechtsort"), name_key("Am Hechsort"));
    }
}
