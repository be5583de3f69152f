"""Tasks of the framework: the outbox relay. Thin wrappers around ``loi_portal.notifications``."""

from celery import shared_task
from django.conf import settings

from .notifications import backoff, relay_outbox

# Well under the broker's visibility timeout, so a retry countdown is never redelivered early.
MAX_RETRY_COUNTDOWN = 15 * 60


@shared_task(name="loi_portal.relay_outbox", bind=True, max_retries=6, ignore_result=True)
def relay_outbox_task(self) -> int:
    """Send the due outbox messages; on a delivery error retry with exponential backoff. Safe to run
    twice and in parallel: each message is locked and marked sent in the transaction that sends it."""
    sent, error = relay_outbox()
    if error is not None:
        if settings.CELERY_TASK_ALWAYS_EAGER or self.request.is_eager:
            return sent  # eager mode (demo): no retry loop inline; beat or the next notify retries
        countdown = min(backoff(self.request.retries + 1).total_seconds(), MAX_RETRY_COUNTDOWN)
        raise self.retry(exc=error, countdown=countdown)
    return sent


@shared_task(name="reporting.send_report_reminders", ignore_result=True)
def send_report_reminders_task() -> int:
    """Beat, every few minutes: reminders of periodic reports due within 7 days and 24 hours."""
    from reporting.reminders import send_report_reminders

    return send_report_reminders()
