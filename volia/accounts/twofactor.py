"""The second factor: TOTP (RFC 6238) through pyotp, with single-use recovery codes.

Who needs it: every staff account (anybody with is_staff, a superuser, or a staff role) while
the setting VOLIA_REQUIRE_2FA is true (the default). volia.accounts.middleware enforces it.

A session has passed the second factor when it carries the token `mark_verified` wrote: the
user's id and the id of their confirmed device. Resetting a user's second factor deletes the
device, so every session verified with it stops being verified at its next request.

`mark_verified(session, user=None)` is public so that tests (and the test personas) can log in
a user as if they had typed a code: `volia.accounts.testing.login_verified(client, user)`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from pyotp.exceptions import OTPVerificationError

from volia.accounts.models import RecoveryCode, TOTPDevice
from volia.accounts.roles import STAFF_ROLES, role_of

SESSION_KEY = "volia_2fa_verified"
ISSUER = "Volia"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0, 1: nothing to misread
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 4, 4  # 16 characters, about 79 random bits
TOTP_DIGITS = 6
VALID_WINDOW = 1  # accept the code of the previous and the next 30-second step (clock drift)


class AlreadyEnrolled(Exception):
    """The user already has a confirmed authenticator; it can only be reset, not replaced silently."""


def required() -> bool:
    return bool(getattr(settings, "VOLIA_REQUIRE_2FA", True))


def needs_second_factor(user) -> bool:
    """Whether this user must pass the second factor before staff pages."""
    if not required() or user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or role_of(user) in STAFF_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


# --- the session ---------------------------------------------------------------------------


def _token(user, device: TOTPDevice | None) -> str:
    if device is None:
        return f"{user.pk}:-"
    return f"{user.pk}:{device.pk}:{device.created_at.timestamp():.6f}"


def mark_verified(session: SessionBase, user=None) -> None:
    """Record in the session that `user` (default: the user logged in to it) passed the second factor."""
    if user is None:
        user_id = session.get(auth.SESSION_KEY)
        if user_id is None:
            raise ValueError("mark_verified: nobody is logged in to this session")
        user = auth.get_user_model()._meta.pk.to_python(user_id)
        user = auth.get_user_model().objects.get(pk=user)
    session[SESSION_KEY] = _token(user, confirmed_device(user))


def is_verified(session: SessionBase, user) -> bool:
    token = session.get(SESSION_KEY)
    return token is not None and hmac.compare_digest(str(token), _token(user, confirmed_device(user)))


def clear_verified(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


# --- enrolment -----------------------------------------------------------------------------


def start_enrolment(user) -> TOTPDevice:
    """The user's unconfirmed device, created with a fresh secret if there is none yet."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed_at is not None:
            raise AlreadyEnrolled(f"{user.get_username()} already has a confirmed authenticator")
        if device is None:
            device = TOTPDevice.objects.create(user=user, secret=pyotp.random_base32(), created_at=timezone.now())
    return device


def enrol_now(user) -> tuple[TOTPDevice, list[str]]:
    """Create and confirm a device at once (for `volia demo`, whose secret is printed, not scanned)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, secret=pyotp.random_base32(), created_at=timezone.now(),
                                           confirmed_at=timezone.now())
        codes = new_recovery_codes(user)
    return device, codes


def provisioning_uri(device: TOTPDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.get_username(), issuer_name=ISSUER)


def qr_svg(data: str) -> str:
    """A QR code as inline SVG markup: drawn on the server, no script, no request anywhere."""
    return segno.make(data, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="QR code to scan")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an authenticator by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a code from it; returns the new recovery codes, or None if the code is wrong."""
    if device.confirmed_at is not None:
        raise AlreadyEnrolled(f"{device.user.get_username()} already has a confirmed authenticator")
    with transaction.atomic():
        if not verify_totp(device, code):
            return None
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        device.confirmed_at = timezone.now()
        return new_recovery_codes(device.user)


# --- codes ---------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def verify_totp(device: TOTPDevice, code: str) -> bool:
    """Whether `code` is the device's current code; a code (time step) is accepted only once."""
    code = _normalise(code)
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return False
    try:
        timecode = pyotp.TOTP(device.secret).verify_and_get_timecode(code, valid_window=VALID_WINDOW)
    except OTPVerificationError:
        return False
    # one UPDATE decides, so two processes cannot both accept the same code
    accepted = TOTPDevice.objects.filter(pk=device.pk, last_timecode__lt=timecode).update(last_timecode=timecode)
    if accepted:
        device.last_timecode = timecode
    return bool(accepted)


def _digest(user, code: str) -> str:
    return hashlib.sha256(f"{user.pk}:{_normalise(code)}".encode()).hexdigest()


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ten new ones; only their digests are stored."""
    codes = ["-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
                      for _ in range(RECOVERY_GROUPS)) for _ in range(RECOVERY_CODE_COUNT)]
    now = timezone.now()
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(user, c), created_at=now)
                                         for c in codes)
    return codes


def use_recovery_code(user, code: str) -> bool:
    """Spend one recovery code: True the first time a valid code is given, False ever after."""
    if len(_normalise(code)) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    used = RecoveryCode.objects.filter(user=user, digest=_digest(user, code), used_at__isnull=True).update(
        used_at=timezone.now())
    return bool(used)


def unused_recovery_codes(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@dataclass(frozen=True)
class Check:
    ok: bool
    method: str = ""  # "totp" or "recovery"

    def __bool__(self) -> bool:
        return self.ok


def check_second_factor(user, code: str) -> Check:
    """A code from the authenticator, or else one of the recovery codes."""
    device = confirmed_device(user)
    if device is None:
        return Check(False)
    if verify_totp(device, code):
        return Check(True, "totp")
    if use_recovery_code(user, code):
        return Check(True, "recovery")
    return Check(False)


def reset(user) -> bool:
    """Remove the user's authenticator and recovery codes; True if there was anything to remove."""
    with transaction.atomic():
        devices, _ = TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
    return bool(devices)
