//! `PlotData`, the write schema of a plot (request bodies, imports, staff exports, history), and
//! the rules that turn it into a `ValidPlot`.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::facts::{InternalFacts, PlotFacts};
use super::members::members;
use super::parcel;
use crate::domain::geometry::{GeometryLimits, PlotGeometry};
use crate::domain::{deserialize_value, FieldError};

/// The editable facts of a plot: the body of create and replace requests, and the schema of
/// imports and staff exports.
///
/// Units: areas in m², distances in km, prices in € per m² (decimal strings), heights in m.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!(crate::domain::plot::example_plot_data()))]
pub struct PlotData {
    #[serde(flatten)]
    pub facts: PlotFacts,
    /// GeoJSON Polygon or MultiPolygon (or a Feature holding one), `[lon, lat]` in EPSG:4326.
    #[schema(value_type = crate::domain::geometry::GeoJsonPolygonal)]
    pub geometry: Value,
    #[serde(flatten)]
    pub internal: InternalFacts,
}

impl PlotData {
    /// Reads a JSON object in the write schema. Each part is read on its own so that every
    /// failure names its member (`/grz`); serde's `flatten` would lose the path. Members the
    /// schema does not know are refused.
    pub fn from_object(mut object: Map<String, Value>) -> Result<PlotData, Vec<FieldError>> {
        let members = members();
        let mut errors = Vec::new();
        let mut internal = Map::new();
        let mut unknown = Vec::new();
        for key in object.keys() {
            if members.is_internal(key) {
                internal.insert(key.clone(), Value::Null);
            } else if key != "geometry" && !members.is_fact(key) {
                unknown.push(key.clone());
            }
        }
        for key in unknown {
            errors.push(FieldError::new(
                format!("/{}", key.replace('~', "~0").replace('/', "~1")),
                format!("unknown field `{key}`: not a member of PlotData"),
            ));
            object.remove(&key);
        }
        for (key, value) in internal.iter_mut() {
            *value = object.remove(key).unwrap_or(Value::Null);
        }
        let geometry = object.remove("geometry");
        if geometry.is_none() {
            errors.push(FieldError::new("/geometry", "missing field `geometry`"));
        }
        let facts =
            deserialize_value::<PlotFacts>(Value::Object(object)).map_err(|e| errors.push(e));
        let internal =
            deserialize_value::<InternalFacts>(Value::Object(internal)).map_err(|e| errors.push(e));
        match (facts, internal, geometry) {
            (Ok(facts), Ok(internal), Some(geometry)) if errors.is_empty() => Ok(PlotData {
                facts,
                geometry,
                internal,
            }),
            _ => Err(errors),
        }
    }

    /// The object `from_object` reads back.
    pub fn to_object(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(object)) => object,
            _ => unreachable!("PlotData serialises to an object"),
        }
    }
}

pub fn example_plot_data() -> Value {
    serde_json::json!({
        "reference": "LWL-003",
        "title_de": "Industriefläche am Autobahnzubringer",
        "title_en": "Industrial plot at the motorway feeder",
        "municipality_id": 1,
        "geometry": {"type": "Polygon", "coordinates": [[[11.49, 53.31], [11.492, 53.31], [11.492, 53.311], [11.49, 53.311], [11.49, 53.31]]]},
        "area_stated_m2": 14800,
        "status": "available",
        "zoning": "GI",
        "bplan_status": "legally_binding",
        "grz": 0.8,
        "servicing": "full",
        "broadband_mbit": 1000,
        "fibre": true,
        "dist_motorway_km": 1.5,
        "price_min_eur_m2": "12.50",
        "price_max_eur_m2": "15.00",
        "offer": "sale",
        "grw_area": true,
        "grw_max_rate_small_pct": 40,
        "data_confirmed_on": "2026-10-01",
        "published": false
    })
}

/// A plot that passed every rule, in the form the database stores.
#[derive(Debug, Clone)]
pub struct ValidPlot {
    pub data: PlotData,
    pub geometry: PlotGeometry,
}

impl PlotData {
    /// Applies every rule and collects all failures, so one round trip shows the user everything.
    /// `today` decides what "in the future" means (passed in: the domain does no IO).
    // One rule after another, each adding to `errors`: a flat list of rules is easier to check
    // against the CHECK constraints of the migrations than the same rules spread over helpers.
    pub fn validate(
        mut self,
        today: NaiveDate,
        limits: &GeometryLimits,
    ) -> Result<ValidPlot, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail =
            |pointer: &str, detail: String| errors.push(FieldError::new(pointer, detail));
        let f = &mut self.facts;

        // Text is stored without surrounding whitespace and blank means absent, as the importer
        // reads cells: so an export imports back unchanged, whichever way a value came in.
        f.title_de = f.title_de.trim().to_owned();
        for text in [
            &mut f.title_en,
            &mut f.description_de,
            &mut f.description_en,
            &mut f.contact_name,
            &mut f.contact_phone,
            &mut f.contact_email,
            &mut self.internal.internal_notes,
            &mut self.internal.owner_name,
            &mut self.internal.owner_contact,
        ] {
            tidy(text);
        }
        let reference_ok = (2..=32).contains(&f.reference.len())
            && f.reference
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !f.reference.starts_with('-');
        if !reference_ok {
            fail(
                "/reference",
                "must be 2–32 upper-case letters, digits or `-`, e.g. `LWL-003`".into(),
            );
        }
        if f.title_de.is_empty() {
            fail("/title_de", "must not be empty".into());
        }
        let f = &self.facts;
        let i = &self.internal;
        for (pointer, text, max) in [
            ("/title_de", Some(&f.title_de), 300),
            ("/title_en", f.title_en.as_ref(), 300),
            ("/description_de", f.description_de.as_ref(), 20_000),
            ("/description_en", f.description_en.as_ref(), 20_000),
            ("/contact_name", f.contact_name.as_ref(), 300),
            ("/contact_phone", f.contact_phone.as_ref(), 100),
            ("/contact_email", f.contact_email.as_ref(), 300),
            ("/internal_notes", i.internal_notes.as_ref(), 20_000),
            ("/owner_name", i.owner_name.as_ref(), 300),
            ("/owner_contact", i.owner_contact.as_ref(), 300),
        ] {
            if text.is_some_and(|t| t.chars().count() > max) {
                fail(pointer, format!("must be at most {max} characters"));
            }
            if text.is_some_and(|t| t.contains('\0')) {
                fail(pointer, "must not contain NUL characters".into());
            }
        }
        if f.reference.contains('\0') {
            fail("/reference", "must not contain NUL characters".into());
        }
        if let Some(email) = &f.contact_email {
            let plausible = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
            });
            if !plausible {
                fail(
                    "/contact_email",
                    format!("`{email}` is not an e-mail address"),
                );
            }
        }
        if f.municipality_id < 1 {
            fail(
                "/municipality_id",
                "must be the id of a municipality".into(),
            );
        }
        if f.estate_id.is_some_and(|id| id < 1) {
            fail("/estate_id", "must be the id of an estate".into());
        }
        if f.area_stated_m2.is_some_and(|a| a <= 0) {
            fail("/area_stated_m2", "must be a positive number of m²".into());
        }

        let mut ranged = |pointer: &str, value: Option<f64>, min: f64, max: f64, what: &str| {
            if let Some(v) = value {
                if !(v.is_finite() && v >= min && v <= max) {
                    fail(pointer, format!("must be between {min} and {max} ({what})"));
                }
            }
        };
        ranged("/grz", f.grz, 0.0, 1.0, "site coverage ratio");
        ranged("/gfz", f.gfz, 0.0, 20.0, "floor-area ratio");
        ranged(
            "/bmz",
            f.bmz,
            0.0,
            100.0,
            "building-volume ratio, m³ per m²",
        );
        for (pointer, value) in [
            ("/dist_motorway_km", f.dist_motorway_km),
            ("/dist_rail_station_km", f.dist_rail_station_km),
            ("/dist_port_km", f.dist_port_km),
            ("/dist_airport_km", f.dist_airport_km),
        ] {
            ranged(pointer, value, 0.0, 2000.0, "km");
        }
        if f.max_height_m
            .is_some_and(|h| !(h.is_finite() && h > 0.0 && h <= 500.0))
        {
            fail(
                "/max_height_m",
                "must be more than 0 and at most 500 (m)".into(),
            );
        }
        if f.max_storeys.is_some_and(|s| !(1..=100).contains(&s)) {
            fail("/max_storeys", "must be between 1 and 100".into());
        }
        if f.electricity_capacity_kva.is_some_and(|v| v < 0) {
            fail("/electricity_capacity_kva", "must not be negative".into());
        }
        if f.broadband_mbit.is_some_and(|v| v < 0) {
            fail("/broadband_mbit", "must not be negative".into());
        }

        if f.price_on_request {
            if f.price_min_eur_m2.is_some() || f.price_max_eur_m2.is_some() {
                fail(
                    "/price_on_request",
                    "a price on request cannot also have a price range".into(),
                );
            }
        } else if f.price_min_eur_m2.is_none() {
            fail(
                "/price_min_eur_m2",
                "is required unless `price_on_request` is true".into(),
            );
        }
        if let (Some(min), Some(max)) = (f.price_min_eur_m2, f.price_max_eur_m2) {
            if max < min {
                fail(
                    "/price_max_eur_m2",
                    "must not be lower than `price_min_eur_m2`".into(),
                );
            }
        }

        for (pointer, rate) in [
            ("/grw_max_rate_small_pct", f.grw_max_rate_small_pct),
            ("/grw_max_rate_medium_pct", f.grw_max_rate_medium_pct),
            ("/grw_max_rate_large_pct", f.grw_max_rate_large_pct),
        ] {
            if let Some(rate) = rate {
                if !(0..=100).contains(&rate) {
                    fail(pointer, "must be a percentage between 0 and 100".into());
                } else if !f.grw_area {
                    fail(pointer, "aid rates need `grw_area` to be true".into());
                }
            }
        }
        if f.data_confirmed_on > today {
            fail("/data_confirmed_on", "must not be in the future".into());
        }

        errors.extend(parcel::check_all(&mut self.facts.parcels));

        let geometry = match PlotGeometry::from_geojson_value(&self.geometry, "/geometry", limits) {
            Ok(g) => Some(g),
            Err(geometry_errors) => {
                errors.extend(geometry_errors);
                None
            }
        };
        match geometry {
            Some(geometry) if errors.is_empty() => {
                // Stored as PostGIS will give it back: oriented, as a MultiPolygon.
                self.geometry =
                    serde_json::from_str(&geometry.to_geojson_string()).unwrap_or(Value::Null);
                Ok(ValidPlot {
                    data: self,
                    geometry,
                })
            }
            _ => Err(errors),
        }
    }
}

/// `text` without surrounding whitespace; `None` if nothing else is left.
fn tidy(text: &mut Option<String>) {
    if let Some(t) = text {
        let trimmed = t.trim();
        if trimmed.is_empty() {
            *text = None;
        } else if trimmed.len() != t.len() {
            *t = trimmed.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Cents;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    fn example() -> PlotData {
        let Value::Object(object) = example_plot_data() else {
            unreachable!()
        };
        PlotData::from_object(object).unwrap()
    }

    #[test]
    fn example_is_valid() {
        let valid = example()
            .validate(today(), &GeometryLimits::default())
            .unwrap();
        assert_eq!(valid.data.facts.price_min_eur_m2, Some(Cents(1250)));
        assert!(valid.geometry.area_m2() > 14_000.0);
    }

    #[test]
    fn collects_every_failure_with_its_pointer() {
        let mut data = example();
        data.facts.grz = Some(1.2);
        data.facts.price_on_request = true;
        data.facts.grw_area = false;
        data.facts.data_confirmed_on = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let errors = data
            .validate(today(), &GeometryLimits::default())
            .unwrap_err();
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/grz",
                "/price_on_request",
                "/grw_max_rate_small_pct",
                "/data_confirmed_on"
            ]
        );
    }

    #[test]
    fn reading_names_the_member_and_refuses_strangers() {
        let Value::Object(mut object) = example_plot_data() else {
            unreachable!()
        };
        object.insert("grz".into(), "viel".into());
        object.insert("colour".into(), "red".into());
        object.insert("owner_name".into(), 7.into());
        let errors = PlotData::from_object(object).unwrap_err();
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/colour", "/grz", "/owner_name"]);
    }

    #[test]
    fn writes_what_it_reads() {
        let data = example();
        assert_eq!(PlotData::from_object(data.to_object()).unwrap(), data);
    }
}
