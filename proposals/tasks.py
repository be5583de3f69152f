"""Celery tasks of the proposals: thin wrappers around the proposals' services."""

from celery import shared_task

from .reminders import send_deadline_reminders


@shared_task(name="proposals.send_deadline_reminders", ignore_result=True)
def send_deadline_reminders_task() -> int:
    """Beat, every few minutes: the 7-day, 24-hour and 1-hour reminders of unsubmitted drafts."""
    return send_deadline_reminders()
