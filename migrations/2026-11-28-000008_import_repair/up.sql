-- Import geometry with optional repair (POST /imports?repair=true). The three-argument
-- gwf_import_geometry of 000003 stays for builds that still call it.
--
-- Like that one: GeoJSON or WKT in `srid`, as GeoJSON in EPSG:4326 (9 decimals, ≈0.1 mm); a
-- broken input gives its error instead of failing the whole batch. With `repair` and a polygonal
-- input that GEOS finds invalid, the outline is made valid with ST_MakeValid 'method=structure'
-- (shells unioned, holes subtracted: a bow-tie becomes its two lobes, overlapping parts their
-- union), only polygons are kept (ST_CollectionExtract 3) and components under `min_part_m2`
-- (geodesic) are dropped. `repaired` says whether that happened; then `area_before_m2` is the
-- area as drawn (each ring's own enclosed ground, ST_BuildArea of the noded ring, shells less
-- holes, parts summed: overlaps count twice) and `area_after_m2` that of the result, both
-- geodesic in m²; `parts_before` and `parts_after` count the polygons. The caller (Rust) decides
-- whether the change is acceptable. ST_IsValidDetail rather than ST_IsValid: the latter writes a
-- NOTICE per invalid input to the server log.
CREATE FUNCTION gwf_import_geometry(input text, is_wkt boolean, srid integer,
                                    repair boolean, min_part_m2 double precision,
                                    OUT geojson text, OUT error text, OUT repaired boolean,
                                    OUT area_before_m2 double precision,
                                    OUT area_after_m2 double precision,
                                    OUT parts_before integer, OUT parts_after integer)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    g geometry;
    kept geometry[];
BEGIN
    repaired := false;
    IF is_wkt THEN
        g := ST_GeomFromText(input, srid);
    ELSE
        g := ST_SetSRID(ST_GeomFromGeoJSON(input), srid);
    END IF;
    IF srid <> 4326 THEN
        g := ST_Transform(g, 4326);
    END IF;
    IF repair AND GeometryType(g) IN ('POLYGON', 'MULTIPOLYGON') AND NOT (ST_IsValidDetail(g)).valid THEN
        parts_before := ST_NumGeometries(g);
        SELECT coalesce(sum(CASE WHEN r.path[1] = 0 THEN 1 ELSE -1 END
                            * coalesce(ST_Area(ST_BuildArea(ST_Node(ST_ExteriorRing(r.geom)))::geography), 0)), 0)
          INTO area_before_m2
          FROM ST_Dump(g) d, ST_DumpRings(d.geom) r;
        g := ST_CollectionExtract(ST_MakeValid(g, 'method=structure'), 3);
        SELECT array_agg(d.geom) FILTER (WHERE ST_Area(d.geom::geography) >= min_part_m2)
          INTO kept
          FROM ST_Dump(g) d;
        parts_after := coalesce(array_length(kept, 1), 0);
        IF kept IS NULL THEN
            g := ST_SetSRID('MULTIPOLYGON EMPTY'::geometry, 4326);
        ELSE
            g := ST_SetSRID(ST_Multi(ST_Collect(kept)), 4326);
        END IF;
        area_after_m2 := coalesce(ST_Area(g::geography), 0);
        repaired := true;
    END IF;
    geojson := ST_AsGeoJSON(g, 9);
EXCEPTION WHEN OTHERS THEN
    error := SQLERRM;
END
$$;
