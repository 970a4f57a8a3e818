//! Photos and documents as the API shows them (docs/media.md).

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::media::{CoverRow, MediaRow};
use crate::domain::media::{variants_of, MediaKind, Variant};

/// A photo or document of a plot or an estate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Media {
    pub id: i64,
    /// The plot it belongs to (else `estate_id`).
    pub plot_id: Option<i64>,
    /// The estate it belongs to (else `plot_id`).
    pub estate_id: Option<i64>,
    pub kind: MediaKind,
    /// Decided from the file's bytes: `image/jpeg`, `image/png`, `image/webp` or
    /// `application/pdf`. Images are served as JPEG in three sizes (`links`).
    pub content_type: String,
    /// Size of the upload in bytes.
    pub bytes: i64,
    /// Pixels of the upload, upright (images).
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub caption_de: Option<String>,
    pub caption_en: Option<String>,
    /// Photographer or source.
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub position: i32,
    /// The plot's cover photo.
    pub cover: bool,
    /// Staff only.
    pub internal: bool,
    /// PDFs: shown in the browser rather than downloaded.
    pub inline: bool,
    /// For `If-Match` (also the `ETag` of `GET /media/{id}`).
    pub version: i32,
    /// SHA-256 of the upload: identical uploads share their files.
    pub content_hash: String,
    pub links: MediaLinks,
}

/// Where the files are: content-hashed URLs, cached for a year (`immutable`).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct MediaLinks {
    /// JPEG within 160 × 160 pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb: Option<String>,
    /// JPEG within 400 × 400 pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub small: Option<String>,
    /// JPEG within 1200 × 1200 pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub large: Option<String>,
    /// The PDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// Path of one file of an item (below the service's base URL).
pub fn file_path(id: i64, hash: &str, variant: Variant) -> String {
    format!("/media/{id}/{hash}/{}", variant.file_name())
}

impl Media {
    pub fn from_row(row: MediaRow, base: &str) -> Media {
        let mut links = MediaLinks::default();
        for variant in variants_of(&row.content_type) {
            let url = Some(format!(
                "{base}{}",
                file_path(row.id, &row.content_hash, *variant)
            ));
            match variant {
                Variant::Thumb => links.thumb = url,
                Variant::Small => links.small = url,
                Variant::Large => links.large = url,
                Variant::Document => links.document = url,
            }
        }
        Media {
            id: row.id,
            plot_id: row.plot_id,
            estate_id: row.estate_id,
            kind: MediaKind::parse(&row.kind).unwrap_or(MediaKind::Document),
            content_type: row.content_type,
            bytes: row.bytes,
            width: row.width,
            height: row.height,
            caption_de: row.caption_de,
            caption_en: row.caption_en,
            credit: row.credit,
            licence: row.licence,
            position: row.position,
            cover: row.cover,
            internal: row.internal,
            inline: row.inline,
            version: row.version,
            content_hash: row.content_hash,
            links,
        }
    }
}

/// The media of a plot.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaList {
    pub plot_id: i64,
    pub items: Vec<Media>,
}

/// The media of an estate.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstateMediaList {
    pub estate_id: i64,
    pub items: Vec<Media>,
}

/// A plot's cover in search results: its image marked as cover, else its first image in gallery
/// order; never an internal item or a document (docs/media.md).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaCover {
    /// The item (`GET /media/{id}`).
    pub id: i64,
    /// JPEG within 160 × 160 pixels (content-hashed URL, cached for a year).
    pub thumb: String,
    /// JPEG within 400 × 400 pixels.
    pub small: String,
    /// Pixels of the upload, upright: the sizes keep its aspect ratio.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Photographer or source.
    pub credit: Option<String>,
    pub licence: Option<String>,
    pub caption_de: Option<String>,
    pub caption_en: Option<String>,
}

impl MediaCover {
    pub fn from_row(row: CoverRow, base: &str) -> MediaCover {
        MediaCover {
            id: row.id,
            thumb: format!(
                "{base}{}",
                file_path(row.id, &row.content_hash, Variant::Thumb)
            ),
            small: format!(
                "{base}{}",
                file_path(row.id, &row.content_hash, Variant::Small)
            ),
            width: row.width,
            height: row.height,
            credit: row.credit,
            licence: row.licence,
            caption_de: row.caption_de,
            caption_en: row.caption_en,
        }
    }
}
