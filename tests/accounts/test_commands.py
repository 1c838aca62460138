"""volia user add / role / password / disable / enable / reset-2fa / list."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from volia.accounts import roles, twofactor
from volia.registry.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type="User"))


def test_add_prints_a_generated_password_once_and_audits():
    out = run("add", "olga", "--role", "researcher", "--reason", "new colleague")
    password = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("password: "))
    user = get_user_model().objects.get(username="olga")
    assert len(password) >= 20 and user.check_password(password) and user.password.startswith("argon2$")
    assert roles.role_of(user) == roles.RESEARCHER and user.is_staff and not user.is_superuser
    (entry,) = _audit("user_add")
    assert entry.object_id == user.pk and entry.changes == {"username": "olga", "role": "researcher"}
    assert entry.reason == "new colleague" and entry.actor.startswith("cli:") and password not in json.dumps(
        entry.changes)


def test_add_reads_the_password_from_stdin(monkeypatch):
    out = run("add", "petra", "--role", "administrator", "--password-stdin",
              stdin="a long enough passphrase 7\n", monkeypatch=monkeypatch)
    user = get_user_model().objects.get(username="petra")
    assert "password:" not in out and user.check_password("a long enough passphrase 7")
    assert user.is_superuser and user.is_staff and roles.role_of(user) == roles.ADMINISTRATOR


@pytest.mark.parametrize(("stdin", "message"), [("short\n", "too short"), ("\n", "held no password")])
def test_add_refuses_a_bad_password(monkeypatch, stdin, message):
    with pytest.raises(CommandError, match=message):
        run("add", "quinn", "--role", "editor", "--password-stdin", stdin=stdin, monkeypatch=monkeypatch)
    assert not get_user_model().objects.filter(username="quinn").exists() and not _audit("user_add")


def test_add_refuses_a_duplicate_and_an_unknown_role():
    run("add", "olga", "--role", "editor")
    with pytest.raises(CommandError, match="already exists"):
        run("add", "OLGA", "--role", "editor")
    with pytest.raises(CommandError, match="invalid choice"):
        run("add", "rita", "--role", "superhero")


def test_role_changes_the_group_and_superuser_flag():
    run("add", "olga", "--role", "volunteer")
    user = get_user_model().objects.get(username="olga")
    assert run("role", "olga", "administrator").strip() == "olga: volunteer -> administrator"
    user.refresh_from_db()
    assert roles.role_of(user) == roles.ADMINISTRATOR and user.is_superuser
    assert [g.name for g in user.groups.all()] == ["administrator"]
    run("role", "olga", "editor")
    user.refresh_from_db()
    assert roles.role_of(user) == roles.EDITOR and not user.is_superuser
    assert [e.changes["role"] for e in _audit("user_role")] == [["volunteer", "administrator"],
                                                                ["administrator", "editor"]]


def test_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        run("role", "ghost", "editor")


def test_reset_2fa_removes_the_authenticator_and_codes():
    run("add", "olga", "--role", "editor")
    user = get_user_model().objects.get(username="olga")
    twofactor.enrol_now(user)
    assert "second factor of olga reset" in run("reset-2fa", "olga", "--reason", "lost phone")
    assert twofactor.confirmed_device(user) is None and twofactor.unused_recovery_codes(user) == 0
    (entry,) = _audit("user_reset_2fa")
    assert entry.changes == {"username": "olga", "had_authenticator": True} and entry.reason == "lost phone"
    assert "had no authenticator" in run("reset-2fa", "olga")


def test_password_disable_enable(monkeypatch):
    run("add", "olga", "--role", "editor")
    out = run("password", "olga")
    new = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("password: "))
    user = get_user_model().objects.get(username="olga")
    assert user.check_password(new)
    run("disable", "olga")
    user.refresh_from_db()
    assert not user.is_active and roles.role_of(user) == roles.PUBLIC
    run("enable", "olga")
    user.refresh_from_db()
    assert user.is_active
    assert [len(_audit(a)) for a in ("user_password", "user_disable", "user_enable")] == [1, 1, 1]


def test_list_json(django_assert_max_num_queries):
    run("add", "olga", "--role", "editor")
    run("add", "ivan", "--role", "volunteer")
    twofactor.enrol_now(get_user_model().objects.get(username="olga"))
    with django_assert_max_num_queries(3):
        rows = json.loads(run("list", "--json"))
    assert [(r["username"], r["role"], r["second_factor"], r["recovery_codes_left"], r["active"]) for r in rows] == [
        ("ivan", "volunteer", False, 0, True), ("olga", "editor", True, 10, True)]
    text = run("list")
    assert "olga" in text and "2FA" in text and "no 2FA" in text
