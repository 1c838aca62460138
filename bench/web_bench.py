"""Web benchmark: the public site under a burst of readers, served by gunicorn, measured with wrk.

    python bench/web_bench.py [--people 100000] [--seed 2020] [--workers 4] [--connections 50]
                              [--duration 20] [--publish-people 1000] [--publish-jobs 2] [--threads 0]

Data: `volia demo --people N --no-serve` (the demo generator and the importer) into an SQLite file
under bench/out/web-N-SEED/ (reused when it is already there, after `volia migrate`). gunicorn serves
volia.wsgi:application (the public fast path in front of Django) on loopback with --workers
processes; the page cache is the settings' FileBasedCache under the same data directory, shared by
the workers.

Each figure beside a baseline measured in the same run and on the same server:
- static: the stylesheet, served by WhiteNoise in the same gunicorn (the server's floor);
- home and person pages, cached: anonymous readers (pages come from the shared cache; the person
  URLs rotate over --keys public people, each warmed once first);
- the same pages uncached: a logged-in reader without a role sees exactly the public pages, but
  logged-in pages are never cached, so every request renders (the cost the cache saves).
wrk runs --connections connections on 2 threads for --duration seconds per figure; latencies are
wrk's (p50, p95, p99), throughput is requests per second; server_cpu_ms is the CPU time of the
gunicorn processes (from /proc) per request. wrk is the Debian package (installed with apt-get when
missing).

`volia publish --jobs N` (all three languages) is timed on the demo database of --publish-people
(the same one when equal to --people), beside `volia export` of the same database as the baseline:
publishing renders every public page, about 3 x (people + people / 50 + a few hundred) pages. Its
CPU time is that of the command and its worker processes.

Results go to bench/out/web.json. The machine's load average (other processes) is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = ROOT / ".venv" / "bin"

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.3f %.3f %.3f %.1f %d %d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def env_for(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "VOLIA_DATA_DIR": str(data_dir),
            "VOLIA_DATABASE_URL": f"sqlite:///{data_dir / 'demo.sqlite3'}", "DJANGO_SETTINGS_MODULE": "volia.settings"}


def ensure_demo(data_dir: Path, people: int, seed: int) -> float | None:
    """Create the demo database unless it is there; returns the seconds it took (None when reused)."""
    db = data_dir / "demo.sqlite3"
    if db.exists():
        with sqlite3.connect(db) as c:
            same = c.execute("select count(*) from registry_person").fetchone()[0] == people
        if same:
            subprocess.run([str(BIN / "volia"), "migrate"], env=env_for(data_dir), check=True,
                           stdout=subprocess.DEVNULL)  # the code may have moved on since the data was made
            return None
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    subprocess.run([str(BIN / "volia"), "demo", "--people", str(people), "--seed", str(seed), "--no-serve"],
                   env=env_for(data_dir), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def public_keys(data_dir: Path, n: int) -> list[str]:
    with sqlite3.connect(data_dir / "demo.sqlite3") as c:
        rows = c.execute("select key from registry_person where visibility = 'public' and merged_into_id is null "
                         "order by id limit ?", (n,)).fetchall()
    return [r[0] for r in rows]


def reader_session(data_dir: Path) -> str:
    """A session cookie of a logged-in user without a role: public pages, never cached."""
    code = ("from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            "u, _ = get_user_model().objects.get_or_create(username='bench-reader')\n"
            "s = SessionStore(); s[SESSION_KEY] = str(u.pk)\n"
            "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
            "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save(); print(s.session_key)\n")
    out = subprocess.run([str(BIN / "volia"), "shell", "-c", code], env=env_for(data_dir), check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (our loopback server)
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {timeout} s")


def fetch(url: str, cookie: str = "") -> float:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=300) as r:  # noqa: S310
        r.read()
        assert r.status == 200, (url, r.status)
    return time.perf_counter() - t


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(x) for x in (task / "children").read_text().split()]
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that was restarted meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def run_wrk(wrk: str, base: str, paths: list[str], args: argparse.Namespace, cookie: str = "") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "rotate.lua"
        script.write_text(LUA)
        cmd = [wrk, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s", "-s", str(script)]
        if cookie:
            cmd += ["-H", f"Cookie: {cookie}"]
        out = subprocess.run([*cmd, base], env={**os.environ, "WRK_PATHS": str(listing)}, check=True,
                             capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    p50, p95, p99, rps, n, errors = line.split()[1:]
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99), "requests_per_s": float(rps),
            "requests": int(n), "errors": int(errors)}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_publish(args: argparse.Namespace) -> dict:
    data_dir = OUT / f"web-{args.publish_people}-{args.seed}"
    ensure_demo(data_dir, args.publish_people, args.seed)
    env = env_for(data_dir)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        t, cpu = time.perf_counter(), children_cpu()
        subprocess.run([str(BIN / "volia"), "export", "--output", str(Path(tmp) / "events.csv")], env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        export_s, export_cpu = time.perf_counter() - t, children_cpu() - cpu
        load_before = os.getloadavg()
        t, cpu = time.perf_counter(), children_cpu()
        out = subprocess.run([str(BIN / "volia"), "publish", str(Path(tmp) / "site"), "--json", "--no-progress",
                              "--jobs", str(args.publish_jobs)],
                             env=env, check=True, capture_output=True, text=True).stdout
        publish_s, publish_cpu = time.perf_counter() - t, children_cpu() - cpu
        report = json.loads(out.strip().splitlines()[-1])
        size = sum(f.stat().st_size for f in (Path(tmp) / "site").rglob("*") if f.is_file())
    return {"people": args.publish_people, "jobs": args.publish_jobs, "pages": report["pages"],
            "publish_s": round(publish_s, 1), "publish_cpu_s": round(publish_cpu, 1),
            "pages_per_s": round(report["pages"] / publish_s, 1), "site_mb": round(size / 1e6, 1),
            "baseline_export_s": round(export_s, 1), "baseline_export_cpu_s": round(export_cpu, 1),
            "loadavg_before": load_before, "loadavg_after": os.getloadavg()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0,
                    help="threads per worker (gunicorn's gthread worker, which keeps connections alive); 0: sync")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--keys", type=int, default=200, help="person pages the person figures rotate over")
    ap.add_argument("--publish-people", type=int, default=1000, help="0: do not time volia publish")
    ap.add_argument("--publish-jobs", type=int, default=2, help="volia publish --jobs")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    data_dir = OUT / f"web-{args.people}-{args.seed}"
    made = ensure_demo(data_dir, args.people, args.seed)
    keys = public_keys(data_dir, args.keys)
    cookie = f"sessionid={reader_session(data_dir)}"
    shutil.rmtree(data_dir / "cache", ignore_errors=True)  # start with a cold page cache
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    threads = ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads else []
    server = subprocess.Popen([str(BIN / "gunicorn"), "volia.wsgi:application", "-w", str(args.workers), *threads,
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "300"],
                              env=env_for(data_dir))
    results: dict = {"people": args.people, "workers": args.workers, "threads": args.threads,
                     "connections": args.connections,
                     "duration_s": args.duration, "demo_load_s": round(made, 1) if made else None,
                     "loadavg_before": os.getloadavg()}
    try:
        wait_for(f"{base}/static/web/volia.css")
        results["home_first_request_s"] = round(fetch(f"{base}/be/"), 2)  # computes the figures (cold)
        results["person_first_request_ms"] = round(1000 * fetch(f"{base}/be/people/{keys[0]}/"), 1)
        for key in keys:
            fetch(f"{base}/be/people/{key}/")
        person_paths = [f"/be/people/{k}/" for k in keys]
        figures = {
            "static_css (baseline)": (["/static/web/volia.css"], ""),
            "home, cached": (["/be/"], ""),
            "home, uncached (baseline)": (["/be/"], cookie),
            "person, cached": (person_paths, ""),
            "person, uncached (baseline)": (person_paths, cookie),
        }
        results["wrk"] = {}
        for name, (paths, cookie_header) in figures.items():
            cpu = server_cpu(server.pid)
            r = results["wrk"][name] = run_wrk(wrk, base, paths, args, cookie_header)
            r["server_cpu_ms"] = round(1000 * (server_cpu(server.pid) - cpu) / max(r["requests"], 1), 2)
            r["loadavg"] = os.getloadavg()
            print(f"{name:30} p50 {r['p50_ms']:8.1f} ms  p95 {r['p95_ms']:8.1f} ms  p99 {r['p99_ms']:8.1f} ms  "
                  f"{r['requests_per_s']:8.1f} req/s  server CPU {r['server_cpu_ms']:6.2f} ms/req  "
                  f"errors {r['errors']}  load {r['loadavg'][0]:.2f}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.publish_people:
        results["publish"] = time_publish(args)
        print("publish:", results["publish"])
    results["loadavg_after"] = os.getloadavg()
    (OUT / "web.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
