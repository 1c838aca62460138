import json

from django.core.management.base import BaseCommand, CommandError

from volia.registry import services
from volia.registry.models import Event, Person


def _sources(changes: dict) -> list[str]:
    """The source titles an entry names (an event's snapshot, or its after-image for a correction)."""
    for snap in (changes, changes.get("after"), changes.get("before")):
        if isinstance(snap, dict) and isinstance(snap.get("sources"), list):
            return [str(s) for s in snap["sources"]]
    return []


def _what(changes: dict) -> str:
    return json.dumps({k: v for k, v in changes.items() if k != "sources"}, ensure_ascii=False, sort_keys=True,
                      default=str)


class Command(BaseCommand):
    help = "Show the audit history of a person (by key) or an event (by id): who, when, what, why, which source."

    def add_arguments(self, parser):
        parser.add_argument("--person")
        parser.add_argument("--event", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        if not o["person"] and o["event"] is None:
            raise CommandError("give --person KEY or --event ID")
        try:
            obj = Person.objects.get(key=o["person"]) if o["person"] else Event.objects.get(pk=o["event"])
        except (Person.DoesNotExist, Event.DoesNotExist) as exc:
            what = f"person {o['person']!r}" if o["person"] else f"event #{o['event']}"
            raise CommandError(f"no such record: {what}") from exc
        entries = services.history(obj)
        if o["json"]:
            self.stdout.write(json.dumps([
                {"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                 "object": f"{e.object_type}#{e.object_id}", "reason": e.reason, "changes": e.changes,
                 "sources": _sources(e.changes), "seq": e.seq}
                for e in entries], ensure_ascii=False, indent=2))
            return
        for e in entries:
            self.stdout.write(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action} {e.object_type}#{e.object_id}"
                              + (f" — {e.reason}" if e.reason else ""))
            self.stdout.write(f"    what: {_what(e.changes)}")
            if sources := _sources(e.changes):
                self.stdout.write(f"    sources: {'; '.join(sources)}")
