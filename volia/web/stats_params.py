"""Query-string parameters of the statistics page and the statistics API, parsed in one place.

Every problem raises ``ParamError`` naming the parameter, which the page shows as a 400 page
and the API as a 400 JSON body. Unknown parameters are refused too: a misspelt filter
(``?regoin=brest``) must not silently give the unfiltered figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.http import HttpRequest

from volia.registry.models import Organization, Person, PersonName
from volia.stats import engine
from volia.stats.dataset import load_dataset

FILTER_PARAMS = ("sex", "age_min", "age_max", "region", "article", "facility", "facility_kind", "group",
                 "vulnerable")
PERIODS = engine.BY
DURATION_GROUPS = engine.DURATION_BY
FLOWS = engine.FLOWS
CUSTODY = ("all", *engine.CUSTODY)
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


class ParamError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"parameter '{param}': {message}")
        self.param = param
        self.message = message


def check_known(params: Mapping[str, str], allowed: Iterable[str]) -> None:
    known = set(allowed)
    for name in params:
        if name not in known:
            raise ParamError(name, f"unknown parameter; this address takes {', '.join(sorted(known))}")


def parse_date(params: Mapping[str, str], name: str, default: dt.date | None = None) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        # fromisoformat also takes 20250918 and week dates: accept the one spelling we document
        day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ParamError(name, f"{raw!r} is not a date written YYYY-MM-DD")
    if not EARLIEST <= day <= LATEST:
        raise ParamError(name, f"{raw} is outside {EARLIEST.year}-{LATEST.year}")
    return day


def require_date(params: Mapping[str, str], name: str, default: dt.date) -> dt.date:
    day = parse_date(params, name, default)
    assert day is not None
    return day


def parse_range(params: Mapping[str, str], start_default: dt.date | None, end_default: dt.date | None,
                names: tuple[str, str] = ("from", "to")) -> tuple[dt.date | None, dt.date | None]:
    start, end = parse_date(params, names[0], start_default), parse_date(params, names[1], end_default)
    if start and end and start > end:
        raise ParamError(names[0], f"{start} is after {names[1]}={end}")
    return start, end


def parse_int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ParamError(name, f"{value} is outside {low}-{high}")
    return value


def parse_choice(params: Mapping[str, str], name: str, choices: Iterable[str], default: str | None) -> str | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    options = tuple(choices)
    if raw not in options:
        raise ParamError(name, f"{raw!r} is not one of {', '.join(options)}")
    return raw


def parse_custody(params: Mapping[str, str], default: str = "all") -> str | None:
    """"criminal", "administrative", or None for both ("all")."""
    value = parse_choice(params, "custody", CUSTODY, default)
    return None if value == "all" else value


def engine_error(error: ValueError, params: Iterable[str]) -> ParamError:
    """The engine's own ValueError ("by: 'x' is not one of ...") as a ParamError, if it names a parameter.

    Anything else is a bug, not a bad request: it is raised again as it was.
    """
    name, sep, message = str(error).partition(": ")
    if sep and name in set(params):
        return ParamError(name, message)
    raise error


def parse_filters(params: Mapping[str, str]) -> engine.Filters:
    given = {k: params[k].strip() for k in FILTER_PARAMS if k in params and params[k].strip()}
    try:
        return engine.Filters.from_params(given)
    except ValueError as e:
        # the engine's message starts with the parameter's name: "age_min: 'x' is not a whole number..."
        name, sep, message = str(e).partition(": ")
        if sep and name in FILTER_PARAMS:
            raise ParamError(name, message) from None
        raise ParamError(next(iter(given), "filters"), str(e)) from None


def filter_params(filters: engine.Filters) -> dict[str, str]:
    """The query-string form of filters (what ``parse_filters`` reads back)."""
    out = {}
    for name in FILTER_PARAMS:
        value = getattr(filters, name, None)
        if value is not None and value != "":
            out[name] = str(value)
    return out


def parse_organization(params: Mapping[str, str], name: str = "organization") -> str | None:
    code = (params.get(name) or "").strip()
    if not code:
        return None
    if not Organization.objects.filter(code=code).exists():
        raise ParamError(name, f"no organisation has the code {code!r}")
    return code


# --- data behind the figures ------------------------------------------------------------------


def dataset_for(request: HttpRequest, as_recorded_on: dt.date | None = None) -> engine.Dataset:
    """The dataset, loaded at most once per request (and per "as recorded on" date).

    No cache across requests yet: every page view reloads from the database, so figures are
    never stale. A shared cache, invalidated by writes, is for when loading becomes the cost.
    """
    cache: dict[dt.date | None, engine.Dataset] = request.__dict__.setdefault("_volia_datasets", {})
    if as_recorded_on not in cache:
        cache[as_recorded_on] = load_dataset(as_recorded_on=as_recorded_on)
    return cache[as_recorded_on]


def person_keys(ids: Iterable[int]) -> dict[int, str]:
    wanted = list(dict.fromkeys(ids))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 5000):  # below every database's limit on query parameters
        out.update(Person.objects.filter(pk__in=wanted[i:i + 5000]).values_list("pk", "key"))
    return out


def primary_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = list(dict.fromkeys(ids))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 5000):
        out.update(PersonName.objects.filter(person_id__in=wanted[i:i + 5000], is_primary=True)
                   .values_list("person_id", "text"))
    return out
