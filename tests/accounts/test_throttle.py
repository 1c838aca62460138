"""Log-in and second-factor rate limits: counted in the database, so shared by every worker process."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client, override_settings

from volia.accounts import throttle
from volia.accounts.models import FailedAttempt

from .conftest import PASSWORD, code, log_in

WAIT = b"Too many failed attempts"


def _page(response, username: str) -> str:
    """The page without what may differ between two answers: the name typed and the CSRF token."""
    html = response.content.decode().replace(username, "NAME")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_five_failures_lock_the_username_for_every_client(enrolled):
    first, second = Client(), Client(REMOTE_ADDR="10.0.0.2")
    for attempt in range(5):
        r = log_in(first if attempt % 2 else second, "alice", f"wrong password, attempt {attempt}")
        assert r.status_code == 200 and b"Wrong username or password." in r.content
    # the right password from a third client, another address: still refused, and said so
    third = Client(REMOTE_ADDR="10.0.0.3")
    r = log_in(third, "alice")
    assert r.status_code == 429 and WAIT in r.content
    assert third.get("/admin/").status_code == 302 and "_auth_user_id" not in third.session


def test_the_lock_is_per_username(enrolled, make_account):
    make_account("bob")
    for _ in range(5):
        log_in(Client(), "alice", "nope nope nope")
    r = log_in(Client(), "bob")
    assert r.status_code == 302


def test_twenty_failures_from_one_address_lock_it(make_account):
    make_account("bob")
    client = Client(REMOTE_ADDR="192.0.2.7")
    for i in range(20):
        assert log_in(client, f"user{i}", "wrong password").status_code == 200
    assert log_in(client, "bob").status_code == 429
    assert log_in(Client(REMOTE_ADDR="192.0.2.8"), "bob").status_code == 302


@override_settings(VOLIA_TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_forwarded_address_is_counted(make_account):
    make_account("bob")
    for i in range(20):
        log_in(Client(HTTP_X_FORWARDED_FOR="198.51.100.9"), f"user{i}", "wrong password")
    assert log_in(Client(HTTP_X_FORWARDED_FOR="198.51.100.9"), "bob").status_code == 429
    assert log_in(Client(HTTP_X_FORWARDED_FOR="198.51.100.10"), "bob").status_code == 302


def test_unknown_and_known_usernames_get_the_same_answers(enrolled):
    for name in ("alice", "nobody-here"):
        answers = [log_in(Client(REMOTE_ADDR=f"10.1.0.{i}"), name, "wrong password") for i in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert _page(answers[0], name) == _page(log_in(Client(REMOTE_ADDR="10.2.0.1"), "third-name", "x"),
                                                "third-name")


def test_a_success_clears_the_username_count(enrolled):
    for _ in range(4):
        log_in(Client(), "alice", "wrong password")
    assert log_in(Client(), "alice").status_code == 302
    for _ in range(4):
        log_in(Client(), "alice", "wrong password")
    assert log_in(Client(), "alice").status_code == 302


def test_second_factor_attempts_are_limited_per_user(enrolled):
    _, secret, _ = enrolled
    right = {code(secret, s) for s in (-1, 0, 1, 2)}
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555", "666666") if c not in right]
    first, second = Client(), Client()
    log_in(first, "alice")
    log_in(second, "alice")
    for i in range(5):
        assert (first if i % 2 else second).post("/accounts/2fa/verify/", {"code": wrong[i]}).status_code == 200
    r = second.post("/accounts/2fa/verify/", {"code": code(secret, 1)})
    assert r.status_code == 429 and WAIT in r.content
    assert second.get("/admin/").status_code == 302


def test_failures_are_logged_without_the_password(enrolled, caplog):
    with caplog.at_level(logging.WARNING, logger="volia.accounts"):
        log_in(Client(REMOTE_ADDR="203.0.113.5"), "alice", "my-secret-guess-123")
    text = caplog.text
    assert "login failed" in text and "alice" in text and "203.0.113.5" in text
    assert "my-secret-guess-123" not in text and PASSWORD not in text


def test_the_table_holds_no_username_or_address(enrolled):
    log_in(Client(REMOTE_ADDR="203.0.113.5"), "alice", "wrong password")
    rows = list(FailedAttempt.objects.values_list("scope", "key"))
    assert {scope for scope, _ in rows} == {"username", "ip"}
    assert not any("alice" in key or "203.0.113" in key for _, key in rows)


@pytest.mark.django_db
def test_blocked_says_how_long_to_wait():
    limit = throttle.Limit("test", 3, 600)
    for _ in range(3):
        assert throttle.blocked(limit, "k") == 0
        throttle.record_failure(limit, "k")
    assert 590 <= throttle.blocked(limit, "k") <= 601
    assert throttle.blocked(limit, "other") == 0
    throttle.clear(limit, "k")
    assert throttle.blocked(limit, "k") == 0
