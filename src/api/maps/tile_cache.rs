//! Vector tiles kept in memory between requests, as tile servers do (Martin caches by default):
//! an embedded map or a fair's kiosk screens ask for the same few tiles again and again, and
//! each costs PostgreSQL far more (`ST_AsMVT`) than serving it from memory.
//!
//! Freshness is by version, not timed: every entry belongs to one `map_data_version` (a number
//! the database changes in the same transaction as any plot, estate or municipality), and
//! entries of an older version are never served. How a request learns the current version:
//!
//! - **Pushed** (normally): the database announces every new version (`NOTIFY gwf_map_data`,
//!   migration `tile_push`) to a listener connection of this instance (`tile_listener`), and
//!   requests serve under the newest version announced, with no database round trip. A change
//!   made elsewhere (another instance, an import on the command line, an operator's SQL) shows
//!   as soon as its notification arrives: milliseconds after its commit.
//! - **Asked** (each request reads the version, as before push existed): while the listener is
//!   not connected (start-up, a lost connection until it is back), and after a write through
//!   this instance until a read started after that write has been seen. So a write through
//!   this instance shows in its very next tile, before the write's response is sent.
//!
//! Memory is bounded by bytes, and a full cache evicts the tiles least likely to be asked for
//! again (`quick_cache`, an S3-FIFO cache: one pass over many distinct tiles does not push out
//! the ones asked for repeatedly). Chosen over `moka` for its smaller dependency tree.
//! Keys come from the parsed filters (`PlotQuery::filter_key`), not the raw query string.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// A tile as it is sent: body (empty for "no plots here") and ETag (header values, so a hit
/// copies neither).
#[derive(Clone)]
pub struct CachedTile {
    pub body: Bytes,
    pub etag: HeaderValue,
    /// The body gzip-compressed, with its own ETag (another representation, RFC 9110 §8.8.3):
    /// compressed once when the tile is made, where the compression middleware compressed it
    /// again for every browser's request. `None` for images (PNG is compressed) and empty tiles.
    pub gzip: Option<(Bytes, HeaderValue)>,
}

impl CachedTile {
    /// `body` with its content hash as the ETag.
    pub fn new(body: Bytes) -> CachedTile {
        CachedTile {
            etag: etag(&body, ""),
            body,
            gzip: None,
        }
    }

    /// As `new`, with the gzip representation too.
    pub fn compressed(body: Bytes) -> CachedTile {
        use std::io::Write;
        let mut tile = CachedTile::new(body);
        if tile.body.is_empty() {
            return tile;
        }
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(tile.body.len() / 2),
            flate2::Compression::default(),
        );
        // Kept even where it is not smaller (a tile of one small plot): otherwise the
        // compression middleware would compress that tile anew under the plain form's ETag.
        let gzip = encoder
            .write_all(&tile.body)
            .and_then(|()| encoder.finish())
            .ok();
        tile.gzip = gzip.map(|gzip| (Bytes::from(gzip), etag(&tile.body, "-gzip")));
        tile
    }
}

/// FNV-1a: a cheap, stable content hash for ETags.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    hash
}

/// A strong ETag: the content hash of the unencoded body, with a suffix per encoding.
fn etag(body: &[u8], suffix: &str) -> HeaderValue {
    let etag = format!("\"{:016x}{suffix}\"", content_hash(body));
    HeaderValue::try_from(etag).expect("hex digits in quotes are a header value")
}

/// (data version, `z/x/y` and the canonical filters).
type Key = (i64, String);

/// A `Key` to look up without making one (a hit allocates nothing). It hashes as `Key` does:
/// the same fields in the same order.
#[derive(Hash)]
struct KeyRef<'a>(i64, &'a str);

impl quick_cache::Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// Bookkeeping per entry besides body and key (slot, ETag). Units: bytes.
const ENTRY_OVERHEAD: u64 = 96;

#[derive(Clone)]
struct Bytesize;

impl Weighter<Key, CachedTile> for Bytesize {
    fn weight(&self, key: &Key, tile: &CachedTile) -> u64 {
        let gzip = tile.gzip.as_ref().map_or(0, |(gzip, _)| gzip.len());
        (tile.body.len() + gzip + key.1.len()) as u64 + ENTRY_OVERHEAD
    }
}

/// What the cache did, for `/metrics`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TileCacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Units: bytes.
    pub bytes: u64,
    pub entries: u64,
    /// Tiles dropped to make room or because the data changed.
    pub evictions: u64,
}

pub struct TileCache {
    tiles: Cache<Key, CachedTile, Bytesize>,
    /// Units: bytes.
    max_bytes: u64,
    /// The newest data version a tile was kept under; older ones are dropped.
    version: AtomicI64,
    hits: AtomicU64,
    misses: AtomicU64,
    inserted: AtomicU64,
    /// The newest version announced or read; trusted only while `listening`.
    known: AtomicI64,
    listening: AtomicBool,
    /// Writes through this instance that have finished, and how many of them a version read
    /// has covered (the read began after they finished).
    writes: AtomicU64,
    covered: AtomicU64,
}

/// How a tile request learns the data version (`TileCache::version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Pushed and trusted: serve under it.
    Known(i64),
    /// Read it from the database, then report it with `TileCache::read` and this ticket.
    Ask(u64),
}

impl TileCache {
    /// `max_bytes` 0 means no cache at all (see `Settings::tile_cache_mb`).
    pub fn new(max_bytes: usize) -> Option<Self> {
        let max_bytes = max_bytes as u64;
        // A typical tile is a few kB; the count only sizes the initial tables.
        let estimated = (max_bytes / 4096).clamp(16, 1 << 20) as usize;
        (max_bytes > 0).then(|| TileCache {
            tiles: Cache::with_weighter(estimated, max_bytes, Bytesize),
            max_bytes,
            version: AtomicI64::new(i64::MIN),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            inserted: AtomicU64::new(0),
            known: AtomicI64::new(i64::MIN),
            listening: AtomicBool::new(false),
            writes: AtomicU64::new(0),
            covered: AtomicU64::new(0),
        })
    }

    pub fn version(&self) -> Version {
        // `writes` first: a read that begins after this load covers every write counted in it.
        let writes = self.writes.load(Ordering::SeqCst);
        if self.listening.load(Ordering::SeqCst) && self.covered.load(Ordering::SeqCst) >= writes {
            Version::Known(self.known.load(Ordering::SeqCst))
        } else {
            Version::Ask(writes)
        }
    }

    /// A version read from the database by a request that got `Version::Ask(ticket)`.
    pub fn read(&self, version: i64, ticket: u64) {
        self.announced(version);
        self.covered.fetch_max(ticket, Ordering::SeqCst);
    }

    /// A version announced by the database (or read by the listener).
    pub fn announced(&self, version: i64) {
        self.known.fetch_max(version, Ordering::SeqCst);
    }

    /// Called after every write through this instance has committed, before its response.
    pub fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    /// The listener is connected (after `LISTEN` and a version read) or lost.
    pub fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
    }

    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// The tile at `key` if it was made under `version`.
    pub fn get(&self, version: i64, key: &str) -> Option<CachedTile> {
        let found = self.tiles.get(&KeyRef(version, key));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps a tile made after reading `version`. A newer version drops everything older; a
    /// tile from a request that read an older version than the newest kept is not kept.
    pub fn put(&self, version: i64, key: String, tile: CachedTile) {
        if Bytesize.weight(&(version, key.clone()), &tile) > self.max_bytes {
            return;
        }
        let newest = self.version.fetch_max(version, Ordering::AcqRel);
        if version < newest {
            return;
        }
        if version > newest {
            self.tiles.clear();
        }
        self.tiles.insert((version, key), tile);
        self.inserted.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> TileCacheStats {
        let entries = self.tiles.len() as u64;
        TileCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.tiles.weight(),
            entries,
            // Replacing a tile under the same key counts too; the data's version makes that rare.
            evictions: self
                .inserted
                .load(Ordering::Relaxed)
                .saturating_sub(entries),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(n: usize) -> CachedTile {
        CachedTile {
            body: Bytes::from(vec![1u8; n]),
            etag: HeaderValue::try_from(format!("\"{n}\"")).unwrap(),
            gzip: None,
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
        assert_eq!(cache.stats().hits, 2);
    }

    #[test]
    fn stays_within_its_memory_and_keeps_what_is_asked_for() {
        let cache = TileCache::new(64 * 1024).unwrap();
        cache.put(1, "12/0/0".into(), tile(1000));
        for i in 1..1000 {
            // A map keeps asking for its tile while a client walks through many others.
            assert!(cache.get(1, "12/0/0").is_some(), "after {i} others");
            cache.put(1, format!("12/{i}/0"), tile(1000));
            assert!(cache.stats().bytes <= 64 * 1024, "{:?}", cache.stats());
        }
        cache.put(1, "big".into(), tile(100_000));
        assert!(cache.get(1, "big").is_none());
        assert!(TileCache::new(0).is_none());
    }

    #[test]
    fn asks_the_database_until_the_listener_is_connected() {
        let cache = TileCache::new(1 << 20).unwrap();
        let Version::Ask(ticket) = cache.version() else {
            panic!("no listener yet: must ask")
        };
        cache.read(5, ticket);
        assert!(matches!(cache.version(), Version::Ask(_)));
        cache.set_listening(true);
        assert_eq!(cache.version(), Version::Known(5));
        cache.announced(7);
        cache.announced(6); // an older announcement read late changes nothing
        assert_eq!(cache.version(), Version::Known(7));
        // Connection lost: back to asking, until connected again.
        cache.set_listening(false);
        assert!(matches!(cache.version(), Version::Ask(_)));
        cache.set_listening(true);
        assert_eq!(cache.version(), Version::Known(7));
    }

    #[test]
    fn a_local_write_is_asked_for_until_a_later_read_covers_it() {
        let cache = TileCache::new(1 << 20).unwrap();
        cache.announced(3);
        cache.set_listening(true);
        assert_eq!(cache.version(), Version::Known(3));
        cache.wrote();
        let Version::Ask(first) = cache.version() else {
            panic!("after a write: must ask")
        };
        // A second write finishes while the first request reads: that read does not cover it.
        cache.wrote();
        cache.read(4, first);
        let Version::Ask(second) = cache.version() else {
            panic!("the second write is not covered yet")
        };
        cache.read(5, second);
        assert_eq!(cache.version(), Version::Known(5));
    }
}
