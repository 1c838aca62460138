"""What two records say about being one person: comparison levels, pure Python.

A record (`Rec`) is what linkage knows of a person, from the registry or from a row of a
list: every spelling of the name, sex, a partial birth date, region, the first detention
date and the Criminal Code articles. Each comparison maps a pair to a level (0 = strongest
agreement, higher = weaker, `MISSING` = one side does not say) that the Fellegi-Sunter model
(`volia.linkage.model`) weighs. Nothing here imports Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from volia.core.dates import PartialDate, Precision
from volia.linkage.namekeys import name_similarity

MISSING = -1
MAX_NAMES = 4  # spellings compared per side (the primary first)
LATE = 10  # days: a detention reported this late (lists often date it by the day the news came)


@dataclass(slots=True)
class Rec:
    id: Any
    names: list[str]
    sex: str = ""
    birth: PartialDate | None = None
    region: str = ""
    detained: PartialDate | None = None
    articles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, id: Any, names: Iterable[str], *, sex: str = "", birth: PartialDate | str | None = None,
           region: str = "", detained: PartialDate | str | None = None, articles: Iterable[str] = ()) -> Rec:
        """Build a record from plain values; dates may be given as text ("1985", "1985-03", "1985-03-02")."""
        clean = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
        return cls(id=id, names=clean, sex=sex if sex in ("m", "f") else "", birth=_date(birth), region=region,
                   detained=_date(detained), articles=frozenset(a.split(":")[0].strip() for a in articles if a))

    def as_dict(self) -> dict[str, Any]:
        return {"names": self.names, "sex": self.sex, "birth": str(self.birth) if self.birth else "",
                "region": self.region, "detained": str(self.detained) if self.detained else "",
                "articles": sorted(self.articles)}


def _date(value: PartialDate | str | None) -> PartialDate | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, PartialDate) else PartialDate.parse(str(value))


# --- comparisons -----------------------------------------------------------------------------


def name_level(a: Rec, b: Rec) -> int:
    if not a.names or not b.names:
        return MISSING
    s = best_name_similarity(a, b)
    return 0 if s >= 0.95 else 1 if s >= 0.88 else 2 if s >= 0.75 else 3 if s >= 0.6 else 4


def best_name_similarity(a: Rec, b: Rec) -> float:
    best = 0.0
    for x in a.names[:MAX_NAMES]:
        for y in b.names[:MAX_NAMES]:
            s = name_similarity(x, y)
            if s > best:
                best = s
                if best >= 0.999:
                    return best
    return best


def _gap_days(a: PartialDate, b: PartialDate) -> int:
    """Days between two partial dates' ranges (0 when they overlap)."""
    if a.latest < b.earliest:
        return (b.earliest - a.latest).days
    if b.latest < a.earliest:
        return (a.earliest - b.latest).days
    return 0


def _typo(a: dt.date, b: dt.date) -> bool:
    """One field of a day-precise date mistyped, or day and month swapped."""
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    return same == 2 or (a.year == b.year and a.month == b.day and a.day == b.month)


def birth_level(a: Rec, b: Rec) -> int:
    """0 same day; 1 same month (a date to the month contains the other); 2 same year (a date to the year
    contains the other); 3 close or one typo; 4 conflict."""
    x, y = a.birth, b.birth
    if x is None or y is None:
        return MISSING
    if x.precision == Precision.DAY and y.precision == Precision.DAY:
        if x.earliest == y.earliest:
            return 0
        return 3 if _typo(x.earliest, y.earliest) else 4
    if _gap_days(x, y) == 0:
        return 2 if Precision.YEAR in (x.precision, y.precision) else 1
    if x.earliest.year == y.earliest.year:
        return 3
    one_year_off = abs(x.earliest.year - y.earliest.year) == 1
    if one_year_off and Precision.YEAR not in (x.precision, y.precision) and x.earliest.month == y.earliest.month:
        return 3
    return 4


def region_level(a: Rec, b: Rec) -> int:
    if not a.region or not b.region:
        return MISSING
    return 0 if a.region == b.region else 1


def sex_level(a: Rec, b: Rec) -> int:
    if not a.sex or not b.sex:
        return MISSING
    return 0 if a.sex == b.sex else 1


def detained_level(a: Rec, b: Rec) -> int:
    """First detention: 0 the same day, 1 compatible (a month contains the other date), 2 within LATE days,
    3 within a month, 4 within a year, 5 further apart."""
    if a.detained is None or b.detained is None:
        return MISSING
    gap = _gap_days(a.detained, b.detained)
    if gap == 0:
        return 0 if a.detained.precision == Precision.DAY and b.detained.precision == Precision.DAY else 1
    return 2 if gap <= LATE else 3 if gap <= 31 else 4 if gap <= 366 else 5


def articles_level(a: Rec, b: Rec) -> int:
    """0 mostly the same articles, 1 some in common, 2 none in common."""
    if not a.articles or not b.articles:
        return MISSING
    common = len(a.articles & b.articles)
    if not common:
        return 2
    return 0 if common / len(a.articles | b.articles) >= 0.5 else 1


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[str, ...]  # a label per level, strongest agreement first
    compare: Callable[[Any, Any], int]


VOLIA_COMPARISONS: tuple[Comparison, ...] = (
    Comparison("name", ("≥0.95", "≥0.88", "≥0.75", "≥0.6", "<0.6"), name_level),
    Comparison("birth", ("same day", "same month", "same year", "close/typo", "conflict"), birth_level),
    Comparison("region", ("same", "different"), region_level),
    Comparison("sex", ("same", "different"), sex_level),
    Comparison("detained", ("same day", "same month", f"≤{LATE} days", "≤31 days", "≤1 year", ">1 year"),
               detained_level),
    Comparison("articles", ("mostly same", "some common", "none common"), articles_level),
)


def levels(pairs: Sequence[tuple[Any, Any]], comparisons: Sequence[Comparison] = VOLIA_COMPARISONS):
    """The comparison levels of each (a, b) pair, as an int8 array of shape (pairs, comparisons)."""
    import numpy as np

    out = np.empty((len(pairs), len(comparisons)), dtype=np.int8)
    fns = [c.compare for c in comparisons]
    for i, (a, b) in enumerate(pairs):
        out[i] = [f(a, b) for f in fns]
    return out


def describe(level_row: Sequence[int], comparisons: Sequence[Comparison] = VOLIA_COMPARISONS) -> dict[str, str]:
    """{comparison: level label} for one pair, for people reviewing a candidate."""
    return {c.name: ("missing" if lv == MISSING else c.levels[lv]) for c, lv in zip(comparisons, level_row,
                                                                                   strict=True)}


# --- the same comparisons, vectorised over many pairs (numpy) ---------------------------------

_PRECISION_CODE = {Precision.YEAR: 1, Precision.MONTH: 2, Precision.DAY: 3}


@dataclass
class Encoded:
    """A list of records as numpy columns, for comparing millions of pairs at once."""

    b_prec: Any
    b_lo: Any
    b_hi: Any
    b_y: Any
    b_m: Any
    b_d: Any
    d_has: Any
    d_lo: Any
    d_hi: Any
    region: Any
    sex: Any
    articles: Any  # uint64 bit set (article numbers beyond 64 distinct share bits)


def encode(records: Sequence[Rec], codes: dict[str, int]) -> Encoded:
    """Columns for `records`; `codes` maps region names and article numbers to small ints (filled as it goes)."""
    import numpy as np

    n = len(records)
    cols = {k: np.zeros(n, dtype=np.int64) for k in ("b_prec", "b_lo", "b_hi", "b_y", "b_m", "b_d", "d_has", "d_lo",
                                                      "d_hi", "region", "sex")}
    arts = np.zeros(n, dtype=np.uint64)
    for i, r in enumerate(records):
        if r.birth is not None:
            b = r.birth
            cols["b_prec"][i] = _PRECISION_CODE[b.precision]
            cols["b_lo"][i], cols["b_hi"][i] = b.earliest.toordinal(), b.latest.toordinal()
            cols["b_y"][i], cols["b_m"][i], cols["b_d"][i] = b.earliest.year, b.earliest.month, b.earliest.day
        if r.detained is not None:
            cols["d_has"][i] = 1
            cols["d_lo"][i], cols["d_hi"][i] = r.detained.earliest.toordinal(), r.detained.latest.toordinal()
        if r.region:
            cols["region"][i] = codes.setdefault("region:" + r.region, len(codes) + 1)
        cols["sex"][i] = 1 if r.sex == "m" else 2 if r.sex == "f" else 0
        bits = 0
        for a in r.articles:
            bits |= 1 << (codes.setdefault("article:" + a, len(codes) + 1) % 64)
        arts[i] = bits
    return Encoded(articles=arts, **cols)


def _gaps(lo_a, hi_a, lo_b, hi_b):
    import numpy as np

    return np.maximum(np.maximum(lo_b - hi_a, lo_a - hi_b), 0)


def fast_levels(a: Encoded, b: Encoded, ia, ib):
    """Levels of every comparison but the name for pairs (a[ia[k]], b[ib[k]]): int8 array (pairs, comparisons),
    the name column left MISSING. Equal to the per-pair functions above (a test checks it)."""
    import numpy as np

    n = len(ia)
    out = np.full((n, len(VOLIA_COMPARISONS)), MISSING, dtype=np.int8)
    # birth
    pa, pb = a.b_prec[ia], b.b_prec[ib]
    both = (pa > 0) & (pb > 0)
    ya, yb, ma, mb, da, db = a.b_y[ia], b.b_y[ib], a.b_m[ia], b.b_m[ib], a.b_d[ia], b.b_d[ib]
    gap = _gaps(a.b_lo[ia], a.b_hi[ia], b.b_lo[ib], b.b_hi[ib])
    days = (pa == 3) & (pb == 3)
    same = (ya == yb).astype(np.int8) + (ma == mb) + (da == db)
    typo = (same == 2) | ((ya == yb) & (ma == db) & (da == mb))
    level_days = np.where(gap == 0, 0, np.where(typo, 3, 4))
    close = (ya == yb) | ((np.abs(ya - yb) == 1) & (pa != 1) & (pb != 1) & (ma == mb))
    level_vague = np.where(gap == 0, np.where((pa == 1) | (pb == 1), 2, 1), np.where(close, 3, 4))
    out[:, 1] = np.where(both, np.where(days, level_days, level_vague), MISSING)
    # region, sex
    ra, rb = a.region[ia], b.region[ib]
    out[:, 2] = np.where((ra > 0) & (rb > 0), (ra != rb).astype(np.int8), MISSING)
    sa, sb = a.sex[ia], b.sex[ib]
    out[:, 3] = np.where((sa > 0) & (sb > 0), (sa != sb).astype(np.int8), MISSING)
    # first detention
    dgap = _gaps(a.d_lo[ia], a.d_hi[ia], b.d_lo[ib], b.d_hi[ib])
    day_a, day_b = a.d_lo[ia] == a.d_hi[ia], b.d_lo[ib] == b.d_hi[ib]
    dl = np.where(dgap == 0, np.where(day_a & day_b, 0, 1),
                  np.where(dgap <= LATE, 2, np.where(dgap <= 31, 3, np.where(dgap <= 366, 4, 5))))
    out[:, 4] = np.where((a.d_has[ia] > 0) & (b.d_has[ib] > 0), dl, MISSING)
    # articles
    xa, xb = a.articles[ia], b.articles[ib]
    common = np.bitwise_count(xa & xb).astype(np.int64)
    union = np.bitwise_count(xa | xb).astype(np.int64)
    al = np.where(common == 0, 2, np.where(2 * common >= union, 0, 1))
    out[:, 5] = np.where((xa > 0) & (xb > 0), al, MISSING)
    return out


def name_levels(left: Sequence[Rec], right: Sequence[Rec], ia, ib):
    """The name comparison's level for the given pairs (the expensive part: one call per pair)."""
    import numpy as np

    return np.fromiter((name_level(left[i], right[j]) for i, j in zip(ia.tolist(), ib.tolist(), strict=True)),
                       dtype=np.int8, count=len(ia))
