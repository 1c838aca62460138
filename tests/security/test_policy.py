"""volia.security.policy: roles, actions, people, events, sources and small-cell suppression."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from volia.registry import services
from volia.registry.models import Person, Source
from volia.security import policy

ROLE_FIXTURES = {
    "administrator": "admin_user", "editor": "editor_user", "researcher": "researcher_user",
    "volunteer": "volunteer_user", "public": "outsider_user",
}


@pytest.fixture
def users(request) -> dict[str, object]:
    found = {role: request.getfixturevalue(name) for role, name in ROLE_FIXTURES.items()}
    found["anonymous"] = AnonymousUser()
    return found


@pytest.fixture
def levels(make_person) -> dict[str, Person]:
    return {level: make_person(f"p-{level}", f"Person {level}", visibility=level)
            for level in ("public", "internal", "restricted")}


def test_personas_have_their_roles(users):
    assert {name: policy.role(u) for name, u in users.items()} == {
        "administrator": "administrator", "editor": "editor", "researcher": "researcher",
        "volunteer": "volunteer", "public": "public", "anonymous": "public"}


def test_a_superuser_is_an_administrator_and_an_inactive_user_is_public(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-test-password")
    assert policy.role(root) == "administrator"
    root.is_active = False
    assert policy.role(root) == "public"


def test_is_staff_alone_gives_no_role(django_user_model):
    user = django_user_model.objects.create_user("bare-staff", password="x-long-test-password", is_staff=True)
    assert policy.role(user) == "public"
    assert not policy.can(user, "stats.view_internal")


@pytest.mark.parametrize("action", sorted(policy.PERMISSIONS))
def test_can_follows_the_matrix(users, action):
    for name, user in users.items():
        role = policy.role(user)
        assert policy.can(user, action) is (role in policy.PERMISSIONS[action]), (name, action)


def test_unknown_action_is_a_loud_error(users):
    with pytest.raises(ValueError, match=r"unknown action 'person\.fly'"):
        policy.can(users["administrator"], "person.fly")


def test_require_raises_permission_denied(users):
    policy.require(users["editor"], "event.record")
    with pytest.raises(PermissionDenied, match=r"researcher may not event\.record"):
        policy.require(users["researcher"], "event.record")


def test_visible_people_by_role(users, levels):
    def keys(user):
        return sorted(policy.visible_people(user).values_list("key", flat=True))

    everyone = ["p-internal", "p-public", "p-restricted"]
    assert keys(users["administrator"]) == everyone
    assert keys(users["editor"]) == everyone
    assert keys(users["researcher"]) == ["p-internal", "p-public"]
    assert keys(users["volunteer"]) == ["p-internal", "p-public"]
    assert keys(users["public"]) == ["p-public"]
    assert keys(users["anonymous"]) == ["p-public"]


def test_merged_people_are_hidden_from_everybody(users, levels):
    survivor, merged = levels["public"], levels["internal"]
    Person.objects.filter(pk=merged.pk).update(merged_into=survivor)
    merged.refresh_from_db()
    for user in users.values():
        assert not policy.visible_people(user).filter(pk=merged.pk).exists()
        assert not policy.can(user, "person.view", merged)


def test_can_view_a_person_follows_their_level(users, levels):
    assert policy.can(users["anonymous"], "person.view", levels["public"])
    assert not policy.can(users["anonymous"], "person.view", levels["internal"])
    assert not policy.can(users["researcher"], "person.view", levels["restricted"])
    assert policy.can(users["editor"], "person.view", levels["restricted"])
    # a role allowed the action is still refused on a person it may not see
    assert not policy.can(users["volunteer"], "letters.view", levels["restricted"])
    assert policy.can(users["volunteer"], "letters.view", levels["internal"])


def test_visible_person_ids_keeps_order_and_drops_the_hidden(users, levels):
    ids = [levels["restricted"].pk, levels["public"].pk, levels["internal"].pk, levels["public"].pk]
    assert policy.visible_person_ids(users["public"], ids) == [levels["public"].pk]
    assert policy.visible_person_ids(users["researcher"], ids) == [levels["public"].pk, levels["internal"].pk]


def test_redact_person_by_role(users, make_person):
    p = make_person("p-r", "Алесь Тэставы", visibility="internal", sex="m", birth_date="1970-05-02",
                    region="minsk_city")
    Person.objects.filter(pk=p.pk).update(notes="STAFF NOTE")
    p.refresh_from_db()
    admin = policy.redact_person(p, users["administrator"])
    assert (admin.notes, admin.region, admin.birth_date) == ("STAFF NOTE", "minsk_city", "1970-05-02")
    assert admin.shows("health")
    research = policy.redact_person(p, users["researcher"])
    assert research.notes == "STAFF NOTE" and not research.shows("health")
    letters = policy.redact_person(p, users["volunteer"])
    assert (letters.notes, letters.region, letters.sex, letters.birth_date) == ("", "", "", "1970-05-02")
    assert [n.text for n in letters.names] == ["Алесь Тэставы"]
    assert letters.shows("postal_address") and not letters.shows("timeline")
    with pytest.raises(PermissionDenied):
        policy.redact_person(p, users["anonymous"])
    Person.objects.filter(pk=p.pk).update(visibility="public")
    p.refresh_from_db()
    public = policy.redact_person(p, users["anonymous"])
    assert public.notes == "" and public.region == "minsk_city" and public.shows("timeline")


def test_public_events(users, make_person, actor):
    person = make_person("p-ev", visibility="public")
    open_src = Source.objects.create(title="news", kind="news", visibility="public")
    secret = Source.objects.create(title="informant", kind="other", visibility="restricted")
    detained = services.record_event(person, "detained", "2021-01-02", actor=actor, sources=[open_src])
    health = services.record_event(person, "health_reported", "2021-02-01", actor=actor,
                                   details={"condition": "serious_illness"}, sources=[open_src])
    disputed = services.record_event(person, "pardon_petition", "2021-03-01", actor=actor, confidence="disputed")
    only_secret = services.record_event(person, "pardon_petition", "2021-04-01", actor=actor, sources=[secret])
    mixed = services.record_event(person, "pardon_petition", "2021-05-01", actor=actor, sources=[secret, open_src])
    shown = {e.pk for e in (detained, health, disputed, only_secret, mixed)
             if policy.public_event(e, users["anonymous"])}
    assert shown == {detained.pk, mixed.pk}
    assert all(policy.public_event(e, users["researcher"]) for e in (detained, health, disputed, only_secret))
    assert not any(policy.public_event(e, users["volunteer"]) for e in (detained, mixed))
    assert policy.visible_details(health, users["researcher"]) == {}
    assert policy.visible_details(health, users["editor"]) == {"condition": "serious_illness"}


def test_superseded_events_are_not_shown(users, make_person, actor):
    person = make_person("p-sup", visibility="public")
    first = services.record_event(person, "detained", "2021-01-02", actor=actor)
    services.correct_event(first, actor=actor, reason="wrong day", date="2021-01-03")
    first.refresh_from_db()
    assert not policy.public_event(first, users["administrator"])


def test_visible_sources(users, make_person, actor):
    person = make_person("p-src", visibility="public")
    sources = [Source.objects.create(title="NEWS-PUBLIC", kind="news", visibility="public", url="https://n.example/"),
               Source.objects.create(title="COURT-INTERNAL", kind="court", visibility="internal"),
               Source.objects.create(title="WIFE-PUBLIC", kind="family", visibility="public"),
               Source.objects.create(title="INFORMANT-RESTRICTED", kind="other", visibility="restricted")]
    event = services.record_event(person, "detained", "2021-01-02", actor=actor, sources=sources)

    def seen(user):
        return sorted((v.title or f"<{v.kind}>") for v in policy.visible_sources(event, user))

    assert seen(users["anonymous"]) == ["<court>", "<family>", "NEWS-PUBLIC"]
    assert seen(users["volunteer"]) == ["<court>", "<family>", "NEWS-PUBLIC"]
    assert seen(users["researcher"]) == ["COURT-INTERNAL", "NEWS-PUBLIC", "WIFE-PUBLIC"]
    assert seen(users["editor"]) == ["COURT-INTERNAL", "INFORMANT-RESTRICTED", "NEWS-PUBLIC", "WIFE-PUBLIC"]


def test_export_levels(users):
    assert policy.export_levels(users["researcher"]) == {"public", "internal"}
    assert policy.export_levels(users["administrator"], include_restricted=True) == {
        "public", "internal", "restricted"}
    with pytest.raises(PermissionDenied):
        policy.export_levels(users["editor"], include_restricted=True)
    with pytest.raises(PermissionDenied):
        policy.export_levels(users["volunteer"])


def test_suppress_small_hides_small_cells_and_one_more():
    assert policy.suppress_small({"a": 0, "b": 3, "c": 7, "d": 12}, k=5) == {"a": 0, "b": None, "c": None, "d": 12}
    assert policy.suppress_small({"a": 1, "b": 2, "c": 9}, k=5) == {"a": None, "b": None, "c": 9}
    assert policy.suppress_small({"a": 5, "b": 6}, k=5) == {"a": 5, "b": 6}
    assert policy.suppress_small({"a": 4}, k=5) == {"a": None}
    assert policy.suppress_small({}, k=5) == {}


def test_suppression_reads_the_setting_at_call_time(settings):
    settings.VOLIA_MIN_CELL_SIZE = 10
    assert policy.suppress_small({"a": 9, "b": 10, "c": 30}) == {"a": None, "b": None, "c": 30}
    assert policy.suppress_total(9) is None and policy.suppress_total(0) == 0
    assert policy.MIN_CELL_SIZE == 5  # the default, read when the module was imported


def test_the_documented_matrix_is_the_policy():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert policy.matrix_table() in doc, "docs/security.md: paste policy.matrix_table() into the matrix section"
