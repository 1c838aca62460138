"""/staff/: what needs attention, each list linking to the people behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from volia.linkage.models import Candidate
from volia.registry.models import CustodyEpisode, Event, EventSource, ImportBatch, Person, PersonName
from volia.security import policy
from volia.web.staff.access import render, staff_view

LIST_LENGTH = 15
# proof of life older than this (or none since the detention) puts somebody held on the list
NO_CONTACT_DAYS = 90


@dataclass
class Silent:
    person: Person
    days_since_contact: int | None
    last_contact: str | None
    days_held: int


def _named(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.prefetch_related(Prefetch("names", queryset=PersonName.objects.filter(is_primary=True)))


def without_contact(people: QuerySet[Person], day: dt.date, over_days: int = NO_CONTACT_DAYS,
                    limit: int | None = None) -> tuple[list[Silent], int]:
    """People held at the end of `day` with no proof of contact for more than `over_days`, longest first.

    The statistics engine's "incommunicado" figure (volia.stats.engine.incommunicado, recognition
    "none"), read straight from the stored custody episodes so that the dashboard does not load the
    whole statistics dataset: held = an episode that began on or before the day and had not ended by
    it; the last contact is the latest current `contact` event dated (earliest day) within the episode
    and on or before the day; with none, the time since the detention counts. A test keeps the two
    in step. Returns the first `limit` people (all with None) and how many there are.
    """
    held = (CustodyEpisode.objects.filter(person__in=people, start_earliest__lte=day)
            .filter(Q(end_earliest__isnull=True) | Q(end_earliest__gt=day)))
    # the latest contact on or before the day falls within the open episode exactly when any does
    latest = dict(Event.objects.filter(person__in=held.values("person_id"), type="contact", is_current=True,
                                       date_earliest__lte=day)
                  .values("person_id").annotate(last=Max("date_earliest")).values_list("person_id", "last"))
    rows = [(pid, start, latest[pid] if latest.get(pid) and latest[pid] >= start else None)
            for pid, start in held.values_list("person_id", "start_earliest")]
    found = []
    for pid, start, last in rows:
        without = (day - (last or start)).days
        if without > over_days:
            found.append((-without, pid, start, last))
    found.sort()
    shown = found[:limit]
    named = _named(Person.objects.filter(pk__in=[pid for _, pid, _, _ in shown])).in_bulk()
    return [Silent(named[pid], (day - last).days if last else None, last.isoformat() if last else None,
                   (day - start).days) for _, pid, start, last in shown], len(found)


@staff_view("person.view_history")
def dashboard(request: HttpRequest) -> HttpResponse:
    visible = policy.visible_people(request.user)
    silent, silent_total = without_contact(visible, timezone.localdate(), limit=LIST_LENGTH)
    unverified = (Event.objects.filter(is_current=True, person__in=visible).exclude(confidence="confirmed")
                  .select_related("person").order_by("-recorded_at", "-id"))
    sourced = EventSource.objects.filter(event__person=OuterRef("pk"), event__is_current=True)
    unsourced = visible.filter(~Exists(sourced)).order_by("-created_at", "key")
    imports = list(ImportBatch.objects.filter(finished_at__isnull=False).order_by("-started_at", "-id")[:LIST_LENGTH])
    return render(request, "staff/dashboard.html", {
        "no_contact_days": NO_CONTACT_DAYS,
        "silent": silent, "silent_total": silent_total,
        "unverified": list(unverified[:LIST_LENGTH]), "unverified_total": unverified.count(),
        "unsourced": list(_named(unsourced)[:LIST_LENGTH]), "unsourced_total": unsourced.count(),
        "imports": [(b, len(b.report.get("warnings", []))) for b in imports],
        "queue": Candidate.objects.filter(status="proposed").count(),
        "can_review": policy.can(request.user, "linkage.review"),
        "can_import": policy.can(request.user, "import.run"),
    })
