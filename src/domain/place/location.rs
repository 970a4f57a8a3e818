//! The location-facts rule (see the module comment of `domain::place`): what a plot shows for
//! each location fact, and whether the value is the plot's own or its estate's.

/// The location facts a plot or an estate states. A plot has no names of junctions, stations,
/// ports or airports (it leaves them empty), so it always shows its estate's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocationFacts {
    pub motorway_junction: Option<String>,
    /// Units: km.
    pub dist_motorway_km: Option<f64>,
    pub rail_station: Option<String>,
    /// Units: km.
    pub dist_rail_station_km: Option<f64>,
    pub port: Option<String>,
    /// Units: km.
    pub dist_port_km: Option<f64>,
    pub airport: Option<String>,
    /// Units: km.
    pub dist_airport_km: Option<f64>,
    /// Units: Mbit/s.
    pub broadband_mbit: Option<i32>,
    pub fibre: Option<bool>,
}

/// A value as shown, and whether it is the estate's (so pages can say so).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown<T> {
    pub value: T,
    pub from_estate: bool,
}

/// What a plot shows for each location fact; `None` where neither plot nor estate states it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShownLocation {
    pub motorway_junction: Option<Shown<String>>,
    pub dist_motorway_km: Option<Shown<f64>>,
    pub rail_station: Option<Shown<String>>,
    pub dist_rail_station_km: Option<Shown<f64>>,
    pub port: Option<Shown<String>>,
    pub dist_port_km: Option<Shown<f64>>,
    pub airport: Option<Shown<String>>,
    pub dist_airport_km: Option<Shown<f64>>,
    pub broadband_mbit: Option<Shown<i32>>,
    pub fibre: Option<Shown<bool>>,
}

fn pick<T>(own: Option<T>, estate: Option<T>) -> Option<Shown<T>> {
    match (own, estate) {
        (Some(value), _) => Some(Shown {
            value,
            from_estate: false,
        }),
        (None, Some(value)) => Some(Shown {
            value,
            from_estate: true,
        }),
        (None, None) => None,
    }
}

/// The rule: the plot's own value wins; where it states none, the estate's (if the plot has a
/// visible estate). Nothing is stored: pages apply this when they show a plot.
pub fn location_for_plot(plot: LocationFacts, estate: Option<LocationFacts>) -> ShownLocation {
    let e = estate.unwrap_or_default();
    ShownLocation {
        motorway_junction: pick(plot.motorway_junction, e.motorway_junction),
        dist_motorway_km: pick(plot.dist_motorway_km, e.dist_motorway_km),
        rail_station: pick(plot.rail_station, e.rail_station),
        dist_rail_station_km: pick(plot.dist_rail_station_km, e.dist_rail_station_km),
        port: pick(plot.port, e.port),
        dist_port_km: pick(plot.dist_port_km, e.dist_port_km),
        airport: pick(plot.airport, e.airport),
        dist_airport_km: pick(plot.dist_airport_km, e.dist_airport_km),
        broadband_mbit: pick(plot.broadband_mbit, e.broadband_mbit),
        fibre: pick(plot.fibre, e.fibre),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_values_win_and_empty_ones_show_the_estates() {
        let plot = LocationFacts {
            dist_motorway_km: Some(3.0),
            fibre: Some(false),
            ..LocationFacts::default()
        };
        let estate = LocationFacts {
            motorway_junction: Some("AS Ludwigslust".into()),
            dist_motorway_km: Some(2.0),
            dist_port_km: Some(77.5),
            broadband_mbit: Some(1000),
            fibre: Some(true),
            ..LocationFacts::default()
        };
        let shown = location_for_plot(plot.clone(), Some(estate));
        assert_eq!(
            shown.dist_motorway_km,
            Some(Shown {
                value: 3.0,
                from_estate: false
            })
        );
        assert_eq!(
            shown.fibre,
            Some(Shown {
                value: false,
                from_estate: false
            })
        );
        assert_eq!(
            shown.dist_port_km,
            Some(Shown {
                value: 77.5,
                from_estate: true
            })
        );
        assert!(shown.motorway_junction.unwrap().from_estate);
        assert!(shown.broadband_mbit.unwrap().from_estate);
        assert_eq!(shown.dist_airport_km, None);

        let alone = location_for_plot(plot, None);
        assert_eq!(alone.dist_port_km, None);
        assert!(!alone.dist_motorway_km.unwrap().from_estate);
    }
}
