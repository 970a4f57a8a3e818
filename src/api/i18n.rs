//! Problem details in the caller's language: English (default) or German, chosen by
//! `Accept-Language` (`de`, `de-DE`, q-values honoured). The messages staff meet most are
//! translated here, in one table: the `title` of every status, and the `detail` of 401, 403
//! (the foreign-municipality refusals with the town's name included), 404 for plots, 409, 412,
//! 428, the summary line of 422 and of a rejected import, and the field-level rules met most
//! (`errors[].detail`). Anything not in the tables stays English.
//!
//! `ApiError` answers in English and keeps the `Problem` in the response's extensions; the
//! middleware `localize_problems` rewrites it for German readers and marks every problem
//! response with `Content-Language` and `Vary: Accept-Language`.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use super::error::{Problem, PROBLEM_JSON};
use crate::domain::plot::Lang;

/// The preferred of English and German in an `Accept-Language` header; English without one,
/// for `*`, or when neither is acceptable. Of equal weights the first listed wins.
pub fn negotiate(accept_language: Option<&str>) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept_language.unwrap_or("").split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "de" => Lang::De,
            "en" | "*" => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, lang)| lang)
}

/// The German title of a status (the English one is the status's reason phrase).
fn title_de(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Ungültige Anfrage",
        401 => "Nicht angemeldet",
        403 => "Nicht erlaubt",
        404 => "Nicht gefunden",
        405 => "Methode nicht erlaubt",
        406 => "Format nicht lieferbar",
        408 => "Zeitüberschreitung der Anfrage",
        409 => "Konflikt",
        412 => "Vorbedingung nicht erfüllt",
        411 => "Längenangabe fehlt",
        413 => "Anfrage zu groß",
        414 => "Adresse zu lang",
        415 => "Format nicht unterstützt",
        422 => "Inhalt verletzt Regeln",
        428 => "Vorbedingung erforderlich",
        429 => "Zu viele Anfragen",
        431 => "Kopfzeilen zu groß",
        500 => "Interner Fehler",
        503 => "Dienst vorübergehend nicht verfügbar",
        _ => return None,
    })
}

type Render = fn(&[&str]) -> String;

/// English detail templates (`{}` stands for a value) and their German.
const DETAILS: &[(&str, Render)] = &[
    // 401
    ("this operation needs `Authorization: Bearer <token>` (POST /auth/login)", |_| {
        "diese Aktion braucht `Authorization: Bearer <token>` (POST /auth/login)".into()
    }),
    ("the Authorization header must be `Bearer <token>`", |_| {
        "der Authorization-Header muss `Bearer <token>` lauten".into()
    }),
    ("the bearer token is not valid: unknown, expired or revoked", |_| {
        "das Token ist ungültig: unbekannt, abgelaufen oder widerrufen".into()
    }),
    ("the account no longer exists", |_| "das Konto gibt es nicht mehr".into()),
    ("wrong e-mail or password", |_| "E-Mail-Adresse oder Passwort falsch".into()),
    ("`/metrics` needs `Authorization: Bearer` with GWF_METRICS_TOKEN", |_| {
        "`/metrics` braucht `Authorization: Bearer` mit GWF_METRICS_TOKEN".into()
    }),
    // 403
    ("this token may not do this: it lacks the scope `{}`", |v| {
        format!("dieses Token darf das nicht: ihm fehlt der Scope `{}`", v[0])
    }),
    ("viewers read but do not change plots", |_| {
        "Leserinnen und Leser (viewer) sehen Flächen, ändern sie aber nicht".into()
    }),
    ("viewers read but do not change places", |_| {
        "Leserinnen und Leser (viewer) sehen Orte, ändern sie aber nicht".into()
    }),
    ("viewers cannot import", |_| "Leserinnen und Leser (viewer) können nicht importieren".into()),
    ("only an admin can restore a deleted plot", |_| {
        "nur ein Admin kann eine gelöschte Fläche wiederherstellen".into()
    }),
    ("only an admin sets up regions", |_| "nur ein Admin legt Regionen an".into()),
    ("only an admin sets up and changes municipalities", |_| {
        "nur ein Admin legt Gemeinden an und ändert sie".into()
    }),
    ("only an admin manages accounts", |_| "nur ein Admin verwaltet Konten".into()),
    ("only an admin searches deleted plots", |_| {
        "nur ein Admin durchsucht gelöschte Flächen".into()
    }),
    ("the scope `{}` is not for the role {}", |v| {
        format!("der Scope `{}` passt nicht zur Rolle {}", v[0], v[1])
    }),
    ("a token cannot make a token with more rights than its own (`{}`)", |v| {
        format!("ein Token kann kein Token mit mehr Rechten als seinen eigenen erstellen (`{}`)", v[0])
    }),
    ("the password is wrong", |_| "das Passwort ist falsch".into()),
    ("the history of another municipality's plot is internal to it", |_| {
        "der Verlauf einer Fläche einer anderen Gemeinde ist deren interne Sache".into()
    }),
    ("you may create plots only in your own municipalities, not in {}", |v| {
        format!("Sie dürfen Flächen nur in Ihren eigenen Gemeinden anlegen, nicht in {}", v[0])
    }),
    ("this plot belongs to {}, which is not one of your municipalities", |v| {
        format!("diese Fläche gehört zu {}, keiner Ihrer Gemeinden", v[0])
    }),
    ("you cannot move a plot into {}, which is not one of your municipalities", |v| {
        format!("Sie können keine Fläche nach {} verschieben, keine Ihrer Gemeinden", v[0])
    }),
    ("you may create estates only in your own municipalities, not in {}", |v| {
        format!("Sie dürfen Gewerbegebiete nur in Ihren eigenen Gemeinden anlegen, nicht in {}", v[0])
    }),
    ("this estate belongs to {}, which is not one of your municipalities", |v| {
        format!("dieses Gewerbegebiet gehört zu {}, keiner Ihrer Gemeinden", v[0])
    }),
    ("you cannot move an estate into {}, which is not one of your municipalities", |v| {
        format!("Sie können kein Gewerbegebiet nach {} verschieben, keine Ihrer Gemeinden", v[0])
    }),
    // 404 (plots)
    ("no published plot with id {}", |v| format!("keine veröffentlichte Fläche mit der Id {}", v[0])),
    ("no published plot `{}`", |v| format!("keine veröffentlichte Fläche `{}`", v[0])),
    ("no plot with id {}", |v| format!("keine Fläche mit der Id {}", v[0])),
    ("no plot with reference `{}`", |v| format!("keine Fläche mit dem Kennzeichen `{}`", v[0])),
    ("no plot `{}`", |v| format!("keine Fläche `{}`", v[0])),
    ("no plot {}", |v| format!("keine Fläche {}", v[0])),
    // 409
    ("another plot already has this reference", |_| {
        "eine andere Fläche hat dieses Kennzeichen schon".into()
    }),
    ("another region already has this slug", |_| "eine andere Region hat diesen Slug schon".into()),
    ("a municipality with this AGS exists already (perhaps deleted)", |_| {
        "eine Gemeinde mit diesem AGS gibt es schon (vielleicht gelöscht)".into()
    }),
    ("this municipality already has an estate of this name (perhaps deleted)", |_| {
        "diese Gemeinde hat schon ein Gewerbegebiet dieses Namens (vielleicht gelöscht)".into()
    }),
    ("an account with this e-mail address exists", |_| {
        "ein Konto mit dieser E-Mail-Adresse gibt es schon".into()
    }),
    // 412, 428
    ("this was changed by someone else since the version you sent (now version {})", |v| {
        format!("dies wurde seit der gesendeten Version von jemand anderem geändert (jetzt Version {})", v[0])
    }),
    ("send `If-Match` with the ETag of the version you edited (from GET); it keeps concurrent edits from being lost", |_| {
        "senden Sie `If-Match` mit dem ETag der Version, die Sie bearbeitet haben (aus GET); so geht keine gleichzeitige Änderung verloren".into()
    }),
    ("`If-Match: *` does not protect against lost updates; send the plot's ETag", |_| {
        "`If-Match: *` schützt nicht vor verlorenen Änderungen; senden Sie das ETag der Fläche".into()
    }),
    // 422 and rejected imports: the summary lines
    ("{} rules failed; see `errors`", |v| format!("{} Regeln verletzt; siehe `errors`", v[0])),
    ("{} problem{} in {} of {} feature{}; nothing was imported (see `report`)", |v| {
        format!(
            "{} {} in {} von {} {}; nichts wurde importiert (siehe `report`)",
            v[0],
            if v[0] == "1" { "Problem" } else { "Probleme" },
            v[2],
            v[3],
            if v[3] == "1" { "Objekt" } else { "Objekten" },
        )
    }),
    // 400 that staff meet in searches
    ("{} parameters are invalid; see `errors`", |v| {
        format!("{} Parameter sind ungültig; siehe `errors`", v[0])
    }),
    // 500, 503
    ("The server failed to answer this request. It has been logged.", |_| {
        "Der Server konnte diese Anfrage nicht beantworten. Der Fehler ist protokolliert.".into()
    }),
    ("The service cannot reach its database right now. Retry shortly.", |_| {
        "Der Dienst erreicht seine Datenbank gerade nicht. Bitte gleich noch einmal versuchen.".into()
    }),
];

/// The ten-odd field-level rules met most (`errors[].detail`); the others stay English.
const FIELD_DETAILS: &[(&str, Render)] = &[
    ("missing field `{}`", |v| format!("Pflichtfeld `{}` fehlt", v[0])),
    ("must not be empty", |_| "darf nicht leer sein".into()),
    ("must not be negative", |_| "darf nicht negativ sein".into()),
    ("must be a number ≥ 0", |_| "muss eine Zahl ≥ 0 sein".into()),
    ("must be a positive number of m²", |_| "muss eine positive Zahl (m²) sein".into()),
    ("must be between {} and {} ({})", |v| {
        format!("muss zwischen {} und {} liegen ({})", v[0], v[1], v[2])
    }),
    ("must not be lower than `price_min_eur_m2`", |_| {
        "darf nicht unter `price_min_eur_m2` liegen".into()
    }),
    ("must not be in the future", |_| "darf nicht in der Zukunft liegen".into()),
    ("is already used by another plot", |_| {
        "wird schon von einer anderen Fläche verwendet".into()
    }),
    ("no such municipality", |_| "diese Gemeinde gibt es nicht".into()),
    ("no such estate in the plot's municipality", |_| {
        "dieses Gewerbegebiet gibt es in der Gemeinde der Fläche nicht".into()
    }),
    ("unknown value `{}`; use one of {}", |v| {
        format!("unbekannter Wert `{}`; erlaubt sind {}", v[0], v[1])
    }),
    // Places named in search filters (`api::plots::filters`).
    ("no municipality with the AGS `{}`", |v| format!("keine Gemeinde mit dem AGS `{}`", v[0])),
    ("no municipality `{}`", |v| format!("keine Gemeinde `{}`", v[0])),
    ("no region `{}`", |v| format!("keine Region `{}`", v[0])),
    ("no estate `{}`", |v| format!("kein Gewerbegebiet `{}`", v[0])),
    ("drafts (`published=false`) are for staff: send `Authorization: Bearer` with a token that may `read`", |_| {
        "Entwürfe (`published=false`) sind für Mitarbeitende: senden Sie `Authorization: Bearer` mit einem Token, das `read` darf".into()
    }),
];

/// The values `{}` stands for, if `text` has the form of `template`.
fn matches<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let parts: Vec<&str> = template.split("{}").collect();
    let (first, rest) = parts.split_first()?;
    let mut remaining = text.strip_prefix(first)?;
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty().then(Vec::new);
    };
    let mut values = Vec::new();
    for part in middle {
        let at = remaining.find(part)?;
        values.push(&remaining[..at]);
        remaining = &remaining[at + part.len()..];
    }
    values.push(remaining.strip_suffix(last)?);
    Some(values)
}

fn translate(table: &[(&str, Render)], text: &str) -> Option<String> {
    table
        .iter()
        .find_map(|(template, render)| matches(template, text).map(|v| render(&v)))
}

/// `detail` in German, if the table knows it.
pub fn detail_de(detail: &str) -> Option<String> {
    translate(DETAILS, detail)
}

/// The problem as a German reader gets it.
pub fn german(mut problem: Problem) -> Problem {
    if let Some(title) = title_de(problem.status) {
        problem.title = title.to_owned();
    }
    // A problem with one failed rule repeats it in `detail` (`ApiError::problem`,
    // `bad_params`, `bad_parameter`): that line is translated with the rule.
    if let [one] = problem.errors.as_slice() {
        if let Some(rule) = translate(FIELD_DETAILS, &one.detail) {
            let (p, d) = (&one.pointer, &one.detail);
            let lines = [
                (format!("{p}: {d}"), format!("{p}: {rule}")),
                (
                    format!("parameter `{p}`: {d}"),
                    format!("Parameter `{p}`: {rule}"),
                ),
                (
                    format!("query parameter `{p}`: {d}"),
                    format!("Parameter `{p}`: {rule}"),
                ),
            ];
            if let Some((_, german)) = lines
                .into_iter()
                .find(|(english, _)| *english == problem.detail)
            {
                problem.detail = german;
            }
        }
    }
    if let Some(detail) = detail_de(&problem.detail) {
        problem.detail = detail;
    }
    for error in &mut problem.errors {
        if let Some(detail) = translate(FIELD_DETAILS, &error.detail) {
            error.detail = detail;
        }
    }
    problem
}

/// Marks problem responses with their language and translates them for German readers.
pub async fn localize_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let lang = negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = next.call(req).await?;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !is_problem {
        return Ok(response.map_into_left_body());
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    // One `Vary` line: CORS, further out, reads only the first when it adds its own.
    let mut vary: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    vary.push("Accept-Language".to_owned());
    if let Ok(value) = HeaderValue::from_str(&vary.join(", ")) {
        headers.insert(header::VARY, value);
    }
    let problem = match lang {
        Lang::En => None,
        Lang::De => response.response().extensions().get::<Problem>().cloned(),
    };
    let Some(problem) = problem else {
        return Ok(response.map_into_left_body());
    };
    let body =
        serde_json::to_vec(&german(problem)).map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(response.map_body(|_, _| EitherBody::right(BoxBody::new(body))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_by_weight() {
        assert_eq!(negotiate(None), Lang::En);
        assert_eq!(negotiate(Some("de")), Lang::De);
        assert_eq!(negotiate(Some("de-DE,de;q=0.9,en;q=0.8")), Lang::De);
        assert_eq!(negotiate(Some("en-GB,de;q=0.5")), Lang::En);
        assert_eq!(negotiate(Some("fr, de;q=0.3, en;q=0.2")), Lang::De);
        assert_eq!(negotiate(Some("en;q=0.4, de-AT;q=0.6")), Lang::De);
        assert_eq!(negotiate(Some("de;q=0, en")), Lang::En);
        assert_eq!(negotiate(Some("fr")), Lang::En);
        assert_eq!(negotiate(Some("*")), Lang::En);
    }

    #[test]
    fn templates_carry_their_values() {
        assert_eq!(
            detail_de("this plot belongs to Grabow (AGS 13076050), which is not one of your municipalities").unwrap(),
            "diese Fläche gehört zu Grabow (AGS 13076050), keiner Ihrer Gemeinden"
        );
        assert_eq!(
            detail_de("1 problem in 1 of 3 features; nothing was imported (see `report`)").unwrap(),
            "1 Problem in 1 von 3 Objekten; nichts wurde importiert (siehe `report`)"
        );
        assert_eq!(
            detail_de("no plot `LWL-9`").unwrap(),
            "keine Fläche `LWL-9`"
        );
        assert_eq!(detail_de("something else entirely"), None);
    }

    #[test]
    fn a_single_rule_is_translated_in_detail_and_errors() {
        let problem = Problem {
            type_: "about:blank",
            title: "Bad Request".into(),
            status: 400,
            detail: "parameter `municipality`: no municipality with the AGS `99999999`".into(),
            errors: vec![crate::domain::FieldError::new(
                "municipality",
                "no municipality with the AGS `99999999`",
            )],
            current_version: None,
            report: None,
        };
        let german = german(problem);
        assert_eq!(
            german.detail,
            "Parameter `municipality`: keine Gemeinde mit dem AGS `99999999`"
        );
        assert_eq!(
            german.errors[0].detail,
            "keine Gemeinde mit dem AGS `99999999`"
        );
    }

    #[test]
    fn every_status_we_answer_has_a_german_title() {
        for status in [
            400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429, 500, 503,
        ] {
            assert!(title_de(status).is_some(), "{status}");
        }
    }
}
