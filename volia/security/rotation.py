"""Re-encrypt every encrypted value under the active key (`volia rotate-key`).

All in one transaction: either every value moves to the active key (and every phone lookup hash
is recomputed under it), or nothing changes. Old keys stay configured until this has run, so
every value stays readable throughout; afterwards `key_usage()` shows that no value needs them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction

from volia.security import crypto
from volia.security.fields import EncryptedTextField


@dataclass
class RotationReport:
    active_key: str
    reencrypted: int = 0
    already_current: int = 0
    lookup_hashes: int = 0
    by_column: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"active_key": self.active_key, "reencrypted": self.reencrypted,
                "already_current": self.already_current, "lookup_hashes": self.lookup_hashes,
                "by_column": self.by_column}


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every EncryptedTextField of every installed model."""
    return sorted((m._meta.db_table, f.column) for m in apps.get_models() for f in m._meta.concrete_fields
                  if isinstance(f, EncryptedTextField))


def _stored(cur, table: str, column: str) -> list[tuple[int, str]]:
    qn = connection.ops.quote_name
    cur.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")  # noqa: S608 - model names
    return cur.fetchall()


def key_usage() -> dict[str, int]:
    """How many stored values each key id encrypts (a value not in the format counts as "unencrypted")."""
    usage: Counter[str] = Counter()
    with connection.cursor() as cur:
        for table, column in encrypted_columns():
            for _, value in _stored(cur, table, column):
                usage[crypto.parse(value)[0] if crypto.is_encrypted(value) else "unencrypted"] += 1
    return dict(usage)


@transaction.atomic
def rotate(ring: crypto.KeyRing | None = None) -> RotationReport:
    ring = ring or crypto.keyring()
    report = RotationReport(active_key=ring.active.id)
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        for table, column in encrypted_columns():
            updates = []
            for pk, value in _stored(cur, table, column):
                if crypto.parse(value)[0] == ring.active.id:
                    report.already_current += 1
                    continue
                updates.append((ring.encrypt(ring.decrypt(value)), pk))
            if updates:
                cur.executemany(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s", updates)  # noqa: S608
            report.reencrypted += len(updates)
            report.by_column[f"{table}.{column}"] = len(updates)
        # the lookup hashes are keyed by the active key too
        from volia.registry.models import PersonContact

        cur.execute(f"SELECT id, phone FROM {qn(PersonContact._meta.db_table)} WHERE phone <> ''")  # noqa: S608
        hashes = [(ring.lookup_hash(crypto.normalise_phone(ring.decrypt(phone))), pk) for pk, phone in cur.fetchall()]
        cur.executemany(f"UPDATE {qn(PersonContact._meta.db_table)} SET phone_hash = %s WHERE id = %s",  # noqa: S608
                        hashes)
        report.lookup_hashes = len(hashes)
    return report
