//! What a plot is. `facts` declares its editable facts once (read that module's comment first);
//! `data` is the write schema built from them and its rules; `vocabulary` the closed value sets
//! of German planning law; `members` the facts as generic code (imports) sees them.

mod data;
mod facts;
mod members;
pub mod parcel;
mod vocabulary;

pub use data::{example_plot_data, PlotData, ValidPlot};
pub use facts::{InternalFacts, PlotFacts};
pub use members::{members, Kind, Member, Members};
pub use vocabulary::{
    BplanStatus, Lang, Offer, OwnerType, PlotStatus, Servicing, Vocabulary, VocabularyInfo, Zoning,
};

/// A plot named in a request body (an inquiry, a shortlist): its id, or its reference
/// (`LWL-003`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PlotRef {
    Id(i64),
    Reference(String),
}

/// A plot as named in a URL: its id, or its reference (references always hold a letter, ids
/// never do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlotKey {
    Id(i64),
    Reference(String),
}

impl PlotKey {
    /// `None` when the text can be neither (too long, or characters a reference cannot hold).
    pub fn parse(raw: &str) -> Option<PlotKey> {
        if let Ok(id) = raw.parse::<i64>() {
            return Some(PlotKey::Id(id));
        }
        if raw.len() <= 32 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Some(PlotKey::Reference(raw.to_ascii_uppercase()));
        }
        None
    }
}

impl std::fmt::Display for PlotKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlotKey::Id(id) => write!(f, "with id {id}"),
            PlotKey::Reference(r) => write!(f, "with reference `{r}`"),
        }
    }
}

/// A plot as stored, as far as rules about changing it need to know (the importer's planner).
#[derive(Debug, Clone)]
pub struct StoredPlot {
    pub id: i64,
    pub version: i32,
    pub deleted: bool,
    /// Geodesic area of the stored outline. Units: m².
    pub area_m2: f64,
    /// Its facts and outline in the write schema.
    pub data: PlotData,
}
