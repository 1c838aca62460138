"""Shared fixtures: named personas and small builders for people and their histories."""

from __future__ import annotations

import os
import uuid

import pytest

from volia.registry import services


@pytest.fixture
def database_url(tmp_path):
    """A database of its own for a test that runs `volia` in subprocesses: an SQLite file under
    tmp_path/data, or, when the suite runs on PostgreSQL, a new database dropped afterwards."""
    url = os.environ.get("VOLIA_DATABASE_URL", "")
    if not url.startswith("postgres"):
        (tmp_path / "data").mkdir(exist_ok=True)
        yield f"sqlite:///{tmp_path / 'data' / 'volia.sqlite3'}"
        return
    import psycopg

    name = f"volia_sub_{uuid.uuid4().hex[:8]}"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def actor() -> services.Actor:
    return services.Actor("test:editor")


@pytest.fixture
def make_person(db, actor):
    """make_person("key", "Name", events=[("detained", "2021-03-01", {...}), ...])."""

    def make(key: str = "p1", name: str = "Алесь Тэставы", events=(), **attrs):
        person = services.create_person(key, name, actor=actor, **attrs)
        for ev in events:
            etype, date, *rest = ev
            kwargs = rest[0] if rest else {}
            services.record_event(person, etype, date, actor=actor, **kwargs)
        return person

    return make


# --- personas: one user per role (volia.accounts.roles), logged in through client_for(user) -------------

PASSWORD = "x-long-test-password"


def _persona(django_user_model, username: str, role: str | None, **flags):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, password=PASSWORD, **flags)
    if role:
        # the groups come from accounts migration 0001; a transactional test that ran earlier on the same
        # worker (live server, subprocess commands) flushes them, so they are recreated when missing
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def admin_user(db, django_user_model):
    """Replaces pytest-django's fixture of that name (which admin_client uses): a superuser, as there."""
    return _persona(django_user_model, "admin", "administrator", is_staff=True, is_superuser=True)


@pytest.fixture
def editor_user(db, django_user_model):
    return _persona(django_user_model, "editor-persona", "editor", is_staff=True)


@pytest.fixture
def researcher_user(db, django_user_model):
    return _persona(django_user_model, "researcher-persona", "researcher", is_staff=True)


@pytest.fixture
def volunteer_user(db, django_user_model):
    return _persona(django_user_model, "volunteer-persona", "volunteer", is_staff=True)


@pytest.fixture
def outsider_user(db, django_user_model):
    """Logged in, but in no role group: must be treated exactly like an anonymous visitor."""
    return _persona(django_user_model, "outsider-persona", None)


@pytest.fixture
def staff_user(db, django_user_model):
    """An editor (the role the older tests call "staff")."""
    return _persona(django_user_model, "editor", "editor", is_staff=True)


def login(client, user) -> None:
    """Log ``user`` in on ``client``, with the second factor marked done when two-factor exists."""
    client.force_login(user)
    try:
        from volia.accounts import twofactor  # type: ignore[attr-defined]
    except ImportError:
        return
    mark = getattr(twofactor, "mark_verified", None)
    if mark is not None:
        session = client.session
        mark(session)
        session.save()


@pytest.fixture
def client_for(db):
    """client_for(user) -> a fresh test client logged in as ``user`` (None: anonymous)."""
    from django.test import Client

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            login(client, user)
        return client

    return make


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a complete log-in, second factor included (staff need one:
    volia.accounts.middleware). Tests of the log-in itself use /accounts/login/ or `client.login()`."""
    from django.test import Client

    from volia.accounts import twofactor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        twofactor.mark_verified(session, user)
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
