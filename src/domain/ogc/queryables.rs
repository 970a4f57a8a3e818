//! The properties a CQL2 filter may name, per collection, with their type and the column they
//! read. Only public facts: an anonymous reader must not learn internal ones through a filter,
//! and the reader's scope already limits the rows (`db::scope`).

use super::Collection;

/// The type of a queryable, which decides the literals it takes (JSON Schema `type`/`format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Text from a closed list.
    Enum(&'static [&'static str]),
    Number,
    Integer,
    Bool,
    Date,
    Timestamp,
    /// The feature's geometry (spatial functions only).
    Geometry,
}

#[derive(Debug, PartialEq)]
pub struct Queryable {
    pub name: &'static str,
    pub kind: Kind,
    /// The SQL column or expression, qualified by its table. Never client text.
    pub column: &'static str,
    /// Numbers are multiplied by this before comparing (euros → stored cents).
    pub scale: f64,
    pub description: &'static str,
}

const fn q(
    name: &'static str,
    kind: Kind,
    column: &'static str,
    description: &'static str,
) -> Queryable {
    Queryable {
        name,
        kind,
        column,
        scale: 1.0,
        description,
    }
}

const STATUS: &[&str] = &[
    "available",
    "reserved",
    "under_negotiation",
    "sold",
    "planned",
];
const ZONING: &[&str] = &["GI", "GE", "GE-e", "MI", "MU", "SO", "other"];
const SERVICING: &[&str] = &["full", "partial", "none"];

static PLOTS: [Queryable; 17] = [
    q(
        "geometry",
        Kind::Geometry,
        "plots.geom",
        "Outline (MultiPolygon)",
    ),
    q("id", Kind::Integer, "plots.id", "Plot id"),
    q(
        "reference",
        Kind::Text,
        "plots.reference",
        "Plot reference, e.g. LWL-003",
    ),
    q("title_de", Kind::Text, "plots.title_de", "Title (German)"),
    q(
        "status",
        Kind::Enum(STATUS),
        "plots.status",
        "Marketing status",
    ),
    q(
        "zoning",
        Kind::Enum(ZONING),
        "plots.zoning",
        "BauNVO zoning",
    ),
    q(
        "servicing",
        Kind::Enum(SERVICING),
        "plots.servicing",
        "Servicing level",
    ),
    q(
        "area_m2",
        Kind::Number,
        "plots.area_m2",
        "Size: stated where known, else computed. Units: m²",
    ),
    Queryable {
        name: "price_min_eur_m2",
        kind: Kind::Number,
        column: "plots.price_min_ct",
        scale: 100.0,
        description: "Lowest price. Units: € per m²",
    },
    q(
        "rail_siding",
        Kind::Bool,
        "plots.rail_siding",
        "Has a rail siding",
    ),
    q(
        "heavy_vehicle_access",
        Kind::Bool,
        "plots.heavy_vehicle_access",
        "Reachable by heavy-goods vehicles (up to 40 t); unknown for plots that do not say",
    ),
    q(
        "grw_area",
        Kind::Bool,
        "plots.grw_area",
        "In a GRW aid area",
    ),
    q(
        "broadband_mbit",
        Kind::Integer,
        "plots.broadband_mbit",
        "Broadband stated for the plot itself. Units: Mbit/s",
    ),
    q(
        "available_from",
        Kind::Date,
        "plots.available_from",
        "Available from",
    ),
    q(
        "municipality_id",
        Kind::Integer,
        "plots.municipality_id",
        "Municipality id",
    ),
    q("estate_id", Kind::Integer, "plots.estate_id", "Estate id"),
    q(
        "updated_at",
        Kind::Timestamp,
        "plots.updated_at",
        "Last change",
    ),
];

static ESTATES: [Queryable; 5] = [
    q(
        "geometry",
        Kind::Geometry,
        "estates.outline",
        "Outline (MultiPolygon)",
    ),
    q("id", Kind::Integer, "estates.id", "Estate id"),
    q("name", Kind::Text, "estates.name", "Name"),
    q(
        "municipality_id",
        Kind::Integer,
        "estates.municipality_id",
        "Municipality id",
    ),
    q(
        "updated_at",
        Kind::Timestamp,
        "estates.updated_at",
        "Last change",
    ),
];

static MUNICIPALITIES: [Queryable; 6] = [
    q(
        "geometry",
        Kind::Geometry,
        "municipalities.outline",
        "Outline (MultiPolygon)",
    ),
    q("id", Kind::Integer, "municipalities.id", "Municipality id"),
    q("name", Kind::Text, "municipalities.name", "Name"),
    q(
        "ags",
        Kind::Text,
        "municipalities.ags",
        "Amtlicher Gemeindeschlüssel (8 digits)",
    ),
    q(
        "region_id",
        Kind::Integer,
        "municipalities.region_id",
        "Region id",
    ),
    q(
        "updated_at",
        Kind::Timestamp,
        "municipalities.updated_at",
        "Last change",
    ),
];

pub fn queryables(collection: Collection) -> &'static [Queryable] {
    match collection {
        Collection::Plots => &PLOTS,
        Collection::Estates => &ESTATES,
        Collection::Municipalities => &MUNICIPALITIES,
    }
}

impl Queryable {
    /// Its JSON Schema, as `/collections/{id}/queryables` lists it.
    pub fn schema(&self) -> serde_json::Value {
        use serde_json::json;
        let mut schema = match self.kind {
            Kind::Text => json!({"type": "string"}),
            Kind::Enum(values) => json!({"type": "string", "enum": values}),
            Kind::Number => json!({"type": "number"}),
            Kind::Integer => json!({"type": "integer"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::Timestamp => json!({"type": "string", "format": "date-time"}),
            Kind::Geometry => json!({
                "format": "geometry-multipolygon",
                "x-ogc-role": "primary-geometry"
            }),
        };
        schema["title"] = json!(self.name);
        schema["description"] = json!(self.description);
        schema
    }
}
