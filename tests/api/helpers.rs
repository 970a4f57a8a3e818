//! Test harness: every test gets its own database, cloned from a migrated template, and its own
//! server on a free port. Tests therefore run in parallel with no shared mutable state.
//!
//! `DATABASE_URL` must name a PostgreSQL server with PostGIS and a role that may create
//! databases and the postgis extension (`./scripts/test.sh` provides one).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::sql_types::{BigInt, Double, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use gewerbeflaechen::config::Settings;
use gewerbeflaechen::startup::Application;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

/// API token of the admin every test app starts with (see `spawn_app_with`).
pub const TOKEN: &str = "gwf_test-admin-token-0123456789abcdef";
/// Small enough that a test can exceed it cheaply.
pub const BODY_LIMIT: usize = 256 * 1024;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point to a PostGIS server with a superuser; run ./scripts/test.sh",
    )
}

/// `url` with its database name replaced.
pub fn url_for(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{database}{query}")
}

pub async fn admin() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url())
        .await
        .expect("cannot connect to DATABASE_URL")
}

/// Name of the template, versioned by the migrations' text so a changed schema gets a new one.
fn template_name() -> String {
    let mut dirs: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations/")
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    // FNV-1a: stable across runs and Rust versions, unlike DefaultHasher.
    let mut hash: u64 = 0xcbf29ce484222325;
    for dir in dirs {
        let sql = std::fs::read(dir.join("up.sql")).unwrap_or_default();
        for byte in dir
            .file_name()
            .unwrap()
            .as_encoded_bytes()
            .iter()
            .chain(&sql)
        {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    format!("gwf_template_{:012x}", hash & 0xffff_ffff_ffff)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Creates the template once per server (an advisory lock serialises test processes) and
/// drops databases left behind by test processes that no longer run.
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let mut conn = admin().await;
            diesel::sql_query("SELECT pg_advisory_lock(727501)")
                .execute(&mut conn)
                .await
                .unwrap();
            let existing: Vec<Name> = diesel::sql_query(
                "SELECT datname AS name FROM pg_database WHERE datname LIKE 'gwf\\_t\\_%' OR datname = $1",
            )
            .bind::<Text, _>(&name)
            .load(&mut conn)
            .await
            .unwrap();
            for db in &existing {
                let pid = db.name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
                let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
                if db.name != name && !alive {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", db.name))
                        .execute(&mut conn)
                        .await;
                }
            }
            if !existing.iter().any(|db| db.name == name) {
                let building = format!("{name}_building");
                diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                diesel::sql_query(format!("CREATE DATABASE \"{building}\""))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                gewerbeflaechen::db::run_migrations(&url_for(&admin_url(), &building))
                    .await
                    .expect("migrations must apply to an empty database");
                diesel::sql_query(format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            diesel::sql_query("SELECT pg_advisory_unlock(727501)")
                .execute(&mut conn)
                .await
                .unwrap();
            name
        })
        .await
}

/// A fresh migrated database of this test's own.
pub async fn fresh_database() -> String {
    let template = template().await;
    let name = format!(
        "gwf_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = admin().await;
    diesel::sql_query(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    url_for(&admin_url(), &name)
}

pub struct TestApp {
    pub base: String,
    pub database_url: String,
    pub client: reqwest::Client,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_on(fresh_database().await, extra).await
}

/// The app on a database of the test's own (migrated), with the test admin's token.
pub async fn spawn_app_on(database_url: String, extra: &[(&str, &str)]) -> TestApp {
    let app = spawn_bare(database_url, extra).await;
    app.account_with_token("admin@test.example", "admin", &[], TOKEN)
        .await;
    app
}

/// The app on `database_url` as it is: no account is added.
pub async fn spawn_bare(database_url: String, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), database_url.clone()),
        ("GWF_BIND".into(), "127.0.0.1:0".into()),
        ("GWF_BODY_LIMIT_BYTES".into(), BODY_LIMIT.to_string()),
        ("GWF_DB_POOL_SIZE".into(), "4".into()),
        ("GWF_WORKERS".into(), "1".into()),
        // Media files of tests that do not choose a directory (content-addressed: sharing is
        // harmless), never in the working tree.
        (
            "GWF_MEDIA_DIR".into(),
            std::env::temp_dir()
                .join(format!("gwf-test-media-{}", std::process::id()))
                .display()
                .to_string(),
        ),
    ]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    // The app's start-up connects within the pool's 2 s create timeout; on a machine loaded
    // by 200 parallel tests, a connection can take longer. Try again rather than fail a test
    // for the machine's load (the timeout itself is tested in tests/api/abuse/database.rs).
    let mut attempt = 1;
    let app = loop {
        let settings = Settings::from_map(&vars).expect("test settings are valid");
        match Application::build(settings).await {
            Ok(app) => break app,
            Err(e) if attempt < 3 => {
                eprintln!("the app did not start (attempt {attempt}, trying again): {e:#}");
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => panic!("the app starts: {e:#}"),
        }
    };
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        database_url,
        client: reqwest::Client::new(),
    }
}

#[derive(QueryableByName)]
pub struct Id {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
}

#[derive(QueryableByName)]
pub struct Area {
    #[diesel(sql_type = Double)]
    pub area: f64,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn db(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.database_url)
            .await
            .unwrap()
    }

    /// A region, municipality and estate to put plots in (the same ones on every call);
    /// returns (municipality_id, estate_id).
    pub async fn place(&self) -> (i64, i64) {
        let mut conn = self.db().await;
        let region: Id = diesel::sql_query(
            "INSERT INTO regions (slug, name) VALUES ('test-region', 'Testregion') \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        let municipality: Id = diesel::sql_query(
            "INSERT INTO municipalities (region_id, ags, name) VALUES ($1, '13076090', 'Ludwigslust') \
             ON CONFLICT (ags) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind::<BigInt, _>(region.id)
        .get_result(&mut conn)
        .await
        .unwrap();
        let estate: Id = diesel::sql_query(
            "INSERT INTO estates (municipality_id, name) VALUES ($1, 'GE Nord') \
             ON CONFLICT (municipality_id, name) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind::<BigInt, _>(municipality.id)
        .get_result(&mut conn)
        .await
        .unwrap();
        (municipality.id, estate.id)
    }

    /// A second municipality (for estate/municipality mismatch tests).
    pub async fn other_municipality(&self) -> i64 {
        let mut conn = self.db().await;
        let m: Id = diesel::sql_query(
            "INSERT INTO municipalities (region_id, ags, name) SELECT id, '13076050', 'Grabow' FROM regions LIMIT 1 RETURNING id",
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        m.id
    }

    /// An account with `role` (and these municipality ids) holding API token `token`, written
    /// straight to the database: Argon2 in every test would cost seconds. Returns its id.
    pub async fn account_with_token(
        &self,
        email: &str,
        role: &str,
        municipalities: &[i64],
        token: &str,
    ) -> i64 {
        let mut conn = self.db().await;
        let user: Id = diesel::sql_query(
            "INSERT INTO users (email, display_name, role, password_hash) \
             VALUES ($1, $1, $2, '$argon2id$not-a-usable-hash') RETURNING id",
        )
        .bind::<Text, _>(email)
        .bind::<Text, _>(role)
        .get_result(&mut conn)
        .await
        .unwrap();
        for m in municipalities {
            diesel::sql_query(
                "INSERT INTO user_municipalities (user_id, municipality_id) VALUES ($1, $2)",
            )
            .bind::<BigInt, _>(user.id)
            .bind::<BigInt, _>(*m)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        let hash = gewerbeflaechen::domain::credentials::token_hash(token);
        diesel::sql_query(
            "INSERT INTO auth_tokens (user_id, kind, name, token_hash, expires_at) \
             VALUES ($1, 'api', 'test', $2, now() + interval '1 day')",
        )
        .bind::<BigInt, _>(user.id)
        .bind::<diesel::sql_types::Bytea, _>(hash.to_vec())
        .execute(&mut conn)
        .await
        .unwrap();
        user.id
    }

    /// Gives an account a real password (`account_with_token` leaves it without one).
    pub async fn set_password(&self, email: &str, password: &str) {
        let hash = gewerbeflaechen::domain::credentials::hash_password(password).unwrap();
        let mut conn = self.db().await;
        diesel::sql_query("UPDATE users SET password_hash = $1 WHERE email = $2")
            .bind::<Text, _>(hash)
            .bind::<Text, _>(email)
            .execute(&mut conn)
            .await
            .unwrap();
    }

    /// POSTs `body` as a new plot. Test bodies say with `published` whether the test wants the
    /// plot public; a create is always a draft, so the member is not sent (see `create_plot`).
    pub async fn post_plot(&self, body: &Value) -> reqwest::Response {
        let mut body = body.clone();
        if let Some(object) = body.as_object_mut() {
            object.remove("published");
        }
        self.client
            .post(self.url("/plots"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a plot as the admin and returns its JSON. New plots are drafts; a body with
    /// `"published": true` is published right after (as a second step, as staff would).
    pub async fn create_plot(&self, body: &Value) -> Value {
        let mut body = body.clone();
        let publish = body
            .as_object_mut()
            .and_then(|o| o.remove("published"))
            .is_some_and(|p| p == true);
        let response = self.post_plot(&body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 201, "create failed: {text}");
        let created: Value = serde_json::from_str(&text).unwrap();
        if !publish {
            return created;
        }
        let response = self
            .client
            .post(self.url(&format!("/plots/{}/publish", created["id"])))
            .bearer_auth(TOKEN)
            .header("If-Match", format!("\"{}\"", created["version"]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "publish failed");
        response.json().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_staff(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
    }

    /// The status of a GET with `token`.
    pub async fn get_with(&self, path: &str, token: &str) -> u16 {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// PostGIS's geodesic area of a stored plot. Units: m².
    pub async fn postgis_area(&self, id: i64) -> f64 {
        let mut conn = self.db().await;
        let row: Area =
            diesel::sql_query("SELECT ST_Area(geom::geography) AS area FROM plots WHERE id = $1")
                .bind::<BigInt, _>(id)
                .get_result(&mut conn)
                .await
                .unwrap();
        row.area
    }
}

/// A closed, counter-clockwise square ring. Degrees, EPSG:4326.
pub fn square(lon: f64, lat: f64, size: f64) -> Vec<[f64; 2]> {
    vec![
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]
}

/// A valid plot body near Ludwigslust.
pub fn plot_body(reference: &str, municipality_id: i64, estate_id: Option<i64>) -> Value {
    json!({
        "reference": reference,
        "title_de": "Gewerbefläche am Testweg",
        "title_en": "Commercial plot on Test Road",
        "municipality_id": municipality_id,
        "estate_id": estate_id,
        "geometry": {"type": "Polygon", "coordinates": [square(11.5, 53.33, 0.001)]},
        "area_stated_m2": 7400,
        "status": "available",
        "zoning": "GE",
        "bplan_status": "legally_binding",
        "grz": 0.8,
        "servicing": "full",
        "price_min_eur_m2": "12.50",
        "price_max_eur_m2": "15",
        "offer": "sale",
        "grw_area": true,
        "grw_max_rate_small_pct": 40,
        "data_confirmed_on": "2026-10-01",
        "published": true,
        "internal_notes": "Eigentümer verhandelt – intern",
        "owner_name": "Familie Mustermann (privat)",
        "owner_contact": "mustermann@privat.example"
    })
}

/// Asserts an RFC 9457 body and returns it.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["type"].is_string());
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "problem without detail: {body}"
    );
    body
}

/// Pointers named in a validation problem.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["pointer"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
