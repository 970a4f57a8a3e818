//! The object store of media files (docs/media.md): a local directory (`GWF_MEDIA_DIR`) or an
//! S3-compatible bucket (`GWF_MEDIA_S3_*`), through `object_store`. Objects are named
//! `<sha256>/<variant>` (`domain::media::object_key`) and never changed once written: the same
//! upload twice writes the same bytes to the same names.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::media::MediaSettings;

#[derive(Debug, Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// Where, for logs and the check command (no secrets).
    pub description: String,
}

impl MediaStore {
    pub fn open(settings: &MediaSettings) -> anyhow::Result<MediaStore> {
        match &settings.s3 {
            Some(s3) => {
                // The S3 client's TLS uses the process-wide rustls provider (Cargo.toml: ring, not
                // aws-lc-rs). Installing it twice is harmless; the first one stays.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    // Other S3-compatible stores are addressed by path, not by bucket host name.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(key) = &s3.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose());
                }
                let store = builder.build().context("GWF_MEDIA_S3_*")?;
                Ok(MediaStore {
                    inner: Arc::new(store),
                    description: format!(
                        "s3://{}{}",
                        s3.bucket,
                        s3.endpoint
                            .as_deref()
                            .map(|e| format!(" at {e}"))
                            .unwrap_or_default()
                    ),
                })
            }
            None => {
                std::fs::create_dir_all(&settings.dir).with_context(|| {
                    format!("GWF_MEDIA_DIR={}: cannot create", settings.dir.display())
                })?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(&settings.dir)
                    .with_context(|| format!("GWF_MEDIA_DIR={}", settings.dir.display()))?;
                Ok(MediaStore {
                    inner: Arc::new(store),
                    description: format!("directory {}", settings.dir.display()),
                })
            }
        }
    }

    /// Writes an object (whole; the local store writes a temporary file and renames it).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.inner
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .with_context(|| format!("writing media object {key}"))?;
        Ok(())
    }

    pub async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        match self.inner.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e).with_context(|| format!("looking for media object {key}")),
        }
    }

    /// The object's bytes, `None` if it is missing.
    pub async fn get(&self, key: &str) -> anyhow::Result<Option<actix_web::web::Bytes>> {
        match self.inner.get(&Path::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading media object {key}")),
        }
    }

    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("deleting media object {key}")),
        }
    }

    /// Every object, by its first name segment (the content hash): hash → file names.
    pub async fn list(&self) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
        let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut stream = self.inner.list(None);
        while let Some(meta) = stream.try_next().await? {
            let key = meta.location.to_string();
            let (hash, name) = key.split_once('/').unwrap_or((key.as_str(), ""));
            found
                .entry(hash.to_owned())
                .or_default()
                .push(name.to_owned());
        }
        Ok(found)
    }
}

/// What `gewerbeflaechen media check` finds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Rows (by content hash) whose objects are missing: hash and the missing file names.
    pub rows_without_objects: Vec<(String, Vec<String>)>,
    /// Objects no row names (e.g. an upload whose transaction failed after its files were
    /// written): object names.
    pub objects_without_rows: Vec<String>,
    pub hashes_checked: usize,
}

/// Compares the rows' content hashes with the stored objects, both ways.
pub async fn check(
    conn: &mut diesel_async::AsyncPgConnection,
    store: &MediaStore,
) -> anyhow::Result<CheckReport> {
    let rows = crate::db::media::all_hashes(conn).await?;
    let mut objects = store.list().await?;
    let mut report = CheckReport {
        hashes_checked: rows.len(),
        ..Default::default()
    };
    for (hash, content_type) in rows {
        let present = objects.remove(&hash).unwrap_or_default();
        let missing: Vec<String> = crate::domain::media::variants_of(&content_type)
            .iter()
            .map(|v| v.file_name().to_owned())
            .filter(|name| !present.contains(name))
            .collect();
        if !missing.is_empty() {
            report.rows_without_objects.push((hash, missing));
        }
    }
    for (hash, names) in objects {
        for name in names {
            report.objects_without_rows.push(format!("{hash}/{name}"));
        }
    }
    Ok(report)
}
