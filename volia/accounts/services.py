"""Staff accounts: create, change role, disable, reset the second factor. Every change is audited.

Roles are Django groups (see volia.accounts.roles); an account has exactly one. Administrators
are also Django superusers and staff (the admin site); the other roles are staff without
superuser rights.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q

from volia.accounts import roles, twofactor
from volia.accounts.models import TOTPDevice
from volia.registry.services import Actor, record_audit

GENERATED_PASSWORD_BYTES = 18  # 24 URL-safe characters


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def _check_role(role: str) -> None:
    if role not in roles.STAFF_ROLES:
        raise ValidationError(f"unknown role {role!r}: choose one of {', '.join(roles.STAFF_ROLES)}")


def _apply_role(user, role: str) -> None:
    user.is_staff = True
    user.is_superuser = role == roles.ADMINISTRATOR
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.remove(*Group.objects.filter(name__in=roles.STAFF_ROLES))
    user.groups.add(Group.objects.get_or_create(name=role)[0])


@transaction.atomic
def create_user(username: str, role: str, *, password: str, actor: Actor, reason: str = ""):
    """A new staff account with one role; the password must pass the validators (12+ characters...)."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError("empty username")
    _check_role(role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"a user named {username!r} already exists")
    user = User(username=username)
    User.username_validator(username)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    _apply_role(user, role)
    record_audit(actor, "user_add", user, person=None, reason=reason,
                 changes={"username": username, "role": role})
    return user


@transaction.atomic
def set_role(user, role: str, *, actor: Actor, reason: str = "") -> str:
    """Give the account another role; returns the role it had."""
    _check_role(role)
    before = roles.role_of(user)
    _apply_role(user, role)
    record_audit(actor, "user_role", user, person=None, reason=reason,
                 changes={"username": user.get_username(), "role": [before, role]})
    return before


@transaction.atomic
def set_password(user, password: str, *, actor: Actor, reason: str = "") -> None:
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_audit(actor, "user_password", user, person=None, reason=reason, changes={"username": user.get_username()})


@transaction.atomic
def set_active(user, active: bool, *, actor: Actor, reason: str = "") -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    record_audit(actor, "user_enable" if active else "user_disable", user, person=None, reason=reason,
                 changes={"username": user.get_username()})


@transaction.atomic
def reset_second_factor(user, *, actor: Actor, reason: str = "") -> bool:
    """Remove the authenticator and recovery codes; the user enrols again at the next log-in and
    every session verified with the old authenticator has to pass the second factor again."""
    had = twofactor.reset(user)
    record_audit(actor, "user_reset_2fa", user, person=None, reason=reason,
                 changes={"username": user.get_username(), "had_authenticator": had})
    return had


@transaction.atomic
def enrol_second_factor(user, *, actor: Actor, reason: str = "") -> tuple[str, list[str]]:
    """Give the account a confirmed authenticator now; returns its secret and recovery codes (to show once)."""
    device, codes = twofactor.enrol_now(user)
    record_audit(actor, "user_enrol_2fa", user, person=None, reason=reason,
                 changes={"username": user.get_username()})
    return device.secret, codes


def list_users() -> list[dict]:
    """Every account with its role and second-factor state (a fixed number of queries)."""
    User = get_user_model()
    users = (User.objects.order_by("username").prefetch_related("groups")
             .annotate(has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)),
                       codes_left=Count("recovery_codes", filter=Q(recovery_codes__used_at__isnull=True))))
    return [{
        "username": u.get_username(),
        "role": roles.role_of(u),
        "active": u.is_active,
        "second_factor": u.has_device,
        "recovery_codes_left": u.codes_left,
        "last_login": u.last_login.isoformat() if u.last_login else None,
        "joined": u.date_joined.isoformat(),
    } for u in users]
