"""volia backup / restore: round trips on the configured database, refusals before anything is touched,
and a killed backup that leaves nothing looking complete."""

import csv
import datetime as dt
import io
import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import time

import pytest

from volia.demo.generator import DEMO_COLUMNS, generate_rows
from volia.security import backup


@pytest.fixture
def volia(tmp_path, database_url):
    env = {**os.environ, "VOLIA_DATA_DIR": str(tmp_path / "data"), "VOLIA_DATABASE_URL": database_url}
    for var in ("VOLIA_ENCRYPTION_KEY", "VOLIA_ENCRYPTION_KEY_FILE", "VOLIA_BACKUP_PASSPHRASE"):
        env.pop(var, None)

    def run(*args, ok=True, extra_env=None):
        proc = subprocess.run([sys.executable, "-m", "volia", *args], env={**env, **(extra_env or {})},
                              capture_output=True, text=True)
        if ok and proc.returncode != 0:
            raise AssertionError(f"volia {' '.join(args)} failed: {proc.stderr}")
        return proc

    run.env = env
    return run


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=DEMO_COLUMNS)
        w.writeheader()
        w.writerows(rows)


@pytest.fixture
def demo_files(tmp_path):
    rows = list(generate_rows(people=160, seed=11, today=dt.date(2026, 11, 1)))
    first, later = tmp_path / "first.csv", tmp_path / "later.csv"
    write_csv(first, [r for r in rows if r["person"] <= "demo-000100"])
    write_csv(later, [r for r in rows if r["person"] > "demo-000100"])
    return first, later


def test_round_trip_tampering_and_encryption(tmp_path, volia, demo_files):
    first, later = demo_files
    volia("import", str(first), "--no-progress")
    volia("shell", "-c", "from volia.registry import services; from volia.registry.models import Person; "
          "services.update_person(Person.objects.order_by('id').first(), {'notes': 'restricted note'}, "
          "actor=services.Actor('test'))")
    before = volia("export").stdout
    assert before.count("\n") > 100
    plain, sealed = tmp_path / "plain.tar", tmp_path / "sealed.backup"
    made = json.loads(volia("backup", str(plain), "--json").stdout)
    assert made["manifest"]["row_counts"]["registry_person"] == 100
    assert "registry.0007_chain_existing_audit_encrypt_notes" in made["manifest"]["migrations"]
    assert len(made["manifest"]["encryption_key_ids"]) == 1 and not made["manifest"]["keys_included"]
    with tarfile.open(plain) as tar:
        assert tar.getnames()[-1] == "manifest.json" and "keys/encryption_keys" not in tar.getnames()
    secret = {"VOLIA_BACKUP_PASSPHRASE": "correct horse battery staple"}
    volia("backup", str(sealed), "--encrypt", "--include-keys", extra_env=secret)
    assert b"restricted note" not in sealed.read_bytes() and b"demo-000001" not in sealed.read_bytes()
    refused = volia("backup", str(plain), ok=False)
    assert "exists already" in refused.stderr

    volia("import", str(later), "--no-progress")
    changed = volia("export").stdout
    assert changed != before

    # a backup whose database file was altered is refused, and the database is left alone
    tampered = tmp_path / "tampered.tar"
    data = bytearray(plain.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    refused = volia("restore", str(tampered), ok=False)
    assert refused.returncode == 1 and "does not match its SHA-256" in refused.stderr
    # an archive without its manifest (cut off) is refused too
    cut = tmp_path / "cut.tar"
    cut.write_bytes(plain.read_bytes()[: len(data) // 2])
    assert "cut off" in volia("restore", str(cut), ok=False).stderr
    assert volia("export").stdout == changed

    out = volia("restore", str(plain)).stdout
    assert "check: ok" in out
    assert volia("export").stdout == before
    assert "ok" in volia("check").stdout
    assert volia("audit", "verify").returncode == 0

    volia("import", str(later), "--no-progress")
    assert "encrypted" in volia("restore", str(sealed), ok=False).stderr
    wrong = volia("restore", str(sealed), ok=False, extra_env={"VOLIA_BACKUP_PASSPHRASE": "guess"})
    assert "wrong passphrase" in wrong.stderr and volia("export").stdout != before
    # the keys are lost: the backup refuses until told to install the keys it holds
    (tmp_path / "data" / "encryption_keys").rename(tmp_path / "lost_keys")
    missing = volia("restore", str(sealed), ok=False, extra_env=secret)
    assert "add --restore-keys" in missing.stderr
    volia("restore", str(sealed), "--restore-keys", extra_env=secret)
    assert volia("export").stdout == before
    note = volia("shell", "-c", "from volia.registry.models import Person; "
                 "print(Person.objects.order_by('id').first().notes)").stdout
    assert note.strip().splitlines()[-1] == "restricted note"


def _fill(database_url: str, rows: int) -> None:
    """Make the database big (legitimate rows: sources no event cites) without a slow import."""
    rnd = random.Random(5)
    titles = [(f"filler source {i} {rnd.randbytes(200).hex()}",) for i in range(rows)]
    if database_url.startswith("sqlite"):
        import sqlite3

        con = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        with con:
            con.executemany("INSERT INTO registry_source (title, kind, publisher, url, content_sha256, visibility, "
                            "created_at) VALUES (?, 'other', '', '', '', 'internal', '2026-01-01 00:00:00')", titles)
        con.close()
        return
    import psycopg

    with psycopg.connect(database_url) as con, con.cursor() as cur, cur.copy(
            "COPY registry_source (title, kind, publisher, url, content_sha256, visibility, created_at) FROM STDIN"
    ) as copy:
        for (title,) in titles:
            copy.write_row((title, "other", "", "", "", "internal", "2026-01-01T00:00:00Z"))


def test_killed_backup_leaves_no_complete_looking_file(tmp_path, volia, demo_files, database_url):
    first, _ = demo_files
    volia("import", str(first), "--no-progress")
    _fill(database_url, 200_000)
    before = volia("export").stdout
    out_dir = tmp_path / "backups"
    out_dir.mkdir()
    target = out_dir / "nightly.backup"
    proc = subprocess.Popen([sys.executable, "-m", "volia", "backup", str(target), "--encrypt"],
                            env={**volia.env, "VOLIA_BACKUP_PASSPHRASE": "x" * 20},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(out_dir.iterdir()) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(0.1)  # well into the snapshot
    assert proc.poll() is None, "the backup finished before it could be killed; make the database bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert not target.exists()
    leftovers = list(out_dir.iterdir())
    assert leftovers and all(p.name.startswith(".nightly.backup.") for p in leftovers)
    for p in leftovers:
        if p.is_file():  # a partial archive: refused by restore, whatever it holds
            refused = volia("restore", str(p), ok=False, extra_env={"VOLIA_BACKUP_PASSPHRASE": "x" * 20})
            assert refused.returncode == 1
    assert "ok" in volia("check").stdout
    assert volia("export").stdout == before


# --- the encrypted stream, in-process ----------------------------------------------------------------


def _seal(data: bytes, passphrase: bytes = b"pass") -> bytes:
    buf = io.BytesIO()
    writer = backup._EncryptingWriter(buf, passphrase)
    writer.write(data)
    writer.finish()
    return buf.getvalue()


def _open(blob: bytes, passphrase: bytes = b"pass") -> bytes:
    out = io.BytesIO()
    backup._decrypt_file(io.BytesIO(blob), out, passphrase, "test.backup")
    return out.getvalue()


def test_encrypted_stream_round_trip_and_refusals():
    data = os.urandom(backup.CHUNK * 2 + 1234)
    blob = _seal(data)
    assert _open(blob) == data
    with pytest.raises(backup.BackupError, match="wrong passphrase"):
        _open(blob, b"other")
    header_end = blob.index(b"\n", len(backup.MAGIC)) + 1
    record = 5 + 12 + backup.CHUNK + 16
    first, second = blob[header_end:header_end + record], blob[header_end + record:header_end + 2 * record]
    with pytest.raises(backup.BackupError, match="cut off"):
        _open(blob[:header_end + 2 * record])  # the last chunk is gone
    with pytest.raises(backup.BackupError, match="altered"):
        _open(blob[:header_end] + second + first + blob[header_end + 2 * record:])  # reordered
    flipped = bytearray(blob)
    flipped[header_end + record + 100] ^= 1
    with pytest.raises(backup.BackupError, match="chunk 1 was altered"):
        _open(bytes(flipped))
