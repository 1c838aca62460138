import json

from django.core.management.base import BaseCommand, CommandError

from volia.registry.services import log_access
from volia.security import crypto, rotation

from ._common import cli_actor


class Command(BaseCommand):
    help = ("Re-encrypt every encrypted value (person notes, contacts) under the FIRST configured key, in one "
            "transaction. Procedure: put a new key first in VOLIA_ENCRYPTION_KEY / the key file, keeping the old "
            "ones after it; run this; then remove the old keys (docs/security.md).")

    def add_arguments(self, parser):
        parser.add_argument("--generate-key", action="store_true", help="print a new random key and exit")
        parser.add_argument("--status", action="store_true",
                            help="only show how many values each key encrypts")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        if o["generate_key"]:
            self.stdout.write(crypto.generate_key())
            return
        try:
            ring = crypto.keyring()
            if o["status"]:
                usage = rotation.key_usage()
                result: dict = {"active_key": ring.active.id, "configured_keys": list(ring.by_id), "usage": usage}
            else:
                report = rotation.rotate(ring)
                usage = rotation.key_usage()
                result = {**report.as_dict(), "configured_keys": list(ring.by_id), "usage": usage}
                log_access(cli_actor(), "rotate_key", {"active_key": ring.active.id, "reencrypted": report.reencrypted})
        except crypto.CryptoError as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            if not o["status"]:
                self.stdout.write(f"{result['reencrypted']} value(s) re-encrypted under key {ring.active.id}, "
                                  f"{result['already_current']} already were; {result['lookup_hashes']} phone "
                                  f"lookup hash(es) recomputed")
            for kid, n in sorted(usage.items()):
                mark = " (active)" if kid == ring.active.id else ""
                self.stdout.write(f"key {kid}{mark}: {n} value(s)")
            stale = [k for k in ring.by_id if k != ring.active.id and usage.get(k)]
            if not o["status"] and not stale:
                others = [k for k in ring.by_id if k != ring.active.id]
                if others:
                    self.stdout.write(f"no value needs key(s) {', '.join(others)} any more: remove them from the "
                                      f"configuration (keep a copy while backups made before now are kept)")
