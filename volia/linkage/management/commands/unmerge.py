import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from volia.linkage import services
from volia.linkage.models import Merge
from volia.registry.management.commands._common import cli_actor


class Command(BaseCommand):
    help = "Undo a merge (volia merge, an accepted review candidate, or an automatic link): restores the state before."

    def add_arguments(self, parser):
        parser.add_argument("merge_id", type=int)
        parser.add_argument("--reason", required=True, help="why the merge was wrong (kept in the audit log)")
        parser.add_argument("--actor", help="name recorded in the audit log (default: the OS user)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        try:
            merge = Merge.objects.select_related("survivor", "merged").get(pk=o["merge_id"])
        except Merge.DoesNotExist as exc:
            raise CommandError(f"no merge #{o['merge_id']}") from exc
        try:
            merge = services.unmerge(merge, actor=cli_actor(o["actor"]), reason=o["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if o["json"]:
            self.stdout.write(json.dumps({"merge": merge.pk, "survivor": merge.survivor.key,
                                          "merged": merge.merged.key, "undone_at": merge.undone_at.isoformat()
                                          if merge.undone_at else None}, indent=2))
            return
        self.stdout.write(f"merge #{merge.pk} undone: {merge.merged.key} is a separate person again "
                          f"({len(merge.moved['events'])} event(s), {len(merge.moved['names'])} name(s) returned)")
