"""Keeps the Celery schedule in step with a call's instants (opening and deadline).

Redis redelivers a task whose countdown outlives the broker's visibility timeout, again and again, so
no countdown here is longer than ``CALL_COUNTDOWN_HORIZON_SECONDS`` (30 minutes by default, the
visibility timeout is an hour). An instant further away is reached by ``reconcile_calls`` (beat, every
minute), which also opens and closes whatever a stopped worker or beat missed. A countdown records a
``ScheduledTask`` row, unique per call, action and instant, so each instant is queued once; a moved
instant gets a new countdown and the old task, finding the instant changed, does nothing.

The request-time deadline check of the proposals stays the guard; these tasks only move the state."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from loi_portal import clock
from loi_portal.models import ScheduledTask

from .enums import CallState
from .models import Call

logger = logging.getLogger(__name__)

OPEN_TASK = "calls.open_call"
CLOSE_TASK = "calls.close_call"


def horizon() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CALL_COUNTDOWN_HORIZON_SECONDS)


def _eager() -> bool:
    from loi_portal.celery import app

    return bool(app.conf.task_always_eager)


def call_instants_changed(call) -> None:
    """Schedule (after commit) whatever must happen at ``call.opens_at`` and ``call.deadline``:
    a countdown when the instant is within the horizon, nothing otherwise (the reconciliation will)."""
    call_id = call.pk
    transaction.on_commit(lambda: schedule_call(call_id))


def pending_instants(call: Call) -> list[tuple[str, dt.datetime]]:
    """The (task, instant) pairs still ahead of a call in its current state."""
    if call.state == CallState.PUBLISHED:
        return [(OPEN_TASK, call.opens_at), (CLOSE_TASK, call.deadline)]
    if call.state == CallState.OPEN:
        return [(CLOSE_TASK, call.deadline)]
    return []


def schedule_call(call_id: int, *, now: dt.datetime | None = None) -> list[ScheduledTask]:
    """Queue a countdown for each instant of the call that falls within the horizon and has none yet.
    Never raises for a broker outage: the reconciliation queues it again a minute later."""
    now = now or clock.now()
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return []
    queued = []
    for task_name, instant in pending_instants(call):
        if instant - now > horizon():
            continue  # too far for a countdown: reconcile_calls reaches it later
        if _eager():
            # Eager mode (the demo) ignores countdowns: only what is already due runs, inline.
            if instant <= now:
                _task(task_name).delay(call.pk, instant.isoformat())
            continue
        row = queue_countdown(task_name, call.pk, instant, now=now)
        if row is not None:
            queued.append(row)
    return queued


def queue_countdown(task_name: str, call_id: int, instant: dt.datetime, *, now: dt.datetime):
    """Queue the task for ``instant`` once (the ScheduledTask row is the marker). Returns the row, or
    None when it was already queued or the broker could not be reached."""
    if ScheduledTask.objects.filter(task_name=task_name, object_id=call_id, eta=instant).exists():
        return None
    countdown = max((instant - now).total_seconds(), 0)
    try:
        with transaction.atomic():
            row = ScheduledTask.objects.create(task_name=task_name, object_id=call_id, eta=instant)
            result = _task(task_name).apply_async((call_id, instant.isoformat()), countdown=countdown)
            row.task_id = result.id or ""
            row.save(update_fields=["task_id"])
    except IntegrityError:
        return None  # queued concurrently by another reconciliation
    except Exception:  # the broker is away: no row, so the next reconciliation tries again
        logger.warning("Could not queue %s for call %s", task_name, call_id, exc_info=True)
        return None
    return row


def _move(service, call) -> bool:
    """Run open_call/close_call for one call; a refusal of one call must not stop the others."""
    try:
        service(call, by=None)
    except ValidationError as exc:
        logger.warning("%s refused for call %s: %s", service.__name__, call.pk, exc.messages)
        return False
    return True


def _task(task_name: str):
    from . import tasks

    return {OPEN_TASK: tasks.open_call_task, CLOSE_TASK: tasks.close_call_task}[task_name]


def reconcile_calls(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Open every published call whose opening passed, close every call whose deadline passed (after
    any outage of beat or the workers), and queue countdowns for the instants now within the
    horizon. Safe to run twice and concurrently (the call services lock the row and are idempotent)."""
    from .services import close_call, open_call

    now = now or clock.now()
    done = {"opened": 0, "closed": 0, "queued": 0}
    for call in Call.objects.filter(state=CallState.PUBLISHED, opens_at__lte=now, deadline__gt=now):
        if _move(open_call, call):
            done["opened"] += 1
    for call in Call.objects.filter(state__in=[CallState.PUBLISHED, CallState.OPEN], deadline__lte=now):
        if _move(close_call, call):
            done["closed"] += 1
    ScheduledTask.objects.filter(
        task_name__in=[OPEN_TASK, CLOSE_TASK], eta__lte=now, done_at__isnull=True
    ).update(done_at=now)
    upcoming = Call.objects.filter(state__in=[CallState.PUBLISHED, CallState.OPEN]).filter(
        deadline__lte=now + horizon()
    ) | Call.objects.filter(state=CallState.PUBLISHED, opens_at__lte=now + horizon())
    for call_id in upcoming.values_list("pk", flat=True).distinct():
        done["queued"] += len(schedule_call(call_id, now=now))
    return done
