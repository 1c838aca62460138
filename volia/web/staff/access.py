"""One decorator for every staff view: log in first, then ask volia.security.policy.

Staff pages may show non-public people, so their responses never sit in a shared or disk cache
and carry the same strict Content-Security-Policy as the public pages (no scripts at all).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib.auth.decorators import login_required
from django.db.models import Model, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.utils.cache import patch_cache_control

from volia.security import policy

View = Callable[..., HttpResponse]


def staff_view(action: str) -> Callable[[View], View]:
    """Require a logged-in user allowed `action` (PermissionDenied → 403 otherwise).

    A view that also writes checks the write action itself, on POST, with `policy.require`.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # the role comes from the user's groups; read them once, not at every policy question
            prefetch_related_objects([cast(Model, request.user)], "groups")
            policy.require(request.user, action)
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response

        return login_required(wrapped)

    return decorate


def render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render a staff page; the navigation offers only what the viewer may open."""
    nav = {"nav_import": policy.can(request.user, "import.run"),
           "nav_review": policy.can(request.user, "linkage.review"),
           "nav_stats": policy.can(request.user, "stats.view_internal")}
    return django_render(request, template, {**nav, **context}, status=status)
