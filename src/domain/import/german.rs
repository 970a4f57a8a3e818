//! The staff export's columns: their order (reference and title first, the town's name beside
//! its AGS, the centroid beside the outline) and, for German Excel (`f=csv-excel`), their
//! German names and values — the names and values the importer reads (`super::schema`), so an
//! export comes back unchanged. A few columns are for people only (`municipality_name`,
//! `centroid_*`): the importer knows them as read-only and skips them without a word.

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::plot::{members, Kind};

/// Every column of the export, in order, with its German name. Fields of the plot that are not
/// listed (none: a test checks) follow at the end under their own names.
pub const EXPORT_COLUMNS: &[(&str, &str)] = &[
    ("reference", "Referenz"),
    ("title_de", "Titel"),
    ("title_en", "Titel (en)"),
    ("municipality_ags", "Gemeindeschlüssel"),
    ("municipality_name", "Gemeinde (Name)"),
    ("estate_name", "Gewerbegebiet"),
    ("status", "Status"),
    ("available_from", "Verfügbar ab"),
    ("area_stated_m2", "Fläche (m²)"),
    ("parcels", "Flurstücke"),
    ("zoning", "Baugebiet"),
    ("bplan_status", "B-Plan"),
    ("grz", "GRZ"),
    ("gfz", "GFZ"),
    ("bmz", "BMZ"),
    ("max_height_m", "Max. Höhe (m)"),
    ("max_storeys", "Vollgeschosse"),
    ("operation_24h", "24h-Betrieb"),
    ("servicing", "Erschließung"),
    ("road_access", "Straßenanbindung"),
    ("heavy_vehicle_access", "Schwerlastverkehr"),
    ("water", "Wasser"),
    ("sewage", "Abwasser"),
    ("electricity", "Strom"),
    ("electricity_capacity_kva", "Strom (kVA)"),
    ("gas", "Gas"),
    ("district_heating", "Fernwärme"),
    ("broadband_mbit", "Breitband (Mbit)"),
    ("fibre", "Glasfaser"),
    ("rail_siding", "Gleisanschluss"),
    ("dist_motorway_km", "Entfernung Autobahn (km)"),
    ("dist_rail_station_km", "Entfernung Bahnhof (km)"),
    ("dist_port_km", "Entfernung Hafen (km)"),
    ("dist_airport_km", "Entfernung Flughafen (km)"),
    ("offer", "Angebot"),
    ("price_on_request", "Preis auf Anfrage"),
    ("price_min_eur_m2", "Preis von (EUR/m²)"),
    ("price_max_eur_m2", "Preis bis (EUR/m²)"),
    ("servicing_cost_eur_m2", "Erschließungskosten (EUR/m²)"),
    ("grw_area", "GRW-Fördergebiet"),
    ("grw_max_rate_small_pct", "GRW Höchstsatz klein (%)"),
    ("grw_max_rate_medium_pct", "GRW Höchstsatz mittel (%)"),
    ("grw_max_rate_large_pct", "GRW Höchstsatz groß (%)"),
    ("contact_name", "Ansprechpartner"),
    ("contact_phone", "Telefon"),
    ("contact_email", "E-Mail"),
    ("owner_type", "Eigentümerart"),
    ("data_confirmed_on", "Datenstand"),
    ("description_de", "Beschreibung"),
    ("description_en", "Beschreibung (en)"),
    ("published", "Veröffentlicht"),
    ("internal_notes", "Interne Notizen"),
    ("owner_name", "Eigentümer"),
    ("owner_contact", "Eigentümer Kontakt"),
    ("version", "Version"),
    ("centroid_lon", "Schwerpunkt Länge"),
    ("centroid_lat", "Schwerpunkt Breite"),
    ("wkt", "WKT"),
];

/// `present` (the members the exported records have) in export order.
pub fn ordered<'a>(present: &[&'a str]) -> Vec<&'a str> {
    let rank = |f: &str| {
        EXPORT_COLUMNS
            .iter()
            .position(|(c, _)| *c == f)
            .unwrap_or(EXPORT_COLUMNS.len())
    };
    let mut out = present.to_vec();
    out.sort_by_key(|f| rank(f));
    out.dedup();
    out
}

/// The German name of an export column (its own name where none is declared).
pub fn header_de(field: &str) -> &str {
    EXPORT_COLUMNS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(field, |(_, de)| de)
}

/// A value of `field` as German Excel users read it and the importer reads it back: `ja`/`nein`,
/// German labels (`verfügbar`), dates `31.03.2026`. Numbers are left to the CSV dialect
/// (decimal comma); everything else is unchanged.
pub fn value_de(field: &str, value: Value) -> Value {
    let Some(member) = members().get(field) else {
        return value;
    };
    match (member.kind, &value) {
        (Kind::Boolean, Value::Bool(b)) => Value::String(if *b { "ja" } else { "nein" }.into()),
        (Kind::Vocabulary(vocabulary), Value::String(s)) => (vocabulary.label_de)(s)
            .map(|label| Value::String(label.to_owned()))
            .unwrap_or(value),
        (Kind::Money, Value::String(s)) => money_de(s).map(Value::String).unwrap_or(value),
        (Kind::Date, Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(|d| Value::String(d.format("%d.%m.%Y").to_string()))
            .unwrap_or(value),
        _ => value,
    }
}

/// A euro amount as the service writes it (decimal text, `12.50`) as German Excel reads a
/// number (`12,50`); `None` for anything else, which stays as it is.
pub fn money_de(s: &str) -> Option<String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let decimal = matches!(digits.split_once('.'), Some((a, b)) if !a.is_empty() && !b.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()));
    decimal.then(|| s.replace('.', ","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::schema::{coerce, column, Column};
    use serde_json::json;

    #[test]
    fn every_field_has_a_german_name_the_importer_reads_back() {
        let extras = ["municipality_ags", "estate_name", "version", "wkt"];
        for field in members().iter().map(|m| m.name.as_str()).chain(extras) {
            if matches!(field, "municipality_id" | "estate_id") {
                continue;
            }
            let de = header_de(field);
            assert_ne!(de, field, "{field} has no German name");
            assert_eq!(column(de, &[]), Column::Field(field), "{de}");
        }
        for read_only in ["municipality_name", "centroid_lon", "centroid_lat"] {
            assert_eq!(column(read_only, &[]), Column::ReadOnly);
            assert_eq!(column(header_de(read_only), &[]), Column::ReadOnly);
        }
    }

    #[test]
    fn german_values_read_back_as_they_were() {
        for (field, value) in [
            ("status", json!("available")),
            ("status", json!("under_negotiation")),
            ("bplan_status", json!("legally_binding")),
            ("bplan_status", json!("section_34")),
            ("zoning", json!("GE-e")),
            ("servicing", json!("partial")),
            ("offer", json!("sale_or_lease")),
            ("rail_siding", json!(true)),
            ("water", json!(false)),
            ("data_confirmed_on", json!("2026-03-31")),
            ("title_de", json!("Nord")),
        ] {
            let de = value_de(field, value.clone());
            assert_eq!(coerce(field, de.clone()).unwrap(), value, "{field}: {de}");
        }
        assert_eq!(value_de("status", json!("available")), json!("verfügbar"));
        assert_eq!(value_de("rail_siding", json!(true)), json!("ja"));
        assert_eq!(
            value_de("data_confirmed_on", json!("2026-03-31")),
            json!("31.03.2026")
        );
    }

    #[test]
    fn reference_and_title_come_first_the_outline_last() {
        assert_eq!(
            ordered(&["wkt", "zoning", "title_de", "future_member", "reference"]),
            ["reference", "title_de", "zoning", "wkt", "future_member"]
        );
    }
}
