"""The import wizard's work, without the web: keep an upload, read its header, write a column
mapping as TOML (docs/mapping.md), preview the canonical rows and run the importer.

Uploads live in VOLIA_DATA_DIR/uploads under a random name, readable by the server only, and are
deleted when the import is confirmed or cancelled (and, at the latest, after UPLOAD_MAX_AGE).
Messages never show that random name: they name the file as the user uploaded it.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from volia.core import codes
from volia.interchange import canonical, mapping
from volia.interchange.errors import RowError
from volia.interchange.importer import Importer, ImportReport, file_sha256
from volia.registry import services

MAX_UPLOAD_BYTES = int(getattr(settings, "VOLIA_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
UPLOAD_MAX_AGE = 24 * 3600  # seconds; an abandoned upload is removed by the next upload after that
SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson")
PREVIEW_ROWS = 20
MAX_ERRORS_SHOWN = 500
_TOKEN = re.compile(r"^[0-9a-f]{32}$")

# The canonical columns the mapping step offers, in the order of docs/interchange.md.
PERSON_TARGETS = ("name", "name_lang", "name_be", "name_ru", "name_latn", "sex", "birth_date", "region", "groups")
EVENT_TARGETS = ("facility", "organization", "case", *canonical.DETAIL_COLUMNS, "source", "source_url",
                 "confidence", "note")
DATE_TARGETS = ("date", "birth_date")


class UploadError(ValueError):
    """The upload cannot be used; the message says why."""


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@dataclass
class Upload:
    """One uploaded file waiting in the wizard; stored in the session as a dict."""

    token: str
    name: str  # as uploaded, for messages
    suffix: str
    size: int
    mapping_name: str = ""  # the uploaded mapping's name, or "" for one made in the wizard
    has_mapping: bool = False
    reason: str = ""
    visibility: str = "internal"

    @property
    def path(self) -> Path:
        if not _TOKEN.match(self.token) or self.suffix not in SUFFIXES:
            raise UploadError("corrupt upload reference")
        return upload_dir() / f"{self.token}{self.suffix}"

    @property
    def mapping_path(self) -> Path:
        return self.path.with_suffix(".toml")

    @property
    def is_table(self) -> bool:
        return self.suffix in (".csv", ".xlsx")

    def as_session(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_session(cls, data: object) -> Upload | None:
        if not isinstance(data, dict):
            return None
        try:
            upload = cls(**data)
            return upload if upload.path.is_file() else None
        except (TypeError, UploadError):
            return None

    def delete(self) -> None:
        for p in (self.path, self.mapping_path):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def friendly(self, text: str) -> str:
        """`text` with the stored paths replaced by the names the user knows."""
        text = text.replace(str(self.mapping_path), self.mapping_name or "the wizard's mapping")
        return text.replace(str(self.path), self.name)


def _remove_stale(now: float) -> None:
    for p in upload_dir().iterdir():
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > UPLOAD_MAX_AGE:
                p.unlink()


def _write(target: Path, chunks: Iterator[bytes], limit: int, what: str) -> int:
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink()
                raise UploadError(f"{what} is larger than the limit of {limit // (1024 * 1024)} MB")
            out.write(chunk)
    return size


def store(file: UploadedFile, mapping_file: UploadedFile | None, *, reason: str, visibility: str) -> Upload:
    """Keep an upload (and its mapping) under a random name; UploadError if it cannot be used."""
    name = Path(file.name or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError(f"{name}: unsupported file type {suffix or '(none)'!r}; upload a .csv, .xlsx or "
                          ".jsonl file (save an old .xls as .xlsx)")
    _remove_stale(time.time())
    upload = Upload(token=secrets.token_hex(16), name=name, suffix=suffix, size=0, reason=reason,
                    visibility=visibility)
    upload.size = _write(upload.path, file.chunks(), MAX_UPLOAD_BYTES, name)
    if mapping_file is not None:
        upload.mapping_name = Path(mapping_file.name or "mapping.toml").name
        if not upload.is_table:
            upload.delete()
            raise UploadError(f"{upload.mapping_name}: a mapping applies to CSV and XLSX files, not to {name}")
        try:
            _write(upload.mapping_path, mapping_file.chunks(), 1024 * 1024, upload.mapping_name)
            mapping.load_mapping(upload.mapping_path)
        except (UploadError, mapping.MappingError) as exc:
            upload.delete()
            raise UploadError(upload.friendly(str(exc))) from None
        upload.has_mapping = True
    return upload


# --- what kind of file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvDialect:
    encoding: str = "utf-8-sig"
    delimiter: str = ","


ENCODINGS = {"utf-8-sig": "UTF-8", "cp1251": "Windows-1251 (Cyrillic)", "utf-16": "UTF-16"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def guess_dialect(path: Path) -> CsvDialect:
    head = path.open("rb").read(64 * 1024)
    encoding = "utf-8-sig"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            encoding, text = "cp1251", head.decode("cp1251", errors="replace")
        else:
            text = head[:exc.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text else ""
    delimiter = max(DELIMITERS, key=first.count) if first else ","
    return CsvDialect(encoding=encoding, delimiter=delimiter if first.count(delimiter) else ",")


def header(upload: Upload, dialect: CsvDialect) -> list[str]:
    """The column names of the file's first row; UploadError when it cannot be read."""
    if upload.suffix == ".xlsx":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(upload.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException...
            raise UploadError(f"{upload.name}: not a readable XLSX workbook: {exc}") from None
        try:
            first = next(wb.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            wb.close()
        cells = ["" if v is None else " ".join(str(v).split()) for v in first]
    else:
        try:
            with upload.path.open(encoding=dialect.encoding, newline="") as f:
                cells = [" ".join(c.split()) for c in next(csv.reader(f, delimiter=dialect.delimiter), [])]
        except UnicodeDecodeError as exc:
            label = ENCODINGS.get(dialect.encoding, dialect.encoding)
            raise UploadError(f"{upload.name}: the first row is not {label} text ({exc.reason}); "
                              "choose another encoding") from None
    while cells and not cells[-1]:
        cells.pop()
    if not any(cells):
        raise UploadError(f"{upload.name}: the first row is empty; it must hold the column names")
    return cells


def is_canonical(upload: Upload) -> bool:
    """JSON Lines, or a CSV whose header is made of canonical columns (with person, event and date)."""
    if upload.suffix in (".jsonl", ".ndjson"):
        return True
    if upload.suffix != ".csv":
        return False
    try:
        cols = header(upload, CsvDialect())
    except UploadError:
        return False
    return {"person", "event", "date"} <= set(cols) and set(cols) <= canonical.KNOWN


# --- the mapping made in the wizard ----------------------------------------------------------------


def _toml(value: object) -> str:
    # a JSON string is a valid TOML basic string (same escapes); lists likewise
    return json.dumps(value, ensure_ascii=False)


def _rule(column: str, *, formats: list[str] | None = None, prefix: str = "") -> str:
    parts = [f"column = {_toml(column)}"]
    if formats:
        parts.append(f"formats = {_toml(formats)}")
    if prefix:
        parts.append(f"prefix = {_toml(prefix)}")
    return "{ " + ", ".join(parts) + " }"


def mapping_toml(upload: Upload, dialect: CsvDialect, *, columns: dict[str, str], key_prefix: str,
                 fixed_event: str, date_formats: list[str], constants: dict[str, str]) -> str:
    """A mapping file for a table with one row per event: `columns` maps canonical → source column."""
    lines = ["# Made by the Volia staff import wizard; see docs/mapping.md to extend it.", "version = 1",
             f"title = {_toml('Column mapping for ' + upload.name)}", "", "[file]"]
    if upload.suffix == ".xlsx":
        lines.append('format = "xlsx"')
    else:
        lines += ['format = "csv"', f"encoding = {_toml(dialect.encoding)}", f"delimiter = {_toml(dialect.delimiter)}"]
    if constants:
        lines += ["", "[constants]", *(f"{k} = {_toml(v)}" for k, v in constants.items())]
    lines += ["", "[person]", f"key = {_rule(columns['person'], prefix=key_prefix)}"]
    for target in PERSON_TARGETS:
        if columns.get(target):
            formats = date_formats if target in DATE_TARGETS else None
            lines.append(f"{target} = {_rule(columns[target], formats=formats)}")
    lines += ["", "[[events]]"]
    lines.append(f"event = {_rule(columns['event'])}" if columns.get("event") else f"event = {_toml(fixed_event)}")
    lines.append(f"date = {_rule(columns['date'], formats=date_formats)}")
    for target in EVENT_TARGETS:
        if columns.get(target):
            lines.append(f"{target} = {_rule(columns[target])}")
    return "\n".join(lines) + "\n"


def save_mapping(upload: Upload, text: str) -> None:
    """Keep the wizard's mapping next to the upload; UploadError naming the key if it is invalid."""
    upload.mapping_path.write_text(text, encoding="utf-8")
    try:
        mapping.load_mapping(upload.mapping_path)
    except mapping.MappingError as exc:
        upload.mapping_path.unlink()
        raise UploadError(upload.friendly(str(exc))) from None
    upload.has_mapping = True
    upload.mapping_name = ""


# --- rows, preview and import ----------------------------------------------------------------------


@contextlib.contextmanager
def canonical_rows(upload: Upload, errors: list[RowError]) -> Iterator[Iterator[tuple[int, dict]]]:
    """The file's rows in the canonical format, through its mapping if it has one."""
    if upload.has_mapping:
        m = mapping.load_mapping(upload.mapping_path)
        yield mapping.iter_mapped_rows(upload.path, m, errors)
        return
    if upload.suffix not in (".csv", ".jsonl", ".ndjson"):
        raise UploadError(f"{upload.name}: an XLSX file needs a column mapping")
    with upload.path.open("rb") as stream:
        reader = canonical.iter_csv if upload.suffix == ".csv" else canonical.iter_jsonl
        yield reader(stream, upload.name, errors)


@dataclass
class Preview:
    columns: list[str]
    rows: list[tuple[int, list[str]]]


def preview(upload: Upload) -> Preview:
    """The first rows as the importer will receive them (canonical columns)."""
    errors: list[RowError] = []
    rows: list[tuple[int, dict]] = []
    try:
        with canonical_rows(upload, errors) as it:
            for item in it:
                rows.append(item)
                if len(rows) >= PREVIEW_ROWS:
                    break
    except (mapping.MappingError, UploadError) as exc:
        raise UploadError(upload.friendly(str(exc))) from None
    used = {c for _, r in rows for c, v in r.items() if v not in (None, "")}
    columns = [c for c in canonical.COLUMNS if c in used]
    return Preview(columns=columns, rows=[(n, [_cell(r.get(c)) for c in columns]) for n, r in rows])


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def run(upload: Upload, actor: services.Actor, *, dry_run: bool) -> ImportReport:
    """The importer on the upload: everything or nothing, a dry run rolls back. Paths in errors are
    replaced by the uploaded names."""
    errors: list[RowError] = []
    importer = Importer(upload.name, actor=actor, dry_run=dry_run, default_visibility=upload.visibility,
                        reason=upload.reason, file_hash=file_sha256(upload.path),
                        mapping_label=(upload.mapping_name or "staff import wizard") if upload.has_mapping else "")
    try:
        with canonical_rows(upload, errors) as rows:
            report = importer.run(rows, errors)
    except (mapping.MappingError, UploadError) as exc:
        raise UploadError(upload.friendly(str(exc))) from None
    report.errors = [dataclasses.replace(e, file=upload.name) for e in report.errors]
    report.warnings = [dataclasses.replace(e, file=upload.name) for e in report.warnings]
    return report


def event_choices() -> list[tuple[str, str]]:
    return [(c, f"{c}: {t.label}") for c, t in codes.EVENT_TYPES.items()]

