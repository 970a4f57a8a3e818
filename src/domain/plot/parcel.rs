//! Cadastral parcels (Flurstücke) by their ALKIS identifier, the Flurstückskennzeichen: 20
//! characters, Land (2) · Gemarkung (4) · Flur (3) · Zähler (5) · Nenner (4) · Folge (2), the
//! numbers zero-padded, an empty Nenner written `____` and an empty Folge `__`. Example:
//! `13234500400123______` is Gemarkung 2345, Flur 4, Flurstück 123 in Mecklenburg-Vorpommern.
//!
//! One parcel has one identifier here: a Nenner of `0000` or a Folge of `00` (as some exports
//! write an empty part) is stored as `____` / `__`, so an exact search finds it either way.

use super::vocabulary::Lang;
use crate::domain::FieldError;

/// Most parcels one plot lists (a large estate plot spans dozens; beyond this is a data error).
pub const MAX_PARCELS: usize = 500;

/// The identifier in its one stored form, or why it is none.
pub fn canonical(text: &str) -> Result<String, String> {
    let t = text.trim();
    let example = "e.g. `13234500400123______` (Land 2, Gemarkung 4, Flur 3, Zähler 5, Nenner 4, Folge 2 characters)";
    if t.len() != 20 || !t.is_ascii() {
        return Err(format!(
            "`{t}` is not a Flurstückskennzeichen: 20 characters, {example}"
        ));
    }
    let (land, rest) = t.split_at(2);
    let (gemarkung_flur_zaehler, rest) = rest.split_at(12);
    let (nenner, folge) = rest.split_at(4);
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let empty = |s: &str| s.bytes().all(|b| b == b'_');
    if !(digits(land) && (1..=16).contains(&land.parse::<u8>().unwrap_or(0))) {
        return Err(format!(
            "`{t}`: the Land key `{land}` must be 01 to 16, {example}"
        ));
    }
    if !digits(gemarkung_flur_zaehler) {
        return Err(format!(
            "`{t}`: Gemarkung, Flur and Zähler must be digits, {example}"
        ));
    }
    if gemarkung_flur_zaehler[7..].bytes().all(|b| b == b'0') {
        return Err(format!("`{t}`: the Zähler must not be 0, {example}"));
    }
    let nenner = match nenner {
        "0000" => "____",
        n if digits(n) || empty(n) => n,
        _ => {
            return Err(format!(
                "`{t}`: the Nenner must be 4 digits or `____`, {example}"
            ))
        }
    };
    let folge = match folge {
        "00" => "__",
        f if digits(f) || empty(f) => f,
        _ => {
            return Err(format!(
                "`{t}`: the Folge must be 2 digits or `__`, {example}"
            ))
        }
    };
    Ok(format!("{land}{gemarkung_flur_zaehler}{nenner}{folge}"))
}

/// Puts every identifier of a plot in its stored form; the problems, located at
/// `/parcels/{index}`.
pub fn check_all(parcels: &mut [String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if parcels.len() > MAX_PARCELS {
        errors.push(FieldError::new(
            "/parcels",
            format!("at most {MAX_PARCELS} parcels per plot"),
        ));
        return errors;
    }
    for i in 0..parcels.len() {
        match canonical(&parcels[i]) {
            Ok(id) if parcels[..i].contains(&id) => {
                errors.push(FieldError::new(
                    format!("/parcels/{i}"),
                    format!("`{id}` is listed twice"),
                ));
            }
            Ok(id) => parcels[i] = id,
            Err(problem) => errors.push(FieldError::new(format!("/parcels/{i}"), problem)),
        }
    }
    errors
}

/// A stored identifier as people read it: `Gemarkung 2345 · Flur 4 · Flurstück 123/45`.
pub fn describe(id: &str, lang: Lang) -> String {
    let number = |s: &str| s.trim_start_matches('0').to_owned();
    if id.len() != 20 || !id.is_ascii() {
        return id.to_owned();
    }
    let (gemarkung, flur, zaehler, nenner) = (&id[2..6], &id[6..9], &id[9..14], &id[14..18]);
    let mut parcel = number(zaehler);
    if nenner != "____" {
        parcel = format!("{parcel}/{}", number(nenner));
    }
    match lang {
        Lang::De => format!(
            "Gemarkung {gemarkung} · Flur {} · Flurstück {parcel}",
            number(flur)
        ),
        Lang::En => format!(
            "cadastral district {gemarkung} · Flur {} · parcel {parcel}",
            number(flur)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_in_one_form() {
        assert_eq!(
            canonical("13234500400123______").unwrap(),
            "13234500400123______"
        );
        assert_eq!(
            canonical(" 13234500400123004500 ").unwrap(),
            "132345004001230045__",
            "empty Folge written as 00"
        );
        assert_eq!(
            canonical("13234500400123000000").unwrap(),
            "13234500400123______"
        );
        for bad in [
            "1323450040012",
            "17234500400123______",
            "00234500400123______",
            "13234500400000______",
            "1323450040012a______",
            "1323450040012300_5__",
            "13234500400123____0_",
        ] {
            assert!(canonical(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_are_checked_in_place() {
        let mut list = vec![
            "13234500400123______".to_owned(),
            "13234500400123000000".to_owned(),
            "nonsense".to_owned(),
        ];
        let errors = check_all(&mut list);
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/parcels/1", "/parcels/2"]);
    }

    #[test]
    fn people_read_them_as_gemarkung_flur_flurstueck() {
        assert_eq!(
            describe("132345004001230045__", Lang::De),
            "Gemarkung 2345 · Flur 4 · Flurstück 123/45"
        );
        assert_eq!(
            describe("13234500400123______", Lang::En),
            "cadastral district 2345 · Flur 4 · parcel 123"
        );
    }
}
