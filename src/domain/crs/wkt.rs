//! A `.prj` file's CRS: WKT 1 (ESRI or OGC flavour) or WKT 2, as ESRI, GDAL and QGIS write it.
//! An EPSG code of the whole system decides; else its name.

use super::Crs;

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

/// The CRS a `.prj` file describes, or why it is not one an import takes.
pub fn from_prj(wkt: &str) -> Result<Crs, String> {
    let Some(Wkt::Node(keyword, args)) = parse_wkt(wkt) else {
        return Err("the .prj file is not WKT".into());
    };
    let name = match args.first() {
        Some(Wkt::Text(name)) => name.clone(),
        _ => String::new(),
    };
    let unsupported = |what: &str| {
        format!(
            "unsupported CRS `{name}`{what}: use one of {}, or convert with `ogr2ogr -t_srs EPSG:25832 out.shp in.shp` (GDAL)",
            Crs::accepted()
        )
    };
    // An EPSG code of the whole system (not of its datum or unit) decides.
    let epsg = args.iter().find_map(|a| match a {
        Wkt::Node(k, id) if k == "AUTHORITY" || k == "ID" => match id.as_slice() {
            [Wkt::Text(authority), Wkt::Text(code) | Wkt::Number(code), ..]
                if authority.eq_ignore_ascii_case("EPSG") =>
            {
                code.parse::<i64>().ok()
            }
            _ => None,
        },
        _ => None,
    });
    if let Some(code) = epsg {
        return Crs::from_epsg(code).ok_or_else(|| unsupported(&format!(" (EPSG:{code})")));
    }
    by_name(&keyword, &squash(&name), wkt).ok_or_else(|| unsupported(""))
}

/// The CRS a WKT without EPSG code names, by the names ESRI, GDAL and QGIS give them.
fn by_name(keyword: &str, name: &str, wkt: &str) -> Option<Crs> {
    let is = |needle: &str| name.contains(needle);
    let etrs = is("etrs89") || is("etrs1989");
    let projected = matches!(keyword, "PROJCS" | "PROJCRS" | "PROJECTEDCRS");
    let geographic = matches!(keyword, "GEOGCS" | "GEOGCRS" | "GEODCRS" | "GEOGRAPHICCRS");
    if geographic {
        return match () {
            _ if etrs => Some(Crs::Etrs89),
            _ if is("wgs84") || is("wgs1984") => Some(Crs::Wgs84),
            _ => None,
        };
    }
    if !projected {
        return None;
    }
    if is("mercator") && (is("web") || is("pseudo") || is("auxiliary")) {
        return Some(Crs::WebMercator);
    }
    if is("dhdn") && is("gauss") {
        return match name.chars().last()? {
            zone @ '2'..='5' => Some(Crs::GaussKrueger(zone as u8 - b'0')),
            _ => None,
        };
    }
    if !etrs {
        return None;
    }
    if is("laea") || is("lambertazimuthalequalarea") {
        return Some(Crs::Laea);
    }
    // `UTM zone 32N (zE-N)` (EPSG:4647) puts the zone before the easting: a false easting of
    // 32,500,000 m instead of 500,000 m. ESRI calls it `ETRS_1989_UTM_Zone_N32`.
    let false_easting = |value: f64| {
        wkt.split(',')
            .any(|part| part.trim().trim_end_matches(']').parse::<f64>() == Ok(value))
    };
    let zoned = name.ends_with("zen") || is("zonen3");
    match () {
        _ if is("utmzonen32") || (is("utmzone32n") && (zoned || false_easting(32_500_000.0))) => {
            Some(Crs::Utm32Zoned)
        }
        _ if is("utmzonen33") || (is("utmzone33n") && (zoned || false_easting(33_500_000.0))) => {
            Some(Crs::Utm33Zoned)
        }
        _ if is("utmzone32n") => Some(Crs::Utm32),
        _ if is("utmzone33n") => Some(Crs::Utm33),
        _ => None,
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
    fn older_and_web_systems_are_recognised() {
        let cases = [
            (
                r#"PROJCS["DHDN_3_Degree_Gauss_Zone_3",GEOGCS["GCS_Deutsches_Hauptdreiecksnetz",DATUM["D_Deutsches_Hauptdreiecksnetz"]],PARAMETER["False_Easting",3500000.0]]"#,
                Crs::GaussKrueger(3),
            ),
            (
                r#"PROJCS["DHDN / 3-degree Gauss-Kruger zone 4",GEOGCS["DHDN"]]"#,
                Crs::GaussKrueger(4),
            ),
            (
                r#"PROJCS["ETRS_1989_UTM_Zone_32N_zE-N",GEOGCS["GCS_ETRS_1989"],PARAMETER["False_Easting",32500000.0]]"#,
                Crs::Utm32Zoned,
            ),
            (
                r#"PROJCS["ETRS_1989_UTM_Zone_N32",GEOGCS["GCS_ETRS_1989"],PARAMETER["False_Easting",32500000.0]]"#,
                Crs::Utm32Zoned,
            ),
            (
                r#"PROJCS["ETRS89 / UTM zone 33N (zE-N)",AUTHORITY["EPSG","5650"]]"#,
                Crs::Utm33Zoned,
            ),
            (
                r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]"#,
                Crs::WebMercator,
            ),
        ];
        for (wkt, crs) in cases {
            assert_eq!(from_prj(wkt), Ok(crs), "{wkt}");
        }
    }

    #[test]
    fn other_systems_are_refused_with_the_conversion() {
        let lcc = r#"PROJCS["ETRS89_LCC_Germany",GEOGCS["GCS_ETRS_1989"],PROJECTION["Lambert_Conformal_Conic"]]"#;
        let error = from_prj(lcc).unwrap_err();
        assert!(error.contains("ETRS89_LCC_Germany"), "{error}");
        assert!(error.contains("ogr2ogr -t_srs EPSG:25832"), "{error}");
        let swiss = r#"PROJCS["CH1903+ / LV95",AUTHORITY["EPSG","2056"]]"#;
        assert!(from_prj(swiss).unwrap_err().contains("EPSG:2056"));
        assert!(from_prj("not wkt at all").is_err());
        assert!(from_prj("").is_err());
        assert!(from_prj(&"PROJCS[".repeat(100)).is_err());
    }
}
