"""The service layer: every change to the registry goes through a function here.

Each function validates its input, writes the change and its audit entry, and brings the
projections of the people it touched up to date, all in one transaction. Views, admin
actions, commands and the importer call these; none of them writes models directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.fields.json import KT
from django.utils import timezone

from volia.core import codes
from volia.core.dates import PartialDate, PartialDateError
from volia.core.details import clean_details, split_article
from volia.core.scripts import guess_language, script_of
from volia.registry import bulk, projections
from volia.registry.models import (
    VISIBILITY,
    AccessLog,
    AuditEntry,
    Case,
    Charge,
    CriminalArticle,
    CustodyEpisode,
    Event,
    EventSource,
    Facility,
    Organization,
    Person,
    PersonGroup,
    PersonName,
    Sentence,
    Source,
    StatusPeriod,
)
from volia.search import index as search_index

SENTENCE_EVENTS = {"sentenced", "appeal_decided", "sentence_changed", "tried_in_absentia"}


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff user or a command run (`cli:alice`)."""

    label: str
    user: Any = None  # a django.contrib.auth user, or None for commands

    @classmethod
    def of_user(cls, user) -> Actor:
        return cls(label=user.get_username(), user=user)


def record_audit(actor: Actor, action: str, obj, *, person: Person | None, changes: dict, reason: str,
                 at: dt.datetime | None = None) -> AuditEntry:
    """Write one audit entry, linked into the hash chain; `obj` must have a primary key (keep it from
    before a delete). Appending locks the chain's head until the transaction ends: call it last."""
    from volia.security import audit_chain

    return audit_chain.append("audit", AuditEntry(
        at=at or timezone.now(), actor=actor.label, user=actor.user, action=action,
        object_type=type(obj).__name__, object_id=obj.pk, person=person,
        changes=audit_chain.jsonable(changes), reason=reason,
    ))


def log_access(actor: Actor, action: str, detail: dict, *, row_count: int | None = None) -> AccessLog:
    """Record a read of restricted data or an export (who, what: ids or filters, how many rows), chained
    like the audit trail. Commits on its own unless the caller is inside a transaction."""
    from volia.security import audit_chain

    if row_count is None and isinstance(detail.get("rows"), int):
        row_count = detail["rows"]
    with transaction.atomic():
        return audit_chain.append("access", AccessLog(
            at=timezone.now(), actor=actor.label, user=actor.user, action=action,
            detail=audit_chain.jsonable(detail), row_count=row_count))


class ConflictError(Exception):
    """An edit was based on an older version of the person than the stored one (optimistic locking)."""

    def __init__(self, person: Person, expected: int, actual: int):
        last = AuditEntry.objects.filter(person=person).order_by("-seq", "-id").first()
        self.person_key, self.expected, self.actual = person.key, expected, actual
        self.changed_by = last.actor if last else "somebody"
        self.changed_at = last.at if last else None
        when = f" at {timezone.localtime(self.changed_at):%Y-%m-%d %H:%M:%S}" if self.changed_at else ""
        super().__init__(f"{person.key} was changed by {self.changed_by}{when} since you opened it "
                         f"(version {expected}, now {actual}); reload it and make your change again")


def history(obj) -> list[AuditEntry]:
    """Every audit entry about a record; for a person, also those about their events and names."""
    qs = AuditEntry.objects.filter(object_type=type(obj).__name__, object_id=obj.pk)
    if isinstance(obj, Person):
        qs = AuditEntry.objects.filter(person=obj) | qs
    return list(qs.order_by("at", "id"))


# --- identity of facts -------------------------------------------------------------------


def content_hash(event_type: str, date: PartialDate, facility_id: int | None, organization_id: int | None,
                 case_id: int | None, details: dict) -> str:
    """Two reports of the same fact get the same hash, whatever their sources, notes or confidence."""
    payload = json.dumps([event_type, str(date), facility_id, organization_id, case_id, details],
                         sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


# --- projections -------------------------------------------------------------------------

def compute_projections(person_ids: Sequence[int]) -> dict[int, projections.Projection]:
    facts: dict[int, list[projections.EventFact]] = {pid: [] for pid in person_ids}
    # only the three details the projections use are read, extracted by the database
    rows = (Event.objects.filter(person_id__in=person_ids, is_current=True)
            .annotate(rk=KT("details__release_kind"), dep=KT("details__deported"), sk=KT("details__sentence_kind"))
            .values_list("id", "person_id", "type", "date_precision", "date_earliest", "date_latest", "rk", "dep",
                         "sk"))
    for eid, pid, etype, precision, earliest, latest, rk, dep, sk in rows.iterator(chunk_size=5000):
        facts[pid].append(projections.EventFact(id=eid, type=etype, precision=precision, earliest=earliest,
                                                latest=latest, release_kind=rk or "", deported=dep == "true",
                                                sentence_kind=sk or ""))
    return {pid: projections.project(f) for pid, f in facts.items()}


EPISODE_COLUMNS = ["person_id", "seq", "kind", "start_event_id", "start_precision", "start_earliest", "start_latest",
                   "end_event_id", "end_precision", "end_earliest", "end_latest", "end_kind", "deported"]


def write_projections(projected: dict[int, projections.Projection]) -> None:
    ids = list(projected)
    CustodyEpisode.objects.filter(person_id__in=ids).delete()
    StatusPeriod.objects.filter(person_id__in=ids).delete()
    bulk.insert(CustodyEpisode, EPISODE_COLUMNS,
                [(pid, *ep.as_row()) for pid, proj in projected.items() for ep in proj.episodes])
    bulk.insert(StatusPeriod, ["person_id", "status", "start", "end"],
                [(pid, *p.as_row()) for pid, proj in projected.items() for p in proj.periods])


def refresh_projections(person_ids: Sequence[int]) -> dict[int, projections.Projection]:
    """Recompute and store the projections of these people; returns them (with anomalies)."""
    projected = compute_projections(person_ids)
    write_projections(projected)
    return projected


def _stored(person_ids: Sequence[int]) -> dict[int, tuple[list[tuple], list[tuple]]]:
    out: dict[int, tuple[list[tuple], list[tuple]]] = {pid: ([], []) for pid in person_ids}
    for e in CustodyEpisode.objects.filter(person_id__in=person_ids).order_by("person_id", "seq").values_list(
            *EPISODE_COLUMNS):
        out[e[0]][0].append(tuple(e[1:]))
    for p in StatusPeriod.objects.filter(person_id__in=person_ids).order_by("person_id", "start").values_list(
            "person_id", "status", "start", "end"):
        out[p[0]][1].append(tuple(p[1:]))
    return out


def _person_chunks(chunk: int = 2000) -> Iterable[list[int]]:
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    for i in range(0, len(ids), chunk):
        yield ids[i:i + chunk]


def check_projections() -> list[str]:
    """Compare the stored projections with a full rebuild; returns the differences found."""
    problems: list[str] = []
    for ids in _person_chunks():
        computed = compute_projections(ids)
        stored = _stored(ids)
        for pid in ids:
            proj = computed[pid]
            want = ([e.as_row() for e in proj.episodes], [p.as_row() for p in proj.periods])
            if stored[pid] != want:
                problems.append(f"person #{pid}: stored projections differ from a rebuild "
                                f"(stored {stored[pid]!r}, rebuilt {want!r})")
            problems.extend(f"person #{pid}: event #{a.event_id}: {a.reason}" for a in proj.errors)
    # the current flag is itself derived from the supersession chain
    stale = Event.objects.filter(is_current=True).filter(superseded_by__isnull=False).count()
    stale += Event.objects.filter(is_current=True, is_retraction=True).count()
    if stale:
        problems.append(f"{stale} event(s) marked current although superseded or retractions")
    lost = Event.objects.filter(is_current=False, is_retraction=False, superseded_by__isnull=True).count()
    if lost:
        problems.append(f"{lost} event(s) marked not current although nothing supersedes them")
    return problems


def rebuild_projections() -> int:
    """Recreate every projection from the events; returns the number of people."""
    n = 0
    for ids in _person_chunks():
        with transaction.atomic():
            refresh_projections(ids)
        n += len(ids)
    return n


def status_on(person: Person, day: dt.date) -> str:
    """held, house_arrest, released, exile, deceased, or unknown (nothing recorded yet)."""
    p = person.status_periods.filter(start__lte=day).order_by("-start").first()
    if p is None or (p.end is not None and p.end <= day):
        return "unknown"
    return p.status


# --- people and names --------------------------------------------------------------------


def _clean_partial(value: PartialDate | str | None, field: str) -> PartialDate | None:
    if value is None or value == "":
        return None
    if isinstance(value, PartialDate):
        return value
    try:
        return PartialDate.parse(value)
    except PartialDateError as exc:
        raise ValidationError({field: str(exc)}) from exc


@transaction.atomic
def create_person(key: str, name: str, language: str = "", *, actor: Actor, reason: str = "",
                  sex: str = "", birth_date: PartialDate | str | None = None, region: str = "",
                  groups: Iterable[str] = (), visibility: str = "internal") -> Person:
    key, name = key.strip(), name.strip()
    if not key:
        raise ValidationError({"key": "a person needs a key"})
    if not name:
        raise ValidationError({"name": "a person needs a name"})
    if Person.objects.filter(key=key).exists():
        raise ValidationError({"key": f"a person with key {key!r} exists already"})
    if sex and sex not in codes.SEX:
        raise ValidationError({"sex": f"unknown sex code {sex!r}"})
    if region and region not in codes.REGIONS:
        raise ValidationError({"region": f"unknown region code {region!r}"})
    if visibility not in dict(VISIBILITY):
        raise ValidationError({"visibility": f"unknown visibility {visibility!r}"})
    bad_groups = [g for g in groups if g not in codes.GROUPS]
    if bad_groups:
        raise ValidationError({"groups": f"unknown group code(s): {', '.join(bad_groups)}"})
    born = _clean_partial(birth_date, "birth_date")
    person = Person.objects.create(
        key=key, sex=sex, region=region, visibility=visibility,
        birth_precision=born.precision.value if born else "",
        birth_earliest=born.earliest if born else None, birth_latest=born.latest if born else None)
    PersonGroup.objects.bulk_create([PersonGroup(person=person, group=g) for g in groups])
    lang = language or guess_language(name)
    PersonName.objects.create(person=person, text=name, language=lang, script=script_of(name),
                              kind="primary", is_primary=True)
    search_index.refresh([person.id])
    record_audit(actor, "create_person", person, person=person, reason=reason,
           changes={"key": key, "name": name, "language": lang, "sex": sex, "region": region,
                    "birth_date": str(born) if born else "", "groups": list(groups),
                    "visibility": visibility})
    return person


@transaction.atomic
def add_name(person: Person, text: str, language: str = "", kind: str = "alias", *, actor: Actor,
             reason: str = "", expected_version: int | None = None) -> PersonName:
    version = _lock(person.pk, expected_version, person)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "empty name"})
    lang = language or guess_language(text)
    if lang not in codes.LANGUAGES:
        raise ValidationError({"language": f"unknown language {lang!r}"})
    if kind not in codes.NAME_KINDS or kind == "primary":
        raise ValidationError({"kind": f"not a name kind for an added name: {kind!r}"})
    if person.names.filter(text=text, language=lang).exists():
        raise ValidationError({"text": f"{person.key} already has the name {text!r} [{lang}]"})
    name = PersonName.objects.create(person=person, text=text, language=lang, script=script_of(text),
                                     kind=kind)
    search_index.refresh([person.id])
    record_audit(actor, "add_name", name, person=person, reason=reason,
           changes={"text": text, "language": lang, "kind": kind})
    person.version = version
    return name


# --- events ------------------------------------------------------------------------------


def ensure_articles(numbers: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """Ids of the given article numbers; unknown numbers are added (returned as the second value)."""
    wanted = set(numbers)
    known = dict(CriminalArticle.objects.filter(number__in=wanted).values_list("number", "id"))
    created = sorted(wanted - set(known))
    for number in created:
        known[number] = CriminalArticle.objects.create(number=number).id
    return known, created


class EventRecord(NamedTuple):
    """What `derive_records` needs of a new event."""

    id: int
    person_id: int
    case_id: int | None
    type: str
    details: dict


def derive_records(events: Sequence[EventRecord]) -> list[str]:
    """Write the Charge and Sentence rows that these (new) events report; returns new article numbers."""
    numbers = {split_article(a)[0] for e in events for a in e.details.get("articles", [])}
    article_ids, created = ensure_articles(numbers)
    charges, sentences = [], []
    for e in events:
        d = e.details
        for a in d.get("articles", []):
            number, part = split_article(a)
            charges.append((e.id, e.person_id, e.case_id, article_ids[number], part))
        if e.type in SENTENCE_EVENTS and ("sentence_months" in d or "sentence_kind" in d):
            sentences.append((e.id, e.person_id, e.case_id, d.get("sentence_kind", ""), d.get("sentence_months"),
                              d.get("credited_days"), d.get("fine")))
    bulk.insert(Charge, ["event_id", "person_id", "case_id", "article_id", "part"], charges)
    bulk.insert(Sentence, ["event_id", "person_id", "case_id", "kind", "months", "credited_days", "fine"], sentences)
    return created


def _record(e: Event) -> EventRecord:
    return EventRecord(e.id, e.person_id, e.case_id, e.type, e.details)


def _lock(person_id: int, expected_version: int | None = None, person: Person | None = None) -> int:
    """Serialise writes to one person's history, so that two editors' projections never interleave;
    refuse (ConflictError) when the caller's `expected_version` is not the stored one. Then raise the
    version (the caller is about to change the person) and return the new one; the caller sets it on
    its instance once nothing can fail any more (a rollback would leave the instance ahead)."""
    stored = Person.objects.select_for_update().filter(pk=person_id).values_list("version", flat=True).first()
    if stored is None:
        raise ValidationError(f"person #{person_id} does not exist")
    if expected_version is not None and expected_version != stored:
        raise ConflictError(person or Person.objects.get(pk=person_id), expected_version, stored)
    Person.objects.filter(pk=person_id).update(version=F("version") + 1)
    return stored + 1


def lock_person(person: Person, expected_version: int | None = None) -> int:
    """For services outside this module that change a person: lock, check the version, raise it. Returns the
    new version; set it on `person` when the change can no longer fail."""
    return _lock(person.pk, expected_version, person)


def bump_versions(person_ids: Iterable[int]) -> None:
    """Raise the version of people changed in bulk (the importer); one UPDATE per chunk."""
    ids = sorted(set(person_ids))
    for i in range(0, len(ids), 5000):
        Person.objects.filter(pk__in=ids[i:i + 5000]).update(version=F("version") + 1)


def _current_for_update(event: Event, expected_version: int | None = None) -> Event:
    """Lock the event's person and take the event out of the current history (to be superseded)."""
    _lock(event.person_id, expected_version)
    old = Event.objects.select_for_update().get(pk=event.pk)
    if not old.is_current:
        raise ValidationError("only a current event can be corrected or retracted; this one was superseded")
    old.is_current = False
    old.save(update_fields=["is_current"])
    return old


def _validated(event_type: str, date: PartialDate | str, facility: Facility | None,
               organization: Organization | None, details: dict | None,
               confidence: str) -> tuple[PartialDate, dict]:
    errors: dict[str, list[str]] = defaultdict(list)
    if event_type not in codes.EVENT_TYPES:
        raise ValidationError({"type": f"unknown event type {event_type!r}"})
    day = _clean_partial(date, "date")
    if day is None:
        errors["date"].append("an event needs a date")
    elif day.earliest > timezone.localdate():
        errors["date"].append(f"{day} is in the future")
    clean, problems = clean_details(event_type, dict(details or {}))
    for p in problems:
        errors[p.field].append(p.reason)
    required = codes.EVENT_TYPES[event_type].required
    if "facility" in required and facility is None:
        errors["facility"].append(f"required for '{event_type}' events")
    if "organization" in required and organization is None:
        errors["organization"].append(f"required for '{event_type}' events")
    if confidence not in codes.CONFIDENCE:
        errors["confidence"].append(f"unknown confidence {confidence!r}")
    if errors:
        raise ValidationError(dict(errors))
    assert day is not None
    return day, clean


def _reject_anomalies(projected: dict[int, projections.Projection], new_ids: set[int]) -> None:
    errors = [a for proj in projected.values() for a in proj.errors]
    if errors:
        raise ValidationError([f"{'this event' if a.event_id in new_ids else f'event #{a.event_id}'}: {a.reason}"
                               for a in errors])


def _event_snapshot(e: Event) -> dict:
    return {"type": e.type, "date": str(e.date), "facility": e.facility_id, "organization": e.organization_id,
            "case": e.case_id, "details": e.details, "confidence": e.confidence, "note": e.note,
            "sources": sorted(s.title for s in e.sources.all())}


def _new_event(person: Person, event_type: str, day: PartialDate, clean: dict, *, facility, organization,
               case, confidence, note, actor: Actor, supersedes: Event | None = None,
               is_retraction: bool = False) -> Event:
    return Event.objects.create(
        person=person, type=event_type, date_precision=day.precision.value, date_earliest=day.earliest,
        date_latest=day.latest, facility=facility, organization=organization, case=case, details=clean,
        confidence=confidence, note=note, supersedes=supersedes, is_retraction=is_retraction,
        is_current=not is_retraction,
        content_hash=content_hash(event_type, day, getattr(facility, "id", None),
                                  getattr(organization, "id", None), getattr(case, "id", None), clean),
        recorded_at=timezone.now(), recorded_by=actor.label)


@transaction.atomic
def record_event(person: Person, event_type: str, date: PartialDate | str, *, actor: Actor, reason: str = "",
                 facility: Facility | None = None, organization: Organization | None = None,
                 case: Case | None = None, details: dict | None = None, sources: Sequence[Source] = (),
                 confidence: str = "confirmed", note: str = "", expected_version: int | None = None) -> Event:
    """Record one new fact about a person. Raises ValidationError if it makes the history impossible,
    ConflictError if `expected_version` is given and the person changed since."""
    version = _lock(person.pk, expected_version, person)
    day, clean = _validated(event_type, date, facility, organization, details, confidence)
    event = _new_event(person, event_type, day, clean, facility=facility, organization=organization,
                       case=case, confidence=confidence, note=note, actor=actor)
    EventSource.objects.bulk_create([EventSource(event=event, source=s) for s in sources])
    derive_records([_record(event)])
    _reject_anomalies(refresh_projections([person.id]), {event.id})
    record_audit(actor, "record_event", event, person=person, reason=reason, changes=_event_snapshot(event))
    person.version = version
    return event


@transaction.atomic
def correct_event(event: Event, *, actor: Actor, reason: str, expected_version: int | None = None,
                  **changes) -> Event:
    """Supersede `event` with a corrected copy; the old row stays, marked as no longer current.

    `changes` may set type, date, facility, organization, case, details (replacing them whole),
    sources, confidence and note.
    """
    if not reason.strip():
        raise ValidationError({"reason": "a correction needs a reason"})
    old = _current_for_update(event, expected_version)
    unknown = set(changes) - {"type", "date", "facility", "organization", "case", "details", "sources",
                              "confidence", "note"}
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))}")
    event_type = changes.get("type", old.type)
    facility = changes.get("facility", old.facility)
    organization = changes.get("organization", old.organization)
    day, clean = _validated(event_type, changes.get("date", old.date), facility, organization,
                            changes.get("details", old.details), changes.get("confidence", old.confidence))
    new = _new_event(old.person, event_type, day, clean, facility=facility, organization=organization,
                     case=changes.get("case", old.case), confidence=changes.get("confidence", old.confidence),
                     note=changes.get("note", old.note), actor=actor, supersedes=old)
    sources = changes.get("sources", list(old.sources.all()))
    EventSource.objects.bulk_create([EventSource(event=new, source=s) for s in sources])
    derive_records([_record(new)])
    _reject_anomalies(refresh_projections([old.person_id]), {new.id})
    record_audit(actor, "correct_event", new, person=old.person, reason=reason,
           changes={"supersedes": old.id, "before": _event_snapshot(old), "after": _event_snapshot(new)})
    return new


@transaction.atomic
def retract_event(event: Event, *, actor: Actor, reason: str, expected_version: int | None = None) -> Event:
    """Withdraw an event that should never have been recorded; the old row stays in the history."""
    if not reason.strip():
        raise ValidationError({"reason": "a retraction needs a reason"})
    old = _current_for_update(event, expected_version)
    tomb = _new_event(old.person, old.type, old.date, old.details, facility=old.facility,
                      organization=old.organization, case=old.case, confidence=old.confidence, note="",
                      actor=actor, supersedes=old, is_retraction=True)
    _reject_anomalies(refresh_projections([old.person_id]), set())
    record_audit(actor, "retract_event", tomb, person=old.person, reason=reason,
           changes={"retracts": old.id, "before": _event_snapshot(old)})
    return tomb


# --- person attributes -------------------------------------------------------------------

PERSON_EDITABLE = ("sex", "region", "visibility", "birth_date", "notes")
RESTRICTED_FIELDS = {"notes"}  # encrypted at rest: the audit entry says that they changed, never what to


@transaction.atomic
def update_person(person: Person, fields: dict[str, Any], *, actor: Actor, reason: str = "",
                  expected_version: int | None = None) -> Person:
    """Change a person's attributes (sex, region, visibility, birth_date, notes).

    With `expected_version`, refuses with ConflictError if somebody changed the person since the
    caller read that version. Nothing changes (no version raised, no audit entry) when every
    value is the stored one.
    """
    unknown = set(fields) - set(PERSON_EDITABLE)
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))} of a person (editable: "
                              f"{', '.join(PERSON_EDITABLE)})")
    errors: dict[str, str] = {}
    new: dict[str, Any] = {}
    for fld, value in fields.items():
        if fld == "birth_date":
            try:
                new[fld] = _clean_partial(value, "birth_date")
            except ValidationError as exc:
                errors[fld] = "; ".join(exc.messages)
            continue
        value = "" if value is None else str(value).strip() if fld != "notes" else str(value)
        table = {"sex": codes.SEX, "region": codes.REGIONS, "visibility": dict(VISIBILITY)}.get(fld)
        if (table is not None and value and value not in table) or (fld == "visibility" and not value):
            errors[fld] = f"unknown {fld} {value!r}"
        new[fld] = value
    if errors:
        raise ValidationError(errors)
    stored = Person.objects.select_for_update().get(pk=person.pk)
    before = {f: (stored.birth_date if f == "birth_date" else getattr(stored, f)) for f in new}
    changed = {f for f in new if new[f] != before[f]}
    if expected_version is not None and expected_version != stored.version:
        raise ConflictError(stored, expected_version, stored.version)
    if not changed:
        return stored
    version = _lock(person.pk, expected_version, person)
    for f in changed:
        if f == "birth_date":
            born = new[f]
            stored.birth_precision = born.precision.value if born else ""
            stored.birth_earliest, stored.birth_latest = (born.earliest, born.latest) if born else (None, None)
        else:
            setattr(stored, f, new[f])
    columns = [c for f in changed for c in
               (("birth_precision", "birth_earliest", "birth_latest") if f == "birth_date" else (f,))]
    stored.save(update_fields=[*columns, "updated_at"])
    stored.version = version

    def shown(f: str, v: Any) -> Any:
        return "(restricted)" if f in RESTRICTED_FIELDS else str(v) if v else ""

    record_audit(actor, "update_person", stored, person=stored, reason=reason,
                 changes={f: {"before": shown(f, before[f]), "after": shown(f, new[f])} for f in sorted(changed)})
    person.__dict__.update({c: getattr(stored, c) for c in (*columns, "version", "updated_at")})
    return stored
