"""``python manage.py backup --output DIR``: the database (pg_dump, custom format), the uploaded files
(a tar of MEDIA_ROOT) and a manifest with the SHA-256 of both. ``restore DIR`` puts them back."""

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

MANIFEST = "manifest.json"
DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar"
FORMAT_VERSION = 1


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def libpq_env(params: dict) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore/psql as libpq environment variables (the password
    never appears on a command line)."""
    env = dict(os.environ)
    mapping = {
        "HOST": "PGHOST",
        "PORT": "PGPORT",
        "USER": "PGUSER",
        "PASSWORD": "PGPASSWORD",
        "NAME": "PGDATABASE",
    }
    for key, variable in mapping.items():
        if params.get(key):
            env[variable] = str(params[key])
    return env


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} was not found on the PATH: install the PostgreSQL client (postgresql-client)."
        )
    return path


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into DIR, with a manifest of SHA-256 checksums."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Folder to write the backup into (new or empty).")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, output, database, **options):
        target = Path(output)
        if target.exists() and any(target.iterdir()):
            raise CommandError(f"{target} is not empty: choose a new folder for each backup.")
        target.mkdir(parents=True, exist_ok=True)
        params = connections[database].settings_dict
        if params["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(
                "backup needs PostgreSQL (pg_dump); the SQLite demo database is a single file."
            )

        dump = target / DATABASE_FILE
        result = subprocess.run(  # noqa: S603 - a fixed program from the PATH, no shell
            [require_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"],
            env=libpq_env(params),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")

        manifest = {
            "format": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": {"file": DATABASE_FILE, "sha256": sha256_of(dump), "size": dump.stat().st_size},
            "media": None,
        }
        if isinstance(default_storage, FileSystemStorage):
            archive = target / MEDIA_FILE
            media_root = Path(settings.MEDIA_ROOT)
            count = 0
            with tarfile.open(archive, "w") as tar:
                if media_root.is_dir():
                    for path in sorted(media_root.rglob("*")):
                        if path.is_file():
                            tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                            count += 1
            manifest["media"] = {
                "file": MEDIA_FILE,
                "sha256": sha256_of(archive),
                "size": archive.stat().st_size,
                "files": count,
            }
        else:
            self.stderr.write(
                "Uploaded files are in object storage: back up the bucket with its own tools (versioning "
                "or replication); this backup holds the database only."
            )
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        media_note = f", {manifest['media']['files']} uploaded files" if manifest["media"] else ""
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}{media_note}."))
