#!/usr/bin/env python3
"""Load and checks for scripts/faults.sh (stdlib only).

    faults.py load URL STOP_FILE OUT.jsonl steady load until STOP_FILE exists (at most 3 min):
                                           4 threads of GET /plots?limit=5 and one of
                                           GET /readyz, each answer written as a line
    faults.py check-restart OUT.jsonl DOWN_AT UP_AT
                                           the PostgreSQL restart: no answer but 200 and 503,
                                           none slower than 5 s, /readyz 503 while down, and
                                           only 200 from 2 s after /readyz was 200 again
    faults.py import URL TOKEN N           POST an import of N plots (GeoJSON), print status
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request


def get(url, timeout=10):
    started = time.time()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    except Exception as e:  # connection refused, timeout
        status = f"error: {type(e).__name__}"
    return started, status, time.time() - started


def load(base, stop_file, out):
    give_up = time.time() + 180
    lock = threading.Lock()
    with open(out, "w") as f:
        def worker(path, pause):
            while time.time() < give_up and not os.path.exists(stop_file):
                started, status, took = get(base + path)
                with lock:
                    f.write(json.dumps({"t": started, "path": path, "status": status, "took": took}) + "\n")
                    f.flush()
                time.sleep(pause)
        threads = [threading.Thread(target=worker, args=("/plots?limit=5", 0.02)) for _ in range(4)]
        threads.append(threading.Thread(target=worker, args=("/readyz", 0.1)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def check_restart(out, down_at, up_at):
    rows = [json.loads(line) for line in open(out)]
    problems = []
    unexpected = [r for r in rows if r["status"] not in (200, 503)]
    if unexpected:
        problems.append(f"{len(unexpected)} answers neither 200 nor 503, e.g. {unexpected[:3]}")
    slow = [r for r in rows if r["took"] > 5]
    if slow:
        problems.append(f"{len(slow)} answers slower than 5 s, e.g. {slow[:3]}")
    ready = [r for r in rows if r["path"] == "/readyz"]
    down = [r for r in ready if down_at + 0.5 < r["t"] < up_at]
    if not any(r["status"] == 503 for r in down):
        problems.append("/readyz never answered 503 while PostgreSQL was down")
    back = min((r["t"] for r in ready if r["t"] > up_at and r["status"] == 200), default=None)
    if back is None:
        problems.append("/readyz never answered 200 again")
    else:
        after = [r for r in rows if r["t"] > back + 2]
        bad = [r for r in after if r["status"] != 200]
        if not after:
            problems.append("no requests after the recovery")
        if bad:
            problems.append(f"{len(bad)} of {len(after)} requests failed after recovery, e.g. {bad[:3]}")
    by_status = {}
    for r in rows:
        by_status[str(r["status"])] = by_status.get(str(r["status"]), 0) + 1
    print(f"restart: {len(rows)} requests {by_status}, slowest {max(r['took'] for r in rows):.2f} s, "
          f"ready again {back - up_at:.1f} s after PostgreSQL started" if back else f"restart: {by_status}")
    for p in problems:
        print("FAILED:", p)
    return not problems


def big_import(base, token, n):
    features = []
    for i in range(n):
        lon, lat = 11.0 + (i % 200) * 0.002, 53.0 + (i // 200) * 0.002
        ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.001], [lon, lat + 0.001], [lon, lat]]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"reference": f"KILL-{i:05d}", "title_de": f"Fläche {i}",
                                        "municipality_ags": "13076090", "status": "available",
                                        "zoning": "GE", "bplan_status": "legally_binding",
                                        "servicing": "full", "offer": "sale", "price_min_eur_m2": "10",
                                        "data_confirmed_on": "2026-10-01"}})
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    request = urllib.request.Request(base + "/imports", data=body, headers={
        "content-type": "application/geo+json", "authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=600) as r:
            print(r.status)
    except urllib.error.HTTPError as e:
        print(e.code)
    except Exception as e:
        print(f"error: {type(e).__name__}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "load":
        load(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "check-restart":
        sys.exit(0 if check_restart(sys.argv[2], float(sys.argv[3]), float(sys.argv[4])) else 1)
    elif command == "import":
        big_import(sys.argv[2], sys.argv[3], int(sys.argv[4]))
