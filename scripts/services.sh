#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer at their local addresses before the tests, starting them
# when they are installed but stopped, and failing with a clear message when they are absent.
set -uo pipefail
PGHOST=${PGHOST:-127.0.0.1}
pg_up() { pg_isready -h "$PGHOST" -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "Starting PostgreSQL…"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    fi
    pg_up || { echo "PostgreSQL is not running on $PGHOST:5432 and could not be started. Install it (apt-get install postgresql) or set DATABASE_URL." >&2; exit 1; }
fi
if ! redis_up; then
    if command -v redis-server >/dev/null; then
        echo "Starting Redis…"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
        for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
    fi
    redis_up || { echo "Redis is not running on 127.0.0.1:6379 and could not be started. Install it (apt-get install redis-server)." >&2; exit 1; }
fi
# The application database (the tests create their own test_ database beside it).
psql -h "$PGHOST" -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'loi_portal'" | grep -q 1 \
    || psql -h "$PGHOST" -U postgres -qc "CREATE DATABASE loi_portal" >/dev/null
exit 0
