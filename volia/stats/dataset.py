"""Load the registry into a statistics `Dataset` (the only module of the engine that touches the ORM).

Without `as_recorded_on`: the current events and the stored projections (custody episodes).
With `as_recorded_on=R`: only the events recorded by the end of day R (in the project's time
zone) that were current then: a correction or retraction recorded after R is ignored, so the
event it superseded still counts, and an event recorded after R does not exist yet. Custody
episodes are recomputed from those events with `volia.registry.projections.project`, so a
figure published on R is reproduced exactly. People's own fields (sex, birth date, region,
groups) are not versioned: their current values are used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from volia.core import codes
from volia.registry import projections
from volia.registry.models import (
    Charge,
    CustodyEpisode,
    Event,
    Facility,
    Organization,
    Person,
    PersonGroup,
    Sentence,
)
from volia.stats.engine import OPEN, Dataset

# the event types the figures read, besides custody events and events that name a facility
_READ = ("recognized", "recognition_withdrawn", "contact", "health_reported")
_ORDER_SCALE = 10**12  # same-day order: event type order, then id


def _order(etype: str, eid: int) -> int:
    return codes.EVENT_ORDER[etype] * _ORDER_SCALE + eid


def load_dataset(*, as_recorded_on: dt.date | None = None) -> Dataset:
    people = list(Person.objects.order_by("id").values_list("id", "sex", "region", "birth_earliest"))
    groups = list(PersonGroup.objects.values_list("person_id", "group"))
    org_ids = dict(Organization.objects.order_by("code").values_list("id", "code"))
    organizations = list(org_ids.values())
    org_index = {oid: i for i, oid in enumerate(org_ids)}
    fac_rows = list(Facility.objects.order_by("code").values_list("id", "code", "kind"))
    fac_index = {fid: i for i, (fid, _c, _k) in enumerate(fac_rows)}

    events = Event.objects.annotate(rk=KT("details__release_kind"), dep=KT("details__deported"),
                                    sk=KT("details__sentence_kind"), cond=KT("details__condition"))
    fields = ("id", "person_id", "type", "date_precision", "date_earliest", "date_latest", "facility_id",
              "organization_id", "rk", "dep", "sk", "cond")
    if as_recorded_on is None:
        rows = list(events.filter(is_current=True).filter(Q(type__in=_READ) | Q(facility__isnull=False))
                    .values_list(*fields).iterator(chunk_size=10000))
        current: set[int] | None = None
    else:
        cutoff = timezone.make_aware(dt.datetime.combine(as_recorded_on + dt.timedelta(days=1), dt.time.min))
        recorded = list(events.filter(recorded_at__lt=cutoff)
                        .values_list(*fields, "supersedes_id", "is_retraction").iterator(chunk_size=10000))
        superseded = {r[-2] for r in recorded if r[-2] is not None}
        rows = [r[:-2] for r in recorded if not r[-1] and r[0] not in superseded]
        current = {r[0] for r in rows}

    rec: dict[str, list] = defaultdict(list)
    fac: dict[str, list] = defaultdict(list)
    con: dict[str, list] = defaultdict(list)
    hea: dict[str, list] = defaultdict(list)
    facts: dict[int, list[projections.EventFact]] = defaultdict(list)
    for eid, pid, etype, precision, earliest, latest, facility, org, rk, dep, sk, cond in rows:
        day = earliest.toordinal()
        if etype in ("recognized", "recognition_withdrawn") and org is not None:
            rec["person"].append(pid)
            rec["org"].append(org_index[org])
            rec["day"].append(day)
            rec["withdrawn"].append(etype == "recognition_withdrawn")
            rec["order"].append(_order(etype, eid))
        elif etype == "contact":
            con["person"].append(pid)
            con["day"].append(day)
        elif etype == "health_reported" and cond:
            hea["person"].append(pid)
            hea["day"].append(day)
            hea["condition"].append(cond)
        if facility is not None:
            fac["person"].append(pid)
            fac["day"].append(day)
            fac["facility"].append(fac_index[facility])
            fac["order"].append(_order(etype, eid))
        if current is not None:
            facts[pid].append(projections.EventFact(id=eid, type=etype, precision=precision, earliest=earliest,
                                                    latest=latest, release_kind=rk or "", deported=dep == "true",
                                                    sentence_kind=sk or ""))

    episodes = _episodes_stored() if current is None else _episodes_projected(facts)

    sentences = Sentence.objects.values_list("event_id", "person_id", "event__type", "event__date_earliest",
                                             "months", "credited_days")
    charges = Charge.objects.values_list("event_id", "person_id", "article__number")
    if current is None:
        sentences = sentences.filter(event__is_current=True)
        charges = charges.filter(event__is_current=True)
    sen: dict[str, list] = defaultdict(list)
    for eid, pid, etype, earliest, months, credited in sentences.iterator(chunk_size=10000):
        if current is not None and eid not in current:
            continue
        sen["person"].append(pid)
        sen["day"].append(earliest.toordinal())
        sen["type"].append(etype)
        sen["months"].append(-1 if months is None else months)
        sen["credited"].append(-1 if credited is None else credited)
        sen["order"].append(_order(etype, eid))
    articles: dict[str, int] = {}
    cha: dict[str, list] = defaultdict(list)
    for eid, pid, number in charges.iterator(chunk_size=10000):
        if current is not None and eid not in current:
            continue
        cha["person"].append(pid)
        cha["article"].append(articles.setdefault(number, len(articles)))

    return Dataset.build(
        person_id=[p[0] for p in people], sex=[p[1] or "" for p in people], region=[p[2] or "" for p in people],
        birth=[p[3].toordinal() if p[3] else 0 for p in people], groups=groups,
        episodes=episodes, recognitions=rec, organizations=organizations,
        facility_events=fac, facilities=[f[1] for f in fac_rows], facility_kinds=[f[2] for f in fac_rows],
        contacts=con, health=hea, charges=cha, articles=list(articles), sentences=sen,
        end=as_recorded_on or timezone.localdate(), as_recorded_on=as_recorded_on)


def _episodes_stored() -> dict[str, list]:
    ep: dict[str, list] = defaultdict(list)
    rows = CustodyEpisode.objects.values_list("person_id", "seq", "kind", "start_precision", "start_earliest",
                                              "end_precision", "end_earliest", "end_kind", "deported")
    for pid, seq, kind, sp, start, ep_, end, end_kind, deported in rows.iterator(chunk_size=10000):
        _add_episode(ep, pid, seq, kind, sp, start, ep_, end, end_kind, deported)
    return ep


def _episodes_projected(facts: dict[int, list[projections.EventFact]]) -> dict[str, list]:
    ep: dict[str, list] = defaultdict(list)
    for pid, person_facts in facts.items():
        for e in projections.project(person_facts).episodes:
            end = e.end
            _add_episode(ep, pid, e.seq, e.kind, e.start.precision, e.start.earliest,
                         end.precision if end else "", end.earliest if end else None, e.end_kind, e.deported)
    return ep


def _add_episode(ep: dict[str, list], pid: int, seq: int, kind: str, start_precision: str, start: dt.date,
                 end_precision: str, end: dt.date | None, end_kind: str, deported: bool) -> None:
    ep["person"].append(pid)
    ep["seq"].append(seq)
    ep["criminal"].append(kind == "criminal")
    ep["start"].append(start.toordinal())
    ep["end"].append(end.toordinal() if end else OPEN)
    ep["start_exact"].append(start_precision == "day")
    ep["end_exact"].append(end is None or end_precision == "day")
    ep["end_kind"].append(end_kind or "")
    ep["deported"].append(bool(deported))
