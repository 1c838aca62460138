#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is not answering, and create the test role's database.
set -euo pipefail
host=${PGHOST:-127.0.0.1}
if ! pg_isready -q -h "$host" -p 5432; then
    echo "starting PostgreSQL..." >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h "$host" -p 5432 && break; sleep 1; done
fi
pg_isready -h "$host" -p 5432 >&2
