"""The `volia` command: Django's management commands under friendlier names.

`volia import FILE` runs the `import_events` command, `volia check` runs `check_projections`
(Django's own system check stays reachable as `volia django-check`). Before any command but
`migrate` the database schema is created or brought up to date, so a new data directory
needs no set-up step.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ALIASES = {
    "import": "import_events",
    "check": "check_projections",
    "django-check": "check",
    "search-index": "search_index",
    "rotate-key": "rotate_key",
}
NO_AUTO_MIGRATE = {"migrate", "makemigrations", "help", "--help", "-h", "version", "--version", "check",
                   "sqlmigrate", "showmigrations"}

USAGE = """usage: volia COMMAND [options]   (volia COMMAND --help for details)

commands:
  demo       create the demo database (synthetic data), then serve it locally
  serve      serve the web app with a production server (gunicorn)
  import     import a file of events (canonical CSV/JSONL, or any layout with --mapping)
  export     write all current events in the canonical format
  rebuild    recompute every derived projection from the events
  check      verify that stored projections equal a full rebuild
  migrate    create or update the database schema
  history    show the audit history of a person or event
  search     find people by any spelling of a name (--json, --limit N)
  search-index rebuild|check   rewrite or verify the name search index
  audit      audit verify: check the hash-chained audit trail; audit show KEY: a person's history
  backup     write a consistent, verifiable snapshot of the database (optionally encrypted)
  restore    replace the database with a verified backup, then check it
  rotate-key re-encrypt restricted fields under the first configured encryption key
  link       propose duplicates: link --within (inside the registry) or link FILE (preview an import)
  review     the linkage review queue (--json; --accept ID / --reject ID --reason)
  merge      merge B into A keeping every name, event and source (reversible: unmerge MERGE_ID)
  user       staff accounts: user add NAME --role ROLE, user role|password|disable|reset-2fa, user list
  publish    write the public site as static files plus open data (datapackage.json) for mirrors
  estimate   estimate how many people no list documents (capture table file, or --registry)
  stats      figures from the events: held, series, flows, remitted, durations, incommunicado...
  createsuperuser, changepassword, shell, dbshell ... any Django management command
"""


def ensure_schema() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("help", "-h", "--help"):
        print(USAGE)
        return
    if argv[0] in ("version", "--version"):
        from volia import __version__

        print(__version__)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volia.settings")
    if argv[0] == "demo" and not os.environ.get("VOLIA_DATABASE_URL"):
        # the demo never mixes synthetic people into the real database
        data_dir = Path(os.environ.get("VOLIA_DATA_DIR", Path.cwd() / "volia-data")).resolve()
        os.environ["VOLIA_DATABASE_URL"] = f"sqlite:///{data_dir / 'demo.sqlite3'}"
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    command = ALIASES.get(argv[0], argv[0])
    file_only = argv[0] == "estimate" and "--registry" not in argv  # reads a capture table, not the registry
    if argv[0] not in NO_AUTO_MIGRATE and not file_only:
        ensure_schema()
    execute_from_command_line(["volia", command, *argv[1:]])


if __name__ == "__main__":
    main()
