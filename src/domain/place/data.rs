//! The write schemas of places and their rules. Each `validate` collects every failure, tidies
//! text as plots do (trimmed, blank = absent) and puts the outline in its stored form.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::check_ags;
use crate::domain::geometry::{GeometryLimits, PlotGeometry};
use crate::domain::FieldError;

/// A place's outline after validation. CRS: EPSG:4326.
pub type ValidOutline = Option<PlotGeometry>;

/// A region (alliance of towns): the body of `POST /regions` and `PUT /regions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionData {
    /// Lower-case name for URLs, unique: letters, digits, `-`.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{1,62}$", example = "staedteverbund-a14")]
    pub slug: String,
    #[schema(max_length = 200, example = "Städteverbund A14")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_de: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_en: Option<String>,
    /// Logo for the region's marketing (http or https URL).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub logo_url: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    /// The region's marketing website (http or https URL).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub website: Option<String>,
}

/// A municipality (Gemeinde/Stadt): the body of `POST /municipalities` and
/// `PUT /municipalities/{id}`. The contact is its economic-development office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityData {
    /// The region it belongs to; an admin moves it by changing this.
    #[schema(minimum = 1)]
    pub region_id: i64,
    /// Amtlicher Gemeindeschlüssel: 8 digits, the first two a Land key 01–16.
    #[schema(pattern = "^(0[1-9]|1[0-6])[0-9]{6}$", example = "13076088")]
    pub ags: String,
    #[schema(max_length = 200, example = "Ludwigslust")]
    pub name: String,
    /// GeoJSON Polygon or MultiPolygon, `[lon, lat]` in EPSG:4326; `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<crate::domain::geometry::GeoJsonPolygonal>)]
    pub outline: Option<Value>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
    /// The economic-development office's website (http or https URL).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub contact_website: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_de: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_en: Option<String>,
}

/// An estate (Gewerbegebiet): the body of `POST /estates` and `PUT /estates/{id}`.
///
/// Units: areas in m², distances in km, broadband in Mbit/s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstateData {
    #[schema(minimum = 1)]
    pub municipality_id: i64,
    /// Unique within its municipality; plot imports find the estate by it.
    #[schema(max_length = 200, example = "Gewerbegebiet Am Hechtsort")]
    pub name: String,
    /// Shown publicly (with its name on its plots). New estates are drafts unless this is true.
    #[serde(default)]
    pub published: bool,
    /// GeoJSON Polygon or MultiPolygon, `[lon, lat]` in EPSG:4326; `null` for none.
    #[serde(default)]
    #[schema(value_type = Option<crate::domain::geometry::GeoJsonPolygonal>)]
    pub outline: Option<Value>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_de: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_en: Option<String>,
    /// Gross area of the estate, as officially stated. Units: m².
    #[serde(default)]
    #[schema(minimum = 1)]
    pub gross_area_m2: Option<i64>,
    /// Net (marketable) area, at most the gross area. Units: m².
    #[serde(default)]
    #[schema(minimum = 1)]
    pub net_area_m2: Option<i64>,
    /// Kinds of use across the estate, e.g. "GI, GE; SO Logistik".
    #[serde(default)]
    #[schema(max_length = 500)]
    pub zoning_summary: Option<String>,
    /// B-Plan (binding land-use plan): its name.
    #[serde(default)]
    #[schema(max_length = 300, example = "Bebauungsplan Nr. 12 \"Am Hechtsort\"")]
    pub bplan_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100, example = "12")]
    pub bplan_number: Option<String>,
    /// When the B-Plan became legally binding (rechtskräftig).
    #[serde(default)]
    pub bplan_legal_date: Option<NaiveDate>,
    /// The plan document (http or https URL, e.g. the Land's planning portal).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub bplan_url: Option<String>,
    /// Nearest motorway junction, e.g. "Ludwigslust (A14)".
    #[serde(default)]
    #[schema(max_length = 200)]
    pub motorway_junction: Option<String>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_motorway_km: Option<f64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub rail_station: Option<String>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_rail_station_km: Option<f64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub port: Option<String>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_port_km: Option<f64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub airport: Option<String>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_airport_km: Option<f64>,
    /// Units: Mbit/s.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub broadband_mbit: Option<i32>,
    #[serde(default)]
    pub fibre: Option<bool>,
    /// In a GRW regional-aid area (Fördergebiet).
    #[serde(default)]
    pub grw_area: Option<bool>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub contact_email: Option<String>,
}

/// Trimmed; blank is absent.
fn tidy(text: &mut Option<String>) {
    if let Some(t) = text {
        let trimmed = t.trim();
        if trimmed.is_empty() {
            *text = None;
        } else if trimmed.len() != t.len() {
            *text = Some(trimmed.to_owned());
        }
    }
}

/// Collects failures of the rules every place shares.
struct Rules(Vec<FieldError>);

impl Rules {
    fn fail(&mut self, pointer: &str, detail: impl Into<String>) {
        self.0.push(FieldError::new(pointer, detail));
    }

    fn name(&mut self, pointer: &str, name: &mut String) {
        *name = name.trim().to_owned();
        if name.is_empty() {
            self.fail(pointer, "must not be empty");
        }
        self.text(pointer, Some(&*name), 200);
    }

    fn text(&mut self, pointer: &str, text: Option<&String>, max_chars: usize) {
        if let Some(t) = text {
            if t.chars().count() > max_chars {
                self.fail(pointer, format!("must be at most {max_chars} characters"));
            }
            if t.contains('\0') {
                self.fail(pointer, "must not contain NUL characters");
            }
        }
    }

    fn email(&mut self, pointer: &str, email: Option<&String>) {
        self.text(pointer, email, 254);
        if let Some(e) = email {
            let plausible = e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !e.contains(char::is_whitespace)
            });
            if !plausible {
                self.fail(pointer, format!("`{e}` is not an e-mail address"));
            }
        }
    }

    fn url(&mut self, pointer: &str, url: Option<&String>) {
        self.text(pointer, url, 2000);
        if let Some(u) = url {
            let lower = u.to_ascii_lowercase();
            let host = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            if !host.is_some_and(|h| !h.is_empty() && !h.starts_with('/'))
                || u.contains(char::is_whitespace)
            {
                self.fail(pointer, format!("`{u}` is not an http or https URL"));
            }
        }
    }

    fn id(&mut self, pointer: &str, id: i64, what: &str) {
        if id < 1 {
            self.fail(pointer, format!("must be the id of {what}"));
        }
    }

    fn km(&mut self, pointer: &str, value: Option<f64>) {
        if value.is_some_and(|v| !(v.is_finite() && (0.0..=2000.0).contains(&v))) {
            self.fail(pointer, "must be between 0 and 2000 (km)");
        }
    }

    fn outline(&mut self, outline: &mut Option<Value>, limits: &GeometryLimits) -> ValidOutline {
        match outline.as_ref().filter(|o| !o.is_null()) {
            None => {
                *outline = None;
                None
            }
            Some(value) => {
                match PlotGeometry::outline_from_geojson_value(value, "/outline", limits) {
                    Ok(geometry) => {
                        *outline = serde_json::from_str(&geometry.to_geojson_string()).ok();
                        Some(geometry)
                    }
                    Err(errors) => {
                        self.0.extend(errors);
                        None
                    }
                }
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// The object a write schema serialises to (for history and merge patches).
fn object_of<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(object)) => object,
        _ => unreachable!("place data serialises to an object"),
    }
}

impl RegionData {
    pub fn validate(mut self) -> Result<RegionData, Vec<FieldError>> {
        let mut r = Rules(Vec::new());
        for text in [
            &mut self.description_de,
            &mut self.description_en,
            &mut self.logo_url,
            &mut self.contact_name,
            &mut self.contact_phone,
            &mut self.contact_email,
            &mut self.website,
        ] {
            tidy(text);
        }
        let slug_ok = (2..=63).contains(&self.slug.len())
            && self
                .slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !self.slug.starts_with('-');
        if !slug_ok {
            r.fail(
                "/slug",
                "must be 2–63 lower-case letters, digits or `-`, e.g. `staedteverbund-a14`",
            );
        }
        r.name("/name", &mut self.name);
        r.text("/description_de", self.description_de.as_ref(), 20_000);
        r.text("/description_en", self.description_en.as_ref(), 20_000);
        r.url("/logo_url", self.logo_url.as_ref());
        r.text("/contact_name", self.contact_name.as_ref(), 200);
        r.text("/contact_phone", self.contact_phone.as_ref(), 100);
        r.email("/contact_email", self.contact_email.as_ref());
        r.url("/website", self.website.as_ref());
        r.finish(self)
    }

    pub fn to_object(&self) -> Map<String, Value> {
        object_of(self)
    }
}

impl MunicipalityData {
    pub fn validate(
        mut self,
        limits: &GeometryLimits,
    ) -> Result<(MunicipalityData, ValidOutline), Vec<FieldError>> {
        let mut r = Rules(Vec::new());
        for text in [
            &mut self.contact_name,
            &mut self.contact_phone,
            &mut self.contact_email,
            &mut self.contact_website,
            &mut self.description_de,
            &mut self.description_en,
        ] {
            tidy(text);
        }
        r.id("/region_id", self.region_id, "a region");
        self.ags = self.ags.trim().to_owned();
        if let Err(e) = check_ags(&self.ags) {
            r.fail("/ags", e);
        }
        r.name("/name", &mut self.name);
        r.text("/contact_name", self.contact_name.as_ref(), 200);
        r.text("/contact_phone", self.contact_phone.as_ref(), 100);
        r.email("/contact_email", self.contact_email.as_ref());
        r.url("/contact_website", self.contact_website.as_ref());
        r.text("/description_de", self.description_de.as_ref(), 20_000);
        r.text("/description_en", self.description_en.as_ref(), 20_000);
        let outline = r.outline(&mut self.outline, limits);
        r.finish((self, outline))
    }

    pub fn to_object(&self) -> Map<String, Value> {
        object_of(self)
    }
}

impl EstateData {
    pub fn validate(
        mut self,
        limits: &GeometryLimits,
    ) -> Result<(EstateData, ValidOutline), Vec<FieldError>> {
        let mut r = Rules(Vec::new());
        for text in [
            &mut self.description_de,
            &mut self.description_en,
            &mut self.zoning_summary,
            &mut self.bplan_name,
            &mut self.bplan_number,
            &mut self.bplan_url,
            &mut self.motorway_junction,
            &mut self.rail_station,
            &mut self.port,
            &mut self.airport,
            &mut self.contact_name,
            &mut self.contact_phone,
            &mut self.contact_email,
        ] {
            tidy(text);
        }
        r.id("/municipality_id", self.municipality_id, "a municipality");
        r.name("/name", &mut self.name);
        r.text("/description_de", self.description_de.as_ref(), 20_000);
        r.text("/description_en", self.description_en.as_ref(), 20_000);
        r.text("/zoning_summary", self.zoning_summary.as_ref(), 500);
        r.text("/bplan_name", self.bplan_name.as_ref(), 300);
        r.text("/bplan_number", self.bplan_number.as_ref(), 100);
        r.url("/bplan_url", self.bplan_url.as_ref());
        for (pointer, text) in [
            ("/motorway_junction", &self.motorway_junction),
            ("/rail_station", &self.rail_station),
            ("/port", &self.port),
            ("/airport", &self.airport),
            ("/contact_name", &self.contact_name),
        ] {
            r.text(pointer, text.as_ref(), 200);
        }
        r.text("/contact_phone", self.contact_phone.as_ref(), 100);
        r.email("/contact_email", self.contact_email.as_ref());
        for (pointer, value) in [
            ("/dist_motorway_km", self.dist_motorway_km),
            ("/dist_rail_station_km", self.dist_rail_station_km),
            ("/dist_port_km", self.dist_port_km),
            ("/dist_airport_km", self.dist_airport_km),
        ] {
            r.km(pointer, value);
        }
        if self.broadband_mbit.is_some_and(|b| b < 0) {
            r.fail("/broadband_mbit", "must be 0 or more (Mbit/s)");
        }
        for (pointer, area) in [
            ("/gross_area_m2", self.gross_area_m2),
            ("/net_area_m2", self.net_area_m2),
        ] {
            if area.is_some_and(|a| a <= 0) {
                r.fail(pointer, "must be a positive number of m²");
            }
        }
        if let (Some(net), Some(gross)) = (self.net_area_m2, self.gross_area_m2) {
            if net > gross {
                r.fail(
                    "/net_area_m2",
                    format!("must not exceed the gross area ({gross} m²)"),
                );
            }
        }
        let outline = r.outline(&mut self.outline, limits);
        r.finish((self, outline))
    }

    pub fn to_object(&self) -> Map<String, Value> {
        object_of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn estate(extra: Value) -> EstateData {
        let mut doc = json!({"municipality_id": 1, "name": " Am Hechtsort "});
        doc.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(doc).unwrap()
    }

    #[test]
    fn estate_rules_collect_every_failure() {
        let errors = estate(json!({
            "net_area_m2": 20, "gross_area_m2": 10, "bplan_url": "ftp://x", "dist_port_km": -1.0,
            "contact_email": "nobody", "outline": {"type": "Point", "coordinates": [1, 2]}
        }))
        .validate(&GeometryLimits::default())
        .unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        for p in [
            "/net_area_m2",
            "/bplan_url",
            "/dist_port_km",
            "/contact_email",
            "/outline/type",
        ] {
            assert!(pointers.contains(&p), "{p} missing in {pointers:?}");
        }
    }

    #[test]
    fn valid_estate_is_tidied_and_its_outline_stored_as_multipolygon() {
        let (data, outline) = estate(json!({
            "description_de": "  ", "bplan_url": "https://example.org/b12.pdf",
            "outline": {"type": "Polygon", "coordinates": [[[11.49, 53.31], [11.5, 53.31], [11.5, 53.32], [11.49, 53.31]]]}
        }))
        .validate(&GeometryLimits::default())
        .unwrap();
        assert_eq!(data.name, "Am Hechtsort");
        assert_eq!(data.description_de, None);
        assert!(outline.unwrap().area_m2() > 100_000.0);
        assert_eq!(data.outline.unwrap()["type"], "MultiPolygon");
    }

    #[test]
    fn municipality_needs_a_real_ags() {
        let m: MunicipalityData =
            serde_json::from_value(json!({"region_id": 1, "ags": "99000000", "name": "X"}))
                .unwrap();
        let errors = m.validate(&GeometryLimits::default()).unwrap_err();
        assert_eq!(errors[0].pointer, "/ags");
    }
}
