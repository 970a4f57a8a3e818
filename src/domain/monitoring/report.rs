//! The figures of a monitoring report, as the API returns them (JSON; the CSV flattens them).

use serde::Serialize;
use utoipa::ToSchema;

/// A count of plots and their area.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Bucket {
    /// What is counted, e.g. `immediately`, `GI`, `full`, `under_5000_m2`.
    pub key: String,
    pub count: u64,
    /// Units: ha (to 0.0001 ha).
    pub hectares: f64,
}

/// Supply on offer on the date (`definitions.supply`), whole and split.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Supply {
    pub count: u64,
    /// Units: ha.
    pub hectares: f64,
    /// `immediately`, `within_2_years`, `later`, `planned` (`definitions.availability`).
    pub by_availability: Vec<Bucket>,
    pub by_zoning: Vec<Bucket>,
    /// `full`, `partial`, `none`.
    pub by_servicing: Vec<Bucket>,
    /// `public`, `private`, `mixed`, `unknown` (no owner type recorded).
    pub by_owner: Vec<Bucket>,
    /// `definitions.size_classes`.
    pub by_size: Vec<Bucket>,
}

/// Take-up of one calendar year.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TakeUpYear {
    pub year: i32,
    /// The year of `as_of`: counted up to that date only.
    pub partial: bool,
    pub sold_count: u64,
    /// Units: ha.
    pub sold_hectares: f64,
    /// Sold hectares ÷ sold plots; null without sales. Units: ha.
    pub mean_deal_hectares: Option<f64>,
    pub reserved_count: u64,
    /// Units: ha.
    pub reserved_hectares: f64,
    /// Mean sold hectares of this year and the two before. Units: ha.
    pub rolling_3y_hectares: f64,
    /// Mean sold hectares of this year and the four before. Units: ha.
    pub rolling_5y_hectares: f64,
}

/// Take-up (`definitions.take_up`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TakeUp {
    /// The year of `as_of` and the nine before, oldest first.
    pub years: Vec<TakeUpYear>,
    /// Mean yearly sold hectares of the 3 complete years before the year of `as_of`. Units: ha.
    pub mean_sold_ha_3y: f64,
    /// The same over 5 years. Units: ha.
    pub mean_sold_ha_5y: f64,
    /// Mean deal size over those 5 years; null without sales. Units: ha.
    pub mean_deal_hectares_5y: Option<f64>,
}

/// Years of supply (`definitions.reichweite`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Reichweite {
    /// Immediately available ha ÷ `mean_sold_ha_5y`, to 0.01 years; null without take-up.
    pub years_5y: Option<f64>,
    /// The same with `mean_sold_ha_3y`.
    pub years_3y: Option<f64>,
}

/// Prices of one zoning's supply (`definitions.prices`). Units: € per m².
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PriceRange {
    pub zoning: String,
    /// Plots with a price.
    pub count: u64,
    pub min_eur_m2: f64,
    pub median_eur_m2: f64,
    pub max_eur_m2: f64,
}

/// The indicators of a region or a group.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub supply: Supply,
    /// Published plots reserved on the date (not supply).
    pub reserved: Bucket,
    pub take_up: TakeUp,
    pub reichweite: Reichweite,
    pub prices: Vec<PriceRange>,
}

/// The figures of one municipality, estate or zoning.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Group {
    /// Municipality or estate id (`none-{municipality id}` for plots outside an estate), or
    /// the zoning.
    pub key: String,
    pub name: String,
    pub figures: Figures,
}

/// The definitions behind the figures, in words.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Definitions {
    pub supply: &'static str,
    pub availability: &'static str,
    pub take_up: &'static str,
    pub reichweite: &'static str,
    pub prices: &'static str,
    pub size_classes: &'static str,
}

impl Definitions {
    pub fn new() -> Definitions {
        Definitions {
            supply: super::DEF_SUPPLY,
            availability: super::DEF_AVAILABILITY,
            take_up: super::DEF_TAKE_UP,
            reichweite: super::DEF_REICHWEITE,
            prices: super::DEF_PRICES,
            size_classes: super::DEF_SIZES,
        }
    }
}

impl Default for Definitions {
    fn default() -> Self {
        Definitions::new()
    }
}
