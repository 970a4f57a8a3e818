//! What a checked search still needs the database or the caller for: the places its filters
//! name must exist for this caller (an unknown one is a 400 naming parameter and value, not an
//! empty result), municipalities named by AGS become ids, and drafts are asked for by staff only.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;

use crate::api::error::ApiError;
use crate::db;
use crate::domain::access::PlotSet;
use crate::domain::search::PlotQuery;
use crate::domain::FieldError;

/// Places named by a request, and the parameters that named them (for the 400).
#[derive(Debug, Default)]
pub struct NamedPlaces<'a> {
    pub regions: (&'a str, Vec<i64>),
    pub municipalities: (&'a str, Vec<i64>),
    pub ags: (&'a str, Vec<String>),
    pub estates: (&'a str, Vec<i64>),
}

impl NamedPlaces<'_> {
    fn is_empty(&self) -> bool {
        self.regions.1.is_empty()
            && self.municipalities.1.is_empty()
            && self.ags.1.is_empty()
            && self.estates.1.is_empty()
    }
}

/// Checks that every named place exists for a reader of `set` (deleted places never do; draft
/// estates only for staff who read them), in one query. Returns the municipality id of each
/// AGS; a 400 names every unknown value with its parameter.
pub async fn known_places(
    conn: &mut AsyncPgConnection,
    set: &PlotSet,
    named: &NamedPlaces<'_>,
) -> Result<HashMap<String, i64>, ApiError> {
    if named.is_empty() {
        return Ok(HashMap::new());
    }
    let found = db::places::known_places(
        conn,
        set,
        &named.regions.1,
        &named.municipalities.1,
        &named.ags.1,
        &named.estates.1,
    )
    .await?;
    let has = |kind: &str, key: &str| found.iter().any(|p| p.kind == kind && p.key == key);
    let mut errors = Vec::new();
    let mut missing = |param: &str, what: &str, kind: &str, mut keys: Vec<String>| {
        keys.sort();
        keys.dedup();
        for key in keys.into_iter().filter(|key| !has(kind, key)) {
            errors.push(FieldError::new(param, format!("no {what} `{key}`")));
        }
    };
    let texts = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>();
    missing(named.regions.0, "region", "region", texts(&named.regions.1));
    missing(
        named.municipalities.0,
        "municipality",
        "municipality",
        texts(&named.municipalities.1),
    );
    missing(
        named.ags.0,
        "municipality with the AGS",
        "ags",
        named.ags.1.clone(),
    );
    missing(named.estates.0, "estate", "estate", texts(&named.estates.1));
    if !errors.is_empty() {
        return Err(ApiError::bad_params(errors));
    }
    Ok(found
        .into_iter()
        .filter(|p| p.kind == "ags")
        .map(|p| (p.key, p.id))
        .collect())
}

/// The part of `settle` without the database: drafts are for staff.
pub fn check_drafts(query: &PlotQuery, set: &PlotSet) -> Result<(), ApiError> {
    let staff = match set {
        PlotSet::Readable(scope) => scope.is_staff(),
        PlotSet::Deleted => true,
    };
    if query.published == Some(false) && !staff {
        return Err(ApiError::bad_parameter(
            "published",
            "drafts (`published=false`) are for staff: send `Authorization: Bearer` with a token that may `read`",
        ));
    }
    Ok(())
}

/// Whether `settle` would ask the database: only when the search names places.
pub fn names_places(query: &PlotQuery) -> bool {
    !(query.region_ids.is_empty()
        && query.municipality_ids.is_empty()
        && query.municipality_ags.is_empty()
        && query.estate_ids.is_empty())
}

/// Makes a checked search ready to run for a reader of `set`: drafts only for staff, the
/// places it names known to the reader, AGS keys turned into ids. A search without place
/// filters costs no query.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    query: &mut PlotQuery,
    set: &PlotSet,
) -> Result<(), ApiError> {
    check_drafts(query, set)?;
    let named = NamedPlaces {
        regions: ("region", query.region_ids.clone()),
        municipalities: ("municipality", query.municipality_ids.clone()),
        ags: ("municipality", std::mem::take(&mut query.municipality_ags)),
        estates: ("estate", query.estate_ids.clone()),
    };
    let ids = known_places(conn, set, &named).await?;
    query.municipality_ids.extend(ids.into_values());
    Ok(())
}

/// `fresh=true` (`confirmed_since` set by the parameters) as the date it means today, with
/// `GWF_STALE_AFTER_DAYS`.
pub fn fresh_since(query: &mut PlotQuery, stale_after_days: u32) {
    if query.confirmed_since.is_some() {
        query.confirmed_since = Some(crate::domain::freshness::fresh_since(
            crate::domain::freshness::today(),
            stale_after_days,
        ));
    }
}
