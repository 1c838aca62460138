"""Browser tests: the public site in a real Chromium (Playwright, sync API) against pytest-django's live server.

Marked `browser` (registered here, since pyproject.toml is not ours to change). Every page is loaded
with route interception: a request to anything but the live server is refused and fails the test.
Screenshots go to a temporary directory (VOLIA_SCREENSHOTS to keep them somewhere).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between page
# loads are ordinary synchronous calls, which Django would otherwise refuse in that situation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("VOLIA_CHROMIUM", "/usr/bin/chromium")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs a real browser (Chromium via Playwright) against a live server")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last. A live-server test empties the database when it ends (Django restores
    migration data such as role groups only at the start of the next serialized test), so a database
    test running after it on the same worker would find no role groups."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (browser tests never download one)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("VOLIA_SCREENSHOTS") or tempfile.mkdtemp(prefix="volia-screens-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "browser-tests"}}
    from django.core.cache import cache

    cache.clear()


class Guarded:
    """A browser context that refuses, and records, every request not addressed to the live server."""

    def __init__(self, browser, base: str, **options):
        self.base = base.rstrip("/")
        self.foreign: list[str] = []
        self.context = browser.new_context(**options)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        url = route.request.url
        if url == self.base or url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, (path, response and response.status)
        return response


@pytest.fixture
def guarded(browser, live_server) -> Iterator:
    """guarded(**context options) -> Guarded; each test fails if any page asked for a foreign URL."""
    made: list[Guarded] = []

    def make(**options) -> Guarded:
        g = Guarded(browser, live_server.url, **options)
        made.append(g)
        return g

    yield make
    for g in made:
        g.context.close()
    foreign = [u for g in made for u in g.foreign]
    assert not foreign, f"pages requested URLs outside the live server: {foreign}"
