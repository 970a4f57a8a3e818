//! What a plot is: its editable facts (`PlotData`, the write schema shared by the API, the demo
//! seeder and later imports), the closed vocabularies of German planning law, and the rules that
//! turn submitted data into a `ValidPlot`.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::geometry::PlotGeometry;
use super::money::Cents;
use super::FieldError;

/// Declares a closed vocabulary stored as text in the database (guarded by a CHECK constraint)
/// and written the same way in JSON, GeoJSON and query strings. Its OpenAPI schema lists the
/// values with the meaning of each (derive macros cannot see renames made inside a macro).
macro_rules! vocabulary {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $text:literal,)+ }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[doc = $vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let mut description = String::from(concat!($($doc, "\n"),*).trim());
                $(
                    let meaning = concat!($($vdoc),*).trim();
                    if !meaning.is_empty() {
                        description.push_str(&format!("\n- `{}`: {}", $text, meaning));
                    }
                )+
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text,)+]))
                    .description(Some(description))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

vocabulary! {
    /// Marketing status of a plot.
    PlotStatus {
        /// Can be bought or leased now (or from `available_from`).
        Available = "available",
        /// Optioned / reserved for a prospective buyer.
        Reserved = "reserved",
        /// A buyer is negotiating.
        UnderNegotiation = "under_negotiation",
        /// Sold; kept for monitoring and as a reference.
        Sold = "sold",
        /// Not yet developable (planning or servicing pending).
        Planned = "planned",
    }
}

vocabulary! {
    /// Type of building use (Art der baulichen Nutzung) per BauNVO.
    Zoning {
        /// Industriegebiet (BauNVO § 9): industry, including uses that disturb neighbours.
        Gi = "GI",
        /// Gewerbegebiet (BauNVO § 8): commerce and trade that does not disturb significantly.
        Ge = "GE",
        /// Eingeschränktes Gewerbegebiet: GE restricted, e.g. in emissions.
        GeE = "GE-e",
        /// Mischgebiet (BauNVO § 6): housing and non-disturbing commerce.
        Mi = "MI",
        /// Urbanes Gebiet (BauNVO § 6a).
        Mu = "MU",
        /// Sondergebiet (BauNVO §§ 10, 11), e.g. logistics, energy, large retail.
        So = "SO",
        /// Anything else (e.g. land outside a B-Plan).
        Other = "other",
    }
}

vocabulary! {
    /// State of the binding land-use plan (Bebauungsplan, B-Plan).
    BplanStatus {
        /// In preparation (Aufstellungsbeschluss taken, not yet in force).
        InPreparation = "in_preparation",
        /// Legally binding (rechtskräftig).
        LegallyBinding = "legally_binding",
        /// No B-Plan; buildable as infill under § 34 BauGB.
        Section34 = "section_34",
        /// No plan.
        None = "none",
    }
}

vocabulary! {
    /// Servicing level (Erschließung).
    Servicing {
        /// Voll erschlossen: road, utilities and drainage in place.
        Full = "full",
        /// Teilerschlossen.
        Partial = "partial",
        /// Unerschlossen.
        None = "none",
    }
}

vocabulary! {
    /// How the plot is offered.
    Offer {
        /// For sale.
        Sale = "sale",
        /// For lease (e.g. Erbbaurecht or rent).
        Lease = "lease",
        /// Either.
        SaleOrLease = "sale_or_lease",
    }
}

/// A euro amount as submitted: a decimal string (`"12.50"`, preferred) or a JSON number (`12.5`),
/// read by its decimal text, never through floating point.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct EurAmount(pub String);

impl<'de> Deserialize<'de> for EurAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(s) => Ok(EurAmount(s)),
            Value::Number(n) => Ok(EurAmount(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a euro amount like \"12.50\", got {other}"
            ))),
        }
    }
}

/// The editable facts of a plot: the body of create and replace requests, and the schema of
/// imports and staff exports.
///
/// Units: areas in m², distances in km, prices in € per m² (decimal strings), heights in m.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!(crate::domain::plot::example_plot_data()))]
pub struct PlotData {
    /// Public reference code, unique in the database: upper-case letters, digits and `-`.
    #[schema(pattern = "^[A-Z0-9][A-Z0-9-]{1,31}$", example = "LWL-003")]
    pub reference: String,
    #[schema(max_length = 300)]
    pub title_de: String,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub title_en: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_de: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description_en: Option<String>,
    /// Municipality (Gemeinde) that markets the plot.
    #[schema(minimum = 1)]
    pub municipality_id: i64,
    /// Estate (Gewerbegebiet) the plot lies in; must belong to the same municipality.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub estate_id: Option<i64>,
    /// GeoJSON Polygon or MultiPolygon (or a Feature holding one), `[lon, lat]` in EPSG:4326.
    #[schema(value_type = crate::domain::plot::GeoJsonPolygonal)]
    pub geometry: Value,
    /// Officially stated area (may differ from the computed one). Units: m².
    #[serde(default)]
    #[schema(minimum = 1, example = 25000)]
    pub area_stated_m2: Option<i64>,
    pub status: PlotStatus,
    #[serde(default)]
    pub available_from: Option<NaiveDate>,
    pub zoning: Zoning,
    pub bplan_status: BplanStatus,
    /// Grundflächenzahl: share of the plot that may be built over, 0–1.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1, example = 0.8)]
    pub grz: Option<f64>,
    /// Geschossflächenzahl: floor area / plot area.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 20, example = 2.4)]
    pub gfz: Option<f64>,
    /// Baumassenzahl: building volume (m³) / plot area (m²).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100, example = 10.0)]
    pub bmz: Option<f64>,
    /// Units: m.
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 500, example = 20.0)]
    pub max_height_m: Option<f64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub max_storeys: Option<i16>,
    /// 24-hour operation allowed.
    #[serde(default)]
    pub operation_24h: Option<bool>,
    pub servicing: Servicing,
    #[serde(default)]
    pub road_access: Option<bool>,
    #[serde(default)]
    pub water: Option<bool>,
    #[serde(default)]
    pub sewage: Option<bool>,
    #[serde(default)]
    pub electricity: Option<bool>,
    /// Units: kVA.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub electricity_capacity_kva: Option<i32>,
    #[serde(default)]
    pub gas: Option<bool>,
    #[serde(default)]
    pub district_heating: Option<bool>,
    /// Units: Mbit/s.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub broadband_mbit: Option<i32>,
    #[serde(default)]
    pub fibre: Option<bool>,
    /// Gleisanschluss: rail siding on the plot.
    #[serde(default)]
    pub rail_siding: bool,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_motorway_km: Option<f64>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_rail_station_km: Option<f64>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_port_km: Option<f64>,
    /// Units: km.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2000)]
    pub dist_airport_km: Option<f64>,
    /// Price only on request; then no price range may be given.
    #[serde(default)]
    pub price_on_request: bool,
    /// Lowest land price. Units: € per m², decimal string. Required unless `price_on_request`.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$", example = "12.50")]
    pub price_min_eur_m2: Option<EurAmount>,
    /// Highest land price, if a range. Units: € per m², decimal string.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$", example = "15.00")]
    pub price_max_eur_m2: Option<EurAmount>,
    /// Erschließungskosten if charged separately. Units: € per m², decimal string.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$", example = "3.50")]
    pub servicing_cost_eur_m2: Option<EurAmount>,
    pub offer: Offer,
    /// In a GRW regional-aid area (Fördergebiet).
    #[serde(default)]
    pub grw_area: bool,
    /// Maximum GRW aid rate for small enterprises, %. Only in a GRW area.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub grw_max_rate_small_pct: Option<i16>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub grw_max_rate_medium_pct: Option<i16>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub grw_max_rate_large_pct: Option<i16>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    /// "Stand": the date the data was last confirmed as correct. Not in the future.
    pub data_confirmed_on: NaiveDate,
    /// Visible to the public. Changed only by the publish and unpublish actions (and by
    /// imports); new plots are drafts.
    #[serde(default)]
    pub published: bool,
    /// Never shown publicly.
    #[serde(default)]
    pub internal_notes: Option<String>,
    /// Private owner (person or company). Internal: never shown publicly.
    #[serde(default)]
    pub owner_name: Option<String>,
    /// How to reach the private owner. Internal: never shown publicly.
    #[serde(default)]
    pub owner_contact: Option<String>,
}

/// Members of a plot only staff with internal read rights see (`access::ReadScope`): never in
/// public responses, CSV columns or exports.
pub const INTERNAL_FIELDS: &[&str] =
    &["published", "internal_notes", "owner_name", "owner_contact"];

/// Documentation-only schema of plot geometry input (GeoJSON, RFC 7946, `[lon, lat]` in
/// EPSG:4326): a Polygon or a MultiPolygon. A Feature holding one is accepted too.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
#[schema(example = json!({"type": "Polygon", "coordinates": [[[11.49, 53.31], [11.492, 53.31], [11.492, 53.311], [11.49, 53.311], [11.49, 53.31]]]}))]
pub enum GeoJsonPolygonal {
    Polygon(GeoJsonPolygon),
    MultiPolygon(GeoJsonMultiPolygon),
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub enum PolygonTag {
    Polygon,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub enum MultiPolygonTag {
    MultiPolygon,
}

/// Rings of `[lon, lat]` positions; the first ring is the exterior, the others are holes; each
/// ring is closed (last position = first).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct GeoJsonPolygon {
    r#type: PolygonTag,
    #[schema(min_items = 1)]
    coordinates: Vec<Vec<[f64; 2]>>,
    /// Ignored: the service computes extents itself.
    bbox: Option<Vec<f64>>,
}

/// Polygons, each as in `GeoJsonPolygon`; they must not overlap.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct GeoJsonMultiPolygon {
    r#type: MultiPolygonTag,
    #[schema(min_items = 1)]
    coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    /// Ignored: the service computes extents itself.
    bbox: Option<Vec<f64>>,
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

/// A plot that passed every rule, in the types the database stores.
#[derive(Debug, Clone)]
pub struct ValidPlot {
    pub data: PlotData,
    pub geometry: PlotGeometry,
    pub price_min: Option<Cents>,
    pub price_max: Option<Cents>,
    pub servicing_cost: Option<Cents>,
}

impl PlotData {
    /// Applies every rule and collects all failures, so one round trip shows the user everything.
    /// `today` decides what "in the future" means (passed in: the domain does no IO).
    pub fn validate(mut self, today: NaiveDate) -> Result<ValidPlot, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail =
            |pointer: &str, detail: String| errors.push(FieldError::new(pointer, detail));

        self.title_de = self.title_de.trim().to_owned();
        let reference_ok = (2..=32).contains(&self.reference.len())
            && self
                .reference
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !self.reference.starts_with('-');
        if !reference_ok {
            fail(
                "/reference",
                "must be 2–32 upper-case letters, digits or `-`, e.g. `LWL-003`".into(),
            );
        }
        if self.title_de.is_empty() {
            fail("/title_de", "must not be empty".into());
        }
        for (pointer, text, max) in [
            ("/title_de", Some(&self.title_de), 300),
            ("/title_en", self.title_en.as_ref(), 300),
            ("/description_de", self.description_de.as_ref(), 20_000),
            ("/description_en", self.description_en.as_ref(), 20_000),
            ("/internal_notes", self.internal_notes.as_ref(), 20_000),
            ("/contact_name", self.contact_name.as_ref(), 300),
            ("/contact_phone", self.contact_phone.as_ref(), 100),
            ("/contact_email", self.contact_email.as_ref(), 300),
            ("/owner_name", self.owner_name.as_ref(), 300),
            ("/owner_contact", self.owner_contact.as_ref(), 300),
        ] {
            if text.is_some_and(|t| t.chars().count() > max) {
                fail(pointer, format!("must be at most {max} characters"));
            }
            if text.is_some_and(|t| t.contains('\0')) {
                fail(pointer, "must not contain NUL characters".into());
            }
        }
        if self.reference.contains('\0') || self.title_de.contains('\0') {
            fail("/reference", "must not contain NUL characters".into());
        }
        if let Some(email) = &self.contact_email {
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
        if self.municipality_id < 1 {
            fail(
                "/municipality_id",
                "must be the id of a municipality".into(),
            );
        }
        if self.estate_id.is_some_and(|id| id < 1) {
            fail("/estate_id", "must be the id of an estate".into());
        }
        if self.area_stated_m2.is_some_and(|a| a <= 0) {
            fail("/area_stated_m2", "must be a positive number of m²".into());
        }

        let mut ranged = |pointer: &str, value: Option<f64>, min: f64, max: f64, what: &str| {
            if let Some(v) = value {
                if !(v.is_finite() && v >= min && v <= max) {
                    fail(pointer, format!("must be between {min} and {max} ({what})"));
                }
            }
        };
        ranged("/grz", self.grz, 0.0, 1.0, "site coverage ratio");
        ranged("/gfz", self.gfz, 0.0, 20.0, "floor-area ratio");
        ranged(
            "/bmz",
            self.bmz,
            0.0,
            100.0,
            "building-volume ratio, m³ per m²",
        );
        ranged(
            "/dist_motorway_km",
            self.dist_motorway_km,
            0.0,
            2000.0,
            "km",
        );
        ranged(
            "/dist_rail_station_km",
            self.dist_rail_station_km,
            0.0,
            2000.0,
            "km",
        );
        ranged("/dist_port_km", self.dist_port_km, 0.0, 2000.0, "km");
        ranged("/dist_airport_km", self.dist_airport_km, 0.0, 2000.0, "km");
        if self
            .max_height_m
            .is_some_and(|h| !(h.is_finite() && h > 0.0 && h <= 500.0))
        {
            fail(
                "/max_height_m",
                "must be more than 0 and at most 500 (m)".into(),
            );
        }
        if self.max_storeys.is_some_and(|s| !(1..=100).contains(&s)) {
            fail("/max_storeys", "must be between 1 and 100".into());
        }
        if self.electricity_capacity_kva.is_some_and(|v| v < 0) {
            fail("/electricity_capacity_kva", "must not be negative".into());
        }
        if self.broadband_mbit.is_some_and(|v| v < 0) {
            fail("/broadband_mbit", "must not be negative".into());
        }

        let mut money = |pointer: &str, amount: &Option<EurAmount>| match amount {
            None => None,
            Some(EurAmount(text)) => match Cents::parse_eur(text) {
                Ok(c) => Some(c),
                Err(e) => {
                    fail(pointer, e);
                    None
                }
            },
        };
        let price_min = money("/price_min_eur_m2", &self.price_min_eur_m2);
        let price_max = money("/price_max_eur_m2", &self.price_max_eur_m2);
        let servicing_cost = money("/servicing_cost_eur_m2", &self.servicing_cost_eur_m2);
        if self.price_on_request {
            if self.price_min_eur_m2.is_some() || self.price_max_eur_m2.is_some() {
                fail(
                    "/price_on_request",
                    "a price on request cannot also have a price range".into(),
                );
            }
        } else if self.price_min_eur_m2.is_none() {
            fail(
                "/price_min_eur_m2",
                "is required unless `price_on_request` is true".into(),
            );
        }
        if let (Some(min), Some(max)) = (price_min, price_max) {
            if max < min {
                fail(
                    "/price_max_eur_m2",
                    "must not be lower than `price_min_eur_m2`".into(),
                );
            }
        }

        for (pointer, rate) in [
            ("/grw_max_rate_small_pct", self.grw_max_rate_small_pct),
            ("/grw_max_rate_medium_pct", self.grw_max_rate_medium_pct),
            ("/grw_max_rate_large_pct", self.grw_max_rate_large_pct),
        ] {
            if let Some(rate) = rate {
                if !(0..=100).contains(&rate) {
                    fail(pointer, "must be a percentage between 0 and 100".into());
                } else if !self.grw_area {
                    fail(pointer, "aid rates need `grw_area` to be true".into());
                }
            }
        }
        if self.data_confirmed_on > today {
            fail("/data_confirmed_on", "must not be in the future".into());
        }

        let geometry = match PlotGeometry::from_geojson_value(&self.geometry, "/geometry") {
            Ok(g) => Some(g),
            Err(geometry_errors) => {
                errors.extend(geometry_errors);
                None
            }
        };
        match geometry {
            Some(geometry) if errors.is_empty() => Ok(ValidPlot {
                data: self,
                geometry,
                price_min,
                price_max,
                servicing_cost,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    fn example() -> PlotData {
        serde_json::from_value(example_plot_data()).unwrap()
    }

    #[test]
    fn example_is_valid() {
        let valid = example().validate(today()).unwrap();
        assert_eq!(valid.price_min, Some(Cents(1250)));
        assert!(valid.geometry.area_m2() > 14_000.0);
    }

    #[test]
    fn collects_every_failure_with_its_pointer() {
        let mut data = example();
        data.grz = Some(1.2);
        data.price_on_request = true;
        data.grw_area = false;
        data.data_confirmed_on = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let errors = data.validate(today()).unwrap_err();
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
    fn vocabulary_round_trips() {
        for z in Zoning::ALL {
            assert_eq!(Zoning::parse(z.as_str()), Some(*z));
        }
        assert_eq!(serde_json::to_string(&Zoning::GeE).unwrap(), "\"GE-e\"");
    }
}
