"""``python manage.py restore DIR``: checks the backup's SHA-256 checksums, restores the database into
an EMPTY PostgreSQL database (DATABASE_URL or --database-url; --force replaces a non-empty one) and
the uploaded files into MEDIA_ROOT, then checks every submission's snapshot against its SHA-256."""

import json
import subprocess
import tarfile
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loi_portal.models import content_hash

from .backup import DATABASE_FILE, MANIFEST, libpq_env, require_tool, sha256_of

USER_TABLES = """
    SELECT count(*) FROM information_schema.tables
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
"""


def verify_backup(folder: Path) -> dict:
    """The manifest, once every file it names matches its SHA-256; raises CommandError otherwise."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise CommandError(f"{folder} holds no {MANIFEST}: is it a backup folder?")
    manifest = json.loads(manifest_path.read_text())
    for part in ("database", "media"):
        entry = manifest.get(part)
        if entry is None:
            continue
        path = folder / entry["file"]
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise CommandError(
                f"{path.name} is missing or does not match its SHA-256: the backup is damaged."
            )
    return manifest


def connection_params(url: str) -> dict:
    params = dj_database_url.parse(url)
    if params["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("restore needs a PostgreSQL database URL.")
    return params


def _connect(params: dict):
    return psycopg.connect(
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        dbname=params["NAME"],
        autocommit=True,
    )


def check_submissions(params: dict, media_root: Path | None) -> tuple[int, int]:
    """(submissions, annex files) checked in the restored database; raises on any mismatch."""
    with _connect(params) as conn:
        submissions = conn.execute("SELECT id, snapshot, sha256 FROM proposals_submission").fetchall()
        bad = [pk for pk, snapshot, sha in submissions if content_hash(snapshot) != sha]
        annexes = conn.execute(
            "SELECT DISTINCT a.id, a.file, a.sha256 FROM proposals_annex a "
            "JOIN proposals_submission_annexes sa ON sa.annex_id = a.id"
        ).fetchall()
    if bad:
        raise CommandError(f"Submissions whose snapshot does not match its SHA-256: {bad}")
    if media_root is None:
        return len(submissions), 0
    missing = [
        name
        for _pk, name, sha in annexes
        if not (media_root / name).is_file() or sha256_of(media_root / name) != sha
    ]
    if missing:
        raise CommandError(f"Annex files missing or changed after the restore: {missing}")
    return len(submissions), len(annexes)


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The backup folder (with manifest.json).")
        parser.add_argument("--database-url", help="Target database (default: the DATABASE_URL setting).")
        parser.add_argument("--media-root", help="Where the uploaded files go (default: MEDIA_ROOT).")
        parser.add_argument(
            "--force", action="store_true", help="Replace the objects of a database that is not empty."
        )

    def handle(self, *args, folder, database_url=None, media_root=None, force=False, **options):
        source = Path(folder)
        manifest = verify_backup(source)
        params = connection_params(database_url) if database_url else self._default_params()

        with _connect(params) as conn:
            tables = conn.execute(USER_TABLES).fetchone()[0]
        if tables and not force:
            raise CommandError(
                f"The database {params['NAME']} is not empty ({tables} tables). Restore into a new, empty "
                "database, or pass --force to replace what it holds."
            )
        command = [require_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        if tables:
            command += ["--clean", "--if-exists"]
        result = subprocess.run(  # noqa: S603 - a fixed program from the PATH, no shell
            [*command, f"--dbname={params['NAME']}", str(source / DATABASE_FILE)],
            env=libpq_env(params),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")

        target_media = None
        if manifest.get("media"):
            target_media = Path(media_root or settings.MEDIA_ROOT)
            target_media.mkdir(parents=True, exist_ok=True)
            with tarfile.open(source / manifest["media"]["file"]) as tar:
                tar.extractall(target_media, filter="data")  # refuses absolute paths and ../ escapes

        submissions, annexes = check_submissions(params, target_media)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored into {params['NAME']}: {submissions} submissions and {annexes} submitted annexes "
                "match their SHA-256."
            )
        )

    @staticmethod
    def _default_params() -> dict:
        params = dict(settings.DATABASES["default"])
        if params["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("restore needs PostgreSQL.")
        return params
