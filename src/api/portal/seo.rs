//! What search engines and link previews (mail, chat) read in a public page's `<head>`: title,
//! description, the canonical URL (from `GWF_PUBLIC_URL` when set), `hreflang` alternates of
//! the German and English page, OpenGraph/Twitter meta and schema.org JSON-LD. Pages of drafts
//! carry none of it (they are `noindex`).

use maud::{html, Markup, PreEscaped};
use serde_json::Value;

use crate::domain::plot::Lang;

/// The head of a public page.
pub struct Head<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub description: &'a str,
    /// The service's base URL (`AppState::base_url`), without a trailing slash.
    pub base: &'a str,
    /// The page's path, without a query; the language is added as `?lang=`.
    pub path: &'a str,
    /// Whether the path without `lang` shows German (profiles) or negotiates (the portal).
    pub default_is_german: bool,
    /// `website` or `place`.
    pub og_type: &'a str,
    /// schema.org JSON-LD, if any.
    pub json_ld: Option<Value>,
    /// A preview image for link previews (`og:image`): its path and its text alternative.
    pub image: Option<(String, String)>,
}

impl Head<'_> {
    pub fn url(&self, lang: Lang) -> String {
        format!("{}{}?lang={}", self.base, self.path, lang.code())
    }

    pub fn render(&self) -> Markup {
        let canonical = self.url(self.lang);
        let x_default = if self.default_is_german {
            self.url(Lang::De)
        } else {
            format!("{}{}", self.base, self.path)
        };
        let (locale, other_locale) = match self.lang {
            Lang::De => ("de_DE", "en_GB"),
            Lang::En => ("en_GB", "de_DE"),
        };
        html! {
            meta name="description" content=(self.description);
            link rel="canonical" href=(canonical);
            link rel="alternate" hreflang="de" href=(self.url(Lang::De));
            link rel="alternate" hreflang="en" href=(self.url(Lang::En));
            link rel="alternate" hreflang="x-default" href=(x_default);
            meta property="og:type" content=(self.og_type);
            meta property="og:title" content=(self.title);
            meta property="og:description" content=(self.description);
            meta property="og:url" content=(canonical);
            meta property="og:locale" content=(locale);
            meta property="og:locale:alternate" content=(other_locale);
            @if let Some((path, alt)) = &self.image {
                meta property="og:image" content=(format!("{}{path}", self.base));
                meta property="og:image:type" content="image/png";
                meta property="og:image:width" content=(crate::api::views::plot_image::WIDTH);
                meta property="og:image:height" content=(crate::api::views::plot_image::HEIGHT);
                meta property="og:image:alt" content=(alt);
                meta name="twitter:card" content="summary_large_image";
                meta name="twitter:image" content=(format!("{}{path}", self.base));
                meta name="twitter:image:alt" content=(alt);
            } @else {
                meta name="twitter:card" content="summary";
            }
            meta name="twitter:title" content=(self.title);
            meta name="twitter:description" content=(self.description);
            @if let Some(ld) = &self.json_ld {
                // A data block, not a script: the CSP's `script-src 'self'` does not apply.
                script type="application/ld+json" { (PreEscaped(json_ld_text(ld))) }
            }
        }
    }
}

/// JSON-LD as text that cannot end its `<script>` element early.
pub fn json_ld_text(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A description cut to what result pages show (about 160 characters), at a word.
pub fn short(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{} …", cut[..at].trim_end_matches([',', ';', '.', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_close_its_script() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        let text = json_ld_text(&v);
        assert!(!text.contains('<'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn descriptions_are_cut_at_a_word() {
        assert_eq!(short("a  b\nc", 10), "a b c");
        assert_eq!(
            short("Gewerbefläche am Autobahnkreuz, voll erschlossen", 30),
            "Gewerbefläche am …"
        );
    }
}
