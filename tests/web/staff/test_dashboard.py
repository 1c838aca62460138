"""The dashboard: what needs attention, each list restricted to the people the viewer may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from volia.linkage import services as linkage

pytestmark = pytest.mark.django_db


def section(html: str, anchor: str) -> str:
    start = html.index(f'<h2 id="{anchor}">')
    end = html.find("<h2", start + 5)
    return html[start:end if end > 0 else None]


def days_ago(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


@pytest.fixture
def situation(make_person, news, actor):
    quiet = make_person("d-quiet", "Ціхі Вязень", events=[
        ("detained", days_ago(400), {"sources": [news]}),
        ("contact", days_ago(200), {"details": {"contact_kind": "letter"}, "sources": [news]})])
    recent = make_person("d-recent", "Нядаўні Ліст", events=[
        ("detained", days_ago(400), {"sources": [news]}),
        ("contact", days_ago(10), {"details": {"contact_kind": "lawyer_visit"}, "sources": [news]})])
    never = make_person("d-never", "Без Вестак", events=[("detained", days_ago(120))])
    secret = make_person("d-secret", "Схаваны Вязень", visibility="restricted", events=[
        ("detained", days_ago(300), {"confidence": "disputed"})])
    released = make_person("d-free", "Вольны Чалавек", events=[
        ("detained", days_ago(300), {"sources": [news]}),
        ("released", days_ago(100), {"details": {"release_kind": "pardon"}, "sources": [news]})])
    linkage.link_within(actor=actor)
    return quiet, recent, never, secret, released


def test_the_dashboard_lists_what_needs_attention(editor, situation):
    html = editor.get(reverse("staff:dashboard")).content.decode()
    silent = section(html, "silent")
    assert "Ціхі Вязень" in silent and days_ago(200) in silent  # last contact 200 days ago
    assert "Без Вестак" in silent and "never since detention" in silent
    assert "Схаваны Вязень" in silent  # an editor may see restricted people
    assert "Нядаўні Ліст" not in silent and "Вольны Чалавек" not in silent
    unverified = section(html, "unverified")
    assert "d-secret" in unverified and "Disputed" in unverified and "d-quiet" not in unverified
    unsourced = section(html, "unsourced")
    assert "Без Вестак" in unsourced and "Схаваны Вязень" in unsourced and "Ціхі Вязень" not in unsourced
    assert "No imports yet." in section(html, "imports")


def test_a_researcher_sees_only_the_people_they_may_see(researcher, situation):
    html = researcher.get(reverse("staff:dashboard")).content.decode()
    assert "Схаваны Вязень" not in html and "d-secret" not in html
    assert "Ціхі Вязень" in section(html, "silent")
    assert "<strong>0</strong> unverified reports" in html
    assert 'href="/staff/review/"' not in html.split('class="tiles"')[1].split("</ul>")[0]


def test_recent_imports_are_listed_with_their_warnings(editor, situation):
    from volia.registry.models import ImportBatch

    ImportBatch.objects.create(file_name="viasna.csv", file_sha256="0" * 64, actor="cli:anna",
                               started_at=timezone.now(), finished_at=timezone.now(),
                               report={"rows": 12, "events_created": 10, "warnings": [{"row": 3}, {"row": 5}]})
    imports = section(editor.get(reverse("staff:dashboard")).content.decode(), "imports")
    assert "viasna.csv" in imports and "cli:anna" in imports and "<strong>2</strong>" in imports


def test_the_no_contact_list_is_the_statistics_engines_figure(actor):
    """The dashboard reads the stored episodes; the engine its dataset: on varied synthetic histories,
    on several days, they list the same people with the same figures in the same order."""
    from volia.demo.generator import generate_rows
    from volia.interchange.importer import Importer
    from volia.registry.models import Person
    from volia.stats import engine
    from volia.stats.dataset import load_dataset
    from volia.web.staff.dashboard import without_contact

    rows = list(generate_rows(400, seed=11, today=timezone.localdate()))
    report = Importer("demo.csv", actor=actor).run(enumerate(rows, start=2), [])
    assert report.ok, report.errors[:3]
    ds = load_dataset()
    checked = 0
    for back in (0, 200, 700):
        day = timezone.localdate() - dt.timedelta(days=back)
        figure = engine.incommunicado(ds, day, recognition="none")
        want = [(p["person_id"], p["days_since_contact"], p["last_contact"], p["days_held"])
                for p in figure["people"]
                if (p["days_since_contact"] if p["days_since_contact"] is not None else p["days_held"]) > 90]
        got, total = without_contact(Person.objects.all(), day)
        assert [(s.person.pk, s.days_since_contact, s.last_contact, s.days_held) for s in got] == want
        assert total == len(want) == figure["no_contact_over"]["90"]
        checked += len(want)
    assert checked > 50
