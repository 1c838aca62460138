"""`EncryptedTextField`: a text column whose stored value is encrypted (volia.security.crypto).

The empty string is stored as it is (a blank note is not a secret, and `blank=True` forms keep
working); anything else is stored as `v1:<key id>:<token>`. The database cannot compare or
search the plaintext: filter such columns only on emptiness, or through a keyed lookup hash
column (see PersonContact.phone_hash).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from volia.security import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("exact", "isnull", "in"):
            return None  # a "contains" on ciphertext would silently match nothing
        return super().get_lookup(lookup_name)
