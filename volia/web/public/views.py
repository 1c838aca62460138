"""The public pages. Thin: ask `volia.security.policy` what the reader may see, read, render.

Every view is wrapped in `cache.public_page` (anonymous readers share cached pages). Pages need no
JavaScript and load nothing from elsewhere (volia.accounts.middleware sets the Content-Security-Policy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from volia.accounts.roles import PUBLIC
from volia.core import codes
from volia.core.dates import PartialDate, Precision, add_months
from volia.registry.models import (
    Charge,
    CriminalArticle,
    CustodyEpisode,
    Event,
    Facility,
    Person,
    PersonGroup,
    PersonName,
    Source,
    StatusPeriod,
)
from volia.security import policy
from volia.web import charts
from volia.web.public import figures, labels, text
from volia.web.public.cache import cached_value, public_page
from volia.web.views import has_demo_data

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
BIRTHDAY_DAYS = 28
RELEASE_DAYS = 90
SENTENCE_EVENTS = ("sentenced", "appeal_decided", "sentence_changed")
LANGUAGE_NAMES = {"be": "Беларуская", "ru": "Русский", "en": "English"}
FILTERS = ("status", "region", "article", "facility", "group", "figure")


# --- rendering ---------------------------------------------------------------------------------


def _switch_links(request: HttpRequest) -> list[dict[str, Any]]:
    """The same page in each language: /be/people/?page=2 → /ru/people/?page=2."""
    full = request.get_full_path()
    current = text.language()
    rest = full[len(current) + 1:] if full.startswith(f"/{current}/") else "/"
    published = getattr(request, "volia_languages", LANGUAGE_NAMES)  # `volia publish --lang` may publish fewer
    return [{"code": code, "name": name, "url": f"/{code}{rest}", "current": code == current}
            for code, name in LANGUAGE_NAMES.items() if code in published]


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    static = bool(getattr(request, "volia_static", False))
    return render(request, template, {
        **context, "lang": text.language(), "languages": _switch_links(request), "static_site": static,
        # once per data version: the LIKE 'demo-%' behind it reads every person on SQLite
        "demo": cached_value("demo", has_demo_data, per_language=False,
                             version=getattr(request, "volia_data_version", None)),
    }, status=status)


def _people(request: HttpRequest) -> QuerySet[Person]:
    return policy.visible_people(request.user)


# --- the people behind rows ----------------------------------------------------------------------


@dataclass
class PersonRow:
    person: Person
    name: PersonName | None
    matched: str
    status_code: str
    facility: Facility | None

    @property
    def status(self) -> str:
        return labels.label(labels.STATUS, self.status_code)

    @property
    def facility_name(self) -> str:
        return text.facility_name(self.facility)


def status_and_facility(ids: list[int]) -> tuple[dict[int, str], dict[int, int]]:
    """Current status and the facility of the latest current event that names one, for these people."""
    if not ids:
        return {}, {}
    open_status = StatusPeriod.objects.filter(person=OuterRef("pk"), end__isnull=True).order_by("-start")
    last_facility = (Event.objects.filter(person=OuterRef("pk"), is_current=True, facility__isnull=False)
                     .order_by("-date_earliest", "-id"))
    rows = (Person.objects.filter(pk__in=ids).order_by()
            .annotate(s=Subquery(open_status.values("status")[:1]), f=Subquery(last_facility.values("facility_id")[:1]))
            .values_list("pk", "s", "f"))
    status, facility = {}, {}
    for pk, s, f in rows:
        if s:
            status[pk] = s
        if f:
            facility[pk] = f
    return status, facility


def person_rows(persons: list[Person], matched: dict[int, str] | None = None) -> list[PersonRow]:
    status, facility_of = status_and_facility([p.pk for p in persons])
    facilities = Facility.objects.in_bulk(set(facility_of.values()))
    lang = text.language()
    return [PersonRow(person=p, name=text.local_name(p.names.all(), lang), matched=(matched or {}).get(p.pk, ""),
                      status_code=status.get(p.pk, "unknown"), facility=facilities.get(facility_of.get(p.pk, 0)))
            for p in persons]


def _ordered(people: QuerySet[Person]) -> QuerySet[Person]:
    return (people.annotate(pname=FilteredRelation("names", condition=Q(names__is_primary=True)))
            .order_by(Coalesce("pname__text", "key"), "key")
            .prefetch_related(Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id"))))


# --- search --------------------------------------------------------------------------------------


def _name_condition(q: str) -> Q:
    # SQLite's LIKE folds ASCII only; PostgreSQL's UPPER() folds every script
    variants = {q}
    if connection.vendor == "sqlite":
        variants |= {q.lower(), q.upper(), q.title(), q.capitalize()}
    cond = Q()
    for v in sorted(variants):
        cond |= Q(text__icontains=v)
    return cond


def search_people(q: str, people: QuerySet[Person], limit: int = 200) -> tuple[list[int], dict[int, str]]:
    """Person ids best first, and the spelling that matched, for a query in any script.

    The cross-script search (`volia.search`) when it is installed; else a plain substring match.
    """
    try:
        from volia.search.service import search
    except ImportError:
        ids = list(people.filter(pk__in=PersonName.objects.filter(_name_condition(q)).values("person_id"))
                   .order_by("key").values_list("pk", flat=True)[:limit])
        return ids, {}
    hits = search(q, limit=limit, people=people)
    return [h.person_id for h in hits], {h.person_id: h.matched for h in hits}


# --- home ----------------------------------------------------------------------------------------


@public_page
def home(request: HttpRequest) -> HttpResponse:
    stats = figures.public_stats()
    key_figures = [{"code": code, "value": stats.figures[code], "label": label, "definition": definition,
                    "people_url": reverse("public:people") + f"?figure={code}"}
                   for code, (label, definition) in figures.KEY_FIGURES.items()]
    return _render(request, "public/home.html", {"figures": key_figures, "day": stats.day})


# --- people ---------------------------------------------------------------------------------------


class BadParameter(Exception):
    def __init__(self, name: str, value: str):
        super().__init__(name, value)
        self.name, self.value = name, value


def _choice(request: HttpRequest, name: str, allowed: Iterable[str]) -> str:
    value = request.GET.get(name, "").strip()
    if value and value not in set(allowed):
        raise BadParameter(name, value)
    return value


@public_page
def people(request: HttpRequest) -> HttpResponse:
    try:
        return _people_page(request)
    except BadParameter as e:
        message = _("Unknown value “%(value)s” for the filter “%(name)s”.") % {"value": e.value[:100],
                                                                           "name": e.name}
        return _render(request, "public/error.html", {"message": message}, status=400)


def _people_page(request: HttpRequest) -> HttpResponse:
    visible = _people(request)
    q = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    chosen = {
        "status": _choice(request, "status", labels.STATUS),
        "region": _choice(request, "region", codes.REGIONS),
        "group": _choice(request, "group", codes.GROUPS),
        "figure": _choice(request, "figure", figures.KEY_FIGURES),
        "article": request.GET.get("article", "").strip()[:20],
        "facility": request.GET.get("facility", "").strip()[:100],
    }
    found = visible
    if chosen["status"]:
        found = found.filter(pk__in=StatusPeriod.objects.filter(end__isnull=True, status=chosen["status"])
                             .values("person_id"))
    if chosen["region"]:
        found = found.filter(region=chosen["region"])
    if chosen["group"]:
        found = found.filter(groups__group=chosen["group"])
    if chosen["article"]:
        found = found.filter(pk__in=Charge.objects.filter(article__number=chosen["article"], event__is_current=True)
                             .values("person_id"))
    facility = None
    if chosen["facility"]:
        facility = Facility.objects.filter(code=chosen["facility"]).first()
        if facility is None:
            raise BadParameter("facility", chosen["facility"])
        found = found.filter(pk__in=_held_in(facility))
    matched: dict[int, str] = {}
    if q or chosen["figure"]:
        # a list of ids: search ranks best first; a figure's people (possibly tens of thousands) are
        # intersected here rather than sent to the database as one huge IN (...)
        figure = chosen["figure"]

        def behind_figure(ids: list[int]) -> list[int]:
            behind = set(figures.public_stats().people[figure])
            return [i for i in ids if i in behind]

        if q:
            ids, matched = search_people(q, found)
            ids = behind_figure(ids) if figure else ids
        elif policy.role(request.user) == PUBLIC and not any(v for k, v in chosen.items() if k != "figure"):
            # the people behind a key figure, for the public: once per data version (a page of them
            # otherwise reads every visible person and the figure's ids: 70-95 ms at 100,000 people)
            ids = cached_value(f"people-figure:{figure}",
                               lambda: behind_figure(list(found.order_by("pk").values_list("pk", flat=True))),
                               per_language=False, version=getattr(request, "volia_data_version", None))
        else:
            ids = list(found.order_by("pk").values_list("pk", flat=True))
            ids = behind_figure(ids) if figure else ids
        id_page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
        by_id = found.filter(pk__in=list(id_page.object_list)).prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id"))).in_bulk()
        persons = [by_id[i] for i in id_page.object_list if i in by_id]
        page: Any = id_page
    elif policy.role(request.user) == PUBLIC:
        # every page of the plain list for the public: the order (a sort of every visible person by name)
        # is computed once per data version, each page then reads its 50 people by id
        order = cached_value("people-order", lambda: list(_ordered(found).values_list("pk", flat=True)),
                             per_language=False, version=getattr(request, "volia_data_version", None))
        page = Paginator(order, PAGE_SIZE).get_page(request.GET.get("page"))
        by_id = Person.objects.filter(pk__in=list(page.object_list)).prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id"))).in_bulk()
        persons = [by_id[i] for i in page.object_list if i in by_id]
    else:
        page = Paginator(_ordered(found), PAGE_SIZE).get_page(request.GET.get("page"))
        persons = list(page.object_list)
    figure = chosen["figure"]
    return _render(request, "public/people.html", {
        "q": q, "page": page, "rows": person_rows(persons, matched), "chosen": chosen,
        "filtered": any(chosen.values()), "facility": facility, "facility_name": text.facility_name(facility),
        "figure_label": figures.KEY_FIGURES[figure][0] if figure else "",
        "figure_value": figures.public_stats().figures[figure] if figure else None,
        "options": {} if getattr(request, "volia_static", False) else _filter_options(),  # no form offline
    })


def _held_in(facility: Facility) -> QuerySet[Any]:
    """People held now whose latest event naming a facility names this one."""
    last = (Event.objects.filter(person=OuterRef("pk"), is_current=True, facility__isnull=False)
            .order_by("-date_earliest", "-id").values("facility_id")[:1])
    held = StatusPeriod.objects.filter(end__isnull=True, status="held").values("person_id")
    return (Person.objects.filter(pk__in=held).annotate(last_facility=Subquery(last))
            .filter(last_facility=facility.pk).values("pk"))


def _filter_options() -> dict[str, list[tuple[str, str]]]:
    lang = text.language()
    return {
        "status": [(c, str(v)) for c, v in labels.STATUS.items() if c != "unknown"],
        "region": [(c, str(v)) for c, v in labels.REGIONS.items()],
        "group": [(c, str(v)) for c, v in labels.GROUPS.items()],
        "article": [(a.number, f"{a.number} {text.localized(a, 'title', lang)}".strip())
                    for a in CriminalArticle.objects.order_by("number")],
        "facility": sorted(((f.code, text.facility_name(f, lang)) for f in Facility.objects.all()),
                           key=lambda x: x[1]),
    }


# --- one person ----------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    event: Event
    date: str
    label: str
    details: list[tuple[str, str]]
    facility: str
    sources: list[dict[str, str]] = field(default_factory=list)


def _partial(precision: str, earliest: dt.date | None, latest: dt.date | None) -> str:
    if not earliest or not latest:
        return ""
    return str(PartialDate(Precision(precision), earliest, latest))


def _source_dict(view: policy.SourceView) -> dict[str, str]:
    if view.withheld:
        return {"title": _("%(kind)s (details withheld)") % {"kind": labels.label(labels.SOURCE_KINDS, view.kind)},
                "url": ""}
    from volia.web.display import safe_url

    return {"title": view.title, "url": safe_url(view.url)}


PERSON_NAMES = Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "language", "text"))
PERSON_GROUPS = Prefetch("groups", queryset=PersonGroup.objects.order_by("group"))
BATCH = 500  # people read together by `person_facts` (below every database's limit on query parameters)


@dataclass
class PersonFacts:
    """What the person page shows of one person to one reader."""

    person: Person
    seen: policy.RedactedPerson
    events: list[Event]  # the public events, in the timeline's order
    status_code: str | None
    episodes: list[CustodyEpisode]


def person_facts(persons: list[Person], user: Any) -> list[PersonFacts]:
    """The facts of many people in four queries (people given with names and groups prefetched): the
    person page reads one, `volia publish` reads them a few hundred at a time."""
    seen = {p.pk: policy.redact_person(p, user) for p in persons}

    def showing(part: str) -> list[int]:
        return [p.pk for p in persons if seen[p.pk].shows(part)]

    events: dict[int, list[Event]] = {}
    status: dict[int, str] = {}
    episodes: dict[int, list[CustodyEpisode]] = {}
    for ids in _chunks(showing("timeline")):
        for e in (Event.objects.filter(person_id__in=ids, is_current=True)
                  .select_related("facility", "organization")
                  .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("title")))):
            if policy.public_event(e, user):
                events.setdefault(e.person_id, []).append(e)
    for evs in events.values():
        evs.sort(key=lambda e: (e.date_earliest, codes.EVENT_ORDER.get(e.type, 0), e.id))
    for ids in _chunks(showing("status")):
        for pid, code in (StatusPeriod.objects.filter(person_id__in=ids, end__isnull=True)
                          .order_by("person_id", "-start").values_list("person_id", "status")):
            status.setdefault(pid, code)  # the open period that started last
    for ids in _chunks(showing("custody")):
        for ep in CustodyEpisode.objects.filter(person_id__in=ids).order_by("person_id", "seq"):
            episodes.setdefault(ep.person_id, []).append(ep)
    return [PersonFacts(person=p, seen=seen[p.pk], events=events.get(p.pk, []), status_code=status.get(p.pk),
                        episodes=episodes.get(p.pk, [])) for p in persons]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i:i + BATCH]


def article_numbers(facts: PersonFacts, user: Any) -> set[str]:
    return {str(a).split(":")[0] for e in facts.events for a in (policy.visible_details(e, user).get("articles") or [])}


def person_context(facts: PersonFacts, user: Any, lang: str, titles: dict[str, str]) -> dict[str, Any]:
    """The person page's template context (`titles`: the articles' titles in `lang`, by number)."""
    found, seen, events = facts.person, facts.seen, facts.events
    details = {e.pk: policy.visible_details(e, user) for e in events}
    timeline = [TimelineEntry(event=e, date=str(e.date), label=labels.label(labels.EVENT_TYPES, e.type),
                              details=text.detail_lines(details[e.pk], titles),
                              facility=text.facility_name(e.facility, lang),
                              sources=[_source_dict(s) for s in policy.visible_sources(e, user)])
                for e in events]
    charges: dict[str, str] = {}
    for e in events:
        for a in details[e.pk].get("articles") or []:
            charges.setdefault(str(a), text.article_text(str(a), titles))
    sentence = next((e for e in reversed(events) if e.type in SENTENCE_EVENTS
                     and (details[e.pk].get("sentence_months") or details[e.pk].get("sentence_kind"))), None)
    status_code = facts.status_code if seen.shows("status") else None
    facility = next((e.facility for e in reversed(events) if e.facility), None) if seen.shows("facility") else None
    name = text.local_name(seen.names, lang)
    address_name = text.local_name(seen.names, "ru" if lang != "be" else "be")
    episodes = [{"start": _partial(ep.start_precision, ep.start_earliest, ep.start_latest),
                 "end": _partial(ep.end_precision, ep.end_earliest, ep.end_latest),
                 "end_kind": labels.label(labels.END_KINDS, ep.end_kind), "deported": ep.deported}
                for ep in facts.episodes] if seen.shows("custody") else []
    return {
        "person": found, "seen": seen, "name": name,
        "other_names": [n for n in seen.names if n is not name],
        "sex": labels.label(labels.SEX, seen.sex), "region": labels.label(labels.REGIONS, seen.region),
        "groups": [labels.label(labels.GROUPS, g.group) for g in found.groups.all()] if seen.shows("groups") else [],
        "status_code": status_code or "unknown", "status": labels.label(labels.STATUS, status_code or "unknown"),
        "timeline": timeline, "charges": list(charges.values()),
        "sentence": text.detail_lines({k: v for k, v in details[sentence.pk].items()
                                       if k in ("sentence_kind", "sentence_months", "credited_days")}, titles)
        if sentence else [], "sentence_date": str(sentence.date) if sentence else "",
        "facility": facility, "facility_name": text.facility_name(facility, lang),
        "address": text.postal_address(facility, lang) if facility and seen.shows("postal_address") else "",
        "address_name": address_name, "episodes": episodes,
    }


def render_person(request: HttpRequest, facts: PersonFacts, titles: dict[str, str]) -> HttpResponse:
    return _render(request, "public/person.html", person_context(facts, request.user, text.language(), titles))


@public_page
def person(request: HttpRequest, key: str) -> HttpResponse:
    found = get_object_or_404(_people(request).prefetch_related(PERSON_NAMES, PERSON_GROUPS), key=key)
    facts = person_facts([found], request.user)[0]
    return render_person(request, facts, text.article_titles(article_numbers(facts, request.user), text.language()))


# --- facilities -----------------------------------------------------------------------------------


def _held_by_facility(people: QuerySet[Person]) -> dict[int, list[int]]:
    """facility id -> ids of the visible people held now whose latest facility it is."""
    held = list(people.filter(pk__in=StatusPeriod.objects.filter(end__isnull=True, status="held")
                              .values("person_id")).values_list("pk", flat=True))
    out: dict[int, list[int]] = {}
    for i in range(0, len(held), 5000):
        _status, facility_of = status_and_facility(held[i:i + 5000])
        for pid, fid in facility_of.items():
            out.setdefault(fid, []).append(pid)
    return out


@public_page
def facilities(request: HttpRequest) -> HttpResponse:
    held = _held_by_facility(_people(request))
    lang = text.language()
    rows: list[dict[str, Any]] = [
        {"facility": f, "name": text.facility_name(f, lang), "kind": labels.label(labels.FACILITY_KINDS, f.kind),
         "regime": labels.label(labels.REGIMES, f.regime), "region": labels.label(labels.REGIONS, f.region),
         "held": len(held.get(f.pk, []))}
        for f in Facility.objects.all()]
    rows.sort(key=lambda r: (-r["held"], r["name"]))
    return _render(request, "public/facilities.html", {"rows": rows})


@public_page
def facility(request: HttpRequest, code: str) -> HttpResponse:
    found = get_object_or_404(Facility, code=code)
    ids = list(_people(request).filter(pk__in=_held_in(found)).values_list("pk", flat=True))
    persons = list(_ordered(Person.objects.filter(pk__in=ids)))
    lang = text.language()
    return _render(request, "public/facility.html", {
        "facility": found, "name": text.facility_name(found, lang),
        "kind": labels.label(labels.FACILITY_KINDS, found.kind), "regime": labels.label(labels.REGIMES, found.regime),
        "region": labels.label(labels.REGIONS, found.region), "address": text.postal_address(found, lang),
        "rows": person_rows(persons)})


# --- statistics -----------------------------------------------------------------------------------


@public_page
def statistics(request: HttpRequest) -> HttpResponse:
    stats = figures.public_stats()
    series_fig = charts.line_chart(
        "chart-held", _("Political prisoners held each day since 9 August 2020"),
        _("A line of the number of recognised political prisoners held at the end of each day, from %(start)s to "
          "%(end)s: %(last)s on the last day, at most %(max)s.") % {
            "start": stats.series_start, "end": stats.day, "last": charts.number(stats.series[-1] if stats.series
                                                                                 else 0),
            "max": charts.number(max(stats.series, default=0))},
        stats.series_start, stats.series, value_label=_("held"))
    series_fig.columns = [_("Date"), _("Held")]
    flow_names = {"recognized": _("Recognised"), "released_total": _("Released"), "died_in_custody": _("Died")}
    years_fig = charts.bar_chart(
        "chart-years", _("Recognised, released and died in custody, by year"),
        _("Bars for each year since 2020: people first recognised, released, and who died in custody."),
        [charts.Series(k, v) for k, v in flow_names.items()],
        [charts.Category(y["period"], y["period"], [[charts.Segment(k, int(y[k]))] for k in flow_names])
         for y in stats.years], totals=False)
    years_fig.columns = [_("Year"), *flow_names.values()]
    k = policy.min_cell_size()
    breakdowns = [
        (_("By region of residence"), [(labels.label(labels.REGIONS, c), n) for c, n in stats.by_region.items()]),
        (_("By group"), [(labels.label(labels.GROUPS, c), n) for c, n in stats.by_group.items()]),
        (_("By sex"), [(labels.label(labels.SEX, c), n) for c, n in stats.by_sex.items()]),
    ]
    key_figures = [{"code": c, "label": label, "definition": d, "value": stats.figures[c],
                    "engine_definition": stats.definitions[c], "people_url": reverse("public:people") + f"?figure={c}"}
                   for c, (label, d) in figures.KEY_FIGURES.items()]
    return _render(request, "public/statistics.html", {
        "stats": stats, "series_fig": series_fig, "years_fig": years_fig, "breakdowns": breakdowns, "k": k,
        "figures": key_figures})


# --- letters --------------------------------------------------------------------------------------


def _next_birthday(birth: dt.date, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        try:
            day = birth.replace(year=year)
        except ValueError:  # 29 February: celebrated on 28 February in other years
            day = dt.date(year, 2, 28)
        if day >= today:
            return day
    return today


@public_page
def letters(request: HttpRequest) -> HttpResponse:
    today = figures.today()
    held_ids = list(_people(request).filter(pk__in=StatusPeriod.objects.filter(end__isnull=True, status="held")
                                            .values("person_id")).values_list("pk", flat=True))
    birthdays = []
    for p in Person.objects.filter(pk__in=held_ids, birth_precision="day", birth_earliest__isnull=False).only(
            "pk", "birth_earliest"):
        day = _next_birthday(p.birth_earliest, today)  # type: ignore[arg-type]
        if (day - today).days <= BIRTHDAY_DAYS:
            birthdays.append((day, p.pk, day.year - p.birth_earliest.year))  # type: ignore[union-attr]
    releases = _upcoming_releases(held_ids, today, request.user)
    ids = [pid for _d, pid, _a in birthdays] + [pid for _d, pid in releases]
    by_id = {r.person.pk: r for r in person_rows(list(Person.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id")))))}
    return _render(request, "public/letters.html", {
        "today": today, "birthday_days": BIRTHDAY_DAYS, "release_days": RELEASE_DAYS,
        "birthdays": [{"day": d, "age": age, "row": by_id[pid]} for d, pid, age in sorted(birthdays) if pid in by_id],
        "releases": [{"day": d, "row": by_id[pid]} for d, pid in sorted(releases) if pid in by_id],
    })


def _upcoming_releases(held_ids: list[int], today: dt.date, user: Any) -> list[tuple[dt.date, int]]:
    """(expected end of term, person id) within RELEASE_DAYS: the open custody episode's start plus the months
    of the latest public sentence (pre-trial custody counts towards the term)."""
    if not held_ids:
        return []
    starts: dict[int, dt.date] = {}
    for i in range(0, len(held_ids), 5000):
        starts.update(CustodyEpisode.objects.filter(person_id__in=held_ids[i:i + 5000], end_earliest__isnull=True)
                      .values_list("person_id", "start_earliest"))
    latest: dict[int, Event] = {}
    events = (Event.objects.filter(person_id__in=list(starts), is_current=True, type__in=SENTENCE_EVENTS)
              .select_related("person").prefetch_related("sources").order_by("date_earliest", "id"))
    for e in events.iterator(chunk_size=2000):
        if isinstance(e.details.get("sentence_months"), int) and policy.public_event(e, user):
            latest[e.person_id] = e
    out = []
    for pid, e in latest.items():
        end = add_months(starts[pid], e.details["sentence_months"])
        if today <= end <= today + dt.timedelta(days=RELEASE_DAYS):
            out.append((end, pid))
    return out


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The project's 404 handler: the public site's page, translated, under /be/ /ru/ /en/; Django's elsewhere."""
    if get_language_from_path(request.path_info):
        return _render(request, "public/404.html", {}, status=404)
    return page_not_found(request, exception or Http404())
