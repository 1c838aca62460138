import json

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from volia.security import audit_chain


class Command(BaseCommand):
    help = ("The audit trail. `audit verify`: walk the hash chains of the audit trail and the access log and "
            "report the first entry that was edited, deleted, reordered or cut off (exit code 1). "
            "`audit show PERSON_KEY`: the history of one record (the `history` command).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        verify = sub.add_parser("verify", help="check the hash chains")
        verify.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="who changed a person, when, what, why and from which source")
        show.add_argument("person_key")
        show.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        if o["what"] == "show":
            call_command("history", person=o["person_key"], json=o["json"], stdout=self.stdout)
            return
        reports = audit_chain.verify_all()
        if o["json"]:
            self.stdout.write(json.dumps({"ok": all(r.ok for r in reports), "chains": [r.as_dict() for r in reports]},
                                         indent=2))
        else:
            for r in reports:
                state = "ok" if r.ok else f"BROKEN: {r.problems[0]}"
                self.stdout.write(f"{r.chain}: {r.entries} entries, {state}")
        if not all(r.ok for r in reports):
            raise CommandError("the audit trail fails verification", returncode=1)
