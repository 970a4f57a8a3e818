//! The import schema: reading GeoJSON FeatureCollections and CSV files into plot fields, with
//! German column names and values where spreadsheets use them. No IO; the API layer resolves
//! municipalities, transforms coordinates (PostGIS) and writes.

use serde_json::{Map, Value};

/// Coordinate reference systems an import may use. German surveyors deliver ETRS89/UTM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportCrs {
    /// WGS 84 lon/lat (GeoJSON's own, also written OGC:CRS84).
    Wgs84,
    /// ETRS89 / UTM zone 32N (western Germany). Units: m.
    Utm32,
    /// ETRS89 / UTM zone 33N (eastern Germany, e.g. Mecklenburg-Vorpommern). Units: m.
    Utm33,
}

impl ImportCrs {
    pub fn srid(self) -> i32 {
        match self {
            ImportCrs::Wgs84 => 4326,
            ImportCrs::Utm32 => 25832,
            ImportCrs::Utm33 => 25833,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ImportCrs::Wgs84 => "EPSG:4326",
            ImportCrs::Utm32 => "EPSG:25832",
            ImportCrs::Utm33 => "EPSG:25833",
        }
    }

    /// `EPSG:25833`, `25833`, `urn:ogc:def:crs:EPSG::25833`, `http://www.opengis.net/def/crs/EPSG/0/25833`,
    /// `OGC:CRS84`, `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn parse(text: &str) -> Option<ImportCrs> {
        let t = text.trim().to_ascii_uppercase();
        if t.ends_with("CRS84") {
            return Some(ImportCrs::Wgs84);
        }
        let code = t.rsplit([':', '/']).next().unwrap_or_default().trim();
        match code {
            "4326" => Some(ImportCrs::Wgs84),
            "25832" => Some(ImportCrs::Utm32),
            "25833" => Some(ImportCrs::Utm33),
            _ => None,
        }
    }
}

/// How a column's text becomes a JSON value of `PlotData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    /// Decimal euro text, kept as text (`EurAmount` reads it).
    Money,
    Status,
    Zoning,
    BplanStatus,
    Servicing,
    Offer,
}

/// Every field of the import schema: `PlotData`'s members, plus `municipality_ags` and
/// `estate_name` (instead of ids), `version` (optional lost-update check) and the CSV geometry
/// columns `wkt`, `lon`, `lat`.
const FIELDS: &[(&str, Kind)] = &[
    ("reference", Kind::Text),
    ("title_de", Kind::Text),
    ("title_en", Kind::Text),
    ("description_de", Kind::Text),
    ("description_en", Kind::Text),
    ("municipality_id", Kind::Integer),
    ("municipality_ags", Kind::Text),
    ("estate_id", Kind::Integer),
    ("estate_name", Kind::Text),
    ("area_stated_m2", Kind::Integer),
    ("area_stated_ha", Kind::Number),
    ("status", Kind::Status),
    ("available_from", Kind::Date),
    ("zoning", Kind::Zoning),
    ("bplan_status", Kind::BplanStatus),
    ("grz", Kind::Number),
    ("gfz", Kind::Number),
    ("bmz", Kind::Number),
    ("max_height_m", Kind::Number),
    ("max_storeys", Kind::Integer),
    ("operation_24h", Kind::Boolean),
    ("servicing", Kind::Servicing),
    ("road_access", Kind::Boolean),
    ("water", Kind::Boolean),
    ("sewage", Kind::Boolean),
    ("electricity", Kind::Boolean),
    ("electricity_capacity_kva", Kind::Integer),
    ("gas", Kind::Boolean),
    ("district_heating", Kind::Boolean),
    ("broadband_mbit", Kind::Integer),
    ("fibre", Kind::Boolean),
    ("rail_siding", Kind::Boolean),
    ("dist_motorway_km", Kind::Number),
    ("dist_rail_station_km", Kind::Number),
    ("dist_port_km", Kind::Number),
    ("dist_airport_km", Kind::Number),
    ("price_on_request", Kind::Boolean),
    ("price_min_eur_m2", Kind::Money),
    ("price_max_eur_m2", Kind::Money),
    ("servicing_cost_eur_m2", Kind::Money),
    ("offer", Kind::Offer),
    ("grw_area", Kind::Boolean),
    ("grw_max_rate_small_pct", Kind::Integer),
    ("grw_max_rate_medium_pct", Kind::Integer),
    ("grw_max_rate_large_pct", Kind::Integer),
    ("contact_name", Kind::Text),
    ("contact_phone", Kind::Text),
    ("contact_email", Kind::Text),
    ("data_confirmed_on", Kind::Date),
    ("published", Kind::Boolean),
    ("internal_notes", Kind::Text),
    ("owner_name", Kind::Text),
    ("owner_contact", Kind::Text),
    ("version", Kind::Integer),
    ("wkt", Kind::Text),
    ("lon", Kind::Number),
    ("lat", Kind::Number),
];

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

/// Members of this service's read views: ignored without a warning, so files exported by
/// `GET /plots` (or edited from them) import cleanly.
const READ_ONLY: &[&str] = &[
    "id",
    "region_id",
    "municipality_name",
    "area_computed_m2",
    "area_m2",
    "distance_m",
    "demo",
    "updated_at",
    "deleted",
    "deleted_at",
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
    Unknown,
}

pub fn column(name: &str) -> Column {
    let n = normalise(name);
    if let Some((field, _)) = FIELDS.iter().find(|(f, _)| *f == n) {
        return Column::Field(field);
    }
    if let Some((_, field)) = ALIASES.iter().find(|(a, _)| *a == n) {
        return Column::Field(field);
    }
    if READ_ONLY.contains(&n.as_str()) {
        return Column::ReadOnly;
    }
    Column::Unknown
}

fn kind(field: &str) -> Kind {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, k)| *k)
        .unwrap_or(Kind::Text)
}

/// A value of `field` as `PlotData` reads it. Text (CSV cells, or GeoJSON properties written as
/// text) is read the German way too: `ja`/`nein`, decimal commas, `31.12.2026`, `verfügbar`.
/// Empty text is null. Returns the problem if the text cannot mean anything for the field.
pub fn coerce(field: &str, value: Value) -> Result<Value, String> {
    let Value::String(text) = value else {
        return Ok(value);
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(Value::Null);
    }
    let lower = t.to_lowercase();
    match kind(field) {
        Kind::Text | Kind::Money => Ok(Value::String(t.to_owned())),
        Kind::Integer => {
            let n = decimal(t).ok_or_else(|| format!("`{t}` is not a number"))?;
            if n.fract() != 0.0 || n.abs() > 9.0e15 {
                return Err(format!("`{t}` is not a whole number"));
            }
            Ok(Value::from(n as i64))
        }
        Kind::Number => decimal(t)
            .map(Value::from)
            .ok_or_else(|| format!("`{t}` is not a number")),
        Kind::Boolean => match lower.as_str() {
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
        Kind::Status => vocabulary(
            &lower,
            &[
                (
                    "available",
                    &["verfügbar", "verfuegbar", "frei", "available"],
                ),
                ("reserved", &["reserviert", "reserved", "optioniert"]),
                (
                    "under_negotiation",
                    &[
                        "in verhandlung",
                        "verhandlung",
                        "under_negotiation",
                        "under negotiation",
                    ],
                ),
                ("sold", &["verkauft", "vergeben", "sold"]),
                ("planned", &["geplant", "in planung", "planned"]),
            ],
        )
        .ok_or_else(|| {
            format!(
                "`{t}` is not a status (verfügbar, reserviert, in Verhandlung, verkauft, geplant)"
            )
        }),
        Kind::Zoning => vocabulary(
            &lower,
            &[
                ("GI", &["gi", "industriegebiet"]),
                ("GE", &["ge", "gewerbegebiet"]),
                (
                    "GE-e",
                    &["ge-e", "ge e", "gee", "eingeschränktes gewerbegebiet"],
                ),
                ("MI", &["mi", "mischgebiet"]),
                ("MU", &["mu", "urbanes gebiet"]),
                ("SO", &["so", "sondergebiet"]),
                ("other", &["other", "sonstige", "sonstiges"]),
            ],
        )
        .ok_or_else(|| format!("`{t}` is not a type of use (GI, GE, GE-e, MI, MU, SO, other)")),
        Kind::BplanStatus => vocabulary(
            &lower,
            &[
                (
                    "legally_binding",
                    &["rechtskräftig", "rechtskraeftig", "legally_binding"],
                ),
                (
                    "in_preparation",
                    &["in aufstellung", "aufstellung", "in_preparation"],
                ),
                (
                    "section_34",
                    &["§34", "§ 34", "§34 baugb", "§ 34 baugb", "34", "section_34"],
                ),
                ("none", &["kein", "keiner", "keine", "none"]),
            ],
        )
        .ok_or_else(|| {
            format!("`{t}` is not a B-Plan status (rechtskräftig, in Aufstellung, §34, kein)")
        }),
        Kind::Servicing => vocabulary(
            &lower,
            &[
                (
                    "full",
                    &[
                        "voll",
                        "vollständig",
                        "vollstaendig",
                        "erschlossen",
                        "voll erschlossen",
                        "full",
                    ],
                ),
                (
                    "partial",
                    &[
                        "teilweise",
                        "teilerschlossen",
                        "teilweise erschlossen",
                        "partial",
                    ],
                ),
                (
                    "none",
                    &["keine", "nicht erschlossen", "unerschlossen", "none"],
                ),
            ],
        )
        .ok_or_else(|| format!("`{t}` is not a servicing level (voll, teilweise, keine)")),
        Kind::Offer => vocabulary(
            &lower,
            &[
                ("sale", &["kauf", "verkauf", "sale"]),
                ("lease", &["pacht", "miete", "erbpacht", "lease"]),
                (
                    "sale_or_lease",
                    &[
                        "kauf oder pacht",
                        "kauf/pacht",
                        "kauf und pacht",
                        "sale_or_lease",
                    ],
                ),
            ],
        )
        .ok_or_else(|| format!("`{t}` is not an offer (Kauf, Pacht, Kauf oder Pacht)")),
    }
}

fn vocabulary(lower: &str, table: &[(&str, &[&str])]) -> Option<Value> {
    table
        .iter()
        .find(|(_, words)| words.contains(&lower))
        .map(|(canonical, _)| Value::String((*canonical).to_owned()))
}

/// `12.5`, `12,5`, `1.234,5` and `1,234.5`: the last separator is the decimal one.
fn decimal(text: &str) -> Option<f64> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let normalised = match (t.rfind(','), t.rfind('.')) {
        (Some(c), Some(d)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (Some(_), None) => t.replace(',', "."),
        _ => t,
    };
    normalised.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The cells of a CSV file (RFC 4180: quotes, doubled quotes, line breaks inside quotes, CRLF;
/// a leading BOM is dropped). The separator is guessed from the header line: `;` (German
/// Excel), `,` or tab. Each record comes with its line number (1 = header).
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().unwrap_or_default();
    let separator = [';', ',', '\t']
        .into_iter()
        .max_by_key(|s| header_line.matches(*s).count())
        .unwrap_or(',');
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    cell.push(c);
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            c if c == separator => record.push(std::mem::take(&mut cell)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut cell));
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push((record_line, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                record_line = line;
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(format!("line {record_line}: a quoted cell is not closed"));
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push((record_line, record));
    }
    Ok(records)
}

/// A square of `area_m2` centred on a point, for rows that give only a position: a
/// placeholder outline until the surveyed one arrives. Units: degrees in, m² for the area.
pub fn square_around(lon: f64, lat: f64, area_m2: f64) -> Value {
    // Metres per degree on the WGS 84 ellipsoid at this latitude (good to 0.1 % at plot size).
    let phi = lat.to_radians();
    let m_per_deg_lat = 111_132.92 - 559.82 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
    let m_per_deg_lon = 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos();
    let half = area_m2.sqrt() / 2.0;
    let (dx, dy) = (half / m_per_deg_lon, half / m_per_deg_lat);
    serde_json::json!({
        "type": "Polygon",
        "coordinates": [[
            [lon - dx, lat - dy], [lon + dx, lat - dy], [lon + dx, lat + dy],
            [lon - dx, lat + dy], [lon - dx, lat - dy]
        ]]
    })
}

/// WKT of a GeoJSON Polygon or MultiPolygon (for CSV exports), or `None` for anything else.
pub fn wkt_of(geojson: &Value) -> Option<String> {
    fn ring(r: &Value) -> Option<String> {
        let points: Option<Vec<String>> = r
            .as_array()?
            .iter()
            .map(|p| Some(format!("{} {}", p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect();
        Some(format!("({})", points?.join(", ")))
    }
    fn polygon(p: &Value) -> Option<String> {
        let rings: Option<Vec<String>> = p.as_array()?.iter().map(ring).collect();
        Some(format!("({})", rings?.join(", ")))
    }
    let coordinates = geojson.get("coordinates")?;
    match geojson.get("type")?.as_str()? {
        "Polygon" => Some(format!("POLYGON {}", polygon(coordinates)?)),
        "MultiPolygon" => {
            let parts: Option<Vec<String>> = coordinates.as_array()?.iter().map(polygon).collect();
            Some(format!("MULTIPOLYGON ({})", parts?.join(", ")))
        }
        _ => None,
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
}

fn field_named(name: &str) -> Option<&'static str> {
    match column(name) {
        Column::Field(f) => Some(f),
        _ => None,
    }
}

impl Mapping {
    /// `source:field` pairs, comma-separated (`FL_NR:reference,BEZ:title_de`), and
    /// `field:value` pairs (`status:available,offer:Kauf`). Errors name the pair.
    pub fn parse(map: Option<&str>, defaults: Option<&str>) -> Result<Mapping, (String, String)> {
        let pairs = |text: &str| -> Vec<(String, String)> {
            text.split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| match p.split_once(':') {
                    Some((a, b)) => (a.trim().to_owned(), b.trim().to_owned()),
                    None => (p.trim().to_owned(), String::new()),
                })
                .collect()
        };
        let mut mapping = Mapping::default();
        for (source, target) in pairs(map.unwrap_or_default()) {
            let field = field_named(&target).ok_or_else(|| {
                (
                    "map".to_owned(),
                    format!("`{source}:{target}`: `{target}` is not a field of the import schema"),
                )
            })?;
            mapping.columns.push((normalise(&source), field));
        }
        for (name, value) in pairs(defaults.unwrap_or_default()) {
            let field = field_named(&name).ok_or_else(|| {
                (
                    "defaults".to_owned(),
                    format!("`{name}` is not a field of the import schema"),
                )
            })?;
            let value = coerce(field, Value::String(value))
                .map_err(|e| ("defaults".to_owned(), format!("{name}: {e}")))?;
            mapping.defaults.push((field, value));
        }
        Ok(mapping)
    }

    /// The field a column means: the explicit mapping first, then our names and aliases.
    pub fn column(&self, name: &str) -> Column {
        let n = normalise(name);
        match self.columns.iter().find(|(source, _)| *source == n) {
            Some((_, field)) => Column::Field(field),
            None => column(name),
        }
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
            match coerce(field, value) {
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
        assert_eq!(column("Fläche (m²)"), Column::Field("area_stated_m2"));
        assert_eq!(
            column("Gemeindeschlüssel"),
            Column::Field("municipality_ags")
        );
        assert_eq!(column("Erschließung"), Column::Field("servicing"));
        assert_eq!(column("id"), Column::ReadOnly);
        assert_eq!(column("Lieblingsfarbe"), Column::Unknown);
        assert_eq!(
            coerce("status", json!("Verfügbar")).unwrap(),
            json!("available")
        );
        assert_eq!(coerce("grz", json!("0,8")).unwrap(), json!(0.8));
        assert_eq!(
            coerce("area_stated_m2", json!("12.500")).unwrap_err(),
            "`12.500` is not a whole number"
        );
        assert_eq!(
            coerce("area_stated_m2", json!("12500")).unwrap(),
            json!(12500)
        );
        assert_eq!(coerce("rail_siding", json!("ja")).unwrap(), json!(true));
        assert_eq!(
            coerce("data_confirmed_on", json!("31.03.2026")).unwrap(),
            json!("2026-03-31")
        );
        assert_eq!(coerce("title_en", json!(" ")).unwrap(), Value::Null);
        assert!(coerce("zoning", json!("XY")).is_err());
    }

    #[test]
    fn csv_with_quotes_semicolons_and_bom() {
        let rows =
            parse_csv("\u{feff}a;b;c\r\n1;\"x;\"\"y\"\"\";\r\n\r\n2;\"multi\nline\";z").unwrap();
        assert_eq!(rows[0], (1, vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(rows[1], (2, vec!["1".into(), "x;\"y\"".into(), "".into()]));
        assert_eq!(
            rows[2],
            (4, vec!["2".into(), "multi\nline".into(), "z".into()])
        );
    }

    #[test]
    fn mappings_and_defaults() {
        let m = Mapping::parse(
            Some("FL_NR:reference, Bez:title_de"),
            Some("status:verfügbar,grz:0,8"),
        )
        .unwrap_err();
        assert_eq!(
            m.0, "defaults",
            "a decimal comma cannot be a default: commas separate pairs"
        );
        let m = Mapping::parse(
            Some("FL_NR:reference, Bez:title_de"),
            Some("status:verfügbar"),
        )
        .unwrap();
        assert_eq!(m.column("fl_nr"), Column::Field("reference"));
        assert_eq!(m.column("Titel"), Column::Field("title_de"));
        assert_eq!(m.defaults, vec![("status", json!("available"))]);
        assert!(Mapping::parse(Some("a:colour"), None).is_err());
    }

    #[test]
    fn crs_names() {
        assert_eq!(
            ImportCrs::parse("urn:ogc:def:crs:EPSG::25833"),
            Some(ImportCrs::Utm33)
        );
        assert_eq!(ImportCrs::parse("EPSG:25832"), Some(ImportCrs::Utm32));
        assert_eq!(
            ImportCrs::parse("urn:ogc:def:crs:OGC:1.3:CRS84"),
            Some(ImportCrs::Wgs84)
        );
        assert_eq!(ImportCrs::parse("EPSG:3857"), None);
    }

    #[test]
    fn wkt_and_squares() {
        let g = json!({"type": "Polygon", "coordinates": [[[1.0, 2.0], [3.0, 2.0], [1.0, 4.0], [1.0, 2.0]]]});
        assert_eq!(wkt_of(&g).unwrap(), "POLYGON ((1 2, 3 2, 1 4, 1 2))");
        let sq = square_around(11.5, 53.3, 10_000.0);
        let geometry = crate::domain::geometry::PlotGeometry::from_geojson_value(&sq, "").unwrap();
        assert!(
            (geometry.area_m2() - 10_000.0).abs() < 20.0,
            "{}",
            geometry.area_m2()
        );
    }
}
