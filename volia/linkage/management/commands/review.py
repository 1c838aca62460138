import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from volia.linkage import services
from volia.linkage.models import Candidate
from volia.registry.management.commands._common import cli_actor


def _row(c: Candidate) -> dict:
    return {"id": c.pk, "score": round(c.score, 4), "status": c.status, "origin": c.origin,
            "left": c.left.key, "right": c.right.key, "features": c.features,
            "import_batch": c.import_batch_id, "created_at": c.created_at.isoformat(),
            "decided_by": c.decided_by, "decided_at": c.decided_at.isoformat() if c.decided_at else None,
            "reason": c.reason}


class Command(BaseCommand):
    help = ("The record-linkage review queue: list candidate pairs (most probable first), or decide one with "
            "--accept ID / --reject ID and --reason. Accepting merges the right person into the left one.")

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=["proposed", "accepted", "rejected", "all"], default="proposed")
        parser.add_argument("--limit", type=int, default=50)
        decide = parser.add_mutually_exclusive_group()
        decide.add_argument("--accept", type=int, metavar="ID", help="the pair is one person: merge it")
        decide.add_argument("--reject", type=int, metavar="ID", help="two different people: never propose again")
        parser.add_argument("--reason", default="", help="why (required with --accept/--reject)")
        parser.add_argument("--actor", help="name recorded in the audit log (default: the OS user)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        cid = o["accept"] if o["accept"] is not None else o["reject"]
        if cid is not None:
            return self._decide(cid, o["accept"] is not None, o)
        qs = Candidate.objects.select_related("left", "right").order_by("-score", "id")
        if o["status"] != "all":
            qs = qs.filter(status=o["status"])
        rows = list(qs[:o["limit"]])
        if o["json"]:
            self.stdout.write(json.dumps([_row(c) for c in rows], ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(f"no {o['status']} candidates" if o["status"] != "all" else "no candidates")
        for c in rows:
            f = c.features
            left, right = f.get("left", {}), f.get("right", {})
            self.stdout.write(f"#{c.pk} p={c.score:.3f} {c.status} ({c.origin}): {c.left.key} ~ {c.right.key}")
            self.stdout.write(f"    {' / '.join(left.get('names', []))} | born {left.get('birth') or '?'} | "
                              f"{left.get('region') or '?'} | detained {left.get('detained') or '?'}")
            self.stdout.write(f"    {' / '.join(right.get('names', []))} | born {right.get('birth') or '?'} | "
                              f"{right.get('region') or '?'} | detained {right.get('detained') or '?'}")
            self.stdout.write("    " + ", ".join(f"{k}: {v}" for k, v in f.get("levels", {}).items()))

    def _decide(self, cid: int, accept: bool, o: dict) -> None:
        try:
            c = Candidate.objects.get(pk=cid)
        except Candidate.DoesNotExist as exc:
            raise CommandError(f"no candidate #{cid}") from exc
        try:
            merge = services.decide(c, accept, actor=cli_actor(o["actor"]), reason=o["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if o["json"]:
            self.stdout.write(json.dumps({"candidate": c.pk, "status": c.status, "merge": merge.pk if merge else None}))
        elif merge:
            self.stdout.write(f"candidate #{c.pk} accepted: merge #{merge.pk} ({c.right.key} into {c.left.key})")
        else:
            self.stdout.write(f"candidate #{c.pk} rejected: this pair will not be proposed again")
