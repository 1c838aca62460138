"""Read and parse the canonical interchange format (docs/interchange.md), one row at a time.

Nothing here touches the database: `parse_row` turns a row's cells into a `ParsedRow` or
into `RowError`s, and the readers stream the file so memory does not grow with its size.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from volia.core import codes
from volia.core.dates import PartialDate, PartialDateError
from volia.core.details import clean_details
from volia.interchange.errors import RowError

PERSON_COLUMNS = ["person", "name", "name_lang", "name_be", "name_ru", "name_latn", "sex", "birth_date",
                  "region", "groups", "visibility"]
EVENT_COLUMNS = ["event", "date", "facility", "organization", "case"]
DETAIL_COLUMNS = sorted({d for t in codes.EVENT_TYPES.values() for d in t.details})
TRAILING_COLUMNS = ["source", "source_url", "confidence", "note"]
COLUMNS = PERSON_COLUMNS + EVENT_COLUMNS + DETAIL_COLUMNS + TRAILING_COLUMNS
KNOWN = frozenset(COLUMNS)
DETAIL_SET = frozenset(DETAIL_COLUMNS)
VISIBILITIES = ("public", "internal", "restricted")
LIST_SEPARATOR = ";"


@dataclass
class ParsedRow:
    row: int
    person: str
    name: str
    name_lang: str
    other_names: list[tuple[str, str]]  # (text, language)
    sex: str
    birth_date: PartialDate | None
    region: str
    groups: list[str]
    visibility: str
    event: str
    date: PartialDate
    facility: str
    organization: str
    case: str
    details: dict[str, object]
    sources: list[str]
    source_url: str
    confidence: str
    note: str
    person_fields: dict[str, str] = field(default_factory=dict)  # what this row says of the person


def _cells(row: dict[str, object]) -> dict[str, str]:
    """The row's non-empty cells as stripped strings (JSON booleans and numbers become text)."""
    try:  # a CSV row: all strings
        return {k: s for k, v in row.items() if v and (s := v.strip())}  # type: ignore[attr-defined]
    except AttributeError:
        pass
    out = {}
    for k, v in row.items():
        if v is None or v == "":
            continue
        text = ("true" if v else "false") if isinstance(v, bool) else v.strip() if isinstance(v, str) else str(v)
        if text:
            out[k] = text
    return out


def parse_row(file: str, rownum: int, row: dict[str, object],
              today: dt.date) -> tuple[ParsedRow | None, list[RowError]]:
    """Check one row's cells; dates after `today` are errors."""
    errors: list[RowError] = []
    cells = _cells(row)
    get = cells.get

    def err(column: str, value: str, reason: str) -> None:
        errors.append(RowError(file, rownum, column, value, reason))

    for k in cells.keys() - KNOWN:
        err(k, get(k, ""), "unknown column (see docs/interchange.md)")

    person = get("person", "")
    if not person:
        err("person", "", "missing person key")
    event = get("event", "")
    if not event:
        err("event", "", "missing event code")
    elif event not in codes.EVENT_TYPES:
        err("event", event, "unknown event code; one of: " + ", ".join(codes.EVENT_TYPES))
    date_text = get("date", "")
    date: PartialDate | None = None
    if not date_text:
        err("date", "", "missing date")
    else:
        try:
            date = PartialDate.parse(date_text)
        except PartialDateError as exc:
            err("date", date_text, str(exc))

    birth: PartialDate | None = None
    if b := get("birth_date", ""):
        try:
            birth = PartialDate.parse(b)
        except PartialDateError as exc:
            err("birth_date", b, str(exc))
    sex = get("sex", "").lower()
    if sex and sex not in codes.SEX:
        err("sex", sex, "unknown sex code; one of: " + ", ".join(codes.SEX))
    region = get("region", "")
    if region and region not in codes.REGIONS:
        err("region", region, "unknown region code; one of: " + ", ".join(codes.REGIONS))
    groups = [g.strip() for g in get("groups", "").split(LIST_SEPARATOR) if g.strip()]
    for g in groups:
        if g not in codes.GROUPS:
            err("groups", g, "unknown group code; one of: " + ", ".join(codes.GROUPS))
    visibility = get("visibility", "")
    if visibility and visibility not in VISIBILITIES:
        err("visibility", visibility, "unknown visibility; one of: " + ", ".join(VISIBILITIES))
    name, name_lang = get("name", ""), get("name_lang", "")
    if name_lang and name_lang not in codes.LANGUAGES:
        err("name_lang", name_lang, "unknown language code; one of: " + ", ".join(codes.LANGUAGES))
    confidence = get("confidence", "") or "confirmed"
    if confidence not in codes.CONFIDENCE:
        err("confidence", confidence, "unknown confidence; one of: " + ", ".join(codes.CONFIDENCE))

    details: dict[str, object] = {}
    if event in codes.EVENT_TYPES:
        et = codes.EVENT_TYPES[event]
        raw: dict[str, object] = {c: v for c, v in cells.items() if c in DETAIL_SET}
        details, problems = clean_details(event, raw)
        for p in problems:
            err(p.field, p.value, p.reason)
        for col in ("facility", "organization"):
            if col in et.required and not get(col, ""):
                err(col, "", f"required for '{event}' events")
        if date and date.earliest > today:
            err("date", date_text, "date is in the future")
    if errors:
        return None, errors
    assert date is not None
    other = [(get(c, ""), lang) for c, lang in (("name_be", "be"), ("name_ru", "ru"), ("name_latn", "und"))
             if get(c, "")]
    person_fields = {k: v for k, v in (("sex", sex), ("region", region), ("birth_date", str(birth or "")),
                                       ("visibility", visibility)) if v}
    return ParsedRow(
        row=rownum, person=person, name=name, name_lang=name_lang, other_names=other, sex=sex,
        birth_date=birth, region=region, groups=groups, visibility=visibility, event=event, date=date,
        facility=get("facility", ""), organization=get("organization", ""), case=get("case", ""),
        details=details,
        sources=[s.strip() for s in get("source", "").split(LIST_SEPARATOR) if s.strip()],
        source_url=get("source_url", ""), confidence=confidence, note=get("note", ""),
        person_fields=person_fields,
    ), []


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"{path}: unknown file type {suffix!r} (use .csv or .jsonl, or give --mapping)")


def _decoded(stream: BinaryIO, file: str, errors: list[RowError]) -> Iterator[str]:
    """Decode line by line, so that a byte that is not UTF-8 is reported with its line number."""
    for n, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            errors.append(RowError(file, n, "", repr(raw[exc.start:exc.start + 4]),
                                   "line is not UTF-8 text; save the file as UTF-8 (\"CSV UTF-8\" in spreadsheets)"))
            return


def iter_csv(stream: BinaryIO, file: str, errors: list[RowError]) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(_decoded(stream, file, errors))
    try:
        yield from _csv_rows(reader, file, errors)
    except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted cell
        # line_num counts the lines read before the record that failed
        errors.append(RowError(file, reader.line_num + 1, "", "", f"not a valid CSV file here: {exc}"))


def _csv_rows(reader: csv.DictReader, file: str, errors: list[RowError]) -> Iterator[tuple[int, dict]]:
    header = reader.fieldnames or []
    missing = [c for c in ("person", "event", "date") if c not in header]
    if missing:
        errors.append(RowError(file, 1, ",".join(missing), "", "header lacks required column(s) "
                               f"{', '.join(missing)}; it has: {', '.join(header)}"))
        return
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        errors.append(RowError(file, 1, ",".join(unknown), "", "unknown column(s) in header; "
                               "the format's columns are in docs/interchange.md"))
        return
    for i, row in enumerate(reader, start=2):
        if None in row:  # more cells than header columns
            errors.append(RowError(file, i, "", ",".join(map(str, row.pop(None))),  # type: ignore[call-overload]
                                   "more cells than the header has columns"))
            continue
        yield i, row


def iter_jsonl(stream: BinaryIO, file: str, errors: list[RowError]) -> Iterator[tuple[int, dict]]:
    for i, line in enumerate(_decoded(stream, file, errors), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(file, i, "", line.strip()[:80], f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(file, i, "", line.strip()[:80], "each line must be a JSON object"))
            continue
        yield i, obj
