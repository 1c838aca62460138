"""Language selection: the URL prefix (/be/, /ru/, /en/) for the public site, English elsewhere.

Django's LocaleMiddleware would also pick a language for staff pages, the admin and the API from
the browser's Accept-Language, mixing translated Django messages into pages written in English,
and would redirect any unprefixed 404 to a prefixed URL that might exist. Both are wrong here: the
staff workspace and the API are English-only and an unknown address must stay a plain 404.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import get_language_from_path

STAFF_LANGUAGE = "en"


class PublicLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = get_language_from_path(request.path_info)
        translation.activate(language or STAFF_LANGUAGE)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response
