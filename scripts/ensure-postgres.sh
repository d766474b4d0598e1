#!/usr/bin/env bash
# The PostgreSQL run needs a server on ${PGHOST:-127.0.0.1}:${PGPORT:-5432}. Start the local cluster
# if it is installed but stopped; install Debian's postgresql if it is missing (as root).
set -euo pipefail
host=${PGHOST:-127.0.0.1} port=${PGPORT:-5432}
ready() { .venv/bin/python -c "import psycopg,sys; psycopg.connect('postgres://${PGUSER:-postgres}@$host:$port/postgres', connect_timeout=3).close()" 2>/dev/null; }
ready && exit 0
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "PostgreSQL fehlt: installiere Debians Paket 'postgresql' …" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  conf=$(ls -d /etc/postgresql/*/main | head -1)
  # Local trust authentication for the test user, as on the CI machines.
  sed -i 's/^\(host\s\+all\s\+all\s\+127.0.0.1\/32\s\+\).*/\1trust/; s/^\(local\s\+all\s\+postgres\s\+\).*/\1trust/' "$conf/pg_hba.conf"
fi
version=$(ls /etc/postgresql | head -1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL auf $host:$port ist nicht erreichbar." >&2
exit 1
