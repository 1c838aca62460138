"""The permission matrix as a test: every URL pattern of the site, requested as every role.

The patterns are read from the URL resolver, so a new page without an expectation here fails the
test until someone decides who may open it. A role is refused when the answer is 403 or a redirect
to the log-in; anything else short of a server error means the page opened for it.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from volia.registry.models import Event, Facility
from volia.security import policy

# URL name -> the policy action that gates a GET; None: open to everybody (visibility still filters)
GATES: dict[str, str | None] = {
    **{f"public:{n}": None for n in ("home", "people", "person", "facilities", "facility", "statistics",
                                     "letters", "feed")},
    "web:people": None,
    "web:person": None,
    "web:stats": "stats.view_internal",
    "web:stats_people": "stats.view_internal",
    "api:openapi": None,
    "api:search": None,
    **{f"api:stats_{n}": "stats.view_internal" for n in ("held", "series", "flows", "remitted", "durations",
                                                         "incommunicado", "vulnerability", "projection")},
    "staff:dashboard": "person.view_history",
    "staff:people": "person.view_history",
    "staff:person": "person.view_history",
    "staff:add_event": "person.view_history",
    "staff:correct_event": "person.view_history",
    "staff:retract_event": "person.view_history",
    "staff:add_name": "person.view_history",
    **{f"staff:{n}": "import.run" for n in ("import", "import_mapping", "import_mapping_file", "import_preview",
                                            "import_confirm", "import_cancel")},
    "staff:review": "linkage.review",
    "staff:review_decide": "linkage.review",
    "staff:review_unmerge": "linkage.review",
}
# log-in and account pages are about the caller's own account: tests/accounts covers them
ACCOUNT_PAGES = {"accounts:login", "accounts:logout", "accounts:verify", "accounts:setup", "accounts:security",
                 "accounts:new_recovery_codes"}
# forms that only accept POST answer a GET with 405 to everybody; they are requested with an empty POST
POST_ONLY = {"staff:import_confirm", "staff:import_cancel", "staff:review_decide", "staff:review_unmerge"}
PERSONAS = ("anonymous", "outsider_user", "volunteer_user", "researcher_user", "editor_user", "admin_user")


def _patterns(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if getattr(p, "app_name", None) == "admin":
                continue  # the Django admin: administrators only, tested in tests/web/test_admin.py
            ns = ":".join(filter(None, (namespace, p.namespace)))
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name, prefix + str(p.pattern)


def test_every_named_page_has_an_expectation():
    names = {name for name, _ in _patterns(get_resolver().url_patterns)}
    missing = names - set(GATES) - ACCOUNT_PAGES
    assert not missing, f"pages without an expected role list: {sorted(missing)}"


def _url(route: str, values: dict[str, str]) -> str:
    for arg, value in values.items():
        route = route.replace(arg, value)
    return "/" + route.lstrip("^").rstrip("$")


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_opens_exactly_its_pages(persona, request, client_for, make_person):
    person = make_person("shown", "Алесь Бачны", events=[("detained", "2021-03-01")], visibility="public")
    event = Event.objects.filter(person=person).first()
    facility = Facility.objects.order_by("code").first()
    assert event and facility
    values = {"<str:key>": person.key, "<int:event_id>": str(event.id), "<slug:code>": facility.code,
              "<int:candidate_id>": "999999", "<int:merge_id>": "999999"}
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)
    role = policy.role(user) if user else "public"
    wrong = []
    for name, route in _patterns(get_resolver().url_patterns):
        if name in ACCOUNT_PAGES:
            continue
        gate = GATES[name]
        expect = gate is None or policy.can(user, gate)
        url = _url(route, values)
        response = client.post(url) if name in POST_ONLY else client.get(url)
        assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
        location = response.get("Location", "")
        refused = response.status_code == 403 or (response.status_code in (301, 302) and "/accounts/" in location)
        if refused == expect:
            wrong.append(f"{url}: {'refused' if refused else 'opened'} ({response.status_code} {location})")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
