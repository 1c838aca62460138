"""Capture tables from the registry: each organisation's recognitions are one list ("system").

A person is on organisation X's list when X recognised them as a political prisoner:
* on a date D (`on`): X's latest current `recognized` or `recognition_withdrawn` event for the
  person dated on or before D is a recognition (a withdrawal takes the person off X's list);
* in a period (`start`..`end`, both inclusive): X recorded a current `recognized` event for the
  person dated within it.

Dates are partial: an event counts from the earliest day its date can mean (the convention of
the projections, docs/projections.md), so a recognition "in March 2022" is on the list on
1 March 2022. Only current events count (corrections and retractions are respected). The people
are the registry's linked people: one Person is one human being, so linkage is as good as the
registry's merges.

This module only queries; the estimation is `volia.stats.mse`, which imports no Django.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from volia.core import codes
from volia.registry.models import Event
from volia.stats.capture import CaptureTable

STRATA = {"region": "person__region", "sex": "person__sex"}
UNKNOWN = "unknown"


@dataclass
class RegistrySystems:
    lists: tuple[str, ...]  # organisation codes, the order of the columns
    tables: dict[str, CaptureTable]  # stratum → table; one stratum "all" without `by`
    window: dict[str, str | None]
    by: str | None
    people: int = 0
    notes: list[str] = field(default_factory=list)


def capture_tables(*, on: dt.date | None = None, start: dt.date | None = None, end: dt.date | None = None,
                   by: str | None = None) -> RegistrySystems:
    """Build one capture table (or one per stratum) from the organisations' recognitions.

    Give either `on`, or `start` and/or `end`; with neither, every recognition so far counts
    (as `on` today). `by` is `region` or `sex`; people with no value form the stratum `unknown`.
    """
    if on is not None and (start is not None or end is not None):
        raise ValueError("give a date (on) or a period (start, end), not both")
    if by is not None and by not in STRATA:
        raise ValueError(f"cannot stratify by {by!r}; one of {', '.join(STRATA)}")
    period = start is not None or end is not None
    if not period and on is None:
        on = dt.date.today()
    qs = Event.objects.filter(is_current=True, organization__isnull=False)
    if period:
        qs = qs.filter(type="recognized")
        if start is not None:
            qs = qs.filter(date_earliest__gte=start)
        if end is not None:
            qs = qs.filter(date_earliest__lte=end)
    else:
        qs = qs.filter(type__in=("recognized", "recognition_withdrawn"), date_earliest__lte=on)
    fields = ["person_id", "organization__code", "type", "date_earliest", "id"]
    if by:
        fields.append(STRATA[by])
    rows = qs.order_by("person_id", "organization__code", "date_earliest", "id").values_list(*fields)

    # the last event of each (person, organisation) decides; in a period there are only recognitions
    # the latest event per person and organisation; on one day a withdrawal comes after a
    # recognition (codes.EVENT_ORDER), as in the statistics engine and the projections
    latest: dict[tuple[int, str], tuple[dt.date, int, int, str]] = {}
    stratum_of: dict[int, str] = {}
    for row in rows.iterator(chunk_size=5000):
        person, org, etype, day, eid = row[:5]
        position = (day, codes.EVENT_ORDER[etype], eid, etype)
        if (person, org) not in latest or position > latest[(person, org)]:
            latest[(person, org)] = position
        if by:
            stratum_of[person] = row[5] or UNKNOWN
    on_lists: dict[int, set[str]] = defaultdict(set)
    for (person, org), (*_, etype) in latest.items():
        if etype == "recognized":
            on_lists[person].add(org)
    lists = tuple(sorted({org for orgs in on_lists.values() for org in orgs}))
    index = {org: j for j, org in enumerate(lists)}
    patterns: dict[str, Counter[tuple[int, ...]]] = defaultdict(Counter)
    for person, orgs in on_lists.items():
        bits = [0] * len(lists)
        for org in orgs:
            bits[index[org]] = 1
        patterns[stratum_of.get(person, UNKNOWN) if by else "all"][tuple(bits)] += 1
    tables = {stratum: CaptureTable.from_patterns(lists, counts) for stratum, counts in sorted(patterns.items())}
    window = ({"on": on.isoformat() if on else None, "from": None, "to": None} if not period else
              {"on": None, "from": start.isoformat() if start else None, "to": end.isoformat() if end else None})
    return RegistrySystems(lists, tables, window, by, people=len(on_lists))
