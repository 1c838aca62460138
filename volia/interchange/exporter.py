"""`volia export`: the current events in the canonical interchange format, streamed.

Which people are written is the caller's choice of visibility levels (volia.security.policy
decides who may ask for which): public and internal by default; restricted people, and
restricted sources, only when asked for. Merged records are never written (their survivor is).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from django.db.models import Prefetch

from volia.interchange.canonical import COLUMNS, LIST_SEPARATOR
from volia.registry.models import Event, Person, PersonName

PEOPLE_PER_CHUNK = 1000
DEFAULT_LEVELS = frozenset({"public", "internal"})


def _person_cells(p: Person) -> dict[str, str]:
    names = list(p.names.all())
    primary = p.primary
    cells = {
        "name": primary.text if primary else "",
        "name_lang": primary.language if primary else "",
        "sex": p.sex, "region": p.region, "visibility": p.visibility,
        "birth_date": str(p.birth_date) if p.birth_date else "",
        "groups": LIST_SEPARATOR.join(sorted(g.group for g in p.groups.all())),
    }
    # one more name per script/language column; further aliases stay in the registry
    for n in names:
        if n.is_primary:
            continue
        col = {"be": "name_be", "ru": "name_ru"}.get(n.language) or ("name_latn" if n.script == "Latn" else "")
        if col and not cells.get(col) and n.text != cells["name"]:
            cells[col] = n.text
    return cells


def iter_rows(levels: frozenset[str] = DEFAULT_LEVELS) -> Iterator[dict[str, str]]:
    """One dict per current event, people in key order, each person's events in date order."""
    ids = list(Person.objects.filter(visibility__in=sorted(levels), merged_into__isnull=True)
               .order_by("key").values_list("id", flat=True))
    for i in range(0, len(ids), PEOPLE_PER_CHUNK):
        chunk = ids[i:i + PEOPLE_PER_CHUNK]
        persons = {p.id: p for p in Person.objects.filter(id__in=chunk).prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id")), "groups")}
        events = (Event.objects.filter(person_id__in=chunk, is_current=True)
                  .select_related("facility", "organization", "case").prefetch_related("sources")
                  .order_by("person_id", "date_earliest", "id"))
        by_person: dict[int, list[Event]] = {}
        for e in events:
            by_person.setdefault(e.person_id, []).append(e)
        for pid in chunk:
            p = persons[pid]
            first = True
            for e in by_person.get(pid, []):  # in date order: the query sorts them
                row = {c: "" for c in COLUMNS}
                row["person"] = p.key
                if first:
                    row.update(_person_cells(p))
                    first = False
                row.update(event=e.type, date=str(e.date), confidence=e.confidence, note=e.note,
                           facility=e.facility.code if e.facility else "",
                           organization=e.organization.code if e.organization else "",
                           case=e.case.number if e.case else "")
                for k, v in e.details.items():
                    if k == "articles":
                        row[k] = LIST_SEPARATOR.join(v)
                    elif isinstance(v, bool):
                        row[k] = "true" if v else "false"
                    else:
                        row[k] = str(v)
                sources = sorted((s for s in e.sources.all() if s.visibility in levels), key=lambda s: s.id)
                row["source"] = LIST_SEPARATOR.join(s.title for s in sources)
                row["source_url"] = sources[0].url if sources else ""
                yield row


def write(out: TextIO, fmt: str, levels: frozenset[str] = DEFAULT_LEVELS) -> int:
    n = 0
    if fmt == "csv":
        w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for row in iter_rows(levels):
            w.writerow(row)
            n += 1
    elif fmt == "jsonl":
        for row in iter_rows(levels):
            out.write(json.dumps({k: v for k, v in row.items() if v != ""}, ensure_ascii=False) + "\n")
            n += 1
    else:
        raise ValueError(f"unknown export format {fmt!r} (csv or jsonl)")
    return n
