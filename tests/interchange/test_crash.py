"""SIGKILL in the middle of an import: the database keeps exactly what it had, projections included."""

import csv
import datetime as dt
import os
import signal
import subprocess
import sys
import time

from volia.demo.generator import DEMO_COLUMNS, generate_rows


def test_killed_import_leaves_the_database_as_it_was(tmp_path, database_url):
    env = {**os.environ, "VOLIA_DATA_DIR": str(tmp_path), "VOLIA_DATABASE_URL": database_url}
    volia = [sys.executable, "-m", "volia"]

    def run(*args):
        return subprocess.run([*volia, *args], env=env, capture_output=True, text=True, check=True).stdout

    def write(path, rows):
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=DEMO_COLUMNS)
            w.writeheader()
            w.writerows(rows)

    today = dt.date(2026, 11, 1)
    rows = list(generate_rows(people=6000, seed=7, today=today))
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    write(small, [r for r in rows if r["person"] <= "demo-000050"])
    write(big, rows)
    run("import", str(small), "--no-progress")
    before = run("export")
    assert before.count("\n") > 100

    proc = subprocess.Popen([*volia, "import", str(big), "--no-progress"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(4)  # well into the import: starting takes about a second, the whole file much longer
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert run("export") == before
    assert "ok" in run("check")
