"""Linkage's writes: merge and un-merge people, the review queue, and linking runs.

A merge moves the merged person's names and events (with their charges, sentences, source
links and officials, which hang on the events) to the survivor and marks the merged person
`merged_into` the survivor. Nothing is deleted: a name the survivor already has, and a fact
the survivor already records (same content hash), stay on the merged record, and the
latter's sources are linked to the survivor's copy. The `Merge` row lists every id that
moved and every row added, so `unmerge` restores exactly the state before. Each is one
transaction that also writes audit entries and rebuilds both people's projections and
search index rows; a merge that would make the survivor's history impossible is refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from volia.core.dates import PartialDate
from volia.linkage import engine
from volia.linkage.features import VOLIA_COMPARISONS, Rec, describe
from volia.linkage.models import Candidate, Merge
from volia.registry import services
from volia.registry.models import (
    Charge,
    Event,
    EventSource,
    Person,
    PersonGroup,
    PersonName,
    Sentence,
)

# match probabilities: at or above AUTO a pair may be linked without review (only when the user allows it);
# between REVIEW and AUTO it goes to the review queue; below REVIEW it is dropped
AUTO_THRESHOLD = 0.98
REVIEW_THRESHOLD = 0.5
DETENTION_TYPES = ("detained", "admin_detention", "pretrial_custody")
PERSON_FILL = ("sex", "region", "birth_precision", "birth_earliest", "birth_latest")


class MergeError(ValidationError):
    """A merge, un-merge or decision that cannot be made; the message says why."""


# --- records of registry people --------------------------------------------------------------


def registry_records(person_ids: Sequence[int] | None = None) -> list[Rec]:
    """A linkage record per current (not merged) person, or per person of `person_ids`; id = person id."""
    people = Person.objects.filter(merged_into__isnull=True)
    if person_ids is not None:
        people = Person.objects.filter(pk__in=person_ids)
    rows = list(people.order_by("id").values_list("id", "sex", "region", "birth_precision", "birth_earliest"))
    ids = [r[0] for r in rows]
    names: dict[int, list[str]] = defaultdict(list)
    detained: dict[int, PartialDate] = {}
    articles: dict[int, set[str]] = defaultdict(set)
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        for pid, text in (PersonName.objects.filter(person_id__in=chunk).order_by("person_id", "-is_primary", "id")
                          .values_list("person_id", "text")):
            names[pid].append(text)
        for pid, prec, earliest in (Event.objects.filter(person_id__in=chunk, is_current=True,
                                                         type__in=DETENTION_TYPES)
                                    .order_by("person_id", "date_earliest", "id")
                                    .values_list("person_id", "date_precision", "date_earliest")):
            if pid not in detained:
                detained[pid] = PartialDate.from_stored(prec, earliest)
        for pid, number in (Charge.objects.filter(person_id__in=chunk, event__is_current=True)
                            .values_list("person_id", "article__number")):
            articles[pid].add(number)
    return [Rec(id=pid, names=names[pid], sex=sex if sex in ("m", "f") else "",
                birth=PartialDate.from_stored(bp, be) if be else None, region=region,
                detained=detained.get(pid), articles=frozenset(articles[pid]))
            for pid, sex, region, bp, be in rows]


def features_json(level_row: Sequence[int], left: Rec, right: Rec) -> dict[str, Any]:
    return {"levels": describe([int(x) for x in level_row], VOLIA_COMPARISONS),
            "left": left.as_dict(), "right": right.as_dict()}


# --- merge and un-merge -------------------------------------------------------------------------


def _lock_people(*people: Person) -> dict[int, Person]:
    """Lock the people (in id order, so two merges never deadlock) and read them afresh."""
    ids = sorted(p.pk for p in people)
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    services.bump_versions(ids)
    return locked


def _chain_back(event_ids: Iterable[int]) -> set[int]:
    """The events and every older version they supersede."""
    out: set[int] = set()
    frontier = set(event_ids)
    while frontier:
        out |= frontier
        frontier = set(Event.objects.filter(pk__in=frontier, supersedes__isnull=False)
                       .values_list("supersedes_id", flat=True)) - out
    return out


def _chain_forward(event_ids: Iterable[int], person_id: int) -> set[int]:
    """Newer versions (corrections, retractions) of these events recorded on `person_id`."""
    out: set[int] = set()
    frontier = set(event_ids)
    while frontier:
        frontier = set(Event.objects.filter(supersedes_id__in=frontier, person_id=person_id)
                       .values_list("id", flat=True)) - out
        out |= frontier
    return out


def _refresh(person_ids: list[int]) -> None:
    """Rebuild projections (refusing an impossible history) and search rows of these people."""
    projected = services.refresh_projections(person_ids)
    errors = [(pid, a) for pid, proj in projected.items() for a in proj.errors]
    if errors:
        keys = dict(Person.objects.filter(pk__in=[pid for pid, _ in errors]).values_list("pk", "key"))
        raise MergeError([f"{keys[pid]}: event #{a.event_id}: {a.reason}" for pid, a in errors])
    from volia.search import index

    index.refresh(person_ids)


@transaction.atomic
def merge_people(survivor: Person, merged: Person, *, actor: services.Actor, reason: str,
                 candidate: Candidate | None = None) -> Merge:
    """Merge `merged` into `survivor` (see the module docstring); returns the `Merge` that can undo it."""
    if not reason.strip():
        raise MergeError({"reason": "a merge needs a reason"})
    if survivor.pk == merged.pk:
        raise MergeError(f"cannot merge {survivor.key} into itself")
    locked = _lock_people(survivor, merged)
    surv, gone = locked[survivor.pk], locked[merged.pk]
    if surv.merged_into_id is not None:
        raise MergeError(f"{surv.key} was merged into person #{surv.merged_into_id}; "
                         "merge into that person, or un-merge first")
    if gone.merged_into_id is not None:
        raise MergeError(f"{gone.key} is already merged into person #{gone.merged_into_id}")

    # names: move those the survivor lacks; the merged primary becomes an ordinary name of the survivor
    have = set(PersonName.objects.filter(person=surv).values_list("text", "language"))
    names = list(PersonName.objects.filter(person=gone).values_list("id", "text", "language", "is_primary"))
    moved_names = [nid for nid, text, lang, _ in names if (text, lang) not in have]
    unprimaried = [nid for nid, _, _, primary in names if primary and nid in moved_names]
    PersonName.objects.filter(pk__in=unprimaried).update(is_primary=False)
    PersonName.objects.filter(pk__in=moved_names).update(person=surv)

    # events: a fact the survivor already records stays (with its older versions); its sources are linked
    surv_facts = dict(Event.objects.filter(person=surv, is_current=True).values_list("content_hash", "id"))
    dup = {eid: surv_facts[h] for eid, h in Event.objects.filter(person=gone, is_current=True)
           .values_list("id", "content_hash") if h in surv_facts}
    staying = _chain_back(dup)
    moved_events = sorted(set(Event.objects.filter(person=gone).values_list("id", flat=True)) - staying)
    links = set(EventSource.objects.filter(event_id__in=list(dup.values())).values_list("event_id", "source_id"))
    added_links = sorted({(dup[e], s) for e, s in EventSource.objects.filter(event_id__in=list(dup))
                          .values_list("event_id", "source_id")} - links)
    EventSource.objects.bulk_create([EventSource(event_id=e, source_id=s) for e, s in added_links])
    charges = list(Charge.objects.filter(event_id__in=moved_events).values_list("id", flat=True))
    sentences = list(Sentence.objects.filter(event_id__in=moved_events).values_list("id", flat=True))
    Event.objects.filter(pk__in=moved_events).update(person=surv)
    Charge.objects.filter(pk__in=charges).update(person=surv)
    Sentence.objects.filter(pk__in=sentences).update(person=surv)

    # groups and the attributes the survivor does not state
    surv_groups = set(PersonGroup.objects.filter(person=surv).values_list("group", flat=True))
    new_groups = [PersonGroup.objects.create(person=surv, group=g).pk
                  for g in PersonGroup.objects.filter(person=gone).values_list("group", flat=True)
                  if g not in surv_groups]
    filled: dict[str, Any] = {}
    if not surv.birth_earliest and gone.birth_earliest:
        for f in ("birth_precision", "birth_earliest", "birth_latest"):
            filled[f] = getattr(gone, f)
    for f in ("sex", "region"):
        if not getattr(surv, f) and getattr(gone, f):
            filled[f] = getattr(gone, f)
    if filled:
        Person.objects.filter(pk=surv.pk).update(**filled)
    Person.objects.filter(pk=gone.pk).update(merged_into=surv)

    moved = {"names": moved_names, "unprimaried": unprimaried, "events": moved_events, "charges": charges,
             "sentences": sentences, "source_links_added": [list(x) for x in added_links],
             "duplicate_events": {str(k): v for k, v in dup.items()}, "groups_added": new_groups,
             "filled": {k: str(v) for k, v in filled.items()}}
    merge = Merge.objects.create(survivor=surv, merged=gone, candidate=candidate, moved=moved, at=timezone.now(),
                                 actor=actor.label, user=actor.user, reason=reason)
    _refresh([surv.pk, gone.pk])
    summary = {"merge": merge.pk, "survivor": surv.key, "merged": gone.key, **moved}
    services.record_audit(actor, "merge_person", merge, person=surv, changes=summary, reason=reason)
    services.record_audit(actor, "merged_into", merge, person=gone, changes=summary, reason=reason)
    survivor.refresh_from_db()
    merged.refresh_from_db()
    return merge


@transaction.atomic
def unmerge(merge: Merge, *, actor: services.Actor, reason: str) -> Merge:
    """Undo a merge: everything it moved goes back, everything it added is removed."""
    if not reason.strip():
        raise MergeError({"reason": "an un-merge needs a reason"})
    m = Merge.objects.select_for_update().get(pk=merge.pk)
    if m.undone_at is not None:
        raise MergeError(f"merge #{m.pk} was already undone on {m.undone_at:%Y-%m-%d %H:%M}")
    locked = _lock_people(m.survivor, m.merged)
    surv, gone = locked[m.survivor_id], locked[m.merged_id]
    if surv.merged_into_id is not None:
        raise MergeError(f"{surv.key} was itself merged into person #{surv.merged_into_id} since; "
                         "undo that merge first")
    moved = m.moved
    # corrections and retractions recorded after the merge follow the events they supersede
    later = sorted(_chain_forward(moved["events"], surv.pk))
    back = sorted(set(moved["events"]) | set(later))
    Event.objects.filter(pk__in=back, person=surv).update(person=gone)
    Charge.objects.filter(event_id__in=back).update(person=gone)
    Sentence.objects.filter(event_id__in=back).update(person=gone)
    for e, s in moved["source_links_added"]:
        EventSource.objects.filter(event_id=e, source_id=s).delete()
    PersonName.objects.filter(pk__in=moved["names"], person=surv).update(person=gone)
    PersonName.objects.filter(pk__in=moved["unprimaried"]).update(is_primary=True)
    PersonGroup.objects.filter(pk__in=moved["groups_added"]).delete()
    restore = {}
    filled = moved["filled"]
    if filled:
        current = Person.objects.filter(pk=surv.pk).values(*filled).get()
        # an attribute the survivor changed since the merge keeps its new value
        if all(str(current[f]) == v for f, v in filled.items()):
            blank: dict[str, Any] = {"sex": "", "region": "", "birth_precision": "", "birth_earliest": None,
                                     "birth_latest": None}
            restore = {f: blank[f] for f in filled}
            Person.objects.filter(pk=surv.pk).update(**restore)
    Person.objects.filter(pk=gone.pk).update(merged_into=None)
    m.undone_at, m.undone_by, m.undo_reason = timezone.now(), actor.label, reason
    m.moved = {**moved, "returned_later_events": later, "restored_fields": sorted(restore)}
    m.save(update_fields=["undone_at", "undone_by", "undo_reason", "moved"])
    _refresh([surv.pk, gone.pk])
    changes = {"merge": m.pk, "survivor": surv.key, "merged": gone.key, "events_returned": back,
               "names_returned": moved["names"], "restored_fields": sorted(restore)}
    services.record_audit(actor, "unmerge_person", m, person=surv, changes=changes, reason=reason)
    services.record_audit(actor, "unmerged", m, person=gone, changes=changes, reason=reason)
    return m


def root(person_id: int) -> int:
    """The person a (possibly merged) person's history now lives on."""
    seen = set()
    while True:
        nxt = Person.objects.filter(pk=person_id).values_list("merged_into_id", flat=True).first()
        if nxt is None or person_id in seen:
            return person_id
        seen.add(person_id)
        person_id = nxt


# --- the review queue -----------------------------------------------------------------------------


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def known_pairs(person_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Pairs (low, high) already in the queue, whatever their status: never proposed twice."""
    ids = sorted(set(person_ids))
    out: set[tuple[int, int]] = set()
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        out.update(Candidate.objects.filter(Q(low__in=chunk) | Q(high__in=chunk)).values_list("low", "high"))
    return out


@dataclass
class Proposal:
    left: int  # the registry person (or the lower id within the registry)
    right: int
    score: float
    features: dict


def file_candidates(proposals: Sequence[Proposal], *, origin: str, import_batch_id: int | None = None) -> int:
    """Store the proposals not already known (in any status); returns how many were filed."""
    known = known_pairs([p.left for p in proposals] + [p.right for p in proposals])
    now = timezone.now()
    rows = []
    for p in proposals:
        pair = _pair(p.left, p.right)
        if pair in known or p.left == p.right:
            continue
        known.add(pair)
        rows.append(Candidate(left_id=p.left, right_id=p.right, low=pair[0], high=pair[1], score=p.score,
                              features=p.features, origin=origin, import_batch_id=import_batch_id, created_at=now))
    Candidate.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def decide(candidate: Candidate, accept: bool, *, actor: services.Actor, reason: str) -> Merge | None:
    """Accept (merge the newer record into the registry one) or reject a proposed pair."""
    if not reason.strip():
        raise MergeError({"reason": "a decision needs a reason"})
    c = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if c.status != "proposed":
        raise MergeError(f"candidate #{c.pk} was already {c.status} by {c.decided_by}")
    merge = None
    if accept:
        merge = merge_people(c.left, c.right, actor=actor, reason=reason, candidate=c)
    c.status = "accepted" if accept else "rejected"
    c.decided_by, c.decided_user, c.decided_at, c.reason = actor.label, actor.user, timezone.now(), reason
    c.save(update_fields=["status", "decided_by", "decided_user", "decided_at", "reason"])
    services.record_audit(actor, "link_decision", c, person=c.left, reason=reason,
                          changes={"candidate": c.pk, "left": c.left_id, "right": c.right_id,
                                   "accepted": accept, "score": c.score, "merge": merge.pk if merge else None})
    candidate.refresh_from_db()
    return merge


def review_queue(user: Any, *, status: str = "proposed", limit: int = 100) -> list[Candidate]:
    """The candidates `user` may review: only with the linkage.review permission, and only pairs of
    people the user may see (the features hold both people's names and dates)."""
    from volia.security import policy

    if not policy.can(user, "linkage.review"):
        raise PermissionDenied("reviewing record linkage needs the linkage.review permission")
    visible = policy.visible_people(user)
    qs = (Candidate.objects.filter(status=status, left__in=visible, right__in=visible)
          .select_related("left", "right").order_by("-score", "id"))
    return list(qs[:limit])


# --- linking runs ---------------------------------------------------------------------------------


@dataclass
class LinkRun:
    people: int = 0
    pairs_compared: int = 0
    proposed: int = 0
    already_known: int = 0
    merged: list[int] = field(default_factory=list)  # Merge ids
    trained: bool = False
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"people": self.people, "pairs_compared": self.pairs_compared, "proposed": self.proposed,
                "already_known": self.already_known, "merged": self.merged, "trained": self.trained,
                "params": self.params}


def link_within(*, actor: services.Actor, auto: bool = False, auto_threshold: float = AUTO_THRESHOLD,
                review_threshold: float = REVIEW_THRESHOLD, train: bool | None = None,
                dry_run: bool = False) -> tuple[LinkRun, list[Proposal]]:
    """Look for duplicates within the registry; file candidates (and merge sure pairs when `auto`)."""
    records = registry_records()
    result = engine.dedupe(records, train=train)
    run = LinkRun(people=len(records), pairs_compared=len(result), trained=result.trained,
                  params=result.params.as_dict())
    proposals = []
    for k in np.flatnonzero(result.prob >= review_threshold):
        i, j = int(result.left[k]), int(result.right[k])
        proposals.append(Proposal(int(records[i].id), int(records[j].id), float(result.prob[k]),
                                  features_json(result.levels[k], records[i], records[j])))
    proposals.sort(key=lambda x: -x.score)
    if dry_run:
        return run, proposals
    known = known_pairs([p.left for p in proposals] + [p.right for p in proposals])
    to_file = []
    for prop in proposals:
        if _pair(prop.left, prop.right) in known:
            run.already_known += 1
            continue
        if auto and prop.score >= auto_threshold:
            a, b = root(prop.left), root(prop.right)
            if a != b:
                survivor, gone = Person.objects.get(pk=min(a, b)), Person.objects.get(pk=max(a, b))
                m = merge_people(survivor, gone, actor=actor,
                                 reason=f"automatic link: match probability {prop.score:.4f}")
                run.merged.append(m.pk)
            continue
        to_file.append(prop)
    run.proposed = file_candidates(to_file, origin="within")
    return run, proposals

