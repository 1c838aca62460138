"""The public pages: languages, content, visibility, caching, no third-party requests, no JavaScript."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from volia.core.dates import add_months
from volia.registry import services
from volia.web.public import labels

PAGES = ["", "people/", "people/pub-ales/", "facilities/", "facilities/test-ik-9/", "statistics/", "letters/"]
WORDS = {"be": "Людзі", "ru": "Люди", "en": "People"}


def test_root_redirects_to_belarusian(client, db):
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/be/"


@pytest.mark.parametrize("lang", ["be", "ru", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_every_language(client, registry, lang, page):
    r = client.get(f"/{lang}/{page}")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<html lang="{lang}">' in html
    assert WORDS[lang] in html  # the navigation is translated
    assert "<script" not in html.lower()
    assert "default-src 'none'" in r["Content-Security-Policy"]
    # a plain link to the same page in each other language
    for other in {"be", "ru", "en"} - {lang}:
        assert f'href="/{other}/{page}"' in html
    for attr in re.findall(r'\s(?:src|href|action)="([^"]*)"', html):
        # only our own pages and the sources the reader chooses to follow
        assert attr.startswith(("/", "?", "#")) or attr == "https://news.example/p/1", attr


def test_names_in_the_readers_language(client, registry):
    assert "<h1 lang=\"be\">Алесь Бяляцкі</h1>" in client.get("/be/people/pub-ales/").content.decode()
    assert "<h1 lang=\"ru\">Алесь Беляцкий</h1>" in client.get("/ru/people/pub-ales/").content.decode()
    assert "<h1 lang=\"en\">Ales Bialiatski</h1>" in client.get("/en/people/pub-ales/").content.decode()
    # a person with no name in the language is shown by the primary name
    assert "Марыя Калеснікава" in client.get("/en/people/pub-maria/").content.decode()


def test_facility_names_and_addresses_in_the_readers_language(client, registry):
    be = client.get("/be/facilities/test-ik-9/").content.decode()
    en = client.get("/en/facilities/test-ik-9/").content.decode()
    assert "ПК-9 (тэст)" in be and "вул. Тэставая" in be
    # the envelope is written in Russian or Belarusian whatever the reader's language
    assert "Test Colony No. 9" in en and "ул. Тестовая" in en


def test_person_page_has_timeline_charges_sentence_facility_and_address(client, registry):
    html = client.get("/en/people/pub-ales/").content.decode()
    for text in ("Timeline", "Detained", "Sentenced", "art. 342 part 1", "Penal colony, strict regime",
                 "5 years", "How to write to them", "ул. Тестовая", "Public news item", "Test Colony No. 9"):
        assert text in html, text
    ru = client.get("/ru/people/pub-ales/").content.decode()
    assert "ст. 342 ч. 1" in ru and "5 лет" in ru and "Хронология" in ru


@pytest.mark.parametrize("key", ["int-ivan", "res-olga"])
def test_non_public_people_do_not_exist_for_the_public(client, registry, key):
    name = {"int-ivan": "Іван Схаваны", "res-olga": "Вольга Сакрэтная"}[key]
    assert client.get(f"/be/people/{key}/").status_code == 404
    for page in ["people/", "people/?figure=held", "facilities/test-ik-9/", "letters/", "feed.atom",
                 "people/?status=held", f"people/?q={name.split()[0]}"]:
        html = client.get(f"/be/{page}").content.decode()
        assert name not in html and key not in html, page


def test_health_reports_and_disputed_events_stay_private(client, registry, public_source):
    actor = services.Actor("test:editor")
    ales = registry["ales"]
    services.record_event(ales, "health_reported", "2023-01-01", actor=actor,
                          details={"condition": "serious_illness"}, sources=[public_source])
    services.record_event(ales, "punishment_cell", "2023-02-01", actor=actor, confidence="disputed",
                          details={"days": 10}, sources=[public_source])
    html = client.get("/en/people/pub-ales/").content.decode()
    assert "Health reported" not in html and "Serious illness" not in html
    assert "Punishment cell" not in html


def test_key_figures_count_everybody_and_list_only_public_people(client, registry):
    home = client.get("/en/").content.decode()
    held = re.search(r'id="figure-held">\s*<span class="figure-value">([\d,]+)</span>', home)
    assert held and held.group(1) == "4"  # 4 held, recognised: public, internal, restricted included
    assert 'href="/en/people/?figure=held"' in home and 'href="/en/statistics/#definition-held"' in home
    listed = client.get("/en/people/?figure=held").content.decode()
    assert "2 people" in listed  # only the two public people held
    assert "Only people whose entries are public are listed" in listed
    released = client.get("/en/people/?figure=released").content.decode()
    assert "Пятро Вольны" in released and "1 person" in released


@pytest.mark.parametrize(("query", "present", "absent"), [
    ("status=held", ["Алесь Бяляцкі", "Марыя Калеснікава"], ["Пятро Вольны"]),
    ("status=released", ["Пятро Вольны"], ["Алесь Бяляцкі"]),
    ("region=minsk_city", ["Алесь Бяляцкі", "Марыя Калеснікава"], ["Пятро Вольны"]),
    ("group=hrd", ["Алесь Бяляцкі"], ["Марыя Калеснікава"]),
    ("article=342", ["Алесь Бяляцкі", "Пятро Вольны"], []),
    ("facility=test-ik-9", ["Алесь Бяляцкі", "Марыя Калеснікава"], ["Пятро Вольны"]),
])
def test_people_filters(client, registry, query, present, absent):
    html = client.get(f"/be/people/?{query}").content.decode()
    for name in present:
        assert name in html, name
    for name in absent:
        assert name not in html, name


def test_unknown_filter_values_are_a_clear_error(client, registry):
    r = client.get("/en/people/?status=bogus")
    assert r.status_code == 400 and "Unknown value “bogus” for the filter “status”" in r.content.decode()
    r = client.get("/ru/people/?facility=no-such")
    assert r.status_code == 400 and "no-such" in r.content.decode() and "facility" in r.content.decode()
    assert client.get("/be/facilities/no-such/").status_code == 404


def test_search_finds_other_spellings(client, registry):
    html = client.get("/be/people/", {"q": "Беляцкий"}).content.decode()
    assert "Алесь Бяляцкі" in html and "Марыя Калеснікава" not in html


def test_statistics_page_has_charts_definitions_and_suppressed_breakdowns(client, registry):
    html = client.get("/en/statistics/").content.decode()
    assert html.count("<svg") >= 2 and 'role="img"' in html
    for code in ("held", "recognized", "released", "died"):
        assert f'id="definition-{code}"' in html
    # 4 people held now, all in one region? 3 in Minsk (city) of whom 2 public: every cell is under 5
    assert "fewer than 5" in html
    region_rows = re.findall(r"<tr><th scope=\"row\">Minsk \(city\)</th><td class=\"num\">([^<]*)</td>", html)
    assert region_rows == ["fewer than 5"]


def test_letters_page_lists_birthdays_and_upcoming_releases(client, registry, make_person, prison):
    start = add_months(dt.date.today(), -60) + dt.timedelta(days=10)
    make_person("pub-soon", "Хутка Вызвалены", language="be", visibility="public", events=[
        ("detained", start.isoformat(), {"facility": prison}),
        ("sentenced", start.isoformat(), {"details": {"sentence_kind": "colony_general", "sentence_months": 60}})])
    make_person("int-soon", "Схаваны Вызвалены", language="be", visibility="internal", events=[
        ("detained", start.isoformat(), {"facility": prison}),
        ("sentenced", start.isoformat(), {"details": {"sentence_kind": "colony_general", "sentence_months": 60}})])
    html = client.get("/be/letters/").content.decode()
    birthdays = html.split("Дні нараджэння ў бліжэйшыя")[1].split("Чаканыя вызваленні")[0]
    releases = html.split("Чаканыя вызваленні")[1]
    assert "Алесь Бяляцкі" in birthdays and "Марыя" not in birthdays
    assert "Хутка Вызвалены" in releases and "Алесь" not in releases
    assert (start + dt.timedelta(days=0)).replace(year=start.year + 5).isoformat() in releases
    assert "Схаваны" not in html
    assert "Пішыце па-беларуску або па-руску" in html


def test_feed_lists_public_events_newest_first(client, registry):
    r = client.get("/en/feed.atom")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/atom+xml")
    xml = r.content.decode()
    assert xml.count("<entry>") >= 10
    assert "Іван" not in xml and "Вольга" not in xml
    updated = re.findall(r"<entry>.*?<updated>([^<]+)</updated>", xml, re.S)
    assert updated == sorted(updated, reverse=True)


def test_every_code_has_a_translated_label():
    from volia.core import codes

    for table, source in [(labels.EVENT_TYPES, codes.EVENT_TYPES), (labels.REGIONS, codes.REGIONS),
                          (labels.GROUPS, codes.GROUPS), (labels.RELEASE_KINDS, codes.RELEASE_KINDS),
                          (labels.SENTENCE_KINDS, codes.SENTENCE_KINDS), (labels.REGIMES, codes.REGIMES),
                          (labels.FACILITY_KINDS, codes.FACILITY_KINDS), (labels.SOURCE_KINDS, codes.SOURCE_KINDS),
                          (labels.SEX, codes.SEX), (labels.CONTACT_KINDS, codes.CONTACT_KINDS)]:
        assert set(table) == set(source)


def test_anonymous_pages_are_cached_and_invalidated_by_a_change(client, registry, prison):
    first = client.get("/en/people/")
    assert "public" in first["Cache-Control"] and first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/people/")
    assert again.content == first.content
    assert len(queries.captured_queries) == 1  # the data version only
    assert client.get("/en/people/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.create_person("pub-new", "Новы Чалавек", "be", actor=services.Actor("test:editor"), visibility="public")
    changed = client.get("/en/people/")
    assert "Новы Чалавек" in changed.content.decode() and changed["ETag"] != first["ETag"]
    # an edit that adds no row (a facility's address corrected in the admin) is seen at once too
    prison.postal_address_ru = "231000, г. Новоград, ул. Новая, 2"
    prison.save()
    assert "ул. Новая" in client.get("/en/facilities/test-ik-9/").content.decode()


def test_pages_of_logged_in_users_are_never_cached(client, registry):
    user = get_user_model().objects.create_user("reader", password="a-long-test-password")
    client.force_login(user)
    r = client.get("/en/people/")
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    assert "ETag" not in r


@pytest.mark.parametrize(("path", "expected"), [
    ("/ru/people/", "ru"), ("/en/", "en"), ("/be/statistics/", "be"),
    ("/staff/", "en"), ("/admin/", "en"), ("/api/v1/stats/held", "en"), ("/people/", "en"),
])
def test_language_comes_from_the_prefix_and_staff_pages_stay_english(rf, path, expected):
    from django.http import HttpResponse
    from django.utils.translation import get_language

    from volia.web.public.middleware import PublicLocaleMiddleware

    middleware = PublicLocaleMiddleware(lambda request: HttpResponse(get_language()))
    response = middleware(rf.get(path, HTTP_ACCEPT_LANGUAGE="be, ru;q=0.8"))
    assert response.content.decode() == expected


def test_not_found_pages_are_translated_under_the_language_prefix(client, registry):
    r = client.get("/ru/no-such-page/")
    assert r.status_code == 404 and '<html lang="ru">' in r.content.decode() and "Не найдено" in r.content.decode()
    r = client.get("/be/people/int-ivan/")  # hidden people are indistinguishable from missing ones
    assert r.status_code == 404 and "Не знойдзена" in r.content.decode()
    assert client.get("/no-such-page/").status_code == 404


def test_public_pages_send_no_referrer_in_the_header_and_the_page(client, registry):
    r = client.get("/be/people/pub-ales/")
    assert r["Referrer-Policy"] == "no-referrer"
    html = r.content.decode()
    assert '<meta name="referrer" content="no-referrer">' in html and "same-origin" not in html
