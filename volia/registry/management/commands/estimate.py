import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from volia.stats import mse, report
from volia.stats.capture import CaptureTableError, read_capture_table


class Command(BaseCommand):
    help = ("Estimate how many people no list documents (multiple systems estimation, docs/estimation.md): "
            "from a capture table file (TSV: one 0/1 column per list and a `count` column), or from the "
            "registry, where each organisation's recognitions are one list.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="capture table (TSV or CSV)")
        parser.add_argument("--registry", action="store_true",
                            help="build the lists from the organisations' recognitions in the registry")
        parser.add_argument("--on", metavar="YYYY-MM-DD",
                            help="registry: people recognised on or before this date (default: today)")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD",
                            help="registry: people recognised within a period starting on this date")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="registry: ... and ending on this date")
        parser.add_argument("--by", choices=["region", "sex"], help="registry: one estimate per stratum")
        parser.add_argument("--method", choices=mse.METHODS, default="auto",
                            help="model selection: BIC or AIC over all models (a search beyond about a "
                                 "thousand), or stepwise; auto = BIC, stepwise for many lists")
        parser.add_argument("--max-order", type=int, choices=[2, 3], default=2,
                            help="largest interaction: 2 = pairs of lists (default), 3 = also three lists")
        parser.add_argument("--model", help="fit this model instead of selecting one, e.g. 'A:B, B:C'")
        parser.add_argument("--p-threshold", type=float, default=mse.DEFAULT_P_THRESHOLD,
                            help="stepwise: add an interaction while its p-value is below this")
        parser.add_argument("--level", type=float, default=0.95, help="confidence level of the intervals")
        parser.add_argument("--alternatives", type=int, default=10, help="how many models the report compares")
        parser.add_argument("--bootstrap", type=int, default=0, metavar="B",
                            help="interval from B parametric bootstrap replicates (model re-selected in each)")
        parser.add_argument("--seed", type=int, help="seed of the bootstrap")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **o):
        if bool(o["file"]) == bool(o["registry"]):
            raise CommandError("give a capture table FILE or --registry (one of them)")
        if not 0.5 <= o["level"] < 1:
            raise CommandError("--level must be between 0.5 and 1, e.g. 0.95")
        if o["bootstrap"] < 0 or o["alternatives"] < 1:
            raise CommandError("--bootstrap must be 0 or more and --alternatives at least 1")
        options = {"method": o["method"], "max_order": o["max_order"], "p_threshold": o["p_threshold"],
                   "level": o["level"], "alternatives": o["alternatives"], "bootstrap": o["bootstrap"],
                   "seed": o["seed"]}
        if o["file"]:
            if o["on"] or o["start"] or o["end"] or o["by"]:
                raise CommandError("--on, --from, --to and --by apply to --registry only")
            result = self._from_file(Path(o["file"]), o["model"], options)
        else:
            result = self._from_registry(o, options)
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self._text(result))

    def _estimate(self, table, model, options) -> dict:
        try:
            return mse.estimate(table, model=model, **options).as_dict()
        except ValueError as exc:  # a --model naming lists the table does not have
            raise CommandError(f"--model: {exc}") from exc

    def _from_file(self, path: Path, model, options) -> dict:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            table = read_capture_table(path)
        except CaptureTableError as exc:
            raise CommandError(f"{path.name}: not a capture table:\n" + "\n".join(f"  {e}" for e in exc.errors)) \
                from exc
        return {"source": str(path), **self._estimate(table, model, options)}

    def _from_registry(self, o, options) -> dict:
        from volia.stats.registry_systems import capture_tables

        if o["on"] and (o["start"] or o["end"]):
            raise CommandError("give --on or --from/--to, not both")
        try:
            on, start, end = (dt.date.fromisoformat(o[key]) if o[key] else None for key in ("on", "start", "end"))
        except ValueError as exc:
            raise CommandError(f"dates are YYYY-MM-DD: {exc}") from exc
        if start and end and start > end:
            raise CommandError("--from is after --to")
        systems = capture_tables(on=on, start=start, end=end, by=o["by"])
        head = {"source": "registry", "window": systems.window, "by": systems.by, "lists": list(systems.lists),
                "people": systems.people}
        if not systems.tables:
            return {**head, "estimate": None, "lower": None, "upper": None, "model": None,
                    "warnings": ["no current recognitions by any organisation in this window"],
                    "assumptions": list(mse.ASSUMPTIONS)}
        if not o["by"]:
            return {**head, **self._estimate(systems.tables["all"], o["model"], options)}
        strata = []
        for name, table in systems.tables.items():
            one = self._estimate(table, o["model"], options)
            one.pop("assumptions")
            strata.append({"stratum": name, **one})
        return {**head, "strata": strata, "total": _total(strata, options["level"]),
                "assumptions": list(mse.ASSUMPTIONS)}

    def _text(self, result: dict) -> str:
        parts = []
        if result["source"] == "registry":
            window = result["window"]
            when = (f"recognised on or before {window['on']}" if window["on"] else
                    f"recognised between {window['from'] or 'the beginning'} and {window['to'] or 'now'}")
            parts.append(f"Registry: {result['people']:,} people {when}; each organisation's recognitions "
                         "are one list")
        else:
            parts.append(f"Capture table {result['source']}")
        if "strata" in result:
            for s in result["strata"]:
                parts.append(report.render(s, f"{result['by']}: {s['stratum']}"))
            t = result["total"]
            parts.append("Total over the strata: " + (
                f"{t['estimate']:,.0f} (sum of the strata; interval {t['lower']:,.0f} – "
                + (f"{t['upper']:,.0f}" if t["upper"] is not None else "no upper bound")
                + ", the sums of the strata's bounds, wider than a 95% interval)"
                if t["estimate"] is not None else "none: " + "; ".join(t["warnings"])))
        elif "alternatives" in result:
            parts.append(report.render(result))
        else:
            parts.append("\n".join(result["warnings"]))
        parts.append(report.render_assumptions(result["assumptions"]))
        return "\n\n".join(parts)


def _total(strata: list[dict], level: float) -> dict:
    """Sum of the strata. The interval adds the strata's bounds: conservative, never too narrow."""
    missing = [s["stratum"] for s in strata if s["estimate"] is None]
    total: dict = {"observed": sum(s["observed"] for s in strata), "estimate": None, "lower": None, "upper": None,
                   "level": level, "warnings": []}
    if missing:
        total["warnings"].append("no finite estimate in stratum " + ", ".join(missing)
                                 + " (merge small strata or estimate without --by)")
        return total
    total["estimate"] = round(sum(s["estimate"] for s in strata), 1)
    total["lower"] = round(sum(s["lower"] if s["lower"] is not None else s["estimate"] for s in strata), 1)
    uppers = [s["upper"] for s in strata]
    total["upper"] = None if any(u is None for u in uppers) else round(sum(uppers), 1)
    total["interval"] = "sum of the strata's bounds (wider than a true interval for the total)"
    return total
