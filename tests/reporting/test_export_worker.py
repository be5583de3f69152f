"""A real worker killed (SIGKILL) while it renders an export: the same task is delivered again at once
(``reject_on_worker_lost``) to the worker's new process, which runs the job to the end, once.

The worker consumes from its own throw-away ``redis-server`` on a free port (``own_redis``), so no
other run's queue is touched; it reads the test database, so the test commits."""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from loi_portal.models import AuditEntry
from reporting import services
from reporting.enums import ExportStatus
from reporting.models import ExportJob
from tests.celery.test_worker import CELERY, ROOT, Worker, own_redis, wait_for  # noqa: F401 - own_redis is a fixture
from tests.factories import make_call, make_user
from tests.reporting.helpers import make_project

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Prefork(Worker):
    """One pool process under a parent: killing the pool process is the worker lost mid-task."""

    def start(self) -> "Prefork":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "loi_portal",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"loi-export-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(lambda: " ready." in self.log(), timeout=60, what="the worker to be ready")
        return self

    def env(self) -> dict[str, str]:
        from django.conf import settings

        return {**super().env(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}  # the test's own folder

    def pool_processes(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []


@pytest.fixture
def worker(own_redis, tmp_path):  # noqa: F811 - the fixture imported above
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    started = Prefork(own_redis["url"], mail_dir, tmp_path / "worker.log").start()
    yield started
    started.stop()


def _job(pk) -> ExportJob:
    return ExportJob.objects.get(pk=pk)


def test_an_export_whose_worker_is_killed_mid_render_completes_once_in_the_new_worker_process(worker):
    officer = make_user("EU", "officer")
    for _ in range(3):  # enough content for a render that takes a moment
        make_project(officer=officer, call=make_call(state="awarded"))
    [first_process] = worker.pool_processes()

    job = services.start_export("jstcc", by=officer, language="ja")
    wait_for(lambda: _job(job.pk).status == ExportStatus.RUNNING, interval=0.01, what="the render to start")
    os.kill(first_process, signal.SIGKILL)
    claimed = _job(job.pk)
    assert claimed.status == ExportStatus.RUNNING and claimed.task_id

    wait_for(lambda: _job(job.pk).status == ExportStatus.FINISHED, timeout=90, what="the job to finish")
    finished = _job(job.pk)
    log = worker.log()
    assert "WorkerLostError" in log or "SIGKILL" in log, log
    assert first_process not in worker.pool_processes()
    # The redelivered message is the same task: it took over its own claim.
    assert finished.task_id == claimed.task_id
    assert (finished.progress, finished.error) == (100, "")
    with finished.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"
    time.sleep(1)  # a second delivery, were there one, would have finished by now
    assert AuditEntry.objects.filter(action="export.finish", object_id=str(job.pk)).count() == 1
    assert worker.succeeded("reporting.run_export") == 1
