"""`volia stats FIGURE ...`: the figures of the statistics engine (docs/statistics.md).

Thin on purpose: parse the options, load the dataset, call `volia.stats.engine`, print.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from volia.core import codes
from volia.stats import engine

FILTER_OPTIONS = {
    "sex": ("CODE", "sex: " + ", ".join(codes.SEX)),
    "age-min": ("YEARS", "aged at least this on the date of the figure"),
    "age-max": ("YEARS", "aged at most this on the date of the figure"),
    "region": ("CODE", "region: " + ", ".join(codes.REGIONS)),
    "article": ("NUMBER", "charged under this Criminal Code article (any charge), e.g. 342 or 361-1"),
    "facility": ("CODE", "in this facility on the date (its last event with a facility)"),
    "facility-kind": ("KIND", "in a facility of this kind on the date: " + ", ".join(codes.FACILITY_KINDS)),
    "group": ("CODE", "group: " + ", ".join(codes.GROUPS)),
    "vulnerable": ("CODE", "vulnerable on the date: " + ", ".join(engine.VULNERABILITY) + " or any"),
}
FIGURES = {
    "held": "how many people were held at the end of a day",
    "series": "the held count for every day of a range",
    "flows": "detentions, recognitions, releases by kind, deaths... per day, week, month or year",
    "remitted": "days of the sentence left at early releases (pardon, amnesty, exchange)",
    "durations": "time in custody: Kaplan-Meier survival and competing exits",
    "incommunicado": "days since the last proof of contact of everybody held on a day",
    "vulnerability": "vulnerable people among those held on a day",
    "projection": "the held count some days ahead, from recent inflow and outflow",
}
# the recognition rule each figure uses unless told otherwise
DEFAULT_RECOGNITION = {"flows": "none", "remitted": "none", "durations": "none"}


def bad(option: str, message: str) -> CommandError:
    return CommandError(f"{option}: {message}", returncode=2)


def parse_date(option: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise bad(option, f"{value!r} is not a date (YYYY-MM-DD)") from None


def engine_error(exc: ValueError) -> CommandError:
    """The engine names the parameter ("age_min: ..."): name the command's option instead."""
    name, sep, rest = str(exc).partition(":")
    if sep and name.isidentifier():
        option = {"from": "--from", "to": "--to", "horizon": "--horizon", "window": "--window"}.get(
            name, "--" + name.replace("_", "-"))
        return bad(option, rest.strip())
    return CommandError(str(exc), returncode=2)


class Command(BaseCommand):
    help = ("Figures from the registry's events (docs/statistics.md): " + "; ".join(
        f"{k}: {v}" for k, v in FIGURES.items()) + ". Every figure states its definition.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="figure", required=True, metavar="FIGURE")
        made = {name: sub.add_parser(name, help=text, description=text) for name, text in FIGURES.items()}
        for name in ("held", "incommunicado", "vulnerability", "projection"):
            made[name].add_argument("--on", required=True, metavar="YYYY-MM-DD", help="the day of the figure")
        for name in ("series", "flows"):
            made[name].add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
            made[name].add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        made["remitted"].add_argument("--from", dest="start", metavar="YYYY-MM-DD",
                                      help="releases on or after this day (default: all)")
        made["remitted"].add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="... and on or before this day")
        made["flows"].add_argument("--by", choices=engine.BY, default="month", help="length of a period")
        made["durations"].add_argument("--by", choices=engine.DURATION_BY, help="one curve per group")
        made["durations"].add_argument("--records-start", metavar="YYYY-MM-DD",
                                       default=engine.RECORDS_START.isoformat(),
                                       help="episodes begun earlier are left-truncated here (default %(default)s)")
        made["durations"].add_argument("--end", metavar="YYYY-MM-DD",
                                       help="censor still-open episodes here (default: the end of the data)")
        made["projection"].add_argument("--horizon", type=int, default=90, help="days ahead (default 90)")
        made["projection"].add_argument("--window", type=int, default=180,
                                        help="days of recent inflow and outflow to average (default 180)")
        made["held"].add_argument("--people", action="store_true", help="also list the ids of the people counted")
        for name, p in made.items():
            rules = ("none", "retroactive") if name == "durations" else engine.RECOGNITION
            default = DEFAULT_RECOGNITION.get(name, "prior")
            p.add_argument("--recognition", choices=rules, default=default,
                           help=f"who counts: recognised before the day (prior), at any time (retroactive), or "
                                f"everybody (none); default {default}")
            p.add_argument("--organization", metavar="CODE", help="only recognitions by this organisation")
            if name in ("held", "series", "flows", "durations"):
                p.add_argument("--custody", choices=(*engine.CUSTODY, "all"),
                               default="criminal" if name == "durations" else "all",
                               help="kind of custody episode (default %(default)s)")
            p.add_argument("--as-recorded-on", metavar="YYYY-MM-DD",
                           help="only what was recorded by the end of this day, to reproduce a published figure")
            for option, (metavar, text) in FILTER_OPTIONS.items():
                p.add_argument(f"--{option}", metavar=metavar, help=text)
            out = p.add_mutually_exclusive_group()
            out.add_argument("--json", action="store_true", help="print JSON")
            out.add_argument("--csv", action="store_true", help="print a CSV table")

    def handle(self, *args, **o):
        from volia.stats.dataset import load_dataset

        figure = o["figure"]
        try:
            filters = engine.Filters.from_params(
                {k: o[k.replace("-", "_")] for k in FILTER_OPTIONS if o.get(k.replace("-", "_")) is not None})
        except ValueError as exc:
            raise engine_error(exc) from exc
        on = parse_date("--on", o.get("on"))
        start = parse_date("--from", o.get("start"))
        end = parse_date("--to", o.get("end"))
        as_of = parse_date("--as-recorded-on", o.get("as_recorded_on"))
        ds = load_dataset(as_recorded_on=as_of)
        rules: dict[str, Any] = {"recognition": o["recognition"], "organization": o["organization"]}
        if "custody" in o and o["custody"] is not None:
            rules["custody"] = None if o["custody"] == "all" else o["custody"]
        try:
            result = self._compute(ds, figure, on, start, end, filters, rules, o)
        except ValueError as exc:
            raise engine_error(exc) from exc
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        elif o["csv"]:
            writer = csv.writer(self.stdout, lineterminator="\n")
            for row in _table(figure, result):
                writer.writerow(row)
        else:
            self.stdout.write(_text(figure, result))

    def _compute(self, ds, figure, on, start, end, filters, rules, o) -> Any:
        if figure == "held":
            result = engine.held_on(ds, on, filters, **rules)
            if o["people"]:
                result["people"] = engine.held_people(ds, on, filters, **rules)
            return result
        if figure == "series":
            return engine.series(ds, start, end, filters, **rules)
        if figure == "flows":
            periods = engine.flows(ds, start, end, o["by"], filters, **rules)
            return {"from": start.isoformat(), "to": end.isoformat(), "by": o["by"], **rules,
                    "definition": engine.flows_definition(filters=filters, ds=ds, **rules),
                    "filters": filters.as_dict(), "periods": periods}
        if figure == "remitted":
            return engine.remitted(ds, start, end, filters, **rules)
        if figure == "durations":
            records_start = parse_date("--records-start", o["records_start"]) or engine.RECORDS_START
            return engine.durations(ds, filters, by=o["by"], records_start=records_start,
                                    end=parse_date("--end", o["end"]), **rules)
        if figure == "incommunicado":
            return engine.incommunicado(ds, on, filters, **rules)
        if figure == "vulnerability":
            return engine.vulnerability(ds, on, filters, **rules)
        return engine.projection(ds, on, horizon_days=o["horizon"], window_days=o["window"], filters=filters,
                                 **rules)


# --- output ---------------------------------------------------------------------------------------


def _table(figure: str, r: dict) -> list[list[Any]]:
    """A flat table of the figure, for --csv."""
    if figure == "held":
        rows = [["date", "held", "uncertain_dates", "recognition", "organization"],
                [r["date"], r["held"], r["uncertain_dates"], r["recognition"], r["organization"] or ""]]
        if "people" in r:
            rows = [["date", "person_id"]] + [[r["date"], p] for p in r["people"]]
        return rows
    if figure == "series":
        return [["date", "held", "uncertain_dates"]] + [
            [d, h, u] for d, h, u in zip(r["dates"], r["held"], r["uncertain_dates"], strict=True)]
    if figure == "flows":
        kinds = list(codes.RELEASE_KINDS)
        head = ["period", "start", "end", "detained", "rearrested", "recognized", *(f"released_{k}" for k in kinds),
                "released_total", "deported", "died_in_custody", "house_arrest", "held_end", "net_change",
                "inflow_outflow_ratio"]
        rows = [head]
        for p in r["periods"]:
            rows.append([p["period"], p["start"], p["end"], p["detained"], p["rearrested"], p["recognized"],
                         *(p["released"][k] for k in kinds), p["released_total"], p["deported"],
                         p["died_in_custody"], p["house_arrest"], p["held_end"], p["net_change"],
                         "" if p["inflow_outflow_ratio"] is None else p["inflow_outflow_ratio"]])
        return rows
    if figure == "remitted":
        return [["person_id", "release_day", "kind", "days_left", "term_end"]] + [
            [i["person_id"], i["release_day"], i["kind"], "" if i["days_left"] is None else i["days_left"],
             i["term_end"] or ""] for i in r["people_days_left"]]
    if figure == "durations":
        rows = [["group", "day", "survival", "lower", "upper"]]
        for g in r["groups"]:
            rows.extend([g["label"], c["day"], c["survival"], _blank(c["lower"]), _blank(c["upper"])]
                        for c in g["curve"])
        return rows
    if figure == "incommunicado":
        return [["person_id", "days_since_contact", "last_contact", "days_held"]] + [
            [p["person_id"], _blank(p["days_since_contact"]), _blank(p["last_contact"]), p["days_held"]]
            for p in r["people"]]
    if figure == "vulnerability":
        return [["code", "count", "definition"]] + [
            [code, n, r["definitions"][code]] for code, n in r["counts"].items()]
    keys = ["from", "to", "horizon_days", "window_days", "held_now", "inflow", "outflow", "expected", "lower",
            "upper"]
    return [keys, [r[k] for k in keys]]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _text(figure: str, r: dict) -> str:
    lines: list[str] = []
    if figure == "held":
        lines.append(f"Held at the end of {r['date']}: {r['held']:,} (of whom {r['uncertain_dates']:,} with a start "
                     "or end date not known to the day)")
        if "people" in r:
            lines.append("People: " + ", ".join(map(str, r["people"])))
    elif figure == "series":
        held = r["held"]
        lines.append(f"Held from {r['from']} to {r['to']}: min {min(held):,}, max {max(held):,}, "
                     f"first {held[0]:,}, last {held[-1]:,}")
        step = max(1, len(held) // 24)
        lines.extend(f"  {d}  {h:>7,}" for d, h in list(zip(r["dates"], held, strict=True))[::step])
    elif figure == "flows":
        kinds = list(codes.RELEASE_KINDS)
        lines.append(f"{'period':<10} {'detained':>8} {'re-arr':>6} {'recog':>6} {'released':>8} "
                     + " ".join(f"{k[:8]:>8}" for k in kinds) + f" {'deported':>8} {'died':>5} {'net':>6} {'ratio':>6}")
        for p in r["periods"]:
            ratio = "" if p["inflow_outflow_ratio"] is None else f"{p['inflow_outflow_ratio']:.2f}"
            lines.append(f"{p['period']:<10} {p['detained']:>8} {p['rearrested']:>6} {p['recognized']:>6} "
                         f"{p['released_total']:>8} " + " ".join(f"{p['released'][k]:>8}" for k in kinds)
                         + f" {p['deported']:>8} {p['died_in_custody']:>5} {p['net_change']:>+6} {ratio:>6}")
    elif figure == "remitted":
        s = r["days_left"]
        lines.append(f"Early releases: {r['releases']:,} ({', '.join(f'{k} {n}' for k, n in r['by_kind'].items())}); "
                     f"with a known sentence: {r['with_sentence']:,}")
        if r["with_sentence"]:
            lines.append(f"Days of the sentence left: median {s['median']:g} (quartiles {s['p25']:g}–{s['p75']:g}, "
                         f"range {s['min']}–{s['max']})")
            lines.append("Share with less than " + ", ".join(
                f"{k} days: {v:.1%}" for k, v in r["share_under"].items()))
            for b in r["histogram"]:
                lo = "<0" if b["from_days"] is None else b["from_days"]
                hi = "" if b["to_days"] is None else b["to_days"]
                lines.append(f"  {lo}–{hi} days: {b['count']}")
    elif figure == "durations":
        for g in r["groups"]:
            lo, hi = g["median_ci"]
            median = "not reached" if g["median_days"] is None else f"{g['median_days']} days"
            lines.append(f"{g['label']}: {g['n']:,} episodes, {g['events']:,} ended; median {median} "
                         f"(95% CI {lo if lo is not None else '?'}–{hi if hi is not None else 'not reached'})")
        lines.append("Competing exits, cumulative incidence at the last exit: " + ", ".join(
            f"{c} {curve[-1]['cif']:.1%}" for c, curve in r["competing"]["curves"].items() if curve))
    elif figure == "incommunicado":
        lines.append(f"Held at the end of {r['date']}: {r['held']:,}; no contact recorded since the detention: "
                     f"{r['never']:,}")
        lines.append("Without proof of contact for more than " + ", ".join(
            f"{k} days: {n:,}" for k, n in r["no_contact_over"].items()))
    elif figure == "vulnerability":
        lines.append(f"Held at the end of {r['date']}: {r['held']:,}")
        lines.extend(f"  {code}: {n:,} — {r['definitions'][code]}" for code, n in r["counts"].items())
        lines.extend(f"  {text}" for text in r["not_available"].values())
    else:
        lines.append(f"Held on {r['from']}: {r['held_now']:,}; expected on {r['to']}: {r['expected']:,.0f} "
                     f"(95% interval {r['lower']:,.0f}–{r['upper']:,.0f})")
        lines.append(r["assumption"])
    lines.append("")
    lines.append("Definition: " + r["definition"])
    if r.get("filters"):
        lines.append("Filters: " + ", ".join(f"{k}={v}" for k, v in r["filters"].items()))
    return "\n".join(lines)
