"""The review queue page: pairs side by side, accept (merge) or reject with a reason, un-merge."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from volia.linkage import services as linkage
from volia.linkage.models import Candidate, Merge
from volia.registry.models import Event, Person

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def proposed(make_person, actor):
    """One woman recorded twice (Belarusian and Russian spellings), proposed by a linkage run."""
    a = make_person("rv-a", "Вольга Новік", sex="f", birth_date="1990-11-20", region="grodno",
                    events=[("detained", "2022-06-01")])
    b = make_person("rv-b", "Ольга Новик", sex="f", birth_date="1990-11-20", region="grodno",
                    events=[("detained", "2022-06-01"), ("charged", "2022-06-10", {"details": {"articles": ["342"]}})])
    make_person("rv-c", "Павел Шышкін", sex="m", birth_date="1975-01-09", region="vitebsk",
                events=[("detained", "2023-02-14")])
    linkage.link_within(actor=actor)
    return Candidate.objects.get(), a, b


def test_the_queue_shows_both_records_side_by_side(editor, proposed):
    cand, a, _ = proposed
    html = editor.get(reverse("staff:review")).content.decode()
    pair = text(html[html.index(f'id="candidate-{cand.pk}"'):])
    assert "Вольга Новік" in pair and "Ольга Новик" in pair
    assert "1990-11-20" in pair and "Grodno region" in pair and "2022-06-01" in pair and "342" in pair
    assert f"score {cand.score:.3f}" in pair and "same day" in pair
    left_first = pair.index("Вольга Новік") < pair.index("Ольга Новик")
    assert left_first == (cand.left_id == a.pk)


def test_accept_merges_and_unmerge_restores(editor, proposed):
    cand, a, b = proposed
    url = reverse("staff:review_decide", args=[cand.pk])
    r = editor.post(url, {"decision": "accept", f"c{cand.pk}-reason": ""})
    assert r.status_code == 400 and "required" in r.content.decode()
    assert not Merge.objects.exists()
    events_before = {p.pk: set(Event.objects.filter(person=p).values_list("pk", flat=True)) for p in (a, b)}
    r = editor.post(url, {"decision": "accept", f"c{cand.pk}-reason": "same birth date and detention"})
    assert r.status_code == 302
    merge = Merge.objects.get()
    survivor, merged = Person.objects.get(pk=cand.left_id), Person.objects.get(pk=cand.right_id)
    assert merged.merged_into_id == survivor.pk and merge.actor == "editor-persona"
    cand.refresh_from_db()
    assert cand.status == "accepted"
    html = editor.get(reverse("staff:review")).content.decode()
    assert "Nothing to review." in html and f'id="merge-{merge.pk}"' in html
    # the merged key now leads to the survivor's workspace
    assert editor.get(reverse("staff:person", args=[merged.key]))["Location"] == reverse(
        "staff:person", args=[survivor.key])

    unmerge = reverse("staff:review_unmerge", args=[merge.pk])
    assert editor.post(unmerge, {f"m{merge.pk}-reason": " "}).status_code == 400
    r = editor.post(unmerge, {f"m{merge.pk}-reason": "two sisters with one birthday"})
    assert r.status_code == 302
    merged.refresh_from_db()
    assert merged.merged_into_id is None
    assert {p.pk: set(Event.objects.filter(person=p).values_list("pk", flat=True)) for p in (a, b)} == events_before
    html = editor.get(reverse("staff:review")).content.decode()
    assert "undone" in html and "two sisters with one birthday" in html
    assert editor.post(unmerge, {f"m{merge.pk}-reason": "again"}).status_code == 400  # already undone


def test_reject_keeps_both_people(editor, proposed):
    cand, _, _ = proposed
    r = editor.post(reverse("staff:review_decide", args=[cand.pk]),
                    {"decision": "reject", f"c{cand.pk}-reason": "different fathers' names"})
    assert r.status_code == 302
    cand.refresh_from_db()
    assert cand.status == "rejected" and not Merge.objects.exists()
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_a_researcher_cannot_review(researcher, proposed):
    cand, _, _ = proposed
    assert researcher.get(reverse("staff:review")).status_code == 403
    r = researcher.post(reverse("staff:review_decide", args=[cand.pk]),
                        {"decision": "accept", f"c{cand.pk}-reason": "x"})
    assert r.status_code == 403 and not Merge.objects.exists()


def test_the_queue_makes_no_query_per_pair(editor, make_person, actor):
    def pairs(n: int, start: int) -> None:
        for i in range(start, start + n):
            make_person(f"q-{i}a", f"Вольга Новік{'а' * i}", sex="f", birth_date=f"19{60 + i}-11-20",
                        events=[("detained", "2022-06-01")])
            make_person(f"q-{i}b", f"Ольга Новик{'а' * i}", sex="f", birth_date=f"19{60 + i}-11-20",
                        events=[("detained", "2022-06-01")])
        linkage.link_within(actor=actor)

    pairs(2, 0)
    editor.get(reverse("staff:review"))
    with CaptureQueriesContext(connection) as few:
        editor.get(reverse("staff:review"))
    pairs(4, 2)
    assert Candidate.objects.filter(status="proposed").count() >= 5
    with CaptureQueriesContext(connection) as many:
        editor.get(reverse("staff:review"))
    assert len(many) == len(few)
