"""`volia backup` and `volia restore`: consistent snapshots that are verified before anything is replaced.

A backup is one tar file: the database snapshot (`db.sqlite3` made with SQLite's online backup
API, or `db.pgdump` made by `pg_dump --format=custom` inside one snapshot), optionally the
encryption keys (`keys/encryption_keys`, only with --include-keys, which requires --encrypt),
and `manifest.json` LAST: SHA-256 and size of every file, the Volia version, the applied
migrations, row counts and the ids of the keys the encrypted values need, all read from the
same snapshot. It is written under a temporary name (`.NAME.partial-XXXX`) and renamed when
complete, so a killed backup never leaves a file that looks finished.

With --encrypt the whole tar is encrypted (AES-256-GCM in 1 MiB chunks, each authenticated with
its position and a last-chunk flag, so a cut or reordered file fails) under a key derived with
scrypt from a passphrase (`VOLIA_BACKUP_PASSPHRASE` or a file given with --passphrase-file).

`restore` decrypts and checks everything (format, hashes, sizes, migrations known to this
version, database kind, keys available, SQLite integrity) before touching the database, then
replaces it in one step (SQLite: the online backup API writes the live file in one transaction;
PostgreSQL: `pg_restore --clean --single-transaction`), migrates it forward if it is older,
and runs the projections check and the audit chain check.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = "volia-backup"
FORMAT_VERSION = 1
MAGIC = b"VOLIA-BACKUP-AESGCM-1\n"
CHUNK = 1 << 20
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MANIFEST = "manifest.json"
KEYS_MEMBER = "keys/encryption_keys"
DB_MEMBERS = {"sqlite": "db.sqlite3", "postgresql": "db.pgdump"}


class BackupError(Exception):
    """The backup cannot be made or restored; the message says what to do."""


# --- the database side --------------------------------------------------------------------------


def _db() -> tuple[str, dict]:
    from django.db import connection

    vendor = connection.vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"backups of a {vendor} database are not supported (SQLite and PostgreSQL are)")
    return vendor, connection.settings_dict


def _sqlite_path(settings_dict: dict) -> Path:
    name = str(settings_dict["NAME"])
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError(f"the SQLite database {name!r} is not a file; nothing to back up")
    return Path(name)


def _pg_env(sd: dict) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", str(sd["NAME"])]
    if sd.get("HOST"):
        args += ["--host", str(sd["HOST"])]
    if sd.get("PORT"):
        args += ["--port", str(sd["PORT"])]
    if sd.get("USER"):
        args += ["--username", str(sd["USER"])]
    env = {**os.environ}
    if sd.get("PASSWORD"):
        env["PGPASSWORD"] = str(sd["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools (the same major version "
                          f"as the server or newer), e.g. `apt install postgresql-client`")
    return path


def _encrypted_columns() -> list[tuple[str, str]]:
    from volia.security.rotation import encrypted_columns

    return encrypted_columns()


def _inventory(cur: Any, tables: list[str], qn: Callable[[str], str]) -> dict:
    """Row counts, applied migrations and encryption key ids, read through `cur` (inside the snapshot)."""
    counts = {}
    for t in sorted(tables):
        cur.execute(f"SELECT COUNT(*) FROM {qn(t)}")  # noqa: S608 - names from the catalogue
        counts[t] = cur.fetchone()[0]
    migrations: list[str] = []
    if "django_migrations" in tables:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{a}.{n}" for a, n in cur.fetchall()]
    key_ids: set[str] = set()
    for table, column in _encrypted_columns():
        if table in tables:
            cur.execute(f"SELECT DISTINCT SUBSTR({qn(column)}, 4, 8) FROM {qn(table)} "  # noqa: S608
                        f"WHERE {qn(column)} <> ''")
            key_ids.update(r[0] for r in cur.fetchall())
    return {"row_counts": counts, "migrations": migrations, "encryption_key_ids": sorted(key_ids)}


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'")]


def _qn_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _snapshot_sqlite(sd: dict, target: Path) -> dict:
    src_path = _sqlite_path(sd)
    if not src_path.exists():
        raise BackupError(f"{src_path}: no such database file")
    src = sqlite3.connect(src_path, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: a consistent copy even while others write
    finally:
        src.close()
    try:
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        return _inventory(dst.cursor(), _sqlite_tables(dst), _qn_sqlite)
    finally:
        dst.close()


def _snapshot_postgres(sd: dict, target: Path) -> dict:
    import psycopg

    pg_dump = _tool("pg_dump")
    args, env = _pg_env(sd)
    conninfo = {"dbname": sd["NAME"], "host": sd.get("HOST") or None, "port": sd.get("PORT") or None,
                "user": sd.get("USER") or None, "password": sd.get("PASSWORD") or None}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        # pg_dump reads the very snapshot the counts below read: manifest and dump agree
        proc = subprocess.run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner",  # noqa: S603
                               "--file", str(target), *args], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackupError(f"pg_dump failed: {proc.stderr.strip()}")
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
        with conn.cursor() as cur:
            inventory = _inventory(cur, tables, lambda n: '"' + n.replace('"', '""') + '"')
        conn.execute("COMMIT")
    return inventory


# --- streams ------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _derive(passphrase: bytes, salt: bytes, params: dict) -> bytes:
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(passphrase)


class _EncryptingWriter(io.RawIOBase):
    """Chunks of AES-256-GCM; each chunk's nonce is random and its additional data binds the header, its
    index and whether it is the last one (so truncation, reordering and splicing all fail)."""

    def __init__(self, out: IO[bytes], passphrase: bytes):
        self.out = out
        salt = os.urandom(16)
        header = json.dumps({"kdf": "scrypt", "salt": base64.b64encode(salt).decode(), **SCRYPT}).encode() + b"\n"
        self.header = MAGIC + header
        out.write(self.header)
        self.aead = AESGCM(_derive(passphrase, salt, SCRYPT))
        self.buf = bytearray()
        self.index = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buf += data
        while len(self.buf) > CHUNK:
            self._emit(bytes(self.buf[:CHUNK]), last=False)
            del self.buf[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, last: bool) -> None:
        nonce = os.urandom(12)
        sealed = self.aead.encrypt(nonce, chunk, self.header + struct.pack(">Q?", self.index, last))
        self.out.write(struct.pack(">?I", last, len(sealed)) + nonce + sealed)
        self.index += 1

    def finish(self) -> None:
        self._emit(bytes(self.buf), last=True)
        self.buf.clear()


def _decrypt_file(src: IO[bytes], dst: IO[bytes], passphrase: bytes, label: str) -> None:
    magic = src.read(len(MAGIC))
    header_line = src.readline()
    try:
        params = json.loads(header_line)
        salt = base64.b64decode(params["salt"])
        key = _derive(passphrase, salt, params)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{label}: the encryption header is damaged") from exc
    aead, header, index = AESGCM(key), magic + header_line, 0
    while True:
        head = src.read(5)
        if len(head) < 5:
            raise BackupError(f"{label}: the file ends before its last chunk (cut off or incomplete)")
        last, size = struct.unpack(">?I", head)
        nonce, sealed = src.read(12), src.read(size)
        if len(sealed) != size:
            raise BackupError(f"{label}: the file ends in the middle of a chunk (cut off or incomplete)")
        try:
            dst.write(aead.decrypt(nonce, sealed, header + struct.pack(">Q?", index, last)))
        except InvalidTag as exc:
            what = "wrong passphrase, or the file was altered" if index == 0 else f"chunk {index} was altered"
            raise BackupError(f"{label}: cannot decrypt: {what}") from exc
        index += 1
        if last:
            if src.read(1):
                raise BackupError(f"{label}: data after the last chunk (the file was altered)")
            return


# --- backup -------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create(out: str | Path, *, passphrase: bytes | None = None, include_keys: bool = False) -> BackupResult:
    from volia import __version__

    out = Path(out).resolve()
    if out.exists():
        raise BackupError(f"{out} exists already; choose a new name (a backup never overwrites another)")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such directory")
    if include_keys and passphrase is None:
        raise BackupError("--include-keys needs --encrypt: keys stored next to the data they protect in a plain "
                          "file would undo the encryption at rest")
    vendor, sd = _db()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    partial: Path | None = None
    try:
        db_file = staging / DB_MEMBERS[vendor]
        inventory = _snapshot_sqlite(sd, db_file) if vendor == "sqlite" else _snapshot_postgres(sd, db_file)
        members = [(DB_MEMBERS[vendor], db_file)]
        if include_keys:
            from volia.security import crypto

            keys_file = staging / "encryption_keys"
            keys_file.write_text("".join(k.text + "\n" for k in crypto.keyring().keys), encoding="ascii")
            members.append((KEYS_MEMBER, keys_file))
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "volia_version": __version__,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "database": vendor,
            "files": {name: {"sha256": _sha256(path), "size": path.stat().st_size} for name, path in members},
            "keys_included": include_keys, "encrypted": passphrase is not None, **inventory,
        }
        manifest_file = staging / MANIFEST
        manifest_file.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        members.append((MANIFEST, manifest_file))  # last: a cut-off archive has none

        fd, name = tempfile.mkstemp(prefix=f".{out.name}.partial-", dir=out.parent)
        partial = Path(name)
        with os.fdopen(fd, "wb") as raw:
            sink: Any = _EncryptingWriter(raw, passphrase) if passphrase is not None else raw
            with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for arcname, path in members:
                    tar.add(path, arcname=arcname, recursive=False)
            if passphrase is not None:
                sink.finish()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
        partial = None
        _fsync_dir(out.parent)
        return BackupResult(out, manifest, out.stat().st_size)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if partial is not None:
            partial.unlink(missing_ok=True)


# --- restore ------------------------------------------------------------------------------------


@dataclass
class Verified:
    manifest: dict
    directory: Path  # the checked files, extracted
    problems: list[str] = field(default_factory=list)

    @property
    def db_file(self) -> Path:
        return self.directory / DB_MEMBERS[self.manifest["database"]]


@contextmanager
def _private_dir(near: Path) -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix=".volia-restore-", dir=near))  # mode 0700
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _extract(archive: Path, into: Path, label: str) -> dict:
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115 - closed by the with below
    except tarfile.TarError as exc:
        raise BackupError(f"{label}: not a Volia backup (not a tar archive, or cut off): {exc}") from exc
    with tar:
        try:
            members = tar.getmembers()
        except tarfile.TarError as exc:
            raise BackupError(f"{label}: the archive is damaged or cut off: {exc}") from exc
        names = [m.name for m in members]
        if MANIFEST not in names:
            raise BackupError(f"{label}: no manifest.json: an incomplete backup (killed while writing?) or "
                              f"not a Volia backup")
        allowed = {MANIFEST, KEYS_MEMBER, *DB_MEMBERS.values()}
        for m in members:
            if m.name not in allowed or not m.isfile() or names.count(m.name) > 1:
                raise BackupError(f"{label}: unexpected member {m.name!r} in the archive")
        for m in members:
            target = into / m.name
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(m)
            assert src is not None
            with src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
    try:
        return json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{label}: manifest.json is not valid JSON") from exc


def verify(archive: str | Path, work: Path, *, passphrase: bytes | None = None) -> Verified:
    """Decrypt, extract into `work` and check everything; raises BackupError naming the first problem."""
    from django.db.migrations.loader import MigrationLoader

    archive = Path(archive)
    label = str(archive)
    try:
        f = open(archive, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BackupError(f"{label}: cannot read: {exc.strerror}") from exc
    with f:
        encrypted = f.read(len(MAGIC)) == MAGIC
        f.seek(0)
        if encrypted:
            if passphrase is None:
                raise BackupError(f"{label}: the backup is encrypted: set VOLIA_BACKUP_PASSPHRASE or give "
                                  f"--passphrase-file")
            plain = work / "archive.tar"
            with open(plain, "wb") as dst:
                _decrypt_file(f, dst, passphrase, label)
            archive = plain
    manifest = _extract(archive, work, label)
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{label}: not a Volia backup of a format this version reads "
                          f"({manifest.get('format')!r} v{manifest.get('format_version')!r})")
    files = manifest.get("files", {})
    db_member = DB_MEMBERS.get(manifest.get("database", ""))
    if db_member not in files:
        raise BackupError(f"{label}: the manifest lists no database file")
    present = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()} - {MANIFEST, "archive.tar"}
    if present != set(files):
        raise BackupError(f"{label}: the archive holds {sorted(present)} but the manifest lists {sorted(files)}")
    for name, meta in files.items():
        path = work / name
        if path.stat().st_size != meta["size"] or _sha256(path) != meta["sha256"]:
            raise BackupError(f"{label}: {name} does not match its SHA-256 in the manifest: the backup was altered "
                              f"or damaged; nothing was restored")
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = sorted(set(manifest.get("migrations", [])) - known)
    if unknown:
        raise BackupError(f"{label}: made by a newer Volia ({manifest.get('volia_version')}): this version does not "
                          f"know the migrations {', '.join(unknown[:5])}; upgrade Volia first")
    vendor, _ = _db()
    if manifest["database"] != vendor:
        raise BackupError(f"{label}: a backup of a {manifest['database']} database cannot be restored into "
                          f"{vendor}; move data between them with `volia export` and `volia import`")
    return Verified(manifest, work)


def _missing_keys(v: Verified) -> list[str]:
    from volia.security import crypto

    try:
        configured = set(crypto.keyring().by_id)
    except crypto.CryptoError:
        configured = set()
    return sorted(set(v.manifest.get("encryption_key_ids", [])) - configured)


def _install_keys(v: Verified) -> Path:
    """Append the backup's keys the configuration lacks to the key file (never replaces a configured key)."""
    from volia.security import crypto

    if os.environ.get("VOLIA_ENCRYPTION_KEY"):
        raise BackupError("--restore-keys writes a key file, but the keys come from VOLIA_ENCRYPTION_KEY: add the "
                          "backup's keys there yourself")
    path = Path(os.environ.get("VOLIA_ENCRYPTION_KEY_FILE") or crypto.key_file_path())
    have = path.read_text(encoding="ascii") if path.exists() else ""
    known = {crypto.key_id(line.split("#")[0]) for line in have.splitlines() if line.split("#")[0].strip()}
    extra = [line.strip() for line in (v.directory / KEYS_MEMBER).read_text(encoding="ascii").splitlines()
             if line.strip() and crypto.key_id(line) not in known]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".encryption_keys-")
    with os.fdopen(fd, "w") as f:
        f.write(have + ("" if not have or have.endswith("\n") else "\n") + "".join(k + "\n" for k in extra))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    crypto.reset()
    return path


def _replace_sqlite(v: Verified) -> None:
    from django.db import connections

    _, sd = _db()
    target = _sqlite_path(sd)
    check = sqlite3.connect(v.db_file)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the backup's database fails SQLite's integrity check: {result}")
    finally:
        check.close()
    connections.close_all()
    src = sqlite3.connect(v.db_file)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst)  # written into the live file in one transaction: readers see the old or the new
    finally:
        src.close()
        dst.close()


def _replace_postgres(v: Verified) -> None:
    from django.db import connections

    pg_restore = _tool("pg_restore")
    _, sd = _db()
    args, env = _pg_env(sd)
    connections.close_all()
    proc = subprocess.run([pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error",  # noqa: S603
                           "--no-owner", *args, str(v.db_file)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed; the database was left as it was (one transaction): "
                          f"{proc.stderr.strip()}")


@dataclass
class RestoreResult:
    manifest: dict
    keys_installed: Path | None
    projection_problems: list[str]
    audit_problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.projection_problems and not self.audit_problems


def restore(archive: str | Path, *, passphrase: bytes | None = None, restore_keys: bool = False,
            dry_run: bool = False) -> RestoreResult:
    from django.conf import settings
    from django.core.management import call_command

    from volia.registry import services
    from volia.security import audit_chain

    work_near = Path(settings.DATA_DIR)
    work_near.mkdir(parents=True, exist_ok=True)
    with _private_dir(work_near) as work:
        v = verify(archive, work, passphrase=passphrase)
        missing = _missing_keys(v)
        installed = None
        if missing:
            if not v.manifest.get("keys_included"):
                raise BackupError(f"the backup's encrypted values need key id(s) {', '.join(missing)}, which are "
                                  f"not configured: configure them (VOLIA_ENCRYPTION_KEY or the key file) first")
            if not restore_keys:
                raise BackupError(f"the backup's encrypted values need key id(s) {', '.join(missing)}, which are not "
                                  f"configured; the backup holds them: add --restore-keys to install them")
        if dry_run:
            return RestoreResult(v.manifest, None, [], [])
        if missing:
            installed = _install_keys(v)
        if v.manifest["database"] == "sqlite":
            _replace_sqlite(v)
        else:
            _replace_postgres(v)
    call_command("migrate", interactive=False, verbosity=0)  # a backup made by an older version
    problems = services.check_projections()
    audit = [str(r.problems[0]) for r in audit_chain.verify_all() if not r.ok]
    return RestoreResult(v.manifest, installed, problems, audit)
