"""Capture tables: how many people appear on exactly each combination of lists.

A table over k lists has 2**k cells. A cell is addressed by its *pattern*, a bit mask whose bit j
is set when the people in it are on list j; cell 0 (on no list) is the one nobody can observe and
that multiple systems estimation estimates. The file form is a TSV (or CSV) with one 0/1 column
per list and a `count` column (docs/estimation.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from volia.interchange.errors import RowError

MAX_LISTS = 15  # 32,768 cells; far beyond what the overlaps of real lists can support


@dataclass(frozen=True)
class CaptureTable:
    lists: tuple[str, ...]
    counts: tuple[int, ...]  # length 2**k, indexed by pattern; counts[0] is always 0 (unobservable)

    def __post_init__(self) -> None:
        if len(self.counts) != 1 << len(self.lists):
            raise ValueError("a capture table over k lists has 2**k cells")
        if self.counts[0] != 0:
            raise ValueError("the cell of people on no list cannot be observed")
        if any(c < 0 for c in self.counts):
            raise ValueError("counts cannot be negative")

    @classmethod
    def from_patterns(cls, lists: Sequence[str], counts: Mapping[tuple[int, ...], int]) -> CaptureTable:
        """Build from {(0/1 for each list): count}; patterns not given count zero."""
        k = len(lists)
        cells = [0] * (1 << k)
        for pattern, n in counts.items():
            if len(pattern) != k:
                raise ValueError(f"pattern {pattern} does not have {k} entries")
            cells[pattern_index(pattern)] += n
        return cls(tuple(lists), tuple(cells))

    @property
    def k(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        return sum(self.counts)

    def pattern(self, index: int) -> tuple[int, ...]:
        return tuple((index >> j) & 1 for j in range(self.k))

    def list_sizes(self) -> dict[str, int]:
        return {name: sum(c for h, c in enumerate(self.counts) if h >> j & 1)
                for j, name in enumerate(self.lists)}

    def overlap(self, i: int, j: int) -> int:
        """People on both list i and list j (whatever other lists they are on)."""
        mask = (1 << i) | (1 << j)
        return sum(c for h, c in enumerate(self.counts) if h & mask == mask)

    def rows(self) -> list[tuple[tuple[int, ...], int]]:
        """The observable cells as (pattern, count), most lists first, as capture-recapture tables print them."""
        order = sorted(range(1, len(self.counts)),
                       key=lambda h: tuple(-b for b in self.pattern(h)))
        return [(self.pattern(h), self.counts[h]) for h in order]

    def keep_lists(self, keep: Iterable[int]) -> CaptureTable:
        """Collapse the table onto a subset of the lists (people on none of them drop out)."""
        keep = list(keep)
        cells: dict[tuple[int, ...], int] = {}
        for h, c in enumerate(self.counts):
            if not c:
                continue
            pattern = tuple((h >> j) & 1 for j in keep)
            if any(pattern):
                cells[pattern] = cells.get(pattern, 0) + c
        return CaptureTable.from_patterns([self.lists[j] for j in keep], cells)


def pattern_index(pattern: Sequence[int]) -> int:
    return sum(1 << j for j, bit in enumerate(pattern) if bit)


class CaptureTableError(Exception):
    """The file cannot be read as a capture table; `errors` names every bad cell."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def read_capture_table(path: str | Path, label: str | None = None) -> CaptureTable:
    """Read a TSV (or CSV) capture table. Raises CaptureTableError naming file, row, column and value.

    Rows are the file's line numbers (the header is usually row 1). Blank lines and lines that
    start with `#` are comments (for a source and a licence note).
    """
    path = Path(path)
    label = label or path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaptureTableError([RowError(label, line, "", "", "the file is not UTF-8 text")]) from exc
    return parse_capture_table(text, label)


def parse_capture_table(text: str, label: str = "<table>") -> CaptureTable:
    errors: list[RowError] = []
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise CaptureTableError([RowError(label, 0, "", "", "the file is empty: expected a header with one "
                                          "column per list and a `count` column")])
    header_row, header_line = lines[0]
    delimiter = "\t" if "\t" in header_line or "," not in header_line else ","
    header = [h.strip() for h in _split(header_line, delimiter)]
    count_cols = [i for i, h in enumerate(header) if h.lower() == "count"]
    if len(count_cols) != 1:
        reason = "no `count` column" if not count_cols else "more than one `count` column"
        raise CaptureTableError([RowError(label, header_row, "header", delimiter.join(header), reason)])
    ci = count_cols[0]
    list_cols = [i for i in range(len(header)) if i != ci]
    seen: dict[str, int] = {}
    for i in list_cols:
        name = header[i]
        if not name:
            errors.append(RowError(label, header_row, f"column {i + 1}", "", "a list column needs a name"))
        elif name in seen:
            errors.append(RowError(label, header_row, name, name, "two columns have this name"))
        seen[name] = i
    if len(list_cols) < 2:
        errors.append(RowError(label, header_row, "header", delimiter.join(header),
                               "at least two list columns are needed: estimation works from overlaps"))
    if len(list_cols) > MAX_LISTS:
        errors.append(RowError(label, header_row, "header", f"{len(list_cols)} lists",
                               f"at most {MAX_LISTS} lists; merge small lists first"))
    if errors:
        raise CaptureTableError(errors)

    lists = tuple(header[i] for i in list_cols)
    cells: dict[tuple[int, ...], int] = {}
    first_row: dict[tuple[int, ...], int] = {}
    for row, line in lines[1:]:
        fields = [f.strip() for f in _split(line, delimiter)]
        if len(fields) != len(header):
            errors.append(RowError(label, row, "fields", line.strip(),
                                   f"{len(fields)} fields where the header has {len(header)}"))
            continue
        pattern: list[int] = []
        ok = True
        for i in list_cols:
            if fields[i] in ("0", "1"):
                pattern.append(int(fields[i]))
            else:
                errors.append(RowError(label, row, header[i], fields[i], "expected 0 or 1 (on this list or not)"))
                ok = False
        value = fields[ci]
        if not value.isdigit():  # digits only: no sign, no decimals, no thousands separators
            errors.append(RowError(label, row, header[ci], value, "expected a whole number of people (0 or more)"))
            continue
        if not ok:
            continue
        key = tuple(pattern)
        count = int(value)
        if not any(key):
            if count:
                errors.append(RowError(label, row, header[ci], value,
                                       "a row on no list cannot be observed: that number is what is estimated"))
            continue
        if key in first_row:
            errors.append(RowError(label, row, "pattern", " ".join(f"{n}={b}" for n, b in zip(lists, key, strict=True)),
                                   f"this combination of lists is given already on row {first_row[key]}"))
            continue
        first_row[key] = row
        cells[key] = count
    if not errors and not sum(cells.values()):
        errors.append(RowError(label, 0, "", "", "nobody is on any list: there is nothing to estimate from"))
    if errors:
        raise CaptureTableError(errors)
    return CaptureTable.from_patterns(lists, cells)


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader(io.StringIO(line)))


def format_capture_table(table: CaptureTable) -> str:
    """The table as TSV, the format `read_capture_table` reads."""
    out = ["\t".join([*table.lists, "count"])]
    out += ["\t".join([*map(str, pattern), str(count)]) for pattern, count in table.rows()]
    return "\n".join(out) + "\n"
