//! `GET /plots/{key}/image.png` and `GET /estates/{id}/image.png`: the preview images of a
//! published plot or estate that their profile pages name as their `og:image` (`api::views::plot_image` draws it). Kept in the tile cache under the
//! map data version, like tiles: it shows plots and estates, so it is exactly as fresh as they
//! are, and a link shared in a busy chat is drawn once.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use geo::{BoundingRect, MultiPolygon};

use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::maps::tile_cache::CachedTile;
use crate::api::maps::tiles::{current_version, not_modified};
use crate::api::views::plot_image::{self, PlotPicture, HEIGHT, MARGIN, WIDTH};
use crate::api::AppState;
use crate::config::protection::Class;
use crate::db;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::map_view::View;
use crate::domain::plot::PlotKey;

/// Only what the public sees is drawn, whoever asks: the picture is for sharing.
const PUBLIC: PlotSet = PlotSet::Readable(ReadScope::Public);

/// Neighbours drawn at most; an estate of small plots has a few dozen in view.
const MAX_NEIGHBOURS: i64 = 300;

/// The attribution the ODbL asks for wherever OpenStreetMap data is shown.
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// An outline as stored (GeoJSON text, EPSG:4326) as polygons; `None` for anything else.
fn outline(geojson: &str) -> Option<MultiPolygon<f64>> {
    let geometry: geojson::Geometry = geojson.parse().ok()?;
    match geo::Geometry::<f64>::try_from(geometry).ok()? {
        geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(m) => Some(m),
        _ => None,
    }
}

/// An area as both languages read it: digits grouped by a narrow space (ISO 80000), no decimal
/// separator to disagree on. Units: m².
fn area_text(m2: f64) -> String {
    let digits = (m2.round() as i64).to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(d);
    }
    format!("{out} m²")
}

#[utoipa::path(
    get,
    path = "/plots/{key}/image.png",
    tag = "maps",
    params(("key" = String, Path, description = "Plot id or reference")),
    responses(
        (status = 200, description = "The plot among its neighbours and its estate, on the offline basemap when one is configured (`GWF_BASEMAP_PMTILES`), 1200 × 630 px: the `og:image` of its profile page", content_type = "image/png"),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "Bad plot key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published plot", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    )
)]
pub async fn plot_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = crate::api::plots::plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let Some((row, geometry)) = db::plots::find(&mut conn, &PUBLIC, &key).await? else {
        return Err(ApiError::NotFound(match &key {
            PlotKey::Id(id) => format!("no published plot with id {id}"),
            PlotKey::Reference(r) => format!("no published plot `{r}`"),
        }));
    };
    let (cache, hit) = cached(&state, &mut conn, &format!("plot-image/{}", row.id)).await?;
    if let Some(image) = hit {
        return Ok(respond(&req, image));
    }
    // Drawing costs a database read and some milliseconds of CPU: as a tile does.
    state.limits.check(Class::Heavy, state.client(&req))?;
    let plot = geometry
        .as_deref()
        .and_then(outline)
        .ok_or_else(|| ApiError::NotFound(format!("plot {} has no outline", row.id)))?;
    let estate = db::places::plot_places(
        &mut conn,
        &PUBLIC,
        row.facts.municipality_id,
        row.facts.estate_id,
    )
    .await?
    .and_then(|(_, estate)| estate)
    .and_then(|e| e.outline_geojson.as_deref().and_then(outline));
    let area = row
        .facts
        .area_stated_m2
        .map_or(row.area_geodesic_m2, |a| a as f64);
    let caption = format!(
        "{} · {} · {}",
        row.facts.reference,
        area_text(area),
        row.municipality_name
    );
    let subject = Subject {
        plot: Some((plot, row.facts.status, row.id)),
        estate,
        estate_is_subject: false,
        caption,
    };
    let image = draw(&state, &mut conn, subject).await?;
    store(cache, image.clone());
    Ok(respond(&req, image))
}

#[utoipa::path(
    get,
    path = "/estates/{id}/image.png",
    tag = "maps",
    params(("id" = i64, Path, description = "Estate id")),
    responses(
        (status = 200, description = "The estate with its published plots, on the offline basemap when one is configured, 1200 × 630 px: the `og:image` of its profile page", content_type = "image/png"),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 404, description = "No such published estate, or it has no outline", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::RateLimited,
    )
)]
pub async fn estate_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::NotFound(format!("no published estate `{id}` with an outline"));
    let estate_id: i64 = id.parse().map_err(|_| not_found())?;
    let mut conn = state.pool.get().await?;
    let Some((estate, municipality)) =
        db::places::estate_with_municipality(&mut conn, &PUBLIC, estate_id).await?
    else {
        return Err(not_found());
    };
    let Some(shape) = estate.outline_geojson.as_deref().and_then(outline) else {
        return Err(not_found());
    };
    let (cache, hit) = cached(&state, &mut conn, &format!("estate-image/{estate_id}")).await?;
    if let Some(image) = hit {
        return Ok(respond(&req, image));
    }
    state.limits.check(Class::Heavy, state.client(&req))?;
    let subject = Subject {
        plot: None,
        estate: Some(shape),
        estate_is_subject: true,
        caption: format!("{} · {}", estate.name, municipality.name),
    };
    let image = draw(&state, &mut conn, subject).await?;
    store(cache, image.clone());
    Ok(respond(&req, image))
}

/// What a picture is of. Outlines in degrees (EPSG:4326).
struct Subject {
    /// The plot (outline, status, id), or none for an estate's picture.
    plot: Option<(MultiPolygon<f64>, crate::domain::plot::PlotStatus, i64)>,
    estate: Option<MultiPolygon<f64>>,
    estate_is_subject: bool,
    caption: String,
}

type Cache<'a> = Option<(&'a crate::api::maps::tile_cache::TileCache, i64, String)>;

/// The cached picture under the current map data version, if any, and where to keep a new one.
async fn cached<'a>(
    state: &'a AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    key: &str,
) -> Result<(Cache<'a>, Option<CachedTile>), ApiError> {
    let Some(tiles) = state.tiles.as_deref() else {
        return Ok((None, None));
    };
    let version = current_version(tiles, conn).await?;
    let hit = tiles.get(version, key);
    Ok((Some((tiles, version, key.to_owned())), hit))
}

fn store(cache: Cache<'_>, image: CachedTile) {
    if let Some((tiles, version, key)) = cache {
        tiles.put(version, key, image);
    }
}

/// Draws the picture: framed on the plot (or the estate), with the published plots in view and
/// the basemap's shapes.
async fn draw(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    subject: Subject,
) -> Result<CachedTile, ApiError> {
    let framed = match (&subject.plot, &subject.estate) {
        (Some((plot, _, _)), _) => plot,
        (None, Some(estate)) => estate,
        (None, None) => return Err(ApiError::NotFound("nothing to draw".into())),
    };
    let Some(rect) = framed.bounding_rect() else {
        return Err(ApiError::NotFound("an empty outline".into()));
    };
    let view = View::framing(
        [rect.min().x, rect.min().y, rect.max().x, rect.max().y],
        WIDTH,
        HEIGHT,
        MARGIN,
    );
    let own = subject.plot.as_ref().map(|(_, _, id)| *id);
    let neighbours: Vec<_> = db::plots::outlines_in(conn, &PUBLIC, view.bbox(), MAX_NEIGHBOURS)
        .await?
        .into_iter()
        .filter(|(n, _)| Some(n.id) != own)
        .filter_map(|(n, g)| Some((outline(g.as_deref()?)?, n.status)))
        .collect();
    let basemap = match &state.basemap {
        Some(basemap) => basemap.shapes(&view).await,
        None => Vec::new(),
    };
    let attribution = state.basemap.is_some().then_some(OSM_ATTRIBUTION);
    // Some milliseconds of pure CPU: off the async workers.
    let png = web::block(move || {
        plot_image::render(&PlotPicture {
            view,
            plot: subject.plot.as_ref().map(|(m, status, _)| (m, *status)),
            neighbours: &neighbours,
            estate: subject.estate.as_ref(),
            estate_is_subject: subject.estate_is_subject,
            basemap: &basemap,
            caption: &subject.caption,
            attribution,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("drawing a preview image: {e}")))?;
    Ok(CachedTile::new(png.into()))
}

fn respond(req: &HttpRequest, image: CachedTile) -> HttpResponse {
    let unchanged = not_modified(req, &image.etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, image.etag.clone()))
        // Link previews fetch once; a browser revalidates after ten minutes.
        .insert_header((header::CACHE_CONTROL, "public, max-age=600"));
    if unchanged {
        return response.finish();
    }
    response.content_type("image/png").body(image.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_grouped_by_narrow_spaces() {
        assert_eq!(area_text(12_499.6), "12\u{202F}500 m²");
        assert_eq!(area_text(950.0), "950 m²");
        assert_eq!(area_text(1_234_567.0), "1\u{202F}234\u{202F}567 m²");
    }

    #[test]
    fn only_polygons_are_outlines() {
        assert!(
            outline(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#).is_some()
        );
        assert!(outline(r#"{"type":"Point","coordinates":[0,0]}"#).is_none());
        assert!(outline("not json").is_none());
    }
}
