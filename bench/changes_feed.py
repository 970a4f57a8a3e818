#!/usr/bin/env python3
"""A sync client reading the whole change feed from the start: GET /changes?since=…&limit=N
until `more` is false. Prints the total time, the pages, and the per-page latency (median,
p99, max) in milliseconds, measured around each request on one keep-alive connection.

    python3 bench/changes_feed.py http://127.0.0.1:18090 [limit]
"""
import http.client
import json
import sys
import time
import urllib.parse

base = urllib.parse.urlsplit(sys.argv[1])
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
conn = http.client.HTTPConnection(base.hostname, base.port)
since, pages, changes, latencies = "0", 0, 0, []
start = time.perf_counter()
while True:
    t = time.perf_counter()
    conn.request("GET", f"/changes?since={since}&limit={limit}")
    response = conn.getresponse()
    body = response.read()
    latencies.append((time.perf_counter() - t) * 1000)
    assert response.status == 200, (response.status, body[:200])
    page = json.loads(body)
    pages += 1
    changes += len(page["changes"])
    since = page["next_cursor"]
    if not page["more"]:
        break
total = time.perf_counter() - start
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(json.dumps({
    "changes": changes, "pages": pages, "limit": limit, "total_s": round(total, 2),
    "page_ms_median": round(p(0.5), 1), "page_ms_p99": round(p(0.99), 1),
    "page_ms_max": round(latencies[-1], 1),
}))
