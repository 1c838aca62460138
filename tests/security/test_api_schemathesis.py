"""schemathesis against the API's own OpenAPI document: generated requests, anonymous and as a researcher.

No request may end in a server error, and no answer may carry a name of a person the caller may not see.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

HIDDEN = "Маркер Схемацезіс"


@pytest.fixture
def api_schema(db, make_person):
    from django.core.wsgi import get_wsgi_application

    make_person("shown", "Алесь Бачны", events=[("detained", "2021-03-01")], visibility="public")
    make_person("hidden", HIDDEN, events=[("detained", "2021-03-01")], visibility="restricted")
    # as Django's test client does: a request must not close the test's database connection (PostgreSQL)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_anonymous_requests_never_fail_or_leak(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9  # stats endpoints, search, the document itself

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            response = case.call()
            case.validate_response(response, checks=(not_a_server_error,))
            assert HIDDEN not in response.text, f"{case.operation.label} named a restricted person"

        run()
