from django.core.management.base import BaseCommand, CommandError

from volia.interchange import exporter
from volia.registry.services import Actor, log_access

from ._common import cli_actor


class Command(BaseCommand):
    help = "Write every current event in the canonical interchange format (docs/interchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, **o):
        actor: Actor = cli_actor()
        if o["output"]:
            try:
                f = open(o["output"], "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"{o['output']}: cannot write: {exc.strerror}") from exc
            with f:
                n = exporter.write(f, o["format"])
            self.stderr.write(f"{n} events written to {o['output']}")
        else:
            self.stdout.ending = ""
            n = exporter.write(self.stdout, o["format"])  # type: ignore[arg-type]
        log_access(actor, "export", {"format": o["format"], "output": o["output"] or "-", "events": n},
                   row_count=n)
