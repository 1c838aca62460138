"""Login, the second factor (enrolment and verification), recovery codes and logout.

Every page here is a plain form (CSRF-protected, no JavaScript) and is never cached. The
login never says whether a username exists: a wrong password, an unknown or a disabled
account all get the same answer, and the per-username limit counts unknown names too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from volia.accounts import throttle, twofactor
from volia.accounts.forms import CodeForm, LoginForm

log = logging.getLogger("volia.accounts")
T = TypeVar("T")


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _wait_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (f"Too many failed attempts. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again; "
            f"if you have lost access, ask an administrator.")


def _second_factor_step(user, target: str) -> HttpResponse:
    if twofactor.confirmed_device(user) is None:
        return HttpResponseRedirect(_with_next("accounts:setup", target))
    return HttpResponseRedirect(_with_next("accounts:verify", target))


@sensitive_post_parameters("password")
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        ip = throttle.client_ip(request)
        name_key = username.casefold()
        wait = max(throttle.blocked(throttle.username_limit(), name_key), throttle.blocked(throttle.ip_limit(), ip))
        if wait:
            log.warning("login refused (rate limit): username=%r ip=%s wait=%ss", username, ip, wait)
            form.add_error(None, _wait_message(wait))
            status = 429
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                throttle.record_failure(throttle.username_limit(), name_key)
                throttle.record_failure(throttle.ip_limit(), ip)
                log.warning("login failed: username=%r ip=%s", username, ip)
                form.add_error(None, "Wrong username or password.")
            else:
                throttle.clear(throttle.username_limit(), name_key)
                auth_login(request, user)  # a new session key: a planted session id is worthless
                twofactor.clear_verified(request.session)
                log.info("login: username=%r ip=%s", username, ip)
                if twofactor.needs_second_factor(user):
                    request.session.set_expiry(settings.VOLIA_STAFF_SESSION_SECONDS)
                    return _second_factor_step(user, target)
                return HttpResponseRedirect(target)
    return render(request, "accounts/login.html", {"form": form, "next": target}, status=status)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login page is ours, so the admin needs the second factor too."""
    return HttpResponseRedirect(_with_next("accounts:login", _next(request) if request.GET.get("next")
                                           else reverse("admin:index")))


def _code_attempt(request: HttpRequest, form: CodeForm, check: Callable[[str], T]) -> tuple[T | None, int]:
    """Run `check(code)` unless the user is over the second-factor limit; count a failure."""
    user = request.user
    key = str(user.pk)
    wait = throttle.blocked(throttle.otp_limit(), key)
    if wait:
        log.warning("second factor refused (rate limit): username=%r wait=%ss", user.get_username(), wait)
        form.add_error("code", _wait_message(wait))
        return None, 429
    result = check(form.cleaned_data["code"])
    if not result:
        throttle.record_failure(throttle.otp_limit(), key)
        log.warning("second factor failed: username=%r ip=%s", user.get_username(), throttle.client_ip(request))
        form.add_error("code", "That code is not right (or was already used). Codes change every 30 seconds.")
        return None, 200
    throttle.clear(throttle.otp_limit(), key)
    return result, 200


def _passed(request: HttpRequest) -> None:
    request.session.cycle_key()  # the session that passed the second factor gets a new id
    twofactor.mark_verified(request.session, request.user)


@login_required
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    user = request.user
    if twofactor.confirmed_device(user) is None:
        return HttpResponseRedirect(_with_next("accounts:setup", target))
    if twofactor.is_verified(request.session, user):
        return HttpResponseRedirect(target)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result, status = _code_attempt(request, form, lambda code: twofactor.check_second_factor(user, code))
        if result:
            _passed(request)
            log.info("second factor passed: username=%r method=%s", user.get_username(), result.method)
            if result.method == "recovery":
                left = twofactor.unused_recovery_codes(user)
                messages.warning(request, f"You used a recovery code; {left} left. If your authenticator is lost, "
                                          f"ask an administrator to reset it, and make new recovery codes here.")
                return redirect("accounts:security")
            return HttpResponseRedirect(target)
    return render(request, "accounts/verify.html", {"form": form, "next": target}, status=status)


@login_required
@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    user = request.user
    if twofactor.confirmed_device(user) is not None:
        if twofactor.is_verified(request.session, user):
            return redirect("accounts:security")
        return HttpResponseRedirect(_with_next("accounts:verify", target))
    device = twofactor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        codes, status = _code_attempt(request, form, lambda code: twofactor.confirm_enrolment(device, code))
        if codes:
            _passed(request)
            log.info("second factor enrolled: username=%r", user.get_username())
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": target, "new": True})
    uri = twofactor.provisioning_uri(device)
    return render(request, "accounts/setup.html", {
        "form": form, "next": target, "qr": twofactor.qr_svg(uri), "secret": twofactor.grouped_secret(device.secret),
        "issuer": twofactor.ISSUER, "username": user.get_username(),
    }, status=status)


def _require_verified(request: HttpRequest) -> HttpResponse | None:
    if twofactor.confirmed_device(request.user) is None:
        return HttpResponseRedirect(_with_next("accounts:setup", request.get_full_path()))
    if not twofactor.is_verified(request.session, request.user):
        return HttpResponseRedirect(_with_next("accounts:verify", request.get_full_path()))
    return None


@login_required
@never_cache
def security(request: HttpRequest) -> HttpResponse:
    """The user's own page: second factor state, recovery codes left, and making new ones."""
    if (step := _require_verified(request)) is not None:
        return step
    return render(request, "accounts/security.html", {
        "device": twofactor.confirmed_device(request.user), "left": twofactor.unused_recovery_codes(request.user),
        "count": twofactor.RECOVERY_CODE_COUNT,
    })


@login_required
@never_cache
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    if (step := _require_verified(request)) is not None:
        return step
    codes = twofactor.new_recovery_codes(request.user)
    log.info("recovery codes replaced: username=%r", request.user.get_username())
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@never_cache
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:people")
