"""The staff statistics page and the lists of people behind its figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from tests.api import known as known_data
from volia.stats import engine

pytestmark = pytest.mark.django_db

STATS = reverse("web:stats")
PEOPLE = reverse("web:stats_people")
D = known_data.D.isoformat()
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def known(make_person, ngo, facility):
    return known_data.build(make_person, ngo, facility)


@pytest.fixture
def volunteer(django_user_model):
    return django_user_model.objects.create_user("volunteer", password="x-long-test-password")


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


def page(client, **params) -> str:
    r = client.get(STATS, {"date": D, "from": "2025-01-01", "to": D, **params})
    assert r.status_code == 200, r.content.decode()[:2000]
    return r.content.decode()


def keys_listed(html: str) -> set[str]:
    return set(re.findall(r"<code>([^<]+)</code>", html.split("<tbody>", 1)[1])) if "<tbody>" in html else set()


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [STATS, f"{PEOPLE}?figure=held&date={D}"])
def test_anonymous_is_sent_to_the_login(client, url):
    r = client.get(url)
    assert r.status_code == 302
    target = urlsplit(r["Location"])
    assert target.path == reverse(settings.LOGIN_URL)
    assert parse_qs(target.query)["next"] == [url]


@pytest.mark.parametrize("url", [STATS, f"{PEOPLE}?figure=held&date={D}"])
def test_logged_in_without_a_reading_role_is_refused(client, volunteer, volunteer_user, known, url):
    for user in (volunteer, volunteer_user):  # no role at all; the volunteer role (letters only)
        client.force_login(user)
        r = client.get(url)
        assert r.status_code == 403
        assert "st-a" not in r.content.decode()


def test_staff_get_the_page_uncached_with_the_csp(staff, known):
    r = staff.get(STATS, {"date": D})
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    assert "default-src 'none'" in r["Content-Security-Policy"] and "script" not in r["Content-Security-Policy"]


# --- figures and links ----------------------------------------------------------------------


def test_held_figure_links_to_its_people(staff, known):
    html = page(staff)
    m = re.search(r'<p class="headline"><a href="([^"]+)"><span class="big">(\d+)</span>', html)
    assert m and m.group(2) == "3"
    listed = staff.get(m.group(1).replace("&amp;", "&")).content.decode()
    assert keys_listed(listed) == known_data.HELD
    assert "3 people" in listed
    assert known_data.NAMES["st-a"] in listed and reverse("web:person", args=["st-a"]) in listed


@pytest.mark.parametrize(("params", "expected"), [
    ({}, known_data.HELD),
    ({"recognition": "none"}, known_data.HELD_NONE),
    ({"sex": "f"}, {"st-b"}),
    ({"sex": "f", "recognition": "none"}, {"st-b", "st-f"}),
])
def test_held_drill_down_lists_the_right_people(staff, known, params, expected):
    r = staff.get(PEOPLE, {"figure": "held", "date": D, **params})
    assert r.status_code == 200
    assert keys_listed(r.content.decode()) == expected


def test_flow_drill_down(staff, known):
    def flow(**kw):
        r = staff.get(PEOPLE, {"figure": "flow", "from": "2025-09-01", "to": "2025-09-30", **kw})
        assert r.status_code == 200, r.content.decode()
        return keys_listed(r.content.decode())

    assert flow(flow="released") == {"st-c", "st-g"}
    assert flow(flow="released", kind="pardon") == {"st-c"}
    assert flow(flow="released", kind="sentence_served") == {"st-g"}
    assert flow(flow="detained") == {"st-e"}
    assert flow(flow="deported") == {"st-c"}


def test_every_link_on_the_page_opens(staff, known):
    html = page(staff, by="month")
    links = {h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html) if h.startswith(PEOPLE)}
    assert len(links) > 10
    for link in links:
        r = staff.get(link)
        assert r.status_code == 200, (link, r.content.decode()[:500])
    # the flow chart's pardon bar for September 2025 leads to st-c
    pardon = next(h for h in links if "kind=pardon" in h and "from=2025-09-01" in h)
    assert keys_listed(staff.get(pardon).content.decode()) == {"st-c"}


def test_incommunicado_drill_down_shows_days_since_contact(staff, known):
    html = staff.get(PEOPLE, {"figure": "incommunicado", "date": D}).content.decode()
    assert {"st-a", "st-b"} <= keys_listed(html)
    assert "17 days" in html  # st-a: letter on 1 September
    never = staff.get(PEOPLE, {"figure": "incommunicado", "date": D, "over": "never"}).content.decode()
    assert "st-b" in keys_listed(never) and "st-a" not in keys_listed(never)


def test_query_string_filters_reach_the_engine(staff, known, monkeypatch):
    seen = []
    real = engine.held_on

    def spy(ds, day, filters, **kw):
        seen.append((day, filters, kw))
        return real(ds, day, filters, **kw)

    monkeypatch.setattr(engine, "held_on", spy)
    page(staff, sex="f", region="brest", age_min="30", age_max="59", article="342", group="journalist",
         facility_kind="sizo", recognition="retroactive", organization="test-ngo")
    day, filters, kw = seen[0]
    assert day.isoformat() == D
    assert filters == engine.Filters.from_params({
        "sex": "f", "region": "brest", "age_min": "30", "age_max": "59", "article": "342", "group": "journalist",
        "facility_kind": "sizo"})
    assert kw == {"recognition": "retroactive", "organization": "test-ngo"}


def test_filters_are_kept_in_the_drill_down_links(staff, known):
    html = page(staff, sex="f", recognition="none")
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html) if h.startswith(PEOPLE)]
    assert links and all("sex=f" in h for h in links)
    held = next(h for h in links if "figure=held" in h and "vulnerable" not in h)
    assert "recognition=none" in held
    assert keys_listed(staff.get(held).content.decode()) == {"st-b", "st-f"}


# --- charts ---------------------------------------------------------------------------------


def test_charts_are_valid_svg_each_with_a_data_table(staff, known):
    html = page(staff)
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        root = ET.fromstring(svg)  # noqa: S314 (our own markup)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby").split()
        assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}title").text
        assert root.find(f"{SVG}desc").get("id") == desc_id and root.find(f"{SVG}desc").text
    # every chart is followed by its table
    figures = re.findall(r'<figure class="chart-figure".*?</figure>', html, re.S)
    assert len(figures) == len(svgs)
    for fig in figures:
        assert '<details class="data-table">' in fig and "<table" in fig


def test_ids_are_unique_on_the_page(staff, known):
    html = page(staff)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_no_external_resources_or_scripts(staff, known):
    html = page(staff)
    assert "<script" not in html.lower() and "style=" not in html
    urls = re.findall(r'(?:href|src|action)="([^"]*)"', html)
    assert urls and not [u for u in urls if re.match(r"(https?:)?//", u)]
    assert not re.search(r"url\((?!#)", html)


# --- bad parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "params", "name"), [
    (STATS, {"date": "2025-13-01"}, "date"),
    (STATS, {"date": "18.09.2025"}, "date"),
    (STATS, {"from": "2025-09-01", "to": "2025-01-01"}, "from"),
    (STATS, {"by": "fortnight"}, "by"),
    (STATS, {"by": "day", "from": "2020-01-01", "to": "2025-01-01"}, "by"),
    (STATS, {"recognition": "maybe"}, "recognition"),
    (STATS, {"organization": "no-such-ngo"}, "organization"),
    (STATS, {"age_min": "old"}, "age_min"),
    (STATS, {"sex": "q"}, "sex"),
    (STATS, {"regoin": "brest"}, "regoin"),
    (STATS, {"horizon": "0"}, "horizon"),
    (PEOPLE, {}, "figure"),
    (PEOPLE, {"figure": "everything"}, "figure"),
    (PEOPLE, {"figure": "flow"}, "flow"),
    (PEOPLE, {"figure": "flow", "flow": "released", "kind": "escape"}, "kind"),
    (PEOPLE, {"figure": "flow", "flow": "detained", "kind": "pardon"}, "kind"),
    (PEOPLE, {"figure": "incommunicado", "over": "7"}, "over"),
])
def test_bad_parameters_give_a_400_naming_them(staff, url, params, name):
    r = staff.get(url, params)
    assert r.status_code == 400
    html = r.content.decode()
    assert f"<code>{name}</code>" in html
    assert "default-src 'none'" in r["Content-Security-Policy"]


def test_remitted_drill_down_shows_days_left(staff, known):
    def listed(**kw):
        r = staff.get(PEOPLE, {"figure": "remitted", "from": "2025-01-01", "to": D, **kw})
        assert r.status_code == 200, r.content.decode()
        return r.content.decode()

    # st-c: 60 months from the detention on 2021-01-10 end on 2026-01-10; pardoned on 2025-09-11
    html = listed(min_days="90", max_days="179")
    assert keys_listed(html) == {"st-c"} and "121 days" in html
    assert keys_listed(listed(max_days="29")) == set()
    assert keys_listed(listed()) == {"st-c"}


def test_listing_non_public_people_is_logged(staff, known, caplog):
    with caplog.at_level("INFO", logger="volia.access"):
        staff.get(PEOPLE, {"figure": "held", "date": D})
    assert any("non-public" in r.getMessage() and "editor" in r.getMessage() for r in caplog.records)
