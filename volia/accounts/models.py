"""What the accounts app stores: second-factor devices, recovery codes and failed attempts.

Nothing here holds a secret in clear: TOTP secrets are encrypted (volia.security.fields),
recovery codes are kept as SHA-256 digests
(they are 80 random bits, so a slow hash adds nothing), failed attempts as keyed digests of the
username or address they count (so the table does not become a log of who tried what).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from volia.security.fields import EncryptedTextField


class TOTPDevice(models.Model):
    """A user's authenticator. Unconfirmed until the user has typed one code from it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    # encrypted at rest (volia.security.crypto), and re-encrypted by `volia rotate-key` like every such column
    secret = EncryptedTextField(help_text="base32 TOTP secret")
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # the last time step a code was accepted for: a code is never accepted twice
    last_timecode = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "not confirmed"
        return f"TOTP device of {self.user} ({state})"


class RecoveryCode(models.Model):
    """One single-use code for when the authenticator is lost."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_unique_per_user")]

    def __str__(self) -> str:
        return f"recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class FailedAttempt(models.Model):
    """One failed login or second-factor attempt, counted by every server process alike."""

    scope = models.CharField(max_length=16)  # "username", "ip", "otp"
    key = models.CharField(max_length=64)  # keyed digest of the username, address or user id
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"], name="failed_attempt_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} at {self.at:%Y-%m-%d %H:%M:%S}"
