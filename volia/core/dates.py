"""Partial dates: "2021", "2021-03" or "2021-03-15".

Reports about detentions are often vague ("arrested in March 2021"). A partial date keeps
what was reported (its precision) together with the earliest and latest day it can mean, so
that nothing downstream invents a day silently. Pure Python: no Django here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["PartialDate", "PartialDateError", "Precision"]


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class PartialDateError(ValueError):
    """The text is not a date, or names a day that does not exist (2025-02-30)."""


_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, order=False)
class PartialDate:
    precision: Precision
    earliest: dt.date
    latest: dt.date

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse the canonical forms ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``."""
        return _parse(text)

    @classmethod
    def _parse_uncached(cls, text: str) -> PartialDate:
        s = (text or "").strip()
        m = _ISO.match(s)
        if not m:
            raise PartialDateError(f"not a date: {text!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        return cls.from_parts(year, month, day, text=text)

    @classmethod
    def from_parts(
        cls, year: int, month: int | None = None, day: int | None = None, *, text: str | None = None
    ) -> PartialDate:
        shown = text if text is not None else f"{year}-{month}-{day}"
        if not 1000 <= year <= 9999:
            raise PartialDateError(f"impossible year in {shown!r}")
        if month is None:
            if day is not None:
                raise PartialDateError(f"a day without a month in {shown!r}")
            return cls(Precision.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))
        if not 1 <= month <= 12:
            raise PartialDateError(f"impossible month {month} in {shown!r}")
        last = calendar.monthrange(year, month)[1]
        if day is None:
            return cls(Precision.MONTH, dt.date(year, month, 1), dt.date(year, month, last))
        if not 1 <= day <= last:
            raise PartialDateError(f"impossible date {shown!r}: {year}-{month:02d} has {last} days")
        d = dt.date(year, month, day)
        return cls(Precision.DAY, d, d)

    @classmethod
    def exact(cls, day: dt.date) -> PartialDate:
        return cls(Precision.DAY, day, day)

    @classmethod
    def from_stored(cls, precision: str, earliest: dt.date) -> PartialDate:
        """Rebuild from the (precision, earliest) pair kept in the database."""
        if precision == Precision.DAY:
            return cls.exact(earliest)
        if precision == Precision.MONTH:
            return cls.from_parts(earliest.year, earliest.month)
        return cls.from_parts(earliest.year)

    @property
    def is_exact(self) -> bool:
        return self.precision == Precision.DAY

    def definitely_before(self, other: PartialDate) -> bool:
        """True when every day this date can mean lies before every day ``other`` can mean."""
        return self.latest < other.earliest

    def __str__(self) -> str:
        if self.precision == Precision.DAY:
            return self.earliest.isoformat()
        if self.precision == Precision.MONTH:
            return f"{self.earliest.year:04d}-{self.earliest.month:02d}"
        return f"{self.earliest.year:04d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The date `months` calendar months after `day`; the end of a shorter month clamps (31 Jan + 1 = 28/29 Feb).

    How a term "of N months" ends: the demo generator releases people with it and the
    statistics measure the sentence left at early releases with it, so both must agree.
    """
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=65536)
def _parse(text: str) -> PartialDate:
    # an import of a million events sees a few thousand distinct dates; PartialDate is immutable
    return PartialDate._parse_uncached(text)
