//! CSV output: RFC 4180 (comma, dot decimals) or the dialect German Excel opens correctly
//! (semicolon, decimal comma, UTF-8 byte-order mark). The `csv` crate quotes; this module decides
//! what a cell says. `export` streams a whole search result as CSV.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::stream;
use serde_json::Value;

use crate::api::extract::Caller;
use crate::api::views::Plot;
use crate::api::AppState;
use crate::db;
use crate::domain::access::{PlotSet, ReadScope};
use crate::domain::plot::{members, Kind};
use crate::domain::search::{GeometryForm, OutputFormat, PlotQuery};

/// Rows fetched per round trip while streaming a CSV export.
const EXPORT_CHUNK: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvDialect {
    Rfc4180,
    ExcelGerman,
    /// RFC 4180 with a byte-order mark: Excel in English reads commas and dots, and needs the
    /// mark to read UTF-8.
    ExcelEnglish,
}

pub struct CsvWriter {
    dialect: CsvDialect,
    columns: Vec<String>,
}

impl CsvWriter {
    pub fn new(dialect: CsvDialect, columns: Vec<String>) -> Self {
        CsvWriter { dialect, columns }
    }

    /// Lines written by the `csv` crate, which quotes as RFC 4180 asks. Writing to memory
    /// cannot fail.
    fn lines(&self, rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
        let separator = match self.dialect {
            CsvDialect::Rfc4180 | CsvDialect::ExcelEnglish => b',',
            CsvDialect::ExcelGerman => b';',
        };
        let mut writer = csv::WriterBuilder::new()
            .delimiter(separator)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for row in rows {
            let _ = writer.write_record(&row);
        }
        writer.into_inner().unwrap_or_default()
    }

    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.dialect != CsvDialect::Rfc4180 {
            // Without the BOM Excel reads UTF-8 as Windows-1252 and mangles umlauts.
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        out.extend(self.lines([self.columns.clone()]));
        out
    }

    /// Rows of `records` (objects; missing members are empty cells).
    pub fn rows<'a>(&self, records: impl IntoIterator<Item = &'a Value>) -> Vec<u8> {
        self.lines(records.into_iter().map(|record| {
            self.columns
                .iter()
                .map(|c| self.cell(c, record.get(c).unwrap_or(&Value::Null)))
                .collect()
        }))
    }

    fn cell(&self, column: &str, value: &Value) -> String {
        let excel = self.dialect == CsvDialect::ExcelGerman;
        let text = match value {
            Value::Null => return String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => {
                // Whole measurements (20000.0 m²) are written as 20000, as people write them.
                let text = match n.as_f64() {
                    Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", f as i64)
                    }
                    _ => n.to_string(),
                };
                if excel {
                    text.replace('.', ",")
                } else {
                    text
                }
            }
            // Prices are decimal strings: numbers to a spreadsheet. Only prices: a title that
            // happens to read `12.50` stays as it is.
            Value::String(s) if excel && is_money(column) => {
                crate::domain::import::german::money_de(s).unwrap_or_else(|| s.clone())
            }
            Value::String(s) => s.clone(),
            // Lists (of parcel identifiers, say) read as people write them.
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        // Spreadsheets run cells starting with these as formulas (CSV injection): defused in
        // every dialect, as any CSV may end up in a spreadsheet. The importer takes the `'` off.
        match value {
            Value::String(_) | Value::Array(_)
                if crate::domain::import::formula::needs_prefix(&text) =>
            {
                format!("'{text}")
            }
            _ => text,
        }
    }
}

fn is_money(column: &str) -> bool {
    members()
        .get(column)
        .is_some_and(|m| matches!(m.kind, Kind::Money))
}

/// The columns of a search's CSV: the `Plot` members the caller may see (those asked for with
/// `fields=`, in that order), and the centroid as `lon`/`lat` instead of the outline.
fn columns(caller: &Caller, query: &PlotQuery) -> Vec<String> {
    let staff_only = |field: &str| members().is_internal(field) || field == "deleted_at";
    let shown = |f: &str| {
        f != "geometry"
            && (caller.is_staff() || !staff_only(f))
            && (f != "distance_m" || query.near.is_some())
    };
    let mut columns: Vec<String> = match &query.fields {
        Some(chosen) => std::iter::once("id")
            .chain(chosen.iter().map(String::as_str).filter(|f| *f != "id"))
            .filter(|f| shown(f))
            .map(str::to_owned)
            .collect(),
        None => Plot::members()
            .iter()
            .filter(|f| shown(f))
            .cloned()
            .collect(),
    };
    if query.geometry_form != GeometryForm::None {
        columns.extend(["lon".to_owned(), "lat".to_owned()]);
    }
    columns
}

/// A CSV export in progress: the search, where it has got to, and how rows are written.
struct Export {
    pool: crate::db::DbPool,
    query: PlotQuery,
    writer: CsvWriter,
    set: PlotSet,
    scope: ReadScope,
    started: bool,
    done: bool,
}

impl Export {
    /// The next rows (the header first), one database round trip; `None` at the end.
    async fn chunk(&mut self) -> Option<Result<web::Bytes, actix_web::Error>> {
        if self.done {
            return None;
        }
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            out = self.writer.header();
        }
        let page = async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            db::search::page(&mut conn, &self.query, &self.set, EXPORT_CHUNK)
                .await
                .map_err(|e| e.to_string())
        };
        match page.await {
            Ok((hits, next)) => {
                let records: Vec<Value> = hits
                    .into_iter()
                    .map(|hit| {
                        let lon_lat = hit.geometry.as_deref().and_then(point_of);
                        let plot = Plot::from_row(hit.row, None, &self.scope)
                            .with_distance(hit.distance_m);
                        let mut record = serde_json::to_value(&plot).unwrap_or(Value::Null);
                        if let (Value::Object(object), Some((lon, lat))) = (&mut record, lon_lat) {
                            object.insert("lon".into(), lon.into());
                            object.insert("lat".into(), lat.into());
                        }
                        record
                    })
                    .collect();
                out.extend(self.writer.rows(&records));
                match next {
                    Some(cursor) => self.query.cursor = Some(cursor),
                    None => self.done = true,
                }
                Some(Ok(web::Bytes::from(out)))
            }
            Err(cause) => {
                // Headers are gone already: end the stream with an error so the client sees a
                // broken transfer rather than a silently short file.
                tracing::error!(error = %cause, "CSV export failed mid-stream");
                self.done = true;
                Some(Err(actix_web::error::ErrorInternalServerError(
                    "export failed",
                )))
            }
        }
    }
}

/// Streams every match as CSV, a chunk of rows per database round trip, so memory stays flat
/// however large the export.
pub fn export(
    state: &web::Data<AppState>,
    caller: Caller,
    set: PlotSet,
    mut query: PlotQuery,
    format: OutputFormat,
) -> HttpResponse {
    let dialect = match format {
        OutputFormat::CsvExcel => CsvDialect::ExcelGerman,
        OutputFormat::CsvExcelEnglish => CsvDialect::ExcelEnglish,
        _ => CsvDialect::Rfc4180,
    };
    // CSV carries a position, not a shape: the centroid as lon/lat columns.
    if query.geometry_form != GeometryForm::None {
        query.geometry_form = GeometryForm::Centroid;
    }
    query.cursor = None;
    let export = Export {
        pool: state.pool.clone(),
        writer: CsvWriter::new(dialect, columns(&caller, &query)),
        query,
        set,
        scope: caller.scope(),
        started: false,
        done: false,
    };
    let body = stream::unfold(export, |mut export| async move {
        let chunk = export.chunk().await?;
        Some((chunk, export))
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8; header=present")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"plots.csv\"",
        ))
        .insert_header((header::VARY, "Accept, Authorization"))
        .streaming(body)
}

fn point_of(geojson: &str) -> Option<(f64, f64)> {
    let value: Value = serde_json::from_str(geojson).ok()?;
    let c = value.get("coordinates")?;
    Some((c.get(0)?.as_f64()?, c.get(1)?.as_f64()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dialect: CsvDialect, record: Value) -> String {
        let writer = CsvWriter::new(dialect, vec!["a".into(), "b".into(), "c".into()]);
        let mut out = writer.header();
        out.extend(writer.rows([&record]));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rfc4180_quotes_what_needs_it() {
        let csv = write(
            CsvDialect::Rfc4180,
            json!({"a": "x, \"y\"", "b": 1.5, "c": null}),
        );
        assert_eq!(csv, "a,b,c\r\n\"x, \"\"y\"\"\",1.5,\r\n");
    }

    #[test]
    fn english_excel_is_rfc4180_with_a_bom() {
        let csv = write(
            CsvDialect::ExcelEnglish,
            json!({"a": "Größe, ca.", "b": 1.5, "c": "12.50"}),
        );
        assert_eq!(csv, "\u{feff}a,b,c\r\n\"Größe, ca.\",1.5,12.50\r\n");
    }

    #[test]
    fn german_excel_uses_semicolons_decimal_commas_and_a_bom() {
        let csv = write(
            CsvDialect::ExcelGerman,
            json!({"a": "Größe; ca.", "b": 1.5, "c": "12.50"}),
        );
        // `c` is text: only prices (money columns) turn into numbers with a decimal comma.
        assert_eq!(csv, "\u{feff}a;b;c\r\n\"Größe; ca.\";1,5;12.50\r\n");
        let writer = CsvWriter::new(
            CsvDialect::ExcelGerman,
            vec!["title_de".into(), "price_min_eur_m2".into()],
        );
        let row = json!({"title_de": "12.50", "price_min_eur_m2": "12.50"});
        let out = String::from_utf8(writer.rows([&row])).unwrap();
        assert_eq!(out, "12.50;12,50\r\n");
    }

    #[test]
    fn formulas_are_defused_in_every_dialect() {
        let csv = write(CsvDialect::ExcelGerman, json!({"a": "=HYPERLINK(1)"}));
        assert!(csv.ends_with("'=HYPERLINK(1);;\r\n"), "{csv}");
        let csv = write(
            CsvDialect::Rfc4180,
            json!({"a": "  +49 3874", "b": "＝1+1"}),
        );
        assert!(csv.ends_with("'  +49 3874,'＝1+1,\r\n"), "{csv}");
        let csv = write(CsvDialect::Rfc4180, json!({"a": -5, "b": "Gleis"}));
        assert!(
            csv.ends_with("-5,Gleis,\r\n"),
            "numbers stay numbers: {csv}"
        );
    }

    #[test]
    fn lists_are_one_cell() {
        let csv = write(CsvDialect::Rfc4180, json!({"a": ["x", "y"]}));
        assert!(csv.ends_with("\"x, y\",,\r\n"), "{csv}");
    }
}
