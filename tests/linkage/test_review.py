"""The review queue, its decisions, the commands, and who may see candidates."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from volia.linkage import services as linkage
from volia.linkage.models import Candidate, Merge
from volia.registry.models import AuditEntry, Person


def cmd(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def duplicates(make_person):
    """Two records of one woman, and somebody else."""
    a = make_person("a", "Вольга Новік", sex="f", birth_date="1990-11-20", region="grodno",
                    events=[("detained", "2022-06-01")])
    b = make_person("b", "Ольга Новик", sex="f", birth_date="1990-11-20", region="grodno",
                    events=[("detained", "2022-06-01"), ("charged", "2022-06-10", {"details": {"articles": ["342"]}})])
    c = make_person("c", "Павел Шышкін", sex="m", birth_date="1975-01-09", region="vitebsk",
                    events=[("detained", "2023-02-14")])
    return a, b, c


@pytest.mark.django_db
def test_within_files_the_pair_once_and_a_rejection_sticks(duplicates, actor):
    a, b, _ = duplicates
    run, _ = linkage.link_within(actor=actor)
    assert run.people == 3 and run.proposed == 1
    cand = Candidate.objects.get()
    assert {cand.left_id, cand.right_id} == {a.pk, b.pk} and cand.score > 0.9
    assert cand.features["levels"]["birth"] == "same day"
    linkage.decide(cand, False, actor=actor, reason="different mothers' names")
    cand.refresh_from_db()
    assert cand.status == "rejected" and cand.decided_by == actor.label and cand.decided_at
    again, _ = linkage.link_within(actor=actor)
    assert again.proposed == 0 and again.already_known == 1
    assert Candidate.objects.count() == 1
    assert AuditEntry.objects.filter(action="link_decision").count() == 1
    with pytest.raises(ValidationError, match="already rejected"):
        linkage.decide(cand, True, actor=actor, reason="changed my mind")


@pytest.mark.django_db
def test_accepting_merges_and_auto_only_when_asked(duplicates, actor):
    a, b, _ = duplicates
    linkage.link_within(actor=actor)
    assert not Merge.objects.exists()  # proposing never merges
    cand = Candidate.objects.get()
    merge = linkage.decide(cand, True, actor=actor, reason="same passport number in both lists")
    assert merge is not None and merge.candidate_id == cand.pk
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    with pytest.raises(ValidationError, match="reason"):
        linkage.decide(cand, True, actor=actor, reason="")


@pytest.mark.django_db
def test_within_auto_merges_sure_pairs(duplicates, actor):
    a, b, _ = duplicates
    run, _ = linkage.link_within(actor=actor, auto=True)
    assert len(run.merged) == 1 and run.proposed == 0
    b.refresh_from_db()
    assert b.merged_into_id == a.pk


@pytest.mark.django_db
def test_review_queue_needs_the_permission_and_hides_people_the_user_may_not_see(
        duplicates, actor, editor_user, researcher_user, volunteer_user, outsider_user):
    a, b, _ = duplicates
    linkage.link_within(actor=actor)
    assert len(linkage.review_queue(editor_user)) == 1
    for user in (researcher_user, volunteer_user, outsider_user):
        with pytest.raises(PermissionDenied):
            linkage.review_queue(user)
    # a candidate about a restricted person is shown only to those who may see restricted people
    Person.objects.filter(pk=b.pk).update(visibility="restricted")
    from volia.security import policy

    assert policy.can(editor_user, "linkage.review")
    assert [c.pk for c in linkage.review_queue(editor_user)] == [Candidate.objects.get().pk]
    # were reviewers not allowed to see restricted people, the pair would not be shown to them at all
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(policy.PERSON_LEVELS, "editor", frozenset({"public", "internal"}))
        assert linkage.review_queue(editor_user) == []
    # merged people are nobody's to review
    linkage.merge_people(a, b, actor=actor, reason="same")
    assert linkage.review_queue(editor_user) == []


@pytest.mark.django_db
def test_commands(duplicates):
    assert len(duplicates) == 3
    out = json.loads(cmd("link", "--within", "--dry-run", "--json"))
    assert out["dry_run"] and len(out["pairs"]) == 1 and not Candidate.objects.exists()
    assert "1 filed for review" in cmd("link", "--within")
    queue = json.loads(cmd("review", "--json"))
    assert len(queue) == 1 and {queue[0]["left"], queue[0]["right"]} == {"a", "b"}
    assert "Вольга Новік" in cmd("review")
    with pytest.raises(CommandError, match="reason"):
        cmd("review", "--accept", str(queue[0]["id"]))
    assert "accepted: merge #" in cmd("review", "--accept", str(queue[0]["id"]), "--reason", "same person")
    assert cmd("review") == "no proposed candidates\n"
    merge = Merge.objects.get()
    assert "undone" in cmd("unmerge", str(merge.pk), "--reason", "wrong")
    with pytest.raises(CommandError, match="already undone"):
        cmd("unmerge", str(merge.pk), "--reason", "again")
    assert "merged into a" in cmd("merge", "a", "c", "--reason", "test")
    with pytest.raises(CommandError, match="into itself"):
        cmd("merge", "a", "a", "--reason", "x")
    with pytest.raises(CommandError, match="no person"):
        cmd("merge", "a", "zzz", "--reason", "x")


@pytest.mark.django_db
def test_preview_of_a_file_writes_nothing(duplicates, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("person,name,sex,birth_date,region,event,date\n"
                    "x-1,Olga Novik,f,1990-11-20,grodno,detained,2022-06-01\n"
                    "x-2,Тарас Белы,m,1999,minsk,detained,2024-01-05\n"
                    "a,,,,,detained,2022-06-01\n", encoding="utf-8")
    before = Person.objects.count()
    out = json.loads(cmd("link", str(path), "--json"))
    outcome = {p["key"]: p for p in out["people"]}
    assert outcome["a"]["outcome"] == "known" and outcome["x-2"]["outcome"] == "new"
    assert outcome["x-1"]["outcome"] in ("attach", "review")
    assert {m["person"] for m in outcome["x-1"]["matches"]} <= {"a", "b"}
    assert Person.objects.count() == before and not Candidate.objects.exists()
    assert "person key(s)" in cmd("link", str(path))
