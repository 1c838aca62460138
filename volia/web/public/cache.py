"""Caching of public pages, shared by every worker, invalidated whenever the registry changes.

A page is stored under (data version, language, path and query). The data version changes when
anything a public page shows may have changed:

* the largest ids of the audit log, events, people, names and import batches: every service write
  adds an audit entry or an event, and imports (raw inserts, no signals) add events and a batch;
* a generation counter in the cache itself, bumped by `post_save`/`post_delete` of the registry's
  models, so that an edit that adds no row (a person made public, a facility's address corrected in
  the admin) is seen at once, in every worker. When the counter is missing (a new cache, or the file
  cache culled it) it restarts from the clock in nanoseconds, so that a version never repeats and a
  page stored under an old version can never be taken for a current one.

A stale page therefore lives at most until the next request after the change. Only anonymous
readers get cached pages: a logged-in user may see more, so their pages are never stored and are
marked `private, no-store`. Cached responses carry an ETag (the key's hash) and `Cache-Control:
public, max-age=60`, so that a reverse proxy or the browser can answer repeated requests too.

The page is stored by `fastpath.StorePublicPagesMiddleware` (the outermost middleware) with every
header the full stack gave it, and served again by `fastpath.PublicFastPath` in front of Django; the
view wrapper `public_page` below still answers from the cache when a request goes the long way
(a session cookie, or no fast path in front, as under the test client).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from volia.registry import models as registry_models

GENERATION_KEY = "volia:public:generation"
PAGE_PREFIX = "volia:public:page:"
LANGUAGES = ("be", "ru", "en")
MAX_AGE = 60  # seconds a browser or proxy may reuse a public page without asking
_VERSION_TABLES = (registry_models.AuditEntry, registry_models.Event, registry_models.Person,
                   registry_models.PersonName, registry_models.ImportBatch)
_WATCHED = (registry_models.Person, registry_models.PersonName, registry_models.PersonGroup,
            registry_models.Event, registry_models.EventSource, registry_models.Source,
            registry_models.Facility, registry_models.CriminalArticle, registry_models.Organization,
            registry_models.CustodyEpisode, registry_models.StatusPeriod)
_version_sql: str | None = None


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)  # add: a concurrent bump or start wins
        value = cache.get(GENERATION_KEY, 0)
    return int(value)


def data_version() -> str:
    """A string that changes whenever public output may change (one cheap query plus one cache read)."""
    global _version_sql
    if _version_sql is None:
        qn = connection.ops.quote_name
        # table names come from the models and are quoted: no outside input reaches this SQL
        selects = [f"(SELECT MAX(id) FROM {qn(m._meta.db_table)})" for m in _VERSION_TABLES]  # noqa: S608
        _version_sql = "SELECT " + ", ".join(selects)
    with connection.cursor() as cur:
        cur.execute(_version_sql)
        row = cur.fetchone()
    return f"{_generation()}." + ".".join(str(v or 0) for v in row)


def page_language(path: str) -> str | None:
    """The public site's language of a path (/be/..., /ru/..., /en/...), None for any other path."""
    lang = path[1:3]
    return lang if path[3:4] == "/" and path[:1] == "/" and lang in LANGUAGES else None


def page_key(version: str, meta: Mapping[str, Any]) -> str:
    """The cache key of the page a request asks for, from the WSGI environ (or request.META): the same
    string in the fast path (before Django) and in the view wrapper."""
    path = meta.get("SCRIPT_NAME", "") + meta.get("PATH_INFO", "")
    language = page_language(meta.get("PATH_INFO", ""))
    ident = f"{version}|{language}|{path}?{meta.get('QUERY_STRING', '')}"
    return PAGE_PREFIX + hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()


def etag_of(key: str) -> str:
    return f'"{key[-32:]}"'


# values derived from the registry, memoised in this process too: the key holds the data version,
# so a memoised value is never out of date; the small bound only limits memory
_values: OrderedDict[str, Any] = OrderedDict()
_values_lock = threading.Lock()  # gunicorn's threaded workers share them
_MAX_VALUES = 16


def cached_value(name: str, make: Callable[[], Any], *, per_language: bool = True,
                 version: str | None = None) -> Any:
    """`make()` computed once per data version (and language) and shared by every worker
    (`version`: the data version when the caller has just read it)."""
    language = get_language() if per_language else "-"
    key = f"volia:public:value:{version or data_version()}:{language}:{name}"
    with _values_lock:
        if key in _values:
            _values.move_to_end(key)
            return _values[key]
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value)
    with _values_lock:
        _values[key] = value
        while len(_values) > _MAX_VALUES:
            _values.popitem(last=False)
    return value


def bump_generation(**_: Any) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or culled): a new start from the clock differs from every value in use
        cache.set(GENERATION_KEY, time.time_ns(), None)


def connect_signals() -> None:
    for model in _WATCHED:
        post_save.connect(bump_generation, sender=model, dispatch_uid=f"volia-public-{model.__name__}-save")
        post_delete.connect(bump_generation, sender=model, dispatch_uid=f"volia-public-{model.__name__}-delete")


def is_anonymous(request: HttpRequest) -> bool:
    return not request.user.is_authenticated


def response_from(entry: tuple[bytes, list[tuple[str, str]]]) -> HttpResponse:
    """A stored page (body, every header of the original response) as a response."""
    content, headers = entry
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous readers from the shared cache; never cache anything for logged-in users.

    A page rendered here for an anonymous reader is marked (`request.volia_page_key`) and stored by
    `fastpath.StorePublicPagesMiddleware` once every middleware has added its headers.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or getattr(request, "volia_static", False):
            return view(request, *args, **kwargs)  # `volia publish` renders its own copy, never cached
        if not is_anonymous(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
        version = data_version()
        request.volia_data_version = version  # type: ignore[attr-defined]
        key = page_key(version, request.META)
        etag = etag_of(key)
        if etag in request.headers.get("If-None-Match", ""):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            return not_modified
        stored = cache.get(key)
        if stored is not None:
            return response_from(stored)
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response["ETag"] = etag
            patch_cache_control(response, public=True, max_age=MAX_AGE)
            patch_vary_headers(response, ("Cookie",))
            request.volia_page_key = key  # type: ignore[attr-defined]
        return response

    return wrapper
