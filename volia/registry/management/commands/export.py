from django.core.management.base import BaseCommand, CommandError

from volia.interchange import exporter
from volia.registry.services import Actor, log_access

from ._common import cli_actor


class Command(BaseCommand):
    help = "Write every current event in the canonical interchange format (docs/interchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--include-restricted", action="store_true",
                            help="also write restricted people and restricted sources (default: public and "
                                 "internal only); the export is access-logged either way")

    def handle(self, *args, **o):
        actor: Actor = cli_actor()
        levels = exporter.DEFAULT_LEVELS | ({"restricted"} if o["include_restricted"] else set())
        if o["output"]:
            try:
                f = open(o["output"], "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"{o['output']}: cannot write: {exc.strerror}") from exc
            with f:
                n = exporter.write(f, o["format"], levels)
            self.stderr.write(f"{n} events written to {o['output']}")
        else:
            self.stdout.ending = ""
            n = exporter.write(self.stdout, o["format"], levels)  # type: ignore[arg-type]
        log_access(actor, "export", {"format": o["format"], "output": o["output"] or "-", "events": n,
                                     "levels": sorted(levels)},
                   row_count=n)
