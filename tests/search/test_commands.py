"""`volia search` and `volia search-index`, through the command users run."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from volia.cli import ALIASES
from volia.registry.models import AccessLog

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("search", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_output_best_first_with_key_name_matched_score(registry):
    items = json.loads(run("Ales", "Bialiatski", "--json"))
    assert items[0] == {"key": "bialiatski", "name": "Алесь Бяляцкі", "matched": "Ales Bialiatski",
                        "score": items[0]["score"], "visibility": "public"}
    assert 0 < items[0]["score"] <= 1
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert len(json.loads(run("Bialiatski", "--json", "--limit", "1"))) == 1


def test_restricted_people_only_with_the_flag_and_then_logged(registry):
    keys = [i["key"] for i in json.loads(run("Alies Bieliackin", "--json", "--limit", "50"))]
    assert "secret" not in keys
    assert not AccessLog.objects.exists()
    keys = [i["key"] for i in json.loads(run("Alies Bieliackin", "--json", "--include-restricted"))]
    assert keys[0] == "secret"
    log = AccessLog.objects.get()
    assert log.action == "search"
    assert log.detail["restricted_people"] == ["secret"]


def test_table_output(registry):
    lines = run("Беляцкий").splitlines()
    assert lines[0].split() == ["score", "key", "name", "matched", "name"]
    assert lines[1].split()[1:4] == ["bialiatski", "Алесь", "Бяляцкі"]
    assert run("Zbigniew Wojciechowski") == "no one found for 'Zbigniew Wojciechowski'\n"


@pytest.mark.parametrize("limit", ["0", "-1", "100000"])
def test_a_bad_limit_is_a_clear_error(registry, limit):
    with pytest.raises(CommandError, match="--limit must be between 1 and"):
        run("Bialiatski", "--limit", limit)


def test_search_index_is_reachable_as_volia_search_index():
    assert ALIASES["search-index"] == "search_index"
