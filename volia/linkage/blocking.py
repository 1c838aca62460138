"""Candidate pairs: only records that share a blocking key are compared.

Comparing every record of a list of 100,000 with every record of another is 10^10 pairs;
blocking keeps the few that could be one person. Two records become a candidate pair when
they share any key. A name key is one of `volia.names.keys.blocking_keys` (surname skeleton,
or its first consonants, with the given name's initial: the same for every spelling of one
name, in any script or order) of any of the record's names; the keys are

- `name|b<birth year>`;
- `name|d<year-month>` for the month of the first detention and the months 15 days either
  side (two lists date one detention a few days apart);
- `name|?<region>` for a record that lacks the birth or the detention date;
- `<birth day>|<region>` and `<birth day>|d<detention year>` for an exact birth date, which
  catch a name mangled beyond its keys.

Keys without a date grow quadratically with the list (most people share a surname with many
others), so there are none. A block larger than `max_block` records on a side is skipped
(and counted): such a key says nothing about identity, and its pairs would swamp the run.
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
_SLACK = dt.timedelta(days=15)


def record_keys(r: Rec) -> set[str]:
    names: set[str] = set()
    for n in r.names[:4]:
        names |= blocking_keys(n)
    out: set[str] = set()
    for k in names:
        if r.birth is not None:
            out.add(f"{k}|b{r.birth.earliest.year}")
        if r.detained is not None:
            # the month, and the neighbouring ones a report dated some days apart may fall in
            for day in (r.detained.earliest - _SLACK, r.detained.earliest, r.detained.latest,
                        r.detained.latest + _SLACK):
                out.add(f"{k}|d{day.year}-{day.month}")
        if (r.birth is None or r.detained is None) and r.region:
            out.add(f"{k}|?{r.region}")
    if r.birth is not None and r.birth.precision == Precision.DAY:
        if r.region:
            out.add(f"{r.birth.earliest.isoformat()}|{r.region}")
        if r.detained is not None:
            out.add(f"{r.birth.earliest.isoformat()}|d{r.detained.earliest.year}")
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


def pairs_between(left: Sequence[Rec], right: Sequence[Rec], *, max_block: int = MAX_BLOCK,
                  right_index: dict[str, list[int]] | None = None, workers: int = 1) -> Blocking:
    """Candidate pairs (i in left, j in right), each once."""
    ridx = right_index if right_index is not None else index(right, workers)
    lidx = index(left, workers)
    chunks_l: list[np.ndarray] = []
    chunks_r: list[np.ndarray] = []
    skipped = 0
    for k, li in lidx.items():
        rj = ridx.get(k)
        if not rj:
            continue
        if len(li) > max_block or len(rj) > max_block:
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
    for ids in index(records, workers).values():
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
