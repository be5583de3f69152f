"""Export jobs survive a worker killed mid-render and a broker that is down when they are started."""

import pytest

from reporting import services
from reporting.enums import ExportStatus
from reporting.models import ExportJob

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the service may catch it or write afterwards."""


@pytest.fixture
def builds(monkeypatch):
    """Counts the renders; the first one listed as ``kill`` dies half-way."""
    calls = {"count": 0, "kill": 0}

    def build(kind, *, language, progress=None):
        calls["count"] += 1
        progress(40)
        if calls["kill"]:
            calls["kill"] -= 1
            raise WorkerKilled
        return b"Calls;Proposals\n"

    monkeypatch.setattr("reporting.services.build_export", build)
    return calls


def test_a_redelivered_task_reruns_the_job_its_killed_worker_left_running(eu_officer, builds):
    job = ExportJob.objects.create(kind="csv", language="en", requested_by=eu_officer)
    builds["kill"] = 1
    with pytest.raises(WorkerKilled):
        services.run_export(job.pk, task_id="task-1")
    job.refresh_from_db()
    assert (job.status, job.task_id, job.progress) == (ExportStatus.RUNNING, "task-1", 40)

    # A duplicate message (another task id) leaves the fresh claim alone.
    services.run_export(job.pk, task_id="task-2")
    job.refresh_from_db()
    assert (job.status, builds["count"]) == (ExportStatus.RUNNING, 1)

    # The same task delivered again (reject_on_worker_lost) runs the job to the end.
    services.run_export(job.pk, task_id="task-1")
    job.refresh_from_db()
    assert (job.status, job.progress, builds["count"]) == (ExportStatus.FINISHED, 100, 2)
    with job.file.open("rb") as stored:
        assert stored.read() == b"Calls;Proposals\n"
    finished = (job.file.name, job.finished_at)

    # Once finished, neither message does anything again.
    for task_id in ("task-1", "task-2"):
        services.run_export(job.pk, task_id=task_id)
    job.refresh_from_db()
    assert ((job.file.name, job.finished_at), builds["count"]) == (finished, 2)


def test_the_task_passes_its_own_id(eu_officer, builds):
    from reporting.tasks import run_export_task

    job = ExportJob.objects.create(kind="csv", language="en", requested_by=eu_officer)
    run_export_task.apply(args=[job.pk], task_id="abc-123")
    job.refresh_from_db()
    assert (job.status, job.task_id) == (ExportStatus.FINISHED, "abc-123")
