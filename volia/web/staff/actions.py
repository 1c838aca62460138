"""What the staff forms do that is more than one registry service: sources created with an event.

An event and the new sources it cites are written in one transaction, so a refused event leaves
no orphan source behind. Everything else is the registry's service layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from volia.registry import services
from volia.registry.models import Event, Person, Source


def _create_sources(rows: Sequence[dict[str, str]], *, actor: services.Actor, person: Person,
                    reason: str) -> list[Source]:
    created = []
    for row in rows:
        source = Source.objects.create(title=row["title"], url=row.get("url", ""), kind=row.get("kind", "other"),
                                       visibility=row.get("visibility", "internal"))
        services.record_audit(actor, "create_source", source, person=person, reason=reason,
                              changes={"title": source.title, "url": source.url, "kind": source.kind,
                                       "visibility": source.visibility})
        created.append(source)
    return created


@transaction.atomic
def record_event_with_sources(person: Person, *, actor: services.Actor, expected_version: int,
                              sources: Sequence[Source], new_sources: Sequence[dict[str, str]], reason: str,
                              **fields) -> Event:
    cited = [*sources, *_create_sources(new_sources, actor=actor, person=person, reason=reason)]
    return services.record_event(person, fields.pop("type"), fields.pop("date"), actor=actor, reason=reason,
                                 sources=cited, expected_version=expected_version, **fields)


@transaction.atomic
def correct_event_with_sources(event: Event, *, actor: services.Actor, expected_version: int,
                               sources: Sequence[Source], new_sources: Sequence[dict[str, str]], reason: str,
                               **changes) -> Event:
    cited = [*sources, *_create_sources(new_sources, actor=actor, person=event.person, reason=reason)]
    return services.correct_event(event, actor=actor, reason=reason, sources=cited,
                                  expected_version=expected_version, **changes)
