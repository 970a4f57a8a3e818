//! The import schema: which column or property names mean which plot field (German column names
//! included), and how text becomes a value of that field (German values included). The fields
//! are the plot's members (`domain::plot::members`, read off its declaration) plus a few the
//! import adds: `municipality_ags` and `estate_name` instead of ids, `version` (a lost-update
//! check), `area_stated_ha`, and the CSV geometry columns `wkt`, `lon`, `lat`. Estate imports
//! (`Target::Estates`) read files the same way with the estate schema (`super::estates`).

use serde_json::{Map, Value};

use super::numbers::{self, Decimal};
use crate::domain::plot::{members, Kind};

/// Fields the import adds to the plot's own members.
const EXTRAS: &[(&str, Kind)] = &[
    ("municipality_ags", Kind::Text),
    ("estate_name", Kind::Text),
    ("area_stated_ha", Kind::Number),
    ("version", Kind::Integer),
    ("wkt", Kind::Text),
    ("lon", Kind::Number),
    ("lat", Kind::Number),
];

/// What an import file holds: plots (`POST /imports`) or estates (`POST /estates/imports`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Plots,
    Estates,
}

impl Target {
    /// The import field of this (normalised) name and what it holds.
    fn field(self, name: &str) -> Option<(&'static str, Kind)> {
        match self {
            Target::Plots => {
                if let Some(member) = members().get(name) {
                    return Some((member.name.as_str(), member.kind));
                }
                EXTRAS.iter().find(|(f, _)| *f == name).copied()
            }
            Target::Estates => super::estate_schema::FIELDS
                .iter()
                .find(|(f, _)| *f == name)
                .copied(),
        }
    }

    fn aliases(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Target::Plots => ALIASES,
            Target::Estates => super::estate_schema::ALIASES,
        }
    }

    /// The field records are matched by, which a CSV header must have.
    pub fn key(self) -> &'static str {
        match self {
            Target::Plots => "reference",
            Target::Estates => "name",
        }
    }

    /// What one record is, in words.
    pub fn noun(self) -> &'static str {
        match self {
            Target::Plots => "plot",
            Target::Estates => "estate",
        }
    }
}

/// German (and common) column names, normalised (see `normalise`), and the field they mean.
const ALIASES: &[(&str, &str)] = &[
    ("referenz", "reference"),
    ("kennung", "reference"),
    ("ref", "reference"),
    ("flaechennummer", "reference"),
    ("flaechen_nr", "reference"),
    ("titel", "title_de"),
    ("bezeichnung", "title_de"),
    ("name", "title_de"),
    ("titel_de", "title_de"),
    ("titel_en", "title_en"),
    ("beschreibung", "description_de"),
    ("beschreibung_de", "description_de"),
    ("beschreibung_en", "description_en"),
    ("ags", "municipality_ags"),
    ("gemeindeschluessel", "municipality_ags"),
    ("amtlicher_gemeindeschluessel", "municipality_ags"),
    ("gemeinde_ags", "municipality_ags"),
    ("flurstuecke", "parcels"),
    ("flurstueck", "parcels"),
    ("flurstueckskennzeichen", "parcels"),
    ("gewerbegebiet", "estate_name"),
    ("gebiet", "estate_name"),
    ("estate", "estate_name"),
    ("flaeche_m2", "area_stated_m2"),
    ("flaeche", "area_stated_m2"),
    ("groesse_m2", "area_stated_m2"),
    ("grundstuecksgroesse_m2", "area_stated_m2"),
    ("flaeche_ha", "area_stated_ha"),
    ("groesse_ha", "area_stated_ha"),
    ("area_ha", "area_stated_ha"),
    ("verfuegbar_ab", "available_from"),
    ("nutzungsart", "zoning"),
    ("baugebiet", "zoning"),
    ("gebietsart", "zoning"),
    ("bplan", "bplan_status"),
    ("b_plan", "bplan_status"),
    ("bebauungsplan", "bplan_status"),
    ("max_hoehe_m", "max_height_m"),
    ("hoehe_m", "max_height_m"),
    ("geschosse", "max_storeys"),
    ("vollgeschosse", "max_storeys"),
    ("betrieb_24h", "operation_24h"),
    ("24h_betrieb", "operation_24h"),
    ("erschliessung", "servicing"),
    ("strassenanbindung", "road_access"),
    ("schwerlastverkehr", "heavy_vehicle_access"),
    ("wasser", "water"),
    ("abwasser", "sewage"),
    ("strom", "electricity"),
    ("strom_kva", "electricity_capacity_kva"),
    ("fernwaerme", "district_heating"),
    ("breitband_mbit", "broadband_mbit"),
    ("glasfaser", "fibre"),
    ("gleisanschluss", "rail_siding"),
    ("autobahn_km", "dist_motorway_km"),
    ("entfernung_autobahn_km", "dist_motorway_km"),
    ("bahnhof_km", "dist_rail_station_km"),
    ("entfernung_bahnhof_km", "dist_rail_station_km"),
    ("hafen_km", "dist_port_km"),
    ("entfernung_hafen_km", "dist_port_km"),
    ("flughafen_km", "dist_airport_km"),
    ("entfernung_flughafen_km", "dist_airport_km"),
    ("preis_auf_anfrage", "price_on_request"),
    ("preis_eur_m2", "price_min_eur_m2"),
    ("preis_min_eur_m2", "price_min_eur_m2"),
    ("kaufpreis_eur_m2", "price_min_eur_m2"),
    ("preis_von_eur_m2", "price_min_eur_m2"),
    ("preis_max_eur_m2", "price_max_eur_m2"),
    ("preis_bis_eur_m2", "price_max_eur_m2"),
    ("erschliessungskosten_eur_m2", "servicing_cost_eur_m2"),
    ("grw_hoechstsatz_klein", "grw_max_rate_small_pct"),
    ("grw_hoechstsatz_mittel", "grw_max_rate_medium_pct"),
    ("grw_hoechstsatz_gross", "grw_max_rate_large_pct"),
    ("angebot", "offer"),
    ("angebotsart", "offer"),
    ("grw", "grw_area"),
    ("grw_foerdergebiet", "grw_area"),
    ("foerdergebiet", "grw_area"),
    ("ansprechpartner", "contact_name"),
    ("kontakt", "contact_name"),
    ("telefon", "contact_phone"),
    ("e_mail", "contact_email"),
    ("email", "contact_email"),
    ("stand", "data_confirmed_on"),
    ("datenstand", "data_confirmed_on"),
    ("veroeffentlicht", "published"),
    ("interne_notizen", "internal_notes"),
    ("notizen_intern", "internal_notes"),
    ("eigentuemer", "owner_name"),
    ("eigentuemer_kontakt", "owner_contact"),
    ("eigentuemerart", "owner_type"),
    ("eigentumsart", "owner_type"),
    ("geometrie", "wkt"),
    ("geometry", "wkt"),
    ("geom", "wkt"),
    ("laenge", "lon"),
    ("longitude", "lon"),
    ("lng", "lon"),
    ("x", "lon"),
    ("rechtswert", "lon"),
    ("easting", "lon"),
    ("breite", "lat"),
    ("latitude", "lat"),
    ("y", "lat"),
    ("hochwert", "lat"),
    ("northing", "lat"),
];

/// Columns the staff export writes for people to read (`super::german::EXPORT_COLUMNS`), in
/// both languages, normalised: known as read-only, so they come back without a warning.
const EXPORT_ONLY: &[&str] = &[
    "municipality_name",
    "gemeinde_name",
    "centroid_lon",
    "centroid_lat",
    "schwerpunkt_laenge",
    "schwerpunkt_breite",
];

/// Lower case, umlauts spelled out, every run of other characters an underscore:
/// "Fläche (m²)" → `flaeche_m2`.
pub fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.trim().trim_start_matches('\u{feff}').chars() {
        let piece: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' => "ss",
            '²' => "2",
            '³' => "3",
            _ => "",
        };
        if !piece.is_empty() || c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            if piece.is_empty() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.push_str(piece);
            }
        } else {
            gap = true;
        }
    }
    out
}

/// What a column or property name means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Field(&'static str),
    /// A member of our own read views: skipped.
    ReadOnly,
    /// Names a field that `?map=` maps another column onto: ignored (with a warning), so the
    /// mapped column alone gives that field.
    Shadowed(&'static str),
    Unknown,
}

/// What `name` means in a plot file; `read_only` are the members of the service's read views,
/// which files exported from them carry.
pub fn column(name: &str, read_only: &[String]) -> Column {
    column_for(Target::Plots, name, read_only)
}

fn column_for(target: Target, name: &str, read_only: &[String]) -> Column {
    let n = normalise(name);
    if let Some((field, _)) = target.field(&n) {
        return Column::Field(field);
    }
    if let Some((_, aliased)) = target.aliases().iter().find(|(a, _)| *a == n) {
        return Column::Field(aliased);
    }
    if read_only.contains(&n) || (target == Target::Plots && EXPORT_ONLY.contains(&n.as_str())) {
        return Column::ReadOnly;
    }
    Column::Unknown
}

/// A value of `field` as `PlotData` reads it. Text (CSV cells, or GeoJSON properties written as
/// text) is read the German way too: `ja`/`nein`, decimal commas, `31.12.2026`, `verfügbar`.
/// Empty text is null. Returns the problem if the text cannot mean anything for the field.
/// Numbers that read two ways (`8.000`) are refused: `coerce_for` takes the file's locale.
pub fn coerce(field_name: &str, value: Value) -> Result<Value, String> {
    coerce_for(Target::Plots, field_name, value, Decimal::Unknown)
}

/// Whether `field` holds a number (read from text as `numbers` reads it).
fn is_numeric(kind: Kind) -> bool {
    matches!(kind, Kind::Integer | Kind::Number | Kind::Money)
}

fn coerce_for(
    target: Target,
    field_name: &str,
    value: Value,
    decimal: Decimal,
) -> Result<Value, String> {
    let kind = target.field(field_name).map_or(Kind::Text, |(_, k)| k);
    if field_name == "municipality_ags" {
        return Ok(ags(value));
    }
    let text = match value {
        Value::String(text) => text,
        // JSON's `76405.0` is the integer 76405 (as JSON Schema has it).
        Value::Number(n) if matches!(kind, Kind::Integer) && n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            return match f.fract() == 0.0 && f.abs() <= 9.0e15 {
                true => Ok(Value::from(f as i64)),
                false => Err(format!("`{n}` is not a whole number")),
            };
        }
        other => return Ok(other),
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(Value::Null);
    }
    match kind {
        Kind::Text => Ok(Value::String(t.to_owned())),
        // Prices stay decimal text (`Cents` reads it), in the plain form: `1.250,00` → `1250.00`.
        Kind::Money => numbers::canonical(t, decimal).map(Value::String),
        Kind::Integer => {
            let n = numbers::parse(t, decimal)?;
            if n.fract() != 0.0 || n.abs() > 9.0e15 {
                return Err(format!("`{t}` is not a whole number"));
            }
            Ok(Value::from(n as i64))
        }
        Kind::Number => numbers::parse(t, decimal).map(Value::from),
        Kind::Boolean => match t.to_lowercase().as_str() {
            "ja" | "j" | "yes" | "y" | "true" | "wahr" | "1" | "x" => Ok(Value::Bool(true)),
            "nein" | "n" | "no" | "false" | "falsch" | "0" | "-" => Ok(Value::Bool(false)),
            _ => Err(format!("`{t}` is not yes/no (ja/nein, true/false, 1/0)")),
        },
        Kind::Date => {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                return Ok(Value::String(d.to_string()));
            }
            chrono::NaiveDate::parse_from_str(t, "%d.%m.%Y")
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| format!("`{t}` is not a date (2026-03-31 or 31.03.2026)"))
        }
        Kind::Vocabulary(vocabulary) => (vocabulary.parse_loose)(t)
            .map(|v| Value::String(v.to_owned()))
            .ok_or_else(|| {
                format!(
                    "`{t}` is not {}: use one of {}",
                    vocabulary.noun,
                    (vocabulary.listing)()
                )
            }),
        Kind::List => Ok(Value::Array(
            t.split([',', ';', ' ', '\n', '\t'])
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        )),
    }
}

/// An AGS as spreadsheets leave it: Excel reads `01001000` as a number and saves `1001000`,
/// GIS files may hold it as a number. Eight digits, zeros in front; empty is null; anything
/// else as written (the planner names it if no municipality has it).
fn ags(value: Value) -> Value {
    let text = match &value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) if n.is_u64() => n.to_string(),
        _ => return value,
    };
    match text.len() {
        0 => Value::Null,
        1..8 if text.bytes().all(|b| b.is_ascii_digit()) => Value::String(format!("{text:0>8}")),
        _ => Value::String(text),
    }
}

/// How a file in another schema maps onto ours (`?map=`), and values for what it lacks
/// (`?defaults=`): what a third-party data set needs to import without editing it.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Normalised source name → field.
    columns: Vec<(String, &'static str)>,
    /// Field → value (already coerced), used where a new plot has none.
    pub defaults: Vec<(&'static str, Value)>,
    /// Members of the service's read views: skipped without a warning.
    read_only: &'static [String],
    target: Target,
    /// The file's decimal separator, as its reader found it (`numbers`).
    decimal: Decimal,
}

fn field_named(target: Target, name: &str) -> Option<&'static str> {
    match column_for(target, name, &[]) {
        Column::Field(f) => Some(f),
        _ => None,
    }
}

impl Mapping {
    /// `source:field` pairs, comma-separated (`FL_NR:reference,BEZ:title_de`), and
    /// `field:value` pairs (`status:available,offer:Kauf`). Errors name the pair.
    pub fn parse(
        map: Option<&str>,
        defaults: Option<&str>,
        read_only: &'static [String],
    ) -> Result<Mapping, (String, String)> {
        Mapping::parse_for(Target::Plots, map, defaults, read_only)
    }

    /// `parse` for a file of `target`.
    pub fn parse_for(
        target: Target,
        map: Option<&str>,
        defaults: Option<&str>,
        read_only: &'static [String],
    ) -> Result<Mapping, (String, String)> {
        let pairs = |text: &str| -> Vec<(String, String)> {
            text.split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| match p.split_once(':') {
                    Some((a, b)) => (a.trim().to_owned(), b.trim().to_owned()),
                    None => (p.trim().to_owned(), String::new()),
                })
                .collect()
        };
        let mut mapping = Mapping {
            read_only,
            target,
            ..Mapping::default()
        };
        for (source, target) in pairs(map.unwrap_or_default()) {
            let field = field_named(mapping.target, &target).ok_or_else(|| {
                (
                    "map".to_owned(),
                    format!("`{source}:{target}`: `{target}` is not a field of the import schema"),
                )
            })?;
            mapping.columns.push((normalise(&source), field));
        }
        for (name, value) in pairs(defaults.unwrap_or_default()) {
            let field = field_named(mapping.target, &name).ok_or_else(|| {
                (
                    "defaults".to_owned(),
                    format!("`{name}` is not a field of the import schema"),
                )
            })?;
            let value = coerce_for(
                mapping.target,
                field,
                Value::String(value),
                Decimal::Unknown,
            )
            .map_err(|e| ("defaults".to_owned(), format!("{name}: {e}")))?;
            mapping.defaults.push((field, value));
        }
        Ok(mapping)
    }

    /// The field a column means: the explicit mapping first, then our names and aliases —
    /// unless the mapping gives that field another column.
    pub fn column(&self, name: &str) -> Column {
        let n = normalise(name);
        match self.columns.iter().find(|(source, _)| *source == n) {
            Some((_, field)) => Column::Field(field),
            None => match column_for(self.target, name, self.read_only) {
                Column::Field(f) if self.columns.iter().any(|(_, mapped)| *mapped == f) => {
                    Column::Shadowed(f)
                }
                other => other,
            },
        }
    }

    /// Whether the column `name` may give a number whose text reveals the file's locale: a
    /// numeric field, or a column of the service's own exports that the import skips (the
    /// computed area, the centroid), since an unedited export must read back in its own locale.
    pub fn reveals_locale(&self, name: &str) -> bool {
        match self.column(name) {
            Column::Field(f) => self.target.field(f).is_some_and(|(_, k)| is_numeric(k)),
            Column::ReadOnly => true,
            _ => false,
        }
    }

    /// This mapping for a file whose decimal separator is `decimal`.
    pub fn with_decimal(&self, decimal: Decimal) -> Mapping {
        Mapping {
            decimal,
            ..self.clone()
        }
    }

    pub fn target(&self) -> Target {
        self.target
    }
}

/// The import-schema fields of a record, coerced; unknown names are returned for warnings.
/// Problems are `(field, problem)`.
pub struct MappedRecord {
    pub fields: Map<String, Value>,
    pub problems: Vec<(String, String)>,
}

pub fn map_record<S: AsRef<str>>(
    pairs: impl IntoIterator<Item = (S, Value)>,
    mapping: &Mapping,
) -> MappedRecord {
    let mut fields = Map::new();
    let mut problems = Vec::new();
    for (name, value) in pairs {
        if let Column::Field(field) = mapping.column(name.as_ref()) {
            match coerce_for(mapping.target, field, value, mapping.decimal) {
                Ok(v) => {
                    fields.insert(field.to_owned(), v);
                }
                Err(problem) => problems.push((field.to_owned(), problem)),
            }
        }
    }
    MappedRecord { fields, problems }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn german_columns_and_values() {
        let read_only = ["id".to_owned()];
        assert_eq!(column("Fläche (m²)", &[]), Column::Field("area_stated_m2"));
        assert_eq!(
            column("Gemeindeschlüssel", &[]),
            Column::Field("municipality_ags")
        );
        assert_eq!(column("Erschließung", &[]), Column::Field("servicing"));
        assert_eq!(column("id", &read_only), Column::ReadOnly);
        assert_eq!(column("Lieblingsfarbe", &[]), Column::Unknown);
        assert_eq!(
            coerce("status", json!("Verfügbar")).unwrap(),
            json!("available")
        );
        assert_eq!(coerce("grz", json!("0,8")).unwrap(), json!(0.8));
        assert_eq!(
            coerce("area_stated_m2", json!(76405.0)).unwrap(),
            json!(76405)
        );
        assert!(coerce("area_stated_m2", json!(76405.5)).is_err());
        assert!(coerce("area_stated_m2", json!("12.500"))
            .unwrap_err()
            .contains("ambiguous"));
        assert_eq!(
            coerce("area_stated_m2", json!("12,5")).unwrap_err(),
            "`12,5` is not a whole number"
        );
        assert_eq!(
            coerce("price_min_eur_m2", json!("1.250,00")).unwrap(),
            json!("1250.00")
        );
        assert_eq!(
            coerce("area_stated_m2", json!("12500")).unwrap(),
            json!(12500)
        );
        assert_eq!(coerce("rail_siding", json!("ja")).unwrap(), json!(true));
        for saved_by_excel in [json!("1001000"), json!(1001000), json!(" 01001000 ")] {
            assert_eq!(
                coerce("municipality_ags", saved_by_excel).unwrap(),
                json!("01001000")
            );
        }
        assert_eq!(coerce("municipality_ags", json!("")).unwrap(), Value::Null);
        assert_eq!(
            coerce("data_confirmed_on", json!("31.03.2026")).unwrap(),
            json!("2026-03-31")
        );
        assert_eq!(coerce("title_en", json!(" ")).unwrap(), Value::Null);
        assert!(coerce("zoning", json!("XY")).is_err());
        assert_eq!(
            coerce("offer", json!("Kauf oder Pacht")).unwrap(),
            json!("sale_or_lease")
        );
    }

    #[test]
    fn mappings_and_defaults() {
        let m = Mapping::parse(
            Some("FL_NR:reference, Bez:title_de"),
            Some("status:verfügbar,grz:0,8"),
            &[],
        )
        .unwrap_err();
        assert_eq!(
            m.0, "defaults",
            "a decimal comma cannot be a default: commas separate pairs"
        );
        let m = Mapping::parse(
            Some("FL_NR:reference, Bez:title_de"),
            Some("status:verfügbar"),
            &[],
        )
        .unwrap();
        assert_eq!(m.column("fl_nr"), Column::Field("reference"));
        assert_eq!(
            m.column("Titel"),
            Column::Shadowed("title_de"),
            "the mapped column alone gives a field"
        );
        assert_eq!(m.column("Status"), Column::Field("status"));
        assert_eq!(m.defaults, vec![("status", json!("available"))]);
        assert!(Mapping::parse(Some("a:colour"), None, &[]).is_err());
    }
}
