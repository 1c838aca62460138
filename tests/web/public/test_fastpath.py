"""The fast path: stored public pages answered before Django, never stale, never for logged-in users."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache as shared_cache
from django.db import DatabaseError

from volia.registry import services
from volia.web.public import cache, fastpath

SECURITY_HEADERS = ("Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Permissions-Policy", "Cross-Origin-Opener-Policy")


class Django:
    """Stands for the Django application behind the fast path: counts the requests that reach it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from django"]


def environ(path: str, method: str = "GET", query: str = "", **headers: str) -> dict[str, Any]:
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
           "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
           "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http"}
    env.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return env


def call(app: fastpath.PublicFastPath, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"], got["headers"] = status, dict(headers)

    body = b"".join(app(env, start_response))
    return got["status"], got["headers"], body


@pytest.fixture
def django_app() -> Django:
    return Django()


@pytest.fixture
def app(django_app: Django) -> fastpath.PublicFastPath:
    return fastpath.PublicFastPath(django_app)


def test_a_stored_page_is_answered_before_django_with_the_same_bytes_and_headers(client, registry, app,
                                                                                  django_app):
    full = client.get("/en/people/")  # the long way: rendered, then stored by the outermost middleware
    assert full.status_code == 200
    status, headers, body = call(app, environ("/en/people/"))
    assert django_app.calls == 0
    assert status == "200 OK" and body == full.content
    for name in (*SECURITY_HEADERS, "Content-Type", "Content-Language", "ETag", "Cache-Control", "Vary"):
        assert headers[name] == full[name], name
    assert headers["Content-Language"] == "en" and "default-src 'none'" in headers["Content-Security-Policy"]
    assert "public" in headers["Cache-Control"] and "max-age=60" in headers["Cache-Control"]
    assert "Cookie" in headers["Vary"] and int(headers["Content-Length"]) == len(body)
    assert "Set-Cookie" not in headers
    # another worker (nothing in its memory) finds the page in the shared cache
    fastpath.memory.clear()
    assert call(app, environ("/en/people/"))[2] == full.content and django_app.calls == 0
    # HEAD is answered too (the server leaves the body out)
    assert call(app, environ("/en/people/", method="HEAD"))[0] == "200 OK" and django_app.calls == 0


def test_pages_not_stored_and_other_requests_go_to_django(client, registry, app, django_app):
    client.get("/en/people/")
    call(app, environ("/en/people/", query="page=2"))  # another query is another page
    call(app, environ("/ru/people/"))  # another language
    call(app, environ("/en/facilities/"))  # never rendered yet
    call(app, environ("/en/people/", method="POST"))
    call(app, environ("/staff/"))
    call(app, environ("/static/web/volia.css"))
    assert django_app.calls == 6


def test_a_registry_change_is_never_answered_with_the_old_page(client, registry, prison, app, django_app):
    old = client.get("/en/facilities/test-ik-9/").content
    assert call(app, environ("/en/facilities/test-ik-9/"))[2] == old
    # a change that adds rows (and an audit entry)
    services.create_person("pub-new", "Новы Чалавек", "be", actor=services.Actor("test:editor"), visibility="public")
    assert call(app, environ("/en/facilities/test-ik-9/"))[2] == b"from django"
    new = client.get("/en/facilities/test-ik-9/").content
    assert call(app, environ("/en/facilities/test-ik-9/"))[2] == new
    # a change that adds no row: the generation counter moves
    prison.postal_address_ru = "231000, г. Новоград, ул. Новая, 2"
    prison.save()
    assert call(app, environ("/en/facilities/test-ik-9/"))[2] == b"from django"
    changed = client.get("/en/facilities/test-ik-9/").content
    assert "ул. Новая".encode() in changed
    assert call(app, environ("/en/facilities/test-ik-9/"))[2] == changed
    assert django_app.calls == 2


def test_a_lost_generation_counter_never_brings_an_old_version_back(registry, prison):
    before = cache.data_version()
    prison.postal_address_ru = "231000, г. Новоград, ул. Новая, 2"
    prison.save()  # no new row: only the generation tells the versions apart
    after = cache.data_version()
    assert after != before
    shared_cache.delete(cache.GENERATION_KEY)  # the file cache culled it, or the cache was cleared
    restarted = cache.data_version()
    assert restarted not in (before, after)
    cache.bump_generation()
    assert cache.data_version() not in (before, after, restarted)


def test_a_session_cookie_always_goes_the_long_way(client, client_for, outsider_user, registry, app, django_app):
    client.get("/en/people/")
    call(app, environ("/en/people/", cookie="sessionid=abc123"))
    call(app, environ("/en/people/", cookie="lang=en; sessionid=abc123"))
    assert django_app.calls == 2
    # cookies that are not the session do not change a public page
    assert call(app, environ("/en/people/", cookie="csrftoken=x"))[2] != b"from django"
    # a logged-in reader's page is rendered for them, marked no-store and never stored
    reader = client_for(outsider_user)
    page = reader.get("/en/people/?page=1")
    assert "no-store" in page["Cache-Control"] and "ETag" not in page
    assert call(app, environ("/en/people/", query="page=1"))[2] == b"from django"


def test_if_none_match_gets_304_with_the_headers(client, registry, app, django_app):
    full = client.get("/en/people/")
    status, headers, body = call(app, environ("/en/people/", if_none_match=full["ETag"]))
    assert status == "304 Not Modified" and body == b"" and django_app.calls == 0
    assert headers["ETag"] == full["ETag"] and "max-age=60" in headers["Cache-Control"]
    for name in SECURITY_HEADERS:
        assert headers[name] == full[name], name
    assert "Content-Type" not in headers and "Content-Length" not in headers
    assert call(app, environ("/en/people/", if_none_match='"other"'))[0] == "200 OK"


def test_a_response_that_sets_a_cookie_is_never_stored(rf, registry):
    from django.http import HttpResponse

    request = rf.get("/en/people/")
    request.volia_page_key = cache.page_key(cache.data_version(), request.META)

    def view(_request):
        response = HttpResponse("page")
        response.set_cookie("csrftoken", "x")
        return response

    fastpath.StorePublicPagesMiddleware(view)(request)
    assert shared_cache.get(request.volia_page_key) is None
    fastpath.StorePublicPagesMiddleware(lambda _r: HttpResponse("page"))(request)
    assert shared_cache.get(request.volia_page_key)[0] == b"page"


def test_a_database_error_while_looking_lets_django_answer(client, registry, app, django_app, monkeypatch):
    client.get("/en/people/")

    def broken() -> str:
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(cache, "data_version", broken)
    monkeypatch.setattr(fastpath.connection, "close", lambda: None)  # keep the test's transaction
    assert call(app, environ("/en/people/"))[2] == b"from django"


@pytest.mark.django_db(transaction=True)
def test_the_served_application_uses_the_fast_path(make_person):
    """volia.wsgi.application: the first request renders the page, the second comes from the fast path."""
    from volia.wsgi import application

    assert isinstance(application, fastpath.PublicFastPath)
    make_person("pub-wsgi", "Алесь Тэставы", visibility="public")
    first = call(application, environ("/be/people/pub-wsgi/", host="localhost"))
    key = cache.page_key(cache.data_version(), environ("/be/people/pub-wsgi/"))
    assert first[0] == "200 OK" and "Алесь Тэставы".encode() in first[2]
    assert shared_cache.get(key)[0] == first[2]
    seen: list[str] = []
    original = application.app
    application.app = lambda env, start: seen.append(env["PATH_INFO"]) or original(env, start)  # type: ignore
    try:
        second = call(application, environ("/be/people/pub-wsgi/", host="localhost"))
    finally:
        application.app = original
    assert second[2] == first[2] and seen == []


def test_the_memory_of_a_worker_stays_within_its_bound_under_threads():
    """gunicorn's threaded workers share one memory: no lost entry breaks it and it stays bounded."""
    import threading

    memory = fastpath._Memory(limit=10_000)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2000):
                key = f"k{(i * 7 + n) % 50}"
                memory.put(key, (b"x" * 700, []))
                memory.get(f"k{(i + n) % 50}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert memory.size == sum(len(e[0]) for e in memory.pages.values()) <= 10_000
    assert memory.get("no such key") is None
    big = (b"y" * 20_000, [])
    memory.put("too big", big)  # larger than the whole memory: not kept
    assert memory.get("too big") is None
