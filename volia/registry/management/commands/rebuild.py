from django.core.management.base import BaseCommand

from volia.registry import services


class Command(BaseCommand):
    help = "Recompute every custody episode and status period from the events."

    def handle(self, *args, **o):
        n = services.rebuild_projections()
        self.stdout.write(f"rebuilt the projections of {n} people")
