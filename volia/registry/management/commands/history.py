import json

from django.core.management.base import BaseCommand, CommandError

from volia.registry import services
from volia.registry.models import Event, Person


class Command(BaseCommand):
    help = "Show the audit history of a person (by key) or an event (by id)."

    def add_arguments(self, parser):
        parser.add_argument("--person")
        parser.add_argument("--event", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        try:
            obj = Person.objects.get(key=o["person"]) if o["person"] else Event.objects.get(pk=o["event"])
        except (Person.DoesNotExist, Event.DoesNotExist) as exc:
            raise CommandError("no such record") from exc
        entries = services.history(obj)
        if o["json"]:
            self.stdout.write(json.dumps([
                {"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                 "object": f"{e.object_type}#{e.object_id}", "reason": e.reason, "changes": e.changes}
                for e in entries], ensure_ascii=False, indent=2))
            return
        for e in entries:
            self.stdout.write(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action} {e.object_type}#{e.object_id}"
                              + (f" — {e.reason}" if e.reason else ""))
