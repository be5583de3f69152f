"""The transactional outbox: notify() queues in the caller's transaction, the relay sends each
message once, a broker outage never breaks the commit, delivery errors back off."""

import datetime as dt
import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from loi_portal.models import FailedJob, OutboxMessage, OutboxStatus
from loi_portal.notifications import backoff, notify, relay_outbox
from loi_portal.tasks import relay_outbox_task
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _invite(users, key="k1"):
    return notify(
        users, "invitation", {"role": "researcher", "link": "https://x.example/"}, event="t", dedupe_key=key
    )


def test_notify_queues_one_pending_row_per_recipient_in_their_language():
    eu, jp = make_user("EU", language="en"), make_user("JP", language="ja")
    _invite([eu, jp, "plain@example.org"])
    rows = {row.to_address: row for row in OutboxMessage.objects.all()}
    assert set(rows) == {eu.email, jp.email, "plain@example.org"}
    assert rows[jp.email].language == "ja" and rows[jp.email].recipient == jp
    assert all(row.status == OutboxStatus.PENDING for row in rows.values())
    assert rows[eu.email].subject == "You are invited to the LoI Portal"


def test_the_same_event_is_queued_once_per_recipient():
    eu, jp = make_user("EU"), make_user("JP")
    assert _invite([eu]) == 1
    assert _invite([eu, jp]) == 1  # only jp is new
    assert _invite([eu, jp]) == 0
    assert OutboxMessage.objects.filter(dedupe_key="k1").count() == 2
    _invite([eu], key="k2")
    assert OutboxMessage.objects.filter(to_address=eu.email).count() == 2


def test_a_rolled_back_change_queues_no_email(django_capture_on_commit_callbacks):
    user = make_user("EU")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _invite([user])
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_after_commit_the_relay_sends_each_message_once(django_capture_on_commit_callbacks):
    user = make_user("JP")
    with django_capture_on_commit_callbacks(execute=True):
        _invite([user])
    assert [m.to for m in mail.outbox] == [[user.email]]
    relay_outbox_task.apply()
    relay_outbox()
    assert len(mail.outbox) == 1
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.SENT and row.sent_at is not None


def test_the_commit_succeeds_when_the_broker_is_unreachable(django_capture_on_commit_callbacks, monkeypatch):
    def broker_down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(relay_outbox_task, "delay", broker_down)
    user = make_user("EU")
    with django_capture_on_commit_callbacks(execute=True):
        _invite([user])
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    assert mail.outbox == []
    # Beat's periodic relay, once the broker is back.
    assert relay_outbox() == (1, None)
    assert len(mail.outbox) == 1


def test_a_delivery_error_keeps_the_message_pending_with_backoff_then_fails_it(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2

    def smtp_down(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", smtp_down)
    _invite([make_user("EU")])
    sent, error = relay_outbox()
    row = OutboxMessage.objects.get()
    assert sent == 0 and isinstance(error, smtplib.SMTPServerDisconnected)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    assert relay_outbox() == (0, None)  # not due yet: the relay does not hammer the server
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    relay_outbox()
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.attempts == 2 and "gone" in row.last_error


def test_the_relay_task_retries_with_exponential_backoff_on_smtp_errors(monkeypatch):
    monkeypatch.setattr("django.core.mail.EmailMessage.send", lambda self, fail_silently=False: 1 / 0)
    retried = {}

    def fake_retry(exc=None, countdown=None, **kwargs):
        retried.update(exc=exc, countdown=countdown)
        raise Retry(exc=exc)

    monkeypatch.setattr(relay_outbox_task, "retry", fake_retry)
    _invite([make_user("EU")])
    relay_outbox_task.push_request(retries=2, is_eager=False)
    try:
        with pytest.raises(Retry):
            relay_outbox_task.run()
    finally:
        relay_outbox_task.pop_request()
    assert isinstance(retried["exc"], ZeroDivisionError)
    assert retried["countdown"] == backoff(3).total_seconds() == 120


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == dt.timedelta(minutes=30)


def test_a_task_that_fails_is_recorded_as_a_failed_job(monkeypatch):
    def broken():
        raise RuntimeError("database says no")

    monkeypatch.setattr("calls.scheduling.reconcile_calls", broken)
    from calls.tasks import reconcile_calls_task

    result = reconcile_calls_task.apply(throw=False)
    assert result.failed()
    job = FailedJob.objects.get()
    assert job.task_name == "calls.reconcile_calls" and "database says no" in job.exception


def test_the_database_refuses_a_second_row_for_the_same_event_and_address():
    from django.db import IntegrityError

    fields = {"to_address": "a@example.org", "subject": "s", "body": "b", "event": "e", "dedupe_key": "same"}
    OutboxMessage.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(**fields)
    # Without a key, nothing is deduplicated.
    OutboxMessage.objects.create(**{**fields, "dedupe_key": ""})
    OutboxMessage.objects.create(**{**fields, "dedupe_key": ""})
    assert OutboxMessage.objects.count() == 3
