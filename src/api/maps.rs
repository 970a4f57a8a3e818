//! Maps for websites and trade fairs: vector tiles, TileJSON, the embeddable map page with its
//! bundled assets (nothing is loaded from another host), and printable plot profiles.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::QueryParams;
use super::tile_cache::CachedTile;
use super::AppState;
use crate::config::Settings;
use crate::db;
use crate::db::plots::{PlotKey, Visibility};
use crate::domain::search::SearchParams;
use crate::domain::FieldError;

/// Deepest zoom served; plots are fully detailed long before.
const MAX_ZOOM: u32 = 22;

const EMBED_HTML: &str = include_str!("../../web/embed.html");

/// The assets `/assets/{name}` serves, compiled into the binary.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "embed.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/assets/embed.js"),
    ),
    (
        "embed.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/assets/embed.css"),
    ),
    (
        "maplibre-gl.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../web/assets/maplibre-gl.js"),
    ),
    (
        "maplibre-gl.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/assets/maplibre-gl.css"),
    ),
    (
        "profile.css",
        "text/css; charset=utf-8",
        include_bytes!("../../web/assets/profile.css"),
    ),
];

/// FNV-1a: a cheap, stable content hash for ETags.
fn content_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    hash
}

fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// A coordinate that is not a number is a bad request; one outside the tile grid of its zoom
/// names a tile that does not exist.
fn tile_coordinate(name: &str, raw: &str, max: u32) -> Result<u32, ApiError> {
    let value = raw.parse::<u32>().map_err(|_| ApiError::BadRequest {
        detail: format!("tile coordinate `{name}` must be a whole number"),
        errors: vec![FieldError::new(name, "must be a whole number")],
    })?;
    if value > max {
        return Err(ApiError::NotFound(format!(
            "no tile with {name} = {value}: the grid at this zoom ends at {max}"
        )));
    }
    Ok(value)
}

/// `{z}/{x}/{y}.mvt` below `/tiles/plots/`, read from the path by hand: the tile route is the
/// hottest of the service, and the router's pattern matching (a regex per dynamic route) cost
/// several per cent of its CPU. Anything else below `/tiles/` is 404.
pub struct TilePath(String, String, String);

impl TilePath {
    fn parse(path: &str) -> Option<TilePath> {
        let mut parts = path.strip_prefix("/tiles/plots/")?.split('/');
        let (z, x, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [z, x, y].iter().any(|p| p.is_empty()) {
            return None;
        }
        Some(TilePath(z.to_owned(), x.to_owned(), y.to_owned()))
    }
}

impl actix_web::FromRequest for TilePath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(TilePath::parse(req.path()).ok_or_else(|| not_a_tile(req)))
    }
}

fn not_a_tile(req: &HttpRequest) -> ApiError {
    ApiError::NotFound(format!(
        "no resource at `{}`; tiles are /tiles/plots/{{z}}/{{x}}/{{y}}.mvt",
        req.path()
    ))
}

/// Everything below `/tiles/` but the TileJSON: tiles for GET, 405 for other methods on a tile
/// path, 404 elsewhere.
pub async fn tiles_fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let Some(path) = TilePath::parse(req.path()) else {
        return Err(not_a_tile(&req));
    };
    if req.method() != actix_web::http::Method::GET {
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET"))
            .finish());
    }
    plot_tile(req, state, path, params).await
}

/// Plot vector tile
///
/// Mapbox Vector Tile (EPSG:3857 XYZ scheme) with one layer `plots`: published plots only,
/// with the attributes a map styles and labels by (`id`, `reference`, `status`, `zoning`,
/// `area_m2`, `price_min_eur`, `price_max_eur`, `price_on_request`, `title_de`, `title_en`,
/// `municipality_name`, `estate_name`). Accepts the filters of `GET /plots`. The `ETag`
/// changes whenever a plot in the tile changes; empty tiles are 204.
#[utoipa::path(
    get,
    path = "/tiles/plots/{z}/{x}/{y}.mvt",
    tag = "maps",
    params(
        ("z" = u32, Path, description = "Zoom, 0–22", maximum = 22),
        ("x" = u32, Path, description = "Column, 0 to 2^z − 1"),
        ("y" = u32, Path, description = "Row, 0 to 2^z − 1 (XYZ, north first)"),
        SearchParams,
    ),
    responses(
        (status = 200, description = "The tile", content_type = "application/vnd.mapbox-vector-tile",
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 204, description = "No plot in this tile"),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "Bad coordinate or filter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Coordinates outside the tile grid of the zoom", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plot_tile(
    req: HttpRequest,
    state: web::Data<AppState>,
    TilePath(z, x, y): TilePath,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let z = match tile_coordinate("z", &z, MAX_ZOOM) {
        Err(ApiError::NotFound(_)) => {
            return Err(ApiError::BadRequest {
                detail: format!("zoom must be at most {MAX_ZOOM}"),
                errors: vec![FieldError::new("z", format!("must be 0..={MAX_ZOOM}"))],
            })
        }
        other => other?,
    };
    let max = (1u32 << z) - 1;
    let x = tile_coordinate("x", &x, max)?;
    let y = tile_coordinate("y", y.strip_suffix(".mvt").unwrap_or("-"), max)?;
    let query = params.into_query(None).map_err(super::search::bad_params)?;
    let mut conn = state.pool.get().await?;
    let key = format!("{z}/{x}/{y}?{}", req.query_string());
    let cache = match state.tiles.as_deref() {
        Some(cache) => Some((cache, db::tiles::map_data_version(&mut conn).await?)),
        None => None,
    };
    let CachedTile { body: bytes, etag } =
        match cache.and_then(|(cache, version)| cache.get(version, &key)) {
            Some(tile) => tile,
            None => {
                let bytes = db::tiles::tile(&mut conn, &query, z, x, y).await?;
                let tile = CachedTile {
                    etag: format!("\"{:016x}\"", content_hash(&bytes)),
                    body: bytes.into(),
                };
                if let Some((cache, version)) = cache {
                    cache.put(version, key, tile.clone());
                }
                tile
            }
        };
    drop(conn);
    let unchanged = not_modified(&req, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else if bytes.is_empty() {
        HttpResponse::NoContent()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        // Short, and revalidated by ETag: staff edits reach embedded maps within seconds.
        .insert_header((header::CACHE_CONTROL, "public, max-age=10, must-revalidate"));
    if unchanged || bytes.is_empty() {
        Ok(response.finish())
    } else {
        Ok(response
            .content_type("application/vnd.mapbox-vector-tile")
            .body(bytes))
    }
}

/// TileJSON 3.0 of the plot tiles.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileJson {
    #[schema(example = "3.0.0")]
    pub tilejson: &'static str,
    pub name: &'static str,
    /// URL template with the request's filters carried over.
    pub tiles: Vec<String>,
    pub minzoom: u32,
    pub maxzoom: u32,
    /// Extent of the matching published plots `[minLon, minLat, maxLon, maxLat]` (EPSG:4326).
    pub bounds: Vec<f64>,
    /// `[lon, lat, zoom]`.
    pub center: Vec<f64>,
    #[schema(value_type = Vec<Object>)]
    pub vector_layers: serde_json::Value,
    pub attribution: &'static str,
}

/// TileJSON of the plot tiles
///
/// Accepts the filters of `GET /plots` and passes them into the `tiles` URL template; `bounds`
/// is the extent of the matching published plots (fit a map to it).
#[utoipa::path(
    get,
    path = "/tiles/plots.json",
    tag = "maps",
    params(SearchParams),
    responses(
        (status = 200, description = "TileJSON", body = TileJson),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plot_tilejson(
    req: HttpRequest,
    state: web::Data<AppState>,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_query(None).map_err(super::search::bad_params)?;
    let mut conn = state.pool.get().await?;
    let extent = db::tiles::extent(&mut conn, &query).await?;
    let bounds = match (
        extent.min_lon,
        extent.min_lat,
        extent.max_lon,
        extent.max_lat,
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => vec![a, b, c, d],
        _ => vec![-180.0, -85.0511, 180.0, 85.0511],
    };
    let center = vec![
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        12.0,
    ];
    let query_string = req.query_string();
    let suffix = if query_string.is_empty() {
        String::new()
    } else {
        format!("?{query_string}")
    };
    let fields = json!({
        "id": "Number", "reference": "String", "status": "String", "zoning": "String",
        "area_m2": "Number: m²", "price_min_eur": "Number: € per m²", "price_max_eur": "Number: € per m²",
        "price_on_request": "Boolean", "title_de": "String", "title_en": "String",
        "municipality_name": "String", "estate_name": "String"
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(TileJson {
            tilejson: "3.0.0",
            name: "plots",
            tiles: vec![format!("{}/tiles/plots/{{z}}/{{x}}/{{y}}.mvt{suffix}", state.base_url(&req))],
            minzoom: 0,
            maxzoom: MAX_ZOOM,
            bounds,
            center,
            vector_layers: json!([{"id": "plots", "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}]),
            attribution: "Gewerbeflächen",
        }))
}

/// Content-Security-Policy of the HTML pages: everything from this origin only (plus the
/// configured basemap), framing only by the configured origins.
fn html_csp(settings: &Settings) -> String {
    let ancestors = if settings.frame_ancestors.is_empty() {
        "'self'".to_owned()
    } else {
        format!("'self' {}", settings.frame_ancestors.join(" "))
    };
    // The style's own host, and the hosts its tiles, glyphs and sprites come from.
    let basemap: String = settings
        .basemap_style
        .as_deref()
        .map(|url| url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/"))
        .into_iter()
        .chain(settings.basemap_origins.iter().cloned())
        .map(|origin| format!(" {origin}"))
        .collect();
    format!(
        "default-src 'self'{basemap}; img-src 'self' data: blob:{basemap}; worker-src 'self' blob:; \
         child-src blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; \
         connect-src 'self'{basemap}; frame-ancestors {ancestors}"
    )
}

fn html_response(settings: &Settings, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, html_csp(settings)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

fn read_web_file(settings: &Settings, relative: &str) -> Option<Vec<u8>> {
    settings
        .web_dir
        .as_ref()
        .and_then(|dir| std::fs::read(dir.join(relative)).ok())
}

/// The embeddable map (`?kiosk=1` for trade-fair screens). See web/README.md for parameters.
pub async fn embed(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    let html = read_web_file(settings, "embed.html")
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| EMBED_HTML.to_owned());
    let config = json!({"basemapStyle": settings.basemap_style});
    // `</` cannot occur in JSON output of these values except inside strings; escape it anyway.
    let config = config.to_string().replace("</", "<\\/");
    let html = html.replace(
        r#"window.GWF_CONFIG = {"basemapStyle": null};"#,
        &format!("window.GWF_CONFIG = {config};"),
    );
    html_response(settings, html)
}

/// Bundled front-end assets.
pub async fn asset(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(index) = ASSETS.iter().position(|(n, _, _)| *n == name.as_str()) else {
        return Err(ApiError::NotFound(format!("no asset `{name}`")));
    };
    let (name, mime, compiled) = ASSETS[index];
    // The compiled-in copies never change: hash them once, and serve them without copying.
    static HASHES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let (body, hash) = match read_web_file(&state.settings, &format!("assets/{name}")) {
        Some(bytes) => {
            let hash = content_hash(&bytes);
            (web::Bytes::from(bytes), hash)
        }
        None => {
            let hashes =
                HASHES.get_or_init(|| ASSETS.iter().map(|(_, _, b)| content_hash(b)).collect());
            (web::Bytes::from_static(compiled), hashes[index])
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ETAG, format!("\"{hash:016x}\"")))
        .body(body))
}

/// Text of the profile page in one language.
struct Words {
    lang: &'static str,
    /// Words for stored vocabulary values (status, zoning, B-Plan, servicing, offer).
    term: fn(&str) -> &'static str,
    labels: [&'static str; 24],
}

const DE: Words = Words {
    lang: "de",
    term: |s| match s {
        "available" => "verfügbar",
        "reserved" => "reserviert",
        "under_negotiation" => "in Verhandlung",
        "sold" => "verkauft",
        "planned" => "in Planung",
        "GI" => "GI – Industriegebiet",
        "GE" => "GE – Gewerbegebiet",
        "GE-e" => "GE-e – eingeschränktes Gewerbegebiet",
        "MI" => "MI – Mischgebiet",
        "MU" => "MU – Urbanes Gebiet",
        "SO" => "SO – Sondergebiet",
        "in_preparation" => "in Aufstellung",
        "legally_binding" => "rechtskräftig",
        "section_34" => "§ 34 BauGB (Innenbereich)",
        "full" => "voll erschlossen",
        "partial" => "teilerschlossen",
        "sale" => "Kauf",
        "lease" => "Pacht / Miete",
        "sale_or_lease" => "Kauf oder Pacht",
        "none" => "keine",
        _ => "sonstige",
    },
    labels: [
        "Status",
        "Verfügbar ab",
        "Fläche (amtlich)",
        "Fläche (berechnet)",
        "Preis",
        "Preis auf Anfrage",
        "Nutzungsart (BauNVO)",
        "Bebauungsplan",
        "GRZ / GFZ / BMZ",
        "Max. Höhe",
        "Erschließung",
        "Breitband",
        "Gleisanschluss",
        "Autobahn",
        "Bahnhof",
        "Hafen",
        "Flughafen",
        "GRW-Fördergebiet",
        "Angebot",
        "Planung",
        "Lage & Erschließung",
        "Kontakt",
        "Stand der Daten",
        "Demo-Datensatz: fiktive Angaben",
    ],
};

const EN: Words = Words {
    lang: "en",
    term: |s| match s {
        "available" => "available",
        "reserved" => "reserved",
        "under_negotiation" => "under negotiation",
        "sold" => "sold",
        "planned" => "planned",
        "GI" => "GI – industrial area",
        "GE" => "GE – commercial area",
        "GE-e" => "GE-e – restricted commercial area",
        "MI" => "MI – mixed area",
        "MU" => "MU – urban area",
        "SO" => "SO – special area",
        "in_preparation" => "in preparation",
        "legally_binding" => "legally binding",
        "section_34" => "§ 34 BauGB (built-up area)",
        "full" => "fully serviced",
        "partial" => "partly serviced",
        "sale" => "sale",
        "lease" => "lease",
        "sale_or_lease" => "sale or lease",
        "none" => "none",
        _ => "other",
    },
    labels: [
        "Status",
        "Available from",
        "Area (official)",
        "Area (computed)",
        "Price",
        "Price on request",
        "Zoning (BauNVO)",
        "Land-use plan",
        "GRZ / GFZ / BMZ",
        "Max. height",
        "Servicing",
        "Broadband",
        "Rail siding",
        "Motorway",
        "Railway station",
        "Port",
        "Airport",
        "GRW aid area",
        "Offer",
        "Planning",
        "Location & servicing",
        "Contact",
        "Data as of",
        "Demo data: fictitious",
    ],
};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn number(value: f64, decimals: usize, lang: &str) -> String {
    let text = format!("{value:.decimals$}");
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(w, f)| (w, f));
    let (group, point) = if lang == "de" { ('.', ',') } else { (',', '.') };
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && *c != '-' {
            grouped.push(group);
        }
        grouped.push(*c);
    }
    if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped}{point}{fraction}")
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProfileParams {
    /// `de` (default) or `en`.
    #[param(pattern = "^(de|en)$")]
    pub lang: Option<String>,
}

/// Plot profile (exposé)
///
/// A printable HTML page of a published plot in German or English: map, key facts, planning,
/// price, distances, contact and the date the data was confirmed. Only public data.
#[utoipa::path(
    get,
    path = "/plots/{key}/profile",
    tag = "maps",
    params(("key" = String, Path, description = "Plot id or reference"), ProfileParams),
    responses(
        (status = 200, description = "The profile page", content_type = "text/html"),
        (status = 400, description = "Bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published plot", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn plot_profile(
    state: web::Data<AppState>,
    key: web::Path<String>,
    QueryParams(params): QueryParams<ProfileParams>,
) -> Result<HttpResponse, ApiError> {
    let words = match params.lang.as_deref() {
        None | Some("de") => &DE,
        Some("en") => &EN,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "lang",
                format!("`{other}`: use de or en"),
            ))
        }
    };
    let key = super::plots::plot_key(&key)?;
    let mut conn = state.pool.get().await?;
    let row = db::plots::find(&mut conn, &Visibility::PublishedOnly, &key)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(match &key {
                PlotKey::Id(id) => format!("no published plot with id {id}"),
                PlotKey::Reference(r) => format!("no published plot `{r}`"),
            })
        })?;
    drop(conn);
    let l = &words.labels;
    let lang = words.lang;
    let title = match lang {
        "en" => row.title_en.clone().unwrap_or_else(|| row.title_de.clone()),
        _ => row.title_de.clone(),
    };
    let description = match lang {
        "en" => row
            .description_en
            .clone()
            .or_else(|| row.description_de.clone()),
        _ => row.description_de.clone(),
    };
    let m2 = |v: f64| format!("{} m²", number(v, 0, lang));
    let km = |v: Option<f64>| v.map(|d| format!("{} km", number(d, 1, lang)));
    let yes_no = |b: bool| {
        if lang == "de" {
            if b {
                "ja"
            } else {
                "nein"
            }
        } else if b {
            "yes"
        } else {
            "no"
        }
    };
    let eur = |c: i64| format!("{} €/m²", number(c as f64 / 100.0, 2, lang));
    let price = if row.price_on_request {
        l[5].to_owned()
    } else {
        match (row.price_min_ct, row.price_max_ct) {
            (Some(min), Some(max)) if max != min => format!(
                "{}–{} €/m²",
                number(min as f64 / 100.0, 2, lang),
                number(max as f64 / 100.0, 2, lang)
            ),
            (Some(min), _) => eur(min),
            _ => l[5].to_owned(),
        }
    };
    let ratios = [row.grz, row.gfz, row.bmz]
        .iter()
        .map(|v| v.map(|v| number(v, 1, lang)).unwrap_or_else(|| "–".into()))
        .collect::<Vec<_>>()
        .join(" / ");
    let mut facts: Vec<(&str, String)> = vec![(l[0], (words.term)(&row.status).to_owned())];
    if let Some(date) = row.available_from {
        facts.push((
            l[1],
            date.format(if lang == "de" { "%d.%m.%Y" } else { "%Y-%m-%d" })
                .to_string(),
        ));
    }
    if let Some(stated) = row.area_stated_m2 {
        facts.push((l[2], m2(stated as f64)));
    }
    facts.push((l[3], m2(row.area_geodesic_m2)));
    facts.push((l[4], price));
    let planning: Vec<(&str, String)> = vec![
        (l[6], (words.term)(&row.zoning).to_owned()),
        (l[7], (words.term)(&row.bplan_status).to_owned()),
        (l[8], ratios),
        (
            l[9],
            row.max_height_m
                .map(|h| format!("{} m", number(h, 1, lang)))
                .unwrap_or_else(|| "–".into()),
        ),
        (l[18], (words.term)(&row.offer).to_owned()),
        (l[17], yes_no(row.grw_area).to_owned()),
    ];
    let mut location: Vec<(&str, String)> = vec![
        (l[10], (words.term)(&row.servicing).to_owned()),
        (
            l[11],
            row.broadband_mbit
                .map(|b| format!("{b} Mbit/s"))
                .unwrap_or_else(|| "–".into()),
        ),
        (l[12], yes_no(row.rail_siding).to_owned()),
    ];
    for (label, value) in [
        (l[13], km(row.dist_motorway_km)),
        (l[14], km(row.dist_rail_station_km)),
        (l[15], km(row.dist_port_km)),
        (l[16], km(row.dist_airport_km)),
    ] {
        if let Some(value) = value {
            location.push((label, value));
        }
    }
    let dl = |items: &[(&str, String)]| {
        items
            .iter()
            .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)))
            .collect::<String>()
    };
    let contact = [&row.contact_name, &row.contact_phone, &row.contact_email]
        .iter()
        .filter_map(|v| v.as_deref())
        .map(|v| {
            if v.contains('@') {
                format!("<a href=\"mailto:{0}\">{0}</a>", escape(v))
            } else {
                escape(v)
            }
        })
        .collect::<Vec<_>>()
        .join("<br>");
    let subtitle = [
        Some(row.reference.clone()),
        Some(row.municipality_name.clone()),
        row.estate_name.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|s| escape(&s))
    .collect::<Vec<_>>()
    .join(" · ");
    let geometry = row
        .geometry_geojson
        .clone()
        .unwrap_or_else(|| "null".into())
        .replace("</", "<\\/");
    let other_lang = if lang == "de" { "en" } else { "de" };
    let stand = row
        .data_confirmed_on
        .format(if lang == "de" { "%d.%m.%Y" } else { "%Y-%m-%d" });
    let html = format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title_e} – {reference}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/maplibre-gl.css">
<link rel="stylesheet" href="/assets/profile.css">
</head>
<body>
<article class="profile">
<nav class="lang-switch"><a href="?lang={other_lang}">{other_lang_upper}</a></nav>
<header>
{demo}<h1>{title_e}</h1>
<p class="subtitle">{subtitle}</p>
</header>
<div class="map" id="map" aria-label="{reference}"></div>
<dl class="facts">{facts}</dl>
{description}
<section class="section"><h2>{planning_h}</h2><dl class="facts">{planning}</dl></section>
<section class="section"><h2>{location_h}</h2><dl class="facts">{location}</dl></section>
<section class="section contact"><h2>{contact_h}</h2><p>{contact}</p></section>
<p class="stand">{stand_label}: {stand}</p>
</article>
<script src="/assets/maplibre-gl.js"></script>
<script>
(function () {{
  var geometry = {geometry};
  if (!geometry || !window.maplibregl) return;
  var coords = [];
  (geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates]).forEach(function (p) {{ p[0].forEach(function (c) {{ coords.push(c); }}); }});
  var xs = coords.map(function (c) {{ return c[0]; }}), ys = coords.map(function (c) {{ return c[1]; }});
  var map = new maplibregl.Map({{
    container: 'map', interactive: false, attributionControl: false,
    canvasContextAttributes: {{ preserveDrawingBuffer: true }},
    style: {{ version: 8, sources: {{ plot: {{ type: 'geojson', data: geometry }} }},
      layers: [{{ id: 'bg', type: 'background', paint: {{ 'background-color': '#f4f1ea' }} }},
        {{ id: 'fill', type: 'fill', source: 'plot', paint: {{ 'fill-color': '#2e7d32', 'fill-opacity': 0.35 }} }},
        {{ id: 'line', type: 'line', source: 'plot', paint: {{ 'line-color': '#1b5e20', 'line-width': 2 }} }}] }},
    bounds: [[Math.min.apply(null, xs), Math.min.apply(null, ys)], [Math.max.apply(null, xs), Math.max.apply(null, ys)]],
    fitBoundsOptions: {{ padding: 40 }}
  }});
  window.gwfProfileMap = map;
  // Browsers print a WebGL canvas blank; print a still image of it instead.
  window.addEventListener('beforeprint', function () {{
    var img = document.createElement('img');
    img.className = 'map-print';
    img.alt = '';
    img.src = map.getCanvas().toDataURL('image/png');
    document.getElementById('map').appendChild(img);
  }});
  window.addEventListener('afterprint', function () {{
    document.querySelectorAll('.map-print').forEach(function (el) {{ el.remove(); }});
  }});
}})();
</script>
</body>
</html>
"#,
        title_e = escape(&title),
        reference = escape(&row.reference),
        other_lang_upper = other_lang.to_uppercase(),
        demo = if row.is_demo {
            format!("<p class=\"demo-badge\">{}</p>", escape(l[23]))
        } else {
            String::new()
        },
        facts = dl(&facts),
        description = description
            .map(|d| format!("<p class=\"description\">{}</p>", escape(&d)))
            .unwrap_or_default(),
        planning_h = escape(l[19]),
        planning = dl(&planning),
        location_h = escape(l[20]),
        location = dl(&location),
        contact_h = escape(l[21]),
        stand_label = escape(l[22]),
    );
    Ok(html_response(&state.settings, html))
}

/// Adds CORS headers for configured origins and answers preflight requests.
pub async fn cors(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let allowed = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.cors_origins.clone())
        .unwrap_or_default();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let allow = origin.as_ref().and_then(|o| {
        if allowed.iter().any(|a| a == "*") {
            Some("*".to_owned())
        } else if allowed.iter().any(|a| a == o) {
            Some(o.clone())
        } else {
            None
        }
    });
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        if let Some(allow) = allow {
            let response = HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, allow))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, POST, PUT, PATCH, DELETE",
                ))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "Authorization, Content-Type, If-Match, If-None-Match",
                ))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "3600"))
                .insert_header((header::VARY, "Origin"))
                .finish();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let mut response = next.call(req).await?;
    if let Some(allow) = allow {
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&allow) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Link, Location, X-Request-Id"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(response.map_into_left_body())
}
