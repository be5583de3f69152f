"""Deadline synchronisation without a worker: the horizon rule, the reconciliation and tasks that
are safe to run twice or after their instant moved."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from calls import scheduling
from calls.enums import CallState
from calls.tasks import close_call_task, open_call_task, reconcile_calls_task
from loi_portal.celery import app
from loi_portal.models import AuditEntry, ScheduledTask
from tests.factories import make_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Not eager (as in production); records what would go to the broker instead of sending it."""
    app.conf.task_always_eager = False  # the autouse _celery_eager fixture restores it
    sent = []

    class Result:
        id = "task-id"

    def recorder(task):
        def apply_async(args=(), countdown=None, **kwargs):
            sent.append((task.name, tuple(args), countdown))
            return Result()

        return apply_async

    for task in (open_call_task, close_call_task):
        monkeypatch.setattr(task, "apply_async", recorder(task))
    return sent


def _closes(call):
    return AuditEntry.objects.filter(
        action="call.state", object_id=str(call.pk), details__new="closed"
    ).count()


def test_the_horizon_is_well_under_the_broker_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert scheduling.horizon().total_seconds() <= visibility / 2


def test_a_deadline_within_the_horizon_gets_one_countdown(queued, django_capture_on_commit_callbacks):
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.call_instants_changed(call)
    [(name, args, countdown)] = queued
    assert name == "calls.close_call" and args == (call.pk, call.deadline.isoformat())
    assert 590 < countdown <= 600
    scheduling.schedule_call(call.pk)  # again: already queued for this instant
    assert len(queued) == 1
    assert ScheduledTask.objects.get().eta == call.deadline


def test_a_distant_deadline_gets_no_countdown_until_the_reconciliation_reaches_it(queued):
    now = timezone.now()
    call = make_call(state=CallState.OPEN, deadline=now + dt.timedelta(days=2))
    scheduling.schedule_call(call.pk)
    scheduling.reconcile_calls(now=now)
    assert queued == [] and not ScheduledTask.objects.exists()
    later = call.deadline - dt.timedelta(minutes=20)
    scheduling.reconcile_calls(now=later)
    scheduling.reconcile_calls(now=later + dt.timedelta(minutes=1))
    assert [(name, countdown) for name, _args, countdown in queued] == [("calls.close_call", 20 * 60)]
    assert all(countdown <= scheduling.horizon().total_seconds() for *_x, countdown in queued)


def test_a_published_call_gets_countdowns_for_its_opening_and_deadline_when_near(queued):
    now = timezone.now()
    call = make_call(
        state=CallState.PUBLISHED,
        opens_at=now + dt.timedelta(minutes=5),
        deadline=now + dt.timedelta(minutes=25),
    )
    scheduling.schedule_call(call.pk, now=now)
    assert sorted(name for name, *_ in queued) == ["calls.close_call", "calls.open_call"]


def test_reconciliation_catches_up_after_an_outage_and_is_safe_to_run_twice(queued):
    past = timezone.now() - dt.timedelta(minutes=5)
    late_open = make_call(state=CallState.PUBLISHED, opens_at=past - dt.timedelta(hours=1))
    late_close = make_call(state=CallState.OPEN, deadline=past)
    missed_both = make_call(state=CallState.PUBLISHED, opens_at=past - dt.timedelta(days=1), deadline=past)
    draft = make_call(state=CallState.DRAFT, deadline=past)
    reconcile_calls_task.apply()
    reconcile_calls_task.apply()
    states = {c.pk: c.state for c in (late_open, late_close, missed_both, draft) if not c.refresh_from_db()}
    assert states == {
        late_open.pk: CallState.OPEN,
        late_close.pk: CallState.UNDER_EVALUATION,
        missed_both.pk: CallState.UNDER_EVALUATION,
        draft.pk: CallState.DRAFT,
    }
    assert _closes(late_close) == 1 and _closes(missed_both) == 1


def test_the_close_task_run_twice_closes_once():
    call = make_call(state=CallState.OPEN, deadline=timezone.now() - dt.timedelta(seconds=1))
    assert close_call_task.apply((call.pk, call.deadline.isoformat())).get() is True
    assert close_call_task.apply((call.pk, call.deadline.isoformat())).get() is False
    call.refresh_from_db()
    assert call.state == CallState.UNDER_EVALUATION and _closes(call) == 1


def test_a_close_task_for_a_moved_deadline_does_nothing():
    old = timezone.now() - dt.timedelta(seconds=1)
    call = make_call(state=CallState.OPEN, deadline=old + dt.timedelta(days=3))  # extended
    assert close_call_task.apply((call.pk, old.isoformat())).get() is False
    call.refresh_from_db()
    assert call.state == CallState.OPEN


def test_tasks_for_a_deleted_call_do_nothing():
    assert close_call_task.apply((987654, timezone.now().isoformat())).get() is False
    assert open_call_task.apply((987654, timezone.now().isoformat())).get() is False


def test_an_early_close_task_queues_itself_again_for_the_rest_of_the_wait(queued):
    call = make_call(state=CallState.OPEN, deadline=timezone.now() + dt.timedelta(seconds=90))
    close_call_task.push_request(is_eager=False)
    try:
        assert close_call_task.run(call.pk, call.deadline.isoformat()) is False
    finally:
        close_call_task.pop_request()
    [(name, _args, countdown)] = queued
    assert name == "calls.close_call" and 80 < countdown <= 90
    call.refresh_from_db()
    assert call.state == CallState.OPEN


def test_the_open_task_opens_a_published_call_at_its_opening():
    call = make_call(state=CallState.PUBLISHED, opens_at=timezone.now() - dt.timedelta(seconds=1))
    assert open_call_task.apply((call.pk, call.opens_at.isoformat())).get() is True
    assert open_call_task.apply((call.pk, call.opens_at.isoformat())).get() is False
    call.refresh_from_db()
    assert call.state == CallState.OPEN


def test_eager_mode_runs_only_what_is_due(django_capture_on_commit_callbacks):
    due = make_call(state=CallState.PUBLISHED, opens_at=timezone.now() - dt.timedelta(minutes=1))
    near = make_call(state=CallState.PUBLISHED, opens_at=timezone.now() + dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.call_instants_changed(due)
        scheduling.call_instants_changed(near)
    due.refresh_from_db()
    near.refresh_from_db()
    assert (due.state, near.state) == (CallState.OPEN, CallState.PUBLISHED)
