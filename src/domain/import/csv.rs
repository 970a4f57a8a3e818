//! CSV as spreadsheets and GIS write it: UTF-8 or Windows-1252, `,` `;` or tab, a header row
//! whose names the import schema (or `?map=`) knows, numbers in the file's locale, the outline
//! as `wkt` or a position as `lon`/`lat`.

use std::collections::HashSet;

use serde_json::Value;

use super::bounds::Budget;
use super::formula;
use super::numbers::{Decimal, Evidence};
use super::read::{ignored, position, shadowed, GeometryInput, ParsedFile, Record};
use super::report::ImportProblem;
use super::schema::{map_record, Column, Mapping, Target};

/// CSV in UTF-8, or in Windows-1252 as German Excel saves it.
fn decode_text(body: &[u8], warnings: &mut Vec<ImportProblem>) -> String {
    match std::str::from_utf8(body) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            warnings.push(ImportProblem::new(
                None,
                None,
                None,
                "the file is not UTF-8; it was read as Windows-1252 (as Excel saves CSV)",
            ));
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(body)
                .0
                .into_owned()
        }
    }
}

/// What each header cell means; refuses a header that names a field twice or has no
/// reference, and warns about what it ignores.
fn header_columns(
    header: &csv::StringRecord,
    mapping: &Mapping,
    warnings: &mut Vec<ImportProblem>,
) -> Result<Vec<(String, Column)>, String> {
    let mut columns = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    for name in header.iter() {
        let column = mapping.column(name);
        match &column {
            Column::Unknown if !name.trim().is_empty() => warnings.push(ignored(name, Some(1))),
            Column::Shadowed(field) => warnings.push(shadowed(name, field, Some(1))),
            Column::Field(field) if !seen.insert(*field) => {
                return Err(format!("column `{name}` names `{field}` a second time"))
            }
            _ => {}
        }
        columns.push((name.to_owned(), column));
    }
    let target = mapping.target();
    if !seen.contains(target.key()) {
        return Err(match target {
            Target::Plots => "the CSV header needs a `reference` column (or Referenz, Kennung): imports match plots by reference".into(),
            Target::Estates => "the CSV header needs a `name` column (or Name, Bezeichnung, Gewerbegebiet): imports match estates by municipality and name".into(),
        });
    }
    let has_geometry = seen.contains("wkt") || (seen.contains("lon") && seen.contains("lat"));
    if !has_geometry {
        warnings.push(ImportProblem::new(
            None,
            Some(1),
            Some("geometry"),
            match target {
                Target::Plots => {
                    "no `wkt` nor `lon`/`lat` columns: only existing plots can be updated"
                }
                Target::Estates => "no `wkt` column: outlines stay as they are",
            },
        ));
    }
    Ok(columns)
}

pub fn csv(body: &[u8], mapping: &Mapping) -> Result<ParsedFile, String> {
    csv_bounded(body, mapping, &mut Budget::unbounded())
}

/// CSV, refused at its first data row over the budget's cap.
pub fn csv_bounded(
    body: &[u8],
    mapping: &Mapping,
    budget: &mut Budget,
) -> Result<ParsedFile, String> {
    let mut warnings = Vec::new();
    let text = decode_text(body, &mut warnings);
    let text = text.trim_start_matches('\u{feff}');
    // The separator German Excel, English spreadsheets or a database dump chose: the one the
    // header line has most of.
    let header_line = text.lines().next().unwrap_or_default();
    let separator = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|s| header_line.bytes().filter(|b| b == s).count())
        .unwrap_or(b',');
    let open = || {
        csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
    };
    let mut reader = open();
    let mut rows = reader.records();
    let header = match rows.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(format!("the CSV header cannot be read: {e}")),
        None => return Err("the CSV file is empty".into()),
    };
    let columns = header_columns(&header, mapping, &mut warnings)?;
    let mapping = &mapping.with_decimal(decimal_of(
        open(),
        &header,
        mapping,
        Decimal::of_separator(separator),
    ));
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let mut lines = LineCounter::default();
    for (i, row) in rows.enumerate() {
        budget.feature(i)?;
        let row = row.map_err(|e| format!("the CSV file cannot be read: {e}"))?;
        let line = row
            .position()
            .map(|p| lines.line_at(text.as_bytes(), p.byte() as usize));
        if row.len() != header.len() {
            problems.push(ImportProblem::new(
                Some(i),
                line,
                None,
                format!("{} cells, but the header has {}", row.len(), header.len()),
            ));
            continue;
        }
        let mapped = map_record(
            columns
                .iter()
                .zip(row.iter())
                .filter(|((_, c), _)| matches!(c, Column::Field(_)))
                .map(|((name, _), cell)| {
                    (name.clone(), Value::String(formula::undo(cell).to_owned()))
                }),
            mapping,
        );
        for (field, text) in mapped.problems {
            problems.push(ImportProblem::new(Some(i), line, Some(&field), text));
        }
        let mut fields = mapped.fields;
        let wkt = fields.remove("wkt");
        let lon = fields.remove("lon").filter(|v| !v.is_null());
        let lat = fields.remove("lat").filter(|v| !v.is_null());
        let geometry = match (wkt, lon, lat) {
            (Some(Value::String(w)), _, _) => GeometryInput::Wkt(w),
            (_, None, None) => GeometryInput::Missing,
            (_, lon, lat) => position(lon.as_ref(), lat.as_ref(), "`lon` and `lat`"),
        };
        records.push(Record {
            feature: i,
            line,
            fields,
            geometry,
        });
    }
    Ok(ParsedFile {
        format: "csv",
        crs: None,
        records,
        problems,
        warnings,
    })
}

/// The decimal separator of a CSV file: what its numeric cells reveal, else what its separator
/// implies (a first pass over the rows, which are in memory already).
fn decimal_of(
    mut reader: csv::Reader<&[u8]>,
    header: &csv::StringRecord,
    mapping: &Mapping,
    implied: Decimal,
) -> Decimal {
    let numeric: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, name)| mapping.reveals_locale(name))
        .map(|(i, _)| i)
        .collect();
    let mut evidence = Evidence::default();
    for row in reader.records().skip(1).flatten() {
        for &i in &numeric {
            if let Some(cell) = row.get(i) {
                evidence.see(formula::undo(cell));
            }
        }
    }
    evidence.decimal(implied)
}

/// Line numbers of records from their byte offsets. The `csv` crate's own line count runs
/// behind after a CRLF, and its offsets point at the terminator before a record: blank lines
/// and terminators are skipped here. Counts forward only, so a whole file costs one pass.
#[derive(Default)]
struct LineCounter {
    byte: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &[u8], mut byte: usize) -> usize {
        while matches!(text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte >= self.byte {
            self.newlines += text[self.byte..byte.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.byte = byte;
        }
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_semicolons_bom_and_blank_lines() {
        let file = csv(
            "\u{feff}reference;title_de;farbe\r\nA-1;\"x;\"\"y\"\"\";\r\n\r\nA-2;\"multi\nline\";z"
                .as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(file.records.len(), 2);
        assert_eq!(file.records[0].fields["title_de"], "x;\"y\"");
        assert_eq!(file.records[0].line, Some(2));
        assert_eq!(file.records[1].fields["title_de"], "multi\nline");
        assert_eq!(file.records[1].line, Some(4));
        assert!(file
            .warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("farbe")));
    }

    #[test]
    fn numbers_are_read_in_the_files_locale() {
        let area =
            |file: &ParsedFile, i: usize| file.records[i].fields.get("area_stated_m2").cloned();
        // German Excel: `;`, thousands points.
        let file = csv(
            "Referenz;Fläche (m²)\nA-1;8.000\nA-2;1.234\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(area(&file, 0), Some(serde_json::json!(8000)));
        assert!(file.problems.is_empty());
        // A `,` file that says nothing else: refused with both readings.
        let file = csv(
            "reference,area_stated_m2\nA-1,8.000\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(file.problems[0]
            .problem
            .contains("8000 if `.` groups thousands, 8 if"));
        // ... unless another cell shows the point is the decimal one.
        let file = csv(
            "reference,area_stated_m2,grz\nA-1,8.000,0.75\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(area(&file, 0), Some(serde_json::json!(8)));
        // ... or a column the import skips, as the service's own exports write them.
        let file = csv(
            "reference,area_stated_m2,centroid_lon\nA-1,8.000,11.234567\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(area(&file, 0), Some(serde_json::json!(8)));
        // A `;` file whose cells use points for decimals.
        let file = csv(
            "reference;area_stated_m2;grz\nA-1;\"8,000\";0.75\n".as_bytes(),
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(area(&file, 0), Some(serde_json::json!(8000)));
    }

    #[test]
    fn a_mapped_column_shadows_the_one_of_the_same_name() {
        let mapping = Mapping::parse(Some("STAT:status"), None, &[]).unwrap();
        let file = csv("reference;status;STAT\nA-1;;frei\n".as_bytes(), &mapping).unwrap();
        assert_eq!(file.records[0].fields["status"], "available");
        assert!(file
            .warnings
            .iter()
            .any(|w| w.problem.contains("`?map=` gives `status`")));
    }

    #[test]
    fn windows_1252_is_read_with_a_warning() {
        let file = csv(
            b"reference,title_de\nA-1,Gro\xdfe Fl\xe4che\n",
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!(file.records[0].fields["title_de"], "Große Fläche");
        assert_eq!(file.warnings.len(), 2, "not UTF-8, and no geometry columns");
    }
}
