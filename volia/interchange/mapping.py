"""Foreign spreadsheet layouts → canonical interchange rows, driven by a TOML mapping file.

An organisation's own list (one row per person, dates in its own format, codes in its own
language) is described once in a mapping file (see docs/mapping.md); `iter_mapped_rows` then
streams the CSV or XLSX file and yields canonical rows (docs/interchange.md), one per event.

Two kinds of problems are kept apart:
- the mapping itself is wrong (unknown key, undefined table, a column missing from the
  header): `MappingError`, raised at once, because no row can be read correctly;
- a row's data is wrong (impossible date, unknown code in a strict table): a `RowError`
  naming the *source* column and its raw value, and the row yields nothing. Every bad row
  is reported, not only the first.

Pure Python, no Django. Memory does not grow with the file: rows are read one at a time
(csv module, openpyxl in read-only mode) and nothing is kept between rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from volia.core import codes
from volia.core.dates import PartialDate, PartialDateError
from volia.interchange import canonical
from volia.interchange.errors import RowError

__all__ = ["CANONICAL_COLUMNS", "Mapping", "MappingError", "iter_mapped_rows", "load_mapping"]


class MappingError(ValueError):
    """The mapping file itself is wrong (or does not fit the file): the message names the key."""


# --- canonical columns ------------------------------------------------------------------
# A mapping may only target the columns of the canonical format, so that a typo
# ("sentense_months") is caught when the mapping is loaded.

PERSON_COLUMNS = tuple(c for c in canonical.PERSON_COLUMNS if c != "person")
# columns every event type takes, besides its own details (codes.EventType.details)
COMMON_EVENT_COLUMNS = (*canonical.EVENT_COLUMNS[2:], *canonical.TRAILING_COLUMNS)
DETAIL_COLUMNS = tuple(canonical.DETAIL_COLUMNS)
EVENT_COLUMNS = ("event", "date", *COMMON_EVENT_COLUMNS, *DETAIL_COLUMNS)
CANONICAL_COLUMNS = tuple(canonical.COLUMNS)

# values checked against a code list (multi-valued ones are separated by ";")
_CODE_LISTS: dict[str, tuple[dict[str, Any], bool]] = {
    "event": (codes.EVENT_TYPES, False),
    "sex": (codes.SEX, False),
    "region": (codes.REGIONS, False),
    "groups": (codes.GROUPS, True),
    "sentence_kind": (codes.SENTENCE_KINDS, False),
    "release_kind": (codes.RELEASE_KINDS, False),
    "appeal_outcome": (codes.APPEAL_OUTCOMES, False),
    "contact_kind": (codes.CONTACT_KINDS, False),
    "condition": (codes.HEALTH_CONDITIONS, False),
    "confidence": (codes.CONFIDENCE, False),
}
_DATE_COLUMNS = frozenset({"date", "birth_date"})
_BOOLEAN_COLUMNS = frozenset({"deported", "documents_confiscated"})
_BOOLEANS = {"true": "true", "yes": "true", "1": "true", "false": "false", "no": "false", "0": "false"}
# whole-number columns and the unit `number = true` means for them
_NUMBER_COLUMNS = {"sentence_months": "months", "credited_days": "days", "days": "days",
                   "fine": "number"}

# --- the parsed mapping -----------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A value translation table: source value → canonical value."""

    name: str
    values: dict[str, str]  # keys normalised with _norm
    default: str | None = None  # for non-empty values not listed
    strict: bool = False  # unlisted values are row errors

    def translate(self, raw: str) -> str:
        key = _norm(raw)
        if key in self.values:
            return self.values[key]
        if self.strict:
            raise _CellError(f"not in table {self.name!r} (strict); add it to [tables.{self.name}.values]")
        return self.default if self.default is not None else raw


@dataclass(frozen=True)
class ColumnTest:
    any_of: frozenset[str] | None = None  # normalised values; "" means empty
    none_of: frozenset[str] | None = None
    pattern: re.Pattern[str] | None = None
    empty: bool | None = None

    def holds(self, value: str) -> bool:
        key = _norm(value)
        if self.any_of is not None and key not in self.any_of:
            return False
        if self.none_of is not None and key in self.none_of:
            return False
        if self.pattern is not None and not self.pattern.search(value):
            return False
        return self.empty is None or self.empty == (value == "")


@dataclass(frozen=True)
class Condition:
    """Holds when every listed column passes its test."""

    tests: tuple[tuple[str, ColumnTest], ...]

    def holds(self, cells: dict[str, str]) -> bool:
        return all(test.holds(cells[column]) for column, test in self.tests)


@dataclass(frozen=True)
class DateFormat:
    text: str
    patterns: tuple[re.Pattern[str], ...]  # the full form first, then shorter (partial) forms


@dataclass(frozen=True)
class FieldSpec:
    """One way of computing a canonical value from a row."""

    where: str  # key path, for messages
    target: str  # canonical column
    column: str | None = None
    columns: tuple[str, ...] = ()
    value: str | None = None
    join: str = " "
    when: Condition | None = None
    unless: Condition | None = None
    split: str | None = None
    replace: tuple[tuple[re.Pattern[str], str], ...] = ()
    regex: re.Pattern[str] | None = None
    table: Table | None = None
    formats: tuple[DateFormat, ...] = ()
    number: str | None = None  # days | months | number
    unit: str | None = None  # unit of a number taken by regex
    prefix: str = ""
    default: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.column,) if self.column is not None else self.columns


@dataclass(frozen=True)
class Field:
    """A canonical column: the first alternative whose condition holds and that gives a value."""

    target: str
    alternatives: tuple[FieldSpec, ...]

    @property
    def fixed(self) -> str | None:
        """The value when it never depends on the row."""
        if len(self.alternatives) == 1:
            spec = self.alternatives[0]
            if spec.value is not None and spec.when is None and spec.unless is None:
                return spec.value
        return None

    @property
    def main_column(self) -> str:
        for spec in self.alternatives:
            if spec.sources:
                return spec.sources[0]
        return ""


@dataclass(frozen=True)
class EventTemplate:
    where: str
    event: Field
    date: Field
    details: tuple[Field, ...]
    when: Condition | None = None
    unless: Condition | None = None
    required: bool | Condition = False


@dataclass(frozen=True)
class Mapping:
    """A parsed, validated mapping file. Build it with `load_mapping`."""

    path: str
    title: str
    key: Field
    person: tuple[Field, ...]
    events: tuple[EventTemplate, ...]
    tables: dict[str, Table] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    format: str | None = None  # csv | xlsx; None: from the file's extension
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    sheet: str | int | None = None
    header_row: int = 1
    empty_values: frozenset[str] = frozenset()
    ignore: tuple[str, ...] = ()
    rows_without_events: str = "error"

    def columns(self) -> list[str]:
        """Every source column the mapping reads, in first-use order."""
        seen: dict[str, None] = {}
        for f in self._fields():
            for spec in f.alternatives:
                for c in spec.sources:
                    seen.setdefault(c)
                for cond in (spec.when, spec.unless):
                    for c, _ in cond.tests if cond else ():
                        seen.setdefault(c)
        for t in self.events:
            conds = [t.when, t.unless, t.required if isinstance(t.required, Condition) else None]
            for cond in conds:
                for c, _ in cond.tests if cond else ():
                    seen.setdefault(c)
        return list(seen)

    def _fields(self) -> Iterator[Field]:
        yield self.key
        yield from self.person
        for t in self.events:
            yield t.event
            yield t.date
            yield from t.details


# --- loading ----------------------------------------------------------------------------

_TOP_KEYS = ("version", "title", "description", "file", "constants", "person", "events", "tables")
_FILE_KEYS = ("format", "encoding", "delimiter", "sheet", "header_row", "empty_values", "ignore",
              "rows_without_events")
_SPEC_KEYS = ("column", "columns", "value", "join", "when", "unless", "split", "replace", "regex", "table",
              "format", "formats", "number", "unit", "prefix", "default")
_TEMPLATE_KEYS = ("event", "date", "when", "unless", "required")
_TABLE_KEYS = ("values", "default", "strict")
_TEST_KEYS = ("in", "not_in", "matches", "empty")
_CONSTANT_COLUMNS = (*PERSON_COLUMNS, *COMMON_EVENT_COLUMNS)


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file; raise MappingError naming the faulty key."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise MappingError(f"{path}: cannot read the mapping: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise MappingError(f"{path}: not valid TOML: {e}") from e
    try:
        return _Loader(str(path)).load(data)
    except _KeyError as e:
        raise MappingError(f"{path}: {e.key}: {e.why}") from None


class _KeyError(Exception):
    def __init__(self, key: str, why: str):
        super().__init__(f"{key}: {why}")
        self.key = key
        self.why = why


def _expect_keys(where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for k in table:
        if k not in allowed:
            raise _KeyError(f"{where}.{k}" if where else k,
                            f"unknown key; expected one of {', '.join(allowed)}")


def _str(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise _KeyError(where, f"expected a string, got {_tname(value)}")
    return value


def _strs(where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _KeyError(where, "expected a string or a list of strings")
    return tuple(value)


def _tname(value: object) -> str:
    return {dict: "a table", list: "a list", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


class _Loader:
    def __init__(self, path: str):
        self.path = path
        self.tables: dict[str, Table] = {}
        self.constants: dict[str, str] = {}

    def load(self, data: dict[str, Any]) -> Mapping:
        _expect_keys("", data, _TOP_KEYS)
        version = data.get("version", 1)
        if version != 1:
            raise _KeyError("version", f"this Volia reads mapping version 1, not {version!r}")
        title = _str("title", data.get("title", ""))
        options = self._file_options(data.get("file", {}))
        self.tables = self._tables(data.get("tables", {}))
        self.constants = self._constants(data.get("constants", {}))

        person = data.get("person")
        if not isinstance(person, dict):
            raise _KeyError("person", "missing: a [person] table with at least `key` is required")
        _expect_keys("person", person, ("key", *PERSON_COLUMNS))
        if "key" not in person:
            raise _KeyError("person.key", "missing: which column holds the person's key")
        key = self._field("person.key", "person", person["key"])
        person_fields = tuple(self._field(f"person.{k}", k, v) for k, v in person.items() if k != "key")

        events = data.get("events")
        if events is not None and not (isinstance(events, list) and all(isinstance(t, dict) for t in events)):
            raise _KeyError("events", "expected [[events]] blocks (an array of tables), not [events]")
        if not events:
            raise _KeyError("events", "missing: at least one [[events]] template is required")
        templates = tuple(self._template(f"events[{i}]", t) for i, t in enumerate(events, 1))

        mapping = Mapping(path=self.path, title=title, key=key, person=person_fields,
                          events=templates, tables=self.tables, constants=self.constants, **options)
        clash = set(mapping.ignore) & set(mapping.columns())
        if clash:
            raise _KeyError("file.ignore", f"lists {', '.join(sorted(clash))}, which the mapping uses")
        return mapping

    def _file_options(self, raw: object) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise _KeyError("file", f"expected a table, got {_tname(raw)}")
        _expect_keys("file", raw, _FILE_KEYS)
        out: dict[str, Any] = {}
        if "format" in raw:
            fmt = _str("file.format", raw["format"]).lower()
            if fmt not in ("csv", "xlsx"):
                raise _KeyError("file.format", f"{fmt!r}: expected csv or xlsx")
            out["format"] = fmt
        if "encoding" in raw:
            enc = _str("file.encoding", raw["encoding"])
            try:
                "".encode(enc)
            except LookupError:
                raise _KeyError("file.encoding", f"unknown encoding {enc!r}") from None
            # a byte-order mark is never part of the first column's name
            out["encoding"] = "utf-8-sig" if enc.lower().replace("_", "-") in ("utf-8", "utf8") else enc
        if "delimiter" in raw:
            delim = _str("file.delimiter", raw["delimiter"])
            if len(delim) != 1:
                raise _KeyError("file.delimiter", f"{delim!r}: expected one character (\"\\t\" for tab)")
            out["delimiter"] = delim
        if "sheet" in raw:
            sheet = raw["sheet"]
            if isinstance(sheet, bool) or not isinstance(sheet, (str, int)) or (
                    isinstance(sheet, int) and sheet < 1):
                raise _KeyError("file.sheet", "expected a sheet name or a number from 1")
            out["sheet"] = sheet
        if "header_row" in raw:
            hr = raw["header_row"]
            if isinstance(hr, bool) or not isinstance(hr, int) or hr < 1:
                raise _KeyError("file.header_row", "expected a row number from 1")
            out["header_row"] = hr
        if "empty_values" in raw:
            out["empty_values"] = frozenset(_norm(v) for v in _strs("file.empty_values", raw["empty_values"]))
        if "ignore" in raw:
            out["ignore"] = _strs("file.ignore", raw["ignore"])
        if "rows_without_events" in raw:
            rwe = _str("file.rows_without_events", raw["rows_without_events"])
            if rwe not in ("error", "skip"):
                raise _KeyError("file.rows_without_events", f"{rwe!r}: expected error or skip")
            out["rows_without_events"] = rwe
        return out

    def _tables(self, raw: object) -> dict[str, Table]:
        if not isinstance(raw, dict):
            raise _KeyError("tables", f"expected a table, got {_tname(raw)}")
        out = {}
        for name, t in raw.items():
            where = f"tables.{name}"
            if not isinstance(t, dict):
                raise _KeyError(where, f"expected a table, got {_tname(t)}")
            _expect_keys(where, t, _TABLE_KEYS)
            values = t.get("values")
            if not isinstance(values, dict) or not values:
                raise _KeyError(f"{where}.values", "missing: a table of source value = canonical value")
            normalised: dict[str, str] = {}
            for src, dst in values.items():
                key = _norm(src)
                if key in normalised and normalised[key] != dst:
                    raise _KeyError(f"{where}.values", f"{src!r} is listed twice (values are compared "
                                    "ignoring case and extra spaces)")
                normalised[key] = _str(f"{where}.values.{src!r}", dst)
            default = t.get("default")
            if default is not None:
                default = _str(f"{where}.default", default)
            strict = t.get("strict", False)
            if not isinstance(strict, bool):
                raise _KeyError(f"{where}.strict", "expected true or false")
            if strict and default is not None:
                raise _KeyError(where, "`strict = true` and `default` exclude each other")
            out[name] = Table(name, normalised, default, strict)
        return out

    def _constants(self, raw: object) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise _KeyError("constants", f"expected a table, got {_tname(raw)}")
        _expect_keys("constants", raw, _CONSTANT_COLUMNS)
        out = {}
        for k, v in raw.items():
            value = _str(f"constants.{k}", v)
            try:
                out[k] = _check_value(k, value)
            except _CellError as e:
                raise _KeyError(f"constants.{k}", e.reason) from None
        return out

    def _template(self, where: str, raw: object) -> EventTemplate:
        if not isinstance(raw, dict):
            raise _KeyError(where, f"expected a table, got {_tname(raw)}")
        for k in raw:
            if k not in _TEMPLATE_KEYS and k not in EVENT_COLUMNS:
                raise _KeyError(f"{where}.{k}", "unknown key; expected event, date, when, unless, "
                                f"required or a canonical event column ({', '.join(EVENT_COLUMNS[2:])})")
        for k in ("event", "date"):
            if k not in raw:
                raise _KeyError(f"{where}.{k}", "missing: every event template needs an event and a date")
        event = self._field(f"{where}.event", "event", raw["event"], bare_is_value=True)
        date = self._field(f"{where}.date", "date", raw["date"])
        details = tuple(self._field(f"{where}.{k}", k, v) for k, v in raw.items()
                        if k in EVENT_COLUMNS and k not in ("event", "date"))
        fixed = event.fixed
        if fixed is not None:
            et = codes.EVENT_TYPES[fixed]
            takes = set(et.details) | set(COMMON_EVENT_COLUMNS)
            for d in details:
                if d.target not in takes:
                    raise _KeyError(f"{where}.{d.target}", f"event type {fixed!r} does not take "
                                    f"{d.target} (it takes {', '.join(et.details) or 'no details'})")
            given = {d.target for d in details} | set(self.constants)
            for r in et.required:
                if r not in given:
                    raise _KeyError(where, f"event type {fixed!r} needs {r}")
        required = raw.get("required", False)
        req = required if isinstance(required, bool) else self._condition(f"{where}.required", required)
        when = self._condition(f"{where}.when", raw["when"]) if "when" in raw else None
        unless = self._condition(f"{where}.unless", raw["unless"]) if "unless" in raw else None
        return EventTemplate(where, event, date, details, when=when, unless=unless, required=req)

    def _condition(self, where: str, raw: object) -> Condition:
        if not isinstance(raw, dict) or not raw:
            raise _KeyError(where, "expected a table of column = value(s), e.g. { status = \"released\" }")
        tests = []
        for column, test in raw.items():
            w = f"{where}.{_quote(column)}"
            if isinstance(test, (str, list)):
                tests.append((column, ColumnTest(any_of=frozenset(_norm(v) for v in _strs(w, test)))))
                continue
            if not isinstance(test, dict) or not test:
                raise _KeyError(w, "expected a value, a list of values or a table with in, not_in, "
                                "matches or empty")
            _expect_keys(w, test, _TEST_KEYS)
            empty = test.get("empty")
            if empty is not None and not isinstance(empty, bool):
                raise _KeyError(f"{w}.empty", "expected true or false")
            tests.append((column, ColumnTest(
                any_of=frozenset(_norm(v) for v in _strs(f"{w}.in", test["in"])) if "in" in test else None,
                none_of=frozenset(_norm(v) for v in _strs(f"{w}.not_in", test["not_in"]))
                if "not_in" in test else None,
                pattern=_regex(f"{w}.matches", test["matches"]) if "matches" in test else None,
                empty=empty)))
        return Condition(tuple(tests))

    def _field(self, where: str, target: str, raw: object, *, bare_is_value: bool = False) -> Field:
        if isinstance(raw, list):
            if not raw:
                raise _KeyError(where, "an empty list of alternatives")
            alts = tuple(self._spec(f"{where}[{i}]", target, r, bare_is_value)
                         for i, r in enumerate(raw, 1))
        else:
            alts = (self._spec(where, target, raw, bare_is_value),)
        return Field(target, alts)

    def _spec(self, where: str, target: str, raw: object, bare_is_value: bool) -> FieldSpec:
        if isinstance(raw, str):
            # a bare string names a source column, except for `event`, where it is the code
            raw = {"value": raw} if bare_is_value else {"column": raw}
        if not isinstance(raw, dict):
            raise _KeyError(where, f"expected a column name or a table, got {_tname(raw)}")
        _expect_keys(where, raw, _SPEC_KEYS)
        given = [k for k in ("column", "columns", "value") if k in raw]
        if len(given) != 1:
            raise _KeyError(where, "give exactly one of column, columns or value"
                            + (f" (found {', '.join(given)})" if given else ""))
        kw: dict[str, Any] = {"where": where, "target": target}
        if "column" in raw:
            kw["column"] = _str(f"{where}.column", raw["column"])
        elif "columns" in raw:
            kw["columns"] = _strs(f"{where}.columns", raw["columns"])
        for k in ("join", "split", "prefix", "default"):
            if k in raw:
                kw[k] = _str(f"{where}.{k}", raw[k])
        if kw.get("split") == "":
            raise _KeyError(f"{where}.split", "an empty separator")
        for k in ("when", "unless"):
            if k in raw:
                kw[k] = self._condition(f"{where}.{k}", raw[k])
        if "regex" in raw:
            kw["regex"] = _regex(f"{where}.regex", raw["regex"])
        if "replace" in raw:
            rules = raw["replace"]
            if not isinstance(rules, dict) or not rules:
                raise _KeyError(f"{where}.replace", "expected a table of regex = replacement")
            kw["replace"] = tuple((_regex(f"{where}.replace.{_quote(k)}", k),
                                   _str(f"{where}.replace.{_quote(k)}", v)) for k, v in rules.items())
        if "table" in raw:
            kw["table"] = self._table_ref(f"{where}.table", raw["table"])
        is_date = target in _DATE_COLUMNS
        if "format" in raw and "formats" in raw:
            raise _KeyError(where, "give format or formats, not both")
        fmts = _strs(f"{where}.format", raw["format"]) if "format" in raw else (
            _strs(f"{where}.formats", raw["formats"]) if "formats" in raw else ())
        if fmts and not is_date:
            raise _KeyError(f"{where}.format", f"{target} is not a date column (dates: date, birth_date)")
        if is_date:
            kw["formats"] = tuple(_date_format(f"{where}.format", f) for f in fmts or ("%Y-%m-%d",))
        if "number" in raw:
            kw["number"] = _number_kind(f"{where}.number", target, raw["number"])
        if "unit" in raw:
            unit = _str(f"{where}.unit", raw["unit"])
            if unit not in _UNIT_FACTORS or "regex" not in raw or "number" not in raw:
                raise _KeyError(f"{where}.unit", "goes with number and regex, and is one of "
                                + ", ".join(_UNIT_FACTORS))
            kw["unit"] = unit
        exclusive = [k for k in ("table", "number") if k in kw] + (["format"] if fmts else [])
        if len(exclusive) > 1 or (is_date and exclusive and exclusive != ["format"]):
            raise _KeyError(where, f"{' and '.join(exclusive) if len(exclusive) > 1 else exclusive[0]}: "
                            "use one of table, number, format (dates always parse as dates)")
        if "value" in raw:
            value = _str(f"{where}.value", raw["value"])
            if any(k in raw for k in ("table", "regex", "number", "split", "replace", "format", "formats")):
                raise _KeyError(where, "a fixed value takes no table, regex, number, split, replace or format")
            kw["value"] = value
        spec = FieldSpec(**kw)
        # fixed results can be checked now rather than on every row
        fixed_outputs: list[str] = []
        if spec.value is not None:
            fixed_outputs.append(spec.value)
        if spec.table is not None:
            fixed_outputs += list(spec.table.values.values())
            if spec.table.default:
                fixed_outputs.append(spec.table.default)
        if spec.default:
            fixed_outputs.append(spec.default)
        for out in fixed_outputs:
            if out == "":
                continue
            try:
                _check_value(target, _finish(spec, out) if spec.value is None else out)
            except _CellError as e:
                raise _KeyError(where, e.reason) from None
        return spec

    def _table_ref(self, where: str, raw: object) -> Table:
        if isinstance(raw, dict):  # an inline table: { "yes" = "true", "no" = "false" }
            values = {_norm(_str(f"{where}.{k!r}", k)): _str(f"{where}.{k!r}", v) for k, v in raw.items()}
            return Table(where, values)
        name = _str(where, raw)
        if name not in self.tables:
            known = ", ".join(self.tables) or "none"
            raise _KeyError(where, f"table {name!r} is not defined (tables: {known})")
        return self.tables[name]


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _regex(where: str, raw: object) -> re.Pattern[str]:
    text = _str(where, raw)
    try:
        return re.compile(text)
    except re.error as e:
        raise _KeyError(where, f"not a valid regular expression: {e}") from None


def _number_kind(where: str, target: str, raw: object) -> str:
    default = _NUMBER_COLUMNS.get(target)
    if raw is True:
        if default is None:
            raise _KeyError(where, f"{target} is not a numeric column; say number = \"days\", "
                            "\"months\" or \"number\"")
        return default
    kind = _str(where, raw) if not isinstance(raw, bool) else ""
    if kind not in ("days", "months", "number"):
        raise _KeyError(where, "expected true, \"days\", \"months\" or \"number\"")
    return kind


# --- normalisation, cells ---------------------------------------------------------------


def _norm(text: str) -> str:
    """Comparison key: NFC, case-folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a user sees (an Excel date is an ISO date)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _CellError(Exception):
    def __init__(self, reason: str, column: str | None = None, value: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.column = column
        self.value = value


# --- dates ------------------------------------------------------------------------------

_MONTHS = {m.casefold(): i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MONTHS |= {m.casefold(): i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
_MONTHS["sept"] = 9
# what people write for an unknown month or day: 1989/mm/dd, 1989-??-??, 1989.xx.xx, 1989-00-00
_UNKNOWN = r"\?{1,2}|[xX]{1,2}|[mM]{2}|[dD]{2}|\*{1,2}|_{1,2}|-{2}"
_TOKENS = {
    "%Y": r"(?P<Y>\d{4})",
    "%m": rf"(?P<m>\d{{1,2}}|{_UNKNOWN})",
    "%d": rf"(?P<d>\d{{1,2}}|{_UNKNOWN})",
    "%b": r"(?P<b>[A-Za-z]{3,9}\.?)",
    "%B": r"(?P<b>[A-Za-z]{3,9}\.?)",
}
_ISO_FALLBACK = re.compile(r"(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _date_format(where: str, text: str) -> DateFormat:
    parts = re.split(r"(%.)", text)
    tokens = [p for p in parts if p]
    for p in tokens:
        if p.startswith("%") and len(p) == 2 and p not in _TOKENS and p != "%%":
            raise _KeyError(where, f"{text!r}: {p} is not supported (use %Y, %m, %d, %b, %B)")
    if tokens.count("%Y") != 1:
        raise _KeyError(where, f"{text!r}: a date format needs exactly one %Y")
    month_tokens = [t for t in tokens if t in ("%m", "%b", "%B")]
    if len(month_tokens) > 1 or tokens.count("%d") > 1 or ("%d" in tokens and not month_tokens):
        raise _KeyError(where, f"{text!r}: expected %Y with at most one month (%m, %b) and one %d")

    def compile_(toks: list[str]) -> re.Pattern[str]:
        out = []
        for t in toks:
            if t in _TOKENS:
                out.append(_TOKENS[t])
            elif t == "%%":
                out.append("%")
            else:
                out.append(r"\s+".join(re.escape(s) for s in t.split()) if t.strip() else r"\s+")
        return re.compile("".join(out), re.IGNORECASE)

    variants = [tokens]
    # shorter forms: without the day, then without the month (2014.12, 2014)
    for drop in ("%d", month_tokens[0] if month_tokens else None):
        if drop is None or drop not in variants[-1]:
            continue
        toks = list(variants[-1])
        i = toks.index(drop)
        # remove the separator on the side that keeps the rest together
        if i + 1 < len(toks) and toks[i + 1] not in _TOKENS and (i == 0 or toks[i - 1] in _TOKENS):
            del toks[i:i + 2]
        elif i > 0 and toks[i - 1] not in _TOKENS:
            del toks[i - 1:i + 1]
        else:
            del toks[i]
        variants.append(toks)
    return DateFormat(text, tuple(compile_(v) for v in variants))


def _parse_date(raw: str, formats: tuple[DateFormat, ...]) -> str:
    text = raw.strip()
    for fmt in formats:
        for pattern in fmt.patterns:
            m = pattern.fullmatch(text)
            if m:
                return _date_from_match(m, text)
    m = _ISO_FALLBACK.fullmatch(text)  # an Excel date cell, whatever the format
    if m:
        return _date_from_match(m, text)
    shown = " or ".join(f.text for f in formats)
    raise _CellError(f"not a date in the format {shown} (or a shorter form of it, such as a year "
                     "alone; unknown parts may be ??, xx, mm/dd or 00)")


def _date_from_match(m: re.Match[str], text: str) -> str:
    g = m.groupdict()

    def part(name: str) -> int | None:
        v = g.get(name)
        if v is None or not v.isdigit() or int(v) == 0:
            return None
        return int(v)

    year = int(g["Y"])
    month = part("m")
    if g.get("b"):
        month = _MONTHS.get(g["b"].rstrip(".").casefold())
        if month is None:
            raise _CellError(f"{g['b']!r} is not an English month name")
    day = part("d")
    if day is not None and month is None:
        raise _CellError("a day without a month")
    try:
        return str(PartialDate.from_parts(year, month, day, text=text))
    except PartialDateError as e:
        raise _CellError(str(e)) from None


# --- numbers ----------------------------------------------------------------------------

_UNIT_WORDS = {
    "days": r"days?|d|дн(?:ей|я|і)?|день|дзён|сут(?:ок|ки|кі)?|天|日",
    "weeks": r"weeks?|wks?|недел[ьяи]|нед|тыдн(?:яў|і)?|тыдзень|周|星期",
    "months": r"months?|mos?|мес(?:яц(?:а|ев|аў|ы)?)?|个月|個月|月",
    "years": r"years?|yrs?|y|год(?:а|оў|ы)?|лет|гад(?:оў|ы)?|年",
}
_UNIT_FACTORS = {  # in days, or in months for months/years; None: not convertible exactly
    "days": {"days": 1, "weeks": 7},
    "weeks": {"days": 7, "weeks": 1},
    "months": {"months": 1, "years": 12},
    "years": {"months": 12, "years": 1},
}
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_QUANTITY = re.compile(
    _NUMBER + r"\s*(?:(" + "|".join(f"(?:{w})" for w in _UNIT_WORDS.values()) + r")(?![a-zа-яёіў]))",
    re.IGNORECASE)
_UNIT_OF = [(u, re.compile(rf"(?:{w})", re.IGNORECASE)) for u, w in _UNIT_WORDS.items()]


def _to_fraction(text: str) -> Fraction:
    return Fraction(text.replace(",", "."))


def _whole(value: Fraction, what: str) -> str:
    if value.denominator != 1:
        raise _CellError(f"{what} is not a whole number ({float(value):g})")
    return str(value.numerator)


def _parse_number(raw: str, kind: str, regex: re.Pattern[str] | None, unit: str | None) -> str:
    if regex is not None:
        m = regex.search(raw)
        if not m:
            raise _CellError(f"does not match the regex {regex.pattern!r}")
        text = m.group("n") if "n" in regex.groupindex else (m.group(1) if regex.groups else m.group(0))
        num = re.search(_NUMBER, text or "")
        if not num:
            raise _CellError(f"the regex {regex.pattern!r} matched {text!r}, which is not a number")
        value = _to_fraction(num.group(1))
        if unit is not None and kind != "number":
            factor = _UNIT_FACTORS[unit].get(kind)
            if factor is None:
                raise _CellError(f"{unit} cannot be expressed exactly in {kind}")
            value *= factor
        return _whole(value, "the number")
    text = raw.strip()
    if re.fullmatch(_NUMBER, text):  # a bare number is already in the column's unit
        return _whole(_to_fraction(text), "the number")
    if kind == "number":
        # thousands separators: 1 000, 1,000, 1'000 (a comma before 1-2 digits is a decimal one)
        compact = re.sub(r"(?<=\d)[\s,'’](?=\d{3}(?!\d))", "", text)
        nums = re.findall(_NUMBER, compact)
        if len(set(nums)) != 1:
            raise _CellError("expected one number" if not nums else f"several numbers ({', '.join(nums)})")
        return _whole(_to_fraction(nums[0]), "the number")
    # "十天10 days", "2 years 6 months", "1.5 years", "10 суток (10 days)": each unit at most
    # once (a bilingual cell repeating the same quantity is fine), then summed
    found: dict[str, Fraction] = {}
    for m in _QUANTITY.finditer(text):
        word = m.group(2)
        u = next(u for u, p in _UNIT_OF if p.fullmatch(word))
        q = _to_fraction(m.group(1))
        if u in found and found[u] != q:
            raise _CellError(f"two different quantities in {u} ({float(found[u]):g} and {float(q):g}); "
                             "use a regex to pick one")
        found[u] = q
    if not found:
        raise _CellError(f"no length in {kind} found (expected e.g. '10 days', '3 years', "
                         "'18 months'); use a regex")
    total = Fraction(0)
    for u, q in found.items():
        factor = _UNIT_FACTORS[u].get(kind)
        if factor is None:
            raise _CellError(f"a length in {u} cannot be expressed exactly in {kind}")
        total += q * factor
    return _whole(total, f"the length in {kind}")


# --- value checks -----------------------------------------------------------------------


def _check_value(target: str, value: str) -> str:
    """Check a canonical value the mapping produced; return it (booleans normalised)."""
    if value == "":
        return value
    if target in _DATE_COLUMNS:
        try:
            return str(PartialDate.parse(value))
        except PartialDateError as e:
            raise _CellError(str(e)) from None
    if target in _CODE_LISTS:
        allowed, multi = _CODE_LISTS[target]
        for v in value.split(";") if multi else [value]:
            if v.strip() not in allowed:
                shown = ", ".join(list(allowed)[:12]) + (", ..." if len(allowed) > 12 else "")
                raise _CellError(f"{v.strip()!r} is not a valid {target} code ({shown})")
        return ";".join(v.strip() for v in value.split(";")) if multi else value
    if target in _BOOLEAN_COLUMNS:
        b = _BOOLEANS.get(value.strip().lower())
        if b is None:
            raise _CellError(f"{value!r}: {target} must be true or false (or yes/no, 1/0)")
        return b
    if target in _NUMBER_COLUMNS and not re.fullmatch(r"\d+", value):
        raise _CellError(f"{value!r}: {target} must be a whole number")
    return value


def _finish(spec: FieldSpec, value: str) -> str:
    return spec.prefix + value if value and spec.prefix else value


# --- evaluating a row -------------------------------------------------------------------


def _eval_spec(spec: FieldSpec, cells: dict[str, str]) -> str:
    if spec.value is not None:
        return spec.value
    results = []
    for column in spec.sources:
        raw = cells[column]
        if raw == "":
            continue
        try:
            parts = [p.strip() for p in raw.split(spec.split)] if spec.split else [raw]
            out = [_transform(spec, p) for p in parts if p]
            value = ";".join(v for v in out if v) if spec.split else (out[0] if out else "")
        except _CellError as e:
            raise _CellError(e.reason, column, raw) from None
        if value:
            results.append(_finish(spec, value))
    return spec.join.join(results) if results else spec.default


def _transform(spec: FieldSpec, raw: str) -> str:
    for pattern, replacement in spec.replace:
        raw = pattern.sub(replacement, raw).strip()
    if not raw:
        return ""
    if spec.number is not None:
        return _parse_number(raw, spec.number, spec.regex, spec.unit)
    value = raw
    if spec.regex is not None:
        m = spec.regex.search(raw)
        if not m:
            raise _CellError(f"does not match the regex {spec.regex.pattern!r}")
        value = (m.group(1) if spec.regex.groups else m.group(0)) or ""
        value = value.strip()
    if spec.formats:
        return _parse_date(value, spec.formats) if value else ""
    if spec.table is not None:
        return spec.table.translate(value)
    return value


def _eval_field(f: Field, cells: dict[str, str]) -> tuple[str, FieldSpec | None]:
    """The field's value and the alternative that gave it; raises _CellError with the column."""
    for spec in f.alternatives:
        if spec.when is not None and not spec.when.holds(cells):
            continue
        if spec.unless is not None and spec.unless.holds(cells):
            continue
        value = _eval_spec(spec, cells)
        if value:
            try:
                return _check_value(f.target, value), spec
            except _CellError as e:
                column = spec.sources[0] if spec.sources else ""
                raw = cells[column] if column else value
                hint = ("; use number = true to read it out of text" if f.target in _NUMBER_COLUMNS
                        else "; translate it with a table" if column else "")
                raise _CellError(e.reason + hint, column, raw) from None
    return "", None


def _condition_holds(cond: Condition | None, cells: dict[str, str]) -> bool:
    return cond is None or cond.holds(cells)


class _Row:
    """Map one source row; collects its errors instead of stopping at the first."""

    def __init__(self, mapping: Mapping, file: str, number: int, cells: dict[str, str]):
        self.m = mapping
        self.file = file
        self.number = number
        self.cells = cells
        self.errors: list[RowError] = []

    def error(self, column: str, value: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.number, column, value, reason))

    def value(self, f: Field) -> tuple[str, FieldSpec | None]:
        try:
            return _eval_field(f, self.cells)
        except _CellError as e:
            self.error(e.column or "", e.value if e.value is not None else "", e.reason)
            return "", None

    def map(self) -> list[dict[str, str]]:
        m = self.m
        key, _ = self.value(m.key)
        if not key and not self.errors:
            self.error(m.key.main_column, "", "no person key")
        person: dict[str, str] = {}
        for f in m.person:
            v, _ = self.value(f)
            if v:
                person[f.target] = v
        for k, v in m.constants.items():
            if k in PERSON_COLUMNS:
                person.setdefault(k, v)

        events: list[dict[str, str]] = []
        for t in m.events:
            if not _condition_holds(t.when, self.cells) or (
                    t.unless is not None and t.unless.holds(self.cells)):
                continue
            before = len(self.errors)
            date, _ = self.value(t.date)
            if len(self.errors) > before:
                continue
            if not date:
                required = t.required if isinstance(t.required, bool) else t.required.holds(self.cells)
                column = t.date.main_column
                if required:
                    what = f"{t.event.fixed!r} event" if t.event.fixed else "event"
                    why = "" if isinstance(t.required, bool) else (
                        " when " + ", ".join(f"{c}={self.cells[c]!r}" for c, _ in t.required.tests))
                    self.error(column, "", f"no date for the {what} ({t.where}), which is required{why}")
                continue
            row = self._event(t, date)
            if row is not None:
                events.append(row)

        if not events and not self.errors and m.rows_without_events == "error":
            dates = list(dict.fromkeys(t.date.main_column for t in m.events if t.date.main_column))
            self.error(dates[0] if dates else "", "",
                       f"no event: no template applies or every date ({', '.join(dates)}) is empty "
                       "(set file.rows_without_events = \"skip\" to allow such rows)")
        if self.errors:
            return []
        for i, row in enumerate(events):
            out = {"person": key, "name": ""}
            if i == 0:
                out |= person
            out |= row
            events[i] = out
        return events

    def _event(self, t: EventTemplate, date: str) -> dict[str, str] | None:
        before = len(self.errors)
        code, _ = self.value(t.event)
        if not code:
            if len(self.errors) == before:
                column = t.event.main_column
                self.error(column, self.cells.get(column, ""), f"{t.where}: no event type")
            return None
        et = codes.EVENT_TYPES[code]
        takes = set(et.details) | set(COMMON_EVENT_COLUMNS)
        row: dict[str, str] = {"event": code, "date": date}
        ok = True
        failed: set[str] = set()
        for d in t.details:
            before = len(self.errors)
            v, dspec = self.value(d)
            if len(self.errors) > before:
                failed.add(d.target)
                ok = False
            if not v:
                continue
            if d.target not in takes:
                column = dspec.sources[0] if dspec and dspec.sources else ""
                self.error(column, self.cells.get(column, v),
                           f"{t.where}: event type {code!r} does not take {d.target} "
                           f"(it takes {', '.join(et.details) or 'no details'}); guard it with `when`")
                ok = False
                continue
            row[d.target] = v
        for k, v in self.m.constants.items():
            if k in COMMON_EVENT_COLUMNS:
                row.setdefault(k, v)
        for r in et.required:
            if r not in row and r not in failed:
                given = next((d for d in t.details if d.target == r), None)
                column = given.main_column if given else ""
                self.error(column, self.cells.get(column, ""), f"{t.where}: event type {code!r} needs {r}")
                ok = False
        return row if ok else None


# --- reading files ----------------------------------------------------------------------


def _file_format(path: Path, mapping: Mapping) -> str:
    if mapping.format:
        return mapping.format
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix == ".xls":
        raise MappingError(f"{path}: the old .xls format is not supported; save it as .xlsx or .csv")
    raise MappingError(f"{path}: cannot tell the format from the extension; set file.format")


def _csv_rows(path: Path, mapping: Mapping, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=mapping.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=mapping.delimiter)
        n = 0
        try:
            for n, record in enumerate(reader, 1):
                yield n, [c.strip() for c in record]
        except UnicodeDecodeError as e:
            raise MappingError(f"{mapping.path}: file.encoding: {path} is not valid {mapping.encoding} "
                               f"(after row {n}): {e.reason}; set file.encoding") from None
        except csv.Error as e:
            errors.append(RowError(str(path), n + 1, "", "", f"unreadable CSV, reading stopped: {e}"))


def _xlsx_rows(path: Path, mapping: Mapping) -> Iterator[tuple[int, list[str]]]:
    import openpyxl  # imported here: CSV users need not have it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError, InvalidFileException...
        raise MappingError(f"{path}: not a readable XLSX workbook: {e}") from e
    try:
        names = wb.sheetnames
        sheet = mapping.sheet
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            if sheet > len(names):
                raise MappingError(f"{mapping.path}: file.sheet: {path} has {len(names)} sheet(s): "
                                   f"{', '.join(names)}")
            ws = wb.worksheets[sheet - 1]
        else:
            if sheet not in names:
                raise MappingError(f"{mapping.path}: file.sheet: no sheet {sheet!r} in {path}; "
                                   f"its sheets are {', '.join(names)}")
            ws = wb[sheet]
        for n, values in _sheet_rows(ws):
            yield n, [_cell_text(v) for v in values]
    finally:
        wb.close()


def _sheet_rows(ws: Any) -> Iterator[tuple[int, list[object]]]:
    """(row number, cell values) of a read-only worksheet, keeping nothing per row.

    openpyxl's own read-only iteration clears each parsed <row> element but leaves it attached
    to <sheetData>, so memory grows by some 80 bytes a row until the sheet ends. This loop uses
    the same cell parser (shared strings, dates, numbers) and detaches every row. It relies on
    openpyxl internals (pinned in pyproject.toml), hence the fallback to the public API.
    """
    try:
        from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
        from openpyxl.xml.constants import SHEET_MAIN_NS
        from openpyxl.xml.functions import iterparse

        wb = ws.parent
        options = {"data_only": wb.data_only, "epoch": wb.epoch, "date_formats": wb._date_formats,
                   "timedelta_formats": wb._timedelta_formats}
        shared_strings = ws._shared_strings
        source = ws._get_source()
    except (ImportError, AttributeError):  # pragma: no cover - another openpyxl version
        ws.reset_dimensions()  # stored dimensions are often wrong; read every row
        yield from enumerate((list(r) for r in ws.iter_rows(values_only=True)), 1)
        return
    sheet_data_tag = f"{{{SHEET_MAIN_NS}}}sheetData"
    with source:
        parser = WorkSheetParser(source, shared_strings, **options)
        sheet_data = None
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == sheet_data_tag:
                    sheet_data = element
                continue
            if element.tag != ROW_TAG:
                continue
            number, cells = parser.parse_row(element)
            element.clear()
            if sheet_data is not None:
                del sheet_data[:]
            parser.row_dimensions.clear()
            values: list[object] = [None] * (max((c["column"] for c in cells), default=0))
            for c in cells:
                values[c["column"] - 1] = c["value"]
            yield number, values


def iter_mapped_rows(path: str | Path, mapping: Mapping,
                     errors: list[RowError]) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream `path` and yield (source row number, canonical row) for every event it holds.

    Row numbers are those a spreadsheet shows (the header is row `header_row`, normally 1).
    A row that cannot be mapped yields nothing; its problems are appended to `errors`.
    Raises MappingError when the mapping does not fit the file (a column it names is missing).
    """
    path = Path(path)
    fmt = _file_format(path, mapping)
    rows = _xlsx_rows(path, mapping) if fmt == "xlsx" else _csv_rows(path, mapping, errors)
    file = str(path)
    index: dict[str, int] = {}
    width = 0
    seen_header = False
    empties = mapping.empty_values
    for number, values in rows:
        if number < mapping.header_row:
            continue
        if number == mapping.header_row:
            index, width = _header(values, mapping, path)
            seen_header = True
            continue
        if not any(values):
            continue  # blank rows are layout, not data
        extra = [v for v in values[width:] if v]
        if extra:
            errors.append(RowError(file, number, "", extra[0],
                                   f"the row has {len(values)} cells but the header only {width} "
                                   "columns (a shifted row or an unquoted delimiter?)"))
            continue
        cells = {}
        for column, i in index.items():
            v = values[i] if i < len(values) else ""
            cells[column] = "" if v == "" or (empties and _norm(v) in empties) else v
        row = _Row(mapping, file, number, cells)
        events = row.map()
        if row.errors:
            errors.extend(row.errors)
            continue
        for event in events:
            yield number, event
    if not seen_header:
        raise MappingError(f"{path}: no header row (file.header_row = {mapping.header_row}); "
                           "the file is empty or shorter")


def _header(values: list[str], mapping: Mapping, path: Path) -> tuple[dict[str, int], int]:
    header = [" ".join(v.split()) for v in values]
    while header and header[-1] == "":
        header.pop()
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        positions.setdefault(name, []).append(i)
    used = mapping.columns()
    missing = [c for c in used if c not in positions]
    if missing:
        raise MappingError(
            f"{mapping.path}: the mapping names column(s) missing from the header of {path}: "
            f"{', '.join(repr(c) for c in missing)}; the header is: {', '.join(repr(h) for h in header)}")
    doubled = [c for c in used if len(positions[c]) > 1]
    if doubled:
        raise MappingError(f"{mapping.path}: column(s) {', '.join(repr(c) for c in doubled)} appear more "
                           f"than once in the header of {path}; rename them")
    return {c: positions[c][0] for c in used}, len(header)
