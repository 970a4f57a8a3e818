//! `gewerbeflaechen places …`: setting up a region's places from official and existing data.

use anyhow::Context;
use clap::Subcommand;

use gewerbeflaechen::config::Settings;
use gewerbeflaechen::db;

#[derive(Subcommand)]
pub enum PlacesCommand {
    /// Create or update municipalities of a region with their official name and outline from
    /// the VG250 municipality layer (VG250_GEM) of the BKG. Running it again changes nothing.
    ImportMunicipalities {
        /// VG250_GEM.shp (with .dbf, .prj, .cpg beside it) or a GeoJSON export of the layer;
        /// EPSG:25832, 25833, 3035, 4326 or 4258.
        file: std::path::PathBuf,
        /// Slug of the region (must exist), e.g. staedteverbund-a14.
        #[arg(long, value_name = "SLUG")]
        region: String,
        /// AGS of the municipalities to import, comma-separated, e.g. 13076090,13076050.
        #[arg(
            long,
            value_name = "AGS,…",
            value_delimiter = ',',
            required_unless_present = "all"
        )]
        ags: Vec<String>,
        /// Every municipality in the file (VG250 has about 11,000) instead of --ags.
        #[arg(long, conflicts_with = "ags")]
        all: bool,
        /// Add water rows (GF 1, 2: coastal waters, Lake Constance) to the outlines.
        #[arg(long)]
        include_water: bool,
        /// Show what would change without writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import estates from a GeoJSON FeatureCollection, a CSV file (`.csv`), a zipped
    /// Shapefile (`.zip`) or a GeoPackage (`.gpkg`), as `POST /estates/imports` does: all or
    /// nothing, the report printed as JSON.
    ImportEstates {
        file: std::path::PathBuf,
        /// Check every feature and print the report, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import as this account: its rights apply and its name goes into the history.
        /// Without it, the import runs with an admin's rights as `cli`.
        #[arg(long = "as", value_name = "EMAIL")]
        as_user: Option<String>,
        /// CRS of the coordinates (default EPSG:4326; see docs/imports.md for the others).
        #[arg(long)]
        crs: Option<String>,
        /// Assign the municipality of features without one from their outline.
        #[arg(long)]
        locate: bool,
        /// Make invalid outlines valid (ST_MakeValid), as `?repair=true` does; what changed
        /// is reported per feature.
        #[arg(long)]
        repair: bool,
        /// The Shapefile in the zip or the GeoPackage table to read (default: the only
        /// Shapefile, the first feature table).
        #[arg(long)]
        layer: Option<String>,
    },
}

pub async fn places(settings: &Settings, command: PlacesCommand) -> anyhow::Result<()> {
    match command {
        PlacesCommand::ImportEstates {
            file,
            dry_run,
            as_user,
            crs,
            locate,
            repair,
            layer,
        } => {
            let options = (crs, locate, repair, layer);
            import_estates(settings, &file, dry_run, as_user.as_deref(), options).await
        }
        municipalities @ PlacesCommand::ImportMunicipalities { .. } => {
            import_municipalities(settings, municipalities).await
        }
    }
}

/// `places import-estates`: the file read as an upload is, then the estate import's own run.
async fn import_estates(
    settings: &Settings,
    path: &std::path::Path,
    dry_run: bool,
    as_user: Option<&str>,
    (crs, locate, repair, layer): (Option<String>, bool, bool, Option<String>),
) -> anyhow::Result<()> {
    use diesel_async::AsyncConnection;
    use gewerbeflaechen::api::error::ApiError;
    use gewerbeflaechen::api::imports::{estates, Options};
    use gewerbeflaechen::domain::access::{Principal, Role, Scope};
    use gewerbeflaechen::domain::crs;
    use gewerbeflaechen::domain::history::{Actor, Via};
    use gewerbeflaechen::domain::import::upload::{read_file, FileOptions, Format};
    use gewerbeflaechen::domain::import::{Mapping, Target};
    let body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if body.len() > settings.import_max_bytes {
        anyhow::bail!("the file is larger than GWF_IMPORT_MAX_BYTES");
    }
    let mapping = Mapping::parse_for(Target::Estates, None, None, &[])
        .map_err(|(_, e)| anyhow::anyhow!(e))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let format = Format::of_extension(extension)
        .settle(&body)
        .map_err(|e| anyhow::anyhow!(e))?;
    let options = FileOptions {
        layer: layer.as_deref(),
        max_bytes: settings.import_max_bytes,
        deadline: std::time::Instant::now() + settings.cpu_timeout,
        max_features: settings.import_max_features,
        geometry_limits: settings.geometry_limits,
    };
    let file = read_file(format, &body, &mapping, &options).map_err(|e| anyhow::anyhow!(e))?;
    let crs = crs::settle(crs.as_deref(), file.crs, file.first_position())
        .map_err(|(_, detail)| anyhow::anyhow!("--crs: {detail}"))?;
    let mut conn = diesel_async::AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")?;
    let (principal, actor) = match as_user {
        None => (
            Principal {
                user_id: 0,
                role: Role::Admin,
                municipalities: Vec::new(),
                display_name: "cli".into(),
                scopes: Scope::ALL.to_vec(),
            },
            Actor {
                user_id: None,
                name: "cli".into(),
                via: Via::Cli,
            },
        ),
        Some(email) => {
            let row = db::users::by_email(&mut conn, email)
                .await?
                .filter(|u| u.active)
                .with_context(|| format!("no active account {email}"))?;
            let user = db::users::by_id(&mut conn, row.id)
                .await?
                .with_context(|| format!("no account {email}"))?;
            let role = Role::parse(&row.role).context("the account has an unknown role")?;
            let principal = Principal {
                user_id: row.id,
                role,
                municipalities: user.municipalities.iter().map(|m| m.0).collect(),
                display_name: row.display_name.clone(),
                scopes: Scope::ALL.to_vec(),
            };
            let actor = Actor {
                user_id: Some(row.id),
                name: row.display_name,
                via: Via::Cli,
            };
            (principal, actor)
        }
    };
    gewerbeflaechen::domain::access::authorize_import(Some(&principal))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let options = Options {
        crs,
        defaults: &[],
        dry_run,
        locate,
        repair,
        geometry: settings.geometry_limits,
        cpu: settings.cpu_timeout,
    };
    let result = conn
        .transaction(async |conn| {
            estates::run(conn, Some(&principal), file, &options, &actor).await
        })
        .await;
    match result {
        Ok(report) => {
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Err(ApiError::ImportRejected { detail, report, .. }) => {
            println!("{}", serde_json::to_string_pretty(&report)?);
            anyhow::bail!("{detail}")
        }
        Err(other) => anyhow::bail!("{other}"),
    }
}

/// `places import-municipalities`: the official outlines (docs/boundaries.md).
async fn import_municipalities(settings: &Settings, command: PlacesCommand) -> anyhow::Result<()> {
    use diesel_async::AsyncConnection;
    use gewerbeflaechen::boundaries::{self, ImportOptions, Outcome};
    use gewerbeflaechen::domain::boundaries::Selection;
    let mut conn = diesel_async::AsyncPgConnection::establish(settings.database_url.expose())
        .await
        .context("cannot connect to the database")?;
    let PlacesCommand::ImportMunicipalities {
        file,
        region,
        ags,
        all,
        include_water,
        dry_run,
    } = command
    else {
        unreachable!("`places` hands over import-municipalities only")
    };
    let selection = if all {
        Selection::All
    } else {
        Selection::listed(&ags).map_err(anyhow::Error::msg)?
    };
    let options = ImportOptions {
        file,
        region,
        selection,
        include_water,
        dry_run,
    };
    let report = boundaries::import_municipalities(&mut conn, &options).await?;
    let verb = |done: &'static str, planned: &'static str| if dry_run { planned } else { done };
    for m in &report.municipalities {
        let outcome = match &m.outcome {
            Outcome::Created => verb("created", "would be created").to_owned(),
            Outcome::Updated(fields) => format!(
                "{} ({})",
                verb("updated", "would be updated"),
                fields.join(", ")
            ),
            Outcome::Unchanged => "unchanged".to_owned(),
        };
        let water = match m.water_rows_left_out {
            0 => String::new(),
            n => format!(", {n} water row(s) left out"),
        };
        println!(
            "{} {}: {outcome} [{:.2} km², {} vertices{water}]",
            m.ags,
            m.name,
            m.area_m2 / 1e6,
            m.vertices
        );
    }
    for (ags, name) in &report.water_only_left_out {
        println!("{ags} {name}: left out, water only (--include-water imports it)");
    }
    let count = |f: fn(&Outcome) -> bool| report.count(f);
    if report.changed_nothing() {
        println!("nothing to change: every municipality is as in the file");
    } else {
        println!(
            "{} created, {} updated, {} unchanged{}",
            count(|o| *o == Outcome::Created),
            count(|o| matches!(o, Outcome::Updated(_))),
            count(|o| *o == Outcome::Unchanged),
            if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
