"""Record linkage during `volia import` (`--link off|propose|auto`) and its preview (`volia link FILE`).

For each person key of the file that the registry does not know, the file's rows for that
key make a linkage record (names, sex, birth date, region, first detention, articles) that
is compared with the registry's people (blocked in bulk, a batch at a time):

- `auto`: when exactly one registry person scores at or above the auto threshold (and no
  other reaches the review threshold), the rows are attached to that person and the file's
  key is stored as a `KeyAlias`, so that importing the same file again finds the person
  through the alias and changes nothing;
- `propose` (the default), and `auto` below the threshold: the person is created as
  before and each registry person above the review threshold is filed as a `Candidate`;
- `off`: no comparison at all.

Keys of people merged into another (`merged_into`) and alias keys are resolved whatever the
mode: rows about a merged record land on its survivor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils import timezone

from volia.linkage import blocking, engine, model
from volia.linkage.features import Rec
from volia.linkage.models import KeyAlias
from volia.linkage.services import (
    AUTO_THRESHOLD,
    DETENTION_TYPES,
    REVIEW_THRESHOLD,
    Proposal,
    features_json,
    file_candidates,
    registry_records,
)
from volia.registry.models import Person

MODES = ("off", "propose", "auto")


def resolve_keys(keys: Iterable[str]) -> dict[str, int]:
    """Person ids for keys that are import aliases; callers look up real person keys first."""
    wanted = list(set(keys))
    out: dict[str, int] = {}
    for i in range(0, len(wanted), 5000):
        out.update(KeyAlias.objects.filter(key__in=wanted[i:i + 5000]).values_list("key", "person_id"))
    return out


def survivors(person_ids: Iterable[int]) -> dict[int, int]:
    """{merged person id: the person their history now lives on} for those of `person_ids` that were merged."""
    ids = list(set(person_ids))
    parent: dict[int, int] = {}
    frontier = ids
    while frontier:
        step: dict[int, int] = {}
        for i in range(0, len(frontier), 5000):
            step.update(Person.objects.filter(pk__in=frontier[i:i + 5000], merged_into__isnull=False)
                        .values_list("pk", "merged_into_id"))
        new = [t for t in step.values() if t not in parent and t not in step]
        parent.update(step)
        frontier = new
    out = {}
    for pid in ids:
        seen, cur = set(), pid
        while cur in parent and cur not in seen:
            seen.add(cur)
            cur = parent[cur]
        if cur != pid:
            out[pid] = cur
    return out


def record_of_rows(key: str, rows: Sequence[Any]) -> Rec:
    """A linkage record from the parsed rows (`volia.interchange.canonical.ParsedRow`) of one person key."""
    names: list[str] = []
    sex = region = ""
    birth = detained = None
    articles: set[str] = set()
    for r in rows:
        if r.name:
            names.append(r.name)
        names.extend(text for text, _ in r.other_names)
        sex = sex or r.sex
        region = region or r.region
        birth = birth or r.birth_date
        if r.event in DETENTION_TYPES and (detained is None or r.date.earliest < detained.earliest):
            detained = r.date
        articles.update(str(a).split(":")[0] for a in r.details.get("articles", []) or [])
    return Rec.of(key, names, sex=sex, birth=birth, region=region, detained=detained, articles=articles)


@dataclass
class Match:
    key: str
    person_id: int
    score: float
    features: dict


@dataclass
class LinkDecisions:
    auto: dict[str, Match] = field(default_factory=dict)  # file key -> registry person to attach to
    propose: dict[str, list[Match]] = field(default_factory=lambda: defaultdict(list))


class RegistryMatcher:
    """The registry's people as linkage records, blocked once; matches incoming records against them."""

    def __init__(self, *, auto_threshold: float = AUTO_THRESHOLD, review_threshold: float = REVIEW_THRESHOLD,
                 params: model.Params | None = None):
        self.records: list[Rec] = []
        self.index: dict[str, list[int]] = {}
        self._loaded = False
        self.auto_threshold, self.review_threshold = auto_threshold, review_threshold
        self.params = params or model.DEFAULT

    def _load(self) -> None:
        """The registry's records and their keys, read once, when the first new person needs them."""
        if not self._loaded:
            self.records = registry_records()
            self.index = blocking.index(self.records)
            self._loaded = True

    def match(self, incoming: Sequence[Rec], *, allow_auto: bool) -> LinkDecisions:
        out = LinkDecisions()
        if not incoming:
            return out
        self._load()
        if not self.records:
            return out
        block = blocking.pairs_between(incoming, self.records, right_index=self.index)
        result = engine.score_blocked(incoming, self.records, block, train=False, params=self.params, seed=0)
        by_key: dict[str, list[Match]] = defaultdict(list)
        for k in np.flatnonzero(result.prob >= self.review_threshold):
            a, b = incoming[int(result.left[k])], self.records[int(result.right[k])]
            by_key[str(a.id)].append(Match(str(a.id), int(b.id), float(result.prob[k]),
                                           features_json(result.levels[k], b, a)))
        for key, matches in by_key.items():
            matches.sort(key=lambda m: -m.score)
            if allow_auto and matches[0].score >= self.auto_threshold and len(matches) == 1:
                out.auto[key] = matches[0]
            else:
                out.propose[key] = matches
        return out


class ImportLinker:
    """What the importer calls, batch by batch, when linking is on."""

    def __init__(self, mode: str, *, import_batch_id: int, auto_threshold: float = AUTO_THRESHOLD,
                 review_threshold: float = REVIEW_THRESHOLD):
        if mode not in MODES:
            raise ValueError(f"unknown link mode {mode!r} (one of {', '.join(MODES)})")
        self.mode = mode
        self.batch_id = import_batch_id
        self.matcher = RegistryMatcher(auto_threshold=auto_threshold, review_threshold=review_threshold)
        self.pending: dict[str, list[Match]] = {}
        self.linked: dict[str, dict[str, Any]] = {}  # file key -> {"person": key, "score": p}
        self.proposed = 0

    def attach(self, new: Sequence[tuple[str, Any]], batch: Sequence[Any]) -> dict[str, int]:
        """For the batch's new keys ((key, first row) pairs): {key: existing person id} to attach to.

        Keys not returned are to be created; their proposals wait for `created()`.
        """
        rows: dict[str, list[Any]] = defaultdict(list)
        wanted = {k for k, _ in new}
        for r in batch:
            if r.person in wanted:
                rows[r.person].append(r)
        incoming = [record_of_rows(k, rows[k]) for k, _ in new]
        decisions = self.matcher.match(incoming, allow_auto=self.mode == "auto")
        self.pending.update(decisions.propose)
        if not decisions.auto:
            return {}
        now = timezone.now()
        KeyAlias.objects.bulk_create([KeyAlias(key=k, person_id=m.person_id, import_batch_id=self.batch_id,
                                               score=m.score, created_at=now) for k, m in decisions.auto.items()])
        keys = dict(Person.objects.filter(pk__in=[m.person_id for m in decisions.auto.values()])
                    .values_list("pk", "key"))
        for k, m in decisions.auto.items():
            self.linked[k] = {"person": keys[m.person_id], "score": round(m.score, 4)}
        return {k: m.person_id for k, m in decisions.auto.items()}

    def created(self, ids: dict[str, int]) -> None:
        """File the pending proposals of keys that were created as new people."""
        proposals = [Proposal(m.person_id, ids[k], m.score, m.features)
                     for k, matches in self.pending.items() if k in ids for m in matches]
        self.pending = {k: v for k, v in self.pending.items() if k not in ids}
        self.proposed += file_candidates(proposals, origin="import", import_batch_id=self.batch_id)

    def report(self) -> dict[str, Any]:
        return {"mode": self.mode, "auto_linked": self.linked, "candidates_filed": self.proposed}


def preview(rows: Iterable[tuple[int, dict]], file_label: str, *, auto_threshold: float = AUTO_THRESHOLD,
            review_threshold: float = REVIEW_THRESHOLD) -> tuple[list[dict[str, Any]], list[Any]]:
    """What `volia import --link auto` would do with each person key of a file; writes nothing.

    Returns one entry per key ({"key", "outcome": known|alias|attach|review|new, "matches": [...]})
    and the row errors the file has (an import would refuse it until they are fixed).
    """
    from volia.interchange.canonical import parse_row

    today = timezone.localdate()
    by_key: dict[str, list[Any]] = defaultdict(list)
    errors: list[Any] = []
    for rownum, cells in rows:
        row, errs = parse_row(file_label, rownum, cells, today)
        errors.extend(errs)
        if row is not None:
            by_key[row.person].append(row)
    keys = list(by_key)
    known: set[str] = set()
    for i in range(0, len(keys), 5000):
        known.update(Person.objects.filter(key__in=keys[i:i + 5000]).values_list("key", flat=True))
    aliases = resolve_keys(set(keys) - known)
    new = [k for k in keys if k not in known and k not in aliases]
    matcher = RegistryMatcher(auto_threshold=auto_threshold, review_threshold=review_threshold)
    decisions = matcher.match([record_of_rows(k, by_key[k]) for k in new], allow_auto=True)
    ids = {m.person_id for m in decisions.auto.values()} | {m.person_id for ms in decisions.propose.values()
                                                            for m in ms}
    person_keys = dict(Person.objects.filter(pk__in=ids).values_list("pk", "key"))
    out: list[dict[str, Any]] = []
    for k in keys:
        if k in known or k in aliases:
            out.append({"key": k, "outcome": "known" if k in known else "alias", "matches": []})
            continue
        matches = [decisions.auto[k]] if k in decisions.auto else decisions.propose.get(k, [])
        outcome = "attach" if k in decisions.auto else "review" if matches else "new"
        out.append({"key": k, "outcome": outcome, "matches": [
            {"person": person_keys[m.person_id], "score": round(m.score, 4), "levels": m.features["levels"]}
            for m in matches]})
    return out, errors
