//! GIS file formats shared by the plot and estate imports, their export and the boundary
//! importer, free of IO: Shapefile shapes and DBF values (`shapefile`), and WKB with the
//! GeoPackage geometry header (`wkb`), both turned into GeoJSON geometry values, which is what
//! the rest of the code reads.

pub mod shapefile;
pub mod wkb;
