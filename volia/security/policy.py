"""Who may see and do what: the ONE place visibility and permissions are decided.

Views, the API, commands, search and exports ask this module; none of them decides on its own.
The rules are data (``PERMISSIONS``, ``PERSON_LEVELS``, ``PERSON_FIELDS``) so that the matrix in
docs/security.md and the code cannot drift apart: a test compares them.

Three levels of visibility, on people (``Person.visibility``) and on sources (``Source.visibility``):

- public: anybody may see it;
- internal: staff who need it for their work (researchers and up; volunteers see only what letter
  writing needs);
- restricted: administrators and editors only.

Merged records (``merged_into`` set) are hidden from everybody: their survivor carries the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from volia.accounts.roles import ADMINISTRATOR, EDITOR, PUBLIC, RESEARCHER, ROLES, VOLUNTEER, role_of
from volia.registry.models import Event, Person, Source

STAFF = frozenset({ADMINISTRATOR, EDITOR, RESEARCHER, VOLUNTEER})
READERS = frozenset({ADMINISTRATOR, EDITOR, RESEARCHER})  # read internal data
WRITERS = frozenset({ADMINISTRATOR, EDITOR})  # change the registry; see restricted data
EVERYBODY = frozenset(ROLES)

# action -> the roles allowed to do it. Object-level rules (which person, which source) come on top,
# in can(). Every action any code asks about must be listed here: can() refuses unknown actions loudly.
PERMISSIONS: dict[str, frozenset[str]] = {
    # people
    "person.view": EVERYBODY,  # subject to the person's visibility level (PERSON_LEVELS)
    "person.view_internal": READERS | {VOLUNTEER},  # know that internal people exist (volunteers: letters only)
    "person.view_restricted": WRITERS,
    "person.view_notes": READERS,  # staff notes on people and events
    "person.view_health": WRITERS,  # health conditions reported (special category data)
    "person.view_contacts": WRITERS,  # relatives' and lawyers' contacts (PersonContact, encrypted; reads logged)
    "person.view_history": READERS,  # superseded events, who recorded what
    "person.edit": WRITERS,
    "person.merge": WRITERS,
    "event.record": WRITERS,
    "source.view_internal": READERS,
    "source.view_restricted": WRITERS,
    "source.edit": WRITERS,
    # work
    "letters.view": STAFF,  # names, facility, postal address, birthday of people held
    "import.run": WRITERS,
    "export.run": READERS,  # public + internal people
    "export.restricted": frozenset({ADMINISTRATOR}),  # --include-restricted
    "linkage.review": WRITERS,
    "audit.view": frozenset({ADMINISTRATOR}),
    "users.manage": frozenset({ADMINISTRATOR}),
    "admin.site": frozenset({ADMINISTRATOR}),
    # statistics
    "stats.view_public": EVERYBODY,  # suppressed breakdowns, no lists of people
    "stats.view_internal": READERS,  # the staff statistics pages and API, drill-down lists (filtered)
}

# the visibility levels of people each role may know to exist
PERSON_LEVELS: dict[str, frozenset[str]] = {
    ADMINISTRATOR: frozenset({"public", "internal", "restricted"}),
    EDITOR: frozenset({"public", "internal", "restricted"}),
    RESEARCHER: frozenset({"public", "internal"}),
    VOLUNTEER: frozenset({"public", "internal"}),
    PUBLIC: frozenset({"public"}),
}

# the visibility levels of sources each role may see in full (title, link); see visible_sources()
SOURCE_LEVELS: dict[str, frozenset[str]] = {
    ADMINISTRATOR: frozenset({"public", "internal", "restricted"}),
    EDITOR: frozenset({"public", "internal", "restricted"}),
    RESEARCHER: frozenset({"public", "internal"}),
    VOLUNTEER: frozenset({"public"}),
    PUBLIC: frozenset({"public"}),
}

# The parts of a person's record each role may see. Names: "names" (primary and other names),
# "sex", "birth", "region", "groups", "status" (current status), "facility" (where held now),
# "postal_address" (of that facility), "custody" (custody episodes), "timeline" (events),
# "notes" (staff notes), "health" (health details), "history" (corrections, who recorded),
# "contacts" (relatives' and lawyers' contacts).
PUBLIC_FIELDS = frozenset({"names", "sex", "birth", "region", "groups", "status", "facility", "postal_address",
                           "custody", "timeline"})
LETTER_FIELDS = frozenset({"names", "birth", "status", "facility", "postal_address"})
INTERNAL_FIELDS = PUBLIC_FIELDS | {"notes", "history"}
ALL_FIELDS = INTERNAL_FIELDS | {"health", "contacts"}
PERSON_FIELDS: dict[str, frozenset[str]] = {
    ADMINISTRATOR: ALL_FIELDS,
    EDITOR: ALL_FIELDS,
    RESEARCHER: INTERNAL_FIELDS,
    VOLUNTEER: LETTER_FIELDS,
    PUBLIC: PUBLIC_FIELDS,
}

# Events the public never sees, whoever the person: a reported health condition is medical data, and a
# disputed report about somebody is not published until it is confirmed or withdrawn.
PRIVATE_EVENT_TYPES = frozenset({"health_reported"})
PUBLIC_CONFIDENCE = frozenset({"confirmed", "reported"})
# event details that are health data (shown only with "person.view_health")
HEALTH_DETAILS = frozenset({"condition"})
# Kinds of source whose title may name a relative, a lawyer or a former prisoner: whoever may not see
# internal sources sees only the kind, even when the source is marked public.
PRIVATE_SOURCE_KINDS = frozenset({"family", "lawyer", "ex_prisoner"})

DEFAULT_MIN_CELL_SIZE = 5
MIN_CELL_SIZE: int = int(getattr(settings, "VOLIA_MIN_CELL_SIZE", DEFAULT_MIN_CELL_SIZE))


# --- roles and actions ----------------------------------------------------------------------------


def role(user: Any) -> str:
    """The user's role (public for anonymous and for logged-in users without a role)."""
    return role_of(user)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (on ``obj``, a Person, Event or Source, when given)?"""
    try:
        allowed = PERMISSIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}: add it to volia.security.policy.PERMISSIONS") from None
    r = role_of(user)
    if r not in allowed:
        return False
    if obj is None:
        return True
    if isinstance(obj, Person):
        return _may_know_person(r, obj)
    if isinstance(obj, Event):
        if not _may_know_person(r, obj.person):
            return False
        return action != "person.view" or public_event(obj, user)
    if isinstance(obj, Source):
        return obj.visibility in SOURCE_LEVELS[r]
    raise TypeError(f"can() does not know objects of type {type(obj).__name__}")


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        raise PermissionDenied(f"{role_of(user)} may not {action}")


def _may_know_person(r: str, person: Person) -> bool:
    return person.merged_into_id is None and person.visibility in PERSON_LEVELS[r]


# --- people -------------------------------------------------------------------------------------------


def visible_people(user: Any) -> QuerySet[Person]:
    """The people ``user`` may know exist. Callers filter further; they never widen this."""
    return Person.objects.filter(merged_into__isnull=True, visibility__in=sorted(PERSON_LEVELS[role_of(user)]))


def visible_person_ids(user: Any, ids: Iterable[int]) -> list[int]:
    """``ids`` (in their order) without the people ``user`` may not see: for drill-down lists."""
    wanted = list(dict.fromkeys(ids))
    allowed: set[int] = set()
    people = visible_people(user)
    for i in range(0, len(wanted), 5000):  # below every database's limit on query parameters
        allowed.update(people.filter(pk__in=wanted[i:i + 5000]).values_list("pk", flat=True))
    return [i for i in wanted if i in allowed]


def person_fields(user: Any) -> frozenset[str]:
    """The parts of a person's record ``user`` may see (for a person they may see at all)."""
    return PERSON_FIELDS[role_of(user)]


@dataclass(frozen=True)
class RedactedPerson:
    """What one viewer may see of one person. Hidden parts are empty; ``fields`` says which are shown."""

    person: Person
    fields: frozenset[str]
    key: str
    visibility: str
    names: list[Any] = field(default_factory=list)
    sex: str = ""
    birth_date: str = ""
    region: str = ""
    notes: str = ""

    def shows(self, part: str) -> bool:
        return part in self.fields


def redact_person(person: Person, user: Any) -> RedactedPerson:
    """The parts of ``person`` that ``user`` may see; PermissionDenied if they may not see the person."""
    require(user, "person.view", person)
    fields = person_fields(user)
    birth = person.birth_date
    return RedactedPerson(
        person=person, fields=fields, key=person.key, visibility=person.visibility,
        names=list(person.names.all()) if "names" in fields else [],
        sex=person.sex if "sex" in fields else "",
        birth_date=str(birth) if birth and "birth" in fields else "",
        region=person.region if "region" in fields else "",
        notes=person.notes if "notes" in fields else "",
    )


# --- events and sources ------------------------------------------------------------------------------


def public_event(event: Event, user: Any) -> bool:
    """May ``user`` see this event of a person they may see?

    Staff who read internal data see every current event; the public (and volunteers) see current
    events that are not health reports, not disputed, and not known only from restricted sources
    (publishing such a fact could expose whoever reported it).
    """
    if not event.is_current or event.is_retraction:
        return False
    r = role_of(user)
    if "timeline" not in PERSON_FIELDS[r]:
        return False
    if r in READERS:
        return True
    if event.type in PRIVATE_EVENT_TYPES or event.confidence not in PUBLIC_CONFIDENCE:
        return False
    levels = [s.visibility for s in event.sources.all()]
    return not levels or any(level != "restricted" for level in levels)


def visible_details(event: Event, user: Any) -> dict[str, Any]:
    """The event's details without the ones ``user`` may not see (health conditions)."""
    if can(user, "person.view_health"):
        return dict(event.details)
    return {k: v for k, v in event.details.items() if k not in HEALTH_DETAILS}


@dataclass(frozen=True)
class SourceView:
    """A source as one viewer may see it: ``withheld`` means only its kind is shown."""

    source: Source | None
    kind: str
    title: str
    url: str
    withheld: bool


def visible_sources(event: Event, user: Any) -> list[SourceView]:
    """The event's sources as ``user`` may see them.

    Sources at a level the viewer may see are shown in full (family, lawyer and former-prisoner
    sources only to readers of internal data); internal sources are shown to others by their kind
    only; restricted sources are left out entirely for whoever may not see them.
    """
    r = role_of(user)
    out = []
    for s in event.sources.all():
        if s.visibility in SOURCE_LEVELS[r] and (r in READERS or s.kind not in PRIVATE_SOURCE_KINDS):
            out.append(SourceView(s, s.kind, s.title, s.url, withheld=False))
        elif s.visibility != "restricted":
            out.append(SourceView(None, s.kind, "", "", withheld=True))
    return out


def export_levels(user: Any, include_restricted: bool = False) -> frozenset[str]:
    """The visibility levels of people an export by ``user`` writes (public and internal by default)."""
    require(user, "export.run")
    levels = {"public", "internal"}
    if include_restricted:
        require(user, "export.restricted")
        levels.add("restricted")
    return frozenset(levels)


# --- aggregate figures ------------------------------------------------------------------------------------

K = TypeVar("K")


def min_cell_size() -> int:
    """The smallest count a public breakdown shows (settings VOLIA_MIN_CELL_SIZE; read at call time)."""
    return int(getattr(settings, "VOLIA_MIN_CELL_SIZE", DEFAULT_MIN_CELL_SIZE))


def suppress_small(counts: Mapping[K, int | None], k: int | None = None) -> dict[K, int | None]:
    """A public breakdown with every count from 1 to k-1 replaced by None ("fewer than k").

    Zero stays: it says nobody, which singles nobody out. When exactly one cell is suppressed, the
    smallest other non-zero cell is suppressed too, so that the hidden count cannot be recovered by
    subtracting the others from a published total.
    """
    k = min_cell_size() if k is None else k
    out: dict[K, int | None] = {key: (None if n is not None and 0 < n < k else n) for key, n in counts.items()}
    hidden = [key for key, n in counts.items() if n is not None and 0 < n < k]
    if len(hidden) == 1:
        shown = [(n, str(key), key) for key, n in counts.items() if n is not None and n >= k]
        if shown:
            out[min(shown)[2]] = None
    return out


def suppress_total(n: int, k: int | None = None) -> int | None:
    """A single public count: None when it is between 1 and k-1."""
    k = min_cell_size() if k is None else k
    return None if 0 < n < k else n


# --- documentation ----------------------------------------------------------------------------------------


def matrix_table() -> str:
    """The permission matrix as the Markdown table in docs/security.md (a test keeps the two equal)."""
    order = (ADMINISTRATOR, EDITOR, RESEARCHER, VOLUNTEER, PUBLIC)
    lines = ["| action | " + " | ".join(order) + " |", "|---|" + "---|" * len(order)]
    for action, roles in PERMISSIONS.items():
        lines.append(f"| `{action}` | " + " | ".join("yes" if r in roles else "—" for r in order) + " |")
    return "\n".join(lines)
