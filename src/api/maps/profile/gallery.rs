//! The photos and documents of a plot on its profile page (docs/media.md): a grid of the 400 px
//! sizes linking to the 1200 px ones, each with its caption and credit, then the documents. In
//! print only the cover photo and the development plan's reference remain.

use maud::{html, Markup};

use super::number;
use crate::api::views::media::file_path;
use crate::db::media::MediaRow;
use crate::domain::media::{MediaKind, Variant};
use crate::domain::plot::Lang;

fn caption(row: &MediaRow, lang: Lang) -> Option<&str> {
    match lang {
        Lang::De => row.caption_de.as_deref().or(row.caption_en.as_deref()),
        Lang::En => row.caption_en.as_deref().or(row.caption_de.as_deref()),
    }
}

fn credit(row: &MediaRow, lang: Lang) -> Option<String> {
    let by = row.credit.as_deref()?;
    let prefix = match lang {
        Lang::De => "Foto/Quelle",
        Lang::En => "Photo/source",
    };
    Some(match row.licence.as_deref() {
        Some(licence) => format!("{prefix}: {by} ({licence})"),
        None => format!("{prefix}: {by}"),
    })
}

/// The section, empty when the plot has no media the reader may see.
pub(crate) fn gallery(media: &[MediaRow], reference: &str, lang: Lang) -> Markup {
    let (images, documents): (Vec<&MediaRow>, Vec<&MediaRow>) = media
        .iter()
        .partition(|m| m.content_type != "application/pdf");
    if media.is_empty() {
        return html! {};
    }
    let de = lang == Lang::De;
    html! {
        section.section.gallery {
            h2 { (if de { "Fotos und Pläne" } else { "Photos and plans" }) }
            @if !images.is_empty() {
                ul.gallery-grid {
                    @for (n, m) in images.iter().enumerate() {
                        @let kind = MediaKind::parse(&m.kind).unwrap_or(MediaKind::Photo);
                        @let alt = caption(m, lang).map(str::to_owned).unwrap_or_else(|| {
                            format!("{} {} {}", kind.label(de), n + 1, reference)
                        });
                        li.cover[m.cover] {
                            figure {
                                a href=(file_path(m.id, &m.content_hash, Variant::Large)) {
                                    img src=(file_path(m.id, &m.content_hash, Variant::Small))
                                        alt=(alt) loading="lazy";
                                }
                                figcaption {
                                    @if let Some(text) = caption(m, lang) { span.caption { (text) } }
                                    @if let Some(text) = credit(m, lang) { span.credit { (text) } }
                                }
                            }
                        }
                    }
                }
            }
            @if !documents.is_empty() {
                ul.documents {
                    @for m in &documents {
                        @let kind = MediaKind::parse(&m.kind).unwrap_or(MediaKind::Document);
                        li.bplan[kind == MediaKind::Bplan] {
                            a href=(file_path(m.id, &m.content_hash, Variant::Document)) {
                                (kind.label(de))
                                @if let Some(text) = caption(m, lang) { ": " (text) }
                            }
                            " (PDF, " (number(m.bytes as f64 / 1024.0, 0, lang)) " kB)"
                            @if let Some(text) = credit(m, lang) { " · " span.credit { (text) } }
                        }
                    }
                }
            }
        }
    }
}
