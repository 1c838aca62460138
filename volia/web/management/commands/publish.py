import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from volia.web.public.publish import DEFAULT_LICENCE, LANGUAGES, PublishError, publish


class Command(BaseCommand):
    help = ("Write the public site as static files (relative links: works from any mirror path or file://) and "
            "the open data (data/*.csv, data/*.json, datapackage.json) into OUTDIR. Only what the public may see "
            "is written. The copy is built beside OUTDIR and renamed into place when complete.")

    def add_arguments(self, parser):
        parser.add_argument("outdir")
        parser.add_argument("--lang", action="append", choices=LANGUAGES,
                            help="a language to publish (repeat for several; default: be, ru and en)")
        parser.add_argument("--licence", default=DEFAULT_LICENCE,
                            help=f"SPDX identifier of the data licence (default {DEFAULT_LICENCE})")
        parser.add_argument("--jobs", type=int, default=1,
                            help="processes rendering the person pages (default 1; 2 on a two-core server "
                                 "nearly halves the time)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **o):
        languages = tuple(dict.fromkeys(o["lang"] or LANGUAGES))
        bar = None if o["no_progress"] or o["json"] or not sys.stderr.isatty() else tqdm(
            unit=" pages", desc="publishing", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.update(done - bar.n)

        if o["jobs"] < 1:
            raise CommandError(f"--jobs must be 1 or more, not {o['jobs']}")
        try:
            report = publish(Path(o["outdir"]), languages, o["licence"], progress, jobs=o["jobs"])
        except PublishError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        summary = {"outdir": str(Path(o["outdir"]).resolve()), "languages": list(languages), "pages": report.pages,
                   "people": report.people, "events": report.events, "files": report.files}
        if o["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"{report.pages} pages in {', '.join(languages)}; open data: {report.people} people, "
                              f"{report.events} events -> {summary['outdir']}")
