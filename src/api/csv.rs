//! CSV output: RFC 4180 (comma, dot decimals) or the dialect German Excel opens correctly
//! (semicolon, decimal comma, UTF-8 byte-order mark).

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvDialect {
    Rfc4180,
    ExcelGerman,
}

pub struct CsvWriter {
    dialect: CsvDialect,
    columns: Vec<String>,
}

impl CsvWriter {
    pub fn new(dialect: CsvDialect, columns: Vec<String>) -> Self {
        CsvWriter { dialect, columns }
    }

    fn separator(&self) -> u8 {
        match self.dialect {
            CsvDialect::Rfc4180 => b',',
            CsvDialect::ExcelGerman => b';',
        }
    }

    pub fn header(&self, out: &mut Vec<u8>) {
        if self.dialect == CsvDialect::ExcelGerman {
            // Without the BOM Excel reads UTF-8 as Windows-1252 and mangles umlauts.
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let names: Vec<Value> = self
            .columns
            .iter()
            .map(|c| Value::String(c.clone()))
            .collect();
        self.line(&names, out);
    }

    /// One row; `record` is an object, missing members are empty cells.
    pub fn record(&self, record: &Value, out: &mut Vec<u8>) {
        let cells: Vec<Value> = self
            .columns
            .iter()
            .map(|c| record.get(c).cloned().unwrap_or(Value::Null))
            .collect();
        self.line(&cells, out);
    }

    fn line(&self, cells: &[Value], out: &mut Vec<u8>) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(self.separator());
            }
            self.cell(cell, out);
        }
        out.extend_from_slice(b"\r\n");
    }

    fn cell(&self, value: &Value, out: &mut Vec<u8>) {
        let excel = self.dialect == CsvDialect::ExcelGerman;
        let text = match value {
            Value::Null => return,
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
            // Prices are decimal strings: numbers to a spreadsheet.
            Value::String(s) if excel && is_decimal(s) => s.replace('.', ","),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        // Spreadsheets run cells starting with these as formulas (CSV injection).
        let formula =
            matches!(value, Value::String(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']));
        let text = if formula && excel {
            format!("'{text}")
        } else {
            text
        };
        let needs_quotes = text
            .bytes()
            .any(|b| b == self.separator() || b == b'"' || b == b'\n' || b == b'\r')
            || text.starts_with(' ')
            || text.ends_with(' ');
        if needs_quotes {
            out.push(b'"');
            out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    matches!(digits.split_once('.'), Some((a, b)) if !a.is_empty() && !b.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dialect: CsvDialect, record: Value) -> String {
        let writer = CsvWriter::new(dialect, vec!["a".into(), "b".into(), "c".into()]);
        let mut out = Vec::new();
        writer.header(&mut out);
        writer.record(&record, &mut out);
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
    fn german_excel_uses_semicolons_decimal_commas_and_a_bom() {
        let csv = write(
            CsvDialect::ExcelGerman,
            json!({"a": "Größe; ca.", "b": 1.5, "c": "12.50"}),
        );
        assert_eq!(csv, "\u{feff}a;b;c\r\n\"Größe; ca.\";1,5;12,50\r\n");
    }

    #[test]
    fn formulas_are_defused_for_excel() {
        let csv = write(CsvDialect::ExcelGerman, json!({"a": "=HYPERLINK(1)"}));
        assert!(csv.ends_with("'=HYPERLINK(1);;\r\n"), "{csv}");
    }
}
