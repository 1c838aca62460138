"""Hash chains over the audit trail and the access log: tampering shows.

Each entry stores `seq` (1, 2, 3...), `prev_hash` (the previous entry's hash, "" for the first)
and `hash` = SHA-256 of a canonical JSON of its content and `prev_hash`. The last link is also
kept in `ChainHead` (one row per chain), so deleting the newest entries shows too. Appending
takes a row lock on the chain's head (`SELECT ... FOR UPDATE`; SQLite: Volia's write
transactions start with BEGIN IMMEDIATE, which already serialises writers), so two appenders
never fork the chain. The lock is held until the transaction ends: write the audit entry last.

`verify()` walks a chain in `seq` order and reports the first entry whose content was edited,
that is missing, out of place, or beyond / short of the head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

CHAINS = ("audit", "access")
GENESIS = ""


def jsonable(value: Any) -> Any:
    """The value as it reads back from a JSON column (what is hashed must be what is stored)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def audit_content(e: Any) -> dict:
    return {"seq": e.seq, "at": _at(e.at), "actor": e.actor, "user": e.user_id, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "person": e.person_id, "changes": e.changes,
            "reason": e.reason}


def access_content(e: Any) -> dict:
    return {"seq": e.seq, "at": _at(e.at), "actor": e.actor, "user": e.user_id, "action": e.action,
            "detail": e.detail, "row_count": e.row_count}


def entry_hash(content: dict, prev_hash: str) -> str:
    canonical = json.dumps({"content": content, "prev": prev_hash}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _spec(chain: str) -> tuple[Any, Any]:
    from volia.registry.models import AccessLog, AuditEntry

    if chain == "audit":
        return AuditEntry, audit_content
    if chain == "access":
        return AccessLog, access_content
    raise ValueError(f"unknown chain {chain!r}")


def _head(chain: str) -> Any:
    from volia.registry.models import ChainHead

    head = ChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:  # a database made before the chain existed had its head made by migration 0007
        ChainHead.objects.get_or_create(chain=chain)
        head = ChainHead.objects.select_for_update().get(chain=chain)
    return head


def append(chain: str, entry: Any) -> Any:
    """Give an unsaved entry its place in the chain and save it (inside the caller's transaction)."""
    _, content = _spec(chain)
    with transaction.atomic(savepoint=False):  # a failure here fails the caller's transaction anyway
        head = _head(chain)
        entry.seq = head.seq + 1
        entry.prev_hash = head.hash
        entry.hash = entry_hash(content(entry), entry.prev_hash)
        entry.save(force_insert=True)
        head.seq, head.hash, head.updated_at = entry.seq, entry.hash, timezone.now()
        head.save(update_fields=["seq", "hash", "updated_at"])
    return entry


@dataclass
class Problem:
    chain: str
    entry_id: int | None
    seq: int | None
    reason: str

    def as_dict(self) -> dict:
        return {"chain": self.chain, "entry": self.entry_id, "seq": self.seq, "reason": self.reason}

    def __str__(self) -> str:
        where = f"entry #{self.entry_id} (seq {self.seq})" if self.entry_id is not None else f"seq {self.seq}"
        return f"{self.chain} chain, {where}: {self.reason}"


@dataclass
class Report:
    chain: str
    entries: int = 0
    head_seq: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"chain": self.chain, "ok": self.ok, "entries": self.entries, "head_seq": self.head_seq,
                "first_problem": self.problems[0].as_dict() if self.problems else None}


def verify(chain: str, chunk: int = 5000) -> Report:
    """Walk the chain; stops at the first problem (everything after a broken link is unproven)."""
    from volia.registry.models import ChainHead

    model, content = _spec(chain)
    report = Report(chain)
    head = ChainHead.objects.filter(chain=chain).first()
    report.head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    unchained = model.objects.filter(seq__isnull=True).order_by("id").values_list("id", flat=True).first()
    if unchained is not None:
        report.problems.append(Problem(chain, unchained, None, "written outside the chain (no position)"))
        return report

    expected_seq, prev = 1, GENESIS
    last_id = 0
    qs = model.objects.order_by("seq")
    last_seq = 0
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:chunk])
        if not rows:
            break
        for e in rows:
            report.entries += 1
            if e.seq != expected_seq:
                what = ("missing (deleted)" if e.seq > expected_seq else "duplicated")
                report.problems.append(Problem(chain, e.id, e.seq, f"entry with seq {expected_seq} is {what}"))
                return report
            if e.id < last_id:
                report.problems.append(Problem(chain, e.id, e.seq, "out of order: written before the entry that "
                                                                   "precedes it in the chain"))
                return report
            if e.prev_hash != prev:
                report.problems.append(Problem(chain, e.id, e.seq, "does not link to the previous entry (an entry "
                                                                   "before it was replaced or removed)"))
                return report
            if entry_hash(content(e), e.prev_hash) != e.hash:
                report.problems.append(Problem(chain, e.id, e.seq, "content does not match its hash (edited)"))
                return report
            prev, last_id, expected_seq = e.hash, e.id, expected_seq + 1
        last_seq = rows[-1].seq
    if report.entries != report.head_seq:
        reason = (f"the chain ends at seq {report.entries} but its head says {report.head_seq}: "
                  + ("the newest entries were deleted (truncated)" if report.entries < report.head_seq
                     else "entries were added around the chain"))
        report.problems.append(Problem(chain, None, report.entries, reason))
    elif prev != head_hash:
        report.problems.append(Problem(chain, last_id or None, report.entries,
                                       "the last entry's hash differs from the recorded head (replaced)"))
    return report


def verify_all() -> list[Report]:
    return [verify(c) for c in CHAINS]
