"""/staff/: what needs attention, each list linking to the people behind it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from volia.linkage.models import Candidate
from volia.registry.models import Event, EventSource, ImportBatch, Person, PersonName
from volia.security import policy
from volia.stats import engine
from volia.stats.dataset import load_dataset
from volia.web.staff.access import staff_view

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


def _without_contact(visible: QuerySet[Person]) -> tuple[list[Silent], int]:
    """People held today with no proof of contact for NO_CONTACT_DAYS (statistics engine's definition)."""
    figure = engine.incommunicado(load_dataset(), timezone.localdate(), recognition="none")
    over = [p for p in figure["people"]
            if (p["days_since_contact"] is None and p["days_held"] > NO_CONTACT_DAYS)
            or (p["days_since_contact"] or 0) > NO_CONTACT_DAYS]
    allowed = _named(visible.filter(pk__in=[p["person_id"] for p in over])).in_bulk()
    rows = [Silent(allowed[p["person_id"]], p["days_since_contact"], p["last_contact"], p["days_held"])
            for p in over if p["person_id"] in allowed]
    return rows[:LIST_LENGTH], len(rows)


@staff_view("person.view_history")
def dashboard(request: HttpRequest) -> HttpResponse:
    visible = policy.visible_people(request.user)
    silent, silent_total = _without_contact(visible)
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
