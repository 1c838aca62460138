import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from volia.linkage import services
from volia.registry.management.commands._common import cli_actor
from volia.registry.models import Person


class Command(BaseCommand):
    help = ("Merge the person MERGED into SURVIVOR (by key): names, events and sources move with their provenance, "
            "the merged record stays, marked merged; `volia unmerge MERGE_ID` undoes it exactly.")

    def add_arguments(self, parser):
        parser.add_argument("survivor", help="key of the person who stays")
        parser.add_argument("merged", help="key of the person merged into the survivor")
        parser.add_argument("--reason", required=True, help="why they are one person (kept in the audit log)")
        parser.add_argument("--actor", help="name recorded in the audit log (default: the OS user)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        people = {p.key: p for p in Person.objects.filter(key__in=[o["survivor"], o["merged"]])}
        for k in (o["survivor"], o["merged"]):
            if k not in people:
                raise CommandError(f"no person with key {k!r}")
        try:
            merge = services.merge_people(people[o["survivor"]], people[o["merged"]], actor=cli_actor(o["actor"]),
                                          reason=o["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        moved = merge.moved
        if o["json"]:
            self.stdout.write(json.dumps({"merge": merge.pk, "survivor": o["survivor"], "merged": o["merged"],
                                          "moved": moved}, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"merge #{merge.pk}: {o['merged']} merged into {o['survivor']}: "
                          f"{len(moved['names'])} name(s) and {len(moved['events'])} event(s) moved, "
                          f"{len(moved['duplicate_events'])} fact(s) both recorded (sources linked), "
                          f"{len(moved['filled'])} field(s) filled; undo with: volia unmerge {merge.pk} --reason ...")
