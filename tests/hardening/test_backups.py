"""`backup` and `restore`: a backup restored into an empty database holds every submitted proposal
with the same SHA-256, and every submitted annex file with the same SHA-256."""

import hashlib
import json
import os
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from loi_portal.models import content_hash
from proposals import services
from proposals.models import Annex, Submission
from tests.factories import make_call, make_user
from tests.proposals.conftest import ready

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(dbname: str):
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def _url(dbname: str) -> str:
    p = connection.settings_dict
    auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
    return f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{dbname}"


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"test_loi_restore_{os.getpid()}"
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def submitted(db):
    """Three proposals submitted through the service, one of them twice."""
    call = make_call()
    researcher = make_user("EU", "researcher")
    proposals = [ready(call, researcher, acronym=f"QB{n}", pi_suffix=str(n)) for n in range(3)]
    for proposal in proposals:
        services.submit_proposal(proposal, by=researcher)
    services.submit_proposal(proposals[0], by=researcher)
    return {s.pk: s.sha256 for s in Submission.objects.all()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_restores_into_an_empty_database_with_matching_hashes(
    submitted, empty_database, tmp_path, settings
):
    assert len(submitted) == 4
    annex_hashes = {a.file.name: a.sha256 for a in Annex.objects.filter(submissions__isnull=False)}
    assert len(annex_hashes) == 3

    backup = tmp_path / "backup"
    call_command("backup", output=str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["sha256"] == _sha256(backup / "database.dump")
    assert manifest["media"]["sha256"] == _sha256(backup / "media.tar")

    restored_media = tmp_path / "restored-media"
    call_command("restore", str(backup), database_url=_url(empty_database), media_root=str(restored_media))

    with _connect(empty_database) as conn:
        rows = conn.execute("SELECT id, snapshot, sha256 FROM proposals_submission").fetchall()
        files = conn.execute(
            "SELECT a.file, a.sha256 FROM proposals_annex a "
            "JOIN proposals_submission_annexes sa ON sa.annex_id = a.id"
        ).fetchall()
    assert {pk: sha for pk, _snapshot, sha in rows} == submitted
    assert all(content_hash(snapshot) == sha for _pk, snapshot, sha in rows)
    assert dict(files) == annex_hashes
    for name, sha in annex_hashes.items():
        assert _sha256(restored_media / name) == sha


def test_restore_refuses_a_database_that_is_not_empty(submitted, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", output=str(backup))
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(backup), database_url=_url(connection.settings_dict["NAME"]))


def test_restore_refuses_a_damaged_backup(db, empty_database, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", output=str(backup))
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    with pytest.raises(CommandError, match="does not match its SHA-256"):
        call_command("restore", str(backup), database_url=_url(empty_database))
    with _connect(empty_database) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
            == 0
        )


def test_backup_refuses_a_folder_that_is_not_empty(db, tmp_path):
    (tmp_path / "old.txt").write_text("an earlier backup")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=str(tmp_path))
