"""Relatives' and lawyers' contacts: restricted, encrypted at rest, found by phone through a keyed hash.

The database holds only ciphertext and `phone_hash`, an HMAC-SHA256 of the normalised phone
number under a key derived from the encryption key: an exact lookup works, while somebody
with a copy of the database alone can neither read the numbers nor test a guess against them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from volia.registry import services
from volia.registry.models import Person, PersonContact
from volia.security import crypto

FIELDS = ("relation", "name", "phone", "address", "note")


@transaction.atomic
def add_contact(person: Person, *, actor: services.Actor, reason: str = "", expected_version: int | None = None,
                relation: str = "", name: str = "", phone: str = "", address: str = "",
                note: str = "") -> PersonContact:
    values = {"relation": relation.strip(), "name": name.strip(), "phone": phone.strip(),
              "address": address.strip(), "note": note.strip()}
    if not (values["name"] or values["phone"] or values["address"]):
        raise ValidationError("a contact needs at least a name, a phone or an address")
    if values["phone"] and len(crypto.normalise_phone(values["phone"])) < 5:
        raise ValidationError({"phone": f"not a phone number: {values['phone']!r}"})
    version = services.lock_person(person, expected_version)
    contact = PersonContact.objects.create(person=person, phone_hash=phone_hash(values["phone"]), **values)
    # the audit trail is not encrypted: it says which fields were given, never their values
    services.record_audit(actor, "add_contact", contact, person=person, reason=reason,
                          changes={"fields": sorted(f for f, v in values.items() if v)})
    person.version = version
    return contact


def phone_hash(phone: str) -> str:
    digits = crypto.normalise_phone(phone)
    return crypto.keyring().lookup_hash(digits) if digits else ""


def contacts_with_phone(phone: str, *, actor: services.Actor) -> QuerySet[PersonContact]:
    """Contacts with this phone number (any spelling of it); the lookup is written to the access log."""
    digits = crypto.normalise_phone(phone)
    if not digits:
        raise ValidationError({"phone": f"not a phone number: {phone!r}"})
    found = PersonContact.objects.filter(phone_hash__in=crypto.keyring().lookup_hashes(digits))
    ids = list(found.values_list("id", flat=True))
    services.log_access(actor, "contact.lookup_phone", {"contacts": ids}, row_count=len(ids))
    return PersonContact.objects.filter(id__in=ids).select_related("person")
