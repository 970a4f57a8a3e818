//! Monitoring queries on `plot_states` (migration 000009): the plots of a region as they stood
//! at the end of a day, and the deals (became sold or reserved) up to it. The rules that turn
//! them into figures are in `domain::monitoring`.
//!
//! Days end at midnight Europe/Berlin: `as_of` means the state just before the next midnight
//! there, and a deal's year is its calendar year there.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::monitoring::{Deal, GroupBy, Offered, Place};
use crate::domain::plot::{BplanStatus, OwnerType, PlotStatus, Servicing, Vocabulary, Zoning};

/// The instant a day ends, as SQL over the date parameter `$n`.
fn end_of(n: u8) -> String {
    format!("((${n}::date + 1)::timestamp AT TIME ZONE 'Europe/Berlin')")
}

#[derive(QueryableByName)]
struct PlaceColumns {
    #[diesel(sql_type = BigInt)]
    municipality_id: i64,
    #[diesel(sql_type = Text)]
    municipality_name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    estate_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    estate_name: Option<String>,
    #[diesel(sql_type = Text)]
    zoning: String,
}

impl PlaceColumns {
    fn into_place(self) -> Place {
        Place {
            municipality_id: self.municipality_id,
            municipality_name: self.municipality_name,
            estate_id: self.estate_id,
            estate_name: self.estate_name,
            zoning: Zoning::parse(&self.zoning).unwrap_or(Zoning::Other),
        }
    }
}

#[derive(QueryableByName)]
struct OfferedRow {
    #[diesel(embed)]
    place: PlaceColumns,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    servicing: String,
    #[diesel(sql_type = Text)]
    bplan_status: String,
    #[diesel(sql_type = Nullable<Text>)]
    owner_type: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    available_from: Option<NaiveDate>,
    #[diesel(sql_type = Double)]
    area_m2: f64,
    #[diesel(sql_type = Bool)]
    price_on_request: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    price_min_ct: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    price_max_ct: Option<i64>,
}

/// The names are today's (a renamed town reports under its new name); the rest is the state's.
const PLACE_COLUMNS: &str = "s.municipality_id, m.name AS municipality_name, s.estate_id, \
     e.name AS estate_name, s.zoning";

const FROM_STATES: &str = "FROM plot_states s \
     JOIN municipalities m ON m.id = s.municipality_id \
     LEFT JOIN estates e ON e.id = s.estate_id";

/// Published, not deleted plots of `region_id` with a status of supply or reserved, as they
/// stood at the end of `as_of`.
pub async fn offered(
    conn: &mut AsyncPgConnection,
    region_id: i64,
    as_of: NaiveDate,
) -> diesel::QueryResult<Vec<Offered>> {
    let at = end_of(2);
    let rows: Vec<OfferedRow> = diesel::sql_query(format!(
        "SELECT {PLACE_COLUMNS}, s.status, s.servicing, s.bplan_status, s.owner_type, \
                s.available_from, s.area_m2, s.price_on_request, s.price_min_ct, s.price_max_ct \
         {FROM_STATES} \
         WHERE m.region_id = $1 AND s.valid_from < {at} AND (s.valid_to IS NULL OR s.valid_to >= {at}) \
           AND s.published AND NOT s.deleted \
           AND s.status IN ('available', 'under_negotiation', 'planned', 'reserved')"
    ))
    .bind::<BigInt, _>(region_id)
    .bind::<Date, _>(as_of)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Offered {
            place: r.place.into_place(),
            status: PlotStatus::parse(&r.status).unwrap_or(PlotStatus::Available),
            servicing: Servicing::parse(&r.servicing).unwrap_or(Servicing::None),
            bplan_status: BplanStatus::parse(&r.bplan_status).unwrap_or(BplanStatus::None),
            owner_type: r.owner_type.as_deref().and_then(OwnerType::parse),
            available_from: r.available_from,
            area_m2: r.area_m2,
            price_on_request: r.price_on_request,
            price_min_ct: r.price_min_ct,
            price_max_ct: r.price_max_ct,
        })
        .collect())
}

#[derive(QueryableByName)]
struct DealRow {
    #[diesel(embed)]
    place: PlaceColumns,
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    plots: i64,
    #[diesel(sql_type = Double)]
    area_m2: f64,
}

/// Plots of `region_id` that became sold or reserved from another status while listed
/// (published, not deleted), from 1 January of `first_year` to the end of `as_of`, leaving out
/// plots deleted at the end of `as_of`; summed per year, status and what `by` groups by (the
/// other parts of the place are left empty: at a big region's scale, per estate and zoning
/// there is about one deal per row).
pub async fn deals(
    conn: &mut AsyncPgConnection,
    region_id: i64,
    as_of: NaiveDate,
    first_year: i32,
    by: GroupBy,
) -> diesel::QueryResult<Vec<Deal>> {
    let at = end_of(2);
    let (place, group) = match by {
        GroupBy::Municipality => (
            "s.municipality_id, min(m.name) AS municipality_name, NULL::bigint AS estate_id, \
             NULL::text AS estate_name, 'other'::text AS zoning",
            "s.municipality_id",
        ),
        GroupBy::Estate => (
            "s.municipality_id, min(m.name) AS municipality_name, s.estate_id, \
             min(e.name) AS estate_name, 'other'::text AS zoning",
            "s.municipality_id, s.estate_id",
        ),
        GroupBy::Zoning => (
            "0::bigint AS municipality_id, ''::text AS municipality_name, NULL::bigint AS estate_id, \
             NULL::text AS estate_name, s.zoning",
            "s.zoning",
        ),
    };
    let rows: Vec<DealRow> = diesel::sql_query(format!(
        "SELECT {place}, \
                extract(year FROM s.valid_from AT TIME ZONE 'Europe/Berlin')::int AS year, \
                s.status, count(*) AS plots, sum(s.area_m2) AS area_m2 \
         {FROM_STATES} \
         WHERE m.region_id = $1 AND s.status IN ('sold', 'reserved') AND s.prev_listed \
           AND s.prev_status IS DISTINCT FROM s.status \
           AND s.valid_from < {at} \
           AND s.valid_from >= (make_date($3, 1, 1)::timestamp AT TIME ZONE 'Europe/Berlin') \
           AND NOT EXISTS (SELECT 1 FROM plot_states d WHERE d.plot_id = s.plot_id AND d.deleted \
                           AND d.valid_from < {at} AND (d.valid_to IS NULL OR d.valid_to >= {at})) \
         GROUP BY {group}, year, s.status"
    ))
    .bind::<BigInt, _>(region_id)
    .bind::<Date, _>(as_of)
    .bind::<Integer, _>(first_year)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Deal {
                place: r.place.into_place(),
                year: r.year,
                status: PlotStatus::parse(&r.status)?,
                plots: r.plots as u64,
                area_m2: r.area_m2,
            })
        })
        .collect())
}

#[derive(QueryableByName)]
pub struct RegionRef {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Today in Europe/Berlin, by the database's clock.
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
}

/// The region by slug, or, without one, the only region there is (`Err(n)`: n regions).
pub async fn region(
    conn: &mut AsyncPgConnection,
    slug: Option<&str>,
) -> diesel::QueryResult<Result<RegionRef, usize>> {
    let rows: Vec<RegionRef> = diesel::sql_query(
        "SELECT id, slug, name, (now() AT TIME ZONE 'Europe/Berlin')::date AS today FROM regions WHERE deleted_at IS NULL \
         AND ($1::text IS NULL OR slug = $1) ORDER BY id LIMIT 2",
    )
    .bind::<Nullable<Text>, _>(slug)
    .load(conn)
    .await?;
    Ok(match rows.len() {
        1 => Ok(rows.into_iter().next().expect("one row")),
        n => Err(n),
    })
}

#[derive(QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    reference: String,
    #[diesel(sql_type = BigInt)]
    municipality_id: i64,
    #[diesel(sql_type = Text)]
    municipality_name: String,
    #[diesel(sql_type = Bool)]
    published: bool,
    #[diesel(sql_type = Date)]
    data_confirmed_on: NaiveDate,
    #[diesel(sql_type = Bool)]
    never_confirmed: bool,
    #[diesel(sql_type = Bool)]
    price: bool,
    #[diesel(sql_type = Bool)]
    bplan_status: bool,
    #[diesel(sql_type = Bool)]
    servicing: bool,
    #[diesel(sql_type = Bool)]
    broadband: bool,
    #[diesel(sql_type = Bool)]
    distances: bool,
    #[diesel(sql_type = Bool)]
    contact: bool,
    #[diesel(sql_type = Bool)]
    description_en: bool,
}

/// Every plot that is not deleted, of `municipalities` (`None`: all), in municipality order,
/// with what the freshness report checks (`domain::freshness::Completeness`). Location facts
/// and contacts a plot leaves empty count when its published estate (or, for contacts, its
/// town) has them, as the plot shows them (`domain::place`).
pub async fn freshness(
    conn: &mut AsyncPgConnection,
    municipalities: Option<&[i64]>,
) -> diesel::QueryResult<Vec<crate::domain::freshness::PlotCheck>> {
    let rows: Vec<CheckRow> = diesel::sql_query(
        "SELECT p.id, p.reference, p.municipality_id, m.name AS municipality_name, p.published, \
                p.data_confirmed_on, \
                NOT EXISTS (SELECT 1 FROM plot_history h WHERE h.plot_id = p.id AND (h.action = 'confirm' \
                    OR (h.action = 'update' AND h.changes @> '[{\"field\": \"data_confirmed_on\"}]'))) \
                  AS never_confirmed, \
                (p.price_on_request OR p.price_min_ct IS NOT NULL) AS price, \
                p.bplan_status <> 'none' AS bplan_status, \
                (p.servicing <> 'none' OR (p.road_access IS NOT NULL AND p.water IS NOT NULL \
                    AND p.sewage IS NOT NULL AND p.electricity IS NOT NULL)) AS servicing, \
                (p.broadband_mbit IS NOT NULL OR p.fibre IS NOT NULL \
                    OR e.broadband_mbit IS NOT NULL OR e.fibre IS NOT NULL) AS broadband, \
                (p.dist_motorway_km IS NOT NULL OR e.dist_motorway_km IS NOT NULL) AS distances, \
                coalesce(p.contact_email, p.contact_phone, e.contact_email, e.contact_phone, \
                    m.contact_email, m.contact_phone) IS NOT NULL AS contact, \
                coalesce(p.description_en, '') <> '' AS description_en \
         FROM plots p JOIN municipalities m ON m.id = p.municipality_id \
         LEFT JOIN estates e ON e.id = p.estate_id AND e.published AND e.deleted_at IS NULL \
         WHERE p.deleted_at IS NULL AND ($1::bigint[] IS NULL OR p.municipality_id = ANY($1)) \
         ORDER BY m.name, m.id, p.reference",
    )
    .bind::<Nullable<diesel::sql_types::Array<BigInt>>, _>(municipalities)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::domain::freshness::PlotCheck {
            id: r.id,
            reference: r.reference,
            municipality_id: r.municipality_id,
            municipality_name: r.municipality_name,
            published: r.published,
            data_confirmed_on: r.data_confirmed_on,
            never_confirmed: r.never_confirmed,
            completeness: crate::domain::freshness::Completeness {
                price: r.price,
                bplan_status: r.bplan_status,
                servicing: r.servicing,
                broadband: r.broadband,
                distances: r.distances,
                contact: r.contact,
                description_en: r.description_en,
            },
        })
        .collect())
}
