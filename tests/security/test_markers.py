"""Attacker tests: unique markers planted in everything the public must never see, then every public
page, every API answer an anonymous caller can get, `volia export` defaults and `volia publish` output
are searched for them."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command, get_commands

from volia.registry import services
from volia.registry.models import Facility, Person, Source

MARKERS = {
    "internal_name": "Zzinternalmarker Qqperson",
    "restricted_name": "Zzrestrictedmarker Qqperson",
    "restricted_alias": "Zzrestrictedalias Qqperson",
    "person_note": "ZZPERSONNOTEMARKER",
    "event_note": "ZZEVENTNOTEMARKER",
    "restricted_source": "ZZRESTRICTEDSOURCEMARKER",
    "internal_source": "ZZINTERNALSOURCEMARKER",
    "family_source": "ZZFAMILYSOURCEMARKER",
    "restricted_key": "zz-restricted-key",
    "internal_key": "zz-internal-key",
}
PUBLIC_ONLY = ("Pupublic Visible",)
MAX_PAGES = 400


@pytest.fixture
def planted(make_person, actor):
    facility = Facility.objects.create(code="zz-sizo", kind="sizo", name_en="Test SIZO", region="minsk_city")
    public_src = Source.objects.create(title="Public news item", kind="news", visibility="public")
    restricted_src = Source.objects.create(title=MARKERS["restricted_source"], kind="other", visibility="restricted",
                                           url="https://zzrestrictedsourcemarker.example/")
    internal_src = Source.objects.create(title=MARKERS["internal_source"], kind="court", visibility="internal")
    family_src = Source.objects.create(title=MARKERS["family_source"], kind="family", visibility="public")
    public = make_person("pub-1", PUBLIC_ONLY[0], visibility="public", region="minsk_city", events=[
        ("detained", "2021-03-01", {"facility": facility, "sources": [public_src, restricted_src],
                                    "note": MARKERS["event_note"]}),
        ("health_reported", "2021-04-01", {"details": {"condition": "mental_health"}, "sources": [public_src]}),
        ("transferred", "2021-05-01", {"facility": facility, "sources": [internal_src, family_src]}),
        ("pardon_petition", "2021-06-01", {"sources": [restricted_src]}),
    ])
    Person.objects.filter(pk=public.pk).update(notes=MARKERS["person_note"])
    make_person(MARKERS["internal_key"], MARKERS["internal_name"], visibility="internal",
                events=[("detained", "2021-03-02", {"facility": facility, "sources": [public_src]})])
    restricted = make_person(MARKERS["restricted_key"], MARKERS["restricted_name"], visibility="restricted",
                             events=[("detained", "2021-03-03", {"facility": facility, "sources": [public_src]})])
    services.add_name(restricted, MARKERS["restricted_alias"], "en", kind="transliteration", actor=actor)
    # enough public people in one facility that public breakdowns have cells to show
    for i in range(6):
        make_person(f"pub-extra-{i}", f"Pupublic Extra{i}", visibility="public",
                    events=[("detained", "2021-03-04", {"facility": facility, "sources": [public_src]})])
    return public


def leaks(text: str) -> list[str]:
    low = text.lower()
    found = [name for name, m in MARKERS.items() if m.lower() in low]
    if "mental_health" in low or "mental health" in low:
        found.append("health detail")
    return found


def crawl(client, starts: list[str]) -> dict[str, str]:
    """Every same-site page reachable by links from `starts` (GET only), as {path: body}."""
    seen: dict[str, str] = {}
    queue = list(starts)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url)
        key = path.path + (f"?{path.query}" if path.query else "")
        if key in seen or path.netloc:
            continue
        r = client.get(key, follow=True)
        assert r.status_code < 500, f"{key} answered {r.status_code}"
        body = b"".join(r.streaming_content) if r.streaming else r.content
        text = body.decode("utf-8", "replace")
        seen[key] = text
        if "html" not in r.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)', text):
            href = href.replace("&amp;", "&")
            target = urljoin(key, href)
            parts = urlsplit(target)
            if parts.scheme in ("", "http") and parts.netloc in ("", "testserver") \
                    and not parts.path.startswith(("/static/", "/accounts/logout")):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_no_marker_on_any_public_page(planted, client_for, outsider_user, who):
    client = client_for(outsider_user if who == "outsider" else None)
    pages = crawl(client, ["/", "/be/", "/ru/", "/en/", "/people/", f"/people/{planted.key}/"])
    assert len(pages) > 10
    assert any(PUBLIC_ONLY[0] in text for text in pages.values()), "the public person must be reachable"
    found = {path: leaks(text) for path, text in pages.items() if leaks(text)}
    assert found == {}


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_hidden_people_pages_are_404_like_unknown_keys(planted, client_for, outsider_user, who):
    client = client_for(outsider_user if who == "outsider" else None)
    for prefix in ("/people/", "/en/people/"):
        unknown = client.get(f"{prefix}zz-unknown-key/")
        assert unknown.status_code == 404
        for key in (MARKERS["internal_key"], MARKERS["restricted_key"]):
            r = client.get(f"{prefix}{key}/")
            # the page may echo the key that was asked for, and nothing else that differs from an unknown key
            assert (r.status_code, r.content.decode().replace(key, "zz-unknown-key")) == \
                (404, unknown.content.decode()), key


def test_no_marker_in_anonymous_api_answers(planted, client):
    from volia.api.urls import urlpatterns

    queries = ["", "?q=Zzrestrictedmarker", "?q=Qqperson", "?q=zzinternalmarker", "?people=1"]
    for pattern in urlpatterns:
        path = "/api/v1/" + str(pattern.pattern)
        for q in queries:
            r = client.get(path + q)
            assert r.status_code < 500, (path + q, r.status_code)
            assert not leaks(r.content.decode()), (path + q, leaks(r.content.decode()))


def test_search_never_names_hidden_people_to_the_public(planted, client):
    for q in ("Qqperson", "Zzrestrictedmarker", "Zzrestrictedalias", "zzinternalmarker"):
        for path in (f"/people/?q={q}", f"/en/people/?q={q}", f"/api/v1/search?q={q}"):
            r = client.get(path, follow=True)
            assert r.status_code < 500 and not leaks(r.content.decode()), path


def test_researcher_drill_downs_never_name_restricted_people(planted, client_for, researcher_user):
    client = client_for(researcher_user)
    for path in ("/staff/stats/people/?figure=held&date=2021-03-10&recognition=none",
                 "/api/v1/stats/held?on=2021-03-10&people=1&recognition=none"):
        r = client.get(path)
        assert r.status_code == 200, path
        text = r.content.decode()
        assert MARKERS["restricted_name"] not in text and MARKERS["restricted_key"] not in text
        assert MARKERS["internal_key"] in text  # researchers read internal people


def _export(*args: str) -> str:
    out = io.StringIO()
    call_command("export", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_export_defaults_leave_out_restricted_people_and_sources(planted):
    text = _export()
    assert MARKERS["restricted_key"] not in text and MARKERS["restricted_name"] not in text
    assert MARKERS["restricted_source"] not in text
    assert MARKERS["internal_key"] in text  # the default export is public + internal
    full = _export("--include-restricted")
    assert MARKERS["restricted_key"] in full and MARKERS["restricted_source"] in full


def test_every_export_is_access_logged(planted):
    from volia.registry.models import AccessLog

    before = AccessLog.objects.filter(action="export").count()
    _export()
    _export("--include-restricted", "--format", "jsonl")
    logged = list(AccessLog.objects.filter(action="export").order_by("id"))[before:]
    assert [e.detail["levels"] for e in logged] == [["internal", "public"], ["internal", "public", "restricted"]]


def test_publish_output_has_no_marker(planted, tmp_path):
    if "publish" not in get_commands():
        pytest.skip("volia publish does not exist in this checkout")
    call_command("publish", str(tmp_path / "site"), stdout=io.StringIO(), stderr=io.StringIO())
    files = [p for p in Path(tmp_path / "site").rglob("*") if p.is_file()]
    assert files
    found = {str(p.relative_to(tmp_path)): leaks(p.read_bytes().decode("utf-8", "replace"))
             for p in files if leaks(p.read_bytes().decode("utf-8", "replace"))}
    assert found == {}
    assert any(PUBLIC_ONLY[0] in p.read_text("utf-8", "replace") for p in files if p.suffix in (".html", ".csv"))
