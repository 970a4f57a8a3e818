//! OGC API – Features (Parts 1, 2, 3) on a small fixture: the resources, paging, access rules,
//! CRS and CQL2 filters. Real clients (GDAL, OWSLib, QGIS) run in `tests/clients/`.

mod cql2;

use serde_json::{json, Value};

use crate::helpers::*;

const LON: f64 = 11.50;
const LAT: f64 = 53.30;

/// Five published plots 0.002° apart along a line, and one draft; returns the app and ids.
async fn fixture() -> (TestApp, Vec<i64>, i64) {
    let app = spawn_app().await;
    let (municipality, estate) = app.place().await;
    let mut ids = Vec::new();
    for (i, (status, area)) in [
        ("available", 20000),
        ("reserved", 5000),
        ("available", 8000),
        ("sold", 30000),
        ("available", 12000),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = plot_body(&format!("O-00{}", i + 1), municipality, Some(estate));
        body["status"] = json!(status);
        body["area_stated_m2"] = json!(area);
        body["rail_siding"] = json!(i == 0);
        body["geometry"] =
            json!({"type": "Polygon", "coordinates": [square(LON + 0.002 * i as f64, LAT, 0.001)]});
        ids.push(app.create_plot(&body).await["id"].as_i64().unwrap());
    }
    let mut draft = plot_body("O-DRAFT", municipality, Some(estate));
    draft["published"] = json!(false);
    let draft = app.create_plot(&draft).await["id"].as_i64().unwrap();
    (app, ids, draft)
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn refs(collection: &Value) -> Vec<String> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["reference"].as_str().unwrap().to_owned())
        .collect()
}

async fn items(app: &TestApp, query: &str) -> Value {
    json_of(app.get(&format!("/collections/plots/items?{query}")).await).await
}

#[tokio::test]
async fn landing_conformance_and_collections() {
    let app = spawn_app().await;
    let landing = json_of(app.get("/").await).await;
    let rels: Vec<&str> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rel} missing in {rels:?}");
    }
    let conformance = json_of(app.get("/conformance").await).await;
    let classes = conformance["conformsTo"].as_array().unwrap();
    assert!(classes.contains(&json!(
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
    )));
    assert!(classes.contains(&json!(
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
    )));
    let collections = json_of(app.get("/collections").await).await;
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["plots", "estates", "municipalities"]);
    let plots = json_of(app.get("/collections/plots").await).await;
    assert_eq!(
        plots["storageCrs"],
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
    assert!(plots["crs"]
        .as_array()
        .unwrap()
        .contains(&json!("http://www.opengis.net/def/crs/EPSG/0/25833")));
    let queryables = app.get("/collections/plots/queryables").await;
    assert_eq!(
        queryables.headers()["content-type"],
        "application/schema+json"
    );
    let queryables: Value = queryables.json().await.unwrap();
    assert_eq!(queryables["properties"]["status"]["type"], "string");
    assert_eq!(
        queryables["properties"]["heavy_vehicle_access"]["type"],
        "boolean"
    );
    assert!(queryables["properties"].get("internal_notes").is_none());
    assert_problem(app.get("/collections/parcels").await, 404).await;
    // People get HTML, by Accept or by `f`.
    for path in [
        "/",
        "/conformance",
        "/collections",
        "/collections/plots",
        "/collections/plots/queryables",
    ] {
        let r = app
            .client
            .get(app.url(path))
            .header("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
    }
    assert_problem(app.get("/collections?f=xml").await, 400).await;
}

#[tokio::test]
async fn items_page_to_the_end_and_hide_drafts() {
    let (app, ids, draft) = fixture().await;
    let response = app.get("/collections/plots/items?limit=2").await;
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    assert_eq!(
        response.headers()["content-crs"],
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    let mut page: Value = response.json().await.unwrap();
    let mut seen = Vec::new();
    loop {
        assert!(page["numberReturned"].as_u64().unwrap() <= 2);
        seen.extend(refs(&page));
        let rels: Vec<&str> = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        assert!(rels.contains(&"self") && rels.contains(&"alternate"));
        let Some(next) = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
        else {
            break;
        };
        let href = next["href"].as_str().unwrap().to_owned();
        page = json_of(app.client.get(href).send().await.unwrap()).await;
    }
    assert_eq!(seen, ["O-001", "O-002", "O-003", "O-004", "O-005"]);
    // numberMatched with the capped count of `count=exact`.
    assert_eq!(items(&app, "count=exact").await["numberMatched"], 5);
    // A larger limit than the maximum is lowered, not refused.
    assert_eq!(items(&app, "limit=100000").await["numberReturned"], 5);
    assert_problem(app.get("/collections/plots/items?limit=0").await, 400).await;
    // Drafts: staff only; internal facts too.
    assert_problem(
        app.get(&format!("/collections/plots/items/{draft}")).await,
        404,
    )
    .await;
    let staff = json_of(
        app.get_staff(&format!("/collections/plots/items/{draft}"))
            .await,
    )
    .await;
    assert_eq!(staff["properties"]["reference"], "O-DRAFT");
    assert!(staff["properties"]["internal_notes"].is_string());
    let public = json_of(
        app.get(&format!("/collections/plots/items/{}", ids[0]))
            .await,
    )
    .await;
    assert_eq!(public["id"], ids[0]);
    assert!(public["properties"].get("internal_notes").is_none());
    assert_eq!(public["geometry"]["type"], "MultiPolygon");
    assert_eq!(
        json_of(app.get_staff("/collections/plots/items?limit=100").await).await["numberReturned"],
        6
    );
    // The search filters of GET /plots apply, and unknown parameters are named.
    assert_eq!(
        refs(&items(&app, "status=available&area_min=10000").await),
        ["O-001", "O-005"]
    );
    let few = items(&app, "fields=reference&limit=1").await;
    let keys: Vec<&String> = few["features"][0]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["id", "reference"]);
    let problem = assert_problem(app.get("/collections/plots/items?colour=red").await, 400).await;
    assert_eq!(pointers(&problem), ["colour"]);
    // HTML pages: the list with map and table, one feature.
    for path in [
        "/collections/plots/items?f=html",
        &format!("/collections/plots/items/{}?f=html", ids[0]),
        "/collections/estates/items?f=html",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let body = r.text().await.unwrap();
        // By its hashed name (profile.<hash>.js).
        assert!(body.contains("\"/assets/profile."), "{path}");
    }
    assert_problem(app.get("/collections/plots/items/999999").await, 404).await;
    assert_problem(app.get("/collections/plots/items/LWL-1").await, 404).await;
}

fn link(page: &Value, rel: &str) -> Option<String> {
    page["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .map(|l| l["href"].as_str().unwrap().to_owned())
}

/// `prev` walks back over exactly the pages `next` walked, in their order; the first page has
/// none. Sorts with ties (equal squares: equal areas) rely on the id to break them both ways.
/// The extent covers the public features. For plots it may come from the planner's statistics
/// (float4, and drafts count): it must contain every published plot and stay near them.
#[tokio::test]
async fn collections_carry_their_extent() {
    let (app, _, _) = fixture().await;
    let plots = json_of(app.get("/collections/plots").await).await;
    let bbox = plots["extent"]["spatial"]["bbox"][0].as_array().unwrap();
    let b: Vec<f64> = bbox.iter().map(|v| v.as_f64().unwrap()).collect();
    // Five squares of 0.001° from (LON, LAT), 0.002° apart.
    let (w, s, e, n) = (LON, LAT, LON + 0.009, LAT + 0.001);
    assert!(
        b[0] <= w + 1e-6 && b[1] <= s + 1e-6 && b[2] >= e - 1e-6 && b[3] >= n - 1e-6,
        "{b:?}"
    );
    assert!(
        b[0] > w - 0.1 && b[1] > s - 0.1 && b[2] < e + 0.1 && b[3] < n + 0.1,
        "{b:?}"
    );
    assert_eq!(
        plots["extent"]["spatial"]["crs"],
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
    // In the list too; the fixture's estate has no outline, so estates have no extent.
    let all = json_of(app.get("/collections").await).await;
    assert_eq!(all["collections"][0]["extent"], plots["extent"]);
    assert!(all["collections"][1].get("extent").is_none());
    // A description names its own format `self`.
    let estates = json_of(app.get("/collections/estates?f=json").await).await;
    let self_link = estates["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(self_link["type"], "application/json");
}

#[tokio::test]
async fn prev_links_walk_back_over_the_same_pages() {
    let (app, _, _) = fixture().await;
    for query in [
        "limit=2",
        "limit=2&sort=-area",
        "limit=2&sort=-price&status=available",
    ] {
        let mut pages = vec![items(&app, query).await];
        assert_eq!(link(&pages[0], "prev"), None, "{query}: first page");
        while let Some(next) = link(pages.last().unwrap(), "next") {
            pages.push(json_of(app.client.get(next).send().await.unwrap()).await);
        }
        let forward: Vec<Vec<String>> = pages.iter().map(refs).collect();
        let mut back = vec![refs(pages.last().unwrap())];
        let mut page = pages.last().unwrap().clone();
        while let Some(prev) = link(&page, "prev") {
            page = json_of(app.client.get(prev).send().await.unwrap()).await;
            // A page reached backwards leads forwards again.
            assert!(link(&page, "next").is_some(), "{query}: next after prev");
            back.push(refs(&page));
        }
        back.reverse();
        assert_eq!(back, forward, "{query}");
        assert!(forward.len() >= 2, "{query}: {forward:?}");
    }
    // HTML pages link both ways too.
    let first = items(&app, "limit=2").await;
    let second = link(&first, "next").unwrap();
    let html = app
        .client
        .get(format!("{second}&f=html"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("rel=\"prev\""), "{html}");
}

#[tokio::test]
async fn bbox_datetime_and_crs() {
    let (app, ids, _) = fixture().await;
    // Plots 2 and 3 (0.002 and 0.004 east of LON).
    let bbox = format!(
        "{},{},{},{}",
        LON + 0.0025,
        LAT + 0.0002,
        LON + 0.0045,
        LAT + 0.0008
    );
    assert_eq!(
        refs(&items(&app, &format!("bbox={bbox}")).await),
        ["O-002", "O-003"]
    );
    // The same box in EPSG:4326 (lat/lon) and in UTM 33N, transformed by PostGIS.
    let lat_lon = format!(
        "{},{},{},{}",
        LAT + 0.0002,
        LON + 0.0025,
        LAT + 0.0008,
        LON + 0.0045
    );
    assert_eq!(
        refs(
            &items(
                &app,
                &format!("bbox={lat_lon}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326")
            )
            .await
        ),
        ["O-002", "O-003"]
    );
    let mut conn = app.db().await;
    #[derive(diesel::QueryableByName)]
    struct Utm {
        #[diesel(sql_type = diesel::sql_types::Text)]
        b: String,
    }
    use diesel_async::RunQueryDsl;
    let utm: Utm = diesel::sql_query(format!(
        "SELECT concat_ws(',', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) AS b FROM \
         (SELECT ST_Transform(ST_MakeEnvelope({}, {}, {}, {}, 4326), 25833)::box2d AS e) x",
        LON + 0.0026,
        LAT + 0.0003,
        LON + 0.0044,
        LAT + 0.0007
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        refs(
            &items(
                &app,
                &format!(
                    "bbox={}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/25833",
                    utm.b
                )
            )
            .await
        ),
        ["O-002", "O-003"]
    );
    assert_problem(app.get("/collections/plots/items?bbox=1,2,3").await, 400).await;
    // Far outside what PROJ can transform: 400, not a database error.
    assert_problem(app.get("/collections/plots/items?bbox=-1e20,-1e20,1e20,1e20&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/25833").await, 400).await;
    assert_problem(app.get("/collections/plots/items?bbox=-1e300,-1e300,1e300,1e300&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857").await, 400).await;
    assert_problem(
        app.get("/collections/plots/items?bbox=1,2,3,4&bbox-crs=EPSG:31468")
            .await,
        400,
    )
    .await;

    // Output CRS: EPSG:4326 swaps the axes; 25833 is in metres; Content-Crs says which.
    let one = format!("/collections/plots/items/{}", ids[0]);
    let crs84 = json_of(app.get(&one).await).await;
    let first = &crs84["geometry"]["coordinates"][0][0][0];
    let r = app
        .get(&format!(
            "{one}?crs=http://www.opengis.net/def/crs/EPSG/0/4326"
        ))
        .await;
    assert_eq!(
        r.headers()["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    );
    let lat_lon: Value = r.json().await.unwrap();
    assert_eq!(lat_lon["geometry"]["coordinates"][0][0][0][0], first[1]);
    assert_eq!(lat_lon["geometry"]["coordinates"][0][0][0][1], first[0]);
    let utm = json_of(
        app.get(&format!(
            "{one}?crs=http://www.opengis.net/def/crs/EPSG/0/25833"
        ))
        .await,
    )
    .await;
    let easting = utm["geometry"]["coordinates"][0][0][0][0].as_f64().unwrap();
    assert!((200_000.0..400_000.0).contains(&easting), "{easting}");
    let mercator = items(
        &app,
        "crs=http://www.opengis.net/def/crs/EPSG/0/3857&limit=1",
    )
    .await;
    assert!(
        mercator["features"][0]["geometry"]["coordinates"][0][0][0][0]
            .as_f64()
            .unwrap()
            > 1_000_000.0
    );
    assert_problem(app.get("/collections/plots/items?crs=EPSG:2000").await, 400).await;

    // datetime against updated_at.
    assert_eq!(
        items(&app, "datetime=2000-01-01T00:00:00Z/..").await["numberReturned"],
        5
    );
    assert_eq!(
        items(&app, "datetime=../2000-01-01T00:00:00Z").await["numberReturned"],
        0
    );
    assert_problem(app.get("/collections/plots/items?datetime=soon").await, 400).await;
}

#[tokio::test]
async fn places_as_collections() {
    let (app, _, _) = fixture().await;
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "UPDATE estates SET published = true, outline = ST_Multi(ST_MakeEnvelope({}, {}, {}, {}, 4326))",
        LON - 0.001, LAT - 0.001, LON + 0.01, LAT + 0.002
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let estates = json_of(app.get("/collections/estates/items").await).await;
    assert_eq!(estates["numberMatched"], 1);
    assert_eq!(estates["features"][0]["properties"]["name"], "GE Nord");
    assert_eq!(estates["features"][0]["geometry"]["type"], "MultiPolygon");
    let id = estates["features"][0]["id"].as_i64().unwrap();
    let one = json_of(
        app.get(&format!(
            "/collections/estates/items/{id}?crs=http://www.opengis.net/def/crs/EPSG/0/25832"
        ))
        .await,
    )
    .await;
    assert!(one["geometry"]["coordinates"][0][0][0][0].as_f64().unwrap() > 500_000.0);
    let away = json_of(app.get("/collections/estates/items?bbox=7,50,8,51").await).await;
    assert_eq!(away["numberReturned"], 0);
    let towns = json_of(app.get("/collections/municipalities/items?limit=1").await).await;
    assert_eq!(towns["numberReturned"], 1);
    assert_eq!(towns["features"][0]["properties"]["name"], "Ludwigslust");
    assert_problem(
        app.get("/collections/municipalities/items?status=sold")
            .await,
        400,
    )
    .await;
    assert_problem(app.get("/collections/municipalities/items/0").await, 404).await;
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
