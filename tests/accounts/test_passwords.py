from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from .conftest import PASSWORD


def test_new_passwords_are_hashed_with_argon2(make_account):
    user = make_account("hashme")
    assert user.password.startswith("argon2$argon2id$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(PASSWORD) and not user.check_password(PASSWORD + "x")


def test_an_old_pbkdf2_hash_still_works_and_is_upgraded_at_login(make_account, client):
    from django.contrib.auth.hashers import make_password

    user = make_account("legacy")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    client.post("/accounts/login/", {"username": "legacy", "password": PASSWORD})
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize("password", ["short-pw-1", "123456789012345", "password1234"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password)


def test_a_long_password_passes():
    password_validation.validate_password("twelve-chars-and-more-of-them")
