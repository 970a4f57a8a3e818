//! The line under a profile's map: where the place is (WGS 84 coordinates in the reader's
//! number format, with a `geo:` link a phone opens in its map app) and how it is reached. The
//! data holds no street addresses; the nearest thing to one is the estate (Gewerbegebiet) and
//! its municipality, and the named motorway junction with its distance.

use maud::{html, Markup};

use super::{km, number};
use crate::domain::plot::Lang;

/// `53,3312° N, 11,4975° O` / `53.3312° N, 11.4975° E` (four decimals ≈ 10 m).
pub(crate) fn coordinates(lon: f64, lat: f64, lang: Lang) -> String {
    let (north, south, east, west) = match lang {
        Lang::De => ("N", "S", "O", "W"),
        Lang::En => ("N", "S", "E", "W"),
    };
    format!(
        "{}° {}, {}° {}",
        number(lat.abs(), 4, lang),
        if lat >= 0.0 { north } else { south },
        number(lon.abs(), 4, lang),
        if lon >= 0.0 { east } else { west },
    )
}

pub(crate) struct Access<'a> {
    pub estate: Option<&'a str>,
    pub municipality: &'a str,
    pub junction: Option<&'a str>,
    /// Units: km.
    pub dist_motorway_km: Option<f64>,
}

/// The caption; `centre` is (lon, lat) in EPSG:4326.
pub(crate) fn map_caption(lang: Lang, centre: Option<(f64, f64)>, access: &Access) -> Markup {
    let (coordinates_label, access_label, via) = match lang {
        Lang::De => ("Koordinaten (WGS 84)", "Lage und Zufahrt", "über"),
        Lang::En => ("Coordinates (WGS 84)", "Location and access", "via"),
    };
    let place = [access.estate, Some(access.municipality)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let motorway = match (access.junction, access.dist_motorway_km) {
        (Some(j), Some(d)) => Some(format!("{via} {j} ({})", km(d, lang))),
        (Some(j), None) => Some(format!("{via} {j}")),
        _ => None,
    };
    html! {
        p.map-caption #map-caption {
            @if let Some((lon, lat)) = centre {
                span.coordinates {
                    (coordinates_label) ": "
                    a href={ "geo:" (format!("{lat:.6},{lon:.6}")) } { (coordinates(lon, lat, lang)) }
                }
                " · "
            }
            span.access {
                (access_label) ": " (place)
                @if let Some(m) = motorway { " · " (m) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_follow_the_language() {
        assert_eq!(
            coordinates(11.49751, 53.33118, Lang::De),
            "53,3312° N, 11,4975° O"
        );
        assert_eq!(
            coordinates(11.49751, 53.33118, Lang::En),
            "53.3312° N, 11.4975° E"
        );
        assert_eq!(coordinates(-0.5, -33.9, Lang::En), "33.9000° S, 0.5000° W");
    }
}
