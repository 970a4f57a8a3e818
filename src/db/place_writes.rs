//! Writing regions, municipalities and estates, with their history. The write schemas
//! (`domain::place`) name the columns: a place's data travels as one JSON object that
//! `jsonb_populate_record` reads into the table's row type, so the columns, their types and the
//! schema cannot drift apart silently (a unit test keeps the column lists equal to the schemas).
//! Outlines enter as GeoJSON in EPSG:4326.

use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Map, Value};

use crate::domain::history::{Actor, HistoryAction};
use crate::domain::place::PlaceKind;

/// The table of a kind of place and the columns its write schema fills (all but the outline).
pub fn table(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::Region => "regions",
        PlaceKind::Municipality => "municipalities",
        PlaceKind::Estate => "estates",
    }
}

pub const REGION_COLUMNS: &[&str] = &[
    "slug",
    "name",
    "description_de",
    "description_en",
    "logo_url",
    "contact_name",
    "contact_phone",
    "contact_email",
    "website",
];

pub const MUNICIPALITY_COLUMNS: &[&str] = &[
    "region_id",
    "ags",
    "name",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_website",
    "description_de",
    "description_en",
];

pub const ESTATE_COLUMNS: &[&str] = &[
    "municipality_id",
    "name",
    "published",
    "description_de",
    "description_en",
    "gross_area_m2",
    "net_area_m2",
    "zoning_summary",
    "bplan_name",
    "bplan_number",
    "bplan_legal_date",
    "bplan_url",
    "motorway_junction",
    "dist_motorway_km",
    "rail_station",
    "dist_rail_station_km",
    "port",
    "dist_port_km",
    "airport",
    "dist_airport_km",
    "broadband_mbit",
    "fibre",
    "grw_area",
    "contact_name",
    "contact_phone",
    "contact_email",
];

pub fn columns(kind: PlaceKind) -> &'static [&'static str] {
    match kind {
        PlaceKind::Region => REGION_COLUMNS,
        PlaceKind::Municipality => MUNICIPALITY_COLUMNS,
        PlaceKind::Estate => ESTATE_COLUMNS,
    }
}

fn has_outline(kind: PlaceKind) -> bool {
    kind != PlaceKind::Region
}

/// A place as stored, in its write schema's shape (`outline` as GeoJSON in EPSG:4326).
#[derive(Debug, Clone)]
pub struct StoredPlace {
    pub id: i64,
    pub version: i32,
    /// The write schema's members.
    pub data: Map<String, Value>,
    /// Units: m². Geodesic area of the outline (0 without one).
    pub outline_area_m2: f64,
}

#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Jsonb)]
    data: Value,
    #[diesel(sql_type = diesel::sql_types::Double)]
    area: f64,
}

/// Locks a place that is not deleted and reads it in its write form. Run it in a transaction.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
) -> diesel::QueryResult<Option<StoredPlace>> {
    let table = table(kind);
    let outline = if has_outline(kind) {
        "jsonb_build_object('outline', ST_AsGeoJSON(t.outline, 9)::jsonb) || ".to_owned()
    } else {
        String::new()
    };
    let area = if has_outline(kind) {
        "coalesce(ST_Area(t.outline::geography), 0)"
    } else {
        "0::float8"
    };
    let query = format!(
        "SELECT t.id, t.version, {outline}jsonb_build_object({pairs}) AS data, {area} AS area \
         FROM {table} t WHERE t.id = $1 AND t.deleted_at IS NULL FOR UPDATE",
        pairs = columns(kind)
            .iter()
            .map(|c| format!("'{c}', t.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let row: Option<LockedRow> = diesel::sql_query(query)
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .map(Some)
        .or_else(not_found_is_none)?;
    Ok(row.map(|r| StoredPlace {
        id: r.id,
        version: r.version,
        data: match r.data {
            Value::Object(object) => object,
            _ => Map::new(),
        },
        outline_area_m2: r.area,
    }))
}

/// Whether a place exists and is not deleted, keeping it so (`FOR SHARE`) until the transaction
/// ends: a place being written under it cannot lose its parent meanwhile.
pub async fn lock_shared(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
) -> diesel::QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let row: Option<Id> = diesel::sql_query(format!(
        "SELECT id FROM {} WHERE id = $1 AND deleted_at IS NULL FOR SHARE",
        table(kind)
    ))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .map(Some)
    .or_else(not_found_is_none)?;
    Ok(row.map(|r| r.id))
}

fn not_found_is_none<T>(error: diesel::result::Error) -> diesel::QueryResult<Option<T>> {
    match error {
        diesel::result::Error::NotFound => Ok(None),
        other => Err(other),
    }
}

#[derive(QueryableByName)]
struct IdVersion {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Integer)]
    version: i32,
}

/// The write schema's object as the table's columns.
fn column_list(kind: PlaceKind) -> String {
    columns(kind).join(", ")
}

/// Inserts a place from its validated write form and records its creation. Returns its id.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    data: &Map<String, Value>,
    actor: &Actor,
    changes: &Value,
) -> diesel::QueryResult<i64> {
    let table = table(kind);
    let cols = column_list(kind);
    let row: IdVersion = diesel::sql_query(format!(
        "INSERT INTO {table} ({cols}) SELECT {cols} FROM jsonb_populate_record(NULL::{table}, $1) \
         RETURNING id, version"
    ))
    .bind::<Jsonb, _>(Value::Object(data.clone()))
    .get_result(conn)
    .await?;
    set_outline(conn, kind, row.id, data.get("outline")).await?;
    record(
        conn,
        kind,
        row.id,
        row.version,
        HistoryAction::Create,
        actor,
        changes,
    )
    .await?;
    Ok(row.id)
}

/// Writes every field of a locked place, bumps its version and records the change. Returns
/// the new version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
    data: &Map<String, Value>,
    action: HistoryAction,
    actor: &Actor,
    changes: &Value,
) -> diesel::QueryResult<i32> {
    let table = table(kind);
    let cols = column_list(kind);
    let row: IdVersion = diesel::sql_query(format!(
        "UPDATE {table} SET ({cols}) = (SELECT {cols} FROM jsonb_populate_record(NULL::{table}, $1)), \
         version = version + 1, updated_at = now() WHERE id = $2 RETURNING id, version"
    ))
    .bind::<Jsonb, _>(Value::Object(data.clone()))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await?;
    set_outline(conn, kind, id, data.get("outline")).await?;
    record(conn, kind, id, row.version, action, actor, changes).await?;
    Ok(row.version)
}

/// Sets (or clears) an outline from GeoJSON in EPSG:4326. A municipality's display outline is
/// generalised with a 10 m tolerance in EPSG:25832 (metres; the whole of Germany lies within
/// its usable extent for this purpose), topology preserved.
pub async fn set_outline(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
    outline: Option<&Value>,
) -> diesel::QueryResult<()> {
    if !has_outline(kind) {
        return Ok(());
    }
    let geojson = outline.filter(|o| !o.is_null()).map(Value::to_string);
    let display = if kind == PlaceKind::Municipality {
        ", outline_display = ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(\
         ST_Transform(g.geom, 25832), 10), 4326))"
    } else {
        ""
    };
    diesel::sql_query(format!(
        "UPDATE {table} SET outline = g.geom{display} \
         FROM (SELECT ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)) AS geom) g WHERE id = $2",
        table = table(kind)
    ))
    .bind::<Nullable<Text>, _>(geojson)
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Counts a change that lives outside the place's row (its media) as an update: the version
/// goes up, since its representation changed, and the history records `changes`.
pub async fn touch(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
    actor: &Actor,
    changes: &Value,
) -> diesel::QueryResult<i32> {
    let row: IdVersion = diesel::sql_query(format!(
        "UPDATE {} SET version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, version",
        table(kind)
    ))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await?;
    record(
        conn,
        kind,
        row.id,
        row.version,
        HistoryAction::Update,
        actor,
        changes,
    )
    .await?;
    Ok(row.version)
}

/// Appends a history entry.
pub async fn record(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
    version: i32,
    action: HistoryAction,
    actor: &Actor,
    changes: &Value,
) -> diesel::QueryResult<()> {
    use crate::schema::place_history as h;
    use diesel::ExpressionMethods;
    diesel::insert_into(h::table)
        .values((
            h::kind.eq(kind.as_str()),
            h::place_id.eq(id),
            h::version.eq(version),
            h::action.eq(action.as_str()),
            h::user_id.eq(actor.user_id),
            h::actor.eq(&actor.name),
            h::via.eq(actor.via.as_str()),
            h::changes.eq(changes),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// What still refers to a place: a place is not deleted while something does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct Dependants {
    #[diesel(sql_type = BigInt)]
    pub municipalities: i64,
    #[diesel(sql_type = BigInt)]
    pub estates: i64,
    #[diesel(sql_type = BigInt)]
    pub plots: i64,
}

impl Dependants {
    pub fn any(&self) -> bool {
        self.municipalities + self.estates + self.plots > 0
    }
}

/// Counts the places and plots (not deleted, drafts included) that refer to a place.
pub async fn dependants(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
) -> diesel::QueryResult<Dependants> {
    let query = match kind {
        PlaceKind::Region => {
            "SELECT (SELECT count(*) FROM municipalities WHERE region_id = $1 AND deleted_at IS NULL) AS municipalities, \
             0::int8 AS estates, 0::int8 AS plots"
        }
        PlaceKind::Municipality => {
            "SELECT 0::int8 AS municipalities, \
             (SELECT count(*) FROM estates WHERE municipality_id = $1 AND deleted_at IS NULL) AS estates, \
             (SELECT count(*) FROM plots WHERE municipality_id = $1 AND deleted_at IS NULL) AS plots"
        }
        PlaceKind::Estate => {
            "SELECT 0::int8 AS municipalities, 0::int8 AS estates, \
             (SELECT count(*) FROM plots WHERE estate_id = $1 AND deleted_at IS NULL) AS plots"
        }
    };
    diesel::sql_query(query)
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
}

/// Marks a locked place deleted (an estate also unpublished), bumps its version and records it.
pub async fn soft_delete(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
    actor: &Actor,
    changes: &Value,
) -> diesel::QueryResult<i32> {
    let unpublish = if kind == PlaceKind::Estate {
        ", published = false"
    } else {
        ""
    };
    let row: IdVersion = diesel::sql_query(format!(
        "UPDATE {table} SET deleted_at = now(){unpublish}, version = version + 1, updated_at = now() \
         WHERE id = $1 RETURNING id, version",
        table = table(kind)
    ))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await?;
    record(
        conn,
        kind,
        id,
        row.version,
        HistoryAction::Delete,
        actor,
        changes,
    )
    .await?;
    Ok(row.version)
}

/// A deleted place, locked: its version and the id of the place it belongs to (region of a
/// municipality, municipality of an estate). Run it in a transaction.
pub async fn lock_deleted(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
) -> diesel::QueryResult<Option<(i32, Option<i64>)>> {
    #[derive(QueryableByName)]
    struct Deleted {
        #[diesel(sql_type = Integer)]
        version: i32,
        #[diesel(sql_type = Nullable<BigInt>)]
        parent: Option<i64>,
    }
    let parent = match kind {
        PlaceKind::Region => "NULL::int8",
        PlaceKind::Municipality => "region_id",
        PlaceKind::Estate => "municipality_id",
    };
    let row: Option<Deleted> = diesel::sql_query(format!(
        "SELECT version, {parent} AS parent FROM {} WHERE id = $1 AND deleted_at IS NOT NULL FOR UPDATE",
        table(kind)
    ))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .map(Some)
    .or_else(not_found_is_none)?;
    Ok(row.map(|r| (r.version, r.parent)))
}

/// Brings a locked deleted place back (an estate as a draft), bumps its version and records it.
pub async fn restore(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
    actor: &Actor,
    changes: &Value,
) -> diesel::QueryResult<i32> {
    let row: IdVersion = diesel::sql_query(format!(
        "UPDATE {table} SET deleted_at = NULL, version = version + 1, updated_at = now() \
         WHERE id = $1 RETURNING id, version",
        table = table(kind)
    ))
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await?;
    record(
        conn,
        kind,
        id,
        row.version,
        HistoryAction::Restore,
        actor,
        changes,
    )
    .await?;
    Ok(row.version)
}

/// One entry of a place's history.
#[derive(Debug, Clone, diesel::Queryable, diesel::Selectable)]
#[diesel(table_name = crate::schema::place_history, check_for_backend(diesel::pg::Pg))]
pub struct PlaceHistoryRow {
    pub version: i32,
    pub action: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub via: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    pub changes: Value,
}

/// The history of a place, newest first.
pub async fn history(
    conn: &mut AsyncPgConnection,
    kind: PlaceKind,
    id: i64,
) -> diesel::QueryResult<Vec<PlaceHistoryRow>> {
    use crate::schema::place_history as h;
    use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl, SelectableHelper};
    h::table
        .filter(h::kind.eq(kind.as_str()).and(h::place_id.eq(id)))
        .order(h::version.desc())
        .select(PlaceHistoryRow::as_select())
        .load(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::place::{EstateData, MunicipalityData, RegionData};
    use serde_json::json;

    fn keys(object: Map<String, Value>) -> Vec<String> {
        let mut keys: Vec<String> = object
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k != "outline")
            .collect();
        keys.sort();
        keys
    }

    fn sorted(columns: &[&str]) -> Vec<String> {
        let mut c: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        c.sort();
        c
    }

    #[test]
    fn the_column_lists_are_the_write_schemas() {
        let r: RegionData = serde_json::from_value(json!({"slug": "ab", "name": "A"})).unwrap();
        assert_eq!(keys(r.to_object()), sorted(REGION_COLUMNS));
        let m: MunicipalityData =
            serde_json::from_value(json!({"region_id": 1, "ags": "13076088", "name": "A"}))
                .unwrap();
        assert_eq!(keys(m.to_object()), sorted(MUNICIPALITY_COLUMNS));
        let e: EstateData =
            serde_json::from_value(json!({"municipality_id": 1, "name": "A"})).unwrap();
        assert_eq!(keys(e.to_object()), sorted(ESTATE_COLUMNS));
    }
}
