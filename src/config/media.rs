//! Where media files are kept and how large they may be (docs/media.md).

use std::path::PathBuf;

use super::Secret;
use crate::domain::media::process::PixelLimits;

/// Media settings.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// `GWF_MEDIA_DIR` (default `media`): the local directory of the files, made at start-up.
    /// Unused when `GWF_MEDIA_S3_BUCKET` is set.
    pub dir: PathBuf,
    /// `GWF_MEDIA_S3_*`: an S3-compatible store instead, for several instances.
    pub s3: Option<S3>,
    /// `GWF_MEDIA_MAX_BYTES` (default 25 MiB): largest upload; larger ones get 413.
    pub max_bytes: usize,
    /// `GWF_MEDIA_MAX_PIXELS` (default 40,000,000) and `GWF_MEDIA_MAX_SIDE` (default 10,000):
    /// larger images get 413 from their header, before decoding. A 40-megapixel image takes
    /// 160 MB while it is decoded.
    pub pixels: PixelLimits,
    /// `GWF_MEDIA_CONCURRENCY` (default 2): images decoded at once; further uploads wait their
    /// turn (within `GWF_CPU_TIMEOUT_SECS`). Bounds the memory of uploads to about this many
    /// times the largest image.
    pub concurrency: usize,
}

/// An S3 bucket: `GWF_MEDIA_S3_BUCKET`, `GWF_MEDIA_S3_ENDPOINT` (for stores other than AWS,
/// e.g. `http://127.0.0.1:9000`), `GWF_MEDIA_S3_REGION` (default `us-east-1`),
/// `GWF_MEDIA_S3_ACCESS_KEY_ID` and `GWF_MEDIA_S3_SECRET_ACCESS_KEY` (else the usual `AWS_*`
/// variables and instance credentials), `GWF_MEDIA_S3_ALLOW_HTTP` (`true` for a plain-HTTP
/// endpoint).
#[derive(Debug, Clone)]
pub struct S3 {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub allow_http: bool,
}

pub(super) fn parse(
    get: &dyn Fn(&str) -> Option<String>,
    number: &mut dyn FnMut(&str, u64, u64, u64) -> u64,
    problems: &mut Vec<String>,
) -> MediaSettings {
    let dir = PathBuf::from(get("GWF_MEDIA_DIR").unwrap_or_else(|| "media".to_owned()));
    let s3 = get("GWF_MEDIA_S3_BUCKET").map(|bucket| S3 {
        bucket,
        endpoint: get("GWF_MEDIA_S3_ENDPOINT"),
        region: get("GWF_MEDIA_S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
        access_key_id: get("GWF_MEDIA_S3_ACCESS_KEY_ID"),
        secret_access_key: get("GWF_MEDIA_S3_SECRET_ACCESS_KEY").map(Secret::new),
        allow_http: match get("GWF_MEDIA_S3_ALLOW_HTTP").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                problems.push(format!(
                    "GWF_MEDIA_S3_ALLOW_HTTP={other}: must be true or false"
                ));
                false
            }
        },
    });
    if s3.is_none() && get("GWF_MEDIA_S3_ENDPOINT").is_some() {
        problems.push("GWF_MEDIA_S3_ENDPOINT needs GWF_MEDIA_S3_BUCKET".to_owned());
    }
    let max_bytes = number("GWF_MEDIA_MAX_BYTES", 25 << 20, 1024, 1 << 30) as usize;
    let max_pixels = number("GWF_MEDIA_MAX_PIXELS", 40_000_000, 10_000, 200_000_000);
    let max_side = number("GWF_MEDIA_MAX_SIDE", 10_000, 100, 65_535) as u32;
    let concurrency = number("GWF_MEDIA_CONCURRENCY", 2, 1, 64) as usize;
    MediaSettings {
        dir,
        s3,
        max_bytes,
        pixels: PixelLimits {
            max_pixels,
            max_side,
        },
        concurrency,
    }
}
