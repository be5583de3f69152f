"""Thin Celery wrappers around reporting's services."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="reporting.run_export", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True
)
def run_export_task(job_id: int) -> None:
    """Generate an export; a finished job is not redone, so a redelivered message is harmless."""
    services.run_export(job_id)
