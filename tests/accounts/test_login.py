"""The log-in: password, then the second factor (enrolment the first time), for staff only."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, override_settings

from volia.accounts import services, twofactor
from volia.accounts.middleware import LOGIN_AT
from volia.accounts.models import RecoveryCode, TOTPDevice
from volia.accounts.testing import login_verified
from volia.registry.services import Actor

from .conftest import PASSWORD, code, log_in


def _path(response) -> str:
    return urlsplit(response["Location"]).path


def _query(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def test_password_then_totp_opens_the_admin(client, enrolled):
    _, secret, _ = enrolled
    r = log_in(client, "alice", next_url="/admin/")
    assert r.status_code == 302 and _path(r) == "/accounts/2fa/verify/" and _query(r)["next"] == "/admin/"
    blocked = client.get("/admin/")
    assert blocked.status_code == 302 and _path(blocked) == "/accounts/2fa/verify/"
    assert _query(blocked)["next"] == "/admin/"
    r = client.post("/accounts/2fa/verify/", {"code": code(secret, 1), "next": "/admin/"})
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_wrong_code_is_refused(client, enrolled):
    _, secret, _ = enrolled
    log_in(client, "alice")
    right = {code(secret, s) for s in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in right)
    r = client.post("/accounts/2fa/verify/", {"code": wrong})
    assert r.status_code == 200 and b"That code is not right" in r.content
    assert client.get("/admin/").status_code == 302
    r = client.post("/accounts/2fa/verify/", {"code": "not a code at all"})
    assert r.status_code == 200 and client.get("/admin/").status_code == 302


def test_a_code_is_accepted_once_only(enrolled):
    _, secret, _ = enrolled
    first, second = Client(), Client()
    log_in(first, "alice")
    log_in(second, "alice")
    c = code(secret, 1)
    assert first.post("/accounts/2fa/verify/", {"code": c}).status_code == 302
    r = second.post("/accounts/2fa/verify/", {"code": c})
    assert r.status_code == 200 and second.get("/admin/").status_code == 302


def test_a_recovery_code_works_once(client, enrolled):
    user, _, codes = enrolled
    log_in(client, "alice")
    r = client.post("/accounts/2fa/verify/", {"code": codes[3].upper().replace("-", " ")})
    assert r.status_code == 302 and _path(r) == "/accounts/security/"
    page = client.get("/accounts/security/")
    assert b"You used a recovery code; 9 left" in page.content
    assert client.get("/admin/").status_code == 200
    other = Client()
    log_in(other, "alice")
    r = other.post("/accounts/2fa/verify/", {"code": codes[3]})
    assert r.status_code == 200 and other.get("/admin/").status_code == 302
    assert twofactor.unused_recovery_codes(user) == 9


def test_recovery_codes_are_stored_hashed(enrolled):
    user, _, codes = enrolled
    stored = set(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert len(codes) == len(set(codes)) == 10 and len(stored) == 10
    assert not stored & set(codes) and not any(c.replace("-", "") in d for c in codes for d in stored)


def test_first_login_enrols_with_a_server_drawn_qr_code(client, make_account):
    user = make_account("bob")
    r = log_in(client, "bob", next_url="/admin/")
    assert r.status_code == 302 and _path(r) == "/accounts/2fa/setup/"
    assert client.get("/admin/").status_code == 302
    page = client.get(r["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<script" not in html and "<img" not in html
    assert "no-store" in page["Cache-Control"]
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed_at is None and twofactor.grouped_secret(device.secret) in html
    r = client.post("/accounts/2fa/setup/", {"code": "000000" if code(device.secret) != "000000" else "111111"})
    assert r.status_code == 200 and client.get("/admin/").status_code == 302
    r = client.post("/accounts/2fa/setup/", {"code": code(device.secret), "next": "/admin/"})
    shown = r.content.decode()
    assert r.status_code == 200 and "shown <strong>only now</strong>" in shown
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert sum(1 for line in shown.splitlines() if line.strip().startswith("<li><code>")) == 10
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed_at is not None


def test_an_enrolled_user_cannot_enrol_again_to_skip_the_code(client, enrolled):
    user, secret, _ = enrolled
    log_in(client, "alice")
    r = client.get("/accounts/2fa/setup/")
    assert r.status_code == 302 and _path(r) == "/accounts/2fa/verify/"
    r = client.post("/accounts/2fa/setup/", {"code": code(secret, 1)})
    assert r.status_code == 302 and client.get("/admin/").status_code == 302
    assert TOTPDevice.objects.get(user=user).secret == secret


def test_password_alone_is_anonymous_on_the_public_site_and_refused_by_the_api(client, enrolled):
    log_in(client, "alice")
    r = client.get("/")
    assert r.wsgi_request.user.is_authenticated is False
    api = client.get("/api/v1/stats/held")
    assert api.status_code == 403 and "second factor" in api.json()["error"]
    assert client.get("/staff/").status_code == 302


def test_verified_staff_are_themselves_on_the_public_site(client, enrolled):
    user, _, _ = enrolled
    login_verified(client, user)
    assert client.get("/").wsgi_request.user == user


def test_a_user_without_a_role_needs_no_second_factor(client, make_account):
    make_account("carol", role=None)
    r = log_in(client, "carol", next_url="/accounts/login/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    assert client.get("/").wsgi_request.user.get_username() == "carol"


def test_next_never_leaves_the_site(client, make_account):
    make_account("carol", role=None)
    r = log_in(client, "carol", next_url="https://evil.example/")
    assert r.status_code == 302 and r["Location"] == settings.LOGIN_REDIRECT_URL


def test_the_admin_logs_in_through_our_page(client):
    r = client.get("/admin/login/?next=/admin/auth/user/")
    assert r.status_code == 302 and _path(r) == "/accounts/login/" and _query(r)["next"] == "/admin/auth/user/"
    r = client.get("/admin/", follow=True)
    assert r.redirect_chain[-1][0].startswith("/accounts/login/")


def test_login_rotates_the_session_and_verification_rotates_it_again(client, enrolled):
    _, secret, _ = enrolled
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    log_in(client, "alice")
    after_password = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after_password != planted.session_key
    client.post("/accounts/2fa/verify/", {"code": code(secret, 1)})
    assert client.cookies[settings.SESSION_COOKIE_NAME].value not in (after_password, planted.session_key)
    assert client.get("/admin/").status_code == 200


def test_resetting_the_second_factor_ends_verified_sessions(client, enrolled):
    user, _, _ = enrolled
    login_verified(client, user)
    assert client.get("/admin/").status_code == 200
    services.reset_second_factor(user, actor=Actor("test:admin"))
    r = client.get("/admin/")
    assert r.status_code == 302 and _path(r) == "/accounts/2fa/setup/"


def test_mark_verified_finds_the_session_user(client, enrolled):
    client.login(username="alice", password=PASSWORD)  # password only: not verified yet
    assert client.get("/admin/").status_code == 302
    session = client.session
    twofactor.mark_verified(session)
    session.save()
    assert client.get("/admin/").status_code == 200


def test_a_staff_session_ends_after_its_time(client, enrolled):
    user, _, _ = enrolled
    login_verified(client, user)
    session = client.session
    session[LOGIN_AT] = time.time() - settings.VOLIA_STAFF_SESSION_SECONDS - 60
    session.save()
    r = client.get("/admin/")
    assert r.status_code == 302 and _path(r) == "/accounts/login/"
    assert client.get("/").wsgi_request.user.is_authenticated is False


@override_settings(VOLIA_REQUIRE_2FA=False)
def test_the_requirement_can_be_switched_off(client, make_account):
    make_account("dave")
    r = log_in(client, "dave", next_url="/admin/")
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_forms_need_the_csrf_token(enrolled):
    client = Client(enforce_csrf_checks=True)
    assert log_in(client, "alice").status_code == 403
    page = client.get("/accounts/login/")
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    r = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_logout_is_a_post(client, enrolled):
    user, _, _ = enrolled
    login_verified(client, user)
    assert client.get("/accounts/logout/").status_code == 405
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and client.get("/").wsgi_request.user.is_authenticated is False


@pytest.mark.parametrize("role", ["administrator", "editor", "researcher", "volunteer"])
def test_every_staff_role_needs_the_second_factor(client, make_account, role):
    make_account("eve", role=role)
    r = log_in(client, "eve")
    assert _path(r) == "/accounts/2fa/setup/"
    assert client.get("/admin/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, enrolled):
    user, _, old = enrolled
    login_verified(client, user)
    r = client.post("/accounts/security/recovery-codes/")
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    assert not twofactor.use_recovery_code(user, old[0])
    assert twofactor.unused_recovery_codes(user) == 10
