"""Import benchmark: `volia import` against the raw floor for the same rows, in the same run.

    python bench/import_bench.py [--people 100000] [--skip-postgres] [--memory-people 20000]

Data: the demo generator (volia/demo/generator.py), seeded, written once to a canonical CSV
(about 10 events per person). Each figure is printed beside its baseline:

- SQLite floor: the same rows (every CSV cell as text) inserted with one `executemany` into a
  table of the same columns in a new SQLite file, one transaction;
- PostgreSQL floor: the same rows sent with `COPY` into such a table;
- volia: `volia import FILE` in a fresh database (schema created first, not timed), which parses
  and validates every row, creates people, names, sources and cases, deduplicates events,
  derives charges and sentences, and rebuilds and checks every custody history.

Peak memory (max RSS of the import process) is measured for two file sizes to show whether it
grows with the file. Results also go to bench/out/import.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
sys.path.insert(0, str(ROOT))


def generate(people: int, path: Path) -> int:
    import datetime as dt

    from volia.demo.generator import DEMO_COLUMNS, generate_rows

    if path.exists():
        with open(path, encoding="utf-8") as f:
            return sum(1 for _ in f) - 1
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=DEMO_COLUMNS)
        w.writeheader()
        for row in generate_rows(people=people, seed=2020, today=dt.date(2026, 11, 1)):
            w.writerow(row)
            n += 1
    return n


def read_rows(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [tuple(row) for row in r]


def sqlite_floor(path: Path) -> float:
    header, rows = read_rows(path)
    with tempfile.TemporaryDirectory() as d:
        con = sqlite3.connect(Path(d) / "floor.sqlite3")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        cols = ", ".join(f'"{c}" TEXT' for c in header)
        con.execute(f"CREATE TABLE events (id INTEGER PRIMARY KEY, {cols})")
        t = time.perf_counter()
        with con:
            con.executemany(f"INSERT INTO events ({', '.join(chr(34) + c + chr(34) for c in header)}) "
                            f"VALUES ({', '.join('?' * len(header))})", rows)
        elapsed = time.perf_counter() - t
        con.close()
    return elapsed


def postgres_floor(path: Path) -> float:
    import psycopg

    header, rows = read_rows(path)
    url = fresh_pg("volia_bench_floor")
    try:
        with psycopg.connect(url) as con:
            cols = ", ".join(f'"{c}" TEXT' for c in header)
            con.execute(f"CREATE TABLE events (id BIGSERIAL PRIMARY KEY, {cols})")
            con.commit()
            t = time.perf_counter()
            with con.cursor() as cur:
                names = ", ".join(f'"{c}"' for c in header)
                with cur.copy(f"COPY events ({names}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            con.commit()
            return time.perf_counter() - t
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS volia_bench_floor")


def volia_import(path: Path, database_url: str, data_dir: Path) -> tuple[float, float, dict]:
    """Wall time and peak RSS (MiB) of `volia import`, after creating the schema untimed."""
    env = {**os.environ, "VOLIA_DATA_DIR": str(data_dir), "VOLIA_DATABASE_URL": database_url}
    volia = [sys.executable, "-m", "volia"]
    subprocess.run([*volia, "migrate", "-v", "0"], env=env, check=True)
    # measure the import alone: a wrapper process reports its child's peak RSS
    code = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
            "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
            "print(json.dumps({'rc':p.returncode,'t':time.perf_counter()-t,"
            "'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,'out':p.stdout,'err':p.stderr[-2000:]}))")
    res = subprocess.run([sys.executable, "-c", code, *volia, "import", str(path), "--json", "--no-progress"],
                         env=env, capture_output=True, text=True, check=True)
    m = json.loads(res.stdout)
    if m["rc"] != 0:
        raise SystemExit(f"volia import failed: {m['err']}\n{m['out'][-2000:]}")
    report = json.loads(m["out"])
    check = subprocess.run([*volia, "check"], env=env, capture_output=True, text=True)
    report["check"] = check.stdout.strip() or check.stderr.strip()[-500:]
    return m["t"], m["rss"], report


def fresh_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def report(label: str, floor: float, t: float, n: int, rss: float, rss_small: float, rep: dict) -> dict:
    print(f"{label} {floor:7.1f} s | volia import {t:7.1f} s ({n / t:,.0f} events/s) | ratio {t / floor:5.1f}x "
          f"| peak RSS {rss:.0f} MiB ({rss_small:.0f} MiB for the small file) | {rep['check']}", flush=True)
    return {"floor_s": floor, "volia_s": t, "ratio": t / floor, "events_per_s": n / t, "peak_rss_mib": rss,
            "peak_rss_small_mib": rss_small, "check": rep["check"], "events_created": rep["events_created"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--memory-people", type=int, default=20_000, help="smaller file for the memory comparison")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    big = OUT / f"demo-{args.people}.csv"
    small = OUT / f"demo-{args.memory_people}.csv"
    n_big, n_small = generate(args.people, big), generate(args.memory_people, small)
    print(f"data: {n_big:,} events of {args.people:,} people ({big.stat().st_size / 2**20:.0f} MiB); "
          f"memory check also with {n_small:,} events of {args.memory_people:,} people")
    results: dict[str, object] = {"people": args.people, "events": n_big}

    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as d:
            floor = sqlite_floor(big)
            t, rss, rep = volia_import(big, f"sqlite:///{d}/big.sqlite3", Path(d))
            _, rss_small, _ = volia_import(small, f"sqlite:///{d}/small.sqlite3", Path(d))
        results["sqlite"] = report("SQLite     floor executemany", floor, t, n_big, rss, rss_small, rep)

    if not args.skip_postgres:
        floor = postgres_floor(big)
        with tempfile.TemporaryDirectory() as d:
            t, rss, rep = volia_import(big, fresh_pg("volia_bench_big"), Path(d))
            _, rss_small, _ = volia_import(small, fresh_pg("volia_bench_small"), Path(d))
        results["postgresql"] = report("PostgreSQL floor COPY       ", floor, t, n_big, rss, rss_small, rep)
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS volia_bench_big")
            admin.execute("DROP DATABASE IF EXISTS volia_bench_small")
    results["self_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (OUT / "import.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
