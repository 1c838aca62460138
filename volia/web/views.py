"""The first read-only web pages: the list of people (with name search) and a person's page.

Do no harm: who sees which people, and which parts of them, is decided by volia.security.policy
alone. A person the viewer may not see is indistinguishable from a key that does not exist (same
404, never counted). Pages are server-rendered, need no JavaScript and load nothing from third parties.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from volia.core import codes
from volia.core.dates import PartialDate, Precision
from volia.core.details import split_article
from volia.demo import KEY_PREFIX
from volia.registry import services
from volia.registry.models import (
    CriminalArticle,
    CustodyEpisode,
    Event,
    Facility,
    Person,
    PersonName,
    Source,
    StatusPeriod,
)
from volia.security import policy
from volia.web import display

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200

GROUP_ORDER = {code: i for i, code in enumerate(codes.GROUPS)}

access_log = logging.getLogger("volia.access")


# --- who sees what -------------------------------------------------------------------------


def sees_everyone(request: HttpRequest) -> bool:
    """May this request read internal data (staff notes, internal sources, statistics behind figures)?"""
    return policy.can(request.user, "person.view_notes")


def visible_people(request: HttpRequest) -> QuerySet[Person]:
    """The people this request may know exist (volia.security.policy.visible_people)."""
    return policy.visible_people(request.user)


def has_demo_data() -> bool:
    return Person.objects.filter(key__startswith=KEY_PREFIX).exists()


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    staff = policy.role(request.user) != "public"
    response = render(request, template, {"staff_view": sees_everyone(request), **context,
                                          "demo": has_demo_data()})
    if staff:
        # pages that may show non-public people must never sit in a shared or disk cache
        patch_cache_control(response, private=True, no_store=True)
    return response


# --- the list --------------------------------------------------------------------------------


def _name_condition(q: str) -> Q:
    # SQLite's LIKE folds case for ASCII letters only, so "алесь" would miss "Алесь"; try the
    # usual spellings of the query too. PostgreSQL's UPPER() folds every script.
    variants = {q}
    if connection.vendor == "sqlite":
        variants |= {q.lower(), q.upper(), q.title(), q.capitalize()}
    cond = Q()
    for v in sorted(variants):
        cond |= Q(text__icontains=v)
    return cond


@dataclass
class PersonRow:
    person: Person
    name: PersonName | None
    matched: PersonName | None
    status_code: str
    facility: Facility | None

    @property
    def status(self) -> str:
        return display.STATUS_LABELS.get(self.status_code, self.status_code)


def people(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    found = visible_people(request)
    if q:
        # a subquery rather than a join: one row per person however many names match
        found = found.filter(pk__in=PersonName.objects.filter(_name_condition(q)).values("person_id"))
    # sort by the primary name through a join (a correlated subquery per person is much slower)
    found = (found.annotate(pname=FilteredRelation("names", condition=Q(names__is_primary=True)))
             .order_by(Coalesce("pname__text", "key"), "key")
             .prefetch_related(Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id"))))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    persons = list(page.object_list)
    status, facility_of = _status_and_facility([p.pk for p in persons])
    facilities = Facility.objects.in_bulk(set(facility_of.values()))
    needle = q.casefold()
    rows = []
    for p in persons:
        primary = p.primary
        matched = None
        if needle and not (primary and needle in primary.text.casefold()):
            matched = next((n for n in p.names.all() if needle in n.text.casefold()), None)
        rows.append(PersonRow(person=p, name=primary, matched=matched, status_code=status.get(p.pk, "unknown"),
                              facility=facilities.get(facility_of.get(p.pk, 0))))
    return _render(request, "web/people.html", {"q": q, "page": page, "rows": rows})


def _status_and_facility(ids: list[int]) -> tuple[dict[int, str], dict[int, int]]:
    """Current status and the facility of the latest current event that has one, for one page of people.

    Computed after paginating so that the subqueries run for these people only, not for every
    person the ordering has to look at.
    """
    if not ids:
        return {}, {}
    open_status = StatusPeriod.objects.filter(person=OuterRef("pk"), end__isnull=True).order_by("-start")
    last_facility = (Event.objects.filter(person=OuterRef("pk"), is_current=True, facility__isnull=False)
                     .order_by("-date_earliest", "-id"))
    rows = (Person.objects.filter(pk__in=ids).order_by()
            .annotate(s=Subquery(open_status.values("status")[:1]),
                      f=Subquery(last_facility.values("facility_id")[:1]))
            .values_list("pk", "s", "f"))
    status, facility = {}, {}
    for pk, s, f in rows:
        if s:
            status[pk] = s
        if f:
            facility[pk] = f
    return status, facility


# --- one person ------------------------------------------------------------------------------


@dataclass
class SourceView:
    title: str
    url: str = ""


@dataclass
class TimelineEntry:
    event: Event
    date: str
    label: str
    details: list[tuple[str, str]]
    sources: list[SourceView] = field(default_factory=list)


@dataclass
class EpisodeView:
    kind: str
    start: str
    end: str
    end_kind: str
    deported: bool


def _partial(precision: str, earliest, latest) -> str:
    if not earliest:
        return ""
    return str(PartialDate(Precision(precision), earliest, latest))


def _source_view(view: policy.SourceView) -> SourceView:
    if view.withheld:
        return SourceView(title=f"{codes.SOURCE_KINDS.get(view.kind, view.kind)} (details withheld)")
    return SourceView(title=view.title, url=display.safe_url(view.url))


def _timeline(person: Person, user) -> list[TimelineEntry]:
    events = [e for e in Event.objects.filter(person=person, is_current=True)
              .select_related("facility", "organization", "case")
              .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("title")))
              if policy.public_event(e, user)]
    # the same order the projections use: a detention before, a release after, the same day's events
    events.sort(key=lambda e: (e.date_earliest, codes.EVENT_ORDER.get(e.type, 0), e.id))
    numbers = {split_article(str(a))[0] for e in events for a in e.details.get("articles", [])}
    titles = dict(CriminalArticle.objects.filter(number__in=numbers).exclude(title_en="")
                  .values_list("number", "title_en")) if numbers else {}
    return [TimelineEntry(event=e, date=str(e.date), label=codes.EVENT_TYPES[e.type].label
                          if e.type in codes.EVENT_TYPES else e.type,
                          details=display.detail_lines(policy.visible_details(e, user), titles),
                          sources=[_source_view(v) for v in policy.visible_sources(e, user)])
            for e in events]


def _episodes(person: Person) -> list[EpisodeView]:
    episodes = CustodyEpisode.objects.filter(person=person).order_by("seq")
    return [EpisodeView(kind=ep.kind, start=_partial(ep.start_precision, ep.start_earliest, ep.start_latest),
                        end=_partial(ep.end_precision, ep.end_earliest, ep.end_latest),
                        end_kind=display.END_KINDS.get(ep.end_kind, ep.end_kind), deported=ep.deported)
            for ep in episodes]


def person(request: HttpRequest, key: str) -> HttpResponse:
    user = request.user
    found = get_object_or_404(
        visible_people(request).prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "language", "text")),
            "groups"),
        key=key)
    if found.visibility == "restricted":
        services.log_access(services.Actor.of_user(user), "person.view", {"person": found.key, "page": "person"})
    elif found.visibility != "public":
        access_log.info("%s viewed %s person %s", request.user.get_username(), found.visibility, found.key)
    seen = policy.redact_person(found, user)
    names = seen.names
    primary = found.primary
    current = (StatusPeriod.objects.filter(person=found, end__isnull=True).order_by("-start")
               .values_list("status", flat=True).first()) if seen.shows("status") else None
    # the template reads the person's own fields: give it a copy without the parts this viewer may not see
    shown = copy.copy(found)
    shown.sex, shown.region, shown.notes = seen.sex, seen.region, seen.notes
    context = {
        "person": shown,
        "primary": primary,
        "other_names": [n for n in names if n is not primary],
        "birth_date": seen.birth_date,
        "groups": [codes.GROUPS.get(g, g) for g in sorted(
            (g.group for g in found.groups.all()), key=lambda g: (GROUP_ORDER.get(g, len(GROUP_ORDER)), g))]
        if seen.shows("groups") else [],
        "status_code": current or "unknown",
        "status": display.STATUS_LABELS[current or "unknown"],
        "episodes": _episodes(found) if seen.shows("custody") else [],
        "timeline": _timeline(found, user),
        "corrections": Event.objects.filter(person=found, supersedes__isnull=False).count()
        if seen.shows("timeline") else 0,
        "staff_view": seen.shows("notes"),
    }
    return _render(request, "web/person.html", context)
