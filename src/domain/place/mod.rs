//! Regions, municipalities and estates as staff write them: their write schemas
//! (`RegionData`, `MunicipalityData`, `EstateData`), the rules that make them valid, and the two
//! rules by which a plot borrows from its places.
//!
//! **Location facts.** An estate states the location facts that belong to the whole estate
//! (motorway junction and distance, rail station, port, airport and their distances, broadband,
//! fibre, GRW area). Where a plot leaves one of `INHERITED` empty, the plot *shows* its published
//! estate's value (`location_for_plot`): on its profile page, on the embedded map, and in the search filters on these
//! facts (`max_dist_motorway_km` …, `min_broadband_mbit`). The plot's own value always wins, and
//! nothing is copied: the plot's API form, imports and exports carry the plot's own values only
//! (so they round-trip), and a correction of the estate reaches every plot at once.
//! `rail_siding` (a siding on the plot) and `grw_area` (a plain yes/no on plots, with aid rates)
//! are the plot's own and never inherited.
//!
//! **Contact.** A plot's contact is its own when it has a name, phone or e-mail; otherwise its
//! estate's, otherwise its municipality's economic-development office (`contact_for_plot`).

mod data;
mod location;

pub use data::{EstateData, MunicipalityData, RegionData, ValidOutline};
pub use location::{location_for_plot, LocationFacts, Shown, ShownLocation};

use serde::Serialize;
use utoipa::ToSchema;

/// The location facts a plot shows from its estate when its own are empty (same names on both).
pub const INHERITED: [&str; 6] = [
    "dist_motorway_km",
    "dist_rail_station_km",
    "dist_port_km",
    "dist_airport_km",
    "broadband_mbit",
    "fibre",
];

/// The three kinds of place, as `place_history.kind` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    Region,
    Municipality,
    Estate,
}

impl PlaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Region => "region",
            PlaceKind::Municipality => "municipality",
            PlaceKind::Estate => "estate",
        }
    }
}

/// A contact person or office.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

impl Contact {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none() && self.email.is_none()
    }
}

/// Whose contact a plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContactSource {
    Plot,
    Estate,
    Municipality,
}

/// The contact rule: the first of plot, estate and municipality that has a name, phone or
/// e-mail; `None` when none has.
pub fn contact_for_plot(
    plot: Contact,
    estate: Option<Contact>,
    municipality: Option<Contact>,
) -> Option<(Contact, ContactSource)> {
    [
        (Some(plot), ContactSource::Plot),
        (estate, ContactSource::Estate),
        (municipality, ContactSource::Municipality),
    ]
    .into_iter()
    .find_map(|(contact, source)| contact.filter(|c| !c.is_empty()).map(|c| (c, source)))
}

/// AGS (Amtlicher Gemeindeschlüssel): 8 digits, the first two a Land (01 Schleswig-Holstein …
/// 16 Thüringen).
pub fn check_ags(ags: &str) -> Result<(), String> {
    if ags.len() != 8 || !ags.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{ags}` is not an AGS: the official municipality key has 8 digits, e.g. 13076088"
        ));
    }
    match ags[..2].parse::<u8>() {
        Ok(1..=16) => Ok(()),
        _ => Err(format!(
            "`{ags}` is not an AGS: it must begin with a Land key 01–16 (13 is Mecklenburg-Vorpommern)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Contact {
        Contact {
            name: Some(name.into()),
            ..Contact::default()
        }
    }

    #[test]
    fn a_plot_without_contact_falls_back_to_estate_then_municipality() {
        let town = Some(named("Wirtschaftsförderung"));
        let (c, s) = contact_for_plot(Contact::default(), Some(Contact::default()), town).unwrap();
        assert_eq!(
            (c.name.as_deref(), s),
            (Some("Wirtschaftsförderung"), ContactSource::Municipality)
        );
        let (_, s) =
            contact_for_plot(Contact::default(), Some(named("Estate office")), None).unwrap();
        assert_eq!(s, ContactSource::Estate);
        let (_, s) = contact_for_plot(named("Own"), Some(named("Estate office")), None).unwrap();
        assert_eq!(s, ContactSource::Plot);
        assert!(contact_for_plot(Contact::default(), None, None).is_none());
    }

    #[test]
    fn ags_has_eight_digits_and_a_land_prefix() {
        assert!(check_ags("13076088").is_ok());
        assert!(check_ags("01001000").is_ok());
        assert!(check_ags("1307608").is_err());
        assert!(check_ags("17000000").is_err());
        assert!(check_ags("00000000").is_err());
        assert!(check_ags("1307608x").is_err());
    }
}
