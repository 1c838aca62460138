"""Candidate pairs: only records that share a blocking key are compared.

Comparing every record of a list of 100,000 with every record of another is 10^10 pairs;
blocking keeps the few that could be one person. Two records become a candidate pair when
they share any key. A *name key* is one of `volia.names.keys.blocking_keys` (surname
skeleton, or its first consonants, with the given name's initial: the same for every
spelling of one name, in any script or order) of any of the record's names. The passes:

- `name|b<year>` and `name|b<year + 1>` for the birth year (so a year mistyped by one
  still meets);
- `name|d<year-month>` for the month of the first detention and the months 15 days either
  side (two lists date one detention a few days apart);
- `name|-` for a record that lacks the birth or the detention date: such records meet on
  the name alone (records with both dates never do: they meet on a date);
- a record with neither date is a *probe*: it is paired with every record having one of its
  name keys (`P|name` joined with `A|name`), however complete that record is;
- `=<birth day>` for an exact birth date, and `t<16-day window of the first detention>|<birth
  year>|<an initial>` (the windows of the detention and of the ten days before it): these
  need no name key, so they catch a name mangled in its first letters.

Keys without a date grow quadratically with the list (most people share a surname with many
others), so only the sparse records above have them. A block larger than `max_block`
records on a side (`PROBE_BLOCK` on the side a probe is joined with) is skipped and
counted: such a key says nothing about identity, and its pairs would swamp the run.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from volia.core.dates import Precision
from volia.linkage.features import Rec
from volia.linkage.namekeys import blocking_keys

MAX_BLOCK = 200
PROBE_BLOCK = 1000  # the records a probe (a record with no date) may be paired with on one name key
_SLACK = dt.timedelta(days=15)
WINDOW = 16  # days: the detention windows of the `t` keys
LATE = 10  # days: a detention reported up to this late shares a window with the true one
ALL, PROBE = "A|", "P|"


def name_keys(r: Rec) -> set[str]:
    out: set[str] = set()
    for n in r.names[:4]:
        out |= blocking_keys(n)
    return out


def record_keys(r: Rec) -> set[str]:
    """Every key of a record, the `A|`/`P|` keys of the probe join included."""
    names = name_keys(r)
    out: set[str] = set()
    birth, detained = r.birth, r.detained
    for k in names:
        out.add(ALL + k)
        if birth is not None:
            out.add(f"{k}|b{birth.earliest.year}")
            out.add(f"{k}|b{birth.earliest.year + 1}")
        if detained is not None:
            # the month, and the neighbouring ones a report dated some days apart may fall in
            for day in (detained.earliest - _SLACK, detained.earliest, detained.latest, detained.latest + _SLACK):
                out.add(f"{k}|d{day.year}-{day.month}")
        if birth is None or detained is None:
            out.add(f"{k}|-")
            if birth is None and detained is None:
                out.add(PROBE + k)
    if birth is not None and birth.precision == Precision.DAY:
        out.add(f"={birth.earliest.isoformat()}")
    if birth is not None and detained is not None:
        initials = {k.rpartition("/")[2] for k in names} - {""}
        first = (detained.earliest.toordinal() - LATE) // WINDOW
        for w in range(first, detained.latest.toordinal() // WINDOW + 1):
            for i in initials:
                out.add(f"t{w}|{birth.earliest.year}|{i}")
    return out


@dataclass
class Blocking:
    left: np.ndarray  # indexes into the left list
    right: np.ndarray  # indexes into the right list (the same list when linking within one)
    skipped_blocks: int

    def __len__(self) -> int:
        return len(self.left)


_RECORDS: Sequence[Rec] = ()


def _keys_chunk(bounds: tuple[int, int]) -> list[set[str]]:
    return [record_keys(r) for r in _RECORDS[bounds[0]:bounds[1]]]


def all_keys(records: Sequence[Rec], workers: int = 1) -> list[set[str]]:
    """Each record's keys; in `workers` processes (fork) for long lists (name keys cost ~0.5 ms a name)."""
    if workers <= 1 or len(records) < 10_000 or "fork" not in mp.get_all_start_methods():
        return [record_keys(r) for r in records]
    global _RECORDS
    _RECORDS = records
    step = -(-len(records) // (workers * 4))
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_keys_chunk, [(i, min(i + step, len(records))) for i in range(0, len(records), step)])
    finally:
        _RECORDS = ()
    return [ks for part in parts for ks in part]


def index(records: Sequence[Rec], workers: int = 1) -> dict[str, list[int]]:
    """Blocking key -> indexes of the records that have it."""
    idx: dict[str, list[int]] = defaultdict(list)
    for i, ks in enumerate(all_keys(records, workers)):
        for k in ks:
            idx[k].append(i)
    return idx


def _join(key: str, max_block: int) -> tuple[str, int, int]:
    """The key of the other side a key is joined with, and the largest block allowed on each side."""
    if key.startswith(ALL):
        return PROBE + key[len(ALL):], PROBE_BLOCK, max_block
    if key.startswith(PROBE):
        return ALL + key[len(PROBE):], max_block, PROBE_BLOCK
    return key, max_block, max_block


def pairs_between(left: Sequence[Rec], right: Sequence[Rec], *, max_block: int = MAX_BLOCK,
                  right_index: dict[str, list[int]] | None = None, workers: int = 1) -> Blocking:
    """Candidate pairs (i in left, j in right), each once."""
    ridx = right_index if right_index is not None else index(right, workers)
    lidx = index(left, workers)
    chunks_l: list[np.ndarray] = []
    chunks_r: list[np.ndarray] = []
    skipped = 0
    for k, li in lidx.items():
        other, left_cap, right_cap = _join(k, max_block)
        rj = ridx.get(other)
        if not rj:
            continue
        if len(li) > left_cap or len(rj) > right_cap:
            skipped += 1
            continue
        a = np.asarray(li, dtype=np.int64)
        b = np.asarray(rj, dtype=np.int64)
        chunks_l.append(np.repeat(a, len(b)))
        chunks_r.append(np.tile(b, len(a)))
    return _unique(chunks_l, chunks_r, len(right), skipped)


def pairs_within(records: Sequence[Rec], *, max_block: int = MAX_BLOCK, workers: int = 1) -> Blocking:
    """Candidate pairs (i, j) with i < j within one list, each once."""
    chunks_l: list[np.ndarray] = []
    chunks_r: list[np.ndarray] = []
    skipped = 0
    idx = index(records, workers)
    for k, ids in idx.items():
        if k.startswith(ALL):
            continue
        if k.startswith(PROBE):  # a probe with every record of its name key
            others = idx[ALL + k[len(PROBE):]]
            if len(ids) > max_block or len(others) > PROBE_BLOCK:
                skipped += 1
                continue
            a = np.repeat(np.asarray(ids, dtype=np.int64), len(others))
            b = np.tile(np.asarray(others, dtype=np.int64), len(ids))
            keep = a != b
            chunks_l.append(np.minimum(a, b)[keep])
            chunks_r.append(np.maximum(a, b)[keep])
            continue
        if len(ids) < 2:
            continue
        if len(ids) > max_block:
            skipped += 1
            continue
        a = np.asarray(ids, dtype=np.int64)
        i, j = np.triu_indices(len(a), k=1)
        chunks_l.append(a[i])
        chunks_r.append(a[j])
    return _unique(chunks_l, chunks_r, len(records), skipped)


def _unique(chunks_l: list[np.ndarray], chunks_r: list[np.ndarray], width: int, skipped: int) -> Blocking:
    if not chunks_l:
        empty = np.empty(0, dtype=np.int64)
        return Blocking(empty, empty, skipped)
    code = np.unique(np.concatenate(chunks_l) * max(width, 1) + np.concatenate(chunks_r))
    return Blocking(code // max(width, 1), code % max(width, 1), skipped)
