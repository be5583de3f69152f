#!/usr/bin/env bash
# Installs the Debian packages the portal uses when they are missing: Pango for WeasyPrint, the
# IPAex font for Japanese PDFs, Chromium for the browser tests, poppler for reading PDFs back,
# the PostgreSQL client (pg_dump, pg_restore) for backups, docker-compose to check the compose file.
set -euo pipefail
needed=()
[ -e /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0 ] || [ -e /usr/lib/aarch64-linux-gnu/libpango-1.0.so.0 ] || needed+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi ipaex || needed+=(fonts-ipaexfont)
[ -x /usr/bin/chromium ] || needed+=(chromium)
command -v pdftotext >/dev/null || needed+=(poppler-utils)
command -v msgfmt >/dev/null || needed+=(gettext)
command -v pg_dump >/dev/null || needed+=(postgresql-client)  # manage.py backup/restore
command -v npm >/dev/null || needed+=(npm)  # axe-core for the browser tests
command -v docker-compose >/dev/null || needed+=(docker-compose)  # checks docker-compose.yml (no engine needed)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${needed[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
else
    echo "Missing system packages: ${needed[*]}" >&2
    echo "Install them with: sudo apt-get install ${needed[*]}" >&2
    exit 1
fi
