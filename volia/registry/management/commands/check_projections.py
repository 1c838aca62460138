import sys

from django.core.management.base import BaseCommand

from volia.registry import services


class Command(BaseCommand):
    help = "Verify that the stored projections equal a full rebuild from the events (exit 1 if not)."

    def handle(self, *args, **o):
        problems = services.check_projections()
        for p in problems[:200]:
            self.stderr.write(p)
        if problems:
            self.stderr.write(f"{len(problems)} problem(s); run `volia rebuild` after fixing their cause")
            sys.exit(1)
        self.stdout.write("ok: stored projections equal a full rebuild")
