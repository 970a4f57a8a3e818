//! Market monitoring (Flächenbilanz): what counts as supply, how availability and size classes
//! are defined, what a take-up is, and how rolling means and the Reichweite are computed. The
//! figures are computed here from the plots' states at a date (`Offered`) and the deals up to
//! it (`Deal`), which `db::monitoring` reads from `plot_states`; no IO.
//!
//! Units: areas in m² in, hectares out (1 ha = 10,000 m², rounded to 0.0001 ha = 1 m²); prices
//! in euro cents per m² in, euros per m² out; dates are calendar days in Europe/Berlin.

mod report;
#[cfg(test)]
mod tests;

pub use report::*;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::plot::{BplanStatus, OwnerType, PlotStatus, Servicing, Vocabulary, Zoning};

/// How many calendar years of take-up a report lists (the year of `as_of` and the nine before).
pub const YEARS_SHOWN: i32 = 10;

/// The definitions, as the response states them.
pub const DEF_SUPPLY: &str = "Supply (Angebot): published, not deleted plots whose status on the date is available, under negotiation or planned. Reserved plots are not supply; they are counted apart (`reserved`). Drafts and deleted plots are never counted.";
pub const DEF_AVAILABILITY: &str = "planned: status planned or B-Plan in preparation. immediately: otherwise fully serviced and available_from empty or on/before the date. within_2_years: otherwise available_from within two years after the date, or not fully serviced with available_from empty or within two years. later: available_from more than two years after the date.";
pub const DEF_TAKE_UP: &str = "Take-up (Flächenumsatz): a plot that became sold (or, separately, reserved) in the calendar year (Europe/Berlin) from another status while published and not deleted, counted with its area and municipality, estate and zoning at that moment. A plot sold, reopened and sold again counts as two deals, in the years of the sales, and as supply again from its reopening. Sales of plots deleted by the date are not counted. The year of the date is partial (up to the date). rolling_3y/5y: mean sold hectares of the year and the 2 (4) years before; years before the recorded history count as zero.";
pub const DEF_REICHWEITE: &str = "Reichweite (years of supply): supply available immediately (ha) ÷ mean yearly take-up sold (ha) over the last 5 (or 3) complete calendar years before the date's year. Null when nothing was sold in those years.";
pub const DEF_PRICES: &str = "Prices of supply plots with a price (not on request), per zoning: min and median of the lower bound of each plot's range, max of the upper bound (or the lower bound where there is no range). Euros per m².";
pub const DEF_SIZES: &str = "Size classes by the stated area, else the measured one: under_5000_m2, 0_5_to_1_ha (5,000 to under 10,000 m²), 1_to_5_ha, 5_to_10_ha, over_10_ha (10 ha or more).";

/// The definitions in German, for the German report page (same order as `Definitions`).
pub const DEF_DE: [&str; 6] = [
    "Angebot: veröffentlichte, nicht gelöschte Flächen, die am Stichtag verfügbar, in Verhandlung oder in Planung sind. Reservierte Flächen zählen nicht zum Angebot, sondern gesondert. Entwürfe und gelöschte Flächen zählen nie.",
    "In Planung: Status „in Planung“ oder B-Plan in Aufstellung. Sofort verfügbar: sonst voll erschlossen und „verfügbar ab“ leer oder spätestens am Stichtag. Bis 2 Jahre: sonst „verfügbar ab“ innerhalb von zwei Jahren nach dem Stichtag, oder nicht voll erschlossen mit „verfügbar ab“ leer oder innerhalb von zwei Jahren. Später: „verfügbar ab“ mehr als zwei Jahre nach dem Stichtag.",
    "Flächenumsatz: eine Fläche, die im Kalenderjahr (Europe/Berlin) aus einem anderen Status verkauft (gesondert: reserviert) wurde, während sie veröffentlicht und nicht gelöscht war, mit Fläche, Gemeinde, Gewerbegebiet und Nutzungsart zu diesem Zeitpunkt. Verkauft, wieder angeboten und erneut verkauft zählt als zwei Verkäufe. Verkäufe von bis zum Stichtag gelöschten Flächen zählen nicht. Das Jahr des Stichtags ist unvollständig. Gleitendes Mittel: mittlere verkaufte Hektar des Jahres und der 2 (4) Jahre davor; Jahre vor der erfassten Historie zählen als null.",
    "Reichweite (Jahre): sofort verfügbares Angebot (ha) ÷ mittlerer jährlicher Flächenumsatz verkauft (ha) der letzten 5 (oder 3) vollständigen Kalenderjahre vor dem Jahr des Stichtags; leer, wenn in diesen Jahren nichts verkauft wurde.",
    "Preise der Angebotsflächen mit Preis (nicht „auf Anfrage“), je Nutzungsart: Minimum und Median der Untergrenzen, Maximum der Obergrenzen (oder der Untergrenze ohne Spanne). Euro je m².",
    "Größenklassen nach der angegebenen, sonst der gemessenen Fläche: unter 5.000 m², 0,5 bis unter 1 ha, 1 bis 5 ha, 5 bis 10 ha, 10 ha und mehr.",
];

/// How soon a plot on offer can be built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Availability {
    Immediately,
    WithinTwoYears,
    Later,
    Planned,
}

impl Availability {
    pub const ALL: [Availability; 4] = [
        Availability::Immediately,
        Availability::WithinTwoYears,
        Availability::Later,
        Availability::Planned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Immediately => "immediately",
            Availability::WithinTwoYears => "within_2_years",
            Availability::Later => "later",
            Availability::Planned => "planned",
        }
    }

    /// `DEF_AVAILABILITY`, for a plot as it stood on `on`.
    pub fn of(plot: &Offered, on: NaiveDate) -> Availability {
        if plot.status == PlotStatus::Planned || plot.bplan_status == BplanStatus::InPreparation {
            return Availability::Planned;
        }
        let horizon = on
            .checked_add_months(chrono::Months::new(24))
            .unwrap_or(NaiveDate::MAX);
        match plot.available_from {
            Some(d) if d > horizon => Availability::Later,
            Some(d) if d > on => Availability::WithinTwoYears,
            _ if plot.servicing == Servicing::Full => Availability::Immediately,
            _ => Availability::WithinTwoYears,
        }
    }
}

/// Size classes (`DEF_SIZES`).
pub const SIZE_CLASSES: [(&str, f64); 5] = [
    ("under_5000_m2", 5_000.0),
    ("0_5_to_1_ha", 10_000.0),
    ("1_to_5_ha", 50_000.0),
    ("5_to_10_ha", 100_000.0),
    ("over_10_ha", f64::INFINITY),
];

/// The size class of an area in m².
pub fn size_class(area_m2: f64) -> &'static str {
    SIZE_CLASSES
        .iter()
        .find(|(_, upper)| area_m2 < *upper)
        .map(|(name, _)| *name)
        .unwrap_or("over_10_ha")
}

/// What a group is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Municipality,
    Estate,
    Zoning,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<GroupBy> {
        match text {
            "municipality" => Some(GroupBy::Municipality),
            "estate" => Some(GroupBy::Estate),
            "zoning" => Some(GroupBy::Zoning),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Municipality => "municipality",
            GroupBy::Estate => "estate",
            GroupBy::Zoning => "zoning",
        }
    }
}

/// Where a plot (or a deal) stood: its municipality, estate and zoning at the time.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub municipality_id: i64,
    pub municipality_name: String,
    pub estate_id: Option<i64>,
    pub estate_name: Option<String>,
    pub zoning: Zoning,
}

impl Place {
    /// The group key and its display name.
    fn group(&self, by: GroupBy) -> (String, String) {
        match by {
            GroupBy::Municipality => (
                self.municipality_id.to_string(),
                self.municipality_name.clone(),
            ),
            GroupBy::Estate => match self.estate_id {
                Some(id) => (
                    id.to_string(),
                    format!(
                        "{} ({})",
                        self.estate_name.as_deref().unwrap_or("?"),
                        self.municipality_name
                    ),
                ),
                None => (
                    format!("none-{}", self.municipality_id),
                    format!("{}: outside an estate", self.municipality_name),
                ),
            },
            GroupBy::Zoning => (
                self.zoning.as_str().to_owned(),
                self.zoning.as_str().to_owned(),
            ),
        }
    }
}

/// A published, not deleted plot as it stood on the date, with a status of supply or reserved.
#[derive(Debug, Clone)]
pub struct Offered {
    pub place: Place,
    pub status: PlotStatus,
    pub servicing: Servicing,
    pub bplan_status: BplanStatus,
    pub owner_type: Option<OwnerType>,
    pub available_from: Option<NaiveDate>,
    /// Units: m².
    pub area_m2: f64,
    pub price_on_request: bool,
    /// Units: euro cents per m².
    pub price_min_ct: Option<i64>,
    pub price_max_ct: Option<i64>,
}

impl Offered {
    pub fn is_supply(&self) -> bool {
        matches!(
            self.status,
            PlotStatus::Available | PlotStatus::UnderNegotiation | PlotStatus::Planned
        )
    }
}

/// Plots that became sold or reserved (`DEF_TAKE_UP`) in one year at one place, up to the
/// report's date (the database sums them: a big region has 100,000s of deals).
#[derive(Debug, Clone)]
pub struct Deal {
    pub place: Place,
    /// The calendar year of the change (Europe/Berlin).
    pub year: i32,
    /// `Sold` or `Reserved`.
    pub status: PlotStatus,
    pub plots: u64,
    /// Units: m².
    pub area_m2: f64,
}

/// m² → ha, to 1 m².
pub fn hectares(m2: f64) -> f64 {
    (m2 / 10_000.0 * 10_000.0).round() / 10_000.0
}

/// Figures of one region for `as_of`, grouped `by`.
pub fn compute(
    as_of: NaiveDate,
    by: GroupBy,
    offered: &[Offered],
    deals: &[Deal],
) -> (Figures, Vec<Group>) {
    let total = figures(as_of, offered.iter(), deals.iter());
    // One pass to partition: a region has hundreds of towns and 100,000 plots.
    type Members<'a> = (String, Vec<&'a Offered>, Vec<&'a Deal>);
    let mut parts: BTreeMap<String, Members> = BTreeMap::new();
    for o in offered {
        let (key, name) = o.place.group(by);
        parts
            .entry(key)
            .or_insert_with(|| (name, Vec::new(), Vec::new()))
            .1
            .push(o);
    }
    for d in deals {
        let (key, name) = d.place.group(by);
        parts
            .entry(key)
            .or_insert_with(|| (name, Vec::new(), Vec::new()))
            .2
            .push(d);
    }
    let mut groups: Vec<Group> = parts
        .into_iter()
        .map(|(key, (name, o, d))| Group {
            key,
            name,
            figures: figures(as_of, o.into_iter(), d.into_iter()),
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name).then(a.key.cmp(&b.key)));
    (total, groups)
}

fn bucket_list(keys: &[&'static str], map: &BTreeMap<&'static str, (u64, f64)>) -> Vec<Bucket> {
    keys.iter()
        .map(|k| {
            let (count, m2) = map.get(k).copied().unwrap_or((0, 0.0));
            Bucket {
                key: (*k).to_owned(),
                count,
                hectares: hectares(m2),
            }
        })
        .collect()
}

fn add(map: &mut BTreeMap<&'static str, (u64, f64)>, key: &'static str, m2: f64) {
    let e = map.entry(key).or_insert((0, 0.0));
    e.0 += 1;
    e.1 += m2;
}

fn figures<'a>(
    as_of: NaiveDate,
    offered: impl Iterator<Item = &'a Offered>,
    deals: impl Iterator<Item = &'a Deal>,
) -> Figures {
    let mut count = 0u64;
    let mut m2 = 0.0;
    let (mut reserved_count, mut reserved_m2) = (0u64, 0.0);
    let mut availability = BTreeMap::new();
    let mut zoning = BTreeMap::new();
    let mut servicing = BTreeMap::new();
    let mut owner = BTreeMap::new();
    let mut sizes = BTreeMap::new();
    let mut prices: BTreeMap<&'static str, Vec<(i64, i64)>> = BTreeMap::new();
    for o in offered {
        if o.status == PlotStatus::Reserved {
            reserved_count += 1;
            reserved_m2 += o.area_m2;
            continue;
        }
        if !o.is_supply() {
            continue;
        }
        count += 1;
        m2 += o.area_m2;
        add(
            &mut availability,
            Availability::of(o, as_of).as_str(),
            o.area_m2,
        );
        add(&mut zoning, o.place.zoning.as_str(), o.area_m2);
        add(&mut servicing, o.servicing.as_str(), o.area_m2);
        add(
            &mut owner,
            o.owner_type.map(|t| t.as_str()).unwrap_or("unknown"),
            o.area_m2,
        );
        add(&mut sizes, size_class(o.area_m2), o.area_m2);
        if let (false, Some(low)) = (o.price_on_request, o.price_min_ct) {
            prices
                .entry(o.place.zoning.as_str())
                .or_default()
                .push((low, o.price_max_ct.unwrap_or(low)));
        }
    }
    let immediately_m2 = availability
        .get(Availability::Immediately.as_str())
        .map(|e| e.1)
        .unwrap_or(0.0);
    let zonings: Vec<&'static str> = Zoning::ALL.iter().map(|z| z.as_str()).collect();
    let servicings: Vec<&'static str> = Servicing::ALL.iter().map(|s| s.as_str()).collect();
    let mut owners: Vec<&'static str> = OwnerType::ALL.iter().map(|s| s.as_str()).collect();
    owners.push("unknown");
    let take_up = take_up(as_of, deals);
    let reichweite = |mean_ha: f64| {
        (mean_ha > 0.0).then(|| (hectares(immediately_m2) / mean_ha * 100.0).round() / 100.0)
    };
    Figures {
        supply: Supply {
            count,
            hectares: hectares(m2),
            by_availability: bucket_list(&Availability::ALL.map(|a| a.as_str()), &availability),
            by_zoning: bucket_list(&zonings, &zoning),
            by_servicing: bucket_list(&servicings, &servicing),
            by_owner: bucket_list(&owners, &owner),
            by_size: bucket_list(&SIZE_CLASSES.map(|s| s.0), &sizes),
        },
        reserved: Bucket {
            key: "reserved".into(),
            count: reserved_count,
            hectares: hectares(reserved_m2),
        },
        reichweite: Reichweite {
            years_5y: reichweite(take_up.mean_sold_ha_5y),
            years_3y: reichweite(take_up.mean_sold_ha_3y),
        },
        take_up,
        prices: prices
            .into_iter()
            .map(|(zoning, mut p)| price_range(zoning, &mut p))
            .collect(),
    }
}

fn euros(ct: i64) -> f64 {
    ct as f64 / 100.0
}

fn price_range(zoning: &str, p: &mut [(i64, i64)]) -> PriceRange {
    let mut lows: Vec<i64> = p.iter().map(|x| x.0).collect();
    lows.sort_unstable();
    let n = lows.len();
    let median = if n % 2 == 1 {
        euros(lows[n / 2])
    } else {
        ((lows[n / 2 - 1] + lows[n / 2]) as f64 / 2.0).round() / 100.0
    };
    PriceRange {
        zoning: zoning.to_owned(),
        count: n as u64,
        min_eur_m2: euros(lows[0]),
        median_eur_m2: median,
        max_eur_m2: euros(p.iter().map(|x| x.1).max().unwrap_or(lows[n - 1])),
    }
}

fn take_up<'a>(as_of: NaiveDate, deals: impl Iterator<Item = &'a Deal>) -> TakeUp {
    let last = as_of.year();
    // Five years before the first shown year feed the rolling means of the first years.
    let first = last - YEARS_SHOWN + 1;
    let span = (YEARS_SHOWN + 4) as usize;
    let index = |year: i32| (year - (first - 4)) as usize;
    let mut sold = vec![(0u64, 0.0f64); span];
    let mut reserved = vec![(0u64, 0.0f64); span];
    for d in deals {
        let year = d.year;
        if year < first - 4 || year > last {
            continue;
        }
        let slot = match d.status {
            PlotStatus::Sold => &mut sold[index(year)],
            PlotStatus::Reserved => &mut reserved[index(year)],
            _ => continue,
        };
        slot.0 += d.plots;
        slot.1 += d.area_m2;
    }
    let mean_ha = |upto: i32, n: i32| {
        let m2: f64 = (upto - n + 1..=upto).map(|y| sold[index(y)].1).sum();
        hectares(m2 / n as f64)
    };
    let years = (first..=last)
        .map(|year| {
            let (count, m2) = sold[index(year)];
            let (r_count, r_m2) = reserved[index(year)];
            TakeUpYear {
                year,
                partial: year == last,
                sold_count: count,
                sold_hectares: hectares(m2),
                mean_deal_hectares: (count > 0).then(|| hectares(m2 / count as f64)),
                reserved_count: r_count,
                reserved_hectares: hectares(r_m2),
                rolling_3y_hectares: mean_ha(year, 3),
                rolling_5y_hectares: mean_ha(year, 5),
            }
        })
        .collect();
    let (n5, m5) = (last - 5..last).fold((0u64, 0.0), |(n, m), y| {
        (n + sold[index(y)].0, m + sold[index(y)].1)
    });
    TakeUp {
        years,
        mean_sold_ha_3y: mean_ha(last - 1, 3),
        mean_sold_ha_5y: mean_ha(last - 1, 5),
        mean_deal_hectares_5y: (n5 > 0).then(|| hectares(m5 / n5 as f64)),
    }
}
