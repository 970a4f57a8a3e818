//! Photos and documents of plots (docs/media.md): what a file is (decided from its bytes, never
//! from what the client says), which kinds and sizes there are, the names of the stored objects,
//! and the rules of an item's metadata. Decoding and resizing are in `process`.

pub mod process;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FieldError;

/// What a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl Sniffed {
    /// The type the service stores and serves the file as.
    pub fn content_type(self) -> &'static str {
        match self {
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Png => "image/png",
            Sniffed::Webp => "image/webp",
            Sniffed::Pdf => "application/pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != Sniffed::Pdf
    }
}

/// The file's type from its magic bytes. Anything else (SVG, HTML, GIF, TIFF, archives, …) is
/// refused: SVG and HTML carry scripts, and each further decoder is more attack surface.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Sniffed::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Sniffed::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Sniffed::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Sniffed::Pdf)
    } else {
        None
    }
}

/// Whose item it is: a plot's or an estate's (by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaOwner {
    Plot(i64),
    Estate(i64),
}

/// What an item shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A photo taken on the ground.
    Photo,
    /// An aerial or drone photo.
    Aerial,
    /// A site plan (Lageplan).
    SitePlan,
    /// The development plan (Bebauungsplan) or an excerpt of it.
    Bplan,
    /// Any other document.
    Document,
}

impl MediaKind {
    pub const ALL: [MediaKind; 5] = [
        MediaKind::Photo,
        MediaKind::Aerial,
        MediaKind::SitePlan,
        MediaKind::Bplan,
        MediaKind::Document,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Aerial => "aerial",
            MediaKind::SitePlan => "site_plan",
            MediaKind::Bplan => "bplan",
            MediaKind::Document => "document",
        }
    }

    pub fn parse(text: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kind an upload gets when none is named.
    pub fn default_for(sniffed: Sniffed) -> MediaKind {
        if sniffed.is_image() {
            MediaKind::Photo
        } else {
            MediaKind::Document
        }
    }

    /// German and English label.
    pub fn label(self, lang_de: bool) -> &'static str {
        match (self, lang_de) {
            (MediaKind::Photo, true) => "Foto",
            (MediaKind::Photo, false) => "Photo",
            (MediaKind::Aerial, true) => "Luftbild",
            (MediaKind::Aerial, false) => "Aerial view",
            (MediaKind::SitePlan, true) => "Lageplan",
            (MediaKind::SitePlan, false) => "Site plan",
            (MediaKind::Bplan, true) => "Bebauungsplan",
            (MediaKind::Bplan, false) => "Development plan (B-Plan)",
            (MediaKind::Document, true) => "Dokument",
            (MediaKind::Document, false) => "Document",
        }
    }
}

/// The stored sizes of an image: every one re-encoded from the decoded pixels, so none carries
/// the upload's EXIF or XMP (GPS positions, camera serials). The upload itself is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Fits 160 × 160: lists, map popups.
    Thumb,
    /// Fits 400 × 400: result lists, the gallery's grid.
    Small,
    /// Fits 1200 × 1200: the gallery's large view, print.
    Large,
    /// A PDF as uploaded.
    Document,
}

impl Variant {
    pub const IMAGES: [Variant; 3] = [Variant::Thumb, Variant::Small, Variant::Large];

    /// The object's file name, also the last segment of its URL.
    pub fn file_name(self) -> &'static str {
        match self {
            Variant::Thumb => "thumb.jpg",
            Variant::Small => "400.jpg",
            Variant::Large => "1200.jpg",
            Variant::Document => "document.pdf",
        }
    }

    pub fn parse(file_name: &str) -> Option<Variant> {
        [
            Variant::Thumb,
            Variant::Small,
            Variant::Large,
            Variant::Document,
        ]
        .into_iter()
        .find(|v| v.file_name() == file_name)
    }

    /// Longest side in pixels (images).
    pub fn max_side(self) -> u32 {
        match self {
            Variant::Thumb => 160,
            Variant::Small => 400,
            Variant::Large => 1200,
            Variant::Document => 0,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Variant::Document => "application/pdf",
            _ => "image/jpeg",
        }
    }
}

/// Name of a stored object: the content hash (64 hex digits, checked) and the variant. Nothing
/// the client sends (a file name) ever becomes part of a path.
pub fn object_key(hash: &str, variant: Variant) -> String {
    debug_assert!(is_hash(hash));
    format!("{hash}/{}", variant.file_name())
}

/// Which objects an item of this type has.
pub fn variants_of(content_type: &str) -> &'static [Variant] {
    if content_type == "application/pdf" {
        &[Variant::Document]
    } else {
        &Variant::IMAGES
    }
}

pub fn is_hash(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// SHA-256 of the uploaded bytes, hex.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The editable facts of an item (upload parameters and PATCH body alike).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaData {
    /// What the item shows; default `photo` for images, `document` for PDFs.
    pub kind: Option<MediaKind>,
    /// Caption in German (at most 500 characters).
    pub caption_de: Option<String>,
    /// Caption in English (at most 500 characters).
    pub caption_en: Option<String>,
    /// Photographer or source, e.g. "Stadt Ludwigslust, Foto: M. Muster". Required on every
    /// public item before its plot can be published.
    pub credit: Option<String>,
    /// Licence, e.g. "CC BY 4.0" or "alle Rechte vorbehalten". Required like `credit`.
    pub licence: Option<String>,
    /// Place in the gallery, ascending (then by upload).
    pub position: Option<i32>,
    /// The plot's cover photo (one per plot; setting it here takes it from the other item).
    pub cover: Option<bool>,
    /// Staff only, even on a published plot.
    pub internal: Option<bool>,
    /// PDFs: shown in the browser instead of downloaded (still sandboxed).
    pub inline: Option<bool>,
}

/// Longest caption, credit and licence, in characters (as the database checks).
const CAPTION_MAX: usize = 500;
const CREDIT_MAX: usize = 300;
const LICENCE_MAX: usize = 200;

impl MediaData {
    /// The rules of an item's facts, given its file type.
    pub fn validate(&self, content_type: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let long =
            |name: &str, value: &Option<String>, max: usize, errors: &mut Vec<FieldError>| {
                if value.as_deref().is_some_and(|v| v.chars().count() > max) {
                    errors.push(FieldError::new(
                        format!("/{name}"),
                        format!("at most {max} characters"),
                    ));
                }
                if value
                    .as_deref()
                    .is_some_and(|v| v.chars().any(char::is_control))
                {
                    errors.push(FieldError::new(
                        format!("/{name}"),
                        "no control characters (line breaks included)",
                    ));
                }
            };
        long("caption_de", &self.caption_de, CAPTION_MAX, &mut errors);
        long("caption_en", &self.caption_en, CAPTION_MAX, &mut errors);
        long("credit", &self.credit, CREDIT_MAX, &mut errors);
        long("licence", &self.licence, LICENCE_MAX, &mut errors);
        let pdf = content_type == "application/pdf";
        if pdf && self.cover == Some(true) {
            errors.push(FieldError::new(
                "/cover",
                "a document cannot be the cover photo",
            ));
        }
        if pdf && matches!(self.kind, Some(MediaKind::Photo | MediaKind::Aerial)) {
            errors.push(FieldError::new(
                "/kind",
                "a PDF is a site plan, B-Plan or document, not a photo",
            ));
        }
        if !pdf && self.inline == Some(true) {
            errors.push(FieldError::new("/inline", "only PDFs are downloads"));
        }
        if self.position.is_some_and(|p| !(0..=10_000).contains(&p)) {
            errors.push(FieldError::new("/position", "from 0 to 10,000"));
        }
        errors
    }

    /// Empty texts are no texts.
    pub fn tidy(mut self) -> Self {
        for text in [
            &mut self.caption_de,
            &mut self.caption_en,
            &mut self.credit,
            &mut self.licence,
        ] {
            if let Some(t) = text.as_mut() {
                *t = t.trim().to_owned();
            }
            if text.as_deref() == Some("") {
                *text = None;
            }
        }
        self
    }
}

/// Whether a public item may go public as it is: its credit and licence are known.
pub fn lacks_credit(credit: Option<&str>, licence: Option<&str>) -> bool {
    credit.is_none_or(|c| c.trim().is_empty()) || licence.is_none_or(|l| l.trim().is_empty())
}

/// The credit rule of an item with these facts. A plot's public items need `credit` and
/// `licence` once the plot is published (publishing checks the items it has). An estate's
/// public items need both whenever they are public: an estate's publication does not look at
/// its media, so the item is checked when it is uploaded or made public. Internal items never.
pub fn credit_errors(
    owner: MediaOwner,
    owner_published: bool,
    data: &MediaData,
) -> Vec<FieldError> {
    if data.internal.unwrap_or(false) {
        return Vec::new();
    }
    match owner {
        MediaOwner::Plot(_) => {
            if owner_published && lacks_credit(data.credit.as_deref(), data.licence.as_deref()) {
                return vec![FieldError::new(
                    "/credit",
                    "the plot is published: a public photo or document needs `credit` \
                     (photographer or source) and `licence`",
                )];
            }
            Vec::new()
        }
        MediaOwner::Estate(_) => [("credit", &data.credit), ("licence", &data.licence)]
            .into_iter()
            .filter(|(_, value)| value.as_deref().is_none_or(|v| v.trim().is_empty()))
            .map(|(name, _)| {
                FieldError::new(
                    format!("/{name}"),
                    format!(
                        "a public photo or document of an estate needs `{name}` (or make it \
                         `internal`)"
                    ),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_bytes_only() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Sniffed::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Sniffed::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Sniffed::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Sniffed::Pdf));
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><script>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn object_keys_are_hash_and_fixed_name() {
        let hash = content_hash(b"x");
        assert!(is_hash(&hash));
        assert!(!is_hash("../../etc/passwd"));
        assert_eq!(
            object_key(&hash, Variant::Thumb),
            format!("{hash}/thumb.jpg")
        );
        assert_eq!(Variant::parse("400.jpg"), Some(Variant::Small));
        assert_eq!(Variant::parse("../x"), None);
    }

    #[test]
    fn metadata_rules() {
        let data = MediaData {
            cover: Some(true),
            kind: Some(MediaKind::Photo),
            caption_de: Some("a\nb".into()),
            ..Default::default()
        };
        let errors = data.validate("application/pdf");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(lacks_credit(Some("x"), None));
        assert!(!lacks_credit(Some("x"), Some("CC BY 4.0")));
    }
}
