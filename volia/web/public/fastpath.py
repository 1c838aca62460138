"""The fast path: cached public pages answered in front of Django, for anonymous readers.

`PublicFastPath` wraps the WSGI application (volia/wsgi.py). A GET or HEAD under /be/, /ru/ or /en/
that carries no session cookie is looked up under the key `cache.page_key` gives for the current
data version (one small query and one cache read, as in the view wrapper). When that page is stored,
its bytes and every header the full stack gave it (Content-Security-Policy and the other security
headers, Content-Language, ETag, Cache-Control, Vary) are sent at once, or a 304 when the reader's
If-None-Match names its ETag: no session, locale, CSRF, authentication or second-factor middleware
runs, and no view. Anything else (a miss, a session cookie, another method or path, an error while
looking) goes to Django unchanged.

A request with a session cookie may be a logged-in user, who can see more than the public: it always
goes the long way, and the view wrapper never serves or stores it from the cache.

`StorePublicPagesMiddleware`, the outermost middleware, stores a page the view wrapper marked
(anonymous reader, 200) with its final headers. A response that sets a cookie is never stored.

Each worker also keeps the pages it served recently in memory (`MEMORY_BYTES` at most): the key holds
the data version, so a page found there is exactly the one the shared cache holds under that key.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

from volia.web.public import cache

log = logging.getLogger(__name__)

MEMORY_BYTES = 32 * 1024 * 1024
Entry = tuple[bytes, list[tuple[str, str]]]
# headers a 304 repeats (RFC 9110 15.4.5), plus the security headers every response carries
_NOT_MODIFIED_DROP = {"content-type", "content-length", "content-language"}


class _Memory:
    """The pages this worker served last, least recently used dropped first, at most `limit` bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.pages: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()  # gunicorn's threaded workers share it

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is not None:
                self.pages.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            if key in self.pages or len(entry[0]) > self.limit:
                return
            self.pages[key] = entry
            self.size += len(entry[0])
            while self.size > self.limit:
                _old, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped[0])

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


memory = _Memory(MEMORY_BYTES)


def _has_session_cookie(header: str) -> bool:
    if not header:
        return False
    name = settings.SESSION_COOKIE_NAME
    if name not in header:
        return False
    try:
        return name in SimpleCookie(header)
    except Exception:
        return True


def lookup(environ: dict[str, Any]) -> tuple[str, Entry] | None:
    """The stored page this request asks for, if the fast path may answer it (None: go to Django)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    if cache.page_language(environ.get("PATH_INFO", "")) is None:
        return None
    if _has_session_cookie(environ.get("HTTP_COOKIE", "")):
        return None
    key = cache.page_key(cache.data_version(), environ)
    entry = memory.get(key)
    if entry is None:
        entry = shared_cache.get(key)
        if entry is None:
            return None
        memory.put(key, entry)
    return key, entry


class PublicFastPath:
    """WSGI middleware: stored public pages for anonymous readers, before Django."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            found = lookup(environ)
        except DatabaseError:
            log.exception("public fast path: the data version could not be read; the request goes to Django")
            connection.close()  # a broken connection is opened again by the next query
            found = None
        if found is None:
            return self.app(environ, start_response)
        key, (content, headers) = found
        if cache.etag_of(key) in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 Not Modified", [(n, v) for n, v in headers if n.lower() not in _NOT_MODIFIED_DROP])
            return [b""]
        start_response("200 OK", list(headers))
        return [content]


class StorePublicPagesMiddleware:
    """Outermost middleware: stores the pages `cache.public_page` marked, with their final headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "volia_page_key", None)
        if key and response.status_code == 200 and not response.streaming and not response.cookies:
            entry: Entry = (response.content, list(response.items()))
            shared_cache.set(key, entry)
            memory.put(key, entry)
        return response
