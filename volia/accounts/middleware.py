"""Two middlewares: security headers on every response, and the second factor for staff.

SecurityHeadersMiddleware sits first in MIDDLEWARE, so it is the last to touch a response and
its headers are on everything: pages, the admin, the API, redirects, 404s and errors.

TwoFactorMiddleware sits after AuthenticationMiddleware. A staff user whose session has not
passed the second factor is sent to verification (or to enrolment, if they have no
authenticator yet) before any /staff/ or /admin/ page, gets a 403 from the API, and is
anonymous on the public pages (so a password alone never shows a non-public person).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from volia.accounts import twofactor

# Only our own stylesheet and images; no script anywhere but the Django admin's own files.
PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
ADMIN_POLICY = PAGE_POLICY + "; script-src 'self'"
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=(), interest-cohort=(), browsing-topics=()")
HSTS = "max-age=31536000; includeSubDomains"

ADMIN_PREFIX = "/admin/"
API_PREFIX = "/api/"
STAFF_PREFIXES = ("/staff/", ADMIN_PREFIX, API_PREFIX)
ACCOUNTS_PREFIX = "/accounts/"
LOGIN_AT = "volia_login_at"


def content_security_policy(path: str) -> str:
    if path.startswith(API_PREFIX):
        return API_POLICY
    if path.startswith(ADMIN_PREFIX):
        return ADMIN_POLICY
    return PAGE_POLICY


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Content-Security-Policy"] = content_security_policy(request.path_info)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Frame-Options"] = "DENY"
        response["Permissions-Policy"] = PERMISSIONS_POLICY
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        if getattr(settings, "VOLIA_HTTPS", False):
            response["Strict-Transport-Security"] = HSTS
        return response


def note_login_time(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (every way of logging in): when the session's clock starts."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = time.time()


def staff_session_expired(request: HttpRequest) -> bool:
    """Staff sessions end a fixed time after the login, however busy they were (no time: ended)."""
    started = request.session.get(LOGIN_AT)
    if not isinstance(started, int | float):
        return True
    return time.time() - float(started) > settings.VOLIA_STAFF_SESSION_SECONDS


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(ACCOUNTS_PREFIX) or path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return self.get_response(request)
        user = request.user
        if not twofactor.needs_second_factor(user):
            return self.get_response(request)
        protected = path.startswith(STAFF_PREFIXES)
        if staff_session_expired(request):
            logout(request)
            if protected:
                return self._to_login(request, path)
            return self.get_response(request)
        if twofactor.is_verified(request.session, user):
            return self.get_response(request)
        if path.startswith(API_PREFIX):
            return JsonResponse({"error": "second factor required: log in at /accounts/login/ and enter the "
                                          "code from your authenticator"}, status=403)
        if protected:
            step = "accounts:verify" if twofactor.confirmed_device(user) else "accounts:setup"
            return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        # the public site, as anybody without the second factor sees it
        anonymous = AnonymousUser()
        request.user = anonymous

        async def auser():
            return anonymous

        request.auser = auser
        return self.get_response(request)

    @staticmethod
    def _to_login(request: HttpRequest, path: str) -> HttpResponse:
        if path.startswith(API_PREFIX):
            return JsonResponse({"error": "session expired: log in again at /accounts/login/"}, status=403)
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
