//! Queries on `media`: the rows of photos and documents (the files are in `media_store`).

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::{media, plots};

/// One item as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
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

/// An item with what its reader's rights depend on: its plot's municipality and state.
#[derive(Debug, Clone)]
pub struct OwnedMedia {
    pub row: MediaRow,
    pub municipality_id: i64,
    pub plot_published: bool,
}

/// A new item's row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia {
    pub plot_id: Option<i64>,
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

/// An item that is not deleted, of a plot that is not deleted; `lock` takes its row lock.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: i64,
    lock: bool,
) -> QueryResult<Option<OwnedMedia>> {
    let query = media::table
        .inner_join(plots::table)
        .filter(media::id.eq(id))
        .filter(media::deleted_at.is_null())
        .filter(plots::deleted_at.is_null())
        .select((
            MediaRow::as_select(),
            plots::municipality_id,
            plots::published,
        ));
    let found: Option<(MediaRow, i64, bool)> = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    Ok(
        found.map(|(row, municipality_id, plot_published)| OwnedMedia {
            row,
            municipality_id,
            plot_published,
        }),
    )
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

/// The cover of each of these plots that has one: its public (not internal) image marked as
/// cover, else its first public image in gallery order. One query for a page of search results
/// (`DISTINCT ON` over the `media_plot` index), not one per plot; readers' rights on drafts are
/// the caller's to check (`domain::access::may_read_media`).
pub async fn covers_of_plots(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(media::plot_id.eq_any(ids))
        .filter(media::deleted_at.is_null())
        .filter(media::internal.eq(false))
        .filter(media::content_type.ne("application/pdf"))
        .distinct_on(media::plot_id)
        .order((
            media::plot_id,
            media::cover.desc(),
            media::position,
            media::id,
        ))
        .select(MediaRow::as_select())
        .load(conn)
        .await
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

/// Takes the cover from every other item of the plot (one cover per plot, as an index keeps).
pub async fn clear_cover(
    conn: &mut AsyncPgConnection,
    plot_id: i64,
    except: i64,
) -> QueryResult<()> {
    diesel::update(
        media::table
            .filter(media::plot_id.eq(plot_id))
            .filter(media::id.ne(except))
            .filter(media::cover),
    )
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
