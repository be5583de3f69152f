"""The Celery application: broker and behaviour come from Django settings (``CELERY_*``).

Every task of the portal inherits ``PortalTask``: acknowledged late (a lost worker means the task is
delivered again), retried with exponential backoff when the database is briefly away, and written so
that running it twice does no harm. A task that fails for good is recorded in ``FailedJob`` and shown
on the officers' operations page."""

import logging
import os
import traceback as tb

from celery import Celery, Task
from celery.signals import task_failure
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loi_portal.settings")

logger = logging.getLogger(__name__)


class PortalTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    # The database briefly away (failover, restart); anything else is a bug and is recorded.
    autoretry_for = (OperationalError, InterfaceError)


app = Celery("loi_portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_failure.connect
def record_failed_job(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **_):
    """Keep a row for the operations page; never let the bookkeeping itself break the worker."""
    try:
        from loi_portal.models import FailedJob

        FailedJob.objects.create(
            task_name=getattr(sender, "name", str(sender))[:200],
            task_id=task_id or "",
            args=repr({"args": args, "kwargs": kwargs})[:2000],
            exception=repr(exception)[:2000],
            traceback=(str(einfo) if einfo else "".join(tb.format_exception(exception)))[:20000],
        )
    except Exception:  # the failure is already logged by Celery; losing its row must not crash
        logger.exception("Could not record the failure of task %s", task_id)
