"""Writes a GeoJSON FeatureCollection of N plausible plots in the import schema (stdout).

   python3 bench/import_data.py 10000 [--csv] > plots.geojson

Plots are 6- to 10-sided outlines of 0.2-8 ha in estates of ~20 plots around the three demo
municipalities (AGS 13076090, 13076050, 13076105), deterministic (seeded)."""

import json
import math
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
as_csv = "--csv" in sys.argv
rnd = random.Random(14)
towns = [("13076090", 11.50, 53.33), ("13076050", 11.57, 53.28), ("13076105", 11.59, 53.38)]
statuses = ["available"] * 6 + ["reserved", "under_negotiation", "sold", "planned"]
zonings = ["GE"] * 5 + ["GI"] * 3 + ["GE-e", "SO", "MI"]


def outline(lon, lat, area_m2):
    k = rnd.randint(6, 10)
    r = math.sqrt(area_m2 / (0.5 * k * math.sin(2 * math.pi / k)))
    m_lat = 111_320.0
    m_lon = 111_320.0 * math.cos(math.radians(lat))
    ring = []
    for i in range(k):
        a = 2 * math.pi * i / k
        rr = r * rnd.uniform(0.85, 1.0)
        ring.append([round(lon + rr * math.cos(a) / m_lon, 7), round(lat + rr * math.sin(a) / m_lat, 7)])
    ring.append(ring[0])
    return ring


features = []
for i in range(n):
    ags, lon0, lat0 = towns[i % 3]
    estate = i // 20
    # Estates on a grid 1.2 km apart around the town, plots 250 m apart inside.
    e_lon = lon0 + ((estate % 25) - 12) * 0.018
    e_lat = lat0 + ((estate // 25) % 25 - 12) * 0.011
    lon = e_lon + (i % 5) * 0.0037
    lat = e_lat + ((i % 20) // 5) * 0.0023
    area = rnd.randint(2_000, 80_000)
    price = rnd.randint(800, 4500) / 100
    props = {
        "reference": f"BENCH-{i:05d}",
        "title_de": f"Gewerbefläche {i} im Gebiet {estate}",
        "title_en": f"Commercial plot {i} in estate {estate}",
        "description_de": "Voll erschlossene Fläche mit direkter Anbindung an die A14.",
        "municipality_ags": ags,
        "area_stated_m2": area,
        "status": rnd.choice(statuses),
        "zoning": rnd.choice(zonings),
        "bplan_status": "legally_binding",
        "grz": 0.8,
        "servicing": rnd.choice(["full", "full", "partial", "none"]),
        "broadband_mbit": rnd.choice([100, 250, 1000]),
        "rail_siding": rnd.random() < 0.1,
        "dist_motorway_km": round(rnd.uniform(0.5, 25), 1),
        "price_min_eur_m2": f"{price:.2f}",
        "offer": "sale",
        "grw_area": True,
        "data_confirmed_on": "2026-10-01",
        "internal_notes": "Synthetische Benchmark-Fläche",
    }
    features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [outline(lon, lat, area)]}, "properties": props})

if as_csv:
    import csv
    cols = list(features[0]["properties"].keys()) + ["wkt"]
    w = csv.writer(sys.stdout)
    w.writerow(cols)
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
        w.writerow([f["properties"][c] for c in cols[:-1]] + [wkt])
else:
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout, ensure_ascii=False)
