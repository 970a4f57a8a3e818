"""GDAL's OAPIF driver against a running server with the demo data (tests/clients/run.sh).

ogrinfo lists the three collections; ogr2ogr copies `plots` into a GeoPackage with the same
count and geometries (within 1e-7 degrees) as GET /plots?f=geojson; -spat and -where select
the same plots as the API. Usage: python3 gdal_check.py BASE_URL WORKDIR
"""

import json
import subprocess
import sys
import urllib.request

BASE, WORK = sys.argv[1].rstrip("/"), sys.argv[2]
TOLERANCE = 1e-7


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=60) as r:
        return json.load(r)


def gdal_features(*extra):
    """plots through OAPIF into a GeoPackage, read back as GeoJSON."""
    gpkg = f"{WORK}/plots.gpkg"
    run("ogr2ogr", "-overwrite", "-f", "GPKG", gpkg, f"OAPIF:{BASE}", "plots", *extra)
    out = run("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", gpkg, "plots")
    return json.loads(out)["features"]


def rings(geometry):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def same_geometry(a, b):
    ra, rb = rings(a), rings(b)
    if len(ra) != len(rb):
        return False
    for x, y in zip(ra, rb):
        if len(x) != len(y):
            return False
        for p, q in zip(x, y):
            if abs(p[0] - q[0]) > TOLERANCE or abs(p[1] - q[1]) > TOLERANCE:
                return False
    return True


info = run("ogrinfo", "-ro", "-q", f"OAPIF:{BASE}")
for name in ("plots", "estates", "municipalities"):
    if name not in info:
        sys.exit(f"FAIL: ogrinfo does not list {name}:\n{info}")
print("ok: ogrinfo lists plots, estates, municipalities")

expected = {f["properties"]["reference"]: f for f in api("/plots?f=geojson&limit=1000")["features"]}
copied = gdal_features()
got = {f["properties"]["reference"]: f for f in copied}
if len(copied) != len(expected) or set(got) != set(expected):
    sys.exit(f"FAIL: ogr2ogr copied {len(copied)} plots, the API has {len(expected)}")
for ref, feature in expected.items():
    if not same_geometry(feature["geometry"], got[ref]["geometry"]):
        sys.exit(f"FAIL: geometry of {ref} differs by more than {TOLERANCE} degrees")
print(f"ok: ogr2ogr copied {len(copied)} plots into a GeoPackage, geometries within {TOLERANCE} degrees")

bbox = (11.40, 53.25, 11.55, 53.40)
spat = sorted(f["properties"]["reference"] for f in gdal_features("-spat", *map(str, bbox)))
via_api = sorted(f["properties"]["reference"] for f in api("/plots?f=geojson&limit=1000&bbox=" + ",".join(map(str, bbox)))["features"])
if spat != via_api or not spat:
    sys.exit(f"FAIL: -spat gives {spat}, the API {via_api}")
print(f"ok: -spat selects the same {len(spat)} plots as bbox")

where = sorted(f["properties"]["reference"] for f in gdal_features("-where", "status = 'available' AND area_m2 >= 10000"))
via_api = sorted(f["properties"]["reference"] for f in api("/plots?f=geojson&limit=1000&status=available&area_min=10000")["features"])
if where != via_api or not where:
    sys.exit(f"FAIL: -where gives {where}, the API {via_api}")
print(f"ok: -where selects the same {len(where)} plots as the API")
