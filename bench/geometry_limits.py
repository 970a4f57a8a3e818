#!/usr/bin/env python3
"""Time anonymous drawn-area searches with large geometries against a running server.

    python3 bench/geometry_limits.py http://127.0.0.1:PORT [label]

Prints one Markdown table row per case: the status and the median of 3 wall-clock times of
`POST /plots/search` (loopback). The cases are the 20,000-position circle of issue 12,
which the limits refuse, and the costliest shapes the limits admit (GWF_GEOMETRY_MAX_*; set
LIMIT_RING, LIMIT_TOTAL, LIMIT_PARTS, LIMIT_RINGS when the server runs with others).
"""
import json
import math
import os
import statistics
import sys
import time
import urllib.error
import urllib.request


def ring(n, cx, cy, r, clockwise=False):
    pts = []
    for i in range(n - 1):
        a = i / (n - 1) * 2 * math.pi
        if clockwise:
            a = -a
        pts.append([cx + r * math.cos(a), cy + r * math.sin(a)])
    pts.append(pts[0])
    return pts


def cases():
    """The circle of issue 12, then the worst shapes within the limits (env LIMIT_RING,
    LIMIT_TOTAL, LIMIT_PARTS, LIMIT_RINGS; defaults: the service's defaults)."""
    ring_max = int(os.environ.get("LIMIT_RING", 2_000))
    total = int(os.environ.get("LIMIT_TOTAL", 10_000))
    parts = int(os.environ.get("LIMIT_PARTS", 50))
    rings = int(os.environ.get("LIMIT_RINGS", 50))
    cx, cy = 11.5, 53.33
    yield "circle, 20,000 positions (issue 12)", {"type": "Polygon", "coordinates": [ring(20_000, cx, cy, 0.05)]}
    yield f"one ring of {ring_max:,}", {"type": "Polygon", "coordinates": [ring(ring_max, cx, cy, 0.05)]}
    k = total // ring_max
    holes = [ring(ring_max, cx - 0.03 + 0.06 * h / max(k - 1, 1), cy, 0.004, clockwise=True) for h in range(k - 1)]
    yield f"{k} rings of {ring_max:,} (exterior + holes)", {"type": "Polygon", "coordinates": [ring(ring_max, cx, cy, 0.05)] + holes}
    yield f"{k} parts of {ring_max:,}", {"type": "MultiPolygon", "coordinates": [[ring(ring_max, cx + 0.2 * j, cy, 0.05)] for j in range(k)]}
    n = total // parts
    yield f"{parts} parts of {n:,}", {"type": "MultiPolygon", "coordinates": [[ring(n, cx + 0.02 * (j % 10), cy + 0.02 * (j // 10), 0.005)] for j in range(parts)]}
    # Many small rings: each part a diamond (5 positions) with triangular holes (4 each), as
    # many as the limits allow.
    holes_per_part = min(rings - 1, (total // parts - 5) // 4, 49)
    many = []
    for j in range(parts):
        px, py = cx + 0.07 * (j % 10), cy + 0.07 * (j // 10)
        holes = [ring(4, px - 0.012 + 0.004 * (h % 7), py - 0.012 + 0.004 * (h // 7), 0.001, clockwise=True) for h in range(holes_per_part)]
        many.append([ring(5, px, py, 0.03)] + holes)
    yield f"{parts} parts of 1 exterior + {holes_per_part} triangular holes", {"type": "MultiPolygon", "coordinates": many}
    n = total // rings
    yield f"1 exterior + {rings - 1} holes of {n:,}", {"type": "Polygon", "coordinates": [ring(n, cx, cy, 0.5)] + [ring(n, cx - 0.3 + 0.06 * (j % 10), cy - 0.3 + 0.06 * (j // 10), 0.01, clockwise=True) for j in range(rings - 1)]}


def post(base, body):
    data = json.dumps({"geometry": body, "limit": 1, "geometry_form": "none"}).encode()
    request = urllib.request.Request(base + "/plots/search", data=data, headers={"content-type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return status, time.perf_counter() - started


def main():
    base = sys.argv[1].rstrip("/")
    label = sys.argv[2] if len(sys.argv) > 2 else base
    for name, geometry in cases():
        body_kb = len(json.dumps(geometry)) / 1000
        runs = [post(base, geometry) for _ in range(3)]
        statuses = sorted({s for s, _ in runs})
        median = statistics.median(t for _, t in runs)
        print(f"| {label} | {name} | {body_kb:.0f} kB | {','.join(map(str, statuses))} | {median * 1000:.0f} ms |", flush=True)


if __name__ == "__main__":
    main()
