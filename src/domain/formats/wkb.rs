//! WKB (ISO and PostGIS EWKB flavours, either byte order) to GeoJSON and back, and the
//! GeoPackage geometry blob (a `GP` header with SRS and envelope before the WKB).
//!
//! Written here rather than taken from `geozero`: its WKB support brings `wkt`, `scroll`,
//! `geo-traits` and a second `geojson` (0.24 beside our 1.0; `cargo tree`), for the ~200
//! lines below, which also bound what a hostile file can make us allocate (counts are checked
//! against the bytes left before anything is reserved).

use serde_json::{json, Value};

/// How deep geometry collections may nest.
const MAX_DEPTH: usize = 16;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("the WKB ends early")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| "short")?;
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| "short")?;
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count of items of at least `min_size` bytes each, refused if the bytes left cannot
    /// hold them (so a forged count allocates nothing).
    fn count(&mut self, little: bool, min_size: usize) -> Result<usize, String> {
        let n = self.u32(little)? as usize;
        if n.saturating_mul(min_size) > self.bytes.len() - self.at {
            return Err(format!("the WKB claims {n} parts it does not contain"));
        }
        Ok(n)
    }

    fn geometry(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("geometry collections nested too deep".into());
        }
        let little = match self.take(1)?[0] {
            0 => false,
            1 => true,
            other => return Err(format!("not WKB (byte order {other})")),
        };
        let code = self.u32(little)?;
        // EWKB flags in the high bits, ISO dimensions as thousands.
        let (mut z, mut m) = (code & 0x8000_0000 != 0, code & 0x4000_0000 != 0);
        if code & 0x2000_0000 != 0 {
            self.u32(little)?; // EWKB SRID: the container says the CRS.
        }
        let iso = code & 0x0fff_ffff;
        match iso / 1000 {
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => {}
        }
        let dims = 2 + usize::from(z) + usize::from(m);
        let position = |r: &mut Self| -> Result<Value, String> {
            let (x, y) = (r.f64(little)?, r.f64(little)?);
            r.take(8 * (dims - 2))?;
            Ok(json!([x, y]))
        };
        let line = |r: &mut Self| -> Result<Vec<Value>, String> {
            let n = r.count(little, 8 * dims)?;
            (0..n).map(|_| position(r)).collect()
        };
        let rings = |r: &mut Self| -> Result<Vec<Value>, String> {
            let n = r.count(little, 4)?;
            (0..n).map(|_| line(r).map(Value::Array)).collect()
        };
        let parts = |r: &mut Self, kind: u32| -> Result<Vec<Value>, String> {
            let n = r.count(little, 9)?;
            (0..n)
                .map(|_| {
                    let part = r.geometry(depth + 1)?;
                    let expected = ["Point", "LineString", "Polygon"][kind as usize - 4];
                    match part["type"].as_str() {
                        Some(t) if t == expected => Ok(part["coordinates"].clone()),
                        _ => Err(format!("a Multi{expected} holds something else")),
                    }
                })
                .collect()
        };
        Ok(match iso % 1000 {
            1 => {
                let p = position(self)?;
                if p[0].is_null() || p[1].is_null() {
                    // An empty point is NaN, NaN, which JSON has no number for.
                    json!({"type": "MultiPoint", "coordinates": []})
                } else {
                    json!({"type": "Point", "coordinates": p})
                }
            }
            2 => json!({"type": "LineString", "coordinates": line(self)?}),
            3 => json!({"type": "Polygon", "coordinates": rings(self)?}),
            4 => json!({"type": "MultiPoint", "coordinates": parts(self, 4)?}),
            5 => json!({"type": "MultiLineString", "coordinates": parts(self, 5)?}),
            6 => json!({"type": "MultiPolygon", "coordinates": parts(self, 6)?}),
            7 => {
                let n = self.count(little, 9)?;
                let geometries = (0..n)
                    .map(|_| self.geometry(depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                json!({"type": "GeometryCollection", "geometries": geometries})
            }
            8..=17 => return Err(
                "a curved geometry (circular arcs); convert it to polygons first, e.g. with ogr2ogr -nlt MULTIPOLYGON"
                    .into(),
            ),
            other => return Err(format!("unknown WKB geometry type {other}")),
        })
    }
}

/// A WKB geometry as a GeoJSON geometry (Z and M dropped).
pub fn to_geojson(wkb: &[u8]) -> Result<Value, String> {
    let mut reader = Reader { bytes: wkb, at: 0 };
    reader.geometry(0)
}

/// The geometry of a GeoPackage geometry blob (GeoPackage 1.3, §2.1.3) as GeoJSON, or `None`
/// for an empty geometry.
pub fn gpkg_to_geojson(blob: &[u8]) -> Result<Option<Value>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry (no GP header)".into());
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("an extended GeoPackage geometry type, which is not read".into());
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope indicator {other}")),
    };
    if flags & 0b0001_0000 != 0 {
        return Ok(None);
    }
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("the GeoPackage geometry ends early")?;
    to_geojson(wkb).map(Some)
}

struct Writer {
    out: Vec<u8>,
    /// min x, min y, max x, max y of every position written.
    envelope: [f64; 4],
}

impl Writer {
    fn u32(&mut self, n: usize) -> Result<(), String> {
        let n = u32::try_from(n).map_err(|_| "too many parts")?;
        self.out.extend_from_slice(&n.to_le_bytes());
        Ok(())
    }

    fn header(&mut self, kind: u32) {
        self.out.push(1);
        self.out.extend_from_slice(&kind.to_le_bytes());
    }

    fn position(&mut self, p: &Value) -> Result<(), String> {
        let (x, y) = match (
            p.get(0).and_then(Value::as_f64),
            p.get(1).and_then(Value::as_f64),
        ) {
            (Some(x), Some(y)) => (x, y),
            _ => return Err(format!("not a position: {p}")),
        };
        let e = &mut self.envelope;
        (e[0], e[1], e[2], e[3]) = (e[0].min(x), e[1].min(y), e[2].max(x), e[3].max(y));
        self.out.extend_from_slice(&x.to_le_bytes());
        self.out.extend_from_slice(&y.to_le_bytes());
        Ok(())
    }

    fn list<'a>(&mut self, v: &'a Value) -> Result<&'a Vec<Value>, String> {
        let items = v.as_array().ok_or_else(|| format!("not an array: {v}"))?;
        self.u32(items.len())?;
        Ok(items)
    }

    fn line(&mut self, v: &Value) -> Result<(), String> {
        self.list(v)?.iter().try_for_each(|p| self.position(p))
    }

    fn rings(&mut self, v: &Value) -> Result<(), String> {
        self.list(v)?.iter().try_for_each(|r| self.line(r))
    }

    fn geometry(&mut self, g: &Value, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("geometry collections nested too deep".into());
        }
        let c = &g["coordinates"];
        match g["type"].as_str().unwrap_or_default() {
            "Point" => {
                self.header(1);
                self.position(c)
            }
            "LineString" => {
                self.header(2);
                self.line(c)
            }
            "Polygon" => {
                self.header(3);
                self.rings(c)
            }
            "MultiPoint" => {
                self.header(4);
                self.list(c)?.iter().try_for_each(|p| {
                    self.header(1);
                    self.position(p)
                })
            }
            "MultiLineString" => {
                self.header(5);
                self.list(c)?.iter().try_for_each(|l| {
                    self.header(2);
                    self.line(l)
                })
            }
            "MultiPolygon" => {
                self.header(6);
                self.list(c)?.iter().try_for_each(|p| {
                    self.header(3);
                    self.rings(p)
                })
            }
            "GeometryCollection" => {
                self.header(7);
                self.list(&g["geometries"])?
                    .iter()
                    .try_for_each(|part| self.geometry(part, depth + 1))
            }
            other => Err(format!("unknown geometry type `{other}`")),
        }
    }
}

/// A GeoJSON geometry as a GeoPackage geometry blob in `srs_id`: little-endian header with
/// the xy envelope, then little-endian ISO WKB.
pub fn gpkg_from_geojson(geometry: &Value, srs_id: i32) -> Result<Vec<u8>, String> {
    let mut writer = Writer {
        out: Vec::new(),
        envelope: [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
    };
    writer.geometry(geometry, 0)?;
    let [min_x, min_y, max_x, max_y] = writer.envelope;
    let empty = min_x > max_x;
    let mut blob = Vec::with_capacity(40 + writer.out.len());
    blob.extend_from_slice(b"GP");
    blob.push(0); // version 1
                  // Little-endian header values; xy envelope unless empty (then the empty flag).
    blob.push(if empty { 0b0001_0001 } else { 0b0000_0011 });
    blob.extend_from_slice(&srs_id.to_le_bytes());
    if !empty {
        for v in [min_x, max_x, min_y, max_y] {
            blob.extend_from_slice(&v.to_le_bytes());
        }
    }
    blob.extend_from_slice(&writer.out);
    Ok(blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometries_round_trip_through_gpkg_blobs() {
        for g in [
            json!({"type": "Point", "coordinates": [11.5, 53.25]}),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]}),
            json!({"type": "MultiPolygon", "coordinates": [
                [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.1]]],
                [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]]]}),
            json!({"type": "GeometryCollection", "geometries": [
                {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 2.0]]},
                {"type": "MultiPoint", "coordinates": [[3.0, 4.0]]}]}),
        ] {
            let blob = gpkg_from_geojson(&g, 4326).unwrap();
            assert_eq!(gpkg_to_geojson(&blob).unwrap(), Some(g.clone()));
        }
        let blob =
            gpkg_from_geojson(&json!({"type": "Point", "coordinates": [3.0, 4.0]}), 4326).unwrap();
        // Envelope: min x, max x, min y, max y.
        assert_eq!(f64::from_le_bytes(blob[16..24].try_into().unwrap()), 3.0);
        assert_eq!(f64::from_le_bytes(blob[24..32].try_into().unwrap()), 4.0);
    }

    #[test]
    fn big_endian_with_z_and_ewkb_srid() {
        // Big-endian ISO Point Z (1001).
        let mut wkb = vec![0, 0, 0, 0x03, 0xe9];
        for v in [1.0f64, 2.0, 3.0] {
            wkb.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(
            to_geojson(&wkb).unwrap(),
            json!({"type": "Point", "coordinates": [1.0, 2.0]})
        );
        // Little-endian EWKB Point with SRID and Z.
        let mut ewkb = vec![1];
        ewkb.extend_from_slice(&(0xa000_0001u32).to_le_bytes());
        ewkb.extend_from_slice(&25832u32.to_le_bytes());
        for v in [1.0f64, 2.0, 3.0] {
            ewkb.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(to_geojson(&ewkb).unwrap()["coordinates"], json!([1.0, 2.0]));
    }

    #[test]
    fn hostile_wkb_is_refused_without_allocating() {
        // A polygon claiming 4 billion rings in 9 bytes.
        let mut wkb = vec![1, 3, 0, 0, 0];
        wkb.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(to_geojson(&wkb).unwrap_err().contains("claims"));
        assert!(to_geojson(&[1, 1, 0]).is_err());
        assert!(to_geojson(&[7]).is_err());
        assert!(gpkg_to_geojson(b"XX\0\x01\0\0\0\0").is_err());
        let mut curve = vec![1];
        curve.extend_from_slice(&10u32.to_le_bytes());
        assert!(to_geojson(&curve).unwrap_err().contains("curved"));
    }
}
