"""TOTP secrets are encrypted at rest; migration 0003 encrypts the secrets stored before it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from volia.accounts import twofactor
from volia.accounts.models import TOTPDevice
from volia.security import crypto


@pytest.mark.django_db
def test_the_secret_is_encrypted_in_the_database():
    user = get_user_model().objects.create_user("alice", password="correct horse battery staple")
    device, _ = twofactor.enrol_now(user)
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        (stored,) = cur.fetchone()
    assert device.secret not in stored and crypto.is_encrypted(stored)
    assert TOTPDevice.objects.get(pk=device.pk).secret == device.secret


@pytest.mark.django_db(transaction=True)
def test_migration_0003_encrypts_existing_secrets():
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0002_second_factor_and_login_throttle")])
    old = executor.loader.project_state([("accounts", "0002_second_factor_and_login_throttle")]).apps
    user = old.get_model("auth", "User").objects.create(username="legacy", password="!")
    old.get_model("accounts", "TOTPDevice").objects.create(user_id=user.pk, secret="JBSWY3DPEHPK3PXP",
                                                           created_at=timezone.now())
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert TOTPDevice.objects.get(user_id=user.pk).secret == "JBSWY3DPEHPK3PXP"
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM accounts_totpdevice")
        assert all(crypto.is_encrypted(s) for (s,) in cur.fetchall())
