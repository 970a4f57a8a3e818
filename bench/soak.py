#!/usr/bin/env python3
"""Mixed load at a fixed rate for bench/soak.sh (stdlib only).

    soak.py BASE_URL TOKEN SECONDS RATE SERVER_PID OUT.json

Sends RATE requests a second for SECONDS, spread over 8 threads, as a town website, trade-fair
maps and staff would: searches with filters, drawn areas, plots by reference, tiles across the
region at zoom 10-14, facets, CSV exports, staff reads and a few staff edits (PATCH with
If-Match, one plot per thread so edits never collide; 0.2 % of requests, about one every 8 s at
60/s: every edit empties the tile cache, and real staff edit far less often than that). Each request comes "from" one of 500 client addresses via
X-Forwarded-For (the server trusts 127.0.0.1 as its proxy), as through a reverse proxy.
Samples the server's RSS every 5 s from /proc. Writes the counts, latencies and RSS series to
OUT.json and prints a summary.
"""
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
import urllib.parse

base, token, seconds, rate, server_pid, out = sys.argv[1:7]
seconds, rate, server_pid = float(seconds), float(rate), int(server_pid)
host = urllib.parse.urlsplit(base)
THREADS = 8


def rss_kib():
    with open(f"/proc/{server_pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/plots/{z}/{x}/{y}.mvt"


class Client:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        headers["X-Forwarded-For"] = f"198.51.{self.rng.randrange(2)}.{self.rng.randrange(250)}"
        if body is not None:
            body = json.dumps(body)
            headers["content-type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, response.getheader("ETag")
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    return "error", b"", None


def main():
    setup = Client(0)
    status, data, _ = setup.request("GET", "/plots?limit=1000&geometry_form=centroid&fields=reference,status")
    assert status == 200, (status, data[:300])
    page = json.loads(data)
    plots = page["items"] if "items" in page else page["plots"]
    references = [p["reference"] for p in plots]
    points = [p["geometry"]["coordinates"] for p in plots if p.get("geometry")]
    lons = [c[0] for c in points]
    lats = [c[1] for c in points]
    box = (min(lons), min(lats), max(lons), max(lats))
    statuses = {}
    latencies = {}
    lock = threading.Lock()
    stop = time.time() + seconds

    def record(kind, status, took):
        with lock:
            statuses.setdefault(kind, {}).setdefault(str(status), 0)
            statuses[kind][str(status)] += 1
            latencies.setdefault(kind, []).append(took)

    def worker(n):
        c = Client(n + 1)
        rng = c.rng
        mine = references[n]  # this thread's plot for edits
        interval = THREADS / rate
        next_at = time.time() + rng.random() * interval
        while next_at < stop:
            time.sleep(max(0.0, next_at - time.time()))
            next_at += interval
            r = rng.random()
            lon = rng.uniform(box[0], box[2])
            lat = rng.uniform(box[1], box[3])
            started = time.time()
            if r < 0.30:
                kind = "tile"
                status, _, _ = c.request("GET", tile(lon, lat, rng.choice([10, 11, 12, 13, 14])))
            elif r < 0.50:
                kind = "search"
                filters = rng.choice(["status=available", "zoning=GI", "area_min=10000", "q=Logistik",
                                      f"near={lon:.4f},{lat:.4f}&radius_m=5000", "servicing=full&zoning=GE"])
                status, _, _ = c.request("GET", f"/plots?{filters}&limit={rng.choice([20, 50, 100])}")
            elif r < 0.65:
                kind = "plot"
                status, _, _ = c.request("GET", f"/plots/{rng.choice(references)}")
            elif r < 0.72:
                kind = "facets"
                status, _, _ = c.request("GET", "/plots/facets?status=available")
            elif r < 0.77:
                kind = "drawn area"
                d = rng.uniform(0.01, 0.05)
                ring = [[lon + d * math.cos(a / 40 * 2 * math.pi), lat + d * math.sin(a / 40 * 2 * math.pi)] for a in range(40)]
                ring.append(ring[0])
                status, _, _ = c.request("POST", "/plots/search", {"geometry": {"type": "Polygon", "coordinates": [ring]}, "limit": 50})
            elif r < 0.78:
                kind = "csv"
                status, _, _ = c.request("GET", f"/plots?f=csv&bbox={lon:.3f},{lat:.3f},{lon + 0.05:.3f},{lat + 0.05:.3f}")
            elif r < 0.998:
                kind = "staff read"
                status, _, _ = c.request("GET", f"/plots?status=reserved&limit=20", headers={"Authorization": f"Bearer {token}"})
            else:
                kind = "staff edit"
                auth = {"Authorization": f"Bearer {token}"}
                status, _, etag = c.request("GET", f"/plots/{mine}", headers=auth)
                if status == 200:
                    status, _, _ = c.request("PATCH", f"/plots/{mine}", {"internal_notes": f"soak {started:.3f}"},
                                             headers={**auth, "If-Match": etag})
            record(kind, status, time.time() - started)

    rss = [(0.0, rss_kib())]
    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    deadline = t0 + seconds
    while time.time() < deadline:
        time.sleep(min(5, max(0.0, deadline - time.time())))
        rss.append((round(time.time() - t0, 1), rss_kib()))
    for t in threads:
        t.join()
    elapsed = max(seconds, time.time() - t0)

    total = sum(sum(s.values()) for s in statuses.values())
    errors = {k: v for k, s in statuses.items() for code, v in s.items() if code.startswith("5") or code == "error"}
    unexpected_4xx = {f"{k} {code}": v for k, s in statuses.items() for code, v in s.items() if code.startswith("4")}
    summary = {
        "seconds": seconds, "rate": rate, "requests": total, "achieved_rate": round(total / elapsed, 1),
        "statuses": statuses, "server_errors": errors, "unexpected_4xx": unexpected_4xx,
        "p50_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in latencies.items()},
        "p99_ms": {k: round(sorted(v)[int(len(v) * 0.99) - 1] * 1000, 1) for k, v in latencies.items()},
        "rss_kib": rss,
        "rss_start_peak_end_mib": [round(rss[0][1] / 1024, 1), round(max(r for _, r in rss) / 1024, 1), round(rss[-1][1] / 1024, 1)],
    }
    # The first minute warms caches and pools; flat means the last half grows no more than
    # 5 % over the peak of the first half.
    half = [r for t, r in rss if t <= seconds / 2]
    second = [r for t, r in rss if t > seconds / 2]
    summary["rss_flat"] = bool(second) and max(second) <= max(half) * 1.05
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "rss_kib"}, indent=1))
    ok = not errors and not unexpected_4xx and summary["rss_flat"]
    print("soak:", "passed" if ok else "FAILED")
    sys.exit(0 if ok else 1)


main()
