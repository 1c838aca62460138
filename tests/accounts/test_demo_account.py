"""`volia demo` prints what a person needs to log in as the demo administrator, second factor included."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client

from volia.accounts import roles
from volia.registry.models import AuditEntry

from .conftest import log_in


def _demo() -> tuple[str, str, str]:
    out = io.StringIO()
    call_command("demo", "--people", "12", "--no-serve", stdout=out)
    text = out.getvalue()
    password = re.search(r"user 'demo', password '([^']+)'", text).group(1)
    secret = re.search(r"add the key ([A-Z2-7 ]+) to an authenticator", text).group(1).replace(" ", "")
    recovery = re.search(r"recovery code ([a-z0-9-]+)", text).group(1)
    return password, secret, recovery


@pytest.mark.django_db
def test_the_printed_password_and_key_open_the_admin(django_user_model):
    password, secret, recovery = _demo()
    user = django_user_model.objects.get(username="demo")
    assert roles.role_of(user) == roles.ADMINISTRATOR and user.is_superuser
    client = Client()
    assert log_in(client, "demo", password, next_url="/admin/")["Location"].startswith("/accounts/2fa/verify/")
    r = client.post("/accounts/2fa/verify/", {"code": pyotp.TOTP(secret).now(), "next": "/admin/"})
    assert r.status_code == 302
    assert client.get("/admin/").status_code == 200
    other = Client()
    log_in(other, "demo", password)
    assert other.post("/accounts/2fa/verify/", {"code": recovery}).status_code == 302
    assert other.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_every_start_makes_new_credentials_and_audits_them():
    first, second = _demo(), _demo()
    assert all(a != b for a, b in zip(first, second, strict=True))
    client = Client()
    assert log_in(client, "demo", first[0]).status_code == 200  # the old password no longer works
    actions = list(AuditEntry.objects.filter(object_type="User").values_list("action", flat=True))
    assert actions == ["user_add", "user_enrol_2fa", "user_role", "user_password", "user_enrol_2fa"]
