"""Export jobs survive a worker killed mid-render and a broker that is down when they are started."""

import datetime as dt

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


@pytest.fixture
def broker_down():
    """This process's Celery app pointed at a port where nothing listens (not eager)."""
    from loi_portal.celery import app
    from tests.celery.test_worker import free_port, use_broker

    previous, eager = app.conf.broker_url, app.conf.task_always_eager
    use_broker(f"redis://127.0.0.1:{free_port()}/0")
    yield
    use_broker(previous)
    app.conf.task_always_eager = eager


def test_starting_an_export_with_the_broker_down_shows_the_page_and_beat_queues_it_later(
    client_for, eu_officer, broker_down, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(eu_officer).post(
            reverse("reporting:exports"), {"kind": "csv", "language": "en"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and f"job={job.pk}" in response["Location"]
    assert (job.status, job.enqueued_at) == (ExportStatus.QUEUED, None)
    assert "Could not queue export job" in caplog.text
    assert client_for(eu_officer).get(response["Location"]).status_code == 200

    # Beat, while the broker is still away: nothing handed over, nothing raised.
    later = job.created_at + services.REQUEUE_AFTER + dt.timedelta(seconds=1)
    assert services.requeue_waiting_exports(now=later) == 0

    # The broker is back: a job younger than a minute waits, an older one is queued once.
    queued = []
    monkeypatch.setattr("reporting.tasks.run_export_task.delay", queued.append)
    assert services.requeue_waiting_exports(now=job.created_at + dt.timedelta(seconds=30)) == 0
    assert services.requeue_waiting_exports(now=later) == 1
    assert queued == [job.pk]
    job.refresh_from_db()
    assert job.enqueued_at is not None
    assert services.requeue_waiting_exports(now=later + dt.timedelta(seconds=60)) == 0
    assert queued == [job.pk]


def test_beat_leaves_queued_jobs_alone_that_the_broker_took_and_finished_ones(eu_officer, monkeypatch):
    queued = []
    monkeypatch.setattr("reporting.tasks.run_export_task.delay", queued.append)
    taken = ExportJob.objects.create(kind="csv", requested_by=eu_officer)
    services.queue_export(taken.pk)
    finished = ExportJob.objects.create(kind="csv", requested_by=eu_officer, status=ExportStatus.FINISHED)
    later = finished.created_at + dt.timedelta(minutes=5)
    assert services.requeue_waiting_exports(now=later) == 0
    assert queued == [taken.pk]


def test_the_requeue_runs_on_beat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["requeue-exports"]
    assert (entry["task"], entry["schedule"]) == ("reporting.requeue_exports", 60.0)
    from reporting.tasks import requeue_exports_task

    assert requeue_exports_task.name == "reporting.requeue_exports"
