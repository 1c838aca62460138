"""Helpers for the accounts tests: a staff account with a known password, and TOTP codes."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.contrib.auth.models import Group

from volia.accounts import twofactor

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def make_account(db, django_user_model):
    """make_account("name", role="editor") -> a user with PASSWORD; role None: no role, not staff."""

    def make(username: str = "alice", role: str | None = "editor", **flags):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=role is not None, **flags)
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def enrolled(make_account):
    """An editor with a confirmed authenticator: (user, secret, recovery codes)."""
    user = make_account("alice")
    device, codes = twofactor.enrol_now(user)
    return user, device.secret, codes


def code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator's code, `steps_ahead` 30-second steps from now (the server accepts +-1 step)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def log_in(client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)
