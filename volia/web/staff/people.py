"""The staff people list and a person's workspace: full timeline, names, status, and the forms
that add, correct and retract events. Every write goes through the registry's services with the
version of the person the editor was looking at, so two editors never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from volia.core import codes
from volia.core.dates import PartialDate, Precision
from volia.core.details import split_article
from volia.registry import services
from volia.registry.models import AuditEntry, CriminalArticle, CustodyEpisode, Event, Person, PersonName, Source
from volia.search.service import search
from volia.security import policy
from volia.web import display
from volia.web.staff import actions
from volia.web.staff.access import render, staff_view
from volia.web.staff.forms import EventForm, NameForm, NewSourceFormSet, ReasonForm, add_service_errors, new_sources

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200


def _person(request: HttpRequest, key: str) -> Person:
    """The person with this key if this user may see them (merged records are nobody's: 404)."""
    found = (policy.visible_people(request.user)
             .prefetch_related(Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "language",
                                                                                       "text")), "groups")
             .filter(key=key).first())
    if found is None:
        raise Http404("no such person")
    return found


def _merged_redirect(request: HttpRequest, key: str) -> HttpResponse | None:
    """For the key of a merged record, a redirect to its survivor's workspace (if the user may see it)."""
    survivor_id = Person.objects.filter(key=key, merged_into__isnull=False).values_list("merged_into", flat=True)
    survivor = policy.visible_people(request.user).filter(pk__in=survivor_id).first()
    if survivor is None:
        return None
    messages.info(request, f"{key} was merged into {survivor.key}.")
    return redirect("staff:person", key=survivor.key)


# --- the list ------------------------------------------------------------------------------------


@staff_view("person.view_history")
def people(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    visible = policy.visible_people(request.user)
    if q:
        hits = search(q, limit=PAGE_SIZE, people=visible)
        found = visible.filter(pk__in=[h.person_id for h in hits]).prefetch_related("names").in_bulk()
        rows = [(found[h.person_id], h) for h in hits if h.person_id in found]
        return render(request, "staff/people.html", {"q": q, "rows": rows, "page": None})
    page = Paginator(visible.order_by("key").prefetch_related("names"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/people.html", {"q": q, "rows": [(p, None) for p in page.object_list],
                                                 "page": page})


# --- the workspace -------------------------------------------------------------------------------


@dataclass
class SourceLine:
    """A source as this viewer may see it, with its link only if it is a plain web link."""

    view: policy.SourceView
    url: str


@dataclass
class Entry:
    """One event of the full history, current or not."""

    event: Event
    label: str
    details: list[tuple[str, str]]
    sources: list[SourceLine]
    successor: Event | None = None
    reason: str = ""
    retraction_reason: str = ""

    @property
    def state(self) -> str:
        if self.event.is_current:
            return "current"
        return "retracted" if self.successor is not None and self.successor.is_retraction else "superseded"


@dataclass
class Episode:
    """A custody episode with its dates as reported (a partial date stays partial)."""

    ep: CustodyEpisode

    @property
    def start(self) -> str:
        return str(PartialDate(Precision(self.ep.start_precision), self.ep.start_earliest, self.ep.start_latest))

    @property
    def end(self) -> str:
        if self.ep.end_earliest is None or self.ep.end_latest is None:
            return ""
        return str(PartialDate(Precision(self.ep.end_precision), self.ep.end_earliest, self.ep.end_latest))

    @property
    def end_kind(self) -> str:
        return display.END_KINDS.get(self.ep.end_kind, self.ep.end_kind)


@dataclass
class Workspace:
    entries: list[Entry] = field(default_factory=list)
    corrections: int = 0
    retractions: int = 0


def _workspace(person: Person, user) -> Workspace:
    """The whole history in a fixed number of queries, whatever its length."""
    events = list(Event.objects.filter(person=person).select_related("facility", "organization", "case")
                  .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("title"))))
    successor = {e.supersedes_id: e for e in events if e.supersedes_id}
    reasons = dict(AuditEntry.objects.filter(person=person, object_type="Event",
                                             action__in=("correct_event", "retract_event", "record_event"))
                   .exclude(reason="").values_list("object_id", "reason"))
    numbers = {split_article(str(a))[0] for e in events for a in e.details.get("articles", [])}
    titles = dict(CriminalArticle.objects.filter(number__in=numbers).exclude(title_en="")
                  .values_list("number", "title_en")) if numbers else {}
    events.sort(key=lambda e: (e.date_earliest, codes.EVENT_ORDER.get(e.type, 0), e.id))
    ws = Workspace()
    for e in events:
        if e.is_retraction:
            ws.retractions += 1
            continue  # shown on the event it withdraws
        if e.supersedes_id:
            ws.corrections += 1
        nxt = successor.get(e.id)
        ws.entries.append(Entry(
            event=e, label=codes.EVENT_TYPES[e.type].label if e.type in codes.EVENT_TYPES else e.type,
            details=display.detail_lines(policy.visible_details(e, user), titles),
            sources=[SourceLine(v, display.safe_url(v.url)) for v in policy.visible_sources(e, user)],
            successor=nxt, reason=reasons.get(e.id, ""),
            retraction_reason=reasons.get(nxt.id, "") if nxt is not None and nxt.is_retraction else ""))
    return ws


def _log_restricted(request: HttpRequest, person: Person) -> None:
    if person.visibility == "restricted":
        services.log_access(services.Actor.of_user(request.user), "person.view",
                            {"person": person.key, "page": "staff workspace"})


@staff_view("person.view_history")
def person(request: HttpRequest, key: str) -> HttpResponse:
    try:
        found = _person(request, key)
    except Http404:
        if (moved := _merged_redirect(request, key)) is not None:
            return moved
        raise
    _log_restricted(request, found)
    names = list(found.names.all())
    status = (found.status_periods.filter(end__isnull=True).order_by("-start").values_list("status", flat=True)
              .first()) or "unknown"
    episodes = [Episode(ep) for ep in CustodyEpisode.objects.filter(person=found).order_by("seq")]
    return render(request, "staff/person.html", {
        "person": found, "primary": found.primary, "names": names,
        "status_code": status, "status": display.STATUS_LABELS.get(status, status),
        "groups": [codes.GROUPS.get(g.group, g.group) for g in found.groups.all()],
        "episodes": episodes, "ws": _workspace(found, request.user),
        "can_edit": policy.can(request.user, "event.record", found),
    })


# --- writes --------------------------------------------------------------------------------------


def _sources_for(person: Person, user) -> QuerySet[Source]:
    """The sources already cited for this person, at the levels this viewer may see, to tick in the form."""
    levels = sorted(policy.SOURCE_LEVELS[policy.role(user)])
    return Source.objects.filter(events__person=person, visibility__in=levels).distinct().order_by("title")


def _conflict(form, exc: services.ConflictError) -> None:
    form.add_error(None, f"Nothing was saved: {exc}. Check the person's timeline (it opens in the link above); "
                         "if your change still applies, submit this form again.")
    # the next submit is based on what the editor has now been told about
    form.data = form.data.copy()
    form.data["expected_version"] = str(exc.actual)


def _event_fields(form: EventForm) -> dict[str, object]:
    d = form.cleaned_data
    return {"type": d["type"], "date": d["date"], "facility": d["facility"], "organization": d["organization"],
            "details": form.details(), "confidence": d["confidence"], "note": d["note"]}


def _workspace_url(person: Person) -> str:
    return reverse("staff:person", kwargs={"key": person.key})


def _save_event(request: HttpRequest, person: Person, form: EventForm, formset: Any,
                save: Callable[..., Event]) -> Event | None:
    """On a valid POST, `save(actor=..., expected_version=..., sources=..., ...)` (record or correct an
    event with its sources); the saved event, or None with the errors on the form (or not a POST)."""
    if request.method != "POST":
        return None
    policy.require(request.user, "event.record", person)
    if not (form.is_valid() and formset.is_valid()):
        return None
    try:
        return save(actor=services.Actor.of_user(request.user), expected_version=form.cleaned_data["expected_version"],
                    sources=form.picked_sources(), new_sources=new_sources(formset),
                    reason=form.cleaned_data["reason"], **_event_fields(form))
    except services.ConflictError as exc:
        _conflict(form, exc)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


@staff_view("person.view_history")
def add_event(request: HttpRequest, key: str) -> HttpResponse:
    found = _person(request, key)
    form = EventForm(request.POST or None, sources=_sources_for(found, request.user),
                     initial={"expected_version": found.version, "confidence": "confirmed"})
    formset = NewSourceFormSet(request.POST or None, prefix="new")
    saved = _save_event(request, found, form, formset, lambda **kw: actions.record_event_with_sources(found, **kw))
    if saved is not None:
        messages.success(request, f"Recorded event #{saved.pk}: {codes.EVENT_TYPES[saved.type].label} "
                                  f"{saved.date}.")
        return HttpResponseRedirect(_workspace_url(found) + f"#event-{saved.pk}")
    return render(request, "staff/event_form.html", {
        "person": found, "form": form, "formset": formset, "title": "Add an event",
        "can_edit": policy.can(request.user, "event.record", found)})


def _current_event(person: Person, event_id: int) -> Event:
    event = (Event.objects.filter(person=person, pk=event_id, is_retraction=False)
             .select_related("facility", "organization").prefetch_related("sources").first())
    if event is None:
        raise Http404("no such event for this person")
    return event


@staff_view("person.view_history")
def correct_event(request: HttpRequest, key: str, event_id: int) -> HttpResponse:
    found = _person(request, key)
    event = _current_event(found, event_id)
    form = EventForm(request.POST or None, sources=_sources_for(found, request.user), reason_required=True,
                     initial=EventForm.initial_for(event, found.version, policy.visible_details(event, request.user),
                                                   [v.source for v in policy.visible_sources(event, request.user)
                                                    if v.source is not None]))
    formset = NewSourceFormSet(request.POST or None, prefix="new")
    new = _save_event(request, found, form, formset, lambda **kw: actions.correct_event_with_sources(event, **kw))
    if new is not None:
        messages.success(request, f"Event #{event.pk} corrected: the correction is event #{new.pk}; "
                                  "the earlier version stays in the history.")
        return HttpResponseRedirect(_workspace_url(found) + f"#event-{new.pk}")
    return render(request, "staff/event_form.html", {
        "person": found, "form": form, "formset": formset, "event": event,
        "title": f"Correct event #{event.pk}", "can_edit": policy.can(request.user, "event.record", found)})


@staff_view("person.view_history")
def retract_event(request: HttpRequest, key: str, event_id: int) -> HttpResponse:
    found = _person(request, key)
    event = _current_event(found, event_id)
    form = ReasonForm(request.POST or None, initial={"expected_version": found.version})
    if request.method == "POST":
        policy.require(request.user, "event.record", found)
        if form.is_valid():
            try:
                services.retract_event(event, actor=services.Actor.of_user(request.user),
                                       reason=form.cleaned_data["reason"],
                                       expected_version=form.cleaned_data["expected_version"])
            except services.ConflictError as exc:
                _conflict(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Event #{event.pk} retracted; it stays in the history, greyed out.")
                return HttpResponseRedirect(_workspace_url(found) + f"#event-{event.pk}")
    label = codes.EVENT_TYPES[event.type].label if event.type in codes.EVENT_TYPES else event.type
    return render(request, "staff/retract.html", {
        "person": found, "event": event, "label": label, "form": form,
        "can_edit": policy.can(request.user, "event.record", found)})


@staff_view("person.view_history")
def add_name(request: HttpRequest, key: str) -> HttpResponse:
    found = _person(request, key)
    form = NameForm(request.POST or None, initial={"expected_version": found.version})
    if request.method == "POST":
        policy.require(request.user, "person.edit", found)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.add_name(found, d["text"], d["language"], d["kind"],
                                  actor=services.Actor.of_user(request.user), reason=d["reason"],
                                  expected_version=d["expected_version"])
            except services.ConflictError as exc:
                _conflict(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Name {d['text']!r} added.")
                return HttpResponseRedirect(_workspace_url(found) + "#names")
    return render(request, "staff/name_form.html", {"person": found, "form": form,
                                                    "can_edit": policy.can(request.user, "person.edit", found)})
