"""The hash-chained audit trail and access log: every kind of tampering is reported, at the right entry."""

import io
import itertools
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from volia.interchange.importer import Importer
from volia.registry import services
from volia.registry.models import AccessLog, AuditEntry, ChainHead
from volia.security import audit_chain


@pytest.fixture
def history(make_person, actor):
    p = make_person("chain-1", "Алесь Ланцуг", events=[("detained", "2021-01-05")])
    services.add_name(p, "Ales Lancuh", actor=actor, reason="press spelling")
    services.record_event(p, "released", "2021-02-01", actor=actor, details={"release_kind": "sentence_served"})
    services.log_access(actor, "export", {"format": "csv", "rows": 3})
    return p


def verify_json() -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--json", stdout=out)
        code = 0
    except CommandError:
        code = 1
    return code, json.loads(out.getvalue())


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_entries_form_a_chain_ending_at_the_head(history):
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == ""
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    head = ChainHead.objects.get(chain="audit")
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    code, report = verify_json()
    assert code == 0 and report["ok"]
    assert [c["entries"] for c in report["chains"]] == [len(entries), 1]


def test_edited_content_is_found_at_that_entry(history):
    target = AuditEntry.objects.get(seq=2)
    raw("UPDATE registry_auditentry SET reason = %s WHERE id = %s", ["quietly rewritten", target.id])
    code, report = verify_json()
    assert code == 1
    problem = report["chains"][0]["first_problem"]
    assert (problem["entry"], problem["seq"]) == (target.id, 2)
    assert "edited" in problem["reason"]


def test_edited_changes_json_is_found(history):
    target = AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(pk=target.pk).update(changes={"text": "Somebody Else"})
    assert audit_chain.verify("audit").problems[0].entry_id == target.id


def test_deleted_entry_is_found(history):
    raw("DELETE FROM registry_auditentry WHERE seq = 2")
    problem = audit_chain.verify("audit").problems[0]
    assert problem.seq == 3 and "seq 2 is missing" in problem.reason


def test_truncated_tail_is_found_against_the_head(history):
    last = AuditEntry.objects.order_by("-seq").first()
    raw("DELETE FROM registry_auditentry WHERE id = %s", [last.id])
    problem = audit_chain.verify("audit").problems[0]
    assert "truncated" in problem.reason


def test_reordered_entries_are_found(history):
    a, b = AuditEntry.objects.get(seq=2), AuditEntry.objects.get(seq=3)
    # swap the positions of two entries (three statements: seq is unique)
    raw("UPDATE registry_auditentry SET seq = 1000 WHERE id = %s", [a.id])
    raw("UPDATE registry_auditentry SET seq = 2 WHERE id = %s", [b.id])
    raw("UPDATE registry_auditentry SET seq = 3 WHERE id = %s", [a.id])
    problem = audit_chain.verify("audit").problems[0]
    assert problem.seq == 2


def test_recomputed_hash_of_an_edited_entry_still_breaks_the_next_link(history):
    """An attacker who recomputes the edited entry's own hash breaks the link from the entry after it."""
    target = AuditEntry.objects.get(seq=2)
    target.reason = "rewritten"
    new_hash = audit_chain.entry_hash(audit_chain.audit_content(target), target.prev_hash)
    AuditEntry.objects.filter(pk=target.pk).update(reason="rewritten", hash=new_hash)
    problem = audit_chain.verify("audit").problems[0]
    assert problem.seq == 3 and "does not link" in problem.reason


def test_entry_written_around_the_service_is_found(history, actor):
    AuditEntry.objects.create(at=history.created_at, actor="intruder", action="x", object_type="Person",
                              object_id=history.id)
    code, report = verify_json()
    assert code == 1 and "outside the chain" in report["chains"][0]["first_problem"]["reason"]


def test_access_log_is_chained_and_checked(history, actor):
    services.log_access(actor, "person.view_restricted", {"person": history.id}, row_count=1)
    assert audit_chain.verify("access").ok
    first = AccessLog.objects.get(seq=1)
    AccessLog.objects.filter(pk=first.pk).update(row_count=3000)
    code, report = verify_json()
    assert code == 1
    assert report["chains"][1]["first_problem"]["entry"] == first.id


def test_import_and_export_entries_are_in_the_chains(db, actor, tmp_path):
    rows = [(2, {"person": "imp-1", "name": "Алесь Імпарт", "event": "detained", "date": "2021-03-01"})]
    report = Importer("inline.csv", actor=actor).run(rows, [])
    assert report.ok
    entry = AuditEntry.objects.get(action="import")
    assert entry.seq is not None and entry.object_id == report.batch_id
    call_command("export", "-o", str(tmp_path / "out.csv"), stderr=io.StringIO())
    logged = AccessLog.objects.get(action="export")
    assert logged.row_count == 1 and logged.detail["output"].endswith("out.csv")
    assert all(r.ok for r in audit_chain.verify_all())


def test_audit_show_tells_who_what_why_and_which_source(make_person, actor):
    from volia.registry.models import Source

    src = Source.objects.create(title="Viasna list 2021-07")
    p = make_person("show-1", "Алесь Паказ")
    services.record_event(p, "detained", "2021-07-01", actor=actor, reason="from the list", sources=[src])
    out = io.StringIO()
    call_command("audit", "show", "show-1", stdout=out)
    text = out.getvalue()
    assert "test:editor record_event Event#" in text and "— from the list" in text
    assert "sources: Viasna list 2021-07" in text and '"type": "detained"' in text
    with pytest.raises(CommandError, match="no such record: person 'nobody'"):
        call_command("audit", "show", "nobody", stdout=io.StringIO())
