"""The public site in Chromium: search, language switch, chart, letters, an editor's release, no JavaScript."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from volia.accounts.roles import EDITOR
from volia.registry import services
from volia.registry.models import Facility, Organization, Source

# live-server tests empty the database afterwards; serialized_rollback puts back what migrations wrote (role
# groups, reference data), which the tests that run after these on the same worker rely on
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def people(make_person):
    prison = Facility.objects.create(
        code="test-ik-3", kind="colony", regime="enhanced", name_en="Test Colony No. 3", name_ru="ИК-3 (тест)",
        name_be="ПК-3 (тэст)", region="vitebsk", postal_address_ru="211000, г. Тестовск, ул. Лагерная, 3, ИК-3")
    ngo = Organization.objects.create(code="test-ngo", name_en="Test Rights Centre")
    news = Source.objects.create(title="Public report", kind="news", url="https://news.example/r/1",
                                 visibility="public")
    held = [("detained", "2021-05-01", {"facility": prison, "sources": [news]}),
            ("recognized", "2021-05-10", {"organization": ngo, "sources": [news]}),
            ("sentenced", "2022-02-01", {"details": {"articles": ["342:1"], "sentence_kind": "colony_enhanced",
                                                     "sentence_months": 96}, "sources": [news]})]
    ales = make_person("pub-ales", "Алесь Бяляцкі", language="be", visibility="public", events=held)
    services.add_name(ales, "Алесь Беляцкий", "ru", kind="official", actor=services.Actor("test:editor"))
    maria = make_person("pub-maria", "Марыя Калеснікава", language="be", visibility="public", events=held)
    make_person("int-ivan", "Іван Схаваны", language="be", visibility="internal", events=held)
    return {"ales": ales, "maria": maria, "prison": prison}


def _held(page) -> int:
    text = page.locator("#figure-held .figure-value").inner_text()
    return int(re.sub(r"\D", "", text))


def test_search_by_a_latin_spelling_and_open_the_page(guarded, people, screenshots):
    g = guarded()
    g.goto("/en/")
    g.page.get_by_label("Find a person by name, in any spelling or script").fill("Ales Bialiatski")
    g.page.get_by_role("button", name="Search").click()
    g.page.wait_for_load_state()
    g.page.screenshot(path=str(screenshots / "search-en.png"), full_page=True)
    link = g.page.get_by_role("link", name="Алесь Бяляцкі")
    assert link.count() == 1 and "Іван" not in g.page.content()
    link.click()
    g.page.wait_for_url("**/en/people/pub-ales/")
    assert g.page.locator("h1").inner_text() == "Алесь Бяляцкі"
    assert "Test Colony No. 3" in g.page.content()


def test_switch_language_keeps_the_page(guarded, people, screenshots):
    g = guarded()
    g.goto("/be/people/pub-ales/")
    assert g.page.locator("html").get_attribute("lang") == "be"
    g.page.get_by_role("link", name="Русский").click()
    g.page.wait_for_url("**/ru/people/pub-ales/")
    assert g.page.locator("html").get_attribute("lang") == "ru"
    assert g.page.locator("h1").inner_text() == "Алесь Беляцкий"  # the Russian form of the name
    assert "Хронология" in g.page.content()
    g.page.screenshot(path=str(screenshots / "person-ru.png"), full_page=True)
    g.page.get_by_role("link", name="English").click()
    g.page.wait_for_url("**/en/people/pub-ales/")
    assert "Timeline" in g.page.content()


def test_statistics_chart_and_its_data_table(guarded, people, screenshots):
    g = guarded(viewport={"width": 1100, "height": 900})
    g.goto("/en/")
    g.page.get_by_role("link", name="Statistics", exact=True).first.click()
    g.page.wait_for_url("**/en/statistics/")
    chart = g.page.locator("svg#chart-held")
    assert chart.is_visible() and chart.get_attribute("role") == "img"
    assert chart.bounding_box()["width"] > 300
    g.page.get_by_text("Data table: Political prisoners held each day since 9 August 2020").click()
    assert g.page.locator("details.data-table table").first.is_visible()
    g.page.screenshot(path=str(screenshots / "statistics-en.png"), full_page=True)


def test_a_volunteer_finds_an_address_on_a_phone(guarded, people, screenshots):
    g = guarded(viewport={"width": 375, "height": 740}, is_mobile=True)
    g.goto("/be/")
    g.page.get_by_role("link", name="Напісаць ліст", exact=True).first.click()
    g.page.wait_for_url("**/be/letters/")
    g.page.get_by_role("link", name="Усе ўстановы").click()
    g.page.get_by_role("link", name="ПК-3 (тэст)").click()
    g.page.wait_for_url("**/be/facilities/test-ik-3/")
    address = g.page.locator("address.postal")
    assert "ул. Лагерная, 3" in address.inner_text()
    g.page.screenshot(path=str(screenshots / "facility-be-phone.png"), full_page=True)
    # the page fits the phone's width: nothing to scroll sideways
    assert g.page.evaluate("document.documentElement.scrollWidth") <= 375 + 1


@pytest.fixture
def editor(people, django_user_model):
    # live-server tests flush the database, role groups included: make the editor's group again
    user = django_user_model.objects.create_user("browser-editor", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=EDITOR)[0])
    return user


def test_an_editor_records_a_release_and_the_public_figure_changes(guarded, people, editor, screenshots):
    reader = guarded()
    reader.goto("/en/")
    before = _held(reader.page)
    assert before == 3  # everybody held counts, the internal person too
    staff_client = Client()
    staff_client.force_login(editor)  # stands for a full log-in, second factor included (tests/conftest.py)
    editor = guarded()
    editor.context.add_cookies([{"name": name, "value": morsel.value, "url": editor.base}
                                for name, morsel in staff_client.cookies.items()])
    editor.goto("/staff/people/pub-maria/events/new/")
    editor.page.select_option("select[name=type]", "released")
    editor.page.fill("input[name=date]", "2025-01-15")
    editor.page.select_option("select[name=release_kind]", "pardon")
    editor.page.screenshot(path=str(screenshots / "staff-release-form.png"), full_page=True)
    editor.page.locator("form button[type=submit], form input[type=submit]").last.click()
    editor.page.wait_for_load_state()
    assert "/staff/people/pub-maria/" in editor.page.url, editor.page.content()[:2000]
    reader.goto("/en/")
    assert _held(reader.page) == before - 1
    reader.goto("/en/people/?figure=released")
    assert "Марыя Калеснікава" in reader.page.content()


@pytest.mark.parametrize("path", ["/be/", "/be/people/", "/be/people/pub-ales/", "/ru/facilities/",
                                  "/ru/facilities/test-ik-3/", "/en/statistics/", "/en/letters/"])
def test_public_pages_work_without_javascript(guarded, people, path):
    g = guarded(java_script_enabled=False)
    g.goto(path)
    assert g.page.locator("main h1").count() == 1
    # keyboard: the first Tab reaches the skip link, which leads to the content
    g.page.keyboard.press("Tab")
    assert g.page.evaluate("document.activeElement.getAttribute('href')") == "#main"


def test_search_works_without_javascript(guarded, people):
    g = guarded(java_script_enabled=False)
    g.goto("/ru/people/")
    g.page.fill("#q", "Kalesnikava")
    g.page.locator("form.search button[type=submit]").click()
    g.page.wait_for_load_state()
    assert "Марыя Калеснікава" in g.page.content() and "Бяляцкі" not in g.page.content()
