"""The staff statistics page, and the list of people behind each of its figures.

For the roles volia.security.policy allows "stats.view_internal" (researchers and up; the public
figures, with suppressed small cells, are the portal's). Every number on the page links to
``/staff/stats/people/?figure=...`` with the same filters, which lists the people it counts that
the viewer may see: figures count everybody, lists never name a person hidden from the viewer.
Charts are inline SVG drawn on the server (``charts.py``), each followed by its data table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from volia.core import codes
from volia.registry.models import Facility, Organization, Person
from volia.security import policy
from volia.stats import engine
from volia.web import charts
from volia.web.charts import Category, Cell, Curve, Figure, Segment, Series
from volia.web.staff.access import staff_view
from volia.web.stats_params import (
    FILTER_PARAMS,
    FLOWS,
    PERIODS,
    ParamError,
    check_known,
    dataset_for,
    engine_error,
    filter_params,
    parse_choice,
    parse_date,
    parse_filters,
    parse_int,
    parse_organization,
    parse_range,
    primary_names,
    require_date,
)
from volia.web.views import _render

access_log = logging.getLogger("volia.access")

COMMON = ("recognition", "organization", "as_recorded_on", *FILTER_PARAMS)
PAGE_PARAMS = ("date", "from", "to", "by", "horizon", *COMMON)
PEOPLE_PARAMS = ("figure", "date", "from", "to", "flow", "kind", "over", "min_days", "max_days", "page", *COMMON)
FIGURES = ("held", "flow", "remitted", "incommunicado")
MAX_PERIODS = 400  # bars on one page; the API has no such limit
PEOPLE_PAGE = 200
DEFAULT_YEARS = 5

RECOGNITION_LABELS = {
    "prior": "Recognised on or before the date (default)",
    "retroactive": "Recognised at any time (counted from detention)",
    "none": "Everybody held, recognised or not",
}
PERIOD_LABELS = {"day": "Day", "week": "Week", "month": "Month", "year": "Year"}
FLOW_LABELS = {
    "detained": "Detained",
    "recognized": "Recognised",
    "released": "Released",
    "deported": "Deported on release",
    "died_in_custody": "Died in custody",
    "rearrested": "Re-arrested",
    "house_arrest": "Moved to house arrest",
}
INCOMMUNICADO_DAYS = ("30", "90", "180", "365")


# --- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What the form asks for; ``link`` builds drill-down addresses that keep it."""

    day: dt.date
    start: dt.date
    end: dt.date
    by: str
    horizon: int
    recognition: str
    organization: str | None
    as_recorded_on: dt.date | None
    filters: engine.Filters

    @property
    def event_recognition(self) -> str:
        """The rule for figures made of events (flows, remitted sentence, durations).

        "Recognised on or before the day" would drop almost every detention, because a
        recognition comes weeks after it; these figures count the people recognised at any time.
        """
        return "retroactive" if self.recognition == "prior" else self.recognition

    def population(self) -> dict[str, Any]:
        """Keyword arguments of the engine for the people held on a day."""
        return {"recognition": self.recognition, "organization": self.organization}

    def events(self) -> dict[str, Any]:
        """Keyword arguments of the engine for figures made of events."""
        return {"recognition": self.event_recognition, "organization": self.organization}

    def common(self) -> dict[str, str]:
        out = filter_params(self.filters)
        if self.recognition != "prior":
            out["recognition"] = self.recognition
        if self.organization:
            out["organization"] = self.organization
        if self.as_recorded_on:
            out["as_recorded_on"] = self.as_recorded_on.isoformat()
        return out

    def link(self, figure: str, **params: object) -> str:
        query = {"figure": figure, **{k: str(v) for k, v in params.items() if v is not None}, **self.common()}
        return f"{reverse('web:stats_people')}?{urlencode(query)}"

    def held_link(self, day: dt.date, **extra: object) -> str:
        return self.link("held", date=day.isoformat(), **extra)


def _today() -> dt.date:
    return timezone.localdate()


def _years_before(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year - years, day.month, 1)


def parse_query(params: Mapping[str, str], allowed: tuple[str, ...]) -> Query:
    check_known(params, allowed)
    day = require_date(params, "date", _today())
    start, end = parse_range(params, _years_before(day, DEFAULT_YEARS), day)
    assert start and end
    return Query(
        day=day, start=start, end=end,
        by=parse_choice(params, "by", PERIODS, "month") or "month",
        horizon=parse_int(params, "horizon", 90, 1, 730),
        recognition=parse_choice(params, "recognition", engine.RECOGNITION, "prior") or "prior",
        organization=parse_organization(params),
        as_recorded_on=parse_date(params, "as_recorded_on"),
        filters=parse_filters(params),
    )


def bad_request(request: HttpRequest, error: ParamError) -> HttpResponse:
    response = _render(request, "web/stats_error.html", {"error": error})
    response.status_code = 400
    return response


def _period_count(start: dt.date, end: dt.date, by: str) -> int:
    days = (end - start).days + 1
    return {"day": days, "week": days // 7 + 2, "month": (end.year - start.year) * 12 + end.month - start.month + 1,
            "year": end.year - start.year + 1}[by]


# --- the page -------------------------------------------------------------------------------


@staff_view("stats.view_internal")
def stats(request: HttpRequest) -> HttpResponse:
    try:
        q = parse_query(request.GET, PAGE_PARAMS)
        if _period_count(q.start, q.end, q.by) > MAX_PERIODS:
            raise ParamError("by", f"by={q.by} from {q.start} to {q.end} makes more than {MAX_PERIODS} periods; "
                                   "choose a longer period or a shorter range")
        context = _figures(request, q)
    except ParamError as e:
        return bad_request(request, e)
    return _render(request, "web/stats.html", context)


def _figures(request: HttpRequest, q: Query) -> dict[str, Any]:
    ds = dataset_for(request, q.as_recorded_on)
    try:
        held = engine.held_on(ds, q.day, q.filters, **q.population())
        series = engine.series(ds, q.start, q.end, q.filters, **q.population())
        vulnerable = engine.vulnerability(ds, q.day, q.filters, **q.population())
        incommunicado = engine.incommunicado(ds, q.day, q.filters, **q.population())
        projection = engine.projection(ds, q.day, horizon_days=q.horizon, filters=q.filters, **q.population())
        flows = engine.flows(ds, q.start, q.end, q.by, q.filters, **q.events())
        remitted = engine.remitted(ds, q.start, q.end, q.filters, **q.events())
        durations_all = engine.durations(ds, q.filters, **q.events())
        durations_year = engine.durations(ds, q.filters, by="detention_year", **q.events())
    except ValueError as e:
        raise engine_error(e, PAGE_PARAMS) from None
    return {
        "q": q,
        "form": _form(q, vulnerable["definitions"]),
        "held": held,
        "held_link": q.held_link(q.day),
        "recognition_label": RECOGNITION_LABELS[q.recognition],
        "event_recognition_label": RECOGNITION_LABELS[q.event_recognition],
        "filters_text": _filters_text(q),
        "series_figure": _series_figure(q, series),
        "flows": _flows_section(q, flows),
        "flows_definition": engine.flows_definition(q.event_recognition, q.organization, None, q.filters, ds),
        "remitted": _remitted_section(q, remitted),
        "durations": _durations_section(q, durations_all, durations_year),
        "incommunicado": _incommunicado_section(q, incommunicado),
        "vulnerability": _vulnerability_section(q, vulnerable),
        "projection": projection,
        "data_end": ds.end_date,
        "api_series": f"{reverse('api:stats_series')}?{urlencode({'from': q.start, 'to': q.end, **q.common()})}",
    }


def _options(choices: Mapping[str, str], empty: str = "Any") -> list[tuple[str, str]]:
    return [("", empty), *choices.items()]


def _form(q: Query, vulnerability_definitions: Mapping[str, str]) -> dict[str, Any]:
    organizations = {o.code: str(o) for o in Organization.objects.order_by("code")}
    facilities = {f.code: str(f) for f in Facility.objects.order_by("kind", "code")}
    current = {"date": q.day.isoformat(), "from": q.start.isoformat(), "to": q.end.isoformat(), "by": q.by,
               "horizon": str(q.horizon), "recognition": q.recognition, "organization": q.organization or "",
               "as_recorded_on": q.as_recorded_on.isoformat() if q.as_recorded_on else "",
               **dict.fromkeys(FILTER_PARAMS, ""), **filter_params(q.filters)}
    vulnerable = {"any": "Any of them", **{c: c.replace("_", " ").capitalize()
                                           for c in vulnerability_definitions if c != "any"}}
    return {
        "values": current,
        "periods": PERIOD_LABELS.items(),
        "recognitions": RECOGNITION_LABELS.items(),
        "organizations": _options(organizations, "Any organisation"),
        "sexes": _options(codes.SEX),
        "regions": _options(codes.REGIONS),
        "facilities": _options(facilities),
        "facility_kinds": _options(codes.FACILITY_KINDS),
        "groups": _options(codes.GROUPS),
        "vulnerabilities": _options(vulnerable, "No filter"),
    }


def _filters_text(q: Query) -> str:
    labels = {"sex": codes.SEX, "region": codes.REGIONS, "facility_kind": codes.FACILITY_KINDS,
              "group": codes.GROUPS}
    parts = []
    for name, value in filter_params(q.filters).items():
        shown = labels.get(name, {}).get(value, value)
        parts.append(f"{name.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


def _series_figure(q: Query, series: dict) -> Figure:
    values = [int(v) for v in series["held"]]
    start = dt.date.fromisoformat(series["dates"][0]) if series["dates"] else q.start
    return charts.line_chart(
        "chart-series", f"People held each day, {q.start} to {q.end}",
        f"A line of the number of people held at the end of each day from {q.start} to {q.end}: "
        f"{charts.number(values[-1] if values else 0)} on the last day, "
        f"at most {charts.number(max(values, default=0))}.",
        start, values, href=q.held_link)


OUT_SERIES = ("died_in_custody", "house_arrest")
SHORT_KINDS = {"sentence_served": "Served", "pardon": "Pardon", "amnesty": "Amnesty", "exchange": "Exchange",
               "acquitted": "Acquitted", "noncustodial": "Non-custodial", "other": "Other release"}
OUT_LABELS = {"died_in_custody": "Died in custody", "house_arrest": "To house arrest"}


def _flows_section(q: Query, flows: list[dict]) -> dict[str, Any]:
    kinds = [k for k in codes.RELEASE_KINDS if any(f["released"].get(k) for f in flows)]
    others = [k for k in OUT_SERIES if any(f.get(k) for f in flows)]
    series = [Series("detained", "Detained"),
              *(Series(k, f"Released: {codes.RELEASE_KINDS[k].lower()}") for k in kinds),
              *(Series(k, OUT_LABELS[k]) for k in others)]

    def link(f: dict, flow: str, kind: str | None = None) -> str:
        return q.link("flow", flow=flow, kind=kind, **{"from": f["start"], "to": f["end"]})

    categories = []
    for f in flows:
        out = [Segment(k, f["released"].get(k, 0), link(f, "released", k)) for k in kinds]
        out += [Segment(k, f.get(k, 0), link(f, k)) for k in others]
        categories.append(Category(_period_label(f, q.by, short=True), _period_label(f, q.by),
                                   [[Segment("detained", f["detained"], link(f, "detained"))], out]))
    figure = charts.bar_chart(
        "chart-flows", f"Detentions and exits from custody per {q.by}, {q.start} to {q.end}",
        f"For each {q.by}, a bar of new detentions (in) beside a stacked bar of exits from custody (out): "
        "releases by kind, deaths in custody and moves to house arrest.", series, categories,
        bar_names=("in", "out"))
    columns = ["Period", "Detained", "Re-arrested", "Recognised", "Released", *(SHORT_KINDS[k] for k in kinds),
               "Deported", *(OUT_LABELS[k] for k in others), "Held at the end", "Net change", "In / out"]
    rows = []
    totals = dict.fromkeys(("detained", "released_total", "died_in_custody", "recognized"), 0)
    for f in flows:
        ratio = f["inflow_outflow_ratio"]
        rows.append([
            Cell(_period_label(f, q.by)),
            charts.num(f["detained"], link(f, "detained")),
            charts.num(f["rearrested"], link(f, "rearrested")),
            charts.num(f["recognized"], link(f, "recognized")),
            charts.num(f["released_total"], link(f, "released")),
            *(charts.num(f["released"].get(k, 0), link(f, "released", k)) for k in kinds),
            charts.num(f["deported"], link(f, "deported")),
            *(charts.num(f.get(k, 0), link(f, k)) for k in others),
            charts.num(f["held_end"], q.link("held", date=f["end"],
                                             **({"recognition": q.event_recognition}
                                                if q.event_recognition != q.recognition else {}))),
            Cell(f"{f['net_change']:+,}", numeric=True),
            Cell("—" if ratio is None else f"{ratio:.2f}", numeric=True),
        ])
        for name in totals:
            totals[name] += int(f[name])
    # the chart's data table is the whole flows table: every count of the chart and the rest
    figure.columns, figure.rows = columns, rows
    figure.note = ("Released by kind: the columns after Released. Re-arrested: detentions that were not the "
                   "person's first. Net change: held at the end of the period minus at the end of the one before. "
                   "In / out: detentions per exit from custody.")
    whole = {"from": q.start, "to": q.end}
    totals_list = [(label, totals[key], q.link("flow", flow=flow, **whole)) for label, key, flow in (
        ("detained", "detained", "detained"), ("recognised", "recognized", "recognized"),
        ("released", "released_total", "released"), ("died in custody", "died_in_custody", "died_in_custody"))]
    return {"figure": figure, "totals_list": totals_list}


def _period_label(f: dict, by: str, short: bool = False) -> str:
    start = dt.date.fromisoformat(f["start"])
    if by == "year":
        return str(start.year)
    if by == "month":
        return f"{charts.MONTHS[start.month - 1]} {str(start.year)[2:] if short else start.year}"
    if by == "week":
        return f"{start.day} {charts.MONTHS[start.month - 1]}" if short else f"{f['period']} (from {f['start']})"
    return start.isoformat()[5:] if short else start.isoformat()


def _remitted_section(q: Query, remitted: dict) -> dict[str, Any]:
    def link(low: int | None = None, high: int | None = None) -> str:
        return q.link("remitted", min_days=low, max_days=high, **{"from": q.start, "to": q.end})

    bins = []
    for b in remitted["histogram"]:
        low, high = b["from_days"], b["to_days"]  # [from, to); None: open on that side
        bins.append((_bin_label(low, high), int(b["count"]), link(low, None if high is None else high - 1)))
    figure = charts.histogram(
        "chart-remitted", "Days of the sentence left at early release",
        "Bars of the number of people released early (pardon, amnesty, exchange) by how many days of "
        "their sentence were left.", bins, x_label="Days of the sentence left", value_label="People released")
    share_links = {n: link(None, int(n) - 1) for n in ("30", "90", "180")}
    return {"data": remitted, "figure": figure, "link": link(), "share_links": share_links,
            "by_kind": [(codes.RELEASE_KINDS.get(k, k), n) for k, n in remitted.get("by_kind", {}).items() if n]}


def _bin_label(low: int | None, high: int | None) -> str:
    if low is None:
        return f"below {high}"
    if high is None:
        return f"{low:,}+"
    return f"{low:,}–{high - 1:,}"


def _curve(points: list[dict], key: str) -> list[tuple[float, float]]:
    curve = [(float(p["day"]), float(p[key])) for p in points]
    if key == "survival" and (not curve or curve[0][0] > 0):
        curve.insert(0, (0.0, 1.0))  # everybody is held on day 0
    if key == "cif" and (not curve or curve[0][0] > 0):
        curve.insert(0, (0.0, 0.0))
    return curve


def _durations_section(q: Query, overall: dict, by_year: dict) -> dict[str, Any]:
    def year_link(label: str) -> str:
        if label.isdigit():
            return q.link("flow", flow="detained", **{"from": f"{label}-01-01", "to": f"{label}-12-31"})
        return ""

    groups = [{**g, "label": str(g["label"]), "link": year_link(str(g["label"]))} for g in by_year["groups"]]
    curves = [Curve(g["label"], _curve(g["curve"], "survival"), g["link"]) for g in groups]
    survival = charts.step_chart(
        "chart-survival", "Share still in custody, by year of detention",
        "Kaplan–Meier curves, one per year of detention: the share of people still held after a given "
        "number of days in custody. The dotted line marks half: where a curve crosses it is that year's median.",
        curves, x_label="Days since detention", value_name="Still held", reference=0.5)
    competing = overall.get("competing") or {}
    definitions = competing.get("definitions", {})
    causes = list(competing.get("causes", []))
    cif = charts.step_chart(
        "chart-cif", "Ways out of custody over time (cumulative incidence)",
        "Cumulative incidence curves: the share of people who have left custody in each way (sentence served, "
        "early release, other, death) by a given number of days since detention.",
        [Curve(_cause_label(c), _curve(competing["curves"].get(c, []), "cif")) for c in causes],
        x_label="Days since detention", value_name="Share")
    return {"overall": overall["groups"][0] if overall["groups"] else None, "groups": groups,
            "survival": survival, "cif": cif, "definition": overall.get("definition", ""),
            "causes": [(_cause_label(c), definitions.get(c, "")) for c in causes]}


def _cause_label(cause: str) -> str:
    return {"sentence_served": "sentence served", "early_release": "early release",
            "other_release": "other exits", "died_in_custody": "died"}.get(cause, cause.replace("_", " "))


def _incommunicado_section(q: Query, data: dict) -> dict[str, Any]:
    rows = [(f"more than {n} days", data["no_contact_over"][n], q.link("incommunicado", date=q.day, over=n))
            for n in INCOMMUNICADO_DAYS]
    rows.append(("none since the detention", data["never"],
                 q.link("incommunicado", date=q.day, over="never")))
    return {"data": data, "rows": rows, "link": q.link("incommunicado", date=q.day)}


def _vulnerability_section(q: Query, data: dict) -> dict[str, Any]:
    common = {k: v for k, v in q.common().items() if k != "vulnerable"}
    base = f"{reverse('web:stats_people')}?"
    rows = [(code, data["definitions"].get(code, ""), n,
             base + urlencode({"figure": "held", "date": q.day.isoformat(), **common, "vulnerable": code}))
            for code, n in data["counts"].items()]
    return {"data": data, "rows": rows, "not_available": list(data.get("not_available", {}).values())}


# --- the people behind a figure -------------------------------------------------------------


@dataclass
class PersonLine:
    person: Person
    name: str
    value: str


@staff_view("stats.view_internal")
def stats_people(request: HttpRequest) -> HttpResponse:
    try:
        q = parse_query(request.GET, PEOPLE_PARAMS)
        figure = parse_choice(request.GET, "figure", FIGURES, None)
        if figure is None:
            raise ParamError("figure", f"required: one of {', '.join(FIGURES)}")
        try:
            title, values, value_label = _drill_down(request, q, figure)
        except ValueError as e:
            if isinstance(e, ParamError):
                raise
            raise engine_error(e, PEOPLE_PARAMS) from None
    except ParamError as e:
        return bad_request(request, e)
    ids = policy.visible_person_ids(request.user, values)  # figures count everybody; lists name only the visible
    names = primary_names(ids)
    if figure != "incommunicado":  # the engine's order there is meaningful: longest silence first
        ids.sort(key=lambda i: (names.get(i, "").casefold(), i))
    page = Paginator(ids, PEOPLE_PAGE).get_page(request.GET.get("page"))
    people = Person.objects.in_bulk(list(page.object_list))
    lines = [PersonLine(people[i], names.get(i, ""), values[i]) for i in page.object_list if i in people]
    hidden = sum(1 for line in lines if line.person.visibility != "public")
    if hidden:
        access_log.info("%s listed %d non-public people behind the figure %s", request.user.get_username(),
                        hidden, request.GET.urlencode())
    back = f"{reverse('web:stats')}?{urlencode(_back_params(request.GET))}"
    return _render(request, "web/stats_people.html", {
        "title": title, "page": page, "lines": lines, "value_label": value_label, "count": len(ids),
        "filters_text": _filters_text(q), "q": q, "back": back,
        "recognition_label": RECOGNITION_LABELS[q.event_recognition if figure in ("flow", "remitted")
                                                else q.recognition],
    })


def _back_params(params: Mapping[str, str]) -> dict[str, str]:
    keep = ["date", "by", *COMMON]
    if params.get("figure") != "flow":  # a flow's from/to are one period's, not the page's range
        keep += ["from", "to"]
    return {k: params[k] for k in keep if params.get(k)}


def _drill_down(request: HttpRequest, q: Query, figure: str) -> tuple[str, dict[int, str], str]:
    """(title, {person id: value shown beside them}, the value's column heading)."""
    ds = dataset_for(request, q.as_recorded_on)
    params = request.GET
    if figure == "held":
        ids = engine.held_people(ds, q.day, q.filters, **q.population())
        return f"Held on {charts.short_date(q.day)}", dict.fromkeys(ids, ""), ""
    if figure == "flow":
        flow = parse_choice(params, "flow", FLOWS, None)
        if flow is None:
            raise ParamError("flow", f"required with figure=flow: one of {', '.join(FLOWS)}")
        kind = parse_choice(params, "kind", codes.RELEASE_KINDS, None)
        if kind and flow != "released":
            raise ParamError("kind", "only with flow=released")
        ids = engine.flow_people(ds, q.start, q.end, flow, q.filters, kind=kind, **q.events())
        what = FLOW_LABELS[flow] + (f" ({codes.RELEASE_KINDS[kind].lower()})" if kind else "")
        return f"{what}, {charts.short_date(q.start)} to {charts.short_date(q.end)}", dict.fromkeys(ids, ""), ""
    if figure == "remitted":
        low = parse_int(params, "min_days", -100_000, -100_000, 100_000)
        high = parse_int(params, "max_days", 100_000, -100_000, 100_000)
        data = engine.remitted(ds, q.start, q.end, q.filters, **q.events())
        days_left = _days_left(data)
        ranged = "min_days" in params or "max_days" in params
        ids = [i for i in data["people"] if not ranged or _within(days_left.get(i), low, high)]
        span = _days_span(params, low, high)
        return (f"Released early{span}, {charts.short_date(q.start)} to {charts.short_date(q.end)}",
                {i: _days_text(days_left.get(i)) for i in ids}, "Days of the sentence left")
    over = parse_choice(params, "over", (*INCOMMUNICADO_DAYS, "never"), None)
    limit = int(over) if over and over != "never" else None
    data = engine.incommunicado(ds, q.day, q.filters, **q.population())
    chosen = {}
    for row in data["people"]:
        since, held = row["days_since_contact"], row.get("days_held")
        without = held if since is None else since  # as the engine counts no_contact_over
        if over == "never" and since is not None:
            continue
        if limit is not None and not _within(without, limit + 1, None):
            continue
        chosen[int(row["person_id"])] = (_days_text(since) if since is not None
                                         else f"none since the detention ({_days_text(held)} ago)")
    what = {None: "everybody held", "never": "no contact since the detention"}.get(
        over, f"no contact for more than {over} days")
    return f"Proof of contact on {charts.short_date(q.day)}: {what}", chosen, "Since the last contact"


def _within(value: int | None, low: int | None, high: int | None) -> bool:
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def _days_left(remitted: dict) -> dict[int, int | None]:
    """Person id → days of the sentence left at the (latest) early release in the window."""
    return {int(row["person_id"]): row["days_left"] for row in remitted.get("people_days_left", [])}


def _days_span(params: Mapping[str, str], low: int, high: int) -> str:
    if "min_days" in params and "max_days" in params:
        return f" with {low:,}–{high:,} days left"
    if "max_days" in params:
        return " after their sentence had ended" if high < 0 else f" with under {high + 1:,} days left"
    if "min_days" in params:
        return f" with {low:,} days or more left"
    return ""


def _days_text(days: int | None) -> str:
    if days is None:
        return ""
    return f"{days:,} day" + ("s" if days != 1 else "")
