"""The OpenAPI 3.1 description of /api/v1/, written by hand beside urls.py.

Every route in urls.py has a path here and every parameter a view accepts is listed (tests/api
checks both ways). Shapes follow the statistics engine's results; see docs for the definitions.
"""

from __future__ import annotations

import copy
from typing import Any

from volia.core import codes

PREFIX = "/api/v1"


def _param(name: str, description: str, schema: dict[str, Any], *, example: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                           "schema": schema}
    if example is not None:
        out["example"] = example
    return out


DATE = {"type": "string", "format": "date"}
PARAMETERS: dict[str, dict[str, Any]] = {
    "on": _param("on", "The day of the figure (end of day), YYYY-MM-DD; default today.", DATE,
                 example="2025-09-18"),
    "from": _param("from", "First day of the range, YYYY-MM-DD.", DATE, example="2025-01-01"),
    "to": _param("to", "Last day of the range (included), YYYY-MM-DD.", DATE, example="2025-12-31"),
    "recognition": _param(
        "recognition", "Who counts: `prior` people recognised as political prisoners on or before the day "
        "(default); `retroactive` recognised at any time; `none` everybody in custody.",
        {"type": "string", "enum": ["prior", "retroactive", "none"], "default": "prior"}),
    "recognition_events": _param(
        "recognition", "Whose events count: `none` everybody's (default); `retroactive` people recognised as "
        "political prisoners at any time; `prior` people recognised on or before the day of the event.",
        {"type": "string", "enum": ["prior", "retroactive", "none"], "default": "none"}),
    "recognition_durations": _param(
        "recognition", "Whose custody counts: `none` everybody's (default); `retroactive` people recognised as "
        "political prisoners at any time.", {"type": "string", "enum": ["none", "retroactive"], "default": "none"}),
    "custody": _param("custody", "Kind of custody episode: criminal, administrative, or all (default).",
                      {"type": "string", "enum": ["all", "criminal", "administrative"], "default": "all"}),
    "custody_durations": _param(
        "custody", "Kind of custody episode: criminal (default), administrative, or all.",
        {"type": "string", "enum": ["all", "criminal", "administrative"], "default": "criminal"}),
    "organization": _param("organization", "Count only recognitions by this organisation (its code).",
                           {"type": "string"}, example="viasna"),
    "as_recorded_on": _param("as_recorded_on", "Reproduce the figure as the registry knew it on this day: "
                             "only events recorded by then count.", DATE),
    "people": _param("people", "1 to include the keys of the people counted (staff only).",
                     {"type": "string", "enum": ["0", "1"], "default": "0"}),
    "by_period": _param("by", "Length of each period.",
                        {"type": "string", "enum": ["day", "week", "month", "year"], "default": "month"}),
    "by_group": _param("by", "Group the durations: by year of detention or by article; "
                             "omitted, one group for everybody.",
                       {"type": "string", "enum": ["detention_year", "article"]}),
    "horizon": _param("horizon", "Days ahead to project.",
                      {"type": "integer", "minimum": 1, "maximum": 730, "default": 90}),
    "window": _param("window", "Days before `on` whose inflow and outflow rates the projection uses.",
                     {"type": "integer", "minimum": 7, "maximum": 3650, "default": 180}),
    # filters
    "sex": _param("sex", "Filter: sex.", {"type": "string", "enum": list(codes.SEX)}),
    "age_min": _param("age_min", "Filter: age in whole years on the day of the figure, at least.",
                      {"type": "integer", "minimum": 0}),
    "age_max": _param("age_max", "Filter: age in whole years on the day of the figure, at most.",
                      {"type": "integer", "minimum": 0}),
    "region": _param("region", "Filter: region.", {"type": "string", "enum": list(codes.REGIONS)}),
    "article": _param("article", "Filter: charged or sentenced under this Criminal Code article number.",
                      {"type": "string"}, example="342"),
    "facility": _param("facility", "Filter: the facility (code) where the person was on the day.",
                       {"type": "string"}),
    "facility_kind": _param("facility_kind", "Filter: the kind of facility where the person was on the day.",
                            {"type": "string", "enum": list(codes.FACILITY_KINDS)}),
    "group": _param("group", "Filter: group (journalist, lawyer, ...).",
                    {"type": "string", "enum": list(codes.GROUPS)}),
    "vulnerable": _param("vulnerable", "Filter: a vulnerability code (see the vulnerability endpoint's "
                                       "`definitions`), or `any`.", {"type": "string"}),
    "q": _param("q", "The name or part of it, in any script or spelling (Cyrillic or Latin, Belarusian or "
                "Russian form, any transliteration, typos); required, at most 200 characters.",
                {"type": "string", "minLength": 1, "maxLength": 200}, example="Ales Bialiatski"),
    "limit": _param("limit", "At most this many people.",
                    {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
}
FILTERS = ("sex", "age_min", "age_max", "region", "article", "facility", "facility_kind", "group", "vulnerable")

INT = {"type": "integer"}
NUMBER_OR_NULL = {"type": ["number", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
RULES = {"recognition": TEXT, "organization": TEXT_OR_NULL,
         "definition": {"type": "string", "description": "What exactly is counted, in words."},
         "filters": {"type": "object", "description": "The filters in effect."}}
PERSON_KEYS = {"type": "array", "items": TEXT, "description": "Person keys (staff only)."}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string", "description": "What is wrong, naming the parameter."},
        "parameter": {"type": "string", "description": "The parameter at fault (400 only)."}}},
    "Held": {"type": "object", "required": ["date", "held"], "properties": {
        "date": DATE, "held": INT, "uncertain_dates": {**INT, "description": "People counted whose episode "
                                                       "start or end is not known to the day."},
        "custody": TEXT_OR_NULL, "as_recorded_on": DATE_OR_NULL, **RULES,
        "people": {**PERSON_KEYS, "description": "Person keys (people=1, staff only)."}}},
    "Series": {"type": "object", "required": ["dates", "held"], "properties": {
        "from": DATE, "to": DATE, "dates": {"type": "array", "items": DATE},
        "held": {"type": "array", "items": INT}, "uncertain_dates": {"type": "array", "items": INT},
        "custody": TEXT_OR_NULL, **RULES}},
    "Flows": {"type": "object", "required": ["periods"], "properties": {
        "from": DATE, "to": DATE, "by": TEXT, "custody": TEXT_OR_NULL, **RULES,
        "periods": {"type": "array", "items": {"type": "object", "properties": {
            "period": {"type": "string", "description": "2025-09, 2025-W38, 2025-09-18 or 2025"},
            "start": DATE, "end": DATE, "detained": INT, "rearrested": INT, "recognized": INT,
            "released": {"type": "object", "description": "Releases by kind: " + ", ".join(codes.RELEASE_KINDS),
                         "additionalProperties": INT},
            "released_total": INT, "deported": INT, "died_in_custody": INT, "house_arrest": INT,
            "held_end": {**INT, "description": "Held at the end of the period, under the same rules."},
            "net_change": INT, "inflow_outflow_ratio": NUMBER_OR_NULL}}}}},
    "Remitted": {"type": "object", "properties": {
        "from": DATE_OR_NULL, "to": DATE_OR_NULL, "releases": INT, "with_sentence": INT,
        "by_kind": {"type": "object", "additionalProperties": INT},
        "days_left": {"type": "object", "additionalProperties": NUMBER_OR_NULL,
                      "description": "median, p25, p75, min, max"},
        "share_under": {"type": "object", "additionalProperties": NUMBER_OR_NULL,
                        "description": "Share of releases with a known sentence with under 30, 90, 180 days left."},
        "histogram": {"type": "array", "items": {"type": "object", "properties": {
            "from_days": INT_OR_NULL, "to_days": INT_OR_NULL, "count": INT}},
            "description": "Bins [from_days, to_days); null: open on that side."},
        "people": PERSON_KEYS,
        "people_days_left": {"type": "array", "description": "One row per release (staff only).",
                             "items": {"type": "object", "properties": {
                                 "person": TEXT, "release_day": DATE, "kind": TEXT, "days_left": INT_OR_NULL,
                                 "term_end": DATE_OR_NULL}}},
        **RULES}},
    "Durations": {"type": "object", "properties": {
        "by": TEXT_OR_NULL, "custody": TEXT_OR_NULL, "records_start": DATE, "end": DATE, **RULES,
        "groups": {"type": "array", "items": {"type": "object", "properties": {
            "label": TEXT, "n": INT, "events": INT, "censored": INT, "left_truncated": INT,
            "median_days": INT_OR_NULL, "median_ci": {"type": "array", "items": INT_OR_NULL},
            "curve": {"type": "array", "items": {"type": "object", "properties": {
                "day": INT, "survival": {"type": "number"}, "lower": NUMBER_OR_NULL,
                "upper": NUMBER_OR_NULL}}}}}},
        "competing": {"type": "object", "properties": {
            "causes": {"type": "array", "items": TEXT},
            "definitions": {"type": "object", "additionalProperties": TEXT},
            "curves": {"type": "object", "additionalProperties": {"type": "array", "items": {
                "type": "object", "properties": {"day": INT, "cif": {"type": "number"}}}}}}}}},
    "Incommunicado": {"type": "object", "properties": {
        "date": DATE, "held": INT, "no_contact_over": {"type": "object", "additionalProperties": INT},
        "never": INT, **RULES,
        "people": {"type": "array", "description": "Longest without proof of contact first (staff only).",
                   "items": {"type": "object", "properties": {
                       "person": TEXT,
                       "days_since_contact": {**INT_OR_NULL, "description": "null: none since the detention"},
                       "last_contact": DATE_OR_NULL, "days_held": INT}}}}},
    "Vulnerability": {"type": "object", "properties": {
        "date": DATE, "held": INT, "counts": {"type": "object", "additionalProperties": INT},
        "definitions": {"type": "object", "additionalProperties": TEXT},
        "not_available": {"type": "object", "additionalProperties": TEXT}, **RULES}},
    "Projection": {"type": "object", "properties": {
        "from": DATE, "to": DATE, "horizon_days": INT, "window_days": INT, "held_now": INT, "inflow": INT,
        "outflow": INT, "inflow_per_day": {"type": "number"}, "outflow_per_day": {"type": "number"},
        "expected": {"type": "number"}, "lower": {"type": "number"}, "upper": {"type": "number"},
        "assumption": TEXT, **RULES}},
    "SearchResults": {"type": "object", "required": ["query", "results"], "properties": {
        "query": TEXT, "limit": INT,
        "results": {"type": "array", "description": "Best first; one entry per person.", "items": {
            "type": "object", "required": ["key", "name", "matched", "score"], "properties": {
                "key": {**TEXT, "description": "The person's key."},
                "name": {**TEXT, "description": "The person's primary name."},
                "matched": {**TEXT, "description": "The stored name that matched the query best."},
                "score": {"type": "number", "minimum": 0, "maximum": 1,
                          "description": "Name similarity between the query and the matched name."}}}}}},
}

POPULATION = ("recognition", "organization", "as_recorded_on", *FILTERS)
EVENTS = ("recognition_events", "organization", "as_recorded_on", *FILTERS)

# route (as in urls.py, after /api/v1/) → (summary, description, parameter keys, response schema)
ENDPOINTS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "stats/held": ("People held on a day",
                   "Political prisoners in custody at the end of the day; a person detained that day counts, "
                   "one released that day does not.", ("on", "custody", "people", *POPULATION), "Held"),
    "stats/series": ("People held each day", "The held count for every day of the range (default: the last "
                     "365 days).", ("from", "to", "custody", *POPULATION), "Series"),
    "stats/flows": ("Inflow and outflow per period", "Detentions, recognitions, releases by kind, "
                    "deportations, deaths in custody, re-arrests, the change of the held count and the "
                    "inflow/outflow ratio, per period (default: the last 365 days by month).",
                    ("from", "to", "by_period", "custody", *EVENTS), "Flows"),
    "stats/remitted": ("Sentence left at early release", "For releases by pardon, amnesty or exchange in the "
                       "range (default: all), the days of the sentence that were left.",
                       ("from", "to", *EVENTS), "Remitted"),
    "stats/durations": ("Time in custody", "Kaplan-Meier survival of custody (median with a 95% interval) "
                        "and the cumulative incidence of each way out.",
                        ("by_group", "custody_durations", "recognition_durations", "organization", "as_recorded_on",
                         *FILTERS), "Durations"),
    "stats/incommunicado": ("Without proof of contact", "For everybody held on the day, the days since the "
                            "last proof of contact (letter, lawyer or family visit...).",
                            ("on", *POPULATION), "Incommunicado"),
    "stats/vulnerability": ("Vulnerable people held", "Counts of people held on the day with each "
                            "vulnerability, with the written definitions.", ("on", *POPULATION), "Vulnerability"),
    "stats/projection": ("Projection of the held count", "The held count a number of days ahead from recent "
                         "inflow and outflow rates, with an interval and its assumption stated.",
                         ("on", "horizon", "window", *POPULATION), "Projection"),
}


def _responses(schema: str) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "200": {"description": "The figure.",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}},
        "400": {"description": "A parameter is missing, unknown or malformed; the message names it.", **error},
        "403": {"description": "Not logged in as staff.", **error},
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        f"{PREFIX}/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This description", "security": [],
            "responses": {"200": {"description": "The OpenAPI document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    for route, (summary, description, params, schema) in ENDPOINTS.items():
        paths[f"{PREFIX}/{route}"] = {"get": {
            "operationId": route.replace("/", "_"), "summary": summary, "description": description,
            "tags": ["statistics"], "parameters": [copy.deepcopy(PARAMETERS[p]) for p in params],
            "responses": _responses(schema)}}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths[f"{PREFIX}/search"] = {"get": {
        "operationId": "search", "summary": "Find people by name",
        "description": "People whose names match the query in any script or spelling, among those the caller "
                       "may see: the public finds public records only, staff what their role allows.",
        "tags": ["people"], "security": [{}, {"staffSession": []}],
        "parameters": [copy.deepcopy(PARAMETERS[p]) for p in ("q", "limit")],
        "responses": {
            "200": {"description": "The people found (possibly none).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}}},
            "400": {"description": "`q` is missing or too long, `limit` is malformed or out of range, or a "
                                   "parameter is unknown; the message names it.", **error}}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Volia API", "version": "1",
            "description": "Figures derived from dated, sourced events. Staff only for now: log in at "
                           "/admin/login/ and send the session cookie. Person ids never appear; people are "
                           "named by their key, and lists of people are given to staff only.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "security": [{"staffSession": []}],
        "tags": [{"name": "statistics", "description": "Counts, series, flows and durations"},
                 {"name": "people", "description": "Finding people"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"staffSession": {"type": "apiKey", "in": "cookie", "name": "sessionid",
                                                 "description": "The session of a staff user (admin login)."}},
            "schemas": copy.deepcopy(SCHEMAS),
        },
    }
