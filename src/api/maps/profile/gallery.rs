//! The photos and documents of a plot or an estate on its profile page (docs/media.md): a grid of the 400 px
//! sizes linking to the 1200 px ones, each with its caption and credit, then the documents. In
//! print only the cover photo and the development plan's reference remain.

use maud::{html, Markup};

use super::number;
use crate::api::views::media::Media;
use crate::domain::media::MediaKind;
use crate::domain::plot::Lang;

fn caption(row: &Media, lang: Lang) -> Option<&str> {
    match lang {
        Lang::De => row.caption_de.as_deref().or(row.caption_en.as_deref()),
        Lang::En => row.caption_en.as_deref().or(row.caption_de.as_deref()),
    }
}

fn credit(row: &Media, lang: Lang) -> Option<String> {
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
/// `media` are the items the reader may see, as the API shows them (links relative to the page).
pub(crate) fn gallery(media: &[Media], reference: &str, lang: Lang) -> Markup {
    let (images, documents): (Vec<&Media>, Vec<&Media>) =
        media.iter().partition(|m| m.links.document.is_none());
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
                        @let kind = m.kind;
                        @let alt = caption(m, lang).map(str::to_owned).unwrap_or_else(|| {
                            format!("{} {} {}", kind.label(de), n + 1, reference)
                        });
                        li.cover[m.cover] {
                            figure {
                                a href=(m.links.large.as_deref().unwrap_or_default()) {
                                    img src=(m.links.small.as_deref().unwrap_or_default())
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
                        @let kind = m.kind;
                        li.bplan[kind == MediaKind::Bplan] {
                            a href=(m.links.document.as_deref().unwrap_or_default()) {
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
