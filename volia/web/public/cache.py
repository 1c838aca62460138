"""Caching of public pages, shared by every worker, invalidated whenever the registry changes.

A page is stored under (data version, language, path and query). The data version changes when
anything a public page shows may have changed:

* the largest ids of the audit log, events, people, names and import batches: every service write
  adds an audit entry or an event, and imports (raw inserts, no signals) add events and a batch;
* a generation counter in the cache itself, bumped by `post_save`/`post_delete` of the registry's
  models, so that an edit that adds no row (a person made public, a facility's address corrected in
  the admin) is seen at once, in every worker.

A stale page therefore lives at most until the next request after the change. Only anonymous
readers get cached pages: a logged-in user may see more, so their pages are never stored and are
marked `private, no-store`. Cached responses carry an ETag (the key's hash) and `Cache-Control:
public, max-age=60`, so that a reverse proxy or the browser can answer repeated requests too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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
MAX_AGE = 60  # seconds a browser or proxy may reuse a public page without asking
_VERSION_TABLES = (registry_models.AuditEntry, registry_models.Event, registry_models.Person,
                   registry_models.PersonName, registry_models.ImportBatch)
_WATCHED = (registry_models.Person, registry_models.PersonName, registry_models.PersonGroup,
            registry_models.Event, registry_models.EventSource, registry_models.Source,
            registry_models.Facility, registry_models.CriminalArticle, registry_models.Organization,
            registry_models.CustodyEpisode, registry_models.StatusPeriod)


def data_version() -> str:
    """A string that changes whenever public output may change (one cheap query plus one cache read)."""
    qn = connection.ops.quote_name
    # table names come from the models and are quoted: no outside input reaches this SQL
    selects = ", ".join(f"(SELECT MAX(id) FROM {qn(m._meta.db_table)})" for m in _VERSION_TABLES)  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(f"SELECT {selects}")
        row = cur.fetchone()
    generation = cache.get(GENERATION_KEY, 0)
    return f"{generation}." + ".".join(str(v or 0) for v in row)


def bump_generation(**_: Any) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value differs from the ones in use
        cache.set(GENERATION_KEY, 1, None)


def connect_signals() -> None:
    for model in _WATCHED:
        post_save.connect(bump_generation, sender=model, dispatch_uid=f"volia-public-{model.__name__}-save")
        post_delete.connect(bump_generation, sender=model, dispatch_uid=f"volia-public-{model.__name__}-delete")


def cached_value(name: str, make: Callable[[], Any], *, per_language: bool = True) -> Any:
    """`make()` computed once per data version (and language) and shared by every worker."""
    language = get_language() if per_language else "-"
    key = f"volia:public:value:{data_version()}:{language}:{name}"
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value)
    return value


def is_anonymous(request: HttpRequest) -> bool:
    return not request.user.is_authenticated


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous readers from the shared cache; never cache anything for logged-in users."""

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
        key = "volia:public:page:" + hashlib.sha256(
            f"{version}|{get_language()}|{request.get_full_path()}".encode()).hexdigest()
        etag = f'"{key[-32:]}"'
        if etag in request.headers.get("If-None-Match", ""):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            return not_modified
        stored = cache.get(key)
        if stored is not None:
            content, content_type, headers = stored
            response = HttpResponse(content, content_type=content_type)
            for name, value in headers:
                response[name] = value
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                keep = [(h, response[h]) for h in ("Content-Security-Policy", "Content-Language") if h in response]
                cache.set(key, (response.content, response["Content-Type"], keep))
        if response.status_code == 200:
            response["ETag"] = etag
            patch_cache_control(response, public=True, max_age=MAX_AGE)
            patch_vary_headers(response, ("Cookie",))
        return response

    return wrapper
