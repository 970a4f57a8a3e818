//! `seed-demo`: the made-up Städteverbund A14 data set (data/demo/a14.json), loaded through the
//! same validation as the API. Idempotent: existing demo plots are left as they are, places are
//! upserted with identical values. New plots come with a dated five-year past
//! (`seed_with_history`) for the monitoring and freshness figures.
//!
//! The file's dates are those of its `dates_as_of` day; they are moved by the days from then to
//! the day of seeding, so a demo started next year is as fresh (and its stale plots as stale)
//! as one started then, and the kiosk tour, which leaves stale plots out, keeps its plots.

use std::collections::HashMap;

use anyhow::{bail, Context};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::db;
use crate::domain::geometry::{GeometryLimits, PlotGeometry};
use crate::domain::history::{Actor, Via};
use crate::domain::place::EstateData;
use crate::domain::plot::PlotData;

const DATA: &str = include_str!("../data/demo/a14.json");

#[derive(Deserialize)]
struct DemoFile {
    /// The day the plots' `data_confirmed_on` and `available_from` were written for.
    dates_as_of: chrono::NaiveDate,
    region: DemoRegion,
    municipalities: Vec<DemoMunicipality>,
    estates: Vec<DemoEstate>,
    plots: Vec<Map<String, Value>>,
}

#[derive(Deserialize)]
struct DemoRegion {
    slug: String,
    name: String,
    description_de: Option<String>,
    description_en: Option<String>,
}

#[derive(Deserialize)]
struct DemoMunicipality {
    ags: String,
    name: String,
    outline: Option<Value>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
}

#[derive(Deserialize)]
struct DemoEstate {
    key: String,
    municipality_ags: String,
    name: String,
    outline: Option<Value>,
    description_de: Option<String>,
    description_en: Option<String>,
    /// Further members of the estate's write schema (`EstateData`): areas, B-Plan, location.
    #[serde(default)]
    facts: Map<String, Value>,
}

/// What seeding did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub plots_created: usize,
    pub plots_kept: usize,
}

fn outline(value: &Option<Value>, what: &str) -> anyhow::Result<Option<String>> {
    value
        .as_ref()
        .map(|v| {
            PlotGeometry::outline_from_geojson_value(v, "/outline", &GeometryLimits::default())
                .map(|g| g.to_geojson_string())
                .map_err(|e| anyhow::anyhow!("outline of {what}: {e:?}"))
        })
        .transpose()
}

/// Municipality ids by AGS, and estate and municipality ids by the file's estate key.
type PlaceIds = (HashMap<String, i64>, HashMap<String, (i64, i64)>);

/// The region, its municipalities and estates, created or brought to the file's values.
async fn seed_places(conn: &mut AsyncPgConnection, file: &DemoFile) -> anyhow::Result<PlaceIds> {
    let region_id = db::places::upsert_region(
        conn,
        &file.region.slug,
        &file.region.name,
        file.region.description_de.as_deref(),
        file.region.description_en.as_deref(),
    )
    .await?;
    let mut municipality_ids = HashMap::new();
    for m in &file.municipalities {
        let id = db::places::upsert_municipality(
            conn,
            &db::places::MunicipalityWrite {
                region_id,
                ags: &m.ags,
                name: &m.name,
                outline_geojson: outline(&m.outline, &m.name)?,
                contact_name: m.contact_name.as_deref(),
                contact_phone: m.contact_phone.as_deref(),
                contact_email: m.contact_email.as_deref(),
            },
        )
        .await?;
        municipality_ids.insert(m.ags.clone(), id);
    }
    let mut estate_ids = HashMap::new();
    for e in &file.estates {
        let Some(&municipality_id) = municipality_ids.get(&e.municipality_ags) else {
            bail!(
                "estate {} names unknown municipality {}",
                e.key,
                e.municipality_ags
            );
        };
        let id = db::places::upsert_estate(
            conn,
            municipality_id,
            &e.name,
            e.description_de.as_deref(),
            e.description_en.as_deref(),
            outline(&e.outline, &e.name)?,
        )
        .await?;
        if !e.facts.is_empty() {
            let mut data = e.facts.clone();
            data.insert("municipality_id".into(), municipality_id.into());
            data.insert("name".into(), e.name.clone().into());
            data.insert("published".into(), true.into());
            data.insert("description_de".into(), e.description_de.clone().into());
            data.insert("description_en".into(), e.description_en.clone().into());
            let data: EstateData = serde_json::from_value(Value::Object(data))
                .with_context(|| format!("facts of estate {}", e.key))?;
            let (data, _) = data
                .validate(&GeometryLimits::default())
                .map_err(|errors| anyhow::anyhow!("facts of estate {}: {errors:?}", e.key))?;
            db::places::write_estate_fields(conn, id, &data.to_object()).await?;
        }
        estate_ids.insert(e.key.clone(), (id, municipality_id));
    }
    Ok((municipality_ids, estate_ids))
}

/// Seeds as of today in Germany.
pub async fn seed(conn: &mut AsyncPgConnection) -> anyhow::Result<SeedReport> {
    seed_on(conn, crate::domain::freshness::today()).await
}

/// Moves the dates of a plot of the file by `days`.
fn shift_dates(plot: &mut Map<String, Value>, days: i64) {
    for member in ["data_confirmed_on", "available_from"] {
        let shifted = plot
            .get(member)
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            .map(|d| d + chrono::Duration::days(days));
        if let Some(date) = shifted {
            plot.insert(member.into(), date.to_string().into());
        }
    }
}

/// Seeds as if `today` were the day: new plots get the file's dates moved from its
/// `dates_as_of` to `today`, and their past ends on `today`.
pub async fn seed_on(
    conn: &mut AsyncPgConnection,
    today: chrono::NaiveDate,
) -> anyhow::Result<SeedReport> {
    let file: DemoFile = serde_json::from_str(DATA).context("data/demo/a14.json is malformed")?;
    let shift = (today - file.dates_as_of).num_days();
    conn.transaction(async move |conn| {
        let (municipality_ids, estate_ids) = seed_places(conn, &file).await?;
        let mut report = SeedReport::default();
        for mut plot in file.plots {
            shift_dates(&mut plot, shift);
            let reference = plot
                .get("reference")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            let estate_key = plot.remove("estate_key");
            let ags = plot.remove("municipality_ags");
            let (estate_id, municipality_id) = match estate_key.as_ref().and_then(Value::as_str) {
                Some(key) => {
                    let (e, m) = estate_ids
                        .get(key)
                        .with_context(|| format!("plot {reference}: unknown estate {key}"))?;
                    (Some(*e), *m)
                }
                None => {
                    let ags = ags.as_ref().and_then(Value::as_str).unwrap_or_default();
                    let m = municipality_ids
                        .get(ags)
                        .with_context(|| format!("plot {reference}: unknown municipality {ags}"))?;
                    (None, *m)
                }
            };
            plot.insert("municipality_id".into(), municipality_id.into());
            plot.insert("estate_id".into(), estate_id.into());
            let data = PlotData::from_object(plot).map_err(|e| {
                anyhow::anyhow!("plot {reference} does not match the plot schema: {e:?}")
            })?;
            let valid = data
                .validate(today, &GeometryLimits::default())
                .map_err(|e| anyhow::anyhow!("plot {reference} is invalid: {e:?}"))?;
            if db::plots::id_by_reference(conn, &reference)
                .await?
                .is_some()
            {
                report.plots_kept += 1;
            } else {
                seed_with_history(conn, &valid, today, report.plots_created).await?;
                report.plots_created += 1;
            }
        }
        Ok(report)
    })
    .await
}

/// A demo plot with a made-up past, so that monitoring and freshness show something on first
/// start: it was listed five years ago (plus a day per plot), as available where it is sold,
/// reserved or under negotiation today and 10 % cheaper; on its `data_confirmed_on` date it
/// became what the data set says (a sale, a reservation, a price change, a confirmation). Plots
/// the data set confirms long ago stay stale. Dated with `gwf.effective_at` (migration 000009),
/// recorded in the history as changes by `gewerbeflaechen seed-demo`, like the data itself
/// made up (`is_demo`).
async fn seed_with_history(
    conn: &mut AsyncPgConnection,
    valid: &crate::domain::plot::ValidPlot,
    today: chrono::NaiveDate,
    index: usize,
) -> anyhow::Result<()> {
    use crate::domain::history::{diff, Snapshot};
    use crate::domain::money::Cents;
    use crate::domain::plot::PlotStatus;
    let listed_on =
        (today - chrono::Duration::days(5 * 365)) + chrono::Duration::days(index as i64);
    let mut earlier = valid.clone();
    let f = &mut earlier.data.facts;
    if matches!(
        f.status,
        PlotStatus::Sold | PlotStatus::Reserved | PlotStatus::UnderNegotiation
    ) {
        f.status = PlotStatus::Available;
        earlier.data.internal.published = true;
    }
    let cheaper = |c: Cents| Cents((c.0 * 9 / 10 / 10) * 10);
    f.price_min_eur_m2 = f.price_min_eur_m2.map(cheaper);
    f.price_max_eur_m2 = f.price_max_eur_m2.map(cheaper);
    f.data_confirmed_on = listed_on;
    let actor = Actor {
        user_id: None,
        name: "gewerbeflaechen seed-demo".into(),
        via: Via::Cli,
    };
    let at = |day: chrono::NaiveDate| format!("{day} 10:00:00+01");
    effective_at(conn, &at(listed_on)).await?;
    let created = Value::Array(diff(None, &Snapshot::of_valid(&earlier)));
    let id = db::plots::insert(conn, &earlier, true, &actor, &created).await?;
    let changed_on = valid
        .data
        .facts
        .data_confirmed_on
        .max(listed_on + chrono::Duration::days(30));
    effective_at(conn, &at(changed_on.min(today))).await?;
    let changes = Value::Array(diff(
        Some(&Snapshot::of_valid(&earlier)),
        &Snapshot::of_valid(valid),
    ));
    db::plots::update(conn, id, valid, &actor, &changes).await?;
    effective_at(conn, "").await?;
    Ok(())
}

/// Dates the following changes of this transaction (`gwf.effective_at`; empty: now).
async fn effective_at(conn: &mut AsyncPgConnection, at: &str) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT set_config('gwf.effective_at', $1, true)")
        .bind::<diesel::sql_types::Text, _>(at)
        .execute(conn)
        .await?;
    Ok(())
}
