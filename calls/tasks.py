"""Celery tasks of the calls: thin wrappers around the call services and ``calls.scheduling``.

Each task receives ids and the instant it was queued for, never model instances, and does nothing
when the call is gone or the instant moved (a newer task owns it), so running one twice is harmless."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from loi_portal import clock
from loi_portal.models import ScheduledTask

from . import scheduling
from .enums import CallState
from .models import Call


def _due(task, call_id: int, instant_iso: str, field: str, states: set[str]) -> tuple[Call | None, bool]:
    """(the call when this task still owns ``instant_iso`` and the instant has come, whether this
    task is finished). A task that arrives early (clock skew) queues itself again for the rest."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None or call.state not in states:
        return None, True
    instant = getattr(call, field)
    if instant != dt.datetime.fromisoformat(instant_iso):
        return None, True  # moved (an approved extension): the task queued for the new instant acts
    wait = (instant - clock.now()).total_seconds()
    if wait > 0:
        if task.request.is_eager:
            return None, False
        task.apply_async((call_id, instant_iso), countdown=min(wait, scheduling.horizon().total_seconds()))
        return None, False
    return call, True


def _mark_done(task_name: str, call_id: int, instant_iso: str) -> None:
    ScheduledTask.objects.filter(
        task_name=task_name, object_id=call_id, eta=dt.datetime.fromisoformat(instant_iso), done_at=None
    ).update(done_at=timezone.now())


@shared_task(name=scheduling.OPEN_TASK, bind=True, ignore_result=True)
def open_call_task(self, call_id: int, opens_at_iso: str) -> bool:
    """Open the call at ``opens_at_iso``, unless it is gone, no longer published, or its opening moved."""
    from .services import open_call

    call, finished = _due(self, call_id, opens_at_iso, "opens_at", {CallState.PUBLISHED})
    if call is not None:
        open_call(call, by=None)
    if finished:
        _mark_done(scheduling.OPEN_TASK, call_id, opens_at_iso)
    return call is not None


@shared_task(name=scheduling.CLOSE_TASK, bind=True, ignore_result=True)
def close_call_task(self, call_id: int, deadline_iso: str) -> bool:
    """Close the call at ``deadline_iso``, unless it is gone, already closed, or its deadline moved."""
    from .services import close_call

    call, finished = _due(self, call_id, deadline_iso, "deadline", {CallState.PUBLISHED, CallState.OPEN})
    if call is not None:
        close_call(call, by=None)
    if finished:
        _mark_done(scheduling.CLOSE_TASK, call_id, deadline_iso)
    return call is not None


@shared_task(name="calls.reconcile_calls", ignore_result=True)
def reconcile_calls_task() -> dict[str, int]:
    """Beat, every minute: catch up on every passed instant and queue the near countdowns."""
    return scheduling.reconcile_calls()
