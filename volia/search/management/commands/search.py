import json

from django.core.management.base import BaseCommand, CommandError

from volia.registry.management.commands._common import cli_actor
from volia.registry.models import Person
from volia.registry.services import log_access
from volia.search.service import MAX_LIMIT, search


class Command(BaseCommand):
    help = ("Find people by any spelling of a name (Cyrillic or Latin, Belarusian or Russian form, "
            "transliteration variants, typos). Restricted people are left out unless --include-restricted.")

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help="the name, or part of it (several words are one query)")
        parser.add_argument("--limit", type=int, default=20, help=f"at most this many people (1-{MAX_LIMIT})")
        parser.add_argument("--json", action="store_true", help="print a JSON list, best first")
        parser.add_argument("--include-restricted", action="store_true",
                            help="also find people whose record is restricted (the search is logged)")

    def handle(self, *args, **o):
        if not 1 <= o["limit"] <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}, not {o['limit']}")
        query = " ".join(o["query"]).strip()
        if not query:
            raise CommandError("empty query")
        levels = ["public", "internal"] + (["restricted"] if o["include_restricted"] else [])
        people = Person.objects.filter(merged_into__isnull=True, visibility__in=levels)
        hits = search(query, limit=o["limit"], people=people)
        found = Person.objects.filter(pk__in=[h.person_id for h in hits]).values_list("pk", "key", "visibility")
        info = {pk: key for pk, key, _ in found}
        vis = {pk: v for pk, _, v in found}
        restricted = [info[h.person_id] for h in hits if vis[h.person_id] == "restricted"]
        if restricted:  # a read of restricted data is logged
            log_access(cli_actor(), "search", {"query": query, "restricted_people": restricted},
                       row_count=len(restricted))
        if o["json"]:
            items = [{"key": info[h.person_id], "name": h.name, "matched": h.matched, "score": h.score,
                      "visibility": vis[h.person_id]} for h in hits]
            self.stdout.write(json.dumps(items, ensure_ascii=False, indent=1))
            return
        if not hits:
            self.stdout.write(f"no one found for {query!r}")
            return
        rows = [(f"{h.score:.2f}", info[h.person_id], h.name, "" if h.matched == h.name else h.matched)
                for h in hits]
        head = ("score", "key", "name", "matched name")
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(4)]
        for r in [head, *rows]:
            self.stdout.write("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
