"""The two name functions record linkage needs, from `volia.names.keys`.

`volia.names` (another part of Volia) owns how spellings of a name are compared across
scripts and transliteration systems. Linkage calls only `blocking_keys` and
`name_similarity`, through this module, with a cache: the same names recur many times in
a list, and a benchmark of 100,000 x 100,000 records compares millions of pairs.
"""

from __future__ import annotations

from functools import lru_cache

from volia.names import keys as _keys


@lru_cache(maxsize=400_000)
def blocking_keys(name: str) -> frozenset[str]:
    return frozenset(_keys.blocking_keys(name))


@lru_cache(maxsize=2_000_000)
def _similarity(a: str, b: str) -> float:
    return float(_keys.name_similarity(a, b))


def name_similarity(a: str, b: str) -> float:
    """Symmetric and cached: (a, b) and (b, a) share one entry."""
    return _similarity(a, b) if a <= b else _similarity(b, a)
