"""Derive custody episodes and status periods from one person's current events.

Pure Python: the same function serves the service layer (on every write), `volia rebuild`,
`volia check` and the importer's whole-history validation.

Conventions (documented in docs/projections.md):
- events are ordered by the earliest day their date can mean, then by type (a detention
  before anything else that day, a release after), then by id;
- a custody episode runs from its start day (inclusive) to its end day (exclusive), using
  the earliest possible day of each partial date: somebody detained on d is held on d, and
  somebody released on d is not;
- an anomaly of severity "error" makes the history impossible (a release when the person is
  not in custody); "warning" marks a history that is possible but incomplete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from volia.core import codes

CUSTODY_START = {"detained", "admin_detention", "pretrial_custody"}


@dataclass(frozen=True)
class EventFact:
    """What the projections need to know about one current event."""

    id: int
    type: str
    precision: str
    earliest: dt.date
    latest: dt.date
    release_kind: str = ""
    deported: bool = False
    sentence_kind: str = ""

    @property
    def sort_key(self) -> tuple[dt.date, int, int]:
        return (self.earliest, codes.EVENT_ORDER[self.type], self.id)


@dataclass
class Episode:
    seq: int
    kind: str
    start: EventFact
    end: EventFact | None = None
    end_kind: str = ""
    deported: bool = False

    def as_row(self) -> tuple:
        e = self.end
        return (self.seq, self.kind, self.start.id, self.start.precision, self.start.earliest,
                self.start.latest, e.id if e else None, e.precision if e else "",
                e.earliest if e else None, e.latest if e else None, self.end_kind, self.deported)


@dataclass(frozen=True)
class Period:
    status: str
    start: dt.date
    end: dt.date | None

    def as_row(self) -> tuple:
        return (self.status, self.start, self.end)


@dataclass(frozen=True)
class Anomaly:
    event_id: int
    severity: str  # "error" | "warning"
    reason: str


@dataclass
class Projection:
    episodes: list[Episode] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)

    @property
    def errors(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.severity == "error"]


def project(events: Iterable[EventFact]) -> Projection:
    """Walk one person's current events in order and derive episodes and status periods."""
    out = Projection()
    state = "none"  # none | held | house_arrest | released | exile | deceased
    current: Episode | None = None
    changes: list[tuple[dt.date, str]] = []

    def set_state(new: str, day: dt.date) -> None:
        nonlocal state
        state = new
        changes.append((day, new))

    def open_episode(ev: EventFact, kind: str) -> None:
        nonlocal current
        current = Episode(seq=len(out.episodes) + 1, kind=kind, start=ev)
        out.episodes.append(current)
        set_state("held", ev.earliest)

    def close_episode(ev: EventFact, end_kind: str, deported: bool = False) -> None:
        nonlocal current
        assert current is not None
        current.end, current.end_kind, current.deported = ev, end_kind, deported
        current = None

    def in_order() -> Iterable[EventFact]:
        # Same-day events: somebody free that morning who is detained and released that day has
        # a zero-length episode (detention first); somebody held that morning who is released and
        # detained again that day was re-arrested at the gate (the day's detentions come last).
        ordered = sorted(events, key=lambda e: e.sort_key)
        i = 0
        while i < len(ordered):
            j = i
            while j < len(ordered) and ordered[j].earliest == ordered[i].earliest:
                j += 1
            day = ordered[i:j]
            if state == "held":
                day.sort(key=lambda e: (e.type in CUSTODY_START, e.sort_key))  # detentions last
            yield from day
            i = j

    for ev in in_order():
        t = ev.type
        if state == "deceased" and t not in ("recognized", "recognition_withdrawn", "rehabilitated",
                                             "designated_extremist", "tried_in_absentia"):
            out.anomalies.append(Anomaly(ev.id, "error", f"'{t}' dated after the person's death in custody"))
            continue
        if t in CUSTODY_START:
            kind = "administrative" if t == "admin_detention" else "criminal"
            if state == "held" and current is not None:
                if kind == "criminal":
                    current.kind = "criminal"  # an administrative arrest turned into a criminal case
            else:
                open_episode(ev, kind)
        elif t == "sentenced" and ev.sentence_kind in codes.CUSTODIAL_SENTENCE_KINDS and state != "held":
            # taken into custody in the courtroom: the sentence starts the episode
            open_episode(ev, "criminal")
        elif t == "released":
            if state == "held":
                close_episode(ev, ev.release_kind, ev.deported)
                set_state("exile" if ev.deported else "released", ev.earliest)
            elif state == "house_arrest":
                set_state("exile" if ev.deported else "released", ev.earliest)
            else:
                out.anomalies.append(Anomaly(
                    ev.id, "error",
                    "release when the person is not in custody on that date "
                    "(no detention recorded before it, or already released)"))
        elif t == "house_arrest":
            if state == "held":
                close_episode(ev, "house_arrest")
            set_state("house_arrest", ev.earliest)
        elif t == "died_in_custody":
            if state == "held":
                close_episode(ev, "died_in_custody")
                set_state("deceased", ev.earliest)
            else:
                out.anomalies.append(Anomaly(
                    ev.id, "error", "death in custody when the person is not in custody on that date"))
        elif t == "exiled":
            if state == "held":
                out.anomalies.append(Anomaly(
                    ev.id, "error", "exile while in custody: record the release (deported=true) instead"))
            else:
                set_state("exile", ev.earliest)
        elif t in ("transferred", "punishment_cell") and state != "held":
            out.anomalies.append(Anomaly(ev.id, "warning", f"'{t}' when no custody is recorded"))

    # status periods: one per state change; same-day changes collapse to the last one
    for i, (day, status) in enumerate(changes):
        nxt = changes[i + 1][0] if i + 1 < len(changes) else None
        if nxt is not None and nxt <= day:
            continue
        if out.periods and out.periods[-1].status == status:
            continue  # same status twice in a row (re-detained on the day of release)
        if out.periods:
            out.periods[-1] = Period(out.periods[-1].status, out.periods[-1].start, day)
        out.periods.append(Period(status, day, None))
    return out
