//! Coordinate reference systems an import may be in: those German municipal GIS and cadastre
//! data come in. PostGIS transforms them (`db::imports::to_wgs84`); this module only names them,
//! reads their names (EPSG codes, URNs, OGC URLs, a Shapefile's `.prj`), and, when a file names
//! none and its numbers are not degrees, says which CRS the numbers look like.
//!
//! Accuracy (docs/imports.md): ETRS89 (4258, 25832/33, 4647, 5650) and WGS 84 differ by less than
//! a metre in Germany and are taken as equal. DHDN (Gauß-Krüger, 31466–31469) is transformed by
//! PROJ with the BETA2007 grid when the system has it (Debian's `proj-data` does; about 1 m),
//! else with a seven-parameter shift (about 3 m); `db::imports::dhdn_grid` tells which.

/// A CRS an import may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportCrs {
    /// WGS 84 lon/lat (GeoJSON's own, also written OGC:CRS84). Units: degrees.
    Wgs84,
    /// ETRS89 lon/lat (EPSG:4258). Units: degrees.
    Etrs89,
    /// ETRS89 / UTM zone 32N (western Germany). Units: m.
    Utm32,
    /// ETRS89 / UTM zone 33N (eastern Germany, e.g. Mecklenburg-Vorpommern). Units: m.
    Utm33,
    /// ETRS89 / UTM zone 32N with the zone number before the easting (EPSG:4647,
    /// `32 500 000`-style eastings, as ALKIS data of some states). Units: m.
    Utm32Zoned,
    /// ETRS89 / UTM zone 33N with the zone number before the easting (EPSG:5650). Units: m.
    Utm33Zoned,
    /// DHDN / 3-degree Gauß-Krüger zone 2–5 (EPSG:31466–31469), older municipal GIS. Units: m.
    GaussKrueger(u8),
    /// WGS 84 / Pseudo-Mercator (EPSG:3857), what web maps draw in. Units: m (not ground metres).
    WebMercator,
}

impl ImportCrs {
    /// Every CRS an import takes, for messages and documentation.
    pub const ALL: [ImportCrs; 11] = [
        ImportCrs::Wgs84,
        ImportCrs::Etrs89,
        ImportCrs::Utm32,
        ImportCrs::Utm33,
        ImportCrs::Utm32Zoned,
        ImportCrs::Utm33Zoned,
        ImportCrs::GaussKrueger(2),
        ImportCrs::GaussKrueger(3),
        ImportCrs::GaussKrueger(4),
        ImportCrs::GaussKrueger(5),
        ImportCrs::WebMercator,
    ];

    pub fn srid(self) -> i32 {
        match self {
            ImportCrs::Wgs84 => 4326,
            ImportCrs::Etrs89 => 4258,
            ImportCrs::Utm32 => 25832,
            ImportCrs::Utm33 => 25833,
            ImportCrs::Utm32Zoned => 4647,
            ImportCrs::Utm33Zoned => 5650,
            ImportCrs::GaussKrueger(zone) => 31464 + i32::from(zone),
            ImportCrs::WebMercator => 3857,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ImportCrs::Wgs84 => "EPSG:4326",
            ImportCrs::Etrs89 => "EPSG:4258",
            ImportCrs::Utm32 => "EPSG:25832",
            ImportCrs::Utm33 => "EPSG:25833",
            ImportCrs::Utm32Zoned => "EPSG:4647",
            ImportCrs::Utm33Zoned => "EPSG:5650",
            ImportCrs::GaussKrueger(2) => "EPSG:31466",
            ImportCrs::GaussKrueger(3) => "EPSG:31467",
            ImportCrs::GaussKrueger(4) => "EPSG:31468",
            ImportCrs::GaussKrueger(_) => "EPSG:31469",
            ImportCrs::WebMercator => "EPSG:3857",
        }
    }

    /// What people call it.
    pub fn title(self) -> &'static str {
        match self {
            ImportCrs::Wgs84 => "WGS 84 lon/lat",
            ImportCrs::Etrs89 => "ETRS89 lon/lat",
            ImportCrs::Utm32 => "ETRS89 / UTM zone 32N",
            ImportCrs::Utm33 => "ETRS89 / UTM zone 33N",
            ImportCrs::Utm32Zoned => "ETRS89 / UTM zone 32N with zone prefix",
            ImportCrs::Utm33Zoned => "ETRS89 / UTM zone 33N with zone prefix",
            ImportCrs::GaussKrueger(2) => "DHDN / Gauß-Krüger zone 2",
            ImportCrs::GaussKrueger(3) => "DHDN / Gauß-Krüger zone 3",
            ImportCrs::GaussKrueger(4) => "DHDN / Gauß-Krüger zone 4",
            ImportCrs::GaussKrueger(_) => "DHDN / Gauß-Krüger zone 5",
            ImportCrs::WebMercator => "WGS 84 / Pseudo-Mercator",
        }
    }

    /// Whether coordinates are degrees (else metres).
    pub fn is_geographic(self) -> bool {
        matches!(self, ImportCrs::Wgs84 | ImportCrs::Etrs89)
    }

    /// Whether PostGIS must transform coordinates: ETRS89 lon/lat is taken as WGS 84 (they
    /// differ by less than a metre in Germany), so only projected CRSs need it.
    pub fn needs_transform(self) -> bool {
        !self.is_geographic()
    }

    /// The CRS of an EPSG code (also the ESRI aliases of Web Mercator).
    pub fn from_epsg(code: i64) -> Option<ImportCrs> {
        Some(match code {
            4326 => ImportCrs::Wgs84,
            4258 => ImportCrs::Etrs89,
            25832 => ImportCrs::Utm32,
            25833 => ImportCrs::Utm33,
            4647 => ImportCrs::Utm32Zoned,
            5650 => ImportCrs::Utm33Zoned,
            31466..=31469 => ImportCrs::GaussKrueger((code - 31464) as u8),
            3857 | 900913 | 3785 | 102100 | 102113 => ImportCrs::WebMercator,
            _ => return None,
        })
    }

    /// `EPSG:25833`, `25833`, `urn:ogc:def:crs:EPSG::25833`, `http://www.opengis.net/def/crs/EPSG/0/25833`,
    /// `OGC:CRS84`, `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn parse(text: &str) -> Option<ImportCrs> {
        let t = text.trim().to_ascii_uppercase();
        if t.ends_with("CRS84") {
            return Some(ImportCrs::Wgs84);
        }
        let code = t.rsplit([':', '/']).next().unwrap_or_default().trim();
        if code.is_empty() || code.len() > 6 {
            return None;
        }
        Self::from_epsg(code.parse().ok()?)
    }

    /// The CRS a Shapefile's `.prj` (ESRI or OGC WKT 1, or WKT 2) describes: its EPSG code if it
    /// names one, else its name as ESRI and GDAL write it.
    pub fn from_wkt(wkt: &str) -> Option<ImportCrs> {
        if let Some(crs) = outer_epsg(wkt).and_then(Self::from_epsg) {
            return Some(crs);
        }
        let name = wkt_name(wkt)?;
        let projected = wkt.trim_start().to_ascii_uppercase().starts_with("PROJ");
        let is = |needle: &str| name.contains(needle);
        if !projected {
            return match () {
                _ if is("ETRS") => Some(ImportCrs::Etrs89),
                _ if is("WGS_1984") || is("WGS_84") || is("WGS84") => Some(ImportCrs::Wgs84),
                _ => None,
            };
        }
        if is("MERCATOR") && (is("WEB") || is("PSEUDO") || is("AUXILIARY")) {
            return Some(ImportCrs::WebMercator);
        }
        if is("DHDN") && is("GAUSS") {
            let zone = name.rsplit('_').find(|part| !part.is_empty())?;
            return match zone {
                "2" | "3" | "4" | "5" => Some(ImportCrs::GaussKrueger(zone.parse().ok()?)),
                _ => None,
            };
        }
        if (is("ETRS") || is("ETRF")) && is("UTM") {
            return match () {
                _ if is("ZONE_N32") || is("32N_ZE_N") => Some(ImportCrs::Utm32Zoned),
                _ if is("ZONE_N33") || is("33N_ZE_N") => Some(ImportCrs::Utm33Zoned),
                _ if is("ZONE_32N") => Some(ImportCrs::Utm32),
                _ if is("ZONE_33N") => Some(ImportCrs::Utm33),
                _ => None,
            };
        }
        None
    }

    /// Which CRS a position that is not degrees looks like, for the message that asks for
    /// `crs`; `None` if it looks like degrees.
    pub fn looks_like(x: f64, y: f64) -> Option<String> {
        if x.abs() <= 180.0 && y.abs() <= 90.0 {
            return None;
        }
        let german_northing = (5_200_000.0..6_200_000.0).contains(&y);
        let guess = match () {
            _ if german_northing && (32_200_000.0..32_950_000.0).contains(&x) => {
                ImportCrs::Utm32Zoned.described()
            }
            _ if german_northing && (33_200_000.0..33_950_000.0).contains(&x) => {
                ImportCrs::Utm33Zoned.described()
            }
            _ if german_northing && (2_300_000.0..5_700_000.0).contains(&x) => {
                ImportCrs::GaussKrueger((x / 1_000_000.0).floor() as u8).described()
            }
            _ if german_northing && (150_000.0..950_000.0).contains(&x) => {
                let mercator = (6_000_000.0..6_200_000.0).contains(&y) && x > 600_000.0;
                format!(
                    "ETRS89 / UTM: zone 32N (EPSG:25832) west of 12° E, zone 33N (EPSG:25833) east of it; the numbers alone do not tell which{}",
                    if mercator { ", or Web Mercator (EPSG:3857)" } else { "" }
                )
            }
            _ if (6_000_000.0..7_500_000.0).contains(&y)
                && (500_000.0..1_800_000.0).contains(&x) =>
            {
                ImportCrs::WebMercator.described()
            }
            _ => "no CRS used for German data".to_owned(),
        };
        Some(guess)
    }

    fn described(self) -> String {
        format!("{} ({})", self.title(), self.name())
    }

    /// The names `crs` takes, for messages.
    pub fn accepted() -> String {
        Self::ALL.map(ImportCrs::name).join(", ")
    }
}

/// The CRS of an import from what the caller says (`given`, a `crs` parameter) and what the
/// file says (`declared`: a GeoJSON `crs` member, a `.prj`, a GeoPackage's SRS); the two must
/// agree. Neither: WGS 84, unless the first position (`first`) is not degrees, which is refused
/// with the CRS the numbers look like.
pub fn settle(
    given: Option<&str>,
    declared: Option<ImportCrs>,
    first: Option<(f64, f64)>,
) -> Result<ImportCrs, (&'static str, String)> {
    let given = match given {
        None => None,
        Some(name) => Some(ImportCrs::parse(name).ok_or_else(|| {
            (
                "crs",
                format!(
                    "`{name}` is not supported; use one of {}",
                    ImportCrs::accepted()
                ),
            )
        })?),
    };
    match (given, declared) {
        (Some(a), Some(b)) if a != b => Err((
            "crs",
            format!("the file says {} but crs says {}", b.name(), a.name()),
        )),
        (Some(crs), _) | (None, Some(crs)) => Ok(crs),
        (None, None) => match first.and_then(|(x, y)| ImportCrs::looks_like(x, y)) {
            None => Ok(ImportCrs::Wgs84),
            Some(guess) => {
                let (x, y) = first.unwrap_or_default();
                Err((
                    "crs",
                    format!(
                        "the file names no CRS and its coordinates ({x}, {y}) are not degrees: they look like {guess}; say which with crs=EPSG:…"
                    ),
                ))
            }
        },
    }
}

/// The EPSG code of a WKT's outermost object: WKT 1 puts its `AUTHORITY` last, WKT 2 its `ID`.
fn outer_epsg(wkt: &str) -> Option<i64> {
    let upper = wkt.to_ascii_uppercase();
    let trimmed = upper.trim_end().trim_end_matches(']').trim_end();
    let at = trimmed
        .rfind("AUTHORITY[")
        .or_else(|| trimmed.rfind("ID["))?;
    let inner = &trimmed[at..];
    // Only the root's: nothing may close after it but the root itself.
    if inner.contains(']') {
        return None;
    }
    let mut parts = inner.split_once('[')?.1.split(',');
    if parts.next()?.trim().trim_matches('"') != "EPSG" {
        return None;
    }
    parts.next()?.trim().trim_matches('"').parse().ok()
}

/// The WKT's name, upper case, with every run of other characters than letters and digits
/// turned into one `_` (`ETRS89 / UTM zone 32N` → `ETRS89_UTM_ZONE_32N`).
fn wkt_name(wkt: &str) -> Option<String> {
    let start = wkt.find('"')? + 1;
    let end = start + wkt[start..].find('"')?;
    let mut name = String::new();
    for c in wkt[start..end].chars() {
        match c.is_ascii_alphanumeric() {
            true => name.push(c.to_ascii_uppercase()),
            false if !name.ends_with('_') => name.push('_'),
            false => {}
        }
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for crs in ImportCrs::ALL {
            assert_eq!(ImportCrs::parse(crs.name()), Some(crs));
            assert_eq!(ImportCrs::from_epsg(i64::from(crs.srid())), Some(crs));
        }
        assert_eq!(
            ImportCrs::parse("urn:ogc:def:crs:EPSG::31467"),
            Some(ImportCrs::GaussKrueger(3))
        );
        assert_eq!(ImportCrs::parse("EPSG:31465"), None);
        assert_eq!(ImportCrs::parse("EPSG:99999999999"), None);
    }

    #[test]
    fn prj_files_as_esri_and_gdal_write_them() {
        let cases = [
            (
                r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],UNIT["Meter",1.0]]"#,
                ImportCrs::Utm32,
            ),
            (
                r#"PROJCS["ETRS89 / UTM zone 33N",GEOGCS["ETRS89",AUTHORITY["EPSG","4258"]],UNIT["metre",1],AUTHORITY["EPSG","25833"]]"#,
                ImportCrs::Utm33,
            ),
            (
                r#"PROJCS["ETRS_1989_UTM_Zone_N32",GEOGCS["GCS_ETRS_1989"],PARAMETER["False_Easting",32500000.0]]"#,
                ImportCrs::Utm32Zoned,
            ),
            (
                r#"PROJCS["DHDN_3_Degree_Gauss_Zone_3",GEOGCS["GCS_Deutsches_Hauptdreiecksnetz"]]"#,
                ImportCrs::GaussKrueger(3),
            ),
            (
                r#"PROJCS["DHDN / 3-degree Gauss-Kruger zone 4",GEOGCS["DHDN"]]"#,
                ImportCrs::GaussKrueger(4),
            ),
            (
                r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]"#,
                ImportCrs::WebMercator,
            ),
            (
                r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]]"#,
                ImportCrs::Wgs84,
            ),
            (
                r#"GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989"]]"#,
                ImportCrs::Etrs89,
            ),
            (
                r#"PROJCRS["ETRS89 / UTM zone 32N",BASEGEOGCRS["ETRS89",ID["EPSG",4258]],ID["EPSG",25832]]"#,
                ImportCrs::Utm32,
            ),
        ];
        for (wkt, crs) in cases {
            assert_eq!(ImportCrs::from_wkt(wkt), Some(crs), "{wkt}");
        }
        let lambert = r#"PROJCS["ETRS89_LCC_Germany",GEOGCS["GCS_ETRS_1989"]]"#;
        assert_eq!(ImportCrs::from_wkt(lambert), None);
    }

    #[test]
    fn settling_the_crs() {
        assert_eq!(settle(None, None, Some((11.0, 53.0))), Ok(ImportCrs::Wgs84));
        assert_eq!(settle(None, None, None), Ok(ImportCrs::Wgs84));
        assert_eq!(
            settle(Some("EPSG:31468"), None, Some((4_468_000.0, 5_333_000.0))),
            Ok(ImportCrs::GaussKrueger(4))
        );
        let (_, guess) = settle(None, None, Some((4_468_000.0, 5_333_000.0))).unwrap_err();
        assert!(guess.contains("EPSG:31468"), "{guess}");
        let (_, clash) = settle(Some("25832"), Some(ImportCrs::Utm33), None).unwrap_err();
        assert!(clash.contains("EPSG:25833"), "{clash}");
        let (_, unknown) = settle(Some("EPSG:2056"), None, None).unwrap_err();
        assert!(unknown.contains("EPSG:31467"), "{unknown}");
    }

    #[test]
    fn numbers_that_are_not_degrees_are_named() {
        assert_eq!(ImportCrs::looks_like(11.4, 53.3), None);
        let gk = ImportCrs::looks_like(3_571_000.0, 5_932_000.0).unwrap();
        assert!(gk.contains("EPSG:31467"), "{gk}");
        let zoned = ImportCrs::looks_like(33_271_000.0, 5_932_000.0).unwrap();
        assert!(zoned.contains("EPSG:5650"), "{zoned}");
        let utm = ImportCrs::looks_like(271_000.0, 5_932_000.0).unwrap();
        assert!(
            utm.contains("EPSG:25832") && utm.contains("EPSG:25833"),
            "{utm}"
        );
        let mercator = ImportCrs::looks_like(1_270_000.0, 7_040_000.0).unwrap();
        assert!(mercator.contains("EPSG:3857"), "{mercator}");
    }
}
