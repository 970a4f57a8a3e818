//! The mails of inquiries: a notice to the responsible staff, a confirmation to the inquirer
//! in their language, and a shortlist of matching plots.
//!
//! The staff notice names no personal data (only what the inquiry is about and a link): mail
//! boxes keep messages beyond the retention time the service enforces on its own data. The
//! inquirer's own mails quote nothing of theirs but what they asked about.

use super::{Profile, Source};
use crate::domain::mail::{escape_html, one_line, MailContent};
use crate::domain::plot::{Lang, Vocabulary};

/// What a mail says about an inquiry.
#[derive(Debug, Clone)]
pub struct Summary {
    pub id: i64,
    /// References of the plots asked about.
    pub plots: Vec<String>,
    /// The municipality it is routed to; `None` for a profile (the region's admins).
    pub town: Option<String>,
    pub profile: Option<Profile>,
    pub source: Source,
}

/// A plot in a shortlist.
#[derive(Debug, Clone)]
pub struct Listed {
    pub reference: String,
    pub title: String,
    pub municipality: String,
    /// Units: m².
    pub area_m2: f64,
}

fn number(value: f64, lang: Lang) -> String {
    let digits = format!("{:.0}", value.round());
    let sep = if lang == Lang::De { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && c.is_ascii_digit() {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The profile in words, one need a line.
pub fn profile_lines(p: &Profile, lang: Lang) -> Vec<String> {
    let de = lang == Lang::De;
    let mut lines = Vec::new();
    match (p.area_min_m2, p.area_max_m2) {
        (Some(a), Some(b)) => lines.push(format!(
            "{}: {} – {} m²",
            if de { "Fläche" } else { "Area" },
            number(a, lang),
            number(b, lang)
        )),
        (Some(a), None) => lines.push(format!(
            "{}: {} {} m²",
            if de { "Fläche" } else { "Area" },
            if de { "ab" } else { "from" },
            number(a, lang)
        )),
        (None, Some(b)) => lines.push(format!(
            "{}: {} {} m²",
            if de { "Fläche" } else { "Area" },
            if de { "bis" } else { "up to" },
            number(b, lang)
        )),
        (None, None) => {}
    }
    if !p.zonings.is_empty() {
        let z: Vec<&str> = p.zonings.iter().map(|z| z.label(lang)).collect();
        lines.push(format!(
            "{}: {}",
            if de { "Nutzungsart" } else { "Type of use" },
            z.join(", ")
        ));
    }
    if let Some(d) = p.needed_by {
        lines.push(format!(
            "{}: {}",
            if de { "Benötigt bis" } else { "Needed by" },
            if de {
                d.format("%d.%m.%Y").to_string()
            } else {
                d.to_string()
            }
        ));
    }
    if let Some(b) = p.budget_eur {
        lines.push(format!("Budget: {} €", number(b as f64, lang)));
    }
    if let Some(j) = p.jobs {
        lines.push(format!(
            "{}: {j}",
            if de { "Arbeitsplätze" } else { "Jobs" }
        ));
    }
    if let Some(s) = &p.sector {
        lines.push(format!("{}: {s}", if de { "Branche" } else { "Sector" }));
    }
    if let Some(k) = p.power_kva {
        lines.push(format!(
            "{}: {} kVA",
            if de { "Leistungsbedarf" } else { "Power" },
            number(f64::from(k), lang)
        ));
    }
    if p.rail == Some(true) {
        lines.push(if de { "Gleisanschluss" } else { "Rail siding" }.into());
    }
    if p.operation_24h == Some(true) {
        lines.push(if de { "24-h-Betrieb" } else { "24 h operation" }.into());
    }
    lines
}

fn about(s: &Summary, lang: Lang) -> Vec<String> {
    if s.plots.is_empty() {
        s.profile
            .as_ref()
            .map(|p| profile_lines(p, lang))
            .unwrap_or_default()
    } else {
        vec![format!(
            "{}: {}",
            if lang == Lang::De {
                "Flächen"
            } else {
                "Plots"
            },
            s.plots.join(", ")
        )]
    }
}

fn html(paragraphs: &[String], list: &[String], lang: Lang) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>",
        lang.code()
    );
    for (i, p) in paragraphs.iter().enumerate() {
        out.push_str(&format!("<p>{}</p>", escape_html(p)));
        if i == 0 && !list.is_empty() {
            out.push_str("<ul>");
            for item in list {
                out.push_str(&format!("<li>{}</li>", escape_html(item)));
            }
            out.push_str("</ul>");
        }
    }
    out.push_str("</body></html>");
    out
}

fn text(paragraphs: &[String], list: &[String]) -> String {
    let mut out = String::new();
    for (i, p) in paragraphs.iter().enumerate() {
        out.push_str(p);
        out.push_str("\n\n");
        if i == 0 && !list.is_empty() {
            for item in list {
                out.push_str(&format!("- {item}\n"));
            }
            out.push('\n');
        }
    }
    out
}

fn content(subject: String, paragraphs: Vec<String>, list: Vec<String>, lang: Lang) -> MailContent {
    MailContent {
        subject: one_line(&subject),
        text: text(&paragraphs, &list),
        html: html(&paragraphs, &list, lang),
        language: lang.code(),
    }
}

/// To the staff the inquiry is routed to, in their language: what it is about and where to
/// read it. No name, address or message of the inquirer.
pub fn staff_notice(s: &Summary, lang: Lang, base: &str) -> MailContent {
    let de = lang == Lang::De;
    let what = if s.plots.is_empty() {
        if de {
            "Suchprofil"
        } else {
            "requirement profile"
        }
        .to_owned()
    } else {
        s.plots.join(", ")
    };
    let subject = match (&s.town, de) {
        (Some(t), true) => format!("Neue Anfrage {} ({what}, {t})", s.id),
        (Some(t), false) => format!("New inquiry {} ({what}, {t})", s.id),
        (None, true) => format!("Neue Anfrage {} ({what})", s.id),
        (None, false) => format!("New inquiry {} ({what})", s.id),
    };
    let link = format!("{base}/inquiries/{}", s.id);
    let paragraphs = if de {
        vec![
            format!(
                "Guten Tag,\n\nüber {} ist eine neue Anfrage eingegangen:",
                source_de(s.source)
            ),
            format!("Kontaktdaten und Nachricht stehen in der Anfrage: {link}"),
            "Bitte antworten Sie zügig: Investoren erwarten eine Antwort binnen 24–48 Stunden."
                .into(),
        ]
    } else {
        vec![
            format!(
                "Hello,\n\na new inquiry came in through {}:",
                source_en(s.source)
            ),
            format!("Contact details and message are in the inquiry: {link}"),
            "Please answer quickly: investors expect an answer within 24–48 hours.".into(),
        ]
    };
    content(subject, paragraphs, about(s, lang), lang)
}

fn source_de(s: Source) -> &'static str {
    match s {
        Source::Profile => "ein Flächenexposé",
        Source::Embed => "die Flächenkarte",
        Source::Kiosk => "das Info-Terminal",
        Source::Shortlist => "eine Merkliste",
        Source::Api => "die Schnittstelle",
    }
}

fn source_en(s: Source) -> &'static str {
    match s {
        Source::Profile => "a plot's profile page",
        Source::Embed => "the plot map",
        Source::Kiosk => "the kiosk",
        Source::Shortlist => "a shortlist",
        Source::Api => "the API",
    }
}

/// To the inquirer, in the language they chose: received, what about, who answers.
pub fn confirmation(s: &Summary, lang: Lang) -> MailContent {
    let de = lang == Lang::De;
    let who = match (&s.town, de) {
        (Some(t), true) => format!("Die Wirtschaftsförderung von {t} meldet sich bei Ihnen."),
        (Some(t), false) => format!("The economic development office of {t} will contact you."),
        (None, true) => "Die Wirtschaftsförderung der Region meldet sich bei Ihnen.".into(),
        (None, false) => "The region's economic development office will contact you.".into(),
    };
    let paragraphs = if de {
        vec![
            "Guten Tag,\n\nvielen Dank für Ihre Anfrage. Sie ist bei uns eingegangen:".into(),
            who,
            "Ihre Angaben verarbeiten wir nur, um Ihre Anfrage zu beantworten, und löschen sie \
             nach Ablauf der Aufbewahrungsfrist. Auskunft und Löschung erhalten Sie jederzeit \
             auf Anfrage."
                .into(),
            "Diese E-Mail wurde automatisch versandt.".into(),
        ]
    } else {
        vec![
            "Hello,\n\nthank you for your inquiry. We have received it:".into(),
            who,
            "We process your details only to answer your inquiry and delete them when the \
             retention period ends. You can ask for a copy or their deletion at any time."
                .into(),
            "This e-mail was sent automatically.".into(),
        ]
    };
    let subject = if de {
        "Ihre Anfrage ist eingegangen"
    } else {
        "We have received your inquiry"
    };
    content(subject.into(), paragraphs, about(s, lang), lang)
}

/// The shortlist for an inquirer: the plots with links to their profile pages.
pub fn shortlist(plots: &[Listed], lang: Lang, base: &str) -> MailContent {
    let de = lang == Lang::De;
    let list: Vec<String> = plots
        .iter()
        .map(|p| {
            format!(
                "{} – {} ({}, {} m²): {base}/plots/{}/profile?lang={}",
                p.reference,
                p.title,
                p.municipality,
                number(p.area_m2, lang),
                p.reference,
                lang.code()
            )
        })
        .collect();
    let paragraphs = if de {
        vec![
            format!(
                "Guten Tag,\n\nzu Ihrer Anfrage passen diese {} Flächen:",
                plots.len()
            ),
            "Antworten Sie gern auf diese Anfrage über Ihre Ansprechpartner; wir beraten Sie \
             zu jeder Fläche."
                .into(),
        ]
    } else {
        vec![
            format!("Hello,\n\nthese {} plots fit your inquiry:", plots.len()),
            "Your contacts are glad to advise you on any of them.".into(),
        ]
    };
    let subject = if de {
        "Passende Gewerbeflächen zu Ihrer Anfrage"
    } else {
        "Commercial plots matching your inquiry"
    };
    content(subject.into(), paragraphs, list, lang)
}
