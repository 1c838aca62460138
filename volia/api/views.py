"""The statistics API: parse the query string, ask the engine, return its dict as JSON.

Access: the statistics endpoints are for the roles volia.security.policy allows
"stats.view_internal" (researchers and up), through the staff session. Person ids never leave
the server: results name people by their key, and lists of people name only the people the
caller may see (figures count everybody). The public figures, with small cells suppressed, are
the portal's.

Errors are JSON too: 400 ``{"error": ..., "parameter": ...}`` for a bad parameter, 403 for
anybody else, 405 for anything but GET.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from volia.api import openapi
from volia.registry.models import Person
from volia.registry.services import Actor, log_access
from volia.search import service as search_service
from volia.security import policy
from volia.stats import engine
from volia.web.stats_params import (
    DURATION_GROUPS,
    FILTER_PARAMS,
    PERIODS,
    ParamError,
    check_known,
    dataset_for,
    engine_error,
    parse_choice,
    parse_custody,
    parse_date,
    parse_filters,
    parse_int,
    parse_organization,
    parse_range,
    person_keys,
    require_date,
)

# The query parameters each endpoint takes; tests/api checks them against openapi.py.
POPULATION = ("recognition", "organization", "as_recorded_on", *FILTER_PARAMS)
PARAMS: dict[str, tuple[str, ...]] = {
    "held": ("on", "custody", "people", *POPULATION),
    "series": ("from", "to", "custody", *POPULATION),
    "flows": ("from", "to", "by", "custody", *POPULATION),
    "remitted": ("from", "to", *POPULATION),
    "durations": ("by", "custody", *POPULATION),
    "incommunicado": ("on", *POPULATION),
    "vulnerability": ("on", *POPULATION),
    "projection": ("on", "horizon", "window", *POPULATION),
    "search": ("q", "limit"),
}
SEARCH_LIMIT = (20, 100)  # default and maximum number of people one search returns
DEFAULT_RANGE_DAYS = 365
# the Content-Security-Policy (and the other security headers) of every API response are set by
# volia.accounts.middleware.SecurityHeadersMiddleware


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(_finite(data), status=status, json_dumps_params={"ensure_ascii": False,
                                                                              "allow_nan": False})
    patch_cache_control(response, private=True, no_store=True)
    return response


def _finite(value: Any) -> Any:
    """NaN and infinity are not JSON: an undefined figure is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def error(message: str, status: int, **extra: Any) -> JsonResponse:
    return _json({"error": message, **extra}, status=status)


def endpoint(name: str) -> Callable[[Callable[..., Any]], Callable[[HttpRequest], JsonResponse]]:
    """Method and permission checks, unknown parameters, and errors as JSON, around one view."""

    def wrap(view: Callable[..., Any]) -> Callable[[HttpRequest], JsonResponse]:
        @wraps(view)
        def run(request: HttpRequest) -> JsonResponse:
            if request.method not in ("GET", "HEAD"):
                response = error(f"{request.method} is not allowed here; use GET", 405)
                response["Allow"] = "GET, HEAD"
                return response
            if not policy.can(request.user, "stats.view_internal"):
                return error("staff only (researchers, editors, administrators): log in at /accounts/login/", 403)
            try:
                check_known(request.GET, PARAMS[name])
                try:
                    return _json(view(request, request.GET, True))
                except ValueError as e:
                    if isinstance(e, ParamError):
                        raise
                    raise engine_error(e, PARAMS[name]) from None
            except ParamError as e:
                return error(str(e), 400, parameter=e.param)

        return run

    return wrap


def _today() -> dt.date:
    return timezone.localdate()


def _dataset(request: HttpRequest, params: Mapping[str, str]) -> engine.Dataset:
    return dataset_for(request, parse_date(params, "as_recorded_on"))


def _range(params: Mapping[str, str]) -> tuple[dt.date, dt.date]:
    end = require_date(params, "to", _today())
    start, end_ = parse_range(params, end - dt.timedelta(days=DEFAULT_RANGE_DAYS), end)
    assert start and end_
    return start, end_


def _who(params: Mapping[str, str], default: str = "prior",
         choices: tuple[str, ...] = engine.RECOGNITION) -> dict[str, Any]:
    """The recognition rule and organisation. The engine's defaults differ by figure: people held on
    a day are counted if recognised by then ("prior"); figures made of events count everybody ("none")."""
    return {"recognition": parse_choice(params, "recognition", choices, default),
            "organization": parse_organization(params)}


# --- endpoints --------------------------------------------------------------------------------


@endpoint("held")
def held(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    day = require_date(params, "on", _today())
    filters, kw = parse_filters(params), {**_who(params), "custody": parse_custody(params)}
    want_people = parse_choice(params, "people", ("0", "1"), "0") == "1"
    ds = _dataset(request, params)
    result = engine.held_on(ds, day, filters, **kw)
    if want_people and staff:
        ids = engine.held_people(ds, day, filters, **kw)
        keys = _visible_keys(request, ids)
        result["people"] = sorted(keys[i] for i in ids if i in keys)
    return result


@endpoint("series")
def series(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    start, end = _range(params)
    filters, kw = parse_filters(params), {**_who(params), "custody": parse_custody(params)}
    return engine.series(_dataset(request, params), start, end, filters, **kw)


@endpoint("flows")
def flows(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    start, end = _range(params)
    by = parse_choice(params, "by", PERIODS, "month") or "month"
    filters, kw = parse_filters(params), {**_who(params, "none"), "custody": parse_custody(params)}
    ds = _dataset(request, params)
    periods = engine.flows(ds, start, end, by, filters, **kw)
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by, **kw, "periods": periods,
            "definition": engine.flows_definition(kw["recognition"], kw["organization"], kw["custody"], filters, ds),
            "filters": filters.as_dict()}


@endpoint("remitted")
def remitted(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    start, end = parse_range(params, None, None)
    result = engine.remitted(_dataset(request, params), start, end, parse_filters(params), **_who(params, "none"))
    ids = result.pop("people", [])
    rows = result.pop("people_days_left", [])
    if staff:
        keys = _visible_keys(request, [*ids, *(r["person_id"] for r in rows)])
        result["people"] = [keys[i] for i in ids if i in keys]
        result["people_days_left"] = [_keyed(r, keys) for r in rows if r["person_id"] in keys]
    return result


@endpoint("durations")
def durations(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    by = parse_choice(params, "by", DURATION_GROUPS, None)
    kw = {**_who(params, "none", ("none", "retroactive")), "custody": parse_custody(params, "criminal")}
    return engine.durations(_dataset(request, params), parse_filters(params), by=by, **kw)


@endpoint("incommunicado")
def incommunicado(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    day = require_date(params, "on", _today())
    result = engine.incommunicado(_dataset(request, params), day, parse_filters(params), **_who(params))
    rows = result.pop("people", [])
    if staff:
        keys = _visible_keys(request, [r["person_id"] for r in rows])
        result["people"] = [_keyed(r, keys) for r in rows if r["person_id"] in keys]
    return result


@endpoint("vulnerability")
def vulnerability(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    day = require_date(params, "on", _today())
    return engine.vulnerability(_dataset(request, params), day, parse_filters(params), **_who(params))


@endpoint("projection")
def projection(request: HttpRequest, params: Mapping[str, str], staff: bool) -> dict:
    day = require_date(params, "on", _today())
    horizon = parse_int(params, "horizon", 90, 1, 730)
    window = parse_int(params, "window", 180, 7, 3650)
    return engine.projection(_dataset(request, params), day, horizon_days=horizon, window_days=window,
                             filters=parse_filters(params), **_who(params))


def search(request: HttpRequest) -> JsonResponse:
    """People by any spelling of a name, among those the caller may see (anybody may ask: the public
    finds public records only). Restricted records in the results are an access-logged read."""
    if request.method not in ("GET", "HEAD"):
        response = error(f"{request.method} is not allowed here; use GET", 405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        check_known(request.GET, PARAMS["search"])
        q = " ".join(request.GET.get("q", "").split())
        if not q:
            raise ParamError("q", "missing: the name (or part of it) to look for")
        if len(q) > search_service.MAX_QUERY:
            raise ParamError("q", f"longer than {search_service.MAX_QUERY} characters")
        limit = parse_int(request.GET, "limit", SEARCH_LIMIT[0], 1, SEARCH_LIMIT[1])
    except ParamError as e:
        return error(str(e), 400, parameter=e.param)
    hits = search_service.search(q, limit=limit, people=policy.visible_people(request.user))
    found = {pk: (key, vis) for pk, key, vis in
             Person.objects.filter(pk__in=[h.person_id for h in hits]).values_list("pk", "key", "visibility")}
    restricted = [found[h.person_id][0] for h in hits if found[h.person_id][1] == "restricted"]
    if restricted:
        log_access(Actor.of_user(request.user), "search", {"query": q, "restricted_people": restricted},
                   row_count=len(restricted))
    return _json({"query": q, "limit": limit, "results": [
        {"key": found[h.person_id][0], "name": h.name, "matched": h.matched, "score": h.score} for h in hits]})


def _visible_keys(request: HttpRequest, ids: list[int]) -> dict[int, str]:
    """Person id -> key for the people the caller may see; lists leave out everybody else."""
    return person_keys(policy.visible_person_ids(request.user, ids))


def _keyed(row: Mapping[str, Any], keys: Mapping[int, str]) -> dict[str, Any]:
    """A row about one person with the person's key in place of the database id."""
    return {"person": keys[row["person_id"]], **{k: v for k, v in row.items() if k != "person_id"}}


def openapi_document(request: HttpRequest) -> JsonResponse:
    """The description of the API: public, it holds no data."""
    if request.method not in ("GET", "HEAD"):
        response = error(f"{request.method} is not allowed here; use GET", 405)
        response["Allow"] = "GET, HEAD"
        return response
    return _json(openapi.document())
