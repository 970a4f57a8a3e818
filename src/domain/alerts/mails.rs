//! The mails of saved searches: the confirmation of an address (double opt-in) and the digest
//! of plots that newly match, each in the subscriber's language and with its unsubscribe link
//! (which `crate::mail` also puts in `List-Unsubscribe`).

use super::{Reason, DIGEST_LISTED};
use crate::domain::mail::{escape_html, one_line, MailContent};
use crate::domain::plot::Lang;

/// A plot in a digest.
#[derive(Debug, Clone)]
pub struct Listed {
    pub reference: String,
    pub title: String,
    pub municipality: String,
    /// Units: m².
    pub area_m2: f64,
    pub reason: Reason,
}

/// The links every alert mail carries.
#[derive(Debug, Clone)]
pub struct Links {
    /// The service's base URL (`GWF_PUBLIC_URL`), for the plots' profile pages.
    pub base: String,
    /// Confirm (confirmation mail) or manage (digest) page.
    pub action: String,
    /// The unsubscribe page (GET shows a button; POST unsubscribes at once, RFC 8058).
    pub unsubscribe: String,
}

fn area(value: f64, lang: Lang) -> String {
    let digits = format!("{:.0}", value.max(0.0).round());
    let sep = if lang == Lang::De { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A paragraph: text, or a link with its label.
enum Part {
    Text(String),
    Link(String, String),
    List(Vec<(String, String)>),
}

fn render(subject: &str, parts: &[Part], lang: Lang) -> MailContent {
    let mut text = String::new();
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>",
        lang.code(),
        escape_html(subject)
    );
    for part in parts {
        match part {
            Part::Text(t) => {
                text.push_str(t);
                text.push_str("\n\n");
                html.push_str(&format!("<p>{}</p>", escape_html(t).replace('\n', "<br>")));
            }
            Part::Link(label, href) => {
                text.push_str(&format!("{label}: {href}\n\n"));
                html.push_str(&format!(
                    "<p><a href=\"{}\">{}</a></p>",
                    escape_html(href),
                    escape_html(label)
                ));
            }
            Part::List(items) => {
                html.push_str("<ul>");
                for (item, href) in items {
                    text.push_str(&format!("- {item}\n  {href}\n"));
                    html.push_str(&format!(
                        "<li><a href=\"{}\">{}</a></li>",
                        escape_html(href),
                        escape_html(item)
                    ));
                }
                html.push_str("</ul>");
                text.push('\n');
            }
        }
    }
    html.push_str("</body></html>");
    MailContent {
        subject: one_line(subject),
        text,
        html,
        language: lang.code(),
    }
}

/// Asks the address's owner to confirm the subscription (double opt-in). Names nothing of the
/// search: whoever typed the address may not be its owner.
pub fn confirmation(lang: Lang, links: &Links, confirm_hours: u32) -> MailContent {
    let de = lang == Lang::De;
    let parts = if de {
        vec![
            Part::Text(
                "Guten Tag,\n\njemand – hoffentlich Sie – möchte mit dieser Adresse über neue \
                 passende Gewerbeflächen zu einer gespeicherten Suche informiert werden \
                 (höchstens eine E-Mail am Tag)."
                    .into(),
            ),
            Part::Link("Bitte bestätigen Sie das hier".into(), links.action.clone()),
            Part::Text(format!(
                "Ohne Bestätigung löschen wir die Anmeldung samt Adresse nach {confirm_hours} \
                 Stunden. Waren Sie es nicht, brauchen Sie nichts zu tun."
            )),
            Part::Link("Abmelden".into(), links.unsubscribe.clone()),
            Part::Text("Diese E-Mail wurde automatisch versandt.".into()),
        ]
    } else {
        vec![
            Part::Text(
                "Hello,\n\nsomeone – hopefully you – asked to be told at this address of new \
                 commercial plots matching a saved search (at most one e-mail a day)."
                    .into(),
            ),
            Part::Link("Please confirm here".into(), links.action.clone()),
            Part::Text(format!(
                "Without confirmation the subscription and the address are deleted after \
                 {confirm_hours} hours. If it was not you, there is nothing to do."
            )),
            Part::Link("Unsubscribe".into(), links.unsubscribe.clone()),
            Part::Text("This e-mail was sent automatically.".into()),
        ]
    };
    let subject = if de {
        "Bitte bestätigen: Suchauftrag Gewerbeflächen"
    } else {
        "Please confirm: alerts for commercial plots"
    };
    render(subject, &parts, lang)
}

/// The digest: the plots that newly match since the last one (up to `DIGEST_LISTED` named,
/// the rest counted), each with its profile page.
pub fn digest(plots: &[Listed], total: usize, lang: Lang, links: &Links) -> MailContent {
    let de = lang == Lang::De;
    let items: Vec<(String, String)> = plots
        .iter()
        .take(DIGEST_LISTED)
        .map(|p| {
            (
                format!(
                    "{} – {} ({}, {} m²; {})",
                    p.reference,
                    p.title,
                    p.municipality,
                    area(p.area_m2, lang),
                    p.reason.label(lang)
                ),
                format!(
                    "{}/plots/{}/profile?lang={}",
                    links.base,
                    p.reference,
                    lang.code()
                ),
            )
        })
        .collect();
    let more = total.saturating_sub(items.len());
    let mut parts = vec![Part::Text(if de {
        format!("Guten Tag,\n\nzu Ihrer gespeicherten Suche passen {total} Flächen neu:")
    } else {
        format!("Hello,\n\n{total} plots newly match your saved search:")
    })];
    parts.push(Part::List(items));
    if more > 0 {
        parts.push(Part::Text(if de {
            format!("… und {more} weitere: alle in der Suche.")
        } else {
            format!("… and {more} more: all of them in the search.")
        }));
    }
    if de {
        parts.push(Part::Link(
            "Suchauftrag verwalten".into(),
            links.action.clone(),
        ));
        parts.push(Part::Link(
            "Abmelden (ein Klick)".into(),
            links.unsubscribe.clone(),
        ));
        parts.push(Part::Text(
            "Sie erhalten höchstens eine solche E-Mail am Tag. Diese E-Mail wurde automatisch \
             versandt."
                .into(),
        ));
    } else {
        parts.push(Part::Link("Manage this alert".into(), links.action.clone()));
        parts.push(Part::Link(
            "Unsubscribe (one click)".into(),
            links.unsubscribe.clone(),
        ));
        parts.push(Part::Text(
            "You get at most one such e-mail a day. This e-mail was sent automatically.".into(),
        ));
    }
    let subject = match (de, total) {
        (true, 1) => "1 neue passende Gewerbefläche".to_owned(),
        (true, n) => format!("{n} neue passende Gewerbeflächen"),
        (false, 1) => "1 new matching commercial plot".to_owned(),
        (false, n) => format!("{n} new matching commercial plots"),
    };
    render(&subject, &parts, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Links {
        Links {
            base: "https://flaechen.example.org".into(),
            action: "https://flaechen.example.org/saved-searches/gwf_a/confirm".into(),
            unsubscribe: "https://flaechen.example.org/saved-searches/gwf_a/unsubscribe".into(),
        }
    }

    #[test]
    fn digests_name_the_plots_with_their_pages_and_escape_what_they_quote() {
        let plot = Listed {
            reference: "LWL-003".into(),
            title: "Gewerbe <Nord>".into(),
            municipality: "Ludwigslust".into(),
            area_m2: 25_000.0,
            reason: Reason::Price,
        };
        let mail = digest(&[plot], 1, Lang::De, &links());
        assert_eq!(mail.subject, "1 neue passende Gewerbefläche");
        assert!(
            mail.text.contains("25.000 m²; Preis geändert"),
            "{}",
            mail.text
        );
        assert!(mail
            .text
            .contains("https://flaechen.example.org/plots/LWL-003/profile?lang=de"));
        assert!(mail.html.contains("Gewerbe &lt;Nord&gt;"));
        assert!(mail.text.contains("/unsubscribe"));
        let en = confirmation(Lang::En, &links(), 72);
        assert!(en.text.contains("after 72 hours"));
        assert!(en.text.contains("/confirm") && en.text.contains("/unsubscribe"));
        assert_eq!(en.language, "en");
    }
}
