import json

from django.core.management.base import BaseCommand, CommandError

from volia.registry.services import log_access
from volia.security import backup

from ._common import cli_actor
from ._passphrase import read_passphrase


class Command(BaseCommand):
    help = ("Replace the database with a backup made by `volia backup`. Everything is checked first (decryption, "
            "SHA-256 of every file, format, migrations, database kind, keys); on any mismatch nothing is touched. "
            "Then the projections and the audit chains are checked.")

    def add_arguments(self, parser):
        parser.add_argument("backup_file")
        parser.add_argument("--passphrase-file", help="file holding the passphrase of an encrypted backup "
                                                      "(or set VOLIA_BACKUP_PASSPHRASE)")
        parser.add_argument("--restore-keys", action="store_true",
                            help="install encryption keys stored in the backup that the configuration lacks")
        parser.add_argument("--dry-run", action="store_true", help="only verify the backup")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        passphrase = read_passphrase(o["passphrase_file"], required=False)
        try:
            result = backup.restore(o["backup_file"], passphrase=passphrase, restore_keys=o["restore_keys"],
                                    dry_run=o["dry_run"])
        except backup.BackupError as exc:
            raise CommandError(f"{exc}") from exc
        m = result.manifest
        if not o["dry_run"]:
            # written after the restore, so the restored database itself records that it was restored
            log_access(cli_actor(), "restore", {"file": o["backup_file"], "backup_made": m["created_at"],
                                                "ok": result.ok}, row_count=sum(m["row_counts"].values()))
        if o["json"]:
            self.stdout.write(json.dumps({"ok": result.ok, "dry_run": o["dry_run"], "manifest": m,
                                          "keys_installed": str(result.keys_installed or ""),
                                          "projection_problems": result.projection_problems,
                                          "audit_problems": result.audit_problems}, indent=2))
        else:
            verb = "verified" if o["dry_run"] else "restored"
            self.stdout.write(f"{o['backup_file']}: {verb} ({m['database']}, made {m['created_at']} by Volia "
                              f"{m['volia_version']}, {m['row_counts'].get('registry_person', 0)} people)")
            if result.keys_installed:
                self.stdout.write(f"encryption keys added to {result.keys_installed}")
            for p in result.projection_problems[:20] + result.audit_problems:
                self.stdout.write(f"problem: {p}")
            if not o["dry_run"]:
                self.stdout.write("check: ok" if result.ok else "check: PROBLEMS (see above)")
        if not result.ok:
            raise CommandError("the restored database fails its checks", returncode=1)
