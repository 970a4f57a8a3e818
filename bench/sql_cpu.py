#!/usr/bin/env python3
"""CPU time of the PostgreSQL backend per execution of one statement: a floor that stays put on a
loaded machine, where pgbench's transactions per second swing with the other processes.

    bench/sql_cpu.py DATABASE_URL FILE.sql [FILE2.sql ...] [--runs 300] [--rounds 3]

Each file holds one SELECT (as `gewerbeflaechen search-sql` prints it). In one psql session per
file and round, the statement runs once to warm up, then `runs` times inside a plpgsql loop (one
plan, as a prepared statement has), and the backend's utime+stime from /proc/<pid>/stat before
and after give the CPU milliseconds per execution. Rounds alternate between the files. Linux
only, and the database must be on this machine (the backend's /proc entry is read).
"""

import os
import subprocess
import sys


def backend_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def measure(url, sql, runs):
    psql = subprocess.Popen(
        ["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def ask(statement):
        psql.stdin.write(statement + "\nselect 'done';\n")
        psql.stdin.flush()
        lines = []
        while (line := psql.stdout.readline().strip()) != "done":
            if not line and psql.poll() is not None:
                sys.exit(f"psql ended: {statement[:200]}")
            lines.append(line)
        return lines

    pid = ask("select pg_backend_pid();")[0]
    body = sql.strip().rstrip(";")
    loop = f"DO $bench$ BEGIN FOR i IN 1..{runs} LOOP PERFORM ({body}); END LOOP; END $bench$;"
    ask(f"DO $bench$ BEGIN PERFORM ({body}); END $bench$;")
    before = backend_ticks(pid)
    ask(loop)
    after = backend_ticks(pid)
    psql.stdin.close()
    psql.wait()
    return (after - before) / os.sysconf("SC_CLK_TCK") * 1000 / runs


def main():
    args = sys.argv[1:]
    options = {"--runs": 300, "--rounds": 3}
    for key in options:
        if key in args:
            i = args.index(key)
            options[key] = int(args[i + 1])
            del args[i : i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    url, files = args[0], args[1:]
    sqls = {name: open(name).read() for name in files}
    results = {name: [] for name in files}
    for _ in range(options["--rounds"]):
        for name in files:
            results[name].append(measure(url, sqls[name], options["--runs"]))
    for name in files:
        values = ", ".join(f"{v:.3f}" for v in results[name])
        print(f"{name}: {values} ms CPU per execution")


if __name__ == "__main__":
    main()
