"""Security headers on every response, and no template that loads anything from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import override_settings

import volia
from volia.accounts import twofactor
from volia.accounts.testing import login_verified

EXPECTED = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PAGE_DIRECTIVES = ("default-src 'none'", "style-src 'self'", "img-src 'self'", "form-action 'self'",
                   "frame-ancestors 'none'", "base-uri 'none'")


def _check(response, *, script: bool = False) -> None:
    for name, value in EXPECTED.items():
        assert response[name] == value, (response.request["PATH_INFO"], name)
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    assert ("script-src 'self'" in csp) == script
    assert "Strict-Transport-Security" not in response


ANONYMOUS = ["/", "/be/", "/en/", "/accounts/login/", "/no-such-page/", "/be/no-such-page/", "/admin/",
             "/admin/login/", "/api/v1/openapi.json", "/api/v1/stats/held", "/api/v1/no-such-endpoint",
             "/staff/", "/static/web/volia.css"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ANONYMOUS)
def test_every_anonymous_response_has_the_headers(client, path):
    _check(client.get(path), script=path.startswith("/admin/"))


@pytest.mark.django_db
def test_pages_get_the_strict_page_policy(client):
    csp = client.get("/accounts/login/")["Content-Security-Policy"]
    assert all(d in csp for d in PAGE_DIRECTIVES) and "script-src" not in csp


@pytest.mark.django_db
def test_the_api_gets_the_strictest_policy(client):
    csp = client.get("/api/v1/openapi.json")["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'") and "style-src" not in csp and "img-src" not in csp


@pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/", "/admin/no-such-model/", "/staff/",
                                  "/staff/stats/", "/api/v1/stats/held", "/accounts/security/", "/be/"])
def test_every_staff_response_has_the_headers(client, make_account, path):
    user = make_account("root", role="administrator", is_superuser=True)
    twofactor.enrol_now(user)
    login_verified(client, user)
    response = client.get(path)
    assert response.status_code != 302 or "/accounts/" not in response["Location"]
    _check(response, script=path.startswith("/admin/"))


def test_the_admin_works_under_its_policy(client, make_account):
    """The admin needs its own scripts and styles ('self') and nothing inline or from elsewhere."""
    user = make_account("root", role="administrator", is_superuser=True)
    login_verified(client, user)
    html = client.get("/admin/auth/user/add/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html) is None  # no inline script body
    assert " style=\"" not in html and "javascript:" not in html and re.search(r"\son[a-z]+=\"", html) is None


@pytest.mark.django_db
@override_settings(VOLIA_HTTPS=True)
def test_hsts_when_served_over_https(client):
    for path in ("/", "/no-such-page/", "/api/v1/openapi.json"):
        assert client.get(path)["Strict-Transport-Security"].startswith("max-age=31536000")


# --- no third party ----------------------------------------------------------------------

ROOT = Path(volia.__file__).resolve().parent
OFF_SITE = re.compile(r"""(?:\b(?:src|href|action|xlink:href|srcset|poster|data)\s*=\s*["']?\s*"""
                      r"""|url\(\s*["']?|@import\s+["'])(?:https?:)?//""", re.IGNORECASE)


def _files() -> list[Path]:
    files = [p for p in ROOT.rglob("*") if p.suffix in (".html", ".css", ".svg", ".xml", ".txt") and p.is_file()]
    assert any(p.name == "login.html" for p in files) and any(p.suffix == ".css" for p in files)
    return files


def test_no_template_or_stylesheet_loads_from_another_host():
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in _files()
                 for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
                 if OFF_SITE.search(line)]
    assert offenders == []


def test_the_scan_would_see_an_offender():
    for bad in ('<script src="https://cdn.example/x.js">', "<img src='//track.example/p.gif'>",
                '<link href="http://fonts.example/css">', "body { background: url(https://x.example/a.png) }",
                '@import "https://x.example/a.css";', '<form action="https://collect.example/">'):
        assert OFF_SITE.search(bad), bad
    for fine in ('<a href="{% url \'web:people\' %}">', '<link href="/static/web/volia.css">', "Visit https://x.org"):
        assert not OFF_SITE.search(fine), fine
