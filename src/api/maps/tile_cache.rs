//! Vector tiles kept in memory between requests, as tile servers do (Martin caches by default):
//! an embedded map or a fair's kiosk screens ask for the same few tiles again and again, and
//! each costs PostgreSQL far more (`ST_AsMVT`) than serving it from memory.
//!
//! Freshness is exact, not timed: every entry belongs to one `map_data_version` (a number the
//! database changes in the same transaction as any plot, estate or municipality), and a request
//! reads the current version first. Entries of an older version are never served, so a staff
//! edit shows in the next tile request, from any instance of the service.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;

/// A tile as it is sent: body (empty for "no plots here") and ETag.
#[derive(Clone)]
pub struct CachedTile {
    pub body: Bytes,
    pub etag: String,
}

pub struct TileCache {
    /// Units: bytes.
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    version: i64,
    /// Units: bytes (bodies, keys and a per-entry allowance).
    bytes: usize,
    tiles: HashMap<String, CachedTile>,
}

/// Bookkeeping per entry besides body and key (map slot, ETag). Units: bytes.
const ENTRY_OVERHEAD: usize = 96;

impl TileCache {
    /// `max_bytes` 0 means no cache at all (see `Settings::tile_cache_mb`).
    pub fn new(max_bytes: usize) -> Option<Self> {
        (max_bytes > 0).then(|| TileCache {
            max_bytes,
            inner: Mutex::new(Inner::default()),
        })
    }

    /// The tile at `key` if it was made under `version`.
    pub fn get(&self, version: i64, key: &str) -> Option<CachedTile> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.version != version {
            return None;
        }
        inner.tiles.get(key).cloned()
    }

    /// Keeps a tile made after reading `version`. A newer version drops everything older;
    /// a tile from a request that read an older version than the cache holds is not kept.
    /// When full, the cache starts over: simple, bounded, and tiles are cheap to make again.
    pub fn put(&self, version: i64, key: String, tile: CachedTile) {
        let size = tile.body.len() + key.len() + ENTRY_OVERHEAD;
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if version < inner.version {
            return;
        }
        if version > inner.version || inner.bytes + size > self.max_bytes {
            inner.tiles.clear();
            inner.bytes = 0;
            inner.version = version;
        }
        if let Some(old) = inner.tiles.insert(key.clone(), tile) {
            inner.bytes -= old.body.len() + key.len() + ENTRY_OVERHEAD;
        }
        inner.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(n: usize) -> CachedTile {
        CachedTile {
            body: Bytes::from(vec![1u8; n]),
            etag: format!("\"{n}\""),
        }
    }

    #[test]
    fn serves_only_the_version_a_tile_was_made_under() {
        let cache = TileCache::new(1 << 20).unwrap();
        cache.put(7, "12/1/2".into(), tile(10));
        assert_eq!(cache.get(7, "12/1/2").unwrap().etag, "\"10\"");
        assert!(cache.get(8, "12/1/2").is_none());
        assert!(cache.get(7, "12/1/3").is_none());
        // A slow request that read version 6 must not put its older tile back.
        cache.put(8, "12/1/3".into(), tile(20));
        cache.put(6, "12/1/2".into(), tile(30));
        assert!(cache.get(7, "12/1/2").is_none());
        assert!(cache.get(8, "12/1/2").is_none());
        assert_eq!(cache.get(8, "12/1/3").unwrap().etag, "\"20\"");
    }

    #[test]
    fn stays_within_its_memory() {
        let cache = TileCache::new(4096).unwrap();
        for i in 0..100 {
            cache.put(1, format!("12/{i}/0"), tile(1000));
            let inner = cache.inner.lock().unwrap();
            assert!(inner.bytes <= 4096, "{} bytes", inner.bytes);
        }
        assert!(cache.get(1, "12/99/0").is_some());
        cache.put(1, "big".into(), tile(5000));
        assert!(cache.get(1, "big").is_none());
        assert!(TileCache::new(0).is_none());
    }
}
