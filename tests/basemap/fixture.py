#!/usr/bin/env python3
"""A tiny offline basemap for the tests, made the way docs/basemap.md tells an operator to:
OpenStreetMap data -> osmium -> tilemaker (OpenMapTiles schema) -> MBTiles -> pmtiles convert.

The OSM data is written here: the A 14 with a junction, a main road, a few streets, the town
of Ludwigslust, a lake and a river, around the demo region (data/demo, 53.33 N 11.50 E).

    fixture.py OUT_DIR PMTILES_CONVERT      # writes OUT_DIR/region.pmtiles
"""
import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path("/usr/share/doc/tilemaker/examples")
BBOX = (11.38, 53.24, 11.66, 53.43)


def osm_xml():
    nodes, ways = [], []

    def node(lon, lat, tags=None):
        nodes.append((len(nodes) + 1, lon, lat, tags or {}))
        return len(nodes)

    def way(points, tags, closed=False):
        refs = [node(lon, lat) for lon, lat in points]
        if closed:
            refs.append(refs[0])
        ways.append((len(ways) + 1, refs, tags))

    # The A 14 north-south west of the town, a junction's slip road, the B 5 across.
    way([(11.455, 53.24), (11.458, 53.30), (11.462, 53.34), (11.466, 53.43)],
        {"highway": "motorway", "ref": "A 14", "oneway": "yes"})
    way([(11.458, 53.30), (11.470, 53.305), (11.49, 53.31)], {"highway": "motorway_link"})
    way([(11.38, 53.33), (11.45, 53.331), (11.497, 53.329), (11.58, 53.335), (11.66, 53.34)],
        {"highway": "primary", "ref": "B 5", "name": "Bundesstraße 5"})
    way([(11.49, 53.31), (11.497, 53.329), (11.52, 53.37), (11.56, 53.42)],
        {"highway": "secondary", "name": "Grabower Straße"})
    for i in range(4):
        lat = 53.322 + i * 0.004
        way([(11.485, lat), (11.51, lat)], {"highway": "residential", "name": f"Straße {i + 1}"})
    way([(11.40, 53.28), (11.50, 53.285), (11.62, 53.29)], {"railway": "rail"})
    node(11.497, 53.329, {"place": "town", "name": "Ludwigslust", "population": "12000"})
    node(11.56, 53.26, {"place": "village", "name": "Grabow-Süd", "population": "900"})
    # The access road of the Ludwigslust estate (LWL-001..006), so a profile's map shows one.
    way([(11.515, 53.338), (11.528, 53.3415), (11.545, 53.347)],
        {"highway": "tertiary", "name": "Gewerbestraße"})
    way([(11.47, 53.35), (11.50, 53.35), (11.505, 53.365), (11.475, 53.368)],
        {"natural": "water", "name": "Testsee"}, closed=True)
    way([(11.38, 53.36), (11.45, 53.37), (11.53, 53.365)], {"waterway": "river", "name": "Rögnitz"})

    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="gwf-test">']
    out.append('<bounds minlon="%s" minlat="%s" maxlon="%s" maxlat="%s"/>' % BBOX)
    for nid, lon, lat, tags in nodes:
        inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        out.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}">{inner}</node>')
    for wid, refs, tags in ways:
        inner = "".join(f'<nd ref="{r}"/>' for r in refs)
        inner += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        out.append(f'<way id="{wid}" version="1">{inner}</way>')
    out.append("</osm>")
    return "\n".join(out) + "\n"


def tilemaker_config(out: Path) -> Path:
    """The OpenMapTiles config that Debian's tilemaker ships, without the layers read from
    Natural Earth and coastline shapefiles (not in the package; a region inland needs none)."""
    config = json.loads((EXAMPLES / "config-openmaptiles.json").read_text())
    config["layers"] = {k: v for k, v in config["layers"].items() if "source" not in v}
    path = out / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path


def main():
    out = Path(sys.argv[1])
    convert = sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    (out / "region.osm").write_text(osm_xml(), encoding="utf-8")
    run = lambda *cmd: subprocess.run(cmd, check=True, cwd=out, stdout=subprocess.DEVNULL)
    run("osmium", "sort", "--overwrite", "-o", "region.osm.pbf", "region.osm")
    (out / "region.mbtiles").unlink(missing_ok=True)
    run("tilemaker", "--input", "region.osm.pbf", "--output", "region.mbtiles",
        "--config", str(tilemaker_config(out)), "--process", str(EXAMPLES / "process-openmaptiles.lua"),
        "--bbox", ",".join(map(str, BBOX)))
    # pmtiles-convert refuses to overwrite.
    (out / "region.pmtiles").unlink(missing_ok=True)
    run(convert, "region.mbtiles", "region.pmtiles")
    print(out / "region.pmtiles")


if __name__ == "__main__":
    main()
