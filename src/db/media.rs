//! Queries on `media`: the rows of photos and documents (the files are in `media_store`).

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::media::MediaOwner;
use crate::schema::{estates, media, plots};

/// One item as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = media, check_for_backend(Pg))]
pub struct MediaRow {
    pub id: i64,
    pub plot_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub kind: String,
    pub content_hash: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub caption_de: Option<String>,
    pub caption_en: Option<String>,
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub position: i32,
    pub cover: bool,
    pub internal: bool,
    pub inline: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An item with what its reader's rights depend on: its plot's or estate's municipality and
/// state.
#[derive(Debug, Clone)]
pub struct OwnedMedia {
    pub row: MediaRow,
    pub owner: MediaOwner,
    pub municipality_id: i64,
    /// The plot's or the estate's `published`.
    pub published: bool,
}

/// A new item's row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia {
    pub plot_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub kind: String,
    pub content_hash: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub caption_de: Option<String>,
    pub caption_en: Option<String>,
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub position: i32,
    pub cover: bool,
    pub internal: bool,
    pub inline: bool,
}

/// The editable columns, all set at once (a PATCH is merged onto the stored item before).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = media, treat_none_as_null = true)]
pub struct MediaChanges {
    pub kind: String,
    pub caption_de: Option<String>,
    pub caption_en: Option<String>,
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub position: i32,
    pub cover: bool,
    pub internal: bool,
    pub inline: bool,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewMedia) -> QueryResult<MediaRow> {
    diesel::insert_into(media::table)
        .values(new)
        .returning(MediaRow::as_returning())
        .get_result(conn)
        .await
}

/// An item that is not deleted, of a plot or estate that is not deleted; `lock` takes its row
/// lock.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: i64,
    lock: bool,
) -> QueryResult<Option<OwnedMedia>> {
    let of_plot = media::table
        .inner_join(plots::table)
        .filter(media::id.eq(id))
        .filter(media::deleted_at.is_null())
        .filter(plots::deleted_at.is_null())
        .select((
            MediaRow::as_select(),
            plots::id,
            plots::municipality_id,
            plots::published,
        ));
    let found: Option<(MediaRow, i64, i64, bool)> = if lock {
        of_plot.for_update().first(conn).await.optional()?
    } else {
        of_plot.first(conn).await.optional()?
    };
    if let Some((row, plot, municipality_id, published)) = found {
        return Ok(Some(OwnedMedia {
            row,
            owner: MediaOwner::Plot(plot),
            municipality_id,
            published,
        }));
    }
    let of_estate = media::table
        .inner_join(estates::table)
        .filter(media::id.eq(id))
        .filter(media::deleted_at.is_null())
        .filter(estates::deleted_at.is_null())
        .select((
            MediaRow::as_select(),
            estates::id,
            estates::municipality_id,
            estates::published,
        ));
    let found: Option<(MediaRow, i64, i64, bool)> = if lock {
        of_estate.for_update().first(conn).await.optional()?
    } else {
        of_estate.first(conn).await.optional()?
    };
    Ok(
        found.map(|(row, estate, municipality_id, published)| OwnedMedia {
            row,
            owner: MediaOwner::Estate(estate),
            municipality_id,
            published,
        }),
    )
}

/// The items of an estate that are not deleted, in gallery order (position, then upload).
pub async fn of_estate(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<MediaRow>> {
    media::table
        .filter(media::estate_id.eq(id))
        .filter(media::deleted_at.is_null())
        .order((media::position, media::id))
        .select(MediaRow::as_select())
        .load(conn)
        .await
}

/// The items of these plots that are not deleted, in gallery order (position, then upload).
pub async fn of_plots(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(media::plot_id.eq_any(ids))
        .filter(media::deleted_at.is_null())
        .order((media::plot_id, media::position, media::id))
        .select(MediaRow::as_select())
        .load(conn)
        .await
}

/// A plot's cover as a search page shows it (`api::views::media::MediaCover`): read with the
/// page in one statement (`db::search`), not by a second query per page.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media, check_for_backend(Pg))]
pub struct CoverRow {
    pub id: i64,
    pub content_hash: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub caption_de: Option<String>,
    pub caption_en: Option<String>,
    /// Always false here (the join leaves internal items out), read so that the access rule is
    /// asked with the item's own value.
    pub internal: bool,
}

/// A cover column set as read beside a page: NULL where a plot has none.
pub type CoverRowSql = diesel::sql_types::Nullable<
    diesel::dsl::SqlTypeOf<<CoverRow as Selectable<Pg>>::SelectExpression>,
>;

/// Joins each row of `page` (a subquery with the plot's `id`) to its cover: its public (not
/// internal) image marked as cover, else its first public image in gallery order. A LATERAL
/// probe of the `media_plot` index per row, so the cost follows the page, not the table (a
/// `DISTINCT ON … WHERE plot_id = ANY` was planned as a sequential scan for 1,000 ids: 25–36 ms
/// against 2.2 ms, bench/RESULTS.md). Readers' rights on drafts are the caller's to check
/// (`domain::access::may_read_media`).
pub fn cover_join() -> &'static str {
    static JOIN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            " LEFT JOIN LATERAL (SELECT {} FROM media \
               WHERE media.plot_id = page.id AND media.deleted_at IS NULL AND NOT media.internal \
                 AND media.content_type <> 'application/pdf' \
               ORDER BY media.cover DESC, media.position, media.id LIMIT 1) AS cover ON true",
            crate::db::sql::text_of(&CoverRow::as_select())
        )
    });
    &JOIN
}

/// Sets the editable columns, bumps the version; returns the row as it is now.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &MediaChanges,
) -> QueryResult<MediaRow> {
    diesel::update(media::table.filter(media::id.eq(id)))
        .set((
            changes,
            media::version.eq(media::version + 1),
            media::updated_at.eq(diesel::dsl::now),
        ))
        .returning(MediaRow::as_returning())
        .get_result(conn)
        .await
}

/// Takes the cover from every other item of the plot or estate (one cover each, as indexes
/// keep).
pub async fn clear_cover(
    conn: &mut AsyncPgConnection,
    owner: MediaOwner,
    except: i64,
) -> QueryResult<()> {
    let items = media::table
        .filter(media::id.ne(except))
        .filter(media::cover)
        .into_boxed();
    let items = match owner {
        MediaOwner::Plot(id) => items.filter(media::plot_id.eq(id)),
        MediaOwner::Estate(id) => items.filter(media::estate_id.eq(id)),
    };
    let ids: Vec<i64> = items.select(media::id).load(conn).await?;
    diesel::update(media::table.filter(media::id.eq_any(ids)))
        .set((
            media::cover.eq(false),
            media::version.eq(media::version + 1),
            media::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn soft_delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(media::table.filter(media::id.eq(id)))
        .set((
            media::deleted_at.eq(diesel::dsl::now),
            media::cover.eq(false),
            media::version.eq(media::version + 1),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// What is known of an upload stored before under `hash` (type, bytes, width, height), so the
/// same file is not decoded again.
pub async fn known(
    conn: &mut AsyncPgConnection,
    hash: &str,
) -> QueryResult<Option<(String, i64, Option<i32>, Option<i32>)>> {
    media::table
        .filter(media::content_hash.eq(hash))
        .select((
            media::content_type,
            media::bytes,
            media::width,
            media::height,
        ))
        .first(conn)
        .await
        .optional()
}

/// The public items of a plot that lack credit or licence: they keep it from being published.
pub async fn uncredited(conn: &mut AsyncPgConnection, plot_id: i64) -> QueryResult<Vec<MediaRow>> {
    let rows: Vec<MediaRow> = media::table
        .filter(media::plot_id.eq(plot_id))
        .filter(media::deleted_at.is_null())
        .filter(media::internal.eq(false))
        .order(media::id)
        .select(MediaRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| crate::domain::media::lacks_credit(r.credit.as_deref(), r.licence.as_deref()))
        .collect())
}

/// Every content hash that rows name (deleted rows too: their objects are kept, see
/// docs/media.md), with the type.
pub async fn all_hashes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, String)>> {
    media::table
        .select((media::content_hash, media::content_type))
        .distinct()
        .order(media::content_hash)
        .load(conn)
        .await
}
