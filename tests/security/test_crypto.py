"""Encryption at rest: ciphertext in the database, key rotation, clear errors for a wrong key."""

import io
import json
import os
import stat

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from volia.registry import services
from volia.registry.models import AccessLog, AuditEntry, Person, PersonContact
from volia.security import contacts, crypto, rotation

NOTE = "Брат затрыманы разам з ім; тэлефон маці +375 29 765-43-21"


@pytest.fixture
def keys(monkeypatch):
    """Switch the configured keys: keys("k1"), keys("k2,k1")..."""
    made = {"k1": crypto.generate_key(), "k2": crypto.generate_key()}

    def use(spec: str) -> None:
        monkeypatch.setenv("VOLIA_ENCRYPTION_KEY", ",".join(made[k] for k in spec.split(",")))
        monkeypatch.delenv("VOLIA_ENCRYPTION_KEY_FILE", raising=False)
        crypto.reset()

    use("k1")
    yield use
    crypto.reset()


def raw_values(table: str, column: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
        return [r[0] for r in cur.fetchall()]


@pytest.fixture
def restricted(keys, make_person, actor):
    p = make_person("enc-1", "Алесь Сакрэт")
    services.update_person(p, {"notes": NOTE}, actor=actor, reason="from the family")
    c = contacts.add_contact(p, actor=actor, relation="маці", name="Ганна Сакрэт", phone="+375 (29) 765-43-21",
                             address="вул. Прыдуманая 7, Гомель", note="просіць не тэлефанаваць пасля 20:00")
    return p, c


def test_the_database_holds_only_ciphertext(restricted):
    person, contact = restricted
    stored = raw_values("registry_person", "notes")
    assert len(stored) == 1 and stored[0].startswith(f"v1:{crypto.keyring().active.id}:")
    assert "765" not in stored[0] and "Брат" not in stored[0]
    plain = ["маці", "Ганна Сакрэт", "+375 (29) 765-43-21", "Прыдуманая", "20:00"]
    for column in ("relation", "name", "phone", "address", "note"):
        (value,) = raw_values("registry_personcontact", column)
        assert crypto.is_encrypted(value) and not any(p in value for p in plain), column
    # and the ORM reads the plaintext back
    assert Person.objects.get(pk=person.pk).notes == NOTE
    again = PersonContact.objects.get(pk=contact.pk)
    assert (again.name, again.phone, again.relation) == ("Ганна Сакрэт", "+375 (29) 765-43-21", "маці")
    # the unencrypted audit trail says a contact was added, never its content
    entry = AuditEntry.objects.get(action="add_contact")
    assert entry.changes == {"fields": ["address", "name", "note", "phone", "relation"]}


def test_two_encryptions_of_one_value_differ(keys):
    assert crypto.encrypt("same") != crypto.encrypt("same")


def test_lookup_by_phone_in_any_spelling_is_logged(restricted, actor):
    _person, contact = restricted
    for spelling in ("+375297654321", "80297654321", "375 29 765 43 21"):
        assert [c.pk for c in contacts.contacts_with_phone(spelling, actor=actor)] == [contact.pk]
    assert list(contacts.contacts_with_phone("+375 29 000 00 00", actor=actor)) == []
    logged = AccessLog.objects.filter(action="contact.lookup_phone").order_by("seq")
    assert [e.row_count for e in logged] == [1, 1, 1, 0]
    assert "765" not in json.dumps([e.detail for e in logged])


def test_rotation_round_trip(restricted, keys):
    person, contact = restricted
    old_id = crypto.keyring().active.id
    keys("k2,k1")  # step 1: the new key first, the old one still there
    new_id = crypto.keyring().active.id
    assert Person.objects.get(pk=person.pk).notes == NOTE  # still readable before rotating
    assert [c.pk for c in contacts.contacts_with_phone("80297654321", actor=services.Actor("t"))] == [contact.pk]
    out = io.StringIO()
    call_command("rotate_key", "--json", stdout=out)  # step 2
    result = json.loads(out.getvalue())
    assert result["reencrypted"] == 6 and result["usage"] == {new_id: 6} and result["lookup_hashes"] == 1
    keys("k2")  # step 3: the old key removed
    assert Person.objects.get(pk=person.pk).notes == NOTE
    assert PersonContact.objects.get(pk=contact.pk).address == "вул. Прыдуманая 7, Гомель"
    assert [c.pk for c in contacts.contacts_with_phone("+375297654321", actor=services.Actor("t"))] == [contact.pk]
    assert all(v.split(":")[1] == new_id for v in raw_values("registry_personcontact", "name"))
    assert old_id != new_id
    # running it again changes nothing
    assert rotation.rotate().reencrypted == 0


def test_a_missing_key_is_a_clear_error_not_garbage(restricted, keys):
    person, _ = restricted
    kid = crypto.keyring().active.id
    keys("k2")
    with pytest.raises(crypto.MissingKeyError, match=f"encrypted under key id {kid}, which is not among"):
        Person.objects.get(pk=person.pk).notes  # noqa: B018
    with pytest.raises(CommandError, match=f"key id {kid}"):
        call_command("rotate_key", stdout=io.StringIO())


def test_an_altered_ciphertext_is_a_clear_error(restricted):
    person, _ = restricted
    (value,) = raw_values("registry_person", "notes")
    forged = value[:-8] + ("A" if value[-8] != "A" else "B") + value[-7:]
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_person SET notes = %s WHERE id = %s", [forged, person.pk])
    with pytest.raises(crypto.CryptoError, match="fails authentication"):
        Person.objects.get(pk=person.pk).notes  # noqa: B018


def test_plaintext_written_around_the_application_is_refused_on_read(restricted):
    person, _ = restricted
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_person SET notes = %s WHERE id = %s", ["plain text", person.pk])
    with pytest.raises(crypto.CryptoError, match="not in the encrypted format"):
        Person.objects.get(pk=person.pk).notes  # noqa: B018


def test_a_malformed_key_is_named(monkeypatch):
    monkeypatch.setenv("VOLIA_ENCRYPTION_KEY", "not-a-key")
    with pytest.raises(crypto.CryptoError, match=r"VOLIA_ENCRYPTION_KEY \(key 1\): not a valid encryption key"):
        crypto.load_keyring()


def test_a_generated_key_file_is_private(tmp_path, monkeypatch, settings):
    monkeypatch.delenv("VOLIA_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("VOLIA_ENCRYPTION_KEY_FILE", raising=False)
    settings.DATA_DIR = tmp_path
    ring = crypto.load_keyring()
    path = tmp_path / "encryption_keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert crypto.load_keyring().active.id == ring.active.id  # generated once, then reused
    monkeypatch.setenv("VOLIA_ENCRYPTION_KEY_FILE", str(path))
    assert crypto.load_keyring().active.id == ring.active.id


def test_contact_input_is_checked(keys, make_person, actor):
    p = make_person("enc-2", "Алесь Пусты")
    with pytest.raises(ValidationError, match="at least a name, a phone or an address"):
        contacts.add_contact(p, actor=actor, relation="lawyer")
    with pytest.raises(ValidationError, match="not a phone number"):
        contacts.add_contact(p, actor=actor, name="X", phone="call me")


def test_bulk_inserts_encrypt_too(keys, db):
    from django.utils import timezone

    from volia.registry import bulk

    now = timezone.now()
    bulk.insert(Person, ["key", "sex", "region", "visibility", "birth_precision", "notes", "version", "created_at",
                         "updated_at"], [("bulk-1", "", "", "internal", "", "secret bulk note", 1, now, now)])
    assert "secret" not in raw_values("registry_person", "notes")[0]
    assert Person.objects.get(key="bulk-1").notes == "secret bulk note"
