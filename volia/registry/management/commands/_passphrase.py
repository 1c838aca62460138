"""The passphrase of an encrypted backup: from a file, or from VOLIA_BACKUP_PASSPHRASE (never an argument,
which other users could read in the process list)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import CommandError


def read_passphrase(path: str | None, *, required: bool) -> bytes | None:
    if path:
        try:
            value = Path(path).read_bytes().strip()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the passphrase file: {exc.strerror}") from exc
        if not value:
            raise CommandError(f"{path}: the passphrase file is empty")
        return value
    env = os.environ.get("VOLIA_BACKUP_PASSPHRASE", "")
    if env:
        return env.encode("utf-8")
    if required:
        raise CommandError("--encrypt needs a passphrase: set VOLIA_BACKUP_PASSPHRASE or give --passphrase-file")
    return None
