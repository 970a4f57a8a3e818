#!/usr/bin/env python3
"""CPU used per process name while a load command runs: where a benchmark's 2 cores go.

    bench/cpu_split.py wrk -t2 -c8 -d10s 'http://127.0.0.1:PORT/plots?bbox=...'
    bench/cpu_split.py pgbench -M prepared -c8 -j2 -T10 -n -f search.sql gwf_bench

Reads utime+stime of every process from /proc at 2 s and 8 s into the run (inside a 10 s load,
away from connection set-up and shutdown) and prints CPUs used per process name, e.g.
`postgres 1.09 CPU`, then the load tool's throughput line. Divide a process's CPUs by the
throughput for its CPU time per request: that is how bench/RESULTS.md splits a request between
PostgreSQL, the API and the load generator. Linux only; the load must run at least 9 s.
"""

import os
import subprocess
import sys
import time


def snapshot():
    """pid -> (name, CPU ticks so far) for every process."""
    seen = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # ended between listdir and open
        # The name is parenthesised and may contain spaces; the fields after it are fixed.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seen[pid] = (name, int(fields[11]) + int(fields[12]))
    return seen


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    load = subprocess.Popen(
        sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    time.sleep(2)
    before = snapshot()
    started = time.monotonic()
    time.sleep(6)
    after = snapshot()
    elapsed = time.monotonic() - started
    output = load.communicate()[0]
    per_name = {}
    for pid, (name, ticks) in after.items():
        if pid in before:
            per_name[name] = per_name.get(name, 0) + ticks - before[pid][1]
    for name, ticks in sorted(per_name.items(), key=lambda item: -item[1])[:5]:
        print(f"{name:18s} {ticks / ticks_per_second / elapsed:.2f} CPU")
    for line in output.splitlines():
        if "Requests/sec" in line or line.startswith("tps"):
            print(line.strip())
    sys.exit(load.returncode)


if __name__ == "__main__":
    main()
