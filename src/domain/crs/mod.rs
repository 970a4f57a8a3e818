//! Coordinate reference systems files may be in (plot and estate imports, boundary files): those
//! German municipal GIS, cadastre and BKG data come in. PostGIS transforms them
//! (`db::imports::to_wgs84`, `db::boundaries`); this module only names them, reads their names
//! (EPSG codes, URNs, OGC URLs here, a `.prj`'s WKT in `wkt`), and, when a file names none and
//! its numbers are not degrees, says which CRS the numbers look like.
//!
//! Accuracy (docs/imports.md): ETRS89 (4258, 25832/33, 4647, 5650) and WGS 84 differ by less than
//! a metre in Germany and are taken as equal. DHDN (Gauß-Krüger, 31466–31469) is transformed by
//! PROJ with the BETA2007 grid when the system has it (Debian's `proj-data` does; about 1 m),
//! else with a seven-parameter shift (about 3 m); `db::imports::dhdn_grid` tells which.

/// A CRS an import may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
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
    /// ETRS89 / LAEA Europe (EPSG:3035), European statistics grids. Units: m.
    Laea,
}

pub mod wkt;

pub use wkt::from_prj;

impl Crs {
    /// Every CRS an import takes, for messages and documentation.
    pub const ALL: [Crs; 12] = [
        Crs::Wgs84,
        Crs::Etrs89,
        Crs::Utm32,
        Crs::Utm33,
        Crs::Utm32Zoned,
        Crs::Utm33Zoned,
        Crs::GaussKrueger(2),
        Crs::GaussKrueger(3),
        Crs::GaussKrueger(4),
        Crs::GaussKrueger(5),
        Crs::WebMercator,
        Crs::Laea,
    ];

    pub fn srid(self) -> i32 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::Etrs89 => 4258,
            Crs::Utm32 => 25832,
            Crs::Utm33 => 25833,
            Crs::Utm32Zoned => 4647,
            Crs::Utm33Zoned => 5650,
            Crs::GaussKrueger(zone) => 31464 + i32::from(zone),
            Crs::WebMercator => 3857,
            Crs::Laea => 3035,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Crs::Wgs84 => "EPSG:4326",
            Crs::Etrs89 => "EPSG:4258",
            Crs::Utm32 => "EPSG:25832",
            Crs::Utm33 => "EPSG:25833",
            Crs::Utm32Zoned => "EPSG:4647",
            Crs::Utm33Zoned => "EPSG:5650",
            Crs::GaussKrueger(2) => "EPSG:31466",
            Crs::GaussKrueger(3) => "EPSG:31467",
            Crs::GaussKrueger(4) => "EPSG:31468",
            Crs::GaussKrueger(_) => "EPSG:31469",
            Crs::WebMercator => "EPSG:3857",
            Crs::Laea => "EPSG:3035",
        }
    }

    /// What people call it.
    pub fn title(self) -> &'static str {
        match self {
            Crs::Wgs84 => "WGS 84 lon/lat",
            Crs::Etrs89 => "ETRS89 lon/lat",
            Crs::Utm32 => "ETRS89 / UTM zone 32N",
            Crs::Utm33 => "ETRS89 / UTM zone 33N",
            Crs::Utm32Zoned => "ETRS89 / UTM zone 32N with zone prefix",
            Crs::Utm33Zoned => "ETRS89 / UTM zone 33N with zone prefix",
            Crs::GaussKrueger(2) => "DHDN / Gauß-Krüger zone 2",
            Crs::GaussKrueger(3) => "DHDN / Gauß-Krüger zone 3",
            Crs::GaussKrueger(4) => "DHDN / Gauß-Krüger zone 4",
            Crs::GaussKrueger(_) => "DHDN / Gauß-Krüger zone 5",
            Crs::WebMercator => "WGS 84 / Pseudo-Mercator",
            Crs::Laea => "ETRS89 / LAEA Europe",
        }
    }

    /// Whether coordinates are degrees (else metres).
    pub fn is_geographic(self) -> bool {
        matches!(self, Crs::Wgs84 | Crs::Etrs89)
    }

    /// Whether PostGIS must transform coordinates: ETRS89 lon/lat is taken as WGS 84 (they
    /// differ by less than a metre in Germany), so only projected CRSs need it.
    pub fn needs_transform(self) -> bool {
        !self.is_geographic()
    }

    /// The CRS of an EPSG code (also the ESRI aliases of Web Mercator).
    pub fn from_epsg(code: i64) -> Option<Crs> {
        Some(match code {
            4326 => Crs::Wgs84,
            4258 => Crs::Etrs89,
            25832 => Crs::Utm32,
            25833 => Crs::Utm33,
            4647 => Crs::Utm32Zoned,
            5650 => Crs::Utm33Zoned,
            31466..=31469 => Crs::GaussKrueger((code - 31464) as u8),
            3857 | 900913 | 3785 | 102100 | 102113 => Crs::WebMercator,
            3035 => Crs::Laea,
            _ => return None,
        })
    }

    /// `EPSG:25833`, `25833`, `urn:ogc:def:crs:EPSG::25833`, `http://www.opengis.net/def/crs/EPSG/0/25833`,
    /// `OGC:CRS84`, `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn parse(text: &str) -> Option<Crs> {
        let t = text.trim().to_ascii_uppercase();
        if t.ends_with("CRS84") {
            return Some(Crs::Wgs84);
        }
        let code = t.rsplit([':', '/']).next().unwrap_or_default().trim();
        if code.is_empty() || code.len() > 6 {
            return None;
        }
        Self::from_epsg(code.parse().ok()?)
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
                Crs::Utm32Zoned.described()
            }
            _ if german_northing && (33_200_000.0..33_950_000.0).contains(&x) => {
                Crs::Utm33Zoned.described()
            }
            _ if german_northing && (2_300_000.0..5_700_000.0).contains(&x) => {
                Crs::GaussKrueger((x / 1_000_000.0).floor() as u8).described()
            }
            _ if german_northing && (150_000.0..950_000.0).contains(&x) => {
                let mercator = (6_000_000.0..6_200_000.0).contains(&y) && x > 600_000.0;
                format!(
                    "ETRS89 / UTM: zone 32N (EPSG:25832) west of 12° E, zone 33N (EPSG:25833) east of it; the numbers alone do not tell which{}",
                    if mercator { ", or Web Mercator (EPSG:3857)" } else { "" }
                )
            }
            _ if (2_600_000.0..3_700_000.0).contains(&y)
                && (3_950_000.0..4_750_000.0).contains(&x) =>
            {
                Crs::Laea.described()
            }
            _ if (6_000_000.0..7_500_000.0).contains(&y)
                && (500_000.0..1_800_000.0).contains(&x) =>
            {
                Crs::WebMercator.described()
            }
            _ => "no CRS used for German data".to_owned(),
        };
        Some(guess)
    }

    /// Whether a position read as (longitude, latitude) lies outside Germany while the same
    /// numbers read as (latitude, longitude) lie inside: the axis order of EPSG:4326 as its
    /// definition states it, which some writers emit although GeoJSON and WKT take longitude
    /// first. Units: degrees.
    pub fn axes_swapped(x: f64, y: f64) -> bool {
        let germany =
            |lon: f64, lat: f64| (5.0..=16.0).contains(&lon) && (47.0..=55.5).contains(&lat);
        !germany(x, y) && germany(y, x)
    }

    fn described(self) -> String {
        format!("{} ({})", self.title(), self.name())
    }

    /// The names `crs` takes, for messages.
    pub fn accepted() -> String {
        Self::ALL.map(Crs::name).join(", ")
    }
}

/// The CRS of an import from what the caller says (`given`, a `crs` parameter) and what the
/// file says (`declared`: a GeoJSON `crs` member, a `.prj`, a GeoPackage's SRS); the two must
/// agree. Neither: WGS 84, unless the first position (`first`) is not degrees, which is refused
/// with the CRS the numbers look like.
pub fn settle(
    given: Option<&str>,
    declared: Option<Crs>,
    first: Option<(f64, f64)>,
) -> Result<Crs, (&'static str, String)> {
    let given = match given {
        None => None,
        Some(name) => Some(Crs::parse(name).ok_or_else(|| {
            (
                "crs",
                format!("`{name}` is not supported; use one of {}", Crs::accepted()),
            )
        })?),
    };
    match (given, declared) {
        (Some(a), Some(b)) if a != b => Err((
            "crs",
            format!("the file says {} but crs says {}", b.name(), a.name()),
        )),
        (Some(crs), _) | (None, Some(crs)) => Ok(crs),
        (None, None) => match first.and_then(|(x, y)| Crs::looks_like(x, y)) {
            None => Ok(Crs::Wgs84),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapped_axes_are_told_from_german_positions() {
        assert!(Crs::axes_swapped(53.43, 11.19));
        assert!(!Crs::axes_swapped(11.19, 53.43));
        // Far from Germany either way: not this rule's business.
        assert!(!Crs::axes_swapped(-74.0, 40.7));
    }

    #[test]
    fn laea_coordinates_are_named() {
        let guess = Crs::looks_like(4_400_000.0, 3_350_000.0).unwrap();
        assert!(guess.contains("EPSG:3035"), "{guess}");
    }

    #[test]
    fn names_round_trip() {
        for crs in Crs::ALL {
            assert_eq!(Crs::parse(crs.name()), Some(crs));
            assert_eq!(Crs::from_epsg(i64::from(crs.srid())), Some(crs));
        }
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:EPSG::31467"),
            Some(Crs::GaussKrueger(3))
        );
        assert_eq!(Crs::parse("EPSG:31465"), None);
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84"),
            Some(Crs::Wgs84)
        );
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/EPSG/0/25833"),
            Some(Crs::Utm33)
        );
        assert_eq!(Crs::parse("EPSG:99999999999"), None);
    }

    #[test]
    fn settling_the_crs() {
        assert_eq!(settle(None, None, Some((11.0, 53.0))), Ok(Crs::Wgs84));
        assert_eq!(settle(None, None, None), Ok(Crs::Wgs84));
        assert_eq!(
            settle(Some("EPSG:31468"), None, Some((4_468_000.0, 5_333_000.0))),
            Ok(Crs::GaussKrueger(4))
        );
        let (_, guess) = settle(None, None, Some((4_468_000.0, 5_333_000.0))).unwrap_err();
        assert!(guess.contains("EPSG:31468"), "{guess}");
        let (_, clash) = settle(Some("25832"), Some(Crs::Utm33), None).unwrap_err();
        assert!(clash.contains("EPSG:25833"), "{clash}");
        let (_, unknown) = settle(Some("EPSG:2056"), None, None).unwrap_err();
        assert!(unknown.contains("EPSG:31467"), "{unknown}");
    }

    #[test]
    fn numbers_that_are_not_degrees_are_named() {
        assert_eq!(Crs::looks_like(11.4, 53.3), None);
        let gk = Crs::looks_like(3_571_000.0, 5_932_000.0).unwrap();
        assert!(gk.contains("EPSG:31467"), "{gk}");
        let zoned = Crs::looks_like(33_271_000.0, 5_932_000.0).unwrap();
        assert!(zoned.contains("EPSG:5650"), "{zoned}");
        let utm = Crs::looks_like(271_000.0, 5_932_000.0).unwrap();
        assert!(
            utm.contains("EPSG:25832") && utm.contains("EPSG:25833"),
            "{utm}"
        );
        let mercator = Crs::looks_like(1_270_000.0, 7_040_000.0).unwrap();
        assert!(mercator.contains("EPSG:3857"), "{mercator}");
    }
}
