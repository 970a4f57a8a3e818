//! Which coordinate reference system a boundary file is in: from a Shapefile's `.prj` (WKT 1 in
//! ESRI or OGC flavour, or WKT 2) or a GeoJSON `crs` member. Only systems PostGIS transforms to
//! EPSG:4326 without a grid shift or a guessed datum are accepted; the rest are refused with
//! the conversion to ask for.

/// The systems official boundary files of Germany come in that are read as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// ETRS89 / UTM zone 32N, EPSG:25832: VG250's default.
    Utm32,
    /// ETRS89 / UTM zone 33N, EPSG:25833: the eastern Länder's own data.
    Utm33,
    /// ETRS89 / LAEA Europe, EPSG:3035.
    Laea,
    /// WGS 84, EPSG:4326 (GeoJSON's default).
    Wgs84,
    /// ETRS89 geographic, EPSG:4258 (within a metre of WGS 84 in Germany).
    Etrs89,
}

impl Crs {
    pub fn srid(self) -> i32 {
        match self {
            Crs::Utm32 => 25832,
            Crs::Utm33 => 25833,
            Crs::Laea => 3035,
            Crs::Wgs84 => 4326,
            Crs::Etrs89 => 4258,
        }
    }

    fn from_epsg(code: u32) -> Option<Crs> {
        [Crs::Utm32, Crs::Utm33, Crs::Laea, Crs::Wgs84, Crs::Etrs89]
            .into_iter()
            .find(|c| c.srid() as u32 == code)
    }
}

/// What to tell an operator whose file is in another system.
pub fn convert_hint() -> &'static str {
    "supported are EPSG:25832 (VG250's default), 25833, 3035, 4326 and 4258; convert with \
     `ogr2ogr -t_srs EPSG:25832 out.shp in.shp` (GDAL)"
}

/// A WKT node: `KEYWORD[arg, …]`, arguments being quoted text, numbers or nodes.
#[derive(Debug, PartialEq)]
enum Wkt {
    Node(String, Vec<Wkt>),
    Text(String),
    Number(String),
}

struct WktParser<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl WktParser<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Option<Wkt> {
        self.skip_space();
        match *self.bytes.get(self.at)? {
            b'"' => {
                let mut text = Vec::new();
                self.at += 1;
                loop {
                    let b = *self.bytes.get(self.at)?;
                    self.at += 1;
                    if b == b'"' {
                        // WKT escapes a quote by doubling it.
                        if self.bytes.get(self.at) == Some(&b'"') {
                            self.at += 1;
                        } else {
                            break;
                        }
                    }
                    text.push(b);
                }
                Some(Wkt::Text(String::from_utf8_lossy(&text).into_owned()))
            }
            b if b.is_ascii_alphabetic() => {
                let start = self.at;
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    self.at += 1;
                }
                let keyword = String::from_utf8_lossy(&self.bytes[start..self.at]).to_uppercase();
                self.skip_space();
                let mut args = Vec::new();
                if matches!(self.bytes.get(self.at), Some(b'[' | b'(')) {
                    self.depth += 1;
                    if self.depth > 32 {
                        return None;
                    }
                    self.at += 1;
                    loop {
                        args.push(self.value()?);
                        self.skip_space();
                        match *self.bytes.get(self.at)? {
                            b',' => self.at += 1,
                            b']' | b')' => {
                                self.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                    self.depth -= 1;
                }
                Some(Wkt::Node(keyword, args))
            }
            _ => {
                let start = self.at;
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
                {
                    self.at += 1;
                }
                (self.at > start).then(|| {
                    Wkt::Number(String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned())
                })
            }
        }
    }
}

fn parse_wkt(text: &str) -> Option<Wkt> {
    let text = text.trim_start_matches('\u{feff}');
    WktParser {
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
    }
    .value()
}

/// Lower-case letters and digits only, so `ETRS_1989_UTM_Zone_32N` and `ETRS89 / UTM zone 32N`
/// compare alike.
fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The CRS a `.prj` file describes.
pub fn from_prj(wkt: &str) -> Result<Crs, String> {
    let Some(Wkt::Node(keyword, args)) = parse_wkt(wkt) else {
        return Err("the .prj file is not WKT".into());
    };
    let name = match args.first() {
        Some(Wkt::Text(name)) => name.clone(),
        _ => String::new(),
    };
    let unsupported = |what: &str| format!("unsupported CRS `{name}`{what}: {}", convert_hint());
    // An EPSG code of the whole system (not of its datum or unit) decides.
    let epsg = args.iter().find_map(|a| match a {
        Wkt::Node(k, id) if k == "AUTHORITY" || k == "ID" => match id.as_slice() {
            [Wkt::Text(authority), Wkt::Text(code) | Wkt::Number(code), ..]
                if authority.eq_ignore_ascii_case("EPSG") =>
            {
                code.parse::<u32>().ok()
            }
            _ => None,
        },
        _ => None,
    });
    if let Some(code) = epsg {
        return Crs::from_epsg(code).ok_or_else(|| unsupported(&format!(" (EPSG:{code})")));
    }
    let squashed = squash(&name);
    let etrs = squashed.contains("etrs89") || squashed.contains("etrs1989");
    let projected = matches!(keyword.as_str(), "PROJCS" | "PROJCRS" | "PROJECTEDCRS");
    let geographic = matches!(
        keyword.as_str(),
        "GEOGCS" | "GEOGCRS" | "GEODCRS" | "GEOGRAPHICCRS"
    );
    // `UTM zone 32N (zE-N)` (EPSG:4647) puts the zone before the easting: a false easting of
    // 32,500,000 m instead of 500,000 m.
    let zone_prefixed = squashed.ends_with("zen")
        || wkt
            .split(',')
            .any(|part| part.trim().trim_end_matches(']').parse::<f64>() == Ok(32_500_000.0));
    let crs = if projected && etrs && !zone_prefixed {
        if squashed.contains("utmzone32n") {
            Some(Crs::Utm32)
        } else if squashed.contains("utmzone33n") {
            Some(Crs::Utm33)
        } else if squashed.contains("laea") || squashed.contains("lambertazimuthalequalarea") {
            Some(Crs::Laea)
        } else {
            None
        }
    } else if geographic && (squashed.contains("wgs84") || squashed.contains("wgs1984")) {
        Some(Crs::Wgs84)
    } else if geographic && etrs {
        Some(Crs::Etrs89)
    } else {
        None
    };
    crs.ok_or_else(|| unsupported(""))
}

/// The CRS a GeoJSON file's old-style `crs` member names (RFC 7946 dropped it: no member means
/// EPSG:4326). `name` is e.g. `urn:ogc:def:crs:EPSG::25832`, `EPSG:25832`,
/// `http://www.opengis.net/def/crs/EPSG/0/25832` or `urn:ogc:def:crs:OGC:1.3:CRS84`.
pub fn from_geojson_name(name: &str) -> Result<Crs, String> {
    let squashed = squash(name);
    if squashed.ends_with("crs84") {
        return Ok(Crs::Wgs84);
    }
    let code = squashed
        .rfind("epsg")
        .map(|i| &squashed[i + 4..])
        .map(|rest| {
            rest.strip_prefix('0')
                .filter(|r| !r.is_empty())
                .unwrap_or(rest)
        })
        .and_then(|rest| rest.parse::<u32>().ok());
    match code {
        Some(code) => Crs::from_epsg(code).ok_or_else(|| {
            format!(
                "unsupported CRS `{name}` in the GeoJSON `crs` member: {}",
                convert_hint()
            )
        }),
        None => Err(format!(
            "cannot read the GeoJSON `crs` member `{name}`: {}",
            convert_hint()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESRI_UTM32: &str = r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    #[test]
    fn the_systems_vg250_comes_in_are_recognised() {
        assert_eq!(from_prj(ESRI_UTM32), Ok(Crs::Utm32));
        let ogc = r#"PROJCS["ETRS89 / UTM zone 32N",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","6258"]],AUTHORITY["EPSG","4258"]],UNIT["metre",1],AUTHORITY["EPSG","25832"]]"#;
        assert_eq!(from_prj(ogc), Ok(Crs::Utm32));
        let wkt2 = "PROJCRS[\"ETRS89 / UTM zone 33N\",\n  BASEGEOGCRS[\"ETRS89\",ID[\"EPSG\",4258]],\n  ID[\"EPSG\",25833]]";
        assert_eq!(from_prj(wkt2), Ok(Crs::Utm33));
        let laea = r#"PROJCS["ETRS_1989_LAEA",GEOGCS["GCS_ETRS_1989"],PROJECTION["Lambert_Azimuthal_Equal_Area"]]"#;
        assert_eq!(from_prj(laea), Ok(Crs::Laea));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(from_prj(wgs), Ok(Crs::Wgs84));
        let etrs = r#"GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989"]]"#;
        assert_eq!(from_prj(etrs), Ok(Crs::Etrs89));
    }

    #[test]
    fn other_systems_are_refused_with_the_conversion() {
        let gk3 = r#"PROJCS["DHDN_3_Degree_Gauss_Zone_3",GEOGCS["GCS_Deutsches_Hauptdreiecksnetz",DATUM["D_Deutsches_Hauptdreiecksnetz"]],PARAMETER["False_Easting",3500000.0]]"#;
        let error = from_prj(gk3).unwrap_err();
        assert!(error.contains("DHDN_3_Degree_Gauss_Zone_3"), "{error}");
        assert!(error.contains("ogr2ogr -t_srs EPSG:25832"), "{error}");
        let zone_first = r#"PROJCS["ETRS_1989_UTM_Zone_32N_zE-N",GEOGCS["GCS_ETRS_1989"],PARAMETER["False_Easting",32500000.0]]"#;
        assert!(from_prj(zone_first).is_err());
        let by_code = r#"PROJCS["ETRS89 / UTM zone 32N (zE-N)",AUTHORITY["EPSG","4647"]]"#;
        assert!(from_prj(by_code).unwrap_err().contains("EPSG:4647"));
        assert!(from_prj("not wkt at all").is_err());
        assert!(from_prj("").is_err());
        assert!(from_prj(&"PROJCS[".repeat(100)).is_err());
    }

    #[test]
    fn geojson_crs_names() {
        assert_eq!(
            from_geojson_name("urn:ogc:def:crs:EPSG::25832"),
            Ok(Crs::Utm32)
        );
        assert_eq!(from_geojson_name("EPSG:3035"), Ok(Crs::Laea));
        assert_eq!(
            from_geojson_name("http://www.opengis.net/def/crs/EPSG/0/4326"),
            Ok(Crs::Wgs84)
        );
        assert_eq!(
            from_geojson_name("urn:ogc:def:crs:OGC:1.3:CRS84"),
            Ok(Crs::Wgs84)
        );
        assert!(from_geojson_name("urn:ogc:def:crs:EPSG::31467")
            .unwrap_err()
            .contains("unsupported"));
        assert!(from_geojson_name("whatever").is_err());
    }
}
