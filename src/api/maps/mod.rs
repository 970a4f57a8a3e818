//! Maps for websites and trade fairs: vector tiles and TileJSON (`tiles`, with `tile_cache` and
//! its `tile_listener`), the embeddable map page and its bundled assets (`pages`, hashed names in `assets`), printable
//! plot profiles (`profile`, with preview links of drafts in `preview`), and the operator's
//! offline basemap (`basemap`).

pub mod assets;
pub mod basemap;
pub mod pages;
pub mod preview;
pub mod profile;
pub mod tile_cache;
pub mod tile_listener;
pub mod tiles;
