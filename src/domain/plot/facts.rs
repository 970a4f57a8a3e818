//! **The one declaration of a plot's facts.** Every editable fact of a plot is a field of
//! `PlotFacts` (public) or `InternalFacts` (staff only), declared here once with its type, its
//! unit, its JSON Schema constraints and its column:
//!
//! - the database row reads and writes these structs as they are (`Selectable`/`Queryable`
//!   embedded in `db::plots::PlotRow`, `Insertable`/`AsChangeset` for writes): field name =
//!   column name unless `column_name` says otherwise;
//! - the write schema `PlotData` (bodies, imports, exports, history) and the `Plot` view flatten
//!   them into their JSON objects, so JSON, GeoJSON properties and CSV columns follow;
//! - the import schema, the internal-field list and the read-only list are read off their
//!   OpenAPI schemas (`super::members`), so a new field is importable, exported and recorded
//!   in the history without further code.
//!
//! A new fact is therefore: a migration (and its line in `crate::schema`), a field here, and its
//! rules in `PlotData::validate` if it has any.
//!
//! Units: areas in m², distances in km, prices in € per m² (decimal strings; stored as cents),
//! heights in m.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::vocabulary::{BplanStatus, Offer, OwnerType, PlotStatus, Servicing, Zoning};
use crate::domain::money::Cents;
use crate::schema::plots;

/// The public, editable facts of a plot.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    ToSchema,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = plots, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct PlotFacts {
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
    /// Cadastral parcels (Flurstücke) the plot spans: see `parcels_schema`.
    #[serde(default)]
    #[schema(schema_with = parcels_schema)]
    pub parcels: Vec<String>,
    /// Officially stated area (may differ from the computed one). Units: m².
    #[serde(default)]
    #[schema(minimum = 1, example = 25000)]
    pub area_stated_m2: Option<i64>,
    pub status: PlotStatus,
    #[serde(default, serialize_with = "crate::domain::wire_text::optional_date")]
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
    /// Heavy-goods vehicles (lorries up to 40 t, articulated) can reach the plot: the access
    /// road's load limit, width and turning circles allow them. Unknown when absent.
    #[serde(default)]
    pub heavy_vehicle_access: Option<bool>,
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
    #[diesel(column_name = price_min_ct)]
    pub price_min_eur_m2: Option<Cents>,
    /// Highest land price, if a range. Units: € per m², decimal string.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$", example = "15.00")]
    #[diesel(column_name = price_max_ct)]
    pub price_max_eur_m2: Option<Cents>,
    /// Erschließungskosten if charged separately. Units: € per m², decimal string.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9]+([.,][0-9]{1,2})?$", example = "3.50")]
    #[diesel(column_name = servicing_cost_ct)]
    pub servicing_cost_eur_m2: Option<Cents>,
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
    /// Who owns the land: public (the town or its development company), private, or mixed.
    #[serde(default)]
    pub owner_type: Option<OwnerType>,
    /// "Stand": the date the data was last confirmed as correct. Not in the future.
    #[serde(serialize_with = "crate::domain::wire_text::date")]
    pub data_confirmed_on: NaiveDate,
}

/// The facts only staff with internal read rights see (`access::ReadScope`): never in public
/// responses, CSV columns, tiles, profile pages or exports.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    ToSchema,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = plots, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct InternalFacts {
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

/// The schema of `parcels`: its items carry the identifier's pattern, which a field attribute
/// cannot give them.
fn parcels_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let identifier = ObjectBuilder::new().schema_type(Type::String).pattern(Some(
        "^(0[1-9]|1[0-6])[0-9]{12}([0-9]{4}|_{4})([0-9]{2}|_{2})$",
    ));
    ArrayBuilder::new()
        .items(identifier)
        .max_items(Some(super::parcel::MAX_PARCELS))
        .description(Some(
            "Cadastral parcels (Flurstücke) the plot spans, by their ALKIS identifier \
             (Flurstückskennzeichen: Land 2, Gemarkung 4, Flur 3, Zähler 5, Nenner 4 or `____`, \
             Folge 2 or `__`). A Nenner `0000` or a Folge `00` is stored as `____` / `__`. \
             Searched with `parcel=` on `GET /plots`.",
        ))
        .examples([serde_json::json!(["13234500400123______"])])
        .build()
}
