"""OWSLib's OGC API – Features client against a running server with the demo data:
collections, queryables, items with bbox, paging to the end. Usage: python owslib_check.py BASE_URL
"""

import json
import sys
import urllib.request

from owslib.ogcapi.features import Features

BASE = sys.argv[1].rstrip("/")
api = Features(BASE)

ids = [c["id"] for c in api.collections()["collections"]]
assert ids == ["plots", "estates", "municipalities"], ids
print("ok: collections", ids)

queryables = api.collection_queryables("plots")
assert "status" in queryables["properties"] and "geometry" in queryables["properties"], queryables
print("ok: queryables", len(queryables["properties"]))

bbox = [11.40, 53.25, 11.55, 53.40]
page = api.collection_items("plots", bbox=bbox, limit=1000)
with urllib.request.urlopen(f"{BASE}/plots?limit=1000&bbox={','.join(map(str, bbox))}") as r:
    expected = sorted(p["reference"] for p in json.load(r)["items"])
got = sorted(f["properties"]["reference"] for f in page["features"])
assert got == expected and got, (got, expected)
print("ok: items with bbox", len(got))

# Paging to the end by the `next` links, 5 at a time.
seen = []
page = api.collection_items("plots", limit=5)
while True:
    seen += [f["properties"]["reference"] for f in page["features"]]
    nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
    if not nxt:
        break
    with urllib.request.urlopen(nxt[0]) as r:
        page = json.load(r)
with urllib.request.urlopen(f"{BASE}/plots?limit=1000") as r:
    everything = [p["reference"] for p in json.load(r)["items"]]
assert seen == everything, (seen, everything)
print("ok: paged to the end", len(seen))
