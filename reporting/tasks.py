"""Thin Celery wrappers around reporting's services."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    bind=True,
    name="reporting.run_export",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
)
def run_export_task(self, job_id: int) -> None:
    """Generate an export; a finished job is not redone. The task id lets the same message, delivered
    again after its worker died, take over its own running job."""
    services.run_export(job_id, task_id=self.request.id or "")


@shared_task(name="reporting.requeue_exports", ignore_result=True)
def requeue_exports_task() -> int:
    """Beat, every minute: hand over again the export jobs whose message never reached the broker."""
    return services.requeue_waiting_exports()
