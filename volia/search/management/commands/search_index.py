import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from volia.registry.models import Person
from volia.search import index


class Command(BaseCommand):
    help = ("Maintain the name search index. 'rebuild' rewrites it from the stored names (after an upgrade "
            "that changes how names are folded, or a restore); 'check' reports people whose index rows "
            "differ from what their names give (exit 1 if any).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"])
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **o):
        total = Person.objects.filter(merged_into__isnull=True).count() if o["action"] == "rebuild" \
            else Person.objects.count()
        show = not o["no_progress"] and sys.stderr.isatty()
        with tqdm(total=total, unit=" people", file=sys.stderr, disable=not show) as bar:
            if o["action"] == "rebuild":
                n = index.rebuild(progress=bar.update)
                bar.close()
                self.stdout.write(f"search index rebuilt: {n} terms for {total} people")
                return
            problems = index.check(progress=bar.update)
        for p in problems[:200]:
            self.stdout.write(p)
        if problems:
            more = " (first 200 shown)" if len(problems) > 200 else ""
            raise CommandError(f"search index: {len(problems)} problem(s){more}; run 'volia search-index rebuild'")
        self.stdout.write(f"search index up to date ({total} people)")
