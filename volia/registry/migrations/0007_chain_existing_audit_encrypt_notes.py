"""Link the audit entries written before the chain existed into it, and encrypt existing notes.

The hash below is frozen here (format v1 of volia.security.audit_chain) so that this migration
keeps computing what it computed when it was written, whatever later code does. Encrypting needs
the configured key ring, so that one piece of app code (volia.security.crypto) is imported.
"""

import datetime as dt
import hashlib
import json

from django.db import migrations


def _hash(content: dict, prev: str) -> str:
    canonical = json.dumps({"content": content, "prev": prev}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_existing(apps, schema_editor):
    AuditEntry = apps.get_model("registry", "AuditEntry")
    ChainHead = apps.get_model("registry", "ChainHead")
    seq, prev = 0, ""
    batch = []
    for e in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        e.changes = json.loads(json.dumps(e.changes, ensure_ascii=False, default=str))
        content = {"seq": seq, "at": e.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                   "actor": e.actor, "user": e.user_id, "action": e.action, "object_type": e.object_type,
                   "object_id": e.object_id, "person": e.person_id, "changes": e.changes, "reason": e.reason}
        e.seq, e.prev_hash = seq, prev
        e.hash = prev = _hash(content, prev)
        batch.append(e)
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_update(batch, ["seq", "prev_hash", "hash", "changes"])
            batch = []
    AuditEntry.objects.bulk_update(batch, ["seq", "prev_hash", "hash", "changes"])
    ChainHead.objects.update_or_create(chain="audit", defaults={"seq": seq, "hash": prev})
    ChainHead.objects.get_or_create(chain="access")


def encrypt_notes(apps, schema_editor):
    from volia.security import crypto

    conn = schema_editor.connection
    with conn.cursor() as cur:
        cur.execute("SELECT id, notes FROM registry_person WHERE notes <> ''")
        rows = [(pid, notes) for pid, notes in cur.fetchall() if not crypto.is_encrypted(notes)]
        if rows:
            ring = crypto.keyring()
            cur.executemany("UPDATE registry_person SET notes = %s WHERE id = %s",
                            [(ring.encrypt(notes), pid) for pid, notes in rows])


def decrypt_notes(apps, schema_editor):
    from volia.security import crypto

    conn = schema_editor.connection
    with conn.cursor() as cur:
        cur.execute("SELECT id, notes FROM registry_person WHERE notes <> ''")
        rows = [(pid, notes) for pid, notes in cur.fetchall() if crypto.is_encrypted(notes)]
        if rows:
            ring = crypto.keyring()
            cur.executemany("UPDATE registry_person SET notes = %s WHERE id = %s",
                            [(ring.decrypt(notes), pid) for pid, notes in rows])


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0006_audit_chain_access_log_contacts"),
    ]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(encrypt_notes, decrypt_notes),
    ]
