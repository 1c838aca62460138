"""Counting failed attempts in the database, so that every gunicorn worker sees the same count.

A scope has a limit and a window: at most `limit` failures in the last `window` seconds, after
which `blocked()` says how long to wait (until the oldest counted failure leaves the window).
Keys are stored as HMAC digests under the secret key: the table never holds a username or an
address in clear. Old rows are pruned whenever a failure is written.

Two processes failing at the very same moment may both pass the check, so a limit of 5 can let
a 6th attempt through at worst; it can never let an attacker through an unbounded number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from volia.accounts.models import FailedAttempt


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def username_limit() -> Limit:
    return Limit("username", _setting("VOLIA_LOGIN_FAILURES_PER_USERNAME", 5), _setting("VOLIA_LOGIN_WINDOW", 900))


def ip_limit() -> Limit:
    return Limit("ip", _setting("VOLIA_LOGIN_FAILURES_PER_IP", 20), _setting("VOLIA_LOGIN_WINDOW", 900))


def otp_limit() -> Limit:
    return Limit("otp", _setting("VOLIA_OTP_FAILURES_PER_USER", 5), _setting("VOLIA_LOGIN_WINDOW", 900))


def _digest(scope: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"volia.accounts.throttle:{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def blocked(limit: Limit, value: str) -> int:
    """Seconds to wait before the next attempt may be tried; 0 if it may be tried now."""
    now = timezone.now()
    since = now - dt.timedelta(seconds=limit.window)
    recent = (FailedAttempt.objects.filter(scope=limit.scope, key=_digest(limit.scope, value), at__gt=since)
              .order_by("-at").values_list("at", flat=True)[:limit.limit])
    times = list(recent)
    if len(times) < limit.limit:
        return 0
    oldest_counted = times[-1]
    return max(1, int((oldest_counted + dt.timedelta(seconds=limit.window) - now).total_seconds()) + 1)


def record_failure(limit: Limit, value: str) -> None:
    now = timezone.now()
    FailedAttempt.objects.filter(scope=limit.scope, at__lte=now - dt.timedelta(seconds=limit.window)).delete()
    FailedAttempt.objects.create(scope=limit.scope, key=_digest(limit.scope, value), at=now)


def clear(limit: Limit, value: str) -> None:
    """Forget the failures of one key (after a success for that username or user)."""
    FailedAttempt.objects.filter(scope=limit.scope, key=_digest(limit.scope, value)).delete()


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or with VOLIA_TRUSTED_PROXIES=N behind N reverse proxies,
    the address the outermost trusted proxy saw (the Nth entry from the right of X-Forwarded-For)."""
    proxies = _setting("VOLIA_TRUSTED_PROXIES", 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
