import json

from django.core.management.base import BaseCommand, CommandError

from volia.registry.services import log_access
from volia.security import backup

from ._common import cli_actor
from ._passphrase import read_passphrase


class Command(BaseCommand):
    help = ("Write a consistent snapshot of the database to OUT (one tar file with a manifest of SHA-256 hashes, "
            "version, migrations and row counts). Encryption keys are left out unless --include-keys (which "
            "needs --encrypt). See docs/security.md, \"Backups\".")

    def add_arguments(self, parser):
        parser.add_argument("out", help="the backup file to create (never overwritten)")
        parser.add_argument("--encrypt", action="store_true",
                            help="encrypt the backup (passphrase from VOLIA_BACKUP_PASSPHRASE or --passphrase-file)")
        parser.add_argument("--passphrase-file", help="file holding the passphrase for --encrypt")
        parser.add_argument("--include-keys", action="store_true",
                            help="also store the encryption keys of the data (only in an encrypted backup)")
        parser.add_argument("--json", action="store_true", help="print the manifest as JSON")

    def handle(self, *args, **o):
        passphrase = read_passphrase(o["passphrase_file"], required=o["encrypt"]) if o["encrypt"] else None
        try:
            result = backup.create(o["out"], passphrase=passphrase, include_keys=o["include_keys"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        # a backup is an export of everything: it goes to the access log
        log_access(cli_actor(), "backup", {"file": str(result.path), "encrypted": m["encrypted"],
                                           "keys_included": m["keys_included"], "database": m["database"]},
                   row_count=sum(m["row_counts"].values()))
        if o["json"]:
            self.stdout.write(json.dumps({"file": str(result.path), "size": result.size, "manifest": m}, indent=2))
            return
        people = m["row_counts"].get("registry_person", 0)
        events = m["row_counts"].get("registry_event", 0)
        self.stdout.write(f"{result.path}: {result.size} bytes, {m['database']} snapshot of {people} people and "
                          f"{events} events" + (", encrypted" if m["encrypted"] else "")
                          + (", with the encryption keys" if m["keys_included"] else ""))
