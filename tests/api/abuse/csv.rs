//! CSV formula injection: every CSV the service writes defuses cells a spreadsheet would run,
//! and the importer undoes that, so export → import changes nothing.

use serde_json::{json, Value};

use crate::helpers::*;

/// Cell texts a spreadsheet takes for formulas, and one that was written with a `'` on purpose.
const RISKY: [(&str, &str); 6] = [
    (
        "title_de",
        "=HYPERLINK(\"http://evil.example\",\"Lageplan\")",
    ),
    ("title_en", "  @SUM(1+1)"),
    ("contact_phone", "+49 3874 1234"),
    ("contact_name", "－Müller"),
    ("internal_notes", "\t=1+1"),
    ("owner_name", "'=nur Text"),
];

fn cells(csv: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if csv.lines().next().unwrap().contains(';') {
            b';'
        } else {
            b','
        })
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Reproduced: only the Excel dialect was defused, so `f=csv` handed `=HYPERLINK(…)` to any
/// spreadsheet. Now every dialect, public search and staff export alike.
#[tokio::test]
async fn formula_cells_are_defused_in_every_csv() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut body = plot_body("CSV-1", municipality, Some(estate));
    for (field, value) in RISKY {
        body[field] = json!(value);
    }
    app.create_plot(&body).await;

    let public = ["/plots?f=csv", "/plots?f=csv-excel"];
    let staff = ["/plots/export?f=csv", "/plots/export?f=csv-excel"];
    for path in public.iter().chain(&staff) {
        let response = match staff.contains(path) {
            true => app.get_staff(path).await,
            false => app.get(path).await,
        };
        assert_eq!(response.status(), 200, "{path}");
        let cells = cells(&response.text().await.unwrap());
        for cell in &cells {
            let risky = cell
                .trim_start()
                .starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠'])
                || cell.starts_with(['\t', '\r']);
            assert!(!risky, "{path}: {cell:?} in {cells:?}");
        }
        assert!(
            cells.iter().any(|c| c == "'+49 3874 1234"),
            "{path}: {cells:?}"
        );
    }
}

/// Reproduced: the Excel export's `'` before `+49 …` was written back into the plot by an
/// import. Now export → import is 0 changes in both dialects, and the values are intact.
#[tokio::test]
async fn a_defused_export_imports_back_unchanged() {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut body = plot_body("CSV-2", municipality, Some(estate));
    for (field, value) in RISKY {
        body[field] = json!(value);
    }
    app.create_plot(&body).await;
    for dialect in ["csv", "csv-excel"] {
        let csv = app
            .get_staff(&format!("/plots/export?f={dialect}"))
            .await
            .text()
            .await
            .unwrap();
        let response = app
            .client
            .post(app.url("/imports"))
            .bearer_auth(TOKEN)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["unchanged"], 1, "{dialect}: {report}");
        assert_eq!(report["updated"], 0, "{dialect}: {report}");
    }
    let plot: Value = app.get_staff("/plots/CSV-2").await.json().await.unwrap();
    // As written (text is stored trimmed, whichever way it comes in).
    for (field, value) in RISKY {
        assert_eq!(plot[field], value.trim(), "{field}");
    }
}
