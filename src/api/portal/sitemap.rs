//! `GET /sitemap.xml`: the portal and every published plot and estate profile, in German and
//! English, with `hreflang` alternates (sitemaps.org 0.9 with the xhtml links Google reads) and
//! each plot's preview image (Google's image extension).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use crate::api::error::ApiError;
use crate::api::xml::escape;
use crate::api::AppState;
use crate::db;

/// A sitemap holds at most 50,000 URLs; each page is listed in two languages.
const MAX_PAGES: i64 = 12_000;

/// Both language versions of one page, each naming the other.
fn entries(
    out: &mut String,
    base: &str,
    path: &str,
    modified: Option<DateTime<Utc>>,
    image: Option<&str>,
) {
    let at = |lang: &str| escape(&format!("{base}{path}?lang={lang}"));
    for lang in ["de", "en"] {
        out.push_str("<url><loc>");
        out.push_str(&at(lang));
        out.push_str("</loc>");
        if let Some(m) = modified {
            out.push_str(&format!("<lastmod>{}</lastmod>", m.format("%Y-%m-%d")));
        }
        for alt in ["de", "en"] {
            out.push_str(&format!(
                r#"<xhtml:link rel="alternate" hreflang="{alt}" href="{}"/>"#,
                at(alt)
            ));
        }
        if let Some(image) = image {
            out.push_str(&format!(
                "<image:image><image:loc>{}</image:loc></image:image>",
                escape(&format!("{base}{image}"))
            ));
        }
        out.push_str("</url>\n");
    }
}

pub async fn sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(&req);
    let mut conn = state.pool.get().await?;
    let plots = db::pages::published_plots(&mut conn, MAX_PAGES).await?;
    let estates = db::pages::published_estates(&mut conn, MAX_PAGES).await?;
    drop(conn);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n",
    );
    entries(&mut out, &base, "/", None, None);
    for (reference, updated) in &plots {
        let encoded = form_urlencoded::byte_serialize(reference.as_bytes()).collect::<String>();
        let path = format!("/plots/{encoded}/profile");
        let image = format!("/plots/{encoded}/image.png");
        entries(&mut out, &base, &path, Some(*updated), Some(&image));
    }
    for (id, updated) in &estates {
        entries(
            &mut out,
            &base,
            &format!("/estates/{id}/profile"),
            Some(*updated),
            None,
        );
    }
    out.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(out))
}
