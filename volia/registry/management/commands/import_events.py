import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from volia.interchange import canonical
from volia.interchange.errors import RowError
from volia.interchange.importer import Importer, file_sha256

from ._common import cli_actor


class Command(BaseCommand):
    help = ("Import a file of events: the canonical CSV or JSON Lines format (docs/interchange.md), or any "
            "CSV/XLSX layout with --mapping (docs/mapping.md). The whole file is validated; on any error "
            "nothing is written and every bad row is reported.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mapping", help="TOML file describing a foreign layout (CSV or XLSX)")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file extension")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--strict", action="store_true",
                            help="refuse facilities, organisations and sources the registry does not know")
        parser.add_argument("--visibility", choices=canonical.VISIBILITIES,
                            default=getattr(settings, "VOLIA_DEFAULT_VISIBILITY", "internal"),
                            help="visibility of new people whose rows do not set it")
        parser.add_argument("--reason", default="", help="why this import is made (kept in the audit log)")
        parser.add_argument("--actor", help="name recorded in the audit log (default: the OS user)")
        parser.add_argument("--link", choices=["off", "propose", "auto"], default="propose",
                            help="look for each new person in the registry: propose candidates for review "
                                 "(default), also attach rows to a sure match (auto), or not at all (off); "
                                 "docs/linkage.md")
        parser.add_argument("--auto-threshold", type=float, default=None,
                            help="match probability at or above which --link auto attaches (default 0.98)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        label = path.name
        errors: list[RowError] = []
        bar = None if o["no_progress"] or o["json"] or not sys.stderr.isatty() else tqdm(
            unit=" rows", desc=f"importing {label}", file=sys.stderr)

        def progress(n: int) -> None:
            if bar is not None:
                bar.update(n - bar.n)

        with open(path, "rb") if not o["mapping"] else _nullctx() as stream:
            if o["mapping"]:
                from volia.interchange import mapping

                try:
                    m = mapping.load_mapping(o["mapping"])
                except (mapping.MappingError, OSError) as exc:
                    raise CommandError(f"{o['mapping']}: {exc}") from exc
                rows = mapping.iter_mapped_rows(path, m, errors)
            else:
                try:
                    fmt = o["format"] or canonical.detect_format(path)
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
                reader = canonical.iter_csv if fmt == "csv" else canonical.iter_jsonl
                rows = reader(stream, label, errors)
            importer = Importer(label, actor=cli_actor(o["actor"]), dry_run=o["dry_run"], strict=o["strict"],
                                default_visibility=o["visibility"], reason=o["reason"],
                                file_hash=file_sha256(path), mapping_label=o["mapping"] or "",
                                progress=progress, link=o["link"], link_auto_threshold=o["auto_threshold"])
            try:
                report = importer.run(rows, errors)
            except _mapping_error() as exc:  # the header does not match the mapping: nothing was written
                raise CommandError(f"{o['mapping']}: {exc}") from exc
        if bar is not None:
            bar.close()
        if o["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
        else:
            self._print(report)
        if not report.ok:
            sys.exit(1)

    def _print(self, report):
        w = self.stdout.write
        for e in report.errors:
            self.stderr.write(f"error: {e}")
        for warn in report.warnings:
            self.stderr.write(f"warning: {warn}")
        if not report.ok:
            self.stderr.write(f"{report.file}: {len(report.errors)} error(s) in {report.rows} rows; "
                              "nothing was imported")
            return
        verb = "would import" if report.dry_run else "imported"
        w(f"{report.file}: {verb} {report.rows} rows: {report.events_created} new events, "
          f"{report.events_already_known} already known, {report.people_created} new people, "
          f"{report.names_added} names added, {report.sources_linked} source links")
        if report.linkage:
            linked = report.linkage["auto_linked"]
            w(f"  linkage ({report.linkage['mode']}): {len(linked)} key(s) attached to registry people, "
              f"{report.linkage['candidates_filed']} candidate(s) filed for review (volia review)")
            for key, to in list(linked.items())[:20]:
                w(f"    {key} -> {to['person']} (p={to['score']})")
        for what, names in report.created.items():
            if names:
                w(f"  new {what} ({len(names)}): {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}")
        if report.dry_run:
            w("dry run: nothing was written")


def _mapping_error() -> type[Exception]:
    from volia.interchange.mapping import MappingError

    return MappingError


class _nullctx:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
