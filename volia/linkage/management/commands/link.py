import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from volia.linkage import importing, services
from volia.registry.management.commands._common import cli_actor


class Command(BaseCommand):
    help = ("Record linkage. `volia link --within`: look for duplicates within the registry and file them for "
            "review (with --auto, merge the pairs above --auto-threshold). `volia link FILE [--mapping M]`: "
            "preview what importing FILE would link, writing nothing. Method and figures: docs/linkage.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="an import file to preview (canonical CSV/JSONL, or --mapping)")
        parser.add_argument("--mapping", help="TOML mapping for a foreign layout (docs/mapping.md)")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file extension")
        parser.add_argument("--within", action="store_true", help="look for duplicates within the registry")
        parser.add_argument("--auto", action="store_true",
                            help="with --within: merge pairs at or above --auto-threshold instead of proposing them")
        parser.add_argument("--auto-threshold", type=float, default=services.AUTO_THRESHOLD)
        parser.add_argument("--review-threshold", type=float, default=services.REVIEW_THRESHOLD)
        parser.add_argument("--train", action="store_true",
                            help="with --within: estimate the model by EM on this registry (default: when the "
                                 "registry gives enough candidate pairs)")
        parser.add_argument("--dry-run", action="store_true", help="with --within: report, write nothing")
        parser.add_argument("--actor", help="name recorded in the audit log (default: the OS user)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        if not 0 < o["review_threshold"] <= o["auto_threshold"] <= 1:
            raise CommandError("thresholds must satisfy 0 < --review-threshold <= --auto-threshold <= 1")
        if o["within"] == bool(o["file"]):
            raise CommandError("give either --within or a FILE to preview")
        if o["within"]:
            return self._within(o)
        return self._preview(o)

    def _within(self, o):
        run, proposals = services.link_within(actor=cli_actor(o["actor"]), auto=o["auto"],
                                              auto_threshold=o["auto_threshold"],
                                              review_threshold=o["review_threshold"],
                                              train=True if o["train"] else None, dry_run=o["dry_run"])
        if o["json"]:
            self.stdout.write(json.dumps({**run.as_dict(), "dry_run": o["dry_run"],
                                          "pairs": [{"left": p.left, "right": p.right, "score": round(p.score, 4),
                                                     "levels": p.features["levels"]} for p in proposals]},
                                         ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{run.people} people, {run.pairs_compared} candidate pairs compared "
                          f"({'model trained by EM on this registry' if run.trained else 'default model'}); "
                          f"{len(proposals)} pair(s) at or above {o['review_threshold']}")
        if o["dry_run"]:
            for p in proposals[:50]:
                self.stdout.write(f"  person #{p.left} ~ #{p.right}: p={p.score:.3f} {p.features['levels']}")
            self.stdout.write("dry run: nothing was written")
            return
        self.stdout.write(f"{run.proposed} filed for review (volia review), {run.already_known} already in the "
                          f"queue or decided, {len(run.merged)} merged automatically"
                          + (f" (merges {', '.join(f'#{m}' for m in run.merged)})" if run.merged else ""))

    def _preview(self, o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        from volia.interchange import canonical

        errors: list = []
        if o["mapping"]:
            from volia.interchange import mapping

            try:
                m = mapping.load_mapping(o["mapping"])
                out, row_errors = importing.preview(mapping.iter_mapped_rows(path, m, errors), path.name,
                                                    auto_threshold=o["auto_threshold"],
                                                    review_threshold=o["review_threshold"])
            except (mapping.MappingError, OSError) as exc:
                raise CommandError(f"{o['mapping']}: {exc}") from exc
        else:
            try:
                fmt = o["format"] or canonical.detect_format(path)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            reader = canonical.iter_csv if fmt == "csv" else canonical.iter_jsonl
            with open(path, "rb") as stream:
                out, row_errors = importing.preview(reader(stream, path.name, errors), path.name,
                                                    auto_threshold=o["auto_threshold"],
                                                    review_threshold=o["review_threshold"])
        row_errors = errors + row_errors
        if o["json"]:
            self.stdout.write(json.dumps({"file": path.name, "people": out,
                                          "errors": [e.as_dict() for e in row_errors]},
                                         ensure_ascii=False, indent=2))
            return
        for e in row_errors[:20]:
            self.stderr.write(f"error: {e}")
        counts = Counter(x["outcome"] for x in out)
        self.stdout.write(f"{path.name}: {len(out)} person key(s): {counts['known']} already in the registry, "
                          f"{counts['alias']} known aliases, {counts['attach']} would attach with --link auto, "
                          f"{counts['review']} would go to review, {counts['new']} new")
        for x in out:
            if x["outcome"] in ("attach", "review"):
                best = x["matches"][0]
                self.stdout.write(f"  {x['key']}: {x['outcome']} -> {best['person']} (p={best['score']})"
                                  + (f" and {len(x['matches']) - 1} more" if len(x["matches"]) > 1 else ""))
        if row_errors:
            self.stdout.write(f"{len(row_errors)} row error(s): an import would refuse this file as it is")
